/**
 * Feature drift of one run's pooled features against a reference run on the same texts (a
 * quantised file against fp32, or one runtime against another), layer by layer; and the pick of
 * the fastest run whose drift the bench accepts. Pure: no ORT, no DOM.
 */

/** How far one layer's features moved: cosine per text (mean and worst) and the largest |Δ|. */
export interface LayerDrift {
  layer: number;
  cosineMean: number;
  cosineMin: number;
  maxAbsDiff: number;
  /** Largest |value| of the reference's features at this layer, for scale. */
  referenceMaxAbs: number;
}

/** The bench accepts a dtype whose every layer keeps every text's cosine at least this high. */
export const ACCEPTED_MIN_COSINE = 0.99;

/**
 * Per-layer drift of `other` against `reference`, both `[count, layers, hidden]` (pooled vectors,
 * text-major, as Engine.embed returns them). The cosine is taken per text between its two
 * vectors at that layer (a zero vector against a zero vector counts as 1).
 */
export function featureDrift(
  reference: ArrayLike<number>,
  other: ArrayLike<number>,
  dims: { count: number; layers: number; hidden: number },
): LayerDrift[] {
  const { count, layers, hidden } = dims;
  const size = count * layers * hidden;
  if (reference.length !== size || other.length !== size) {
    throw new Error(
      `features hold ${reference.length} and ${other.length} values; ${count} × ${layers} × ${hidden} is ${size}`,
    );
  }
  const out: LayerDrift[] = [];
  for (let l = 0; l < layers; l++) {
    let cosineSum = 0;
    let cosineMin = Infinity;
    let maxAbsDiff = 0;
    let referenceMaxAbs = 0;
    for (let t = 0; t < count; t++) {
      const base = (t * layers + l) * hidden;
      let dot = 0;
      let aa = 0;
      let bb = 0;
      for (let h = 0; h < hidden; h++) {
        const a = reference[base + h];
        const b = other[base + h];
        dot += a * b;
        aa += a * a;
        bb += b * b;
        maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a - b));
        referenceMaxAbs = Math.max(referenceMaxAbs, Math.abs(a));
      }
      const cosine = aa === 0 && bb === 0 ? 1 : aa === 0 || bb === 0 ? 0 : dot / Math.sqrt(aa * bb);
      cosineSum += cosine;
      cosineMin = Math.min(cosineMin, cosine);
    }
    out.push({ layer: l, cosineMean: cosineSum / count, cosineMin, maxAbsDiff, referenceMaxAbs });
  }
  return out;
}

/** The worst layer's figures: lowest per-text cosine and largest |Δ| over all layers. */
export function worstDrift(layers: readonly LayerDrift[]): {
  cosineMin: number;
  maxAbsDiff: number;
} {
  return {
    cosineMin: Math.min(...layers.map((l) => l.cosineMin)),
    maxAbsDiff: Math.max(...layers.map((l) => l.maxAbsDiff)),
  };
}

/** Whether a run's drift is small enough for the bench to call its dtype usable. */
export function isDriftAccepted(layers: readonly LayerDrift[]): boolean {
  return layers.length > 0 && worstDrift(layers).cosineMin >= ACCEPTED_MIN_COSINE;
}

/** The fastest of `runs` (least `ms`) whose drift is accepted; null if none is. */
export function fastestAccepted<T extends { ms: number; drift: readonly LayerDrift[] }>(
  runs: readonly T[],
): T | null {
  let best: T | null = null;
  for (const run of runs) {
    if (isDriftAccepted(run.drift) && (best === null || run.ms < best.ms)) best = run;
  }
  return best;
}
