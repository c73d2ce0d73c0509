/**
 * The ONNX rewrite: expose every layer's hidden state, prune what no output needs, and add pooled
 * outputs so batch work can fetch `[batch, layers, hidden]` instead of token tensors.
 *
 * ORT can only return declared graph outputs, so the hidden states are found in the graph by its
 * structure (residual.ts), cast to float32 where the model computes in another type, stacked into
 * one `hidden_states` output, and the rest of the graph is pruned backwards from the outputs that
 * are kept (the masked-LM head of a fill-mask export costs close to half the encoder's per-token
 * multiply-adds).
 */
import {
  DataType,
  GraphField,
  encodeNode,
  encodeTensor,
  encodeValueInfo,
  fieldOf,
  parseModel,
  serializeModel,
  type NodeSpec,
  type ParsedModel,
  type ParsedNode,
  type TensorSpec,
} from './onnx.ts';
import { findAttentionProbabilities } from './attention.ts';
import { GraphError, GraphIndex, findResidualStream } from './residual.ts';

export { GraphError };

/** Name of the stacked per-layer output: `[layers, batch, tokens, hidden]`. */
export const HIDDEN_STATES = 'hidden_states';
/** Name of the stacked attention probabilities: `[layers, batch, heads, tokens, tokens]`. */
export const ATTENTIONS = 'attentions';
/** Pooled outputs, each `[batch, layers, hidden]`; padding never enters them. */
export const POOLED_OUTPUTS = {
  cls: 'pooled_cls',
  mean: 'pooled_mean',
  max: 'pooled_max',
} as const;
export type DevicePooling = keyof typeof POOLED_OUTPUTS;

/**
 * Finds the tensor that carries each hidden state, the embeddings' first, by the graph's residual
 * stream (see residual.ts); `expectedLayers` is config.json's layer count where it states one.
 */
export function findHiddenStates(model: ParsedModel, expectedLayers?: number): string[] {
  return findResidualStream(model, expectedLayers).hiddenStates;
}

/** Options of `rewriteForHiddenStates`. */
export interface RewriteOptions {
  /** Also add the pooled outputs (CLS, masked mean, masked max), fetched by batch work. */
  pooling: boolean;
  /** Original outputs to keep beside the hidden states (e.g. `logits` of a regression model). */
  keepOutputs?: string[];
  /** Encoder layers config.json states, checked against the graph's. */
  expectedLayers?: number;
  /**
   * Also return every layer's attention probabilities as `attentions`,
   * `[layers, batch, heads, tokens, tokens]` (single-text inspection: batch work never asks).
   */
  attentions?: boolean;
}

/** What the rewrite did, for the UI and the benchmark. */
export interface RewriteResult {
  bytes: Uint8Array;
  /** Tensor names of the hidden states, embeddings first. */
  hiddenStateTensors: string[];
  /** Element type the graph computes the hidden states in (they are exposed as float32). */
  computeType: DataType;
  /** The graph's outputs after the rewrite. */
  outputs: string[];
  /** The graph's inputs after the rewrite (unused inputs are removed). */
  inputs: string[];
  /** Original outputs of the model (before the rewrite). */
  originalOutputs: string[];
  prunedNodes: number;
  prunedInitializers: number;
}

const REWRITE_PREFIX = 'readscope/';

function constInt64(name: string, values: number[]): TensorSpec {
  return {
    name,
    dataType: DataType.INT64,
    dims: [values.length],
    data: BigInt64Array.from(values.map(BigInt)),
  };
}

/** The shared `[0]` axes initializer every stacking Unsqueeze reads. */
const AXES_0 = constInt64(`${REWRITE_PREFIX}axes_0`, [0]);

/** An Unsqueeze node: axes as an input from opset 13, as an attribute before. */
function unsqueezeNode(
  opset: number,
  name: string,
  input: string,
  output: string,
  axes: TensorSpec,
): NodeSpec {
  return opset >= 13
    ? { name, opType: 'Unsqueeze', inputs: [input, axes.name], outputs: [output] }
    : {
        name,
        opType: 'Unsqueeze',
        inputs: [input],
        outputs: [output],
        attributes: [
          { name: 'axes', kind: 'ints', value: Array.from(axes.data as BigInt64Array, Number) },
        ],
      };
}

/**
 * Nodes that stack `tensors` along a new axis 0 into `output`, each cast to float32 first where
 * the model computes it in another type (float16 files): every exposed tensor is float32.
 */
function stackedFloat(
  tensors: string[],
  elemTypes: number[],
  opset: number,
  prefix: string,
  output: string,
): NodeSpec[] {
  const nodes: NodeSpec[] = tensors.flatMap((name, i) => {
    const unsqueezed = `${prefix}_${i}`;
    if (elemTypes[i] === DataType.FLOAT || !elemTypes[i]) {
      return [unsqueezeNode(opset, `${prefix}Unsqueeze_${i}`, name, unsqueezed, AXES_0)];
    }
    return [
      {
        name: `${prefix}Cast_${i}`,
        opType: 'Cast',
        inputs: [name],
        outputs: [`${prefix}_f32_${i}`],
        attributes: [{ name: 'to', kind: 'int' as const, value: DataType.FLOAT }],
      },
      unsqueezeNode(opset, `${prefix}Unsqueeze_${i}`, `${prefix}_f32_${i}`, unsqueezed, AXES_0),
    ];
  });
  nodes.push({
    name: `${prefix}Concat`,
    opType: 'Concat',
    inputs: tensors.map((_, i) => `${prefix}_${i}`),
    outputs: [output],
    attributes: [{ name: 'axis', kind: 'int', value: 0 }],
  });
  return nodes;
}

