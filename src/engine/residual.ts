/**
 * Finds an encoder's hidden states by graph structure: the residual stream.
 *
 * Every BERT-family layer has two sublayers (attention, then the feed-forward block), each ending
 * in a residual addition `Add(x, f(x))` where `x` is an ancestor of `f(x)`. In a post-LN encoder
 * (BERT, RoBERTa, XLM-R, DistilBERT, ELECTRA, DeBERTa, ALBERT, MPNet) each addition is normalised
 * and the normalised tensor is the next addition's `x`; in a pre-LN one the sum itself is. Chained
 * that way the additions give `2 × layers` links; the hidden states are the `x` entering each
 * layer's first addition, and the sum after the last one, normalised where a norm reads it (each
 * layer's in post-LN, the final norm in pre-LN).
 *
 * Nothing here reads node names: exports by TorchScript (`/encoder/layer.3/...`) and by the dynamo
 * exporter (`layer_norm_7`), quantised files (`DynamicQuantizeLinear` after a LayerNorm) and
 * float16 files (`Cast` around normalisations) all look the same to it. Names only label errors.
 */
import {
  DataType,
  constantDataType,
  intAttribute,
  type ParsedModel,
  type ParsedNode,
} from './onnx.ts';

/** Thrown when a graph is not a BERT-family encoder whose layers can be found. */
export class GraphError extends Error {
  override name = 'GraphError';
}

/** Ops that pass a tensor on unchanged in value (up to rounding) and shape. */
export const TRANSPARENT = new Set(['Cast', 'Identity', 'Dropout']);
/** Ops whose output depends on their input's shape, never on its values. */
const SHAPE_ONLY = new Set(['Shape', 'Size']);
/** Normalisation ops that appear whole in an export. */
const NORM_OPS = new Set([
  'LayerNormalization',
  'SimplifiedLayerNormalization',
  'RMSNormalization',
  'SkipLayerNormalization',
]);

/** The residual stream of an encoder graph. */
export interface ResidualStream {
  /** Tensor names of the hidden states, the embeddings' first: `layers + 1` of them. */
  hiddenStates: string[];
  /** Element type (ONNX TensorProto.DataType) of each hidden state as the graph computes it. */
  elemTypes: number[];
  /** Encoder layers found (`hiddenStates.length - 1`). */
  layers: number;
  /** True when each residual sum is normalised before the next layer reads it. */
  isPostNorm: boolean;
  /** Per layer, the sum its attention sublayer's residual addition makes (where attention ends). */
  attentionSums: string[];
}

/** Where a graph's tensors come from and go to. */
export class GraphIndex {
  readonly producer = new Map<string, ParsedNode>();
  readonly consumers = new Map<string, ParsedNode[]>();
  /** Tensors computed from initializers and constants alone. */
  readonly constant = new Set<string>();
  private readonly declaredType = new Map<string, number>();
  private readonly typeMemo = new Map<string, number>();

  constructor(readonly model: ParsedModel) {
    const { graph } = model;
    for (const t of graph.initializers) {
      this.constant.add(t.name);
      this.declaredType.set(t.name, t.dataType);
    }
    for (const v of [...graph.inputs, ...graph.outputs, ...graph.valueInfo]) {
      if (v.elemType) this.declaredType.set(v.name, v.elemType);
    }
    // Graph inputs may shadow initializers (old exports): such a tensor is not constant.
    for (const i of graph.inputs) this.constant.delete(i.name);
    for (const node of graph.nodes) {
      const inputs = node.inputs.filter(Boolean);
      const isConst =
        node.opType === 'Constant' ||
        (inputs.length > 0 && inputs.every((i) => this.constant.has(i)));
      for (const out of node.outputs) {
        this.producer.set(out, node);
        if (isConst) this.constant.add(out);
      }
      for (const i of inputs) {
        const list = this.consumers.get(i);
        if (list) list.push(node);
        else this.consumers.set(i, [node]);
      }
    }
  }

  /** The tensor behind a chain of value-preserving ops (Cast, Identity). */
  root(tensor: string): string {
    let t = tensor;
    for (;;) {
      const node = this.producer.get(t);
      if (!node || !TRANSPARENT.has(node.opType) || !node.inputs[0]) return t;
      t = node.inputs[0];
    }
  }

  /**
   * Whether `ancestor`'s values are read, directly or not, to compute `tensor`. Shape-only reads
   * do not count: positions made from `Shape(embeddings)` (DistilBERT) do not make a residual.
   */
  isAncestor(ancestor: string, tensor: string): boolean {
    const seen = new Set<string>();
    const stack = [tensor];
    while (stack.length) {
      const t = stack.pop()!;
      if (t === ancestor) return true;
      if (seen.has(t) || this.constant.has(t)) continue;
      seen.add(t);
      const node = this.producer.get(t);
      if (!node || SHAPE_ONLY.has(node.opType)) continue;
      for (const i of [...node.inputs, ...(node.implicitInputs ?? [])]) {
        if (i && !seen.has(i)) stack.push(i);
      }
    }
    return false;
  }

