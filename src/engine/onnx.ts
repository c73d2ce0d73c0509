/**
 * ONNX ModelProto encoding and a lossless parse for graph rewrites.
 *
 * Field numbers follow onnx.proto (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto,
 * TypeProto, AttributeProto). Parsing keeps every field's raw bytes, so serialising a parsed model
 * keeps every field it did not edit, including ones this file has no name for.
 */
import {
  ProtoError,
  ProtoWriter,
  WIRE_LEN,
  decodeString,
  readFields,
  type ProtoField,
} from './protobuf.ts';

/** ONNX TensorProto.DataType values the project uses. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
} as const;
export type DataType = (typeof DataType)[keyof typeof DataType];

export type TensorData = Float32Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array;

/** A constant tensor (initializer or Constant value). */
export interface TensorSpec {
  name: string;
  dataType: DataType;
  dims: number[];
  data: TensorData;
}

/** A node attribute; `kind` mirrors AttributeProto.AttributeType. */
export type AttributeSpec =
  | { name: string; kind: 'int'; value: number }
  | { name: string; kind: 'ints'; value: number[] }
  | { name: string; kind: 'float'; value: number }
  | { name: string; kind: 'string'; value: string }
  | { name: string; kind: 'tensor'; value: TensorSpec };

export interface NodeSpec {
  name: string;
  opType: string;
  domain?: string;
  inputs: string[];
  outputs: string[];
  attributes?: AttributeSpec[];
}

/** A typed tensor value: dims are numbers (fixed) or strings (symbolic, e.g. "batch_size"). */
export interface ValueInfoSpec {
  name: string;
  elemType: DataType;
  shape: (number | string)[];
}

export interface GraphSpec {
  name: string;
  nodes: NodeSpec[];
  initializers: TensorSpec[];
  inputs: ValueInfoSpec[];
  outputs: ValueInfoSpec[];
}

export interface ModelSpec {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  graph: GraphSpec;
}

const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, tensor: 4, ints: 7 } as const;

/** Encodes a TensorProto with its data in raw_data (little-endian). */
export function encodeTensor(t: TensorSpec): Uint8Array {
  const w = new ProtoWriter().packedVarints(1, t.dims).varint(2, t.dataType).string(8, t.name);
  const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return w.bytes(9, raw).finish();
}

function encodeAttribute(a: AttributeSpec): Uint8Array {
  const w = new ProtoWriter().string(1, a.name).varint(20, ATTRIBUTE_TYPE[a.kind]);
  switch (a.kind) {
    case 'float':
      return w.float(2, a.value).finish();
    case 'int':
      return w.varint(3, a.value).finish();
    case 'string':
      return w.string(4, a.value).finish();
    case 'tensor':
      return w.bytes(5, encodeTensor(a.value)).finish();
    case 'ints':
      return w.packedVarints(8, a.value).finish();
  }
}

/** Encodes a NodeProto. */
export function encodeNode(n: NodeSpec): Uint8Array {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.opType);
  for (const a of n.attributes ?? []) w.bytes(5, encodeAttribute(a));
  if (n.domain) w.string(7, n.domain);
  return w.finish();
}

/** Encodes a ValueInfoProto with a tensor type. */
export function encodeValueInfo(v: ValueInfoSpec): Uint8Array {
  const shape = new ProtoWriter();
  for (const d of v.shape) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.varint(1, d);
    else dim.string(2, d);
    shape.bytes(1, dim.finish());
  }
  const tensorType = new ProtoWriter().varint(1, v.elemType).bytes(2, shape.finish()).finish();
  const type = new ProtoWriter().bytes(1, tensorType).finish();
  return new ProtoWriter().string(1, v.name).bytes(2, type).finish();
}

/** Encodes a whole ModelProto from a spec (used by the fixture generator). */
export function encodeModel(m: ModelSpec): Uint8Array {
  const g = new ProtoWriter();
  for (const n of m.graph.nodes) g.bytes(1, encodeNode(n));
  g.string(2, m.graph.name);
  for (const t of m.graph.initializers) g.bytes(5, encodeTensor(t));
  for (const i of m.graph.inputs) g.bytes(11, encodeValueInfo(i));
  for (const o of m.graph.outputs) g.bytes(12, encodeValueInfo(o));
  const w = new ProtoWriter()
    .varint(1, m.irVersion)
    .string(2, m.producerName)
    .string(3, m.producerVersion)
    .bytes(7, g.finish());
  for (const o of m.opsets) {
    const op = new ProtoWriter();
    if (o.domain) op.string(1, o.domain);
    op.varint(2, o.version);
    w.bytes(8, op.finish());
  }
  return w.finish();
}

