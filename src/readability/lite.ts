import { Z_CLIP, extractFeatures, type SparseVector } from './features.ts';
import liteWeights from './lite-weights.json';
import { decodeWeights, type LiteModel, type LiteWeightsFile } from './weights.ts';

/** A lite-model score and where it came from. */
export interface LitePrediction {
  /** Predicted CommonLit target: about −3.7 (hard) to +1.7 (easy). */
  target: number;
  /** The model's cross-validated RMSE, a fair ± for the score. */
  cvRmse: number;
  /** Words in the text; CommonLit excerpts run 130–200, and far shorter texts are out of range. */
  wordCount: number;
  /** The score split into its parts (they add up to `target`). */
  parts: { intercept: number; surface: number; words: number; characters: number };
}

/** The committed lite model; decoded once as the page loads, bundled with it, never fetched. */
export const LITE_MODEL: LiteModel = decodeWeights(liteWeights as LiteWeightsFile);

const dot = (v: SparseVector, w: Float32Array) => {
  let s = 0;
  for (let i = 0; i < v.indices.length; i++) s += v.values[i] * w[v.indices[i]];
  return s;
};

/** Scores a text with a given lite model. */
export function predictWith(model: LiteModel, text: string): LitePrediction {
  const f = extractFeatures(text);
  let surface = 0;
  for (let k = 0; k < f.dense.length; k++) {
    const z = (f.dense[k] - model.denseMean[k]) / model.denseSd[k];
    surface += model.dense[k] * Math.min(Z_CLIP, Math.max(-Z_CLIP, z));
  }
  const words = dot(f.words, model.words);
  const characters = dot(f.chars, model.chars);
  return {
    target: model.intercept + surface + words + characters,
    cvRmse: model.cvRmse,
    wordCount: f.wordCount,
    parts: { intercept: model.intercept, surface, words, characters },
  };
}

export { MIN_WORDS } from './limits.ts';

/** Scores a text with the committed lite model: no network, no encoder. */
export function predictLite(text: string): LitePrediction {
  return predictWith(LITE_MODEL, text);
}