  /** Element type of a tensor: declared, or followed back through its producers. */
  elemType(tensor: string): number {
    const memo = this.typeMemo.get(tensor);
    if (memo !== undefined) return memo;
    const type = this.declaredType.get(tensor) ?? this.inferType(tensor);
    this.typeMemo.set(tensor, type);
    return type;
  }

  private inferType(tensor: string): number {
    const node = this.producer.get(tensor);
    if (!node) return 0;
    const typeOf = (i: number) => (node.inputs[i] ? this.elemType(node.inputs[i]) : 0);
    switch (node.opType) {
      case 'Cast':
        return intAttribute(node, 'to') ?? 0;
      case 'Constant':
        return constantDataType(node) ?? 0;
      case 'Shape':
      case 'Size':
      case 'NonZero':
      case 'ArgMax':
      case 'ArgMin':
        return DataType.INT64;
      case 'DequantizeLinear':
        return typeOf(1);
      case 'DynamicQuantizeLinear':
        return tensor === node.outputs[1] ? DataType.FLOAT : DataType.UINT8;
      case 'MatMulInteger':
        return DataType.INT32;
      case 'Where':
        return typeOf(1);
      case 'Equal':
      case 'Less':
      case 'Greater':
      case 'Not':
      case 'And':
      case 'Or':
        return DataType.BOOL;
      default: {
        // Elementwise and shape ops keep their first typed input's type.
        for (let i = 0; i < node.inputs.length; i++) {
          const t = typeOf(i);
          if (t) return t;
        }
        return 0;
      }
    }
  }
}

/** A residual addition: `out = skip + branch`, where `skip` is an ancestor of `branch`. */
interface Residual {
  node: ParsedNode;
  /** The stream tensor entering the addition, behind any Cast. */
  skip: string;
  out: string;
}

function findResiduals(index: GraphIndex): Residual[] {
  const found: Residual[] = [];
  for (const node of index.model.graph.nodes) {
    if (node.opType !== 'Add' || node.inputs.length !== 2) continue;
    const [a, b] = node.inputs;
    if (index.constant.has(a) || index.constant.has(b)) continue;
    const ra = index.root(a);
    const rb = index.root(b);
    const skip = index.isAncestor(ra, b) ? ra : index.isAncestor(rb, a) ? rb : null;
    if (skip) found.push({ node, skip, out: node.outputs[0] });
  }
  return found;
}

/**
 * The output of the normalisation that reads `tensor`, if one does: a normalisation op, or the
 * decomposed form older opsets export (`ReduceMean`, `Sub`, …, `Div`, then `Mul` by the weight and
 * `Add` of the bias), each possibly behind a Cast.
 */
function normalisedFrom(index: GraphIndex, tensor: string): string | null {
  const readers = (t: string): ParsedNode[] => {
    const direct = index.consumers.get(t) ?? [];
    return direct.flatMap((n) => (TRANSPARENT.has(n.opType) ? readers(n.outputs[0]) : [n]));
  };
  const direct = readers(tensor);
  const fused = direct.find((n) => NORM_OPS.has(n.opType));
  if (fused) return fused.outputs[0];

  // Decomposed: x - mean(x), scaled by the root of the variance, then weight and bias.
  const mean = direct.find((n) => n.opType === 'ReduceMean');
  if (!mean) return null;
  const centre = direct.find(
    (n) => n.opType === 'Sub' && n.inputs.some((i) => index.root(i) === mean.outputs[0]),
  );
  if (!centre) return null;
  const scale = readers(centre.outputs[0]).find(
    (n) =>
      (n.opType === 'Div' || n.opType === 'Mul') &&
      n.inputs.every((i) => !index.constant.has(i)) &&
      n.inputs.some((i) => index.root(i) !== index.root(centre.outputs[0])),
  );
  if (!scale) return null;
  // Then the affine part: Mul by the weight, Add of the bias (each a constant), Casts between.
  let out = scale.outputs[0];
  for (;;) {
    const next = readers(out);
    if (next.length !== 1) break;
    const n = next[0];
    const isAffine =
      (n.opType === 'Mul' || n.opType === 'Add') &&
      n.inputs.length === 2 &&
      n.inputs.some((i) => index.constant.has(i));
    if (!isAffine) break;
    out = n.outputs[0];
  }
  return out;
}

