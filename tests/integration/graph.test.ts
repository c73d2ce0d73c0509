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
    for (let h = 0; h < HIDDEN; h++) t[v * HIDDEN + h] = v === PAD ? 1000 + 100 * h : v - h * 0.5;
  return t;
}
/** Sublayer k (two per layer) computes f(x) = x * scale + shift, then LayerNorm(x + f(x)). */
const scaleOf = (k: number) => 0.5 + 0.25 * k;
const shiftOf = (k: number, h: number) => 0.25 * (k + 1) - h * 0.1 + (h === 1 ? 0.3 * k : 0);
const gammaOf = (k: number, h: number) => 1 + 0.1 * k + 0.05 * h;
const betaOf = (k: number, h: number) => 0.01 * k - 0.02 * h;
const EPS = 1e-5;

/**
 * An encoder-shaped graph: embeddings, then per layer two residual sublayers, each
 * LayerNorm(x + x * s + c), and an LM head. Names are flat (`add_3`, `layer_norm_1`), as the
 * dynamo exporter writes them, so nothing but the structure can tell the layers apart. Before
 * opset 17 LayerNorm is decomposed, as TorchScript exports it; from 17 it is one op.
 */
function syntheticModel(
  opset: number,
  { lastName = 'last_hidden_state', noResidualAt = -1 } = {},
): Uint8Array {
  const nodes: NodeSpec[] = [];
  const vec = (name: string, f: (h: number) => number): TensorSpec => ({
    name,
    dataType: DataType.FLOAT,
    dims: [HIDDEN],
    data: Float32Array.from({ length: HIDDEN }, (_, h) => f(h)),
  });
  const scalar = (name: string, v: number): TensorSpec => ({
    name,
    dataType: DataType.FLOAT,
    dims: [],
    data: Float32Array.of(v),
  });
  const inits: TensorSpec[] = [
    { name: 'w_emb', dataType: DataType.FLOAT, dims: [VOCAB, HIDDEN], data: embeddingTable() },
    {
      name: 'w_head',
      dataType: DataType.FLOAT,
      dims: [HIDDEN, VOCAB],
      data: new Float32Array(HIDDEN * VOCAB).fill(0.5),
    },
  ];
  // The decomposed LayerNorm's constants; the fused op carries epsilon as an attribute.
  if (opset < 17) inits.push(scalar('eps', EPS), scalar('two', 2));
  let n = 0;
  const node = (opType: string, inputs: string[], extra: Partial<NodeSpec> = {}): string => {
    const out = `${opType.toLowerCase()}_${n++}`;
    nodes.push({ name: `node_${out}`, opType, inputs, outputs: [out], ...extra });
    return out;
  };
  const axesAttr = { attributes: [{ name: 'axes', kind: 'ints' as const, value: [-1] }] };
  const layerNorm = (x: string, k: number): string => {
    inits.push(
      vec(`gamma_${k}`, (h) => gammaOf(k, h)),
      vec(`beta_${k}`, (h) => betaOf(k, h)),
    );
    if (opset >= 17) {
      return node('LayerNormalization', [x, `gamma_${k}`, `beta_${k}`], {
        attributes: [
          { name: 'axis', kind: 'int', value: -1 },
          { name: 'epsilon', kind: 'float', value: EPS },
        ],
      });
    }
    const mean = node('ReduceMean', [x], axesAttr);
    const centred = node('Sub', [x, mean]);
    const variance = node('ReduceMean', [node('Pow', [centred, 'two'])], axesAttr);
    const std = node('Sqrt', [node('Add', [variance, 'eps'])]);
    return node('Add', [node('Mul', [node('Div', [centred, std]), `gamma_${k}`]), `beta_${k}`]);
  };
  let x = node('Gather', ['w_emb', 'input_ids']);
  for (let k = 0; k < 2 * LAYERS; k++) {
    inits.push(
      scalar(`scale_${k}`, scaleOf(k)),
      vec(`shift_${k}`, (h) => shiftOf(k, h)),
    );
    const branch = node('Add', [node('Mul', [x, `scale_${k}`]), `shift_${k}`]);
    x = layerNorm(k === noResidualAt ? branch : node('Add', [x, branch]), k);
  }
  // The last hidden state is a graph output under its export name.
  nodes.find((nd) => nd.outputs[0] === x)!.outputs = [lastName];
  x = lastName;
  nodes.push({
    name: 'node_lm_head',
    opType: 'MatMul',
    inputs: [x, 'w_head'],
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

/** LayerNorm of one vector in float64, as sublayer k's weights make it. */
function layerNormRef(v: number[], k: number): number[] {
  const mean = v.reduce((a, x) => a + x, 0) / v.length;
  const variance = v.reduce((a, x) => a + (x - mean) ** 2, 0) / v.length;
  const std = Math.sqrt(variance + EPS);
  return v.map((x, h) => ((x - mean) / std) * gammaOf(k, h) + betaOf(k, h));
}

/** Reference hidden states `[layers+1][batch][tokens][hidden]` by plain loops in float64. */
function reference(ids: number[][]): number[][][][] {
  const emb = embeddingTable();
  const sublayer = (v: number[], k: number) =>
    layerNormRef(
      v.map((x, h) => x + (x * scaleOf(k) + shiftOf(k, h))),
      k,
    );
  const states = [
    ids.map((row) => row.map((id) => Array.from(emb.subarray(id * HIDDEN, (id + 1) * HIDDEN)))),
  ];
  for (let l = 0; l < LAYERS; l++) {
    states.push(states[l].map((row) => row.map((v) => sublayer(sublayer(v, 2 * l), 2 * l + 1))));
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

  it('finds the embeddings and every layer by structure, the renamed last one included', () => {
    const found = findHiddenStates(parseModel(model));
    expect(found).toHaveLength(LAYERS + 1);
    expect(found[0]).toBe('gather_0');
    expect(found[LAYERS]).toBe('last_hidden_state');
    // Layer 0's state is the second sublayer's normalised sum: read by the next layer's addition.
    expect(found[1]).toMatch(opset >= 17 ? /^layernormalization_/ : /^add_/);
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
  it('says what it found when the graph is not an encoder', () => {
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
      /residual stream was not found.*0 residual additions and 0 normalisations/,
    );
  });

  it('reports a truncated file as a format error', () => {
    const model = syntheticModel(14);
    expect(() => parseModel(model.subarray(0, model.length - 40))).toThrow(OnnxFormatError);
  });

  it('refuses a graph whose depth disagrees with config.json, naming both', () => {
    const model = syntheticModel(14);
    expect(() => rewriteForHiddenStates(model, { pooling: false, expectedLayers: 3 })).toThrow(
      /holds 2 layers \(4 chained residual additions\) but config.json says 3/,
    );
  });

  it('refuses a residual stream broken half-way, with what it found', () => {
    // Layer 1's attention sublayer has no skip connection: the chain stops after 3 additions.
    const model = syntheticModel(18, { noResidualAt: 2 });
    expect(() => findHiddenStates(parseModel(model), 2)).toThrow(
      /holds 1 layer \(2 chained residual additions\) but config.json says 2.*It has 3 residual additions and 4 normalisations/,
    );
  });
});
