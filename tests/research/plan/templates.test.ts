/**
 * Templates: content-derived ids (stable under rewording and reordering, changed by any semantic change), spec
 * tasks for missing event families and features (located at file:line), and located errors for duplicates.
 * Ids are checked against SHA-256 computed here from the literal canonical JSON (node:crypto, FIPS 180-4).
 */
import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConcepts } from '../../../lib/research/concepts.js';
import { loadCatalog } from '../../../lib/research/catalog.js';
import { buildTemplates, templateIdOf, parseTemplatesJsonl } from '../../../lib/research/templates.js';
import { templatesStage } from '../../../lib/stages/templates/definition.js';
import { blockedWarning } from '../../../lib/stages/templates/run.js';
import { LakeDb, readTableFile, stringsOf, type DictColumn } from '../../../lib/lake/index.js';
import { SpecError, exitCodeOf } from '../../../lib/errors.js';
import { withTempDir } from '../../helpers/tmp.js';
import { runStage, writeSpec } from './fixtures.js';

const EVENTS = `events:
  - {name: spike_a, family: spike, condition: {gt: {feature: x, value: 1}}, direction: 1, cooldown_bars: 0, attributes: []}
  - {name: spike_b, family: spike, condition: {gt: {feature: x, value: 2}}, direction: 1, cooldown_bars: 0, attributes: []}
  - {name: drop_a, family: drop, condition: {lt: {feature: x, value: -1}}, direction: -1, cooldown_bars: 0, attributes: []}
`;
const FEATURES = `features:
  - {name: rv_12, family: realized_vol, params: {window: 12}}
`;
const CONCEPTS = `concepts:
  - id: spike-follow
    claim: spikes continue
    event_family: spike
    expected: follow
    horizons_bars: [8, 4]
    universe: all
  - id: drop-fade
    claim: drops revert
    event_family: drop
    expected: fade
    horizons_bars: [6]
    universe: {markets: [um]}
    requires_features: [rv_12]
  - id: basis
    claim: basis converges
    event_family: basis_blowout
    expected: fade
    horizons_bars: [12]
    universe: {symbols: [AAA]}
    requires_features: [rv_12, basis_bps]
`;

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

async function templatesOf(files: Record<string, string>) {
  return withTempDir(async (dir) => {
    const spec = join(dir, 'spec');
    await writeSpec(spec, files);
    return buildTemplates(await loadConcepts(spec), await loadCatalog(spec));
  });
}

async function errorOf(p: Promise<unknown>): Promise<SpecError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof SpecError) return e;
    throw e;
  }
  throw new Error('expected a SpecError');
}

