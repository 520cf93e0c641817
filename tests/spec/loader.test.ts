import { describe, expect, test } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode, SpecError } from '../../lib/errors.js';
import { issuesOf, asyncIssuesOf } from '../helpers/spec_errors.js';
import { loadSpecDir, loadSpecFile, parseSpecText, validateSpecValue } from '../../lib/spec/loader.js';
import { boolean, integer, number, object, oneOfStrings } from '../../lib/spec/schema.js';

// A feature-like schema: required fields, an enum with a default, a nested object filled by defaults, a list.
const schema = object('test feature spec', {
  name: { type: 'string', description: 'feature name' },
  window_bars: integer('rolling window length, in bars', { minimum: 1 }),
  mode: oneOfStrings(['fast', 'slow'], 'update mode', { default: 'fast' }),
  options: object(
    'options',
    {
      clip_sigma: number('clip at this many standard deviations', { default: 5, exclusiveMinimum: 0 }),
      demean: boolean('subtract the rolling mean', { default: false }),
    },
    { default: {} },
  ),
  inputs: {
    type: 'array',
    description: 'input columns',
    default: [],
    items: object('one input', {
      column: { type: 'string', description: 'column name' },
      lag_bars: integer('lag, in bars', { minimum: 0 }),
    }),
  },
});

interface Spec {
  name: string;
  window_bars: number;
  mode: 'fast' | 'slow';
  options: { clip_sigma: number; demean: boolean };
  inputs: { column: string; lag_bars: number }[];
}



describe('parseSpecText: valid specs', () => {
  test('fills every default in the loader (nested objects and lists too)', () => {
    const spec = parseSpecText<Spec>('name: vol\nwindow_bars: 12\n', 'spec/features/vol.yaml', schema);
    expect(spec).toEqual({
      name: 'vol',
      window_bars: 12,
      mode: 'fast',
      options: { clip_sigma: 5, demean: false },
      inputs: [],
    });
  });

  test('keeps given values over defaults', () => {
    const text = 'name: vol\nwindow_bars: 12\nmode: slow\noptions:\n  demean: true\n';
    const spec = parseSpecText<Spec>(text, 'x.yaml', schema);
    expect(spec.mode).toBe('slow');
    expect(spec.options).toEqual({ clip_sigma: 5, demean: true });
  });

  test('resolves anchors and aliases', () => {
    const text = 'name: &n vol\nwindow_bars: 3\ninputs:\n  - {column: *n, lag_bars: 0}\n';
    expect(parseSpecText<Spec>(text, 'x.yaml', schema).inputs).toEqual([{ column: 'vol', lag_bars: 0 }]);
  });
});

describe('parseSpecText: located schema errors', () => {
  test('a string where a number belongs is reported at the value, with the value', () => {
    // Line 2 is `window_bars: "5m"`: the value starts after "window_bars: " (13 chars), so column 14.
    const issues = issuesOf(() => parseSpecText('name: vol\nwindow_bars: "5m"\n', 'spec/features/vol.yaml', schema));
    expect(issues).toEqual(['spec/features/vol.yaml:2:14 window_bars: must be integer, was "5m"']);
  });

  test('an unknown key is reported at the key, with a suggestion and the allowed keys', () => {
    // Line 4 is `  demaen: true`: the key starts at column 3.
    const text = 'name: vol\nwindow_bars: 5\noptions:\n  demaen: true\n';
    expect(issuesOf(() => parseSpecText(text, 'f.yaml', schema))).toEqual([
      'f.yaml:4:3 options.demaen: unknown key "demaen" (did you mean "demean"? allowed: clip_sigma, demean)',
    ]);
  });

  test('a missing required key is reported at the mapping that lacks it', () => {
    // The list item mapping starts at line 4, column 5 (`column: ret`), after "  - ".
    const text = 'name: vol\nwindow_bars: 5\ninputs:\n  - column: ret\n';
    expect(issuesOf(() => parseSpecText(text, 'f.yaml', schema))).toEqual([
      'f.yaml:4:5 inputs[0]: missing required key "lag_bars"',
    ]);
  });

  test('a missing required key at the top level points at the start of the document', () => {
    expect(issuesOf(() => parseSpecText('# header\nname: vol\n', 'f.yaml', schema))).toEqual([
      'f.yaml:2:1 (top level): missing required key "window_bars"',
    ]);
  });

  test('an enum violation lists the allowed values', () => {
    const text = 'name: vol\nwindow_bars: 5\nmode: medium\n';
    expect(issuesOf(() => parseSpecText(text, 'f.yaml', schema))).toEqual([
      'f.yaml:3:7 mode: must be one of "fast", "slow", was "medium"',
    ]);
  });

  test('an empty value is reported at its key', () => {
    const text = 'name: vol\nwindow_bars:\n';
    expect(issuesOf(() => parseSpecText(text, 'f.yaml', schema))).toEqual([
      'f.yaml:2:1 window_bars: must be integer, was null',
    ]);
  });

  test('reports every error at once, sorted by position', () => {
    const text = [
      'name: 7', //                         line 1: wrong type at col 7
      'window_bars: 0', //                  line 2: below minimum at col 14
      'colour: red', //                     line 3: unknown key at col 1
      'inputs:',
      '  - {column: ret, lag_bars: -1}', // line 5: below minimum; `-1` at col 29
    ].join('\n');
    expect(issuesOf(() => parseSpecText(text, 'f.yaml', schema))).toEqual([
      'f.yaml:1:7 name: must be string, was 7',
      'f.yaml:2:14 window_bars: must be >= 1, was 0',
      'f.yaml:3:1 colour: unknown key "colour" (allowed: name, window_bars, mode, options, inputs)',
      'f.yaml:5:29 inputs[0].lag_bars: must be >= 0, was -1',
    ]);
  });

  test('the SpecError message lists every issue and maps to the invalid-input exit code', () => {
    let caught: unknown;
    try {
      parseSpecText('window_bars: x\nfoo: 1\n', 'f.yaml', schema);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SpecError);
    const err = caught as SpecError;
    expect(err.exitCode).toBe(ExitCode.invalidInput);
    expect(err.issues).toHaveLength(3);
    expect(err.message).toContain('3 spec errors');
    expect(err.describe()).toContain('fix f.yaml');
  });

  test('an empty document is one error: the top level must be an object', () => {
    expect(issuesOf(() => parseSpecText('', 'f.yaml', schema))).toEqual([
      'f.yaml:1:1 (top level): must be object, was null',
    ]);
  });

  test('YAML .inf is not a usable number', () => {
    const text = 'name: vol\nwindow_bars: 5\noptions: {clip_sigma: .inf}\n';
    expect(issuesOf(() => parseSpecText(text, 'f.yaml', schema))).toEqual([
      'f.yaml:3:23 options.clip_sigma: must be finite number, was Infinity',
    ]);
  });
});

