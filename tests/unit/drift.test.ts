import { describe, expect, it } from 'vitest';
import {
  ACCEPTED_MIN_COSINE,
  fastestAccepted,
  featureDrift,
  isDriftAccepted,
  worstDrift,
  type LayerDrift,
} from '../../scripts/bench/drift.ts';

describe('feature drift', () => {
  // Two texts, two layers, two features, [count, layers, hidden]:
  // text 0: layer 0 (1, 0) → (1, 1); layer 1 (3, 4) → (3, 4)
  // text 1: layer 0 (0, 2) → (0, -2); layer 1 (1, 1) → (2, 2)
  const reference = [1, 0, 3, 4, 0, 2, 1, 1];
  const other = [1, 1, 3, 4, 0, -2, 2, 2];
  const dims = { count: 2, layers: 2, hidden: 2 };

  it('gives each layer the per-text cosines and the largest |Δ|, worked by hand', () => {
    const [l0, l1] = featureDrift(reference, other, dims);
    // Layer 0: cos((1,0),(1,1)) = 1/√2, cos((0,2),(0,-2)) = -1; |Δ| 1 and 4.
    expect(l0.layer).toBe(0);
    expect(l0.cosineMean).toBeCloseTo((Math.SQRT1_2 - 1) / 2, 12);
    expect(l0.cosineMin).toBe(-1);
    expect(l0.maxAbsDiff).toBe(4);
    expect(l0.referenceMaxAbs).toBe(2);
    // Layer 1: the same direction twice (one twice as long): cosine 1; |Δ| 0 and 1.
    expect(l1.cosineMean).toBeCloseTo(1, 12);
    expect(l1.cosineMin).toBeCloseTo(1, 12);
    expect(l1.maxAbsDiff).toBe(1);
    expect(l1.referenceMaxAbs).toBe(4);
    expect(worstDrift([l0, l1])).toEqual({ cosineMin: -1, maxAbsDiff: 4 });
  });

  it('counts zero against zero as the same and zero against anything else as orthogonal', () => {
    const [zeroZero] = featureDrift([0, 0], [0, 0], { count: 1, layers: 1, hidden: 2 });
    const [zeroOne] = featureDrift([0, 0], [0, 1], { count: 1, layers: 1, hidden: 2 });
    expect(zeroZero.cosineMin).toBe(1);
    expect(zeroOne.cosineMin).toBe(0);
  });

  it('refuses features whose sizes do not match the dimensions', () => {
    expect(() => featureDrift([1, 2, 3], [1, 2, 3], dims)).toThrow(/2 × 2 × 2 is 8/);
  });
});

describe('the accepted dtype', () => {
  const drift = (cosineMin: number): LayerDrift[] => [
    { layer: 0, cosineMean: 1, cosineMin: 1, maxAbsDiff: 0, referenceMaxAbs: 1 },
    { layer: 1, cosineMean: cosineMin, cosineMin, maxAbsDiff: 0.1, referenceMaxAbs: 1 },
  ];

  it('accepts a run only if every layer keeps every cosine at the bound', () => {
    expect(isDriftAccepted(drift(ACCEPTED_MIN_COSINE))).toBe(true);
    expect(isDriftAccepted(drift(ACCEPTED_MIN_COSINE - 1e-6))).toBe(false);
    expect(isDriftAccepted([])).toBe(false);
  });

  it('picks the fastest accepted run, skipping a faster one that drifts too far', () => {
    const runs = [
      { name: 'fp32', ms: 100, drift: drift(1) },
      { name: 'q8', ms: 60, drift: drift(0.999) },
      { name: 'q4', ms: 40, drift: drift(0.9) },
    ];
    expect(fastestAccepted(runs)?.name).toBe('q8');
    expect(fastestAccepted(runs.slice(2))).toBeNull();
  });
});
