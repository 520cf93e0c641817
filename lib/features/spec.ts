/**
 * Feature specs (spec/features/*.yaml) -> a validated, topologically ordered FeatureSet.
 *
 *   features: [{ name, family, params?, input?, description? }]
 *   cross_section: { universe: { markets?: [...], exchanges?: [...] }, reference_symbol: BTCUSDT | [BTCUSDT, ...] }
 *
 * Step 1, the spec loader: YAML + a JSON schema with one branch per family (its params, whether `input` is allowed),
 * errors at file:line:col. Step 2, semantic checks, also located: duplicate names (across files), names that clash
 * with bar fields or table columns, unknown inputs, dependency cycles (named), a second cross_section block, and a
 * reference symbol missing where rel_strength or btc_dominance need one. Every problem is reported at once.
 */
import { closestName } from '../text.js';
import { IDENTIFIER_PATTERN } from '../paths.js';
import { readdir, readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { SpecError } from '../errors.js';
import { MARKETS } from '../market.js';
import { parseSpecText } from '../spec/loader.js';
import { positionOf, type Anchor } from '../spec/locate.js';
import { formatPath } from '../spec/messages.js';
import { object, type SpecSchema } from '../spec/schema.js';
import { FAMILIES, FAMILY_BY_NAME } from './families.js';
import { BAR_INPUTS, type CrossSectionSpec, type FeatureDef, type FeatureSet, type SourcePos } from './types.js';

/** Lower case letter, then lower case letters, digits and _; at most 63 characters: the one identifier pattern (lib/paths.ts). */
export const FEATURE_NAME_PATTERN = IDENTIFIER_PATTERN;
/** Names a feature may not take: the table's own columns and partition keys. */
const RESERVED = new Set(['ts_ms', 'exchange', 'market', 'symbol', 'timeframe', 'month']);
const SYMBOL_PATTERN = '^[A-Za-z0-9._-]+$';

const featureBranch = (f: (typeof FAMILIES)[number]): SpecSchema => ({
  type: 'object',
  description: `a ${f.name} feature: ${f.formula} (${f.units})`,
  properties: {
    name: { type: 'string', pattern: FEATURE_NAME_PATTERN, description: 'column name in lake/features (lower case, digits, _)' },
    family: { const: f.name, description: 'the feature family (lib/features/README.md)' },
    params: object(`parameters of ${f.name}`, f.params, { default: {} }),
    ...(f.input ? { input: { type: 'string', minLength: 1, description: 'a bar field (open, high, low, close, volume, ...) or another feature' } } : {}),
    description: { type: 'string', description: 'free text', default: '' },
  },
  required: ['name', 'family', ...(f.input ? ['input'] : [])],
  additionalProperties: false,
});

/** JSON schema of one spec/features file. */
export const FEATURE_FILE_SCHEMA: SpecSchema = {
  type: 'object',
  description: 'point-in-time features computed per instrument (lib/features/README.md)',
  properties: {
    features: {
      type: 'array',
      description: 'feature columns, in output order',
      items: {
        type: 'object',
        description: 'one feature',
        discriminator: { propertyName: 'family' },
        oneOf: FAMILIES.map(featureBranch),
      },
      default: [],
    },
    cross_section: object('the universe of cross-sectional features and the reference symbol', {
      universe: object('instruments that make the cross-section (absent filters match everything)', {
        markets: { type: 'array', items: { enum: [...MARKETS] }, minItems: 1, uniqueItems: true, description: 'markets (spot, um, cm)' },
        exchanges: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true, description: 'exchanges (e.g. binance)' },
      }, { required: [], default: {} }),
      reference_symbol: {
        description: 'reference symbol, or several in priority order (at each bar the first one present is used)',
        anyOf: [
          { type: 'string', pattern: SYMBOL_PATTERN },
          { type: 'array', items: { type: 'string', pattern: SYMBOL_PATTERN }, minItems: 1, uniqueItems: true },
        ],
      },
    }, { required: [] }),
  },
  additionalProperties: false,
};

interface RawFeature {
  name: string;
  family: string;
  params: Record<string, unknown>;
  input?: string;
  description: string;
}
interface RawFile {
  features: RawFeature[];
  cross_section?: { universe: { markets?: string[]; exchanges?: string[] }; reference_symbol?: string | string[] };
}

