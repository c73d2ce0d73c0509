/**
 * The committed fixture models, run in onnxruntime-node (and onnxruntime-web's WASM backend) on
 * text tokenised by transformers.js, against the float64 oracle. Also pins the tokenizer files
 * and the node-name conventions the engine's graph rewrite relies on.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DataType,
  GraphField,
  encodeValueInfo,
  fieldOf,
  parseModel,
  serializeModel,
} from '../../src/engine/onnx.ts';
import { hiddenStateNames } from '../../scripts/fixtures/graph.ts';
import { FIXTURE_NAMES, fixtureSpec, type FixtureName } from '../../scripts/fixtures/spec.ts';
import { oracleForward, type OracleTensor } from '../oracle/forward.ts';

const MODELS = join(import.meta.dirname, '..', '..', 'public', 'models');
/** float32 ORT vs float64 oracle, on O(1) activations. */
const TOLERANCE = 1e-4;
const TEXTS = [
  'The river ran past the old mill.',
  'Reading is a quiet kind of work, and a model that has read a great deal of text can do better than 3 formulas!',
  'Hello world',
];

beforeAll(() => {
  env.localModelPath = `${MODELS}/`;
  env.allowRemoteModels = false;
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

interface Encoded {
  feeds: Record<string, ort.Tensor>;
  ids: BigInt64Array;
  mask: BigInt64Array;
  types?: BigInt64Array;
  dims: [number, number];
}

function encode(
  tokenizer: PreTrainedTokenizer,
  texts: string[],
  inputNames: readonly string[],
): Encoded {
  const enc = tokenizer(texts, { padding: true }) as Record<
    string,
    { data: BigInt64Array; dims: number[] }
  >;
  const dims = enc.input_ids.dims as [number, number];
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of inputNames) feeds[name] = new ort.Tensor('int64', enc[name].data, dims);
  return {
    feeds,
    ids: enc.input_ids.data,
    mask: enc.attention_mask.data,
    types: enc.token_type_ids?.data,
    dims,
  };
}

/** The model with every hidden-state tensor added as a graph output. */
function withHiddenOutputs(name: FixtureName): Uint8Array {
  const spec = fixtureSpec(name);
  const model = parseModel(new Uint8Array(readFileSync(join(MODELS, name, 'onnx', 'model.onnx'))));
  const declared = new Set(model.graph.outputs.map((o) => o.name));
  for (const tensor of hiddenStateNames(spec)) {
    if (declared.has(tensor)) continue;
    const raw = fieldOf(
      GraphField.output,
      encodeValueInfo({
        name: tensor,
        elemType: DataType.FLOAT,
        shape: ['batch_size', 'sequence_length', spec.hidden],
      }),
    );
    model.graph.outputs.push({ name: tensor, raw, elemType: DataType.FLOAT, shape: [] });
  }
  return serializeModel(model);
}

/** Sequence `b` of an output: its first `n` token rows of `[batch, tokens, width]`, or its `[batch, width]` row. */
function sequenceOf(t: ort.Tensor, b: number, n: number): Float32Array {
  const data = t.data as Float32Array;
  if (t.dims.length === 2) return data.subarray(b * t.dims[1], (b + 1) * t.dims[1]);
  const [, tokens, width] = t.dims;
  return data.subarray(b * tokens * width, (b * tokens + n) * width);
}

describe.each(FIXTURE_NAMES)('%s', (name) => {
  const spec = fixtureSpec(name);
  let tokenizer: PreTrainedTokenizer;
  let session: ort.InferenceSession;

  beforeAll(async () => {
    tokenizer = await AutoTokenizer.from_pretrained(name);
    session = await ort.InferenceSession.create(join(MODELS, name, 'onnx', 'model.onnx'));
  });

  it('declares the expected inputs and outputs', () => {
    const inputs =
      spec.family === 'bert'
        ? ['input_ids', 'attention_mask', 'token_type_ids']
        : ['input_ids', 'attention_mask'];
    const outputs = {
      none: ['last_hidden_state'],
      pooler: ['last_hidden_state', 'pooler_output'],
      mlm: ['logits'],
      cls: ['logits'],
    }[spec.head];
    expect(session.inputNames).toEqual(inputs);
    expect(session.outputNames).toEqual(outputs);
  });

  it('round-trips text through its tokenizer', () => {
    // WordPiece lowercases and re-spaces punctuation, so its probe text is already in that form.
    const text =
      spec.family === 'roberta'
        ? 'Zebras quickly jumped over 42 "tall" walls; can you?\tYes!'
        : 'the zebras quickly jumped over 42 tall walls, did they? yes!';
    const ids = tokenizer.encode(text);
    expect(tokenizer.decode(ids, { skip_special_tokens: true })).toBe(text);
    const [cls, sep] = spec.family === 'roberta' ? [0, 2] : [2, 3];
    expect([ids[0], ids[ids.length - 1]]).toEqual([cls, sep]);
    expect(ids).not.toContain(spec.family === 'roberta' ? 3 : 1); // no <unk> / [UNK]
  });

  it(`matches the oracle on a padded batch (max abs diff < ${TOLERANCE})`, async () => {
    const enc = encode(tokenizer, TEXTS, session.inputNames);
    const lengths = TEXTS.map((_, b) =>
      enc.mask.slice(b * enc.dims[1], (b + 1) * enc.dims[1]).reduce((s, v) => s + Number(v), 0),
    );
    expect(new Set(lengths).size).toBe(TEXTS.length);
    const result = await session.run(enc.feeds);
    const oracle = oracleForward(name, {
      inputIds: enc.ids,
      attentionMask: enc.mask,
      tokenTypeIds: enc.types,
      dims: enc.dims,
    });
    for (const output of session.outputNames) {
      const expected: OracleTensor = oracle.outputs[output];
      expect(result[output].dims).toEqual(expected.dims);
      expect(maxAbsDiff(result[output].data as Float32Array, expected.data), output).toBeLessThan(
        TOLERANCE,
      );
    }
  });

  it(`matches the oracle's hidden state at every layer (max abs diff < ${TOLERANCE})`, async () => {
    const names = hiddenStateNames(spec);
    const probe = await ort.InferenceSession.create(withHiddenOutputs(name));
    const enc = encode(tokenizer, TEXTS, probe.inputNames);
    const result = await probe.run(enc.feeds, names);
    const { hiddenStates } = oracleForward(name, {
      inputIds: enc.ids,
      attentionMask: enc.mask,
      tokenTypeIds: enc.types,
      dims: enc.dims,
    });
    const size = enc.dims[0] * enc.dims[1] * spec.hidden;
    names.forEach((tensor, layer) => {
      const expected = hiddenStates.data.subarray(layer * size, (layer + 1) * size);
      expect(maxAbsDiff(result[tensor].data as Float32Array, expected), tensor).toBeLessThan(
        TOLERANCE,
      );
    });
    await probe.release();
  });

  it(`runs in onnxruntime-web's WASM backend too (max abs diff < ${TOLERANCE})`, async () => {
    ortWeb.env.wasm.numThreads = 1;
    const bytes = new Uint8Array(readFileSync(join(MODELS, name, 'onnx', 'model.onnx')));
    const web = await ortWeb.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    const enc = encode(tokenizer, TEXTS, web.inputNames);
    const feeds = Object.fromEntries(
      Object.entries(enc.feeds).map(([k, t]) => [
        k,
        new ortWeb.Tensor('int64', t.data as BigInt64Array, t.dims),
      ]),
    );
    const result = await web.run(feeds);
    const oracle = oracleForward(name, {
      inputIds: enc.ids,
      attentionMask: enc.mask,
      tokenTypeIds: enc.types,
      dims: enc.dims,
    });
    for (const output of web.outputNames) {
      expect(
        maxAbsDiff(result[output].data as Float32Array, oracle.outputs[output].data),
        output,
      ).toBeLessThan(TOLERANCE);
    }
    await web.release();
  });

  it('gives padded texts the same rows as unpadded ones', async () => {
    const batched = encode(tokenizer, TEXTS, session.inputNames);
    const batchOut = await session.run(batched.feeds);
    for (let b = 0; b < TEXTS.length; b++) {
      const alone = encode(tokenizer, [TEXTS[b]], session.inputNames);
      const n = alone.dims[1];
      const aloneOut = await session.run(alone.feeds);
      for (const output of session.outputNames) {
        const batchRows = sequenceOf(batchOut[output], b, n);
        expect(
          maxAbsDiff(batchRows, aloneOut[output].data as Float32Array),
          `${output} of text ${b}`,
        ).toBeLessThan(TOLERANCE);
      }
    }
  });
});

describe('node-name conventions', () => {
  const layerNormChain = (scope: string): string[] =>
    ['ReduceMean', 'Sub', 'Pow', 'ReduceMean_1', 'Add', 'Sqrt', 'Div', 'Mul', 'Add_1'].map(
      (op) => `${scope}/${op}`,
    );

  const EXPECTED: Record<FixtureName, { nodes: string[]; tensors: string[] }> = {
    'roberta-tiny': {
      nodes: [
        ...layerNormChain('/encoder/layer.0/output/LayerNorm'),
        ...layerNormChain('/embeddings/LayerNorm'),
      ],
      tensors: [
        '/embeddings/LayerNorm/Add_1_output_0',
        '/encoder/layer.0/output/LayerNorm/Add_1_output_0',
        '/encoder/layer.1/output/LayerNorm/Add_1_output_0',
        '/encoder/layer.2/output/LayerNorm/Add_1_output_0',
        'last_hidden_state',
      ],
    },
    'roberta-tiny-mlm': {
      nodes: [
        '/roberta/encoder/layer.0/output/LayerNorm/LayerNormalization',
        '/lm_head/dense/MatMul',
        '/lm_head/layer_norm/LayerNormalization',
        '/lm_head/decoder/MatMul',
      ],
      tensors: [
        '/roberta/embeddings/LayerNorm/LayerNormalization_output_0',
        '/roberta/encoder/layer.0/output/LayerNorm/LayerNormalization_output_0',
        '/roberta/encoder/layer.1/output/LayerNorm/LayerNormalization_output_0',
        'logits',
      ],
    },
    'roberta-tiny-cls': {
      nodes: [
        ...layerNormChain('/roberta/encoder/layer.1/output/LayerNorm'),
        '/classifier/dense/Gemm',
        '/classifier/out_proj/Gemm',
      ],
      tensors: [
        '/roberta/embeddings/LayerNorm/Add_1_output_0',
        '/roberta/encoder/layer.0/output/LayerNorm/Add_1_output_0',
        '/roberta/encoder/layer.1/output/LayerNorm/Add_1_output_0',
        'logits',
      ],
    },
    'bert-tiny': {
      nodes: [...layerNormChain('/encoder/layer.0/output/LayerNorm'), '/pooler/dense/Gemm'],
      tensors: [
        '/embeddings/LayerNorm/Add_1_output_0',
        '/encoder/layer.0/output/LayerNorm/Add_1_output_0',
        'last_hidden_state',
        'pooler_output',
      ],
    },
    'distilbert-tiny': {
      nodes: [
        ...layerNormChain('/transformer/layer.0/sa_layer_norm'),
        ...layerNormChain('/transformer/layer.0/output_layer_norm'),
      ],
      tensors: [
        '/embeddings/LayerNorm/Add_1_output_0',
        '/transformer/layer.0/sa_layer_norm/Add_1_output_0',
        '/transformer/layer.0/output_layer_norm/Add_1_output_0',
        '/transformer/layer.1/sa_layer_norm/Add_1_output_0',
        'last_hidden_state',
      ],
    },
  };

  it.each(FIXTURE_NAMES)('%s has torch-style node and tensor names', (name) => {
    const model = parseModel(
      new Uint8Array(readFileSync(join(MODELS, name, 'onnx', 'model.onnx'))),
    );
    const nodeNames = new Set(model.graph.nodes.map((n) => n.name));
    const tensorNames = new Set(model.graph.nodes.flatMap((n) => n.outputs));
    for (const node of EXPECTED[name].nodes) expect(nodeNames, node).toContain(node);
    for (const tensor of EXPECTED[name].tensors) expect(tensorNames, tensor).toContain(tensor);
    // Every node output follows `<node name>_output_0` unless it is a declared graph output.
    const declared = new Set(model.graph.outputs.map((o) => o.name));
    for (const n of model.graph.nodes) {
      for (const o of n.outputs) if (!declared.has(o)) expect(o).toBe(`${n.name}_output_0`);
    }
    expect(hiddenStateNames(fixtureSpec(name)).every((t) => tensorNames.has(t))).toBe(true);
  });
});
