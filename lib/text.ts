/** Small text helpers for error messages: "did you mean" suggestions. Pure. */

/** Levenshtein edit distance (insertions, deletions, substitutions each cost 1). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The name closest to `key` (case-insensitive edit distance; ties go to the alphabetically first name), when it is
 * close enough to be a likely typo: within a third of the key's length (at least 2), or the name starts with the key.
 */
export function closestName(key: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const n of names) {
    const d = editDistance(key.toLowerCase(), n.toLowerCase());
    if (d < bestDist || (d === bestDist && best !== undefined && n < best)) [best, bestDist] = [n, d];
  }
  const limit = Math.max(2, Math.floor(key.length / 3));
  return bestDist <= limit || (best !== undefined && best.startsWith(key)) ? best : undefined;
}
