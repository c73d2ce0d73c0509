/**
 * Attention maths against plain matrix code written here: head means, and rollout as the product
 * of per-layer (0.5·mean + 0.5·I, row-normalised) matrices, plus a two-token case by hand.
 */
import { describe, expect, it } from 'vitest';
import { headMatrix, meanOverHeads, rollout } from '../../src/analysis/attention.ts';
import { makeNormal } from '../../src/analysis/rng.ts';

/** Random attention: every row of every head a softmax of normal scores. */
function randomAttention(layers: number, heads: number, tokens: number, seed: number) {
  const normal = makeNormal(seed);
  const data = new Float32Array(layers * heads * tokens * tokens);
  for (let r = 0; r < layers * heads * tokens; r++) {
    const row = Array.from({ length: tokens }, () => Math.exp(normal()));
    const sum = row.reduce((a, v) => a + v, 0);
    row.forEach((v, k) => (data[r * tokens + k] = v / sum));
  }
  return data;
}

const matmul = (a: number[][], b: number[][]) =>
  a.map((row) => b[0].map((_, j) => row.reduce((s, v, m) => s + v * b[m][j], 0)));

describe('attention maths', () => {
  const shape = { layers: 3, heads: 4, tokens: 5 };
  const att = randomAttention(shape.layers, shape.heads, shape.tokens, 3);

  it('reads one head and averages heads', () => {
    const { heads, tokens } = shape;
    const m = headMatrix(att, shape, 2, 1);
    expect(m[tokens + 3]).toBe(att[((2 * heads + 1) * tokens + 1) * tokens + 3]);
    const mean = meanOverHeads(att, shape, 1);
    let want = 0;
    for (let h = 0; h < heads; h++) want += att[((1 * heads + h) * tokens + 2) * tokens + 4];
    expect(mean[2 * tokens + 4]).toBeCloseTo(want / heads, 12);
  });

  it('rolls out as the product of residual-mixed head means, rows summing to 1', () => {
    const { tokens } = shape;
    const mixed = (l: number) => {
      const mean = meanOverHeads(att, shape, l);
      return Array.from({ length: tokens }, (_, q) => {
        const row = Array.from(
          { length: tokens },
          (_, k) => 0.5 * mean[q * tokens + k] + (q === k ? 0.5 : 0),
        );
        const sum = row.reduce((a, v) => a + v, 0);
        return row.map((v) => v / sum);
      });
    };
    const want = matmul(matmul(mixed(2), mixed(1)), mixed(0));
    const got = rollout(att, shape, 2);
    for (let q = 0; q < tokens; q++) {
      let sum = 0;
      for (let k = 0; k < tokens; k++) {
        expect(got[q * tokens + k]).toBeCloseTo(want[q][k], 12);
        sum += got[q * tokens + k];
      }
      expect(sum).toBeCloseTo(1, 12);
    }
  });

  it('gives the hand-computed rollout of one two-token layer', () => {
    // One head: token 0 attends to token 1 fully, token 1 to itself.
    const one = Float32Array.of(0, 1, 0, 1);
    const got = rollout(one, { layers: 1, heads: 1, tokens: 2 }, 0);
    expect(Array.from(got)).toEqual([0.5, 0.5, 0, 1]);
  });
});
