/**
 * The ONNX rewrite on a synthetic encoder-shaped graph, run in onnxruntime-node: the stacked
 * hidden states, the in-graph poolings and the pruning are checked against plain loops.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  GraphError,
  HIDDEN_STATES,
  POOLED_OUTPUTS,
  findHiddenStates,
  rewriteForHiddenStates,
} from '../../src/engine/graph.ts';
import {
  DataType,
  OnnxFormatError,
  encodeModel,
  parseModel,
  type NodeSpec,
  type TensorSpec,
} from '../../src/engine/onnx.ts';

const VOCAB = 7;
const HIDDEN = 3;
const LAYERS = 2;
const PAD = 1;
/** Relative to max(1, |value|): the graph runs in float32. */
const TOLERANCE = 1e-5;

/** Embedding table: the pad row is huge, so any padding that leaks into a pooling shows. */
function embeddingTable(): Float32Array {
  const t = new Float32Array(VOCAB * HIDDEN);
  for (let v = 0; v < VOCAB; v++)
    for (let h = 0; h < HIDDEN; h++) t[v * HIDDEN + h] = v === PAD ? 1000 : v - h * 0.5;
  return t;
}
const scaleOf = (layer: number) => layer + 2;
const biasOf = (layer: number, h: number) => 0.25 * (layer + 1) - h * 0.1;

/** An encoder-shaped graph: embeddings, two "layers" (x * s + b) named like a torch export, an LM head. */
function syntheticModel(opset: number, lastName = 'last_hidden_state'): Uint8Array {
  const nodes: NodeSpec[] = [];
  const inits: TensorSpec[] = [
    {
      name: 'embeddings.word_embeddings.weight',
      dataType: DataType.FLOAT,
      dims: [VOCAB, HIDDEN],
      data: embeddingTable(),
    },
    { name: 'zero', dataType: DataType.FLOAT, dims: [HIDDEN], data: new Float32Array(HIDDEN) },
    {
      name: 'lm_head.weight',
      dataType: DataType.FLOAT,
      dims: [HIDDEN, VOCAB],
      data: new Float32Array(HIDDEN * VOCAB).fill(0.5),
    },
  ];
  nodes.push({
    name: '/embeddings/word_embeddings/Gather',
    opType: 'Gather',
    inputs: ['embeddings.word_embeddings.weight', 'input_ids'],
    outputs: ['/embeddings/word_embeddings/Gather_output_0'],
  });
  nodes.push({
    name: '/embeddings/LayerNorm/Add_1',
    opType: 'Add',
    inputs: ['/embeddings/word_embeddings/Gather_output_0', 'zero'],
    outputs: ['/embeddings/LayerNorm/Add_1_output_0'],
  });
  let x = '/embeddings/LayerNorm/Add_1_output_0';
  for (let l = 0; l < LAYERS; l++) {
    const p = `/encoder/layer.${l}`;
    inits.push({
      name: `scale_${l}`,
      dataType: DataType.FLOAT,
      dims: [],
      data: Float32Array.of(scaleOf(l)),
    });
    inits.push({
      name: `bias_${l}`,
      dataType: DataType.FLOAT,
      dims: [HIDDEN],
      data: Float32Array.from({ length: HIDDEN }, (_, h) => biasOf(l, h)),
    });
    nodes.push({
      name: `${p}/intermediate/Mul`,
      opType: 'Mul',
      inputs: [x, `scale_${l}`],
      outputs: [`${p}/intermediate/Mul_output_0`],
    });
    const out = l === LAYERS - 1 ? lastName : `${p}/output/LayerNorm/Add_1_output_0`;
    nodes.push({
      name: `${p}/output/LayerNorm/Add_1`,
      opType: 'Add',
      inputs: [`${p}/intermediate/Mul_output_0`, `bias_${l}`],
      outputs: [out],
    });
    x = out;
  }
  nodes.push({
    name: '/lm_head/decoder/MatMul',
    opType: 'MatMul',
    inputs: [x, 'lm_head.weight'],
    outputs: ['logits'],
  });
  const ints = (name: string) => ({
    name,
    elemType: DataType.INT64,
    shape: ['batch_size', 'sequence_length'],
  });
  return encodeModel({
    irVersion: 8,
    opsets: [{ domain: '', version: opset }],
    producerName: 'readscope-test',
    producerVersion: '0',
    graph: {
      name: 'synthetic',
      nodes,
      initializers: inits,
      inputs: [ints('input_ids'), ints('attention_mask')],
      outputs: [
        {
          name: 'logits',
          elemType: DataType.FLOAT,
          shape: ['batch_size', 'sequence_length', VOCAB],
        },
      ],
    },
  });
}

/** Reference hidden states `[layers+1][batch][tokens][hidden]` by plain loops. */
function reference(ids: number[][]): number[][][][] {
  const emb = embeddingTable();
  const states = [
    ids.map((row) => row.map((id) => Array.from(emb.subarray(id * HIDDEN, (id + 1) * HIDDEN)))),
  ];
  for (let l = 0; l < LAYERS; l++) {
    states.push(
      states[l].map((row) =>
        row.map((v) => v.map((x, h) => Math.fround(x * scaleOf(l)) + biasOf(l, h))),
      ),
    );
  }
  return states;
}

