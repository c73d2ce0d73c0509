// Standardisation done the plain way, two passes over plain arrays: the independent reference
// the ridge, Krylov and sketch tests check the solvers' own scalers (analysis/matrix.ts) against.

/**
 * Each column's mean and population std over `rows`, and the rows standardised by them. A
 * constant column (std ≤ 1e-12), or every column when `scale` is false, gets std 1: centred only.
 */
export function standardiseNaively(
  rows: readonly ArrayLike<number>[],
  scale = true,
): { mean: number[]; std: number[]; z: number[][] } {
  const n = rows.length;
  const d = rows[0].length;
  const mean = Array.from({ length: d }, (_, k) => rows.reduce((s, r) => s + r[k], 0) / n);
  const std = mean.map((m, k) => {
    const v = Math.sqrt(rows.reduce((s, r) => s + (r[k] - m) ** 2, 0) / n);
    return scale && v > 1e-12 ? v : 1;
  });
  const z = rows.map((r) => Array.from(r, (v, k) => (v - mean[k]) / std[k]));
  return { mean, std, z };
}
