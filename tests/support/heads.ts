/** Ridge heads with seeded random weights, for tests that check how a head is applied. */
import type { HeadStrategy, RidgeHead } from '../../src/analysis/head.ts';
import type { Dtype } from '../../src/engine/dtypes.ts';
import { makeNormal } from '../../src/analysis/rng.ts';

/**
 * A ridge head on `strategy` at `layer` for a model, with seeded random scaler and weights
 * (`2 × hidden` of them for mean-max), so a test can compare its application with its own loops.
 */
export function randomRidgeHead(args: {
  modelId: string;
  dtype: Dtype;
  hidden: number;
  strategy: HeadStrategy;
  layer: number;
  seed: number;
  bias?: number;
}): RidgeHead {
  const normal = makeNormal(args.seed);
  const dim = args.strategy === 'mean-max' ? 2 * args.hidden : args.hidden;
  return {
    version: 1,
    kind: 'ridge',
    modelId: args.modelId,
    dtype: args.dtype,
    hidden: args.hidden,
    strategy: args.strategy,
    layer: args.layer,
    poolOptions: {},
    scaler: {
      mean: Array.from({ length: dim }, () => 0.1 * normal()),
      std: Array.from({ length: dim }, () => 0.5 + Math.abs(normal())),
    },
    weights: Array.from({ length: dim }, () => normal()),
    bias: args.bias ?? -1,
    alpha: 1,
    cvRmse: 0.5,
    cvRmseStd: 0.05,
    folds: 5,
    rows: 100,
    createdAt: new Date(0).toISOString(),
  };
}
