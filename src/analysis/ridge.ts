// The ridge model: ŷ = bias + Σ ((x − mean) / std) · weights, fitted on standardised features at one
// α, and its predictions. The fit is solved as a CV fold is (see crossValidate.ts): primal or dual,
// whichever system is smaller, or by Lanczos over the rows where `cvPlan.ts` finds that much cheaper.

import { checkAlphas, checkInputs, type RidgeCVOptions } from './crossValidate.ts';
import { krylovPays, krylovStepLimit } from './cvPlan.ts';
import { columnMeans, type Matrix, type Scaler } from './matrix.ts';
import { directFit } from './ridgeDirect.ts';
import { krylovFit } from './ridgeKrylov.ts';
import { simdKernels } from './simd.ts';

/** A fitted ridge model: ŷ = bias + Σ ((x − mean) / std) · weights. */
export interface RidgeModel {
  scaler: Scaler;
  weights: Float64Array; // [cols], in standardised units
  bias: number;
  alpha: number;
}

/**
 * Fits standardised ridge on all rows at one α: primal or dual, whichever system is smaller, or
 * Krylov where that is much cheaper (as `cvMode` decides for a fold).
 */
export function fitRidge(
  x: Matrix,
  y: ArrayLike<number>,
  alpha: number,
  options: Pick<RidgeCVOptions, 'solver' | 'maxKrylovSteps' | 'kernels'> = {},
): RidgeModel {
  checkInputs(x, y);
  checkAlphas([alpha]);
  const { solver = 'auto' } = options;
  const kernels = options.kernels === undefined ? simdKernels() : options.kernels;
  const shift = columnMeans(x);
  if (solver === 'krylov' || (solver === 'auto' && krylovPays(x.cols, x.rows, x.rows))) {
    const maxSteps = options.maxKrylovSteps ?? krylovStepLimit(x.cols, x.rows, x.rows, kernels);
    const solved = krylovFit(x, y, alpha, shift, maxSteps, kernels);
    if (solved)
      return {
        scaler: { mean: solved.mean, std: solved.std },
        weights: solved.weights,
        bias: solved.meanY,
        alpha,
      };
  }
  const { mean, std, meanY, weights } = directFit(x, y, alpha, shift, solver !== 'direct', kernels);
  for (let k = 0; k < x.cols; k++) mean[k] += shift[k];
  return { scaler: { mean, std }, weights, bias: meanY, alpha };
}

/** Predictions of a ridge model for every row of `x`. */
export function predictRidge(model: RidgeModel, x: Matrix): Float64Array {
  const { mean, std } = model.scaler;
  if (x.cols !== mean.length)
    throw new RangeError(`model expects ${mean.length} features, got ${x.cols}`);
  const out = new Float64Array(x.rows);
  for (let r = 0; r < x.rows; r++) {
    let s = model.bias;
    for (let k = 0; k < x.cols; k++)
      s += ((x.data[r * x.cols + k] - mean[k]) / std[k]) * model.weights[k];
    out[r] = s;
  }
  return out;
}