/** Builds the nodes that stack the hidden states and, in pooled mode, reduce them. */
function addedNodes(
  hidden: string[],
  elemTypes: number[],
  pooling: boolean,
  opset: number,
): { nodes: NodeSpec[]; initializers: TensorSpec[]; outputs: string[] } {
  const p = REWRITE_PREFIX;
  const axes0 = AXES_0;
  const unsqueeze = (name: string, input: string, output: string, axes: TensorSpec) =>
    unsqueezeNode(opset, name, input, output, axes);
  // [layers, batch, tokens, hidden]
  const nodes = stackedFloat(hidden, elemTypes, opset, `${p}layer`, HIDDEN_STATES);
  const stacked = HIDDEN_STATES;
  if (!pooling) return { nodes, initializers: [axes0], outputs: [HIDDEN_STATES] };

  const axes2 = constInt64(`${p}axes_2`, [2]);
  const axes03 = constInt64(`${p}axes_0_3`, [0, 3]);
  const idx0 = {
    name: `${p}index_0`,
    dataType: DataType.INT64,
    dims: [],
    data: BigInt64Array.of(0n),
  };
  const negBig: TensorSpec = {
    name: `${p}neg_big`,
    dataType: DataType.FLOAT,
    dims: [],
    data: Float32Array.of(-3.0e4),
  };
  // Reduce ops take axes as an input from opset 18 (ReduceSum from 13); before, as an attribute.
  const reduce = (op: string, input: string, output: string, axes: TensorSpec): NodeSpec => {
    const asInput = op === 'ReduceSum' ? opset >= 13 : opset >= 18;
    return {
      name: `${p}${op}_${output}`,
      opType: op,
      inputs: asInput ? [input, axes.name] : [input],
      outputs: [output],
      attributes: [
        { name: 'keepdims', kind: 'int', value: 0 },
        ...(asInput
          ? []
          : [
              {
                name: 'axes',
                kind: 'ints' as const,
                value: Array.from(axes.data as BigInt64Array, Number),
              },
            ]),
      ],
    };
  };
  const transposeToBatchFirst = (input: string, output: string): NodeSpec => ({
    name: `${p}Transpose_${output}`,
    opType: 'Transpose',
    inputs: [input],
    outputs: [output],
    attributes: [{ name: 'perm', kind: 'ints', value: [1, 0, 2] }],
  });
  nodes.push(
    // mask [batch, tokens] -> [1, batch, tokens, 1] in float32, as the stacked states are
    {
      name: `${p}CastMask`,
      opType: 'Cast',
      inputs: ['attention_mask'],
      outputs: [`${p}mask`],
      attributes: [{ name: 'to', kind: 'int', value: DataType.FLOAT }],
    },
    unsqueeze(`${p}UnsqueezeMask`, `${p}mask`, `${p}mask4`, axes03),
    // CLS: token 0 of every layer -> [layers, batch, hidden]
    {
      name: `${p}GatherCls`,
      opType: 'Gather',
      inputs: [stacked, idx0.name],
      outputs: [`${p}cls`],
      attributes: [{ name: 'axis', kind: 'int', value: 2 }],
    },
    transposeToBatchFirst(`${p}cls`, POOLED_OUTPUTS.cls),
    // masked mean: sum(h * m) / sum(m) over tokens
    { name: `${p}MulMask`, opType: 'Mul', inputs: [stacked, `${p}mask4`], outputs: [`${p}masked`] },
    reduce('ReduceSum', `${p}masked`, `${p}sum`, axes2),
    reduce('ReduceSum', `${p}mask4`, `${p}count`, axes2),
    {
      name: `${p}DivCount`,
      opType: 'Div',
      inputs: [`${p}sum`, `${p}count`],
      outputs: [`${p}mean`],
    },
    transposeToBatchFirst(`${p}mean`, POOLED_OUTPUTS.mean),
    // masked max: padding pushed far below any activation before the max
    {
      name: `${p}OneMinusMask`,
      opType: 'Sub',
      inputs: [`${p}one`, `${p}mask4`],
      outputs: [`${p}pad4`],
    },
    {
      name: `${p}PadPenalty`,
      opType: 'Mul',
      inputs: [`${p}pad4`, negBig.name],
      outputs: [`${p}penalty`],
    },
    {
      name: `${p}AddPenalty`,
      opType: 'Add',
      inputs: [stacked, `${p}penalty`],
      outputs: [`${p}penalised`],
    },
    reduce('ReduceMax', `${p}penalised`, `${p}max`, axes2),
    transposeToBatchFirst(`${p}max`, POOLED_OUTPUTS.max),
  );
  const initializers: TensorSpec[] = [
    axes0,
    axes2,
    axes03,
    idx0,
    negBig,
    { name: `${p}one`, dataType: DataType.FLOAT, dims: [], data: Float32Array.of(1) },
  ];
  return { nodes, initializers, outputs: [HIDDEN_STATES, ...Object.values(POOLED_OUTPUTS)] };
}

