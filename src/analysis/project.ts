// What the layer views draw: a 2-D PCA of token states, layer-to-layer cosine similarity, token
// norms, and how close each token already is to its final-layer state. Padding is excluded
// everywhere and reported as 0 in per-token outputs.

import type { HiddenStates } from './pooling.ts';
import { makeNormal } from './rng.ts';

const EPS = 1e-12;

/** 2-D principal component projection of n points, with each component's share of variance. */
export interface Projection {
  coords: Float32Array; // [n, 2]
  explained: [number, number]; // fraction of total variance on each axis
}

/** PCA to two dimensions by power iteration with deflation on XᵀX (never forms the d×d matrix). */
export function pca2d(
  data: Float32Array | Float64Array, // [n, d]
  n: number,
  d: number,
  maxIterations = 500,
): Projection {
  if (data.length !== n * d)
    throw new RangeError(`data holds ${data.length} values, not ${n}×${d}`);
  const x = new Float64Array(n * d); // centred copy
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) mean[k] += data[i * d + k] / n;
  let total = 0;
  for (let i = 0; i < n; i++)
    for (let k = 0; k < d; k++) {
      const v = data[i * d + k] - mean[k];
      x[i * d + k] = v;
      total += v * v;
    }
  const coords = new Float32Array(n * 2);
  const explained: [number, number] = [0, 0];
  const normal = makeNormal(12345);
  const components: Float64Array[] = [];
  for (let c = 0; c < 2 && total > EPS; c++) {
    let v = Float64Array.from({ length: d }, () => normal());
    let lambda = 0;
    for (let it = 0; it < maxIterations; it++) {
      // Orthogonalise against earlier components (deflation) so the second axis is the second PC.
      for (const u of components) {
        let s = 0;
        for (let k = 0; k < d; k++) s += u[k] * v[k];
        for (let k = 0; k < d; k++) v[k] -= s * u[k];
      }
      const xv = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += x[i * d + k] * v[k];
        xv[i] = s;
      }
      const next = new Float64Array(d);
      for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) next[k] += x[i * d + k] * xv[i];
      for (const u of components) {
        let s = 0;
        for (let k = 0; k < d; k++) s += u[k] * next[k];
        for (let k = 0; k < d; k++) next[k] -= s * u[k];
      }
      let norm = 0;
      for (const t of next) norm += t * t;
      norm = Math.sqrt(norm);
      if (norm < EPS) break;
      for (let k = 0; k < d; k++) next[k] /= norm;
      let change = 0;
      for (let k = 0; k < d; k++) change = Math.max(change, Math.abs(next[k] - v[k]));
      v = next;
      const converged = Math.abs(norm - lambda) <= 1e-12 * norm && change < 1e-10;
      lambda = norm;
      if (converged) break;
    }
    // Fix the sign so the largest loading is positive: the plot does not flip between runs.
    let big = 0;
    for (let k = 0; k < d; k++) if (Math.abs(v[k]) > Math.abs(v[big])) big = k;
    if (v[big] < 0) for (let k = 0; k < d; k++) v[k] = -v[k];
    components.push(v);
    let captured = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += x[i * d + k] * v[k];
      coords[i * 2 + c] = s;
      captured += s * s;
    }
    explained[c] = captured / total;
  }
  return { coords, explained };
}

function cosine(
  a: Float32Array | Float64Array,
  ia: number,
  b: Float32Array | Float64Array,
  ib: number,
  h: number,
) {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let k = 0; k < h; k++) {
    const x = a[ia + k];
    const y = b[ib + k];
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return dot / Math.max(Math.sqrt(na * nb), EPS);
}

/** Cosine similarity between layers: of their masked-mean vectors, or averaged token by token. */
export function layerSimilarity(s: HiddenStates, mode: 'mean' | 'tokens' = 'mean'): Float32Array {
  const { layers: L, tokens: T, hidden: H, data, mask } = s;
  const out = new Float32Array(L * L); // [layers, layers]
  const real: number[] = [];
  for (let t = 0; t < T; t++) if (mask[t]) real.push(t);
  if (!real.length) return out;
  if (mode === 'mean') {
    const means = new Float64Array(L * H); // [layers, hidden]
    for (let l = 0; l < L; l++)
      for (const t of real)
        for (let k = 0; k < H; k++) means[l * H + k] += data[(l * T + t) * H + k] / real.length;
    for (let a = 0; a < L; a++)
      for (let b = 0; b < L; b++) out[a * L + b] = cosine(means, a * H, means, b * H, H);
  } else {
    for (let a = 0; a < L; a++)
      for (let b = 0; b < L; b++) {
        let s2 = 0;
        for (const t of real) s2 += cosine(data, (a * T + t) * H, data, (b * T + t) * H, H);
        out[a * L + b] = s2 / real.length;
      }
  }
  return out;
}

/** L2 norm of every token at every layer; padding is 0. */
export function tokenNorms(s: HiddenStates): Float32Array {
  const { layers: L, tokens: T, hidden: H, data, mask } = s;
  const out = new Float32Array(L * T); // [layers, tokens]
  for (let l = 0; l < L; l++)
    for (let t = 0; t < T; t++) {
      if (!mask[t]) continue;
      let n = 0;
      for (let k = 0; k < H; k++) n += data[(l * T + t) * H + k] ** 2;
      out[l * T + t] = Math.sqrt(n);
    }
  return out;
}

/** Cosine of each token's state at every layer with its own final-layer state; padding is 0. */
export function cosineToFinal(s: HiddenStates): Float32Array {
  const { layers: L, tokens: T, hidden: H, data, mask } = s;
  const out = new Float32Array(L * T); // [layers, tokens]
  for (let l = 0; l < L; l++)
    for (let t = 0; t < T; t++)
      if (mask[t]) out[l * T + t] = cosine(data, (l * T + t) * H, data, ((L - 1) * T + t) * H, H);
  return out;
}

/** One layer's real tokens as a [n, hidden] matrix (for pca2d), with their token positions. */
export function layerTokens(
  s: HiddenStates,
  layer: number,
): { data: Float32Array; positions: number[] } {
  const positions: number[] = [];
  for (let t = 0; t < s.tokens; t++) if (s.mask[t]) positions.push(t);
  const data = new Float32Array(positions.length * s.hidden);
  positions.forEach((t, i) =>
    data.set(
      s.data.subarray((layer * s.tokens + t) * s.hidden, (layer * s.tokens + t + 1) * s.hidden),
      i * s.hidden,
    ),
  );
  return { data, positions };
}
