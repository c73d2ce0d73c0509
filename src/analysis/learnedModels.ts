// The learned poolings' models, each with a linear head: parameter count, a seeded initialisation,
// and one sample's forward and backward pass. ORT web has no training API, so the passes are
// written out here; they are small. Fixes to the notebook's versions: layers are indexed
// explicitly (no reshape that scrambles them), the attention query is a real, trained parameter,
// and Conv1D ignores padded tokens both as inputs and in its max.

import { PROJECTION_SAMPLE, leadingDirections } from './directions.ts';
import type { LearnedConfig } from './learnedConfig.ts';
import { allRows, type Prepared } from './learnedInput.ts';
import type { LearnedStrategy } from './pooling.ts';
import { recurrentLayout, runRecurrent, type RecurrentLayout } from './recurrent.ts';

/** The model behind a strategy: parameter count, init, and one sample's forward/backward pass. */
export interface Model {
  size: number;
  init(normal: () => number): Float64Array;
  /** Prediction for sample `i`; when `grad` is given, adds dLoss/dparams for dLoss/dŷ = `dOut(ŷ)`. */
  run(
    p: Float64Array,
    i: number,
    grad: Float64Array | null,
    dOut: (yhat: number) => number,
  ): number;
}

/** Softmax of a vector of logits. */
export function softmax(z: Float64Array): Float64Array {
  let m = -Infinity;
  for (const v of z) m = Math.max(m, v);
  const e = z.map((v) => Math.exp(v - m));
  let s = 0;
  for (const v of e) s += v;
  return e.map((v) => v / s);
}

/** Adds the linear head: ŷ = a·z + b; returns ŷ and backprops into dz. */
function head(p: Float64Array, at: number, z: Float64Array): number {
  let y = p[at + z.length];
  for (let k = 0; k < z.length; k++) y += p[at + k] * z[k];
  return y;
}
function headBackward(
  p: Float64Array,
  at: number,
  z: Float64Array,
  g: number,
  grad: Float64Array,
): Float64Array {
  const dz = new Float64Array(z.length);
  for (let k = 0; k < z.length; k++) {
    grad[at + k] += g * z[k];
    dz[k] = g * p[at + k];
  }
  grad[at + z.length] += g;
  return dz;
}

function layerMix(data: Prepared, i: number, w: Float64Array): Float64Array {
  const { steps, dim, x } = data;
  const z = new Float64Array(dim);
  for (let l = 0; l < steps; l++) {
    const base = (i * steps + l) * dim;
    for (let k = 0; k < dim; k++) z[k] += w[l] * x[base + k];
  }
  return z;
}

/** Backprop through softmax weights mixing layers: given dz, returns d(logits). */
function layerMixBackward(
  data: Prepared,
  i: number,
  w: Float64Array,
  dz: Float64Array,
): Float64Array {
  const { steps, dim, x } = data;
  const dw = new Float64Array(steps);
  for (let l = 0; l < steps; l++) {
    const base = (i * steps + l) * dim;
    for (let k = 0; k < dim; k++) dw[l] += dz[k] * x[base + k];
  }
  let s = 0;
  for (let l = 0; l < steps; l++) s += w[l] * dw[l];
  return dw.map((v, l) => w[l] * (v - s));
}

function weightedModel(d: Prepared): Model {
  const L = d.steps;
  const H = d.dim;
  return {
    size: L + H + 1,
    // Zero logits are the uniform weighting, so fitting starts from the parameter-free strategy.
    init: (normal) =>
      Float64Array.from({ length: L + H + 1 }, (_, k) => (k < L ? 0 : 0.01 * normal())),
    run(p, i, grad, dOut) {
      const w = softmax(p.subarray(0, L));
      const z = layerMix(d, i, w);
      const y = head(p, L, z);
      if (grad) {
        const dz = headBackward(p, L, z, dOut(y), grad);
        layerMixBackward(d, i, w, dz).forEach((v, l) => (grad[l] += v));
      }
      return y;
    },
  };
}

function attentionModel(d: Prepared): Model {
  const L = d.steps;
  const H = d.dim;
  const scale = 1 / Math.sqrt(H);
  return {
    size: 2 * H + 1,
    init: (normal) => Float64Array.from({ length: 2 * H + 1 }, () => 0.01 * normal()),
    run(p, i, grad, dOut) {
      const scores = new Float64Array(L);
      for (let l = 0; l < L; l++) {
        const base = (i * L + l) * H;
        let s = 0;
        for (let k = 0; k < H; k++) s += p[k] * d.x[base + k];
        scores[l] = s * scale;
      }
      const w = softmax(scores);
      const z = layerMix(d, i, w);
      const y = head(p, H, z);
      if (grad) {
        const dz = headBackward(p, H, z, dOut(y), grad);
        const ds = layerMixBackward(d, i, w, dz);
        for (let l = 0; l < L; l++) {
          const base = (i * L + l) * H;
          for (let k = 0; k < H; k++) grad[k] += ds[l] * scale * d.x[base + k];
        }
      }
      return y;
    },
  };
}

