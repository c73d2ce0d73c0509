/** A score on the CommonLit scale with its standard error. */
export interface ScoredText {
  target: number;
  standardError: number;
}

/** How likely text A reads easier than text B, with the uncertainty around it. */
export interface Comparison {
  /** targetA − targetB, in Bradley–Terry logit units. */
  difference: number;
  /** Standard error of the difference: √(seA² + seB²), the two errors taken as independent. */
  differenceSe: number;
  /** P(A easier) at the point estimates: σ(difference). */
  pointProbability: number;
  /** P(A easier) averaged over the normal uncertainty of the difference. */
  probability: number;
  /** σ at the ends of the difference's 95% interval. */
  interval: [number, number];
}

/** The logistic function. */
export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** E[σ(X)] for X ~ Normal(mean, sd²), by Simpson's rule over ±8 sd. */
export function expectedSigmoid(mean: number, sd: number): number {
  if (sd === 0) return sigmoid(mean);
  const steps = 400; // even, as Simpson's rule needs
  const h = 16 / steps;
  let sum = 0;
  for (let i = 0; i <= steps; i++) {
    const z = -8 + i * h;
    const weight = i === 0 || i === steps ? 1 : i % 2 ? 4 : 2;
    sum += weight * sigmoid(mean + sd * z) * Math.exp(-0.5 * z * z);
  }
  return (sum * h) / 3 / Math.sqrt(2 * Math.PI);
}

/**
 * P(A reads easier than B). CommonLit's target is a Bradley–Terry easiness fitted to pairwise
 * judgements, so P(A easier) = exp(tA) / (exp(tA) + exp(tB)) = σ(tA − tB); the uncertainty of
 * tA − tB is normal with variance seA² + seB², over which the probability is averaged.
 */
export function compareTexts(a: ScoredText, b: ScoredText): Comparison {
  const difference = a.target - b.target;
  const differenceSe = Math.hypot(a.standardError, b.standardError);
  return {
    difference,
    differenceSe,
    pointProbability: sigmoid(difference),
    probability: expectedSigmoid(difference, differenceSe),
    interval: [
      sigmoid(difference - 1.96 * differenceSe),
      sigmoid(difference + 1.96 * differenceSe),
    ],
  };
}
