// Where a score sits among the CLEAR corpus's targets (the CommonLit Readability Prize training
// split). The summary is computed once by scripts/clear-distribution.ts and committed.
// CLEAR corpus: Crossley et al. 2023, CC BY-NC-SA 4.0.

import clear from './clear-distribution.json';

/** A committed summary of a corpus's targets on the CommonLit scale. */
export interface ReferenceDistribution {
  source: string;
  count: number;
  mean: number;
  sd: number;
  min: number;
  max: number;
  /** Bin edges, `counts.length + 1` of them, ascending. */
  edges: number[];
  counts: number[];
  /** The 0th..100th percentiles, ascending. */
  percentiles: number[];
}

export const CLEAR_DISTRIBUTION: ReferenceDistribution = clear;

/** Percentage of the corpus with a lower target (harder text) than `target`, 0..100. */
export function percentileOf(target: number, dist: ReferenceDistribution = CLEAR_DISTRIBUTION) {
  const p = dist.percentiles;
  if (!Number.isFinite(target)) return Number.NaN;
  if (target <= p[0]) return 0;
  if (target >= p[p.length - 1]) return 100;
  let i = 0;
  while (p[i + 1] < target) i++;
  const span = p[i + 1] - p[i];
  return ((i + (span > 0 ? (target - p[i]) / span : 0)) / (p.length - 1)) * 100;
}

/** Index of the bin `target` falls in, clamped to the first and last bins. */
export function binOf(target: number, dist: ReferenceDistribution = CLEAR_DISTRIBUTION): number {
  const { edges } = dist;
  let i = 0;
  while (i < edges.length - 2 && target >= edges[i + 1]) i++;
  return i;
}
