/** Edit distance (insert, delete, substitute), for suggesting a key the user may have meant. */
export const levenshtein = (a: string, b: string): number => {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
};

/** The closest candidate to `input`, if close enough to be a likely typo. Case and `-`/`_` are ignored. */
export const didYouMean = (input: string, candidates: Iterable<string>): string | undefined => {
  const fold = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  const target = fold(input);
  // Allow about one edit per three characters, at least two: `drivr`, `tunnel_server`, `baseimage`.
  const limit = Math.max(2, Math.floor(target.length / 3));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = levenshtein(target, fold(candidate));
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
};