/** Reads every .yaml/.yml file of `specDir` (sorted by name) and resolves them into one FeatureSet. */
export async function loadFeatureSpecs(specDir: string): Promise<FeatureSet> {
  let names: string[];
  try {
    names = (await readdir(specDir, { withFileTypes: true }))
      .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
      .map((e) => e.name)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  } catch (err) {
    throw new SpecError([`${specDir}: cannot read the feature spec folder (${(err as NodeJS.ErrnoException).code ?? err})`], {
      hint: 'feature specs live in spec/features/*.yaml',
    });
  }
  const files = await Promise.all(names.map(async (n) => ({ file: posix.join(specDir, n), text: await readFile(posix.join(specDir, n), 'utf8') })));
  return parseFeatureSpecs(files);
}

/** Parses, validates and resolves spec texts (`file` is the path shown in messages). Throws one SpecError. */
export function parseFeatureSpecs(files: readonly { file: string; text: string }[]): FeatureSet {
  const issues: string[] = [];
  const parsed: { file: string; raw: RawFile; doc: Document; lc: LineCounter }[] = [];
  for (const { file, text } of files) {
    try {
      const raw = parseSpecText<RawFile>(text, file, FEATURE_FILE_SCHEMA);
      const lc = new LineCounter();
      parsed.push({ file, raw, doc: parseDocument(text, { lineCounter: lc }), lc });
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      issues.push(...err.issues);
    }
  }
  if (issues.length > 0) throw new SpecError(issues, { hint: 'fix the feature specs at the positions shown and rerun' });

  type Located = { pos: SourcePos; text: string };
  const problems: Located[] = [];
  const at = (p: (typeof parsed)[number], segments: (string | number)[], anchor: Anchor = 'value'): SourcePos => {
    const pos = positionOf(p.doc, p.lc, segments.map(String), anchor);
    return { file: p.file, line: pos.line, col: pos.col };
  };
  const report = (pos: SourcePos, segments: (string | number)[], text: string) =>
    problems.push({ pos, text: `${formatPath(segments.map(String))}: ${text}` });

  // Features in spec order, with their positions.
  const features: (FeatureDef & { where: { p: (typeof parsed)[number]; i: number } })[] = [];
  const byName = new Map<string, (typeof features)[number]>();
  let cross: CrossSectionSpec | undefined;
  for (const p of parsed) {
    if (p.raw.cross_section) {
      const pos = at(p, ['cross_section'], 'key');
      if (cross) {
        report(pos, ['cross_section'], `a second cross_section block (the first is at ${fmt(cross.source!)}); keep one`);
      } else {
        const cs = p.raw.cross_section;
        const ref = cs.reference_symbol;
        cross = {
          universe: {
            ...(cs.universe.markets ? { markets: cs.universe.markets as CrossSectionSpec['universe']['markets'] } : {}),
            ...(cs.universe.exchanges ? { exchanges: cs.universe.exchanges } : {}),
          },
          reference_symbols: ref === undefined ? [] : typeof ref === 'string' ? [ref] : ref,
          source: pos,
        };
      }
    }
    p.raw.features.forEach((f, i) => {
      const def = {
        name: f.name, family: f.family, params: f.params, ...(f.input !== undefined ? { input: f.input } : {}),
        description: f.description, source: at(p, ['features', i, 'name']), deps: [] as string[], where: { p, i },
      };
      const path = ['features', i, 'name'];
      const first = byName.get(f.name);
      if (first) {
        report(def.source, path, `duplicate feature name "${f.name}" (first defined at ${fmt(first.source)})`);
        return;
      }
      if (RESERVED.has(f.name) || (BAR_INPUTS as readonly string[]).includes(f.name)) {
        report(def.source, path, `"${f.name}" is reserved (a bar field or a column of lake/features); choose another name`);
        return;
      }
      byName.set(f.name, def);
      features.push(def);
    });
  }

  // Inputs: a bar field or a known feature.
  for (const f of features) {
    if (f.input === undefined) continue;
    if ((BAR_INPUTS as readonly string[]).includes(f.input)) continue;
    if (byName.has(f.input)) {
      f.deps.push(f.input);
      continue;
    }
    const { p, i } = f.where;
    const guess = closestName(f.input, [...BAR_INPUTS, ...byName.keys()]);
    report(at(p, ['features', i, 'input']), ['features', i, 'input'],
      `unknown input "${f.input}": not a bar field (${BAR_INPUTS.join(', ')}) nor a feature${guess ? ` (did you mean "${guess}"?)` : ''}`);
  }

  // Cross-section requirements.
  for (const f of features) {
    const fam = FAMILY_BY_NAME.get(f.family)!;
    if ((fam.cross === 'reference' || fam.cross === 'market_cap') && (!cross || cross.reference_symbols.length === 0)) {
      const { p, i } = f.where;
      report(at(p, ['features', i, 'family']), ['features', i, 'family'],
        `${f.family} needs a reference symbol: add cross_section: { reference_symbol: BTCUSDT } to a spec/features file`);
    }
  }

  // Cycles (only among features that passed the checks above).
  const order = topoOrder(features, (cycle) => {
    const f = byName.get(cycle[0]!)!;
    report(at(f.where.p, ['features', f.where.i, 'input']), ['features', f.where.i, 'input'], `dependency cycle: ${cycle.join(' -> ')}`);
  });

  if (problems.length > 0) {
    problems.sort((a, b) => (a.pos.file < b.pos.file ? -1 : a.pos.file > b.pos.file ? 1 : a.pos.line - b.pos.line || a.pos.col - b.pos.col));
    throw new SpecError(problems.map((x) => `${fmt(x.pos)} ${x.text}`), { hint: 'fix the feature specs at the positions shown and rerun' });
  }
  const strip = ({ where: _w, ...f }: (typeof features)[number]): FeatureDef => f;
  return {
    features: features.map(strip),
    order: order.map(strip),
    cross_section: cross ?? { universe: {}, reference_symbols: [] },
  };
}

