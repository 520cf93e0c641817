/**
 * YAML texts parsed once per process. A stage parses each spec file it lists twice otherwise: for its fingerprint
 * (lib/stage/fingerprint.ts, the digest of the parsed value) and when it loads the file (lib/spec/loader.ts, which
 * also keeps the document to locate problems). Both now take the document from here, keyed by the text itself, so
 * the same bytes give the same document and an edited file is parsed again. The documents are only read (toJS,
 * positions, visits), never changed. A few recent texts are kept (specs are kilobytes; a long-lived process that
 * reloads edited specs does not grow).
 */
import { LineCounter, parse, parseDocument, type Document } from 'yaml';

export interface ParsedText {
  doc: Document;
  lc: LineCounter;
}

const KEEP = 64;
const parsed = new Map<string, ParsedText>();

/** The document of `text`, parsed as the spec loader parses (unique keys, plain error messages) once per process. */
export function parsedYaml(text: string): ParsedText {
  let p = parsed.get(text);
  if (p === undefined) {
    const lc = new LineCounter();
    p = { doc: parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true }), lc };
    if (parsed.size >= KEEP) parsed.delete(parsed.keys().next().value!);
    parsed.set(text, p);
  }
  return p;
}

/**
 * What `yaml.parse(text)` returns, from the shared document: the same value for a text without errors or warnings;
 * a text with either goes to `yaml.parse` itself, which warns and throws exactly as before.
 */
export function yamlValue(text: string): unknown {
  const { doc } = parsedYaml(text);
  if (doc.errors.length > 0 || doc.warnings.length > 0) return parse(text);
  return doc.toJS();
}
