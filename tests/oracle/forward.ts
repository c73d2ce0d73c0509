/**
 * Independent reference forward pass for the fixture models, in plain TypeScript with float64
 * arithmetic. It shares only the spec and the seeded weights with the generator, never the ONNX
 * graph, so a mistake in the graph builder (or in the engine's rewrite) shows up as a mismatch.
 */
import {
  makeWeights,
  layerParamNames,
  param,
  type Weights,
} from '../../scripts/fixtures/weights.ts';
import {
  fixtureSpec,
  hfConfig,
  type FixtureName,
  type FixtureSpec,
} from '../../scripts/fixtures/spec.ts';

/** HF's additive mask value for padded keys, torch.finfo(float32).min. */
const MASK_MIN = -3.4028234663852886e38;

/** A padded batch, row-major `[batch, tokens]`, as a tokenizer or ORT tensor holds it. */
export interface OracleBatch {
  inputIds: ArrayLike<number | bigint>;
  attentionMask: ArrayLike<number | bigint>;
  /** BERT only; zeros when absent. */
  tokenTypeIds?: ArrayLike<number | bigint>;
  dims: [batch: number, tokens: number];
}

/** A float32 tensor with its shape. */
export interface OracleTensor {
  data: Float32Array;
  dims: number[];
}

export interface OracleResult {
  /** Embeddings output then every encoder layer: `[layers + 1, batch, tokens, hidden]`. */
  hiddenStates: OracleTensor;
  /** The model's declared ONNX outputs by name (`last_hidden_state`, `logits`, `pooler_output`). */
  outputs: Record<string, OracleTensor>;
}

/** A fixture's spec, HF config object and seeded weights (linear weights `[in, out]`). */
export function fixtureModel(name: FixtureName): {
  spec: FixtureSpec;
  config: Record<string, unknown>;
  weights: Weights;
} {
  const spec = fixtureSpec(name);
  return { spec, config: hfConfig(spec), weights: makeWeights(spec) };
}

/** erf to ~1e-14: Taylor series near zero, a continued fraction for erfc in the tails. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // erf x = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1))
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 80 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-ax * ax) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc x = e^(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated bottom-up.
  let f = ax;
  for (let n = 120; n >= 1; n--) f = ax + n / 2 / f;
  const erfc = Math.exp(-ax * ax) / (Math.sqrt(Math.PI) * f);
  return Math.sign(x) * (1 - erfc);
}

function gelu(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

/** Row-major matrix of float64 rows: `rows × cols`. */
type Rows = Float64Array[];

/** x @ W + b for each row; W is `[in, out]`. */
function linear(x: Rows, w: Float32Array, bias: Float32Array): Rows {
  const out = bias.length;
  return x.map((row) => {
    const y = Float64Array.from(bias);
    for (let i = 0; i < row.length; i++) {
      const xi = row[i];
      const base = i * out;
      for (let o = 0; o < out; o++) y[o] += xi * w[base + o];
    }
    return y;
  });
}

function layerNorm(x: Rows, gamma: Float32Array, beta: Float32Array, eps: number): Rows {
  return x.map((row) => {
    let mean = 0;
    for (const v of row) mean += v;
    mean /= row.length;
    let variance = 0;
    for (const v of row) variance += (v - mean) ** 2;
    variance /= row.length;
    const inv = 1 / Math.sqrt(variance + eps);
    return row.map((v, i) => (v - mean) * inv * gamma[i] + beta[i]);
  });
}

function add(a: Rows, b: Rows): Rows {
  return a.map((row, t) => row.map((v, i) => v + b[t][i]));
}

/** Self-attention for one sequence; x: [tokens, hidden], keyMask: [tokens] of 0/1. */
function attention(
  spec: FixtureSpec,
  w: Weights,
  stems: [string, string, string],
  x: Rows,
  keyMask: number[],
): Rows {
  const lin = (stem: string): Rows =>
    linear(x, param(w, `${stem}.weight`), param(w, `${stem}.bias`));
  const [q, k, v] = stems.map(lin);
  const headDim = spec.hidden / spec.heads;
  const scale = 1 / Math.sqrt(headDim);
  const tokens = x.length;
  const context: Rows = x.map(() => new Float64Array(spec.hidden));
  for (let h = 0; h < spec.heads; h++) {
    const off = h * headDim;
    for (let i = 0; i < tokens; i++) {
      const scores = new Float64Array(tokens);
      let max = -Infinity;
      for (let j = 0; j < tokens; j++) {
        let dot = 0;
        for (let d = 0; d < headDim; d++) dot += q[i][off + d] * k[j][off + d];
        scores[j] = dot * scale + (1 - keyMask[j]) * MASK_MIN;
        max = Math.max(max, scores[j]);
      }
      let total = 0;
      for (let j = 0; j < tokens; j++) {
        scores[j] = Math.exp(scores[j] - max);
        total += scores[j];
      }
      for (let j = 0; j < tokens; j++) {
        const p = scores[j] / total;
        for (let d = 0; d < headDim; d++) context[i][off + d] += p * v[j][off + d];
      }
    }
  }
  return context;
}

