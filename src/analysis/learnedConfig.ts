// How learned poolings are sized and trained: the defaults, and the settings the app (the Fit view
// and `readscope fit`) trains them with.

import { DEFAULT_LAYER_START, type LearnedStrategy, type PoolOptions } from './pooling.ts';

/** Sizes and training knobs; defaults keep a 3,000-row fit to seconds in a browser. */
export interface LearnedConfig {
  layerStart: number; // first layer used by the layer-wise models
  units: number; // LSTM/GRU state size
  projection: number; // LSTM/GRU read each CLS reduced to its leading principal directions, this many
  channels: number; // Conv1D output channels
  epochs: number;
  batchSize: number;
  learningRate: number;
  validationFraction: number; // 0 = no early stopping
  patience: number; // epochs without validation improvement before stopping
  seed: number;
}

export const DEFAULT_LEARNED_CONFIG: LearnedConfig = {
  layerStart: DEFAULT_LAYER_START,
  units: 16,
  projection: 32,
  channels: 8,
  epochs: 60,
  batchSize: 32,
  learningRate: 0.01,
  validationFraction: 0,
  patience: 8,
  seed: 0,
};

/**
 * How the app (the Fit view and `readscope fit`) trains learned poolings on frozen features: at
 * most 20 epochs, stopping once 4 pass without improving on a tenth of the training rows held
 * back, whose best epoch is kept. The learning rates were chosen on the sweep bench's synthetic
 * 3,000-row tables (held-out RMSE, one 2,400/600 split): weighted layers and attention end in a
 * linear head on 768 features, where Adam's default 0.01 overfits within an epoch (0.90 against
 * 0.64 at 3e-4); the small recurrent cells and Conv1D learn best at 3e-3. Without early stopping,
 * 60 epochs let the LSTM fit noise.
 */
export const FIT_LEARNED_CONFIG = {
  epochs: 20,
  validationFraction: 0.1,
  patience: 4,
} as const satisfies Partial<LearnedConfig>;

/** The learning rate the app trains each learned pooling with (see FIT_LEARNED_CONFIG). */
const FIT_LEARNING_RATE: Record<LearnedStrategy, number> = {
  'weighted-learned': 3e-4,
  attention: 3e-4,
  lstm: 3e-3,
  gru: 3e-3,
  // On the sweep bench's token table (held-out RMSE): 0.01 → 0.507, 3e-3 → 0.502, 1e-3 → 0.529.
  conv1d: 3e-3,
};

/** The settings the app trains a learned pooling with, on a sweep's pool options. */
export function learnedConfigFor(
  strategy: LearnedStrategy,
  poolOptions: PoolOptions,
): Partial<LearnedConfig> & { layerStart: number } {
  return {
    ...FIT_LEARNED_CONFIG,
    learningRate: FIT_LEARNING_RATE[strategy],
    layerStart: poolOptions.layerStart ?? DEFAULT_LAYER_START,
  };
}
