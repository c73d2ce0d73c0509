/**
 * Principal directions that learned poolings reduce their inputs to: the leading subspace of a
 * scatter matrix, and Conv1D's token directions, folded into one linear map of raw token states
 * that the engine can apply before a page keeps the tokens.
 */
import { addGramLower, leadingSubspace } from './linalg.ts';
import { makeNormal } from './rng.ts';
import { simdKernels } from './simd.ts';

/** Vectors the principal directions are found from, at most: enough for a stable 768 × 768 scatter. */
export const PROJECTION_SAMPLE = 4000;

/**
 * The scatter matrix [dim, dim] of `count` vectors (columns of `cols`, feature-major [dim, count])
 * and its k leading directions [k, dim], by subspace iteration (12 rounds) from a seeded start.
 */
export function leadingDirections(
  cols: Float64Array,
  dim: number,
  count: number,
  k: number,
  seed: number,
): { directions: Float64Array; scatter: Float64Array } {
  const scatter = new Float64Array(dim * dim);
  addGramLower(cols, dim, count, scatter, simdKernels());
  for (let i = 0; i < dim; i++)
    for (let j = 0; j < i; j++) scatter[j * dim + i] = scatter[i * dim + j];
  const directions = leadingSubspace(scatter, dim, k, 12, makeNormal(seed + 7919));
  return { directions, scatter };
}

/** tokenDirections drops directions with less spread than this share of the leading one's. */
const NULL_SPREAD = 1e-4;

/**
 * What Conv1D's token states are reduced to before the app keeps them (3,000 texts' full token
 * states do not fit in a page): the leading principal directions [k, hidden] of the token states
 * (rows of `tokens`), each dimension standardised first so no outlier dimension owns them, folded
 * back into one linear map of raw states (direction / std). Directions along which the states barely
 * vary (under NULL_SPREAD of the leading spread) come back as zero rows. Up to PROJECTION_SAMPLE
 * evenly strided rows make the scatter matrix. Unsupervised: no targets are read.
 */
export function tokenDirections(
  tokens: Float32Array,
  hidden: number,
  k: number,
  seed = 0,
): Float64Array {
  const total = tokens.length / hidden;
  if (!Number.isInteger(total) || total < 2)
    throw new RangeError('token directions need at least two token states');
  const R = Math.min(k, hidden);
  const count = Math.min(total, PROJECTION_SAMPLE);
  const pick = (s: number) => Math.floor((s * total) / count) * hidden;
  const mean = new Float64Array(hidden);
  const sq = new Float64Array(hidden);
  for (let s = 0; s < count; s++)
    for (let j = 0; j < hidden; j++) {
      const v = tokens[pick(s) + j];
      mean[j] += v / count;
      sq[j] += (v * v) / count;
    }
  const std = mean.map((m, j) => {
    const v = Math.sqrt(Math.max(sq[j] - m * m, 0));
    return v > 1e-12 ? v : 1;
  });
  const cols = new Float64Array(hidden * count); // [hidden, count] feature-major
  for (let s = 0; s < count; s++)
    for (let j = 0; j < hidden; j++) cols[j * count + s] = (tokens[pick(s) + j] - mean[j]) / std[j];
  const { directions, scatter } = leadingDirections(cols, hidden, count, R, seed);
  // The spread along each direction; one with next to none (a LayerNorm output has such a
  // direction) would, once standardised, turn rounding noise into signal, so it is zeroed.
  const spread = Array.from({ length: R }, (_, r) => {
    const q = directions.subarray(r * hidden, (r + 1) * hidden);
    let s = 0;
    for (let i = 0; i < hidden; i++) {
      let row = 0;
      for (let j = 0; j < hidden; j++) row += scatter[i * hidden + j] * q[j];
      s += q[i] * row;
    }
    return s;
  });
  const top = Math.max(...spread);
  for (let r = 0; r < R; r++)
    for (let j = 0; j < hidden; j++)
      directions[r * hidden + j] =
        spread[r] > NULL_SPREAD * top ? directions[r * hidden + j] / std[j] : 0;
  return directions;
}

/**
 * Token states `[tokens, hidden]` through directions `[dim, hidden]` (see `tokenDirections`):
 * `[tokens, dim]`, each row P·x, written into `out` when given.
 */
export function projectTokens(
  states: Float32Array,
  hidden: number,
  directions: ArrayLike<number>,
  out: Float32Array = new Float32Array((states.length / hidden) * (directions.length / hidden)),
): Float32Array {
  const dim = directions.length / hidden;
  const tokens = states.length / hidden;
  for (let t = 0; t < tokens; t++) {
    const x = t * hidden;
    for (let d = 0; d < dim; d++) {
      const p = d * hidden;
      let sum = 0;
      for (let h = 0; h < hidden; h++) sum += directions[p + h] * states[x + h];
      out[t * dim + d] = sum;
    }
  }
  return out;
}