// ---------------------------------------------------------------------------------------------
// Lossless parse

/** A node as read from a model: the fields the rewrite needs, and the original bytes. */
export interface ParsedNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  /**
   * Outer tensors that the node's subgraphs (If, Loop, Scan) read by name: inputs in all but name,
   * so pruning and ancestry must follow them. A superset: every name a subgraph node reads.
   */
  implicitInputs?: string[];
  /** The whole GraphProto.node field, tag included. */
  raw: Uint8Array;
}

/** A named graph entry (initializer, input, output, value_info) with its original bytes. */
export interface ParsedNamed {
  name: string;
  raw: Uint8Array;
}

/** An initializer: its name, element type (TensorProto.DataType) and original bytes. */
export interface ParsedTensor extends ParsedNamed {
  dataType: number;
}

/** A graph input or output with its declared element type and shape. */
export interface ParsedValueInfo extends ParsedNamed {
  elemType: number;
  shape: (number | string)[];
}

export interface ParsedGraph {
  nodes: ParsedNode[];
  initializers: ParsedTensor[];
  inputs: ParsedValueInfo[];
  outputs: ParsedValueInfo[];
  /** Type annotations of intermediate tensors, where the exporter wrote them. */
  valueInfo: ParsedValueInfo[];
  /** Every other GraphProto field (name, doc_string, sparse initializers, ...), untouched. */
  other: Uint8Array[];
}

export interface ParsedModel {
  /** Opset version per domain ('' is the default ONNX domain). */
  opsets: Map<string, number>;
  graph: ParsedGraph;
  /** Every ModelProto field except the graph, untouched. */
  other: Uint8Array[];
}

/** Thrown when bytes are not an ONNX model. */
export class OnnxFormatError extends Error {
  override name = 'OnnxFormatError';
}

function lenFields(data: Uint8Array, what: string): ProtoField[] {
  try {
    return readFields(data);
  } catch (e) {
    if (e instanceof ProtoError) throw new OnnxFormatError(`${what}: ${e.message}`);
    throw e;
  }
}

function parseNode(field: ProtoField): ParsedNode {
  const node: ParsedNode = {
    name: '',
    opType: '',
    domain: '',
    inputs: [],
    outputs: [],
    raw: field.raw,
  };
  for (const f of lenFields(field.data, 'node')) {
    if (f.wire !== WIRE_LEN) continue;
    if (f.no === 1) node.inputs.push(decodeString(f.data));
    else if (f.no === 2) node.outputs.push(decodeString(f.data));
    else if (f.no === 3) node.name = decodeString(f.data);
    else if (f.no === 4) node.opType = decodeString(f.data);
    else if (f.no === 7) node.domain = decodeString(f.data);
    else if (f.no === 5) {
      const read = subgraphReads(f.data);
      if (read.length) (node.implicitInputs ??= []).push(...read);
    }
  }
  return node;
}

/** Every tensor name the nodes of an attribute's subgraphs (`g`, `graphs`) read, nested ones too. */
function subgraphReads(attribute: Uint8Array): string[] {
  const names: string[] = [];
  for (const a of lenFields(attribute, 'attribute')) {
    if ((a.no !== 6 && a.no !== 11) || a.wire !== WIRE_LEN) continue;
    for (const g of lenFields(a.data, 'subgraph')) {
      if (g.no !== 1 || g.wire !== WIRE_LEN) continue;
      const inner = parseNode(g);
      names.push(...inner.inputs.filter(Boolean), ...(inner.implicitInputs ?? []));
    }
  }
  return names;
}

function parseTensorHeader(field: ProtoField): ParsedTensor {
  const tensor: ParsedTensor = { name: '', dataType: 0, raw: field.raw };
  for (const f of lenFields(field.data, 'initializer')) {
    if (f.no === 8 && f.wire === WIRE_LEN) tensor.name = decodeString(f.data);
    else if (f.no === 2 && f.wire !== WIRE_LEN) tensor.dataType = f.value;
  }
  return tensor;
}

/** An integer attribute of a node (e.g. Cast's `to`), or undefined where the node has none. */
export function intAttribute(node: ParsedNode, name: string): number | undefined {
  const body = lenFields(node.raw, 'node')[0];
  if (!body) return undefined;
  for (const f of lenFields(body.data, 'node')) {
    if (f.no !== 5 || f.wire !== WIRE_LEN) continue;
    const attr = lenFields(f.data, 'attribute');
    const named = attr.find((a) => a.no === 1 && a.wire === WIRE_LEN);
    if (!named || decodeString(named.data) !== name) continue;
    return attr.find((a) => a.no === 3 && a.wire !== WIRE_LEN)?.value;
  }
  return undefined;
}