const IDS = [
  [0, 3, 4, 5, 2],
  [0, 6, 2, PAD, PAD],
];
const MASK = IDS.map((row) => row.map((id) => (id === PAD ? 0 : 1)));

async function run(model: Uint8Array, fetch: string[]) {
  const session = await ort.InferenceSession.create(model);
  const dims = [IDS.length, IDS[0].length];
  const feeds = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(IDS.flat().map(BigInt)), dims),
    attention_mask: new ort.Tensor('int64', BigInt64Array.from(MASK.flat().map(BigInt)), dims),
  };
  const out = await session.run(feeds, fetch);
  await session.release();
  return out;
}

describe.each([13, 18])('rewrite at opset %i', (opset) => {
  const model = syntheticModel(opset);

  it('finds the embeddings and every layer, the renamed last one included', () => {
    expect(findHiddenStates(parseModel(model))).toEqual([
      '/embeddings/LayerNorm/Add_1_output_0',
      '/encoder/layer.0/output/LayerNorm/Add_1_output_0',
      'last_hidden_state',
    ]);
  });

  it('prunes the LM head and its weights when only hidden states are kept', () => {
    const r = rewriteForHiddenStates(model, { pooling: false });
    expect(r.prunedNodes).toBe(1);
    expect(r.prunedInitializers).toBe(1);
    expect(r.outputs).toEqual([HIDDEN_STATES]);
    const kept = rewriteForHiddenStates(model, { pooling: false, keepOutputs: ['logits'] });
    expect(kept.prunedNodes).toBe(0);
    expect(kept.outputs).toEqual(['logits', HIDDEN_STATES]);
  });

  it(`returns stacked hidden states [layers, batch, tokens, hidden] equal to the reference (${TOLERANCE})`, async () => {
    const r = rewriteForHiddenStates(model, { pooling: false });
    const out = await run(r.bytes, [HIDDEN_STATES]);
    const t = out[HIDDEN_STATES];
    expect(t.dims).toEqual([LAYERS + 1, IDS.length, IDS[0].length, HIDDEN]);
    const got = t.data as Float32Array;
    const want = reference(IDS).flat(3);
    expect(got.length).toBe(want.length);
    // float32 arithmetic: relative tolerance for the large padded values
    const worst = Math.max(...want.map((v, i) => Math.abs(got[i] - v) / Math.max(1, Math.abs(v))));
    expect(worst).toBeLessThan(TOLERANCE);
  });

  it('pools CLS, masked mean and masked max in the graph with no padding leaking in', async () => {
    const r = rewriteForHiddenStates(model, { pooling: true });
    const out = await run(r.bytes, Object.values(POOLED_OUTPUTS));
    const ref = reference(IDS);
    for (let b = 0; b < IDS.length; b++) {
      for (let l = 0; l <= LAYERS; l++) {
        const rows = ref[l][b].filter((_, j) => MASK[b][j] === 1);
        for (let h = 0; h < HIDDEN; h++) {
          const at = (b * (LAYERS + 1) + l) * HIDDEN + h;
          const col = rows.map((v) => v[h]);
          const mean = col.reduce((a, c) => a + c, 0) / col.length;
          expect((out[POOLED_OUTPUTS.cls].data as Float32Array)[at]).toBeCloseTo(
            ref[l][b][0][h],
            5,
          );
          expect(Math.abs((out[POOLED_OUTPUTS.mean].data as Float32Array)[at] - mean)).toBeLessThan(
            TOLERANCE,
          );
          expect((out[POOLED_OUTPUTS.max].data as Float32Array)[at]).toBeCloseTo(
            Math.max(...col),
            5,
          );
        }
      }
    }
  });
});

describe('models the rewrite refuses', () => {
  it('names what it looked for when the graph is not an encoder', () => {
    const notEncoder = encodeModel({
      irVersion: 8,
      opsets: [{ domain: '', version: 14 }],
      producerName: 'x',
      producerVersion: '0',
      graph: {
        name: 'mlp',
        nodes: [{ name: '/fc/MatMul', opType: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }],
        initializers: [
          { name: 'w', dataType: DataType.FLOAT, dims: [2, 2], data: new Float32Array(4) },
        ],
        inputs: [{ name: 'x', elemType: DataType.FLOAT, shape: [1, 2] }],
        outputs: [{ name: 'y', elemType: DataType.FLOAT, shape: [1, 2] }],
      },
    });
    expect(() => rewriteForHiddenStates(notEncoder, { pooling: false })).toThrow(GraphError);
    expect(() => rewriteForHiddenStates(notEncoder, { pooling: false })).toThrow(
      /LayerNorm\/Add_1_output_0/,
    );
  });

  it('reports a truncated file as a format error', () => {
    const model = syntheticModel(14);
    expect(() => parseModel(model.subarray(0, model.length - 40))).toThrow(OnnxFormatError);
  });

  it('reports a missing layer by its place', () => {
    // A graph whose layer 0 output is not produced by a LayerNorm-named node.
    const model = syntheticModel(14);
    const broken = new TextDecoder('latin1')
      .decode(model)
      .replaceAll(
        '/encoder/layer.0/output/LayerNorm/Add_1',
        '/encoder/layer.0/output/LayerNorX/Add_1',
      );
    const bytes = Uint8Array.from(broken, (c) => c.charCodeAt(0));
    expect(() => findHiddenStates(parseModel(bytes))).toThrow(/layer 0 was not found/);
  });
});
