/** Content ids of blueprints. */
import { canonicalJson, sha256Hex } from '../hash.js';
import type { Blueprint } from './types.js';

/**
 * `bp-` + the first 16 hex of the SHA-256 of the canonical (sorted-key) JSON of the blueprint without `id`, `name`
 * and `provenance`: two blueprints that trade the same way under the same cost config share an id, whatever they
 * are called or wherever they came from. Entry order and list order inside conditions are part of the content.
 */
export function blueprintId(bp: Omit<Blueprint, 'id'> | Blueprint): string {
  const { id: _id, name: _name, provenance: _prov, ...content } = bp as Blueprint;
  return `bp-${sha256Hex(canonicalJson(content)).slice(0, 16)}`;
}

/** The blueprint with its id set from its content. */
export function withId(bp: Omit<Blueprint, 'id'> & { id?: string }): Blueprint {
  const { schema_version, id: _id, ...rest } = bp;
  return { schema_version, id: blueprintId(bp), ...rest };
}
