import { CHAR_BUCKETS, DENSE_FEATURES, WORD_BUCKETS } from './features.ts';

/** The lite model as committed: dense weights as numbers, hashed weights as companded int8 in base64. */
export interface LiteWeightsFile {
  format: 'readscope-lite/1';
  /** What the weights were fitted on, for the record. */
  trainedOn: string;
  n: number;
  alpha: number;
  /** Cross-validated RMSE of this configuration on the training file, and its spread over folds. */
  cvRmse: number;
  cvRmseSd: number;
  intercept: number;
  dense: { names: string[]; mean: number[]; sd: number[]; weight: number[] };
  words: QuantisedWeights;
  chars: QuantisedWeights;
}

/** int8 weights: w = sign(q)·(q/127)²·scale, so small weights keep their precision. */
export interface QuantisedWeights {
  buckets: number;
  scale: number;
  q: string;
}

/** The lite model ready to score: plain typed arrays. */
export interface LiteModel {
  intercept: number;
  cvRmse: number;
  denseMean: Float64Array;
  denseSd: Float64Array;
  dense: Float64Array; // [DENSE_FEATURES.length]
  words: Float32Array; // [WORD_BUCKETS]
  chars: Float32Array; // [CHAR_BUCKETS]
}

// Six significant digits: far below the model's error, and the same text on every platform.
const round = (x: number) => Number(x.toPrecision(6));

/** Quantises weights to companded int8, base64-encoded. */
export function quantise(weights: ArrayLike<number>): QuantisedWeights {
  let scale = 0;
  for (let i = 0; i < weights.length; i++) scale = Math.max(scale, Math.abs(weights[i]));
  scale = round(scale);
  const bytes = new Int8Array(weights.length);
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    bytes[i] = scale
      ? Math.sign(w) * Math.min(127, Math.round(127 * Math.sqrt(Math.abs(w) / scale)))
      : 0;
  }
  let binary = '';
  new Uint8Array(bytes.buffer).forEach((b) => (binary += String.fromCharCode(b)));
  return { buckets: weights.length, scale, q: btoa(binary) };
}

/** Inverts `quantise`. */
export function dequantise({ buckets, scale, q }: QuantisedWeights): Float32Array {
  const binary = atob(q);
  const out = new Float32Array(buckets);
  for (let i = 0; i < buckets; i++) {
    const v = (binary.charCodeAt(i) << 24) >> 24; // the byte as a signed int8
    out[i] = Math.sign(v) * (v / 127) ** 2 * scale;
  }
  return out;
}

/** Turns a committed weights file into a model, checking that it fits this feature extractor. */
export function decodeWeights(file: LiteWeightsFile): LiteModel {
  const names = DENSE_FEATURES as readonly string[];
  if (file.format !== 'readscope-lite/1' || file.dense.names.join('|') !== names.join('|')) {
    throw new Error(
      'Lite weights do not match this feature extractor; run scripts/fit-lite.ts again.',
    );
  }
  if (file.words.buckets !== WORD_BUCKETS || file.chars.buckets !== CHAR_BUCKETS) {
    throw new Error(
      'Lite weights have the wrong number of hash buckets; run scripts/fit-lite.ts again.',
    );
  }
  return {
    intercept: file.intercept,
    cvRmse: file.cvRmse,
    denseMean: Float64Array.from(file.dense.mean),
    denseSd: Float64Array.from(file.dense.sd),
    dense: Float64Array.from(file.dense.weight),
    words: dequantise(file.words),
    chars: dequantise(file.chars),
  };
}

/** Everything but the hashed weights, rounded so the file is the same on every platform. */
export function encodeWeights(
  model: Omit<LiteModel, 'words' | 'chars' | 'cvRmse'> & {
    words: ArrayLike<number>;
    chars: ArrayLike<number>;
  },
  meta: { trainedOn: string; n: number; alpha: number; cvRmse: number; cvRmseSd: number },
): LiteWeightsFile {
  return {
    format: 'readscope-lite/1',
    trainedOn: meta.trainedOn,
    n: meta.n,
    alpha: meta.alpha,
    cvRmse: round(meta.cvRmse),
    cvRmseSd: round(meta.cvRmseSd),
    intercept: round(model.intercept),
    dense: {
      names: [...DENSE_FEATURES],
      mean: Array.from(model.denseMean, round),
      sd: Array.from(model.denseSd, round),
      weight: Array.from(model.dense, round),
    },
    words: quantise(model.words),
    chars: quantise(model.chars),
  };
}