/** A short account of what the graph holds, for an error a person can act on. */
function describe(index: GraphIndex, residuals: Residual[], longest: number): string {
  const norms = index.model.graph.nodes.filter(
    (n) => NORM_OPS.has(n.opType) || n.opType === 'ReduceMean',
  ).length;
  return (
    `It has ${residuals.length} residual additions and ${norms} normalisations (or mean ` +
    `reductions), and the longest chain of residual additions is ${longest} long`
  );
}

const NEEDS =
  'A BERT-family encoder export has two residual additions per layer (attention, then ' +
  'feed-forward), each normalised before the next reads it. Load an encoder exported from ' +
  'PyTorch (feature-extraction, fill-mask or text-classification).';

/**
 * Finds the residual stream: the chain of residual additions, each reading the (normalised)
 * output of the one before. `expectedLayers` (from config.json) must match where given.
 */
export function findResidualStream(model: ParsedModel, expectedLayers?: number): ResidualStream {
  const index = new GraphIndex(model);
  const residuals = findResiduals(index);
  const bySkip = new Map<string, Residual[]>();
  for (const r of residuals) {
    const list = bySkip.get(r.skip);
    if (list) list.push(r);
    else bySkip.set(r.skip, [r]);
  }
  const normOf = new Map<Residual, string | null>();
  for (const r of residuals) normOf.set(r, normalisedFrom(index, r.out));

  /** The addition reading r's (normalised) sum as its skip input, and whether it was normalised. */
  const next = (r: Residual): { r: Residual; viaNorm: boolean } | null => {
    const norm = normOf.get(r);
    const viaNorm = norm ? bySkip.get(index.root(norm)) : undefined;
    if (viaNorm?.length === 1) return { r: viaNorm[0], viaNorm: true };
    const plain = bySkip.get(index.root(r.out));
    if (plain?.length === 1) return { r: plain[0], viaNorm: false };
    return null;
  };

  const hasPrevious = new Set<Residual>();
  for (const r of residuals) {
    const n = next(r);
    if (n) hasPrevious.add(n.r);
  }
  const chains: { links: Residual[]; viaNorm: boolean[] }[] = [];
  for (const start of residuals) {
    if (hasPrevious.has(start)) continue;
    const links = [start];
    const viaNorm: boolean[] = [];
    for (let n = next(start); n && !links.includes(n.r); n = next(n.r)) {
      links.push(n.r);
      viaNorm.push(n.viaNorm);
    }
    chains.push({ links, viaNorm });
  }
  chains.sort((a, b) => b.links.length - a.links.length);
  const best = chains[0];
  const longest = best?.links.length ?? 0;
  const claim = expectedLayers === undefined ? '' : `; config.json says ${expectedLayers} layers`;
  if (!best || longest < 2 || longest % 2 !== 0 || chains[1]?.links.length === longest) {
    const why =
      longest >= 2 && chains[1]?.links.length === longest
        ? 'two chains of residual additions are equally long, so the encoder is ambiguous'
        : 'no chain of residual additions pairs up into encoder layers';
    throw new GraphError(
      `The encoder's residual stream was not found in this ONNX graph: ${why}. ` +
        `${describe(index, residuals, longest)}${claim}. ${NEEDS}`,
    );
  }
  const layers = longest / 2;
  if (expectedLayers !== undefined && expectedLayers !== layers) {
    throw new GraphError(
      `The graph's residual stream holds ${layers} layer${layers === 1 ? '' : 's'} ` +
        `(${longest} chained residual additions) but config.json says ${expectedLayers}: either ` +
        `the ONNX file and config.json do not belong together, or the chain is broken somewhere. ` +
        `${describe(index, residuals, longest)}. ${NEEDS}`,
    );
  }
  const isPostNorm = best.viaNorm.every(Boolean);
  if (!isPostNorm && best.viaNorm.some(Boolean)) {
    throw new GraphError(
      `The encoder's residual stream mixes normalised and plain links. ` +
        `${describe(index, residuals, longest)}${claim}. ${NEEDS}`,
    );
  }
  const hiddenStates: string[] = [];
  for (let l = 0; l < layers; l++) hiddenStates.push(best.links[2 * l].skip);
  const last = best.links[longest - 1];
  const lastNorm = normOf.get(last);
  if (isPostNorm && !lastNorm) {
    throw new GraphError(
      `The last layer's residual sum is not normalised as the others are. ` +
        `${describe(index, residuals, longest)}${claim}. ${NEEDS}`,
    );
  }
  // Pre-LN encoders (ModernBERT) end in a final norm, which their last hidden state includes.
  hiddenStates.push(index.root(lastNorm ?? last.out));
  return {
    hiddenStates,
    elemTypes: hiddenStates.map((t) => index.elemType(t)),
    layers,
    isPostNorm,
    attentionSums: Array.from({ length: layers }, (_, l) => best.links[2 * l].out),
  };
}
