/**
 * "Did you mean" suggestions for unknown names (exchange ids, market symbols). Pure.
 */
import { editDistance } from '../../text.js';

export { editDistance };


/**
 * Candidates close to `input`, best first: case-insensitive edit distance within a third of the input's length
 * (at least 2), or a candidate that contains the input / is contained in it. Ties keep the candidates' order.
 */
export function closeMatches(input: string, candidates: readonly string[], max = 5): string[] {
  const needle = input.toLowerCase();
  const limit = Math.max(2, Math.floor(needle.length / 3));
  const scored: { name: string; score: number; order: number }[] = [];
  candidates.forEach((name, order) => {
    const hay = name.toLowerCase();
    const d = editDistance(needle, hay);
    const contains = needle.length >= 2 && (hay.includes(needle) || needle.includes(hay));
    if (d <= limit || contains) scored.push({ name, score: contains ? Math.min(d, limit) : d, order });
  });
  scored.sort((x, y) => x.score - y.score || x.order - y.order);
  return scored.slice(0, max).map((s) => s.name);
}