/**
 * The leading principal directions [R, H] of the standardised layer vectors of the rows at
 * `positions` (all rows by default): each LSTM/GRU input is reduced to them, so the recurrent cell
 * stays small enough to train in seconds and still sees where the vectors vary most. Up to
 * PROJECTION_SAMPLE vectors, evenly strided over rows and layers, make the scatter matrix; subspace
 * iteration (12 rounds) finds its leading subspace. Unsupervised: targets are not read.
 */
export function principalProjection(
  d: Prepared,
  cfg: LearnedConfig,
  positions: Int32Array | null,
): Float64Array {
  const { steps: L, dim: H } = d;
  const R = Math.min(cfg.projection, H);
  const rows = positions ?? allRows(d.rows);
  const total = rows.length * L;
  const count = Math.min(total, PROJECTION_SAMPLE);
  const cols = new Float64Array(H * count); // [H, count] feature-major
  for (let s = 0; s < count; s++) {
    const v = Math.floor((s * total) / count);
    const base = (rows[Math.floor(v / L)] * L + (v % L)) * H;
    for (let k = 0; k < H; k++) cols[k * count + s] = d.x[base + k];
  }
  return leadingDirections(cols, H, count, R, cfg.seed).directions;
}

function recurrentModel(
  d: Prepared,
  cell: 'lstm' | 'gru',
  cfg: LearnedConfig,
  proj: Float64Array, // [R, H]
): Model {
  const { steps: L, dim: H } = d;
  const R = proj.length / H;
  const xs = new Float64Array(d.rows * L * R); // [rows, layers, R]
  for (let i = 0; i < d.rows * L; i++)
    for (let r = 0; r < R; r++) {
      let s = 0;
      for (let k = 0; k < H; k++) s += proj[r * H + k] * d.x[i * H + k];
      xs[i * R + r] = s;
    }
  const layout: RecurrentLayout = recurrentLayout(cell, R, cfg.units, 0);
  const at = layout.size;
  return {
    size: at + cfg.units + 1,
    init: (nrm) => {
      const p = new Float64Array(at + cfg.units + 1);
      const s = 1 / Math.sqrt(cfg.units);
      for (let k = 0; k < p.length; k++) p[k] = 0.5 * s * nrm();
      return p;
    },
    run(p, i, grad, dOut) {
      const { h, backward } = runRecurrent(p, layout, xs.subarray(i * L * R, (i + 1) * L * R), L);
      const y = head(p, at, h);
      if (grad) backward(headBackward(p, at, h, dOut(y), grad), grad);
      return y;
    },
  };
}

function convModel(d: Prepared, cfg: LearnedConfig): Model {
  const { dim: H } = d;
  const C = cfg.channels;
  const K = 2; // kernel width, as in the notebook
  const at = C * K * H + C;
  const offsets = d.offsets!;
  const real = d.real!;
  return {
    size: at + C + 1,
    init: (normal) => Float64Array.from({ length: at + C + 1 }, () => normal() / Math.sqrt(K * H)),
    run(p, i, grad, dOut) {
      const z = new Float64Array(C);
      const arg = new Int32Array(C).fill(-1);
      const end = offsets[i + 1];
      for (let t = offsets[i]; t < end; t++) {
        if (!real[t]) continue;
        for (let c = 0; c < C; c++) {
          let s = p[C * K * H + c];
          for (let j = 0; j < K && t + j < end; j++) {
            const base = (t + j) * H; // padding inside a text is zeros (see prepareTokens)
            const wrow = (c * K + j) * H;
            for (let k = 0; k < H; k++) s += p[wrow + k] * d.x[base + k];
          }
          const v = Math.max(s, 0);
          if (arg[c] < 0 || v > z[c]) {
            z[c] = v;
            arg[c] = s > 0 ? t : -2 - t; // remember the winner and whether ReLU let it through
          }
        }
      }
      const y = head(p, at, z);
      if (grad) {
        const dz = headBackward(p, at, z, dOut(y), grad);
        for (let c = 0; c < C; c++) {
          const t = arg[c];
          if (t < 0) continue; // zero output or ReLU closed: no gradient
          grad[C * K * H + c] += dz[c];
          for (let j = 0; j < K && t + j < end; j++) {
            const base = (t + j) * H;
            const wrow = (c * K + j) * H;
            for (let k = 0; k < H; k++) grad[wrow + k] += dz[c] * d.x[base + k];
          }
        }
      }
      return y;
    },
  };
}

/** The model behind a strategy on prepared input (LSTM/GRU: reduced through `projection`). */
export function buildModel(
  strategy: LearnedStrategy,
  d: Prepared,
  cfg: LearnedConfig,
  projection?: Float64Array,
): Model {
  switch (strategy) {
    case 'weighted-learned':
      return weightedModel(d);
    case 'attention':
      return attentionModel(d);
    case 'lstm':
    case 'gru':
      return recurrentModel(d, strategy, cfg, projection ?? principalProjection(d, cfg, null));
    case 'conv1d':
      return convModel(d, cfg);
  }
}

/** Whether a strategy is a recurrent cell (LSTM, GRU) over projected layer vectors. */
export const isRecurrent = (s: LearnedStrategy) => s === 'lstm' || s === 'gru';