/** Column names of a feature set, in spec order (the order of lake/features columns after ts_ms). */
export function featureNames(set: FeatureSet): string[] {
  return set.features.map((f) => f.name);
}

/**
 * Kahn's algorithm, stable (ready features in spec order). Features on a cycle are reported once per cycle (the
 * cycle named from its first feature in spec order) and left out of the order.
 */
function topoOrder<T extends { name: string; deps: string[] }>(features: readonly T[], onCycle: (cycle: string[]) => void): T[] {
  const index = new Map(features.map((f, i) => [f.name, i]));
  const pending = features.map((f) => f.deps.filter((d) => index.has(d)).length);
  const users: number[][] = features.map(() => []);
  features.forEach((f, i) => f.deps.forEach((d) => index.has(d) && users[index.get(d)!]!.push(i)));
  const done = new Array<boolean>(features.length).fill(false);
  const out: T[] = [];
  for (let progressed = true; progressed;) {
    progressed = false;
    for (let i = 0; i < features.length; i++) {
      if (done[i] || pending[i]! > 0) continue;
      done[i] = true;
      out.push(features[i]!);
      for (const u of users[i]!) pending[u]!--;
      progressed = true;
      break; // restart from the top: the first ready feature in spec order goes next
    }
  }
  const reported = new Set<number>();
  for (let i = 0; i < features.length; i++) {
    if (done[i] || reported.has(i)) continue;
    // Follow unresolved dependencies from i until a feature repeats: that loop is a cycle.
    const path: number[] = [];
    const seen = new Map<number, number>();
    let cur = i;
    while (!seen.has(cur)) {
      seen.set(cur, path.length);
      path.push(cur);
      const next = features[cur]!.deps.map((d) => index.get(d)).find((j) => j !== undefined && !done[j]);
      if (next === undefined) break;
      cur = next;
    }
    if (!seen.has(cur) || features[cur]!.deps.length === 0) continue;
    const loop = path.slice(seen.get(cur)!);
    if (loop.some((j) => reported.has(j))) {
      loop.forEach((j) => reported.add(j));
      continue;
    }
    loop.forEach((j) => reported.add(j));
    const start = Math.min(...loop);
    const rot = [...loop.slice(loop.indexOf(start)), ...loop.slice(0, loop.indexOf(start))];
    onCycle([...rot, start].map((j) => features[j]!.name));
  }
  return out;
}

function fmt(p: SourcePos): string {
  return `${p.file}:${p.line}:${p.col}`;
}