/** The element type of a Constant node's `value` tensor, or undefined. */
export function constantDataType(node: ParsedNode): number | undefined {
  const body = lenFields(node.raw, 'node')[0];
  if (!body) return undefined;
  for (const f of lenFields(body.data, 'node')) {
    if (f.no !== 5 || f.wire !== WIRE_LEN) continue;
    const tensor = lenFields(f.data, 'attribute').find((a) => a.no === 5 && a.wire === WIRE_LEN);
    if (!tensor) continue;
    return lenFields(tensor.data, 'tensor').find((t) => t.no === 2 && t.wire !== WIRE_LEN)?.value;
  }
  return undefined;
}

function parseValueInfo(field: ProtoField): ParsedValueInfo {
  const info: ParsedValueInfo = { name: '', raw: field.raw, elemType: 0, shape: [] };
  for (const f of lenFields(field.data, 'value info')) {
    if (f.no === 1) info.name = decodeString(f.data);
    if (f.no !== 2) continue;
    const tensorType = lenFields(f.data, 'type').find((t) => t.no === 1);
    if (!tensorType) continue;
    for (const tf of lenFields(tensorType.data, 'tensor type')) {
      if (tf.no === 1) info.elemType = tf.value;
      if (tf.no !== 2) continue;
      for (const dim of lenFields(tf.data, 'shape')) {
        const d = lenFields(dim.data, 'dim').find((x) => x.no === 1 || x.no === 2);
        info.shape.push(d === undefined ? '?' : d.no === 1 ? d.value : decodeString(d.data));
      }
    }
  }
  return info;
}

/** Parses an ONNX model, keeping raw bytes for everything a rewrite may pass through. */
export function parseModel(bytes: Uint8Array): ParsedModel {
  const top = lenFields(bytes, 'model');
  const graphField = top.find((f) => f.no === 7 && f.wire === WIRE_LEN);
  if (!graphField) throw new OnnxFormatError('the file has no graph: it is not an ONNX model');
  const opsets = new Map<string, number>();
  for (const f of top) {
    if (f.no !== 8) continue;
    let domain = '';
    let version = 0;
    for (const o of lenFields(f.data, 'opset')) {
      if (o.no === 1) domain = decodeString(o.data);
      if (o.no === 2) version = o.value;
    }
    opsets.set(domain === 'ai.onnx' ? '' : domain, version);
  }
  if (!opsets.has('')) throw new OnnxFormatError('the model imports no ONNX opset');

  const graph: ParsedGraph = {
    nodes: [],
    initializers: [],
    inputs: [],
    outputs: [],
    valueInfo: [],
    other: [],
  };
  for (const f of lenFields(graphField.data, 'graph')) {
    if (f.no === 1) graph.nodes.push(parseNode(f));
    else if (f.no === 5) graph.initializers.push(parseTensorHeader(f));
    else if (f.no === 11) graph.inputs.push(parseValueInfo(f));
    else if (f.no === 12) graph.outputs.push(parseValueInfo(f));
    else if (f.no === 13) graph.valueInfo.push(parseValueInfo(f));
    else graph.other.push(f.raw);
  }
  return { opsets, graph, other: top.filter((f) => f !== graphField).map((f) => f.raw) };
}

/** Serialises a parsed (possibly edited) model. Added entries carry raw bytes made by `fieldOf`. */
export function serializeModel(model: ParsedModel): Uint8Array {
  const g = new ProtoWriter();
  for (const n of model.graph.nodes) g.raw(n.raw);
  for (const o of model.graph.other) g.raw(o);
  for (const i of model.graph.initializers) g.raw(i.raw);
  for (const i of model.graph.inputs) g.raw(i.raw);
  for (const o of model.graph.outputs) g.raw(o.raw);
  for (const v of model.graph.valueInfo) g.raw(v.raw);
  const w = new ProtoWriter();
  for (const o of model.other) w.raw(o);
  return w.bytes(7, g.finish()).finish();
}

/** Wraps an encoded message as a whole field (tag + length + payload) for a parsed graph. */
export function fieldOf(no: number, payload: Uint8Array): Uint8Array {
  return new ProtoWriter().bytes(no, payload).finish();
}

/** GraphProto field numbers, for building entries with `fieldOf`. */
export const GraphField = {
  node: 1,
  initializer: 5,
  input: 11,
  output: 12,
  valueInfo: 13,
} as const;
