/**
 * Minimal protobuf wire-format reader and writer (the codec under onnx.ts; not to be confused with
 * protocol.ts, the worker messages).
 *
 * Only what the ONNX graph rewrite and the fixture generator need: varints, length-delimited
 * fields, fixed32 floats. Fields the caller does not touch are kept as their raw bytes, so a
 * rewrite never loses data it does not understand (protobufjs with a partial schema would).
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

/** One top-level field of a message, with its raw bytes (tag included) kept for re-emission. */
export interface ProtoField {
  no: number;
  wire: number;
  /** The whole field, tag and length prefix included. */
  raw: Uint8Array;
  /** Payload of a length-delimited field (a view, not a copy). */
  data: Uint8Array;
  /** Value of a varint field; 64-bit values beyond 2^53 lose precision. */
  value: number;
}

/** Thrown when bytes are not a valid protobuf message. */
export class ProtoError extends Error {
  override name = 'ProtoError';
}

function readVarint(buf: Uint8Array, pos: number): [value: number, next: number] {
  let lo = 0;
  let shift = 0;
  let i = pos;
  // Fast path for values that fit in 28 bits; fall back to BigInt for the rest.
  while (i < buf.length && shift < 28) {
    const b = buf[i++];
    lo |= (b & 0x7f) << shift;
    if (b < 0x80) return [lo >>> 0, i];
    shift += 7;
  }
  let big = BigInt(lo >>> 0);
  let bigShift = 28n;
  while (i < buf.length) {
    const b = buf[i++];
    big |= BigInt(b & 0x7f) << bigShift;
    if (b < 0x80) return [Number(BigInt.asIntN(64, big)), i];
    bigShift += 7n;
    if (bigShift > 70n) break;
  }
  throw new ProtoError(`malformed varint at byte ${pos}`);
}

/** Splits a message into its top-level fields. Throws ProtoError on truncated or malformed data. */
export function readFields(buf: Uint8Array): ProtoField[] {
  const fields: ProtoField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    const [tag, afterTag] = readVarint(buf, pos);
    const no = Math.floor(tag / 8);
    const wire = tag & 7;
    if (no === 0) throw new ProtoError(`field number 0 at byte ${start}`);
    pos = afterTag;
    let data: Uint8Array = EMPTY;
    let value = 0;
    switch (wire) {
      case WIRE_VARINT:
        [value, pos] = readVarint(buf, pos);
        break;
      case WIRE_FIXED64:
        data = buf.subarray(pos, pos + 8);
        pos += 8;
        break;
      case WIRE_LEN: {
        const [len, afterLen] = readVarint(buf, pos);
        if (len < 0 || afterLen + len > buf.length) {
          throw new ProtoError(`field ${no} at byte ${start} runs past the end of the data`);
        }
        data = buf.subarray(afterLen, afterLen + len);
        pos = afterLen + len;
        break;
      }
      case WIRE_FIXED32:
        data = buf.subarray(pos, pos + 4);
        pos += 4;
        break;
      default:
        throw new ProtoError(`unsupported wire type ${wire} at byte ${start}`);
    }
    if (pos > buf.length) throw new ProtoError(`field ${no} at byte ${start} is truncated`);
    fields.push({ no, wire, raw: buf.subarray(start, pos), data, value });
  }
  return fields;
}

const EMPTY: Uint8Array = new Uint8Array(0);
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });
const utf8Encoder = new TextEncoder();

/** Decodes a string field's payload. */
export function decodeString(data: Uint8Array): string {
  return utf8Decoder.decode(data);
}

/** Appends fields to a growing list of chunks; `finish()` concatenates once. */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private size = 0;

  private push(bytes: Uint8Array): this {
    this.chunks.push(bytes);
    this.size += bytes.length;
    return this;
  }

  private static varintBytes(v: number | bigint): Uint8Array {
    let big = BigInt.asUintN(64, BigInt(v));
    const out: number[] = [];
    while (big >= 0x80n) {
      out.push(Number(big & 0x7fn) | 0x80);
      big >>= 7n;
    }
    out.push(Number(big));
    return Uint8Array.from(out);
  }

  private tag(no: number, wire: number): this {
    return this.push(ProtoWriter.varintBytes(no * 8 + wire));
  }

  /** A varint field (int32, int64, enum, bool). */
  varint(no: number, v: number | bigint): this {
    return this.tag(no, WIRE_VARINT).push(ProtoWriter.varintBytes(v));
  }

  /** A length-delimited field holding raw bytes or an already-encoded message. */
  bytes(no: number, data: Uint8Array): this {
    return this.tag(no, WIRE_LEN).push(ProtoWriter.varintBytes(data.length)).push(data);
  }

  /** A UTF-8 string field. */
  string(no: number, s: string): this {
    return this.bytes(no, utf8Encoder.encode(s));
  }

  /** A 32-bit float field. */
  float(no: number, v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    return this.tag(no, WIRE_FIXED32).push(b);
  }

  /** A packed repeated varint field (proto3 default for repeated int64). */
  packedVarints(no: number, values: ArrayLike<number | bigint>): this {
    const inner = new ProtoWriter();
    for (let i = 0; i < values.length; i++) inner.push(ProtoWriter.varintBytes(values[i]));
    return this.bytes(no, inner.finish());
  }

  /** A packed repeated float field. */
  packedFloats(no: number, values: ArrayLike<number>): this {
    const b = new Uint8Array(values.length * 4);
    const view = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
    return this.bytes(no, b);
  }

  /** Bytes copied verbatim (a field kept from a parsed message). */
  raw(bytes: Uint8Array): this {
    return this.push(bytes);
  }

  /** The encoded message. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let pos = 0;
    for (const c of this.chunks) {
      out.set(c, pos);
      pos += c.length;
    }
    return out;
  }
}