describe('template ids', () => {
  test('equal the SHA-256 of the canonical JSON of the semantic fields (computed independently)', () => {
    const literal = '{"event_family":"spike","expected":"follow","horizons_bars":[4,8],"requires_features":[],"universe":"all"}';
    expect(templateIdOf({ event_family: 'spike', expected: 'follow', horizons_bars: [8, 4], universe: 'all', requires_features: [] }))
      .toBe('tpl-' + sha(literal).slice(0, 12));
    const literal2 = '{"event_family":"drop","expected":"fade","horizons_bars":[6],"requires_features":["a","b"],"universe":{"markets":["cm","um"],"symbols":["X"]}}';
    expect(templateIdOf({ event_family: 'drop', expected: 'fade', horizons_bars: [6], universe: { symbols: ['X'], markets: ['um', 'cm'] }, requires_features: ['b', 'a'] }))
      .toBe('tpl-' + sha(literal2).slice(0, 12));
  });

  test('stable under claim rewording, key order, concept order, list order and formatting', async () => {
    const base = await templatesOf({ 'events/e.yaml': EVENTS, 'features/f.yaml': FEATURES, 'concepts/c.yaml': CONCEPTS });
    const reworded = `# reordered, reworded, flow style
concepts:
  - {universe: {symbols: [AAA]}, requires_features: [basis_bps, rv_12], horizons_bars: [12], expected: fade, event_family: basis_blowout, claim: "the basis closes", id: basis}
  - id: spike-follow
    universe: all
    horizons_bars: [4, 8]
    expected: follow
    event_family: spike
    claim: A spike is followed by more of the same, in other words.
  - {id: drop-fade, claim: x, event_family: drop, expected: fade, horizons_bars: [6], universe: {markets: [um]}, requires_features: [rv_12]}
`;
    const other = await templatesOf({ 'events/e.yaml': EVENTS, 'features/f.yaml': FEATURES, 'concepts/c.yaml': reworded });
    const ids = (r: typeof base) => r.templates.map((t) => [t.concept_id, t.id]);
    expect(ids(other)).toEqual(ids(base));
    expect(base.templates.map((t) => t.id)).toEqual([...base.templates.map((t) => t.id)].sort());
  });

  test('changed by every semantic field', () => {
    const c = { event_family: 'spike', expected: 'follow' as const, horizons_bars: [4, 8], universe: 'all' as const, requires_features: [] as string[] };
    const id = templateIdOf(c);
    const variants = [
      { ...c, event_family: 'drop' },
      { ...c, expected: 'fade' as const },
      { ...c, horizons_bars: [4, 9] },
      { ...c, horizons_bars: [4] },
      { ...c, universe: { markets: ['um'] } },
      { ...c, universe: { symbols: ['um'] } },
      { ...c, requires_features: ['rv_12'] },
    ];
    const ids = variants.map(templateIdOf);
    for (const v of ids) expect(v).not.toBe(id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('status and spec tasks', () => {
  test('missing family and features become blocked templates and located spec tasks', async () => {
    const { templates, specTasks } = await templatesOf({ 'events/e.yaml': EVENTS, 'features/f.yaml': FEATURES, 'concepts/c.yaml': CONCEPTS });
    const byConcept = new Map(templates.map((t) => [t.concept_id, t]));
    expect(byConcept.get('spike-follow')).toMatchObject({ status: 'ready', events: ['spike_a', 'spike_b'], horizons_bars: [4, 8], source: 'spec/concepts/c.yaml:2' });
    expect(byConcept.get('drop-fade')).toMatchObject({ status: 'ready', events: ['drop_a'], requires_features: ['rv_12'] });
    const basis = byConcept.get('basis')!;
    expect(basis).toMatchObject({ status: 'blocked', events: [], missing: { event_families: ['basis_blowout'], features: ['basis_bps'] } });
    expect(specTasks).toEqual([
      { template_id: basis.id, concept_id: 'basis', kind: 'event_family', name: 'basis_blowout', claim: 'basis converges', source: 'spec/concepts/c.yaml:17' },
      { template_id: basis.id, concept_id: 'basis', kind: 'feature', name: 'basis_bps', claim: 'basis converges', source: 'spec/concepts/c.yaml:21' },
    ]);
  });

  test('the warning names each blocked concept, where it is, what is missing, and the way out', async () => {
    const { templates, specTasks } = await templatesOf({ 'events/e.yaml': EVENTS, 'features/f.yaml': FEATURES, 'concepts/c.yaml': CONCEPTS });
    const ready = templates.filter((t) => t.status === 'ready').length;
    expect(blockedWarning(templates.length, ready, specTasks)).toBe(
      '1 of 3 templates blocked by 2 spec tasks (research/templates/spec_tasks.parquet): concept basis (spec/concepts/c.yaml:17) needs ' +
      'event family basis_blowout (no spec/events/*.yaml event has family: basis_blowout) and feature basis_bps (not in spec/features/*.yaml). ' +
      'Declare what is missing, or remove the concept from its spec/concepts file (it is not researched until then)');
  });

  test('without spec/events every concept is blocked on its family', async () => {
    const { templates, specTasks } = await templatesOf({ 'concepts/c.yaml': CONCEPTS });
    expect(templates.every((t) => t.status === 'blocked')).toBe(true);
    expect(specTasks.filter((s) => s.kind === 'event_family').map((s) => s.name).sort()).toEqual(['basis_blowout', 'drop', 'spike']);
    expect(specTasks.filter((s) => s.kind === 'feature').map((s) => s.name).sort()).toEqual(['basis_bps', 'rv_12', 'rv_12']);
  });
});

describe('located errors', () => {
  test('a duplicate concept id names both places', async () => {
    const err = await errorOf(templatesOf({
      'concepts/a.yaml': CONCEPTS,
      'concepts/b.yaml': 'concepts:\n  - {id: drop-fade, claim: y, event_family: drop, expected: follow, horizons_bars: [1], universe: all}\n',
    }));
    expect(err.issues).toEqual(['spec/concepts/b.yaml:2:10 concepts[0].id: duplicate concept id "drop-fade" (first at spec/concepts/a.yaml:8:9)']);
    expect(exitCodeOf(err)).toBe(3);
  });

  test('two concepts with the same meaning are one template: error naming both', async () => {
    const dup = CONCEPTS + `  - id: spike-follow-again
    claim: the same claim in other words
    event_family: spike
    expected: follow
    horizons_bars: [4, 8]
    universe: all
`;
    const err = await errorOf(templatesOf({ 'concepts/c.yaml': dup }));
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatch(/^spec\/concepts\/c\.yaml:22 concept "spike-follow-again" is the same template \(tpl-[0-9a-f]{12}\) as concept "spike-follow" at spec\/concepts\/c\.yaml:2/);
  });

  test('schema problems are located', async () => {
    const err = await errorOf(templatesOf({ 'concepts/c.yaml': 'concepts:\n  - {id: Bad Id, claim: x, event_family: s, expected: follow, horizons_bars: [0], universe: all}\n' }));
    expect(err.issues.some((i) => i.startsWith('spec/concepts/c.yaml:2:10 concepts[0].id'))).toBe(true);
    expect(err.issues.some((i) => i.startsWith('spec/concepts/c.yaml:2:') && i.includes('horizons_bars[0]'))).toBe(true);
  });
});

describe('templates stage', () => {
  test('writes templates.jsonl and spec_tasks.parquet', async () => {
    await withTempDir(async (dir) => {
      const spec = join(dir, 'spec');
      await writeSpec(spec, { 'events/e.yaml': EVENTS, 'features/f.yaml': FEATURES, 'concepts/c.yaml': CONCEPTS });
      const m = await runStage(templatesStage, join(dir, 'data'), spec, {});
      expect(m.summary.rows).toEqual({ templates: 3, spec_tasks: 2 });
      const out = join(dir, 'data', 'research', 'templates');
      const text = await readFile(join(out, 'templates.jsonl'), 'utf8');
      const templates = parseTemplatesJsonl(text, 'templates.jsonl');
      expect(templates.map((t) => t.concept_id).sort()).toEqual(['basis', 'drop-fade', 'spike-follow']);
      const db = await LakeDb.open();
      try {
        const cols = await readTableFile(db, join(out, 'spec_tasks.parquet'), [
          { name: 'concept_id', type: 'str' }, { name: 'kind', type: 'str' }, { name: 'name', type: 'str' }, { name: 'source', type: 'str' },
        ]);
        expect(stringsOf(cols.kind as DictColumn)).toEqual(['event_family', 'feature']);
        expect(stringsOf(cols.name as DictColumn)).toEqual(['basis_blowout', 'basis_bps']);
        expect(stringsOf(cols.source as DictColumn)).toEqual(['spec/concepts/c.yaml:17', 'spec/concepts/c.yaml:21']);
      } finally {
        db.close();
      }
    });
  });

  test('the shipped backlog loads, with basis_blowout as a spec task', async () => {
    const spec = join(process.cwd(), 'spec');
    const concepts = await loadConcepts(spec);
    expect(concepts.length).toBeGreaterThanOrEqual(7);
    const { specTasks } = buildTemplates(concepts, await loadCatalog(spec));
    expect(specTasks.some((s) => s.kind === 'event_family' && s.name === 'basis_blowout')).toBe(true);
  });
});
