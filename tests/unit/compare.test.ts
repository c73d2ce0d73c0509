import { describe, expect, it } from 'vitest';
import { compareTexts, expectedSigmoid, sigmoid } from '../../src/readability/compare.ts';

describe('compareTexts', () => {
  it.each([
    // σ(d) = 1 / (1 + e^−d), worked by hand
    [0, 0.5],
    [1, 0.7310585786],
    [-2, 0.119202922],
    [Math.log(3), 0.75],
  ])('with no uncertainty, a difference of %d gives σ = %d', (d, p) => {
    const c = compareTexts({ target: d, standardError: 0 }, { target: 0, standardError: 0 });
    expect(c.probability).toBeCloseTo(p, 8);
    expect(c.pointProbability).toBeCloseTo(p, 8);
    expect(c.interval[0]).toBeCloseTo(p, 8);
  });

  it('is symmetric: P(A easier) + P(B easier) = 1', () => {
    const a = { target: -0.4, standardError: 0.5 };
    const b = { target: -1.3, standardError: 0.45 };
    expect(compareTexts(a, b).probability + compareTexts(b, a).probability).toBeCloseTo(1, 10);
  });

  it('pulls the probability toward one half as the uncertainty grows', () => {
    const a = { target: 1, standardError: 0 };
    const sure = compareTexts(a, { target: 0, standardError: 0 }).probability;
    const unsure = compareTexts({ ...a, standardError: 1 }, { target: 0, standardError: 1 });
    expect(unsure.probability).toBeLessThan(sure);
    expect(unsure.probability).toBeGreaterThan(0.5);
    expect(unsure.differenceSe).toBeCloseTo(Math.SQRT2, 12);
    expect(unsure.interval[0]).toBeLessThan(0.5);
    expect(unsure.interval[1]).toBeGreaterThan(unsure.probability);
  });

  it('agrees with the probit approximation σ(μ / √(1 + πs²/8)) to within 0.01', () => {
    for (const [mean, sd] of [
      [0.5, 0.5],
      [1.5, 1],
      [-2, 2],
    ]) {
      expect(expectedSigmoid(mean, sd)).toBeCloseTo(
        sigmoid(mean / Math.sqrt(1 + (Math.PI * sd * sd) / 8)),
        2,
      );
    }
  });

  it('matches a quadrature-free check: E[σ(X)] = 1/2 for X centred on zero', () => {
    expect(expectedSigmoid(0, 3)).toBeCloseTo(0.5, 12);
  });
});
