/**
 * The pooling sweep benchmark's synthetic data: targets and a pooled table shaped like the engine's
 * output, on shared memory. No Node imports, so the browser run builds the same table in the page.
 */
import type { RaggedTokenInput } from '../../src/analysis/learnedInput.ts';
import { makeNormal, makeRng } from '../../src/analysis/rng.ts';
import { fwht, nextPow2 } from '../../src/analysis/sketch.ts';
import type { PooledVectors } from '../../src/pipeline/scoring.ts';

export interface Config {
  rows: number;
  hidden: number;
  layers: number;
  rank: number;
  /**
   * Unset: each row's noise is white (independent per dimension). Set: it has a power-law
   * spectrum, variances ∝ (j + 1)^−power over a random rotation, the kind of spread that slows
   * Lanczos (BENCHMARKS.md, "Harder spectra").
   */
  power?: number;
}

/** Targets: factor 0 of a seeded latent draw plus noise. */
export function targets(cfg: Config): { latent: Float64Array; y: Float64Array } {
  const normal = makeNormal(1);
  const latent = Float64Array.from({ length: cfg.rows * cfg.rank }, () => normal()); // [rows, rank]
  const y = new Float64Array(cfg.rows);
  for (let i = 0; i < cfg.rows; i++) y[i] = latent[i * cfg.rank] + 0.5 * normal(); // factor 0 is the signal
  return { latent, y };
}

/** The synthetic pooled table [rows, layers, hidden] per pooling, on shared memory. */
export function pooledTable(cfg: Config, latent: Float64Array): PooledVectors {
  const { rows, hidden: h, layers, rank } = cfg;
  const normal = makeNormal(7);
  const alloc = () => new Float32Array(new SharedArrayBuffer(rows * layers * h * 4));
  const cls = alloc();
  const mean = alloc();
  const max = alloc();
  const wk = alloc();
  const rho = 0.9; // loadings: layer l keeps 90% of layer l−1's
  const rhoNoise = 0.8; // each row's noise carries over between layers too
  const load = Float64Array.from(
    { length: rank * h },
    (_, i) => normal() / (1 + Math.floor(i / h)),
  );
  const offset = Float64Array.from({ length: h }, () => 3 * normal());
  const scale = Float64Array.from({ length: h }, () => Math.exp(normal()));
  const noise = Float64Array.from({ length: rows * h }, () => 2 * normal());
  const fresh = (v: number, keep: number, sd: number) =>
    keep * v + Math.sqrt(1 - keep * keep) * sd * normal();
  const shaped = cfg.power === undefined ? null : powerLawNoise(cfg, cfg.power, normal, fresh);
  for (let l = 0; l < layers; l++) {
    if (l > 0) {
      for (let i = 0; i < load.length; i++)
        load[i] = fresh(load[i], rho, 1 / (1 + Math.floor(i / h)));
      if (!shaped) for (let i = 0; i < noise.length; i++) noise[i] = fresh(noise[i], rhoNoise, 2);
    }
    shaped?.(l, noise);
    const signal = 0.3 * Math.exp(-(((l - 8) / 3) ** 2)); // factor 0, strongest at layer 8
    for (let i = 0; i < rows; i++) {
      const at = (i * layers + l) * h;
      for (let k = 0; k < h; k++) {
        let v = noise[i * h + k] + signal * latent[i * rank] * load[k];
        for (let r = 1; r < rank; r++) v += latent[i * rank + r] * load[r * h + k];
        const base = offset[k] + scale[k] * v;
        mean[at + k] = base;
        cls[at + k] = base + scale[k] * normal(); // one token: noisier than the mean
        max[at + k] = base + scale[k] * (1 + 0.7 * normal());
        wk[at + k] = base + 0.5 * scale[k] * normal();
      }
    }
  }
  return { count: rows, layers, hidden: h, pooled: { cls, mean, max, wk } };
}

/**
 * Power-law noise: each row's latent coordinates have variances ∝ (j + 1)^−power (scaled so a
 * feature's variance is 4, as for the white noise), carry over between layers as the white noise
 * does, and reach the features through a fixed random rotation (random signs, then a Hadamard
 * transform, cut to `hidden`). Returns what fills a layer's noise [rows, hidden].
 */
function powerLawNoise(
  cfg: Config,
  power: number,
  normal: () => number,
  fresh: (v: number, keep: number, sd: number) => number,
): (layer: number, out: Float64Array) => void {
  const { rows, hidden: h } = cfg;
  const size = nextPow2(h);
  const weight = Float64Array.from({ length: size }, (_, j) => (j + 1) ** -power);
  const total = weight.reduce((s, w) => s + w, 0);
  const sd = weight.map((w) => Math.sqrt((4 * size * w) / total));
  const signs = Float64Array.from({ length: size }, () => (normal() < 0 ? -1 : 1));
  const latent = Float64Array.from({ length: rows * size }, (_, i) => sd[i % size] * normal());
  const buffer = new Float64Array(size);
  return (layer, out) => {
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < size; j++) {
        if (layer > 0) latent[i * size + j] = fresh(latent[i * size + j], 0.8, sd[j]);
        buffer[j] = signs[j] * latent[i * size + j];
      }
      fwht(buffer, 0, size);
      for (let k = 0; k < h; k++) out[i * h + k] = buffer[k] / Math.sqrt(size);
    }
  };
}

/**
 * Conv1D's input as the Fit view holds it: each text's tokens already reduced to `dim` directions,
 * ragged, on shared memory. Texts of 150–350 tokens of noise; in each, a few neighbouring pairs of
 * tokens lean along a direction by an amount that follows the readability factor, the kind of
 * local pattern a filter over token pairs, then a max over the text, can find.
 */
export function tokenTable(cfg: Config, latent: Float64Array, dim = 32): RaggedTokenInput {
  const normal = makeNormal(11);
  const uniform = makeRng(12);
  const lengths = Array.from({ length: cfg.rows }, () => 150 + Math.floor(200 * uniform()));
  const offsets = new Int32Array(cfg.rows + 1);
  lengths.forEach((n, i) => (offsets[i + 1] = offsets[i] + n));
  const data = new Float32Array(new SharedArrayBuffer(offsets[cfg.rows] * dim * 4));
  for (let i = 0; i < data.length; i++) data[i] = normal();
  const u = Array.from({ length: dim }, () => normal() / Math.sqrt(dim));
  for (let i = 0; i < cfg.rows; i++) {
    const strength = 1.5 * latent[i * cfg.rank];
    for (let p = 0; p < 4; p++) {
      const at = offsets[i] + ((p * 37 + i) % (lengths[i] - 1));
      for (const t of [at, at + 1])
        for (let k = 0; k < dim; k++) data[t * dim + k] += strength * u[k] * Math.sqrt(dim);
    }
  }
  return { kind: 'ragged-tokens', data, offsets, batch: cfg.rows, hidden: dim };
}
