import { describe, expect, it } from 'vitest';
import type { HiddenStates } from '../../src/analysis/pooling.ts';
import {
  cosineToFinal,
  layerSimilarity,
  layerTokens,
  pca2d,
  tokenNorms,
} from '../../src/analysis/project.ts';
import { makeNormal } from '../../src/analysis/rng.ts';

// Reference eigenvectors by cyclic Jacobi on the covariance matrix (a different algorithm).
function jacobiTop2(x: number[][]): { vectors: number[][]; values: number[] } {
  const n = x.length;
  const d = x[0].length;
  const mean = x[0].map((_, k) => x.reduce((s, r) => s + r[k], 0) / n);
  const a = mean.map((_, i) =>
    mean.map((_, j) => x.reduce((s, r) => s + (r[i] - mean[i]) * (r[j] - mean[j]), 0)),
  );
  const v: number[][] = a.map((_, i) => a.map((_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++)
    for (let p = 0; p < d; p++)
      for (let q = p + 1; q < d; q++) {
        if (Math.abs(a[p][q]) < 1e-15) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const [akp, akq] = [a[k][p], a[k][q]];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const [apk, aqk] = [a[p][k], a[q][k]];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const [vkp, vkq] = [v[k][p], v[k][q]];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
  const order = a.map((r, i) => [r[i], i]).sort((p, q) => q[0] - p[0]);
  return {
    values: order.slice(0, 2).map(([val]) => val),
    vectors: order.slice(0, 2).map(([, i]) => v.map((r) => r[i])),
  };
}

describe('pca2d', () => {
  it('matches a Jacobi eigendecomposition up to sign', () => {
    const normal = makeNormal(1);
    const n = 40;
    const d = 6;
    const scales = [5, 3, 1, 0.5, 0.3, 0.1];
    const rows = Array.from({ length: n }, () => scales.map((s) => s * normal() + 2));
    const { coords, explained } = pca2d(Float64Array.from(rows.flat()), n, d);
    const ref = jacobiTop2(rows);
    const mean = rows[0].map((_, k) => rows.reduce((s, r) => s + r[k], 0) / n);
    const total = rows.reduce((s, r) => s + r.reduce((t, v, k) => t + (v - mean[k]) ** 2, 0), 0);
    for (let c = 0; c < 2; c++) {
      expect(explained[c]).toBeCloseTo(ref.values[c] / total, 6);
      const proj = rows.map((r) => r.reduce((s, v, k) => s + (v - mean[k]) * ref.vectors[c][k], 0));
      const sign = Math.sign(proj[0]) * Math.sign(coords[c]);
      proj.forEach((p, i) => expect(coords[i * 2 + c]).toBeCloseTo(sign * p, 4));
    }
  });

  it('returns zeros for identical points', () => {
    const { coords, explained } = pca2d(new Float32Array(12).fill(3), 4, 3);
    expect(coords.every((v) => v === 0)).toBe(true);
    expect(explained).toEqual([0, 0]);
  });
});

function states(pad: number): HiddenStates {
  const normal = makeNormal(2);
  const [layers, tokens, hidden] = [4, 5, 3];
  const mask = Uint8Array.from([1, 1, 1, 0, 0]);
  const data = new Float32Array(layers * tokens * hidden);
  for (let l = 0; l < layers; l++)
    for (let t = 0; t < tokens; t++)
      for (let h = 0; h < hidden; h++)
        data[(l * tokens + t) * hidden + h] = mask[t] ? normal() + l : pad;
  return { data, layers, tokens, hidden, mask };
}

const vec = (s: HiddenStates, l: number, t: number) =>
  Array.from(s.data.subarray((l * s.tokens + t) * s.hidden, (l * s.tokens + t + 1) * s.hidden));
const cos = (a: number[], b: number[]) => {
  const dot = a.reduce((s, v, i) => s + v * b[i], 0);
  return dot / Math.sqrt(a.reduce((s, v) => s + v * v, 0) * b.reduce((s, v) => s + v * v, 0));
};

describe('layer views', () => {
  const s = states(1e30);
  const clean = states(0);

  it('layerSimilarity (mean) is the cosine of masked-mean vectors', () => {
    const m = layerSimilarity(s, 'mean');
    const mean = (l: number) =>
      [0, 1, 2].map((k) => [0, 1, 2].reduce((a, t) => a + vec(clean, l, t)[k], 0) / 3);
    for (let a = 0; a < 4; a++)
      for (let b = 0; b < 4; b++) expect(m[a * 4 + b]).toBeCloseTo(cos(mean(a), mean(b)), 5);
  });

  it('layerSimilarity (tokens) averages token-wise cosines over real tokens', () => {
    const m = layerSimilarity(s, 'tokens');
    for (let a = 0; a < 4; a++)
      for (let b = 0; b < 4; b++) {
        const ref =
          [0, 1, 2].reduce((acc, t) => acc + cos(vec(clean, a, t), vec(clean, b, t)), 0) / 3;
        expect(m[a * 4 + b]).toBeCloseTo(ref, 5);
      }
  });

  it('token norms and cosine to the final layer skip padding', () => {
    const norms = tokenNorms(s);
    const toFinal = cosineToFinal(s);
    for (let l = 0; l < 4; l++)
      for (let t = 0; t < 5; t++) {
        const want = t < 3 ? Math.hypot(...vec(clean, l, t)) : 0;
        expect(norms[l * 5 + t]).toBeCloseTo(want, 5);
        expect(toFinal[l * 5 + t]).toBeCloseTo(
          t < 3 ? cos(vec(clean, l, t), vec(clean, 3, t)) : 0,
          5,
        );
      }
  });

  it('layerTokens keeps only real tokens', () => {
    const { data, positions } = layerTokens(s, 2);
    expect(positions).toEqual([0, 1, 2]);
    expect(data.every((v) => Math.abs(v) < 1e6)).toBe(true);
  });
});
