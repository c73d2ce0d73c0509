// The largest element-wise difference between two arrays: how the numeric tests compare a result
// with its reference.
import { expect } from 'vitest';

/** max |a[i] − b[i]| over two arrays of one length (0 for two empty ones). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}
