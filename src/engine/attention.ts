/**
 * Finds each layer's attention probabilities `[batch, heads, tokens, tokens]` by structure: the
 * softmax inside the layer's attention sublayer (the one that reaches the layer's first residual
 * addition before any other), followed through what masks it (DeBERTa zeroes padded keys after
 * its softmax) to the tensor that multiplies the values.
 */
import { GraphError, GraphIndex, TRANSPARENT, type ResidualStream } from './residual.ts';
import type { ParsedModel, ParsedNode } from './onnx.ts';

/** Fused attention operators (ORT's contrib ops): their probabilities never leave the kernel. */
const FUSED_ATTENTION = new Set([
  'Attention',
  'MultiHeadAttention',
  'GroupQueryAttention',
  'PackedAttention',
]);
/** Ops that may mask or pass on the probabilities between the softmax and the values' MatMul. */
const MASKING = new Set(['Where', 'Mul', ...TRANSPARENT]);

/** The index of the first attention sum that `tensor` flows into, or -1. */
function layerOf(index: GraphIndex, tensor: string, sums: Map<string, number>): number {
  const seen = new Set<string>();
  const queue = [tensor];
  let first = -1;
  while (queue.length) {
    const t = queue.shift()!;
    if (seen.has(t)) continue;
    seen.add(t);
    const at = sums.get(t);
    if (at !== undefined) {
      if (first < 0 || at < first) first = at;
      continue;
    }
    for (const n of index.consumers.get(t) ?? []) queue.push(...n.outputs);
  }
  return first;
}

/** From a softmax's output, through masking ops, to the tensor the values' MatMul reads. */
function probabilities(index: GraphIndex, softmax: ParsedNode): string {
  let t = softmax.outputs[0];
  for (;;) {
    const readers = index.consumers.get(t) ?? [];
    if (readers.length !== 1 || !MASKING.has(readers[0].opType)) return t;
    t = readers[0].outputs[0];
  }
}

/**
 * Tensor names of every layer's attention probabilities, layer 0 first. Throws GraphError where
 * the export fuses attention into one operator, or a layer has no single softmax of its own.
 */
export function findAttentionProbabilities(model: ParsedModel, stream: ResidualStream): string[] {
  const { nodes } = model.graph;
  const fused = nodes.find((n) => FUSED_ATTENTION.has(n.opType));
  if (fused) {
    throw new GraphError(
      `This export computes attention in one fused operator (${fused.opType}), which keeps its ` +
        'probabilities inside the kernel, so they cannot be shown. Load an export without ' +
        'attention fusion (as the Hugging Face exporters write it) to see attention.',
    );
  }
  const index = new GraphIndex(model);
  const sums = new Map(stream.attentionSums.map((t, l) => [t, l]));
  const byLayer: ParsedNode[][] = stream.attentionSums.map(() => []);
  for (const node of nodes) {
    if (node.opType !== 'Softmax') continue;
    const layer = layerOf(index, node.outputs[0], sums);
    if (layer >= 0) byLayer[layer].push(node);
  }
  return byLayer.map((found, l) => {
    if (found.length !== 1) {
      throw new GraphError(
        `Layer ${l}'s attention has ${found.length} softmax operators where one was expected, ` +
          'so its probabilities cannot be told apart.',
      );
    }
    return probabilities(index, found[0]);
  });
}
