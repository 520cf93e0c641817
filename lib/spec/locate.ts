/**
 * Maps a path into the parsed value (['venues', 'binance', 'um', 'taker_fee_bps']) back to the YAML node it came
 * from, so every schema problem is reported at LINE:COL. Pure: works on a parsed Document and its LineCounter.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export interface Position {
  line: number;
  col: number;
}

/**
 * Where to point for a problem: the offending value itself (also the mapping that lacks a required key), or the
 * key that names it (an unknown key).
 */
export type Anchor = 'value' | 'key';

interface Found {
  /** Deepest node reached along the path (the value at the full path when `complete`). */
  node: Node | null;
  /** Key node of the pair holding `node`, when `node` is a mapping value. */
  key: Node | null;
  complete: boolean;
}

/** Follows `segments` through mappings and sequences (resolving aliases) as far as the YAML goes. */
export function findNode(doc: Document, segments: readonly string[]): Found {
  let node = deref(doc, doc.contents as Node | null);
  let key: Node | null = null;
  for (const seg of segments) {
    const next = child(doc, node, seg);
    if (next === undefined) return { node, key, complete: false };
    node = next.value;
    key = next.key;
  }
  return { node, key, complete: true };
}

function child(doc: Document, node: Node | null, seg: string): { value: Node | null; key: Node | null } | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      const k = pair.key as Node | null;
      const name = isScalar(k) ? String(k.value) : String(k);
      if (name === seg) return { value: deref(doc, pair.value as Node | null), key: k };
    }
    return undefined;
  }
  if (isSeq(node) && /^\d+$/.test(seg)) {
    const item = node.items[Number(seg)];
    if (item === undefined) return undefined;
    return { value: deref(doc, item as Node | null), key: null };
  }
  return undefined;
}

function deref(doc: Document, node: Node | null): Node | null {
  return isAlias(node) ? (node.resolve(doc) ?? node) : node;
}

/**
 * Position for a problem at `segments`. 'value' points at the offending value (or at its key when the value is
 * empty, like `fee:` with nothing after it); 'key' at the key that names it. When the path leaves the YAML (a
 * value filled in by a default), the deepest node that exists is used.
 */
export function positionOf(
  doc: Document,
  lc: LineCounter,
  segments: readonly string[],
  anchor: Anchor,
): Position {
  const found = findNode(doc, segments);
  const first = (...nodes: (Node | null)[]): Position => {
    for (const n of nodes) {
      const start = startOf(n);
      if (start !== undefined) return lc.linePos(start);
    }
    return { line: 1, col: 1 };
  };
  if (!found.complete) return first(nonEmpty(found.node), found.key, found.node);
  switch (anchor) {
    case 'key':
      return first(found.key, found.node);
    case 'value':
      return first(nonEmpty(found.node), found.key);
  }
}

function startOf(n: Node | null): number | undefined {
  return n?.range?.[0];
}

/** A value node with actual source text (an empty `key:` yields a zero-width null scalar). */
function nonEmpty(n: Node | null): Node | null {
  if (!n?.range) return null;
  return n.range[1] > n.range[0] ? n : null;
}

/** Path (segments) of the mapping key that starts at `offset`, used to name the key of a duplicate-key error. */
export function pathOfKeyAt(doc: Document, offset: number): string[] | undefined {
  const walk = (node: unknown, path: string[]): string[] | undefined => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const k = pair.key as Node | null;
        const name = isScalar(k) ? String(k.value) : String(k);
        if (k?.range?.[0] === offset) return [...path, name];
        const inner = walk(pair.value, [...path, name]);
        if (inner) return inner;
      }
    } else if (isSeq(node)) {
      for (let i = 0; i < node.items.length; i++) {
        const inner = walk(node.items[i], [...path, String(i)]);
        if (inner) return inner;
      }
    }
    return undefined;
  };
  return walk(doc.contents, []);
}
