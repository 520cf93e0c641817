/**
 * A parsed YAML (or JSON: YAML 1.2 is a superset) text kept with its line counter, so problems found after schema
 * validation (a rule across fields, a budget exceeded) can be reported at file:line:col like schema errors.
 */
import { LineCounter, parseDocument, type Document } from 'yaml';
import { parseSpecDocument, type SpecSchema } from './loader.js';
import { positionOf } from './locate.js';

export interface LocatedYaml {
  file: string;
  doc: Document;
  lc: LineCounter;
}

export function locatedYaml(file: string, text: string): LocatedYaml {
  const lc = new LineCounter();
  return { file, doc: parseDocument(text, { lineCounter: lc }), lc };
}

/** `file:line:col` of the value at `segments` (or of the deepest node that exists on the way). */
export function where(y: LocatedYaml, segments: readonly (string | number)[]): { line: number; col: number; text: string } {
  const pos = positionOf(y.doc, y.lc, segments.map(String), 'value');
  return { ...pos, text: `${y.file}:${pos.line}:${pos.col}` };
}

/** Parses and validates `text` (located SpecError) and keeps the document for later locating. */
export function parseLocated<T>(text: string, display: string, schema: SpecSchema): { value: T; yaml: LocatedYaml } {
  const { value, doc, lc } = parseSpecDocument<T>(text, display, schema);
  return { value, yaml: { file: display, doc, lc } };
}
