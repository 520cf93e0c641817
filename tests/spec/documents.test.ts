/**
 * Issue 12, stage start-up: a spec text is parsed once per process (lib/spec/documents.ts), for the stage's
 * fingerprint (the digest of yaml.parse's value) and for loading it (the located document). The digest must not
 * change: yamlValue gives exactly yaml.parse's value on every spec file of the repository, and a broken text throws
 * yaml.parse's own error.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../lib/stage/root.js';
import { parsedYaml, yamlValue } from '../../lib/spec/documents.js';
import { parseLocated } from '../../lib/spec/located.js';

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(f) ? [p] : [];
  });
}

describe('one parse per spec text', () => {
  const files = yamlFiles(join(PROJECT_ROOT, 'spec'));

  test('yamlValue is yaml.parse on every spec file', () => {
    expect(files.length).toBeGreaterThan(15);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expect([f, yamlValue(text)]).toEqual([f, parse(text)]);
    }
  });

  test('the same text gives the same document, to the fingerprint and to the loader', () => {
    const text = readFileSync(join(PROJECT_ROOT, 'spec', 'gates.yaml'), 'utf8');
    const first = parsedYaml(text);
    expect(parsedYaml(text)).toBe(first);
    yamlValue(text);
    const loaded = parseLocated<unknown>(text, 'spec/gates.yaml', { type: 'object' });
    expect(loaded.yaml.doc).toBe(first.doc);
    expect(loaded.yaml.lc).toBe(first.lc);
    expect(loaded.value).toEqual(parse(text));
    expect(parsedYaml(`${text}\n# edited\n`)).not.toBe(first);
  });

  test('a broken text throws what yaml.parse throws (and is still reported located by the loader)', () => {
    for (const text of ['a: 1\na: 2\n', 'events:\n  - name: [unclosed\n', 'a: *nowhere\n']) {
      let expected: unknown;
      try {
        parse(text);
      } catch (e) {
        expected = e;
      }
      expect(expected).toBeInstanceOf(Error);
      expect(() => yamlValue(text)).toThrow((expected as Error).message);
      expect(() => parseLocated(text, 'spec/x.yaml', { type: 'object' })).toThrow(/spec\/x\.yaml:\d+:\d+/);
    }
  });

  test('only recent texts are kept', () => {
    const first = parsedYaml('k: 0\n');
    for (let i = 1; i <= 64; i++) parsedYaml(`k: ${i}\n`);
    expect(parsedYaml('k: 0\n')).not.toBe(first);
  });
});