describe('parseSpecText: YAML errors', () => {
  test('a syntax error is located', () => {
    // The unterminated quote runs to the end of the text; yaml reports it where the closing quote is missing.
    const issues = issuesOf(() => parseSpecText('name: "vol\nwindow_bars: 5\n', 'f.yaml', schema));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^f\.yaml:3:1 YAML syntax error: Missing closing "quote/);
  });

  test('a bad indent is located at the offending line', () => {
    const issues = issuesOf(() => parseSpecText('name: vol\n  window_bars: 5\n', 'f.yaml', schema));
    expect(issues.length).toBeGreaterThanOrEqual(1);
    expect(issues[0]).toMatch(/^f\.yaml:1:7 YAML syntax error: /);
  });

  test('a duplicate key is an error at the second occurrence, with its path', () => {
    const text = 'name: vol\noptions:\n  demean: true\n  demean: false\nwindow_bars: 5\n';
    expect(issuesOf(() => parseSpecText(text, 'f.yaml', schema))).toEqual([
      'f.yaml:4:3 options.demean: duplicate key "demean" (a key may appear only once in a mapping)',
    ]);
  });

  test('an alias to an undefined anchor is located', () => {
    const issues = issuesOf(() => parseSpecText('name: *nope\nwindow_bars: 5\n', 'f.yaml', schema));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^f\.yaml:1:7 YAML syntax error: .*\*nope/);
  });

  test('several documents in one file are refused', () => {
    const issues = issuesOf(() => parseSpecText('name: a\nwindow_bars: 1\n---\nname: b\n', 'f.yaml', schema));
    expect(issues[0]).toMatch(/^f\.yaml:3:1 YAML syntax error: .*multiple documents/);
  });
});

describe('validateSpecValue', () => {
  test('returns a copy with defaults filled and leaves the input untouched', () => {
    const input = { name: 'vol', window_bars: 4 };
    const out = validateSpecValue<Spec>(input, 'inline', schema);
    expect(out.mode).toBe('fast');
    expect(input).toEqual({ name: 'vol', window_bars: 4 });
  });

  test('reports paths without positions', () => {
    expect(issuesOf(() => validateSpecValue({ name: 'vol', window_bars: 1.5 }, 'blueprint.json', schema))).toEqual([
      'blueprint.json window_bars: must be integer, was 1.5',
    ]);
  });

  test('non-finite numbers are refused and shown as they are', () => {
    const value = { name: 'v', window_bars: 1, options: { clip_sigma: Infinity } };
    expect(issuesOf(() => validateSpecValue(value, 'v', schema))).toEqual([
      'v options.clip_sigma: must be finite number, was Infinity',
    ]);
  });
});

describe('schemas', () => {
  test('a schema that breaks strict mode is a programming error, not a spec error', () => {
    const bad = { type: 'object', properties: { a: { type: 'number', unit: 'bps' } } };
    expect(() => validateSpecValue({}, 'x', bad)).toThrow(/invalid JSON Schema/);
  });
});

describe('loadSpecFile and loadSpecDir', () => {
  test('loads a folder sorted by file name, skipping non-YAML files, reporting all files at once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'quantlab-spec-'));
    try {
      await writeFile(join(dir, 'b.yaml'), 'name: b\nwindow_bars: 2\n');
      await writeFile(join(dir, 'a.yml'), 'name: a\nwindow_bars: 1\n');
      await writeFile(join(dir, 'notes.txt'), 'not a spec');
      const loaded = await loadSpecDir<Spec>(dir, schema);
      expect(loaded.map((x) => [x.file, x.value.name])).toEqual([
        [join(dir, 'a.yml'), 'a'],
        [join(dir, 'b.yaml'), 'b'],
      ]);

      await writeFile(join(dir, 'c.yaml'), 'name: c\nwindow_bars: "5m"\n');
      await writeFile(join(dir, 'd.yaml'), 'name: d\n');
      expect(await asyncIssuesOf(loadSpecDir<Spec>(dir, schema))).toEqual([
        `${join(dir, 'c.yaml')}:2:14 window_bars: must be integer, was "5m"`,
        `${join(dir, 'd.yaml')}:1:1 (top level): missing required key "window_bars"`,
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a missing file is a SpecError naming the file', async () => {
    const issues = await asyncIssuesOf(loadSpecFile('/nonexistent/spec.yaml', schema));
    expect(issues).toEqual(['/nonexistent/spec.yaml: cannot read spec file (ENOENT)']);
  });
});