/** One post-LN encoder layer (BERT/RoBERTa/DistilBERT share the maths); x: [tokens, hidden]. */
function encoderLayer(spec: FixtureSpec, w: Weights, i: number, x: Rows, keyMask: number[]): Rows {
  const n = layerParamNames(spec, i);
  const p = (name: string): Float32Array => param(w, name);
  const context = attention(spec, w, [n.query, n.key, n.value], x, keyMask);
  const attnOut = linear(context, p(`${n.attentionOut}.weight`), p(`${n.attentionOut}.bias`));
  const sa = layerNorm(
    add(attnOut, x),
    p(`${n.attentionNorm}.weight`),
    p(`${n.attentionNorm}.bias`),
    spec.layerNormEps,
  );
  const inner = linear(sa, p(`${n.ffnIn}.weight`), p(`${n.ffnIn}.bias`)).map((r) => r.map(gelu));
  const ffn = linear(inner, p(`${n.ffnOut}.weight`), p(`${n.ffnOut}.bias`));
  return layerNorm(
    add(ffn, sa),
    p(`${n.outputNorm}.weight`),
    p(`${n.outputNorm}.bias`),
    spec.layerNormEps,
  );
}

/** Embedding rows of one sequence: word + token type + position, then LayerNorm. */
function embed(spec: FixtureSpec, w: Weights, ids: number[], types: number[]): Rows {
  const h = spec.hidden;
  const word = param(w, 'embeddings.word_embeddings.weight');
  const pos = param(w, 'embeddings.position_embeddings.weight');
  const type = spec.typeVocabSize > 0 ? param(w, 'embeddings.token_type_embeddings.weight') : null;
  let running = 0;
  const rows = ids.map((id, t) => {
    let position = t;
    if (spec.family === 'roberta') {
      // Positions count non-pad tokens from padding_idx + 1; pads themselves sit at padding_idx.
      const isToken = id !== spec.padTokenId ? 1 : 0;
      running += isToken;
      position = running * isToken + spec.padTokenId;
    }
    const row = new Float64Array(h);
    for (let d = 0; d < h; d++) {
      row[d] = word[id * h + d] + pos[position * h + d] + (type ? type[types[t] * h + d] : 0);
    }
    return row;
  });
  return layerNorm(
    rows,
    param(w, 'embeddings.LayerNorm.weight'),
    param(w, 'embeddings.LayerNorm.bias'),
    spec.layerNormEps,
  );
}

function toNumbers(values: ArrayLike<number | bigint>, start: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => Number(values[start + i]));
}

function flatten(rows: Rows[], dims: number[]): OracleTensor {
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
  let at = 0;
  for (const seq of rows) for (const row of seq) for (const v of row) data[at++] = v;
  return { data, dims };
}

/** Runs a fixture (by name, or any spec with its seeded weights) on a padded batch. */
export function oracleForward(model: FixtureName | FixtureSpec, batch: OracleBatch): OracleResult {
  const spec = typeof model === 'string' ? fixtureSpec(model) : model;
  const w = makeWeights(spec);
  const [batchSize, tokens] = batch.dims;
  const { hidden, layers } = spec;
  // perLayer[l][b]: rows of sequence b after layer l (l = 0 is the embeddings output).
  const perLayer: Rows[][] = Array.from({ length: layers + 1 }, () => []);
  for (let b = 0; b < batchSize; b++) {
    const ids = toNumbers(batch.inputIds, b * tokens, tokens);
    const mask = toNumbers(batch.attentionMask, b * tokens, tokens);
    const types = batch.tokenTypeIds
      ? toNumbers(batch.tokenTypeIds, b * tokens, tokens)
      : ids.map(() => 0);
    let x = embed(spec, w, ids, types);
    perLayer[0].push(x);
    for (let l = 0; l < layers; l++) {
      x = encoderLayer(spec, w, l, x, mask);
      perLayer[l + 1].push(x);
    }
  }
  const last = perLayer[layers];
  const hiddenStates = flatten(perLayer.flat(), [layers + 1, batchSize, tokens, hidden]);
  const p = (name: string): Float32Array => param(w, name);
  const outputs: Record<string, OracleTensor> = {};
  switch (spec.head) {
    case 'none':
      outputs.last_hidden_state = flatten(last, [batchSize, tokens, hidden]);
      break;
    case 'pooler': {
      outputs.last_hidden_state = flatten(last, [batchSize, tokens, hidden]);
      const pooled = linear(
        last.map((seq) => seq[0]),
        p('pooler.dense.weight'),
        p('pooler.dense.bias'),
      );
      outputs.pooler_output = flatten([pooled.map((r) => r.map(Math.tanh))], [batchSize, hidden]);
      break;
    }
    case 'mlm': {
      const word = p('embeddings.word_embeddings.weight'); // [vocab, hidden], tied decoder
      const bias = p('lm_head.bias');
      const logits = last.map((seq) => {
        const dense = linear(seq, p('lm_head.dense.weight'), p('lm_head.dense.bias')).map((r) =>
          r.map(gelu),
        );
        const normed = layerNorm(
          dense,
          p('lm_head.layer_norm.weight'),
          p('lm_head.layer_norm.bias'),
          spec.layerNormEps,
        );
        return normed.map((row) => {
          const out = Float64Array.from(bias);
          for (let v = 0; v < spec.vocabSize; v++) {
            for (let d = 0; d < hidden; d++) out[v] += row[d] * word[v * hidden + d];
          }
          return out;
        });
      });
      outputs.logits = flatten(logits, [batchSize, tokens, spec.vocabSize]);
      break;
    }
    case 'cls': {
      const dense = linear(
        last.map((seq) => seq[0]),
        p('classifier.dense.weight'),
        p('classifier.dense.bias'),
      );
      const act = dense.map((r) => r.map(Math.tanh));
      const logits = linear(act, p('classifier.out_proj.weight'), p('classifier.out_proj.bias'));
      outputs.logits = flatten([logits], [batchSize, spec.numLabels]);
      break;
    }
  }
  return { hiddenStates, outputs };
}