/** Returns the nodes needed to compute `targets`, in their original order. */
function neededNodes(nodes: ParsedNode[], targets: Set<string>): ParsedNode[] {
  const needed = new Set(targets);
  const keep = new Array<boolean>(nodes.length).fill(false);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    if (!node.outputs.some((o) => needed.has(o))) continue;
    keep[i] = true;
    for (const input of node.inputs) if (input) needed.add(input);
    for (const input of node.implicitInputs ?? []) needed.add(input);
  }
  return nodes.filter((_, i) => keep[i]);
}

/**
 * Rewrites an encoder export so that it returns every layer's hidden state (or their poolings),
 * pruning every node and initializer that no kept output needs.
 */
export function rewriteForHiddenStates(bytes: Uint8Array, options: RewriteOptions): RewriteResult {
  const model = parseModel(bytes);
  const { graph } = model;
  const opset = model.opsets.get('') ?? 0;
  const stream = findResidualStream(model, options.expectedLayers);
  const hidden = stream.hiddenStates;
  const originalOutputs = graph.outputs.map((o) => o.name);
  const keep = (options.keepOutputs ?? []).filter((name) => originalOutputs.includes(name));

  const added = addedNodes(hidden, stream.elemTypes, options.pooling, opset);
  if (options.attentions) {
    const probs = findAttentionProbabilities(model, stream);
    const index = new GraphIndex(model);
    const stacked = stackedFloat(
      probs,
      probs.map((t) => index.elemType(t)),
      opset,
      `${REWRITE_PREFIX}attention`,
      ATTENTIONS,
    );
    added.nodes.push(...stacked);
    added.outputs.push(ATTENTIONS);
  }
  // Topological order holds: added nodes only read original tensors or earlier added ones.
  const allNodes = [...graph.nodes];
  const addedParsed: ParsedNode[] = added.nodes.map((n) => ({
    name: n.name,
    opType: n.opType,
    domain: n.domain ?? '',
    inputs: n.inputs,
    outputs: n.outputs,
    raw: fieldOf(GraphField.node, encodeNode(n)),
  }));
  const addedInitNames = new Set(added.initializers.map((t) => t.name));
  const targets = new Set([...added.outputs, ...keep]);
  const kept = neededNodes([...allNodes, ...addedParsed], targets);

  const produced = new Set(kept.flatMap((n) => n.outputs));
  const read = new Set<string>();
  for (const n of kept) for (const i of [...n.inputs, ...(n.implicitInputs ?? [])]) read.add(i);
  // Subgraphs' reads of outer initializers are in `read` too (implicit inputs).
  const initializers = graph.initializers.filter((t) => read.has(t.name));
  const inputs = graph.inputs.filter((i) => read.has(i.name));

  const outputSpecs = [
    ...keep.map((name) => graph.outputs.find((o) => o.name === name)!),
    ...added.outputs.map((name) => {
      const shape =
        name === HIDDEN_STATES
          ? [hidden.length, 'batch_size', 'sequence_length', 'hidden_size']
          : name === ATTENTIONS
            ? [hidden.length - 1, 'batch_size', 'heads', 'sequence_length', 'sequence_length']
            : ['batch_size', hidden.length, 'hidden_size'];
      const info = { name, elemType: DataType.FLOAT, shape };
      return { ...info, raw: fieldOf(GraphField.output, encodeValueInfo(info)) };
    }),
  ];

  const rewritten: ParsedModel = {
    ...model,
    graph: {
      ...graph,
      nodes: kept,
      initializers: [
        ...initializers,
        ...added.initializers
          .filter((t) => read.has(t.name) && addedInitNames.has(t.name))
          .map((t) => ({
            name: t.name,
            dataType: t.dataType,
            raw: fieldOf(GraphField.initializer, encodeTensor(t)),
          })),
      ],
      inputs,
      outputs: outputSpecs,
      // Shape annotations of kept tensors stay: ORT's fusions read them, and without them it fuses
      // differently (a quantised file's results then move by a quantisation step). Pruned
      // tensors' annotations would dangle.
      valueInfo: graph.valueInfo.filter((v) => produced.has(v.name)),
    },
  };
  return {
    bytes: serializeModel(rewritten),
    hiddenStateTensors: hidden,
    computeType: (stream.elemTypes.find((t) => t !== DataType.FLOAT) ?? DataType.FLOAT) as DataType,
    outputs: outputSpecs.map((o) => o.name),
    inputs: inputs.map((i) => i.name),
    originalOutputs,
    prunedNodes: graph.nodes.length - kept.filter((n) => !addedParsed.includes(n)).length,
    prunedInitializers: graph.initializers.length - initializers.length,
  };
}
