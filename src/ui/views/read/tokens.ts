/** A token as labels show it: decoded text trimmed, with visible marks for blanks and newlines. */
export function displayToken(token: string): string {
  const t = token.replace(/\n/g, '↵').trim();
  return t || '␣';
}

/** Row labels for hidden states: 0 is the embedding output. */
export function layerLabel(layer: number): string {
  return layer === 0 ? 'emb' : `L${layer}`;
}

/** The extent of finite values, widened to a non-empty interval. */
export function extent(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return [0, 1];
  return lo === hi ? [lo - 1e-6, hi + 1e-6] : [lo, hi];
}
