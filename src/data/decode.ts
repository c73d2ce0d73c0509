/**
 * Bytes to text for uploaded files: size cap, binary sniffing and strict UTF-8, read chunk by chunk
 * so a large file never sits in memory twice and the caller can report progress and cancel.
 */
import { DataError } from './errors.ts';

/** What a file can arrive as: a File/Blob in the browser, bytes from Node's fs, or text. */
export type ByteSource = Blob | Uint8Array | string;

/** Largest file we read: a 200 MB CSV becomes ~400 MB of JS strings plus rows, near a tab's limit. */
export const MAX_FILE_BYTES = 200 * 1024 * 1024;
/** Bytes read per step; big enough to be fast, small enough for smooth progress. */
export const DEFAULT_CHUNK_BYTES = 1024 * 1024;
/** How much of the start of a file the binary sniffer looks at. */
export const SNIFF_BYTES = 64 * 1024;
/** Share of control bytes above which a file is taken for binary (real text has next to none). */
export const MAX_CONTROL_RATIO = 0.1;

/** Options for {@link decodeText}. */
export interface DecodeOptions {
  chunkBytes?: number;
  maxBytes?: number;
  signal?: AbortSignal;
  /** Called after each chunk with the bytes read so far and the file's size. */
  onBytes?: (bytesRead: number, totalBytes: number) => void;
}

/** Yields a file's UTF-8 text (BOM removed) chunk by chunk; throws DataError for bad files. */
export async function* decodeText(
  source: ByteSource,
  options: DecodeOptions = {},
): AsyncGenerator<string> {
  const { chunkBytes = DEFAULT_CHUNK_BYTES, maxBytes = MAX_FILE_BYTES, signal } = options;
  const blob = typeof source === 'string' ? new TextEncoder().encode(source) : source;
  const total = blob instanceof Uint8Array ? blob.byteLength : blob.size;
  signal?.throwIfAborted();
  if (total === 0) {
    throw new DataError(
      'empty-file',
      'The file is empty (0 bytes). Choose the CSV with your texts.',
    );
  }
  if (total > maxBytes) {
    throw new DataError(
      'too-large',
      `The file is ${formatMB(total)}; readscope reads files up to ${formatMB(maxBytes)} in a ` +
        'browser tab. Split it into smaller files, each with the header row, and score them in turn.',
    );
  }
  checkNotBinary(await readRange(blob, 0, Math.min(SNIFF_BYTES, total)));

  const decoder = new TextDecoder('utf-8', { fatal: true });
  let tail: Uint8Array = new Uint8Array(0); // bytes of a character cut in two by the chunk boundary
  let lineFeeds = 0;
  for (let start = 0; start < total; start += chunkBytes) {
    signal?.throwIfAborted();
    const bytes = await readRange(blob, start, Math.min(start + chunkBytes, total));
    signal?.throwIfAborted();
    let text: string;
    try {
      text = decoder.decode(bytes, { stream: true });
    } catch (cause) {
      const joined = concat(tail, bytes);
      const at = Math.max(0, findInvalidUtf8(joined, true));
      const offset = start - tail.length + at;
      throw notUtf8(offset, joined[at], lineFeeds + countLineFeeds(joined, at), cause);
    }
    tail = incompleteTail(concat(tail, bytes));
    lineFeeds += countLineFeeds(bytes, bytes.length);
    options.onBytes?.(start + bytes.length, total);
    if (text) yield text;
  }
  try {
    const rest = decoder.decode();
    if (rest) yield rest;
  } catch (cause) {
    throw notUtf8(total - tail.length, tail[0], lineFeeds, cause);
  }
}

/** Offset of the first byte that starts an invalid UTF-8 sequence, or -1 when all are valid. */
export function findInvalidUtf8(bytes: Uint8Array, allowTruncatedEnd = false): number {
  for (let i = 0; i < bytes.length;) {
    const need = sequenceLength(bytes[i]);
    if (need === 0) return i;
    // Second-byte ranges that rule out overlongs, surrogates and code points past U+10FFFF.
    let lo = bytes[i] === 0xe0 ? 0xa0 : bytes[i] === 0xf0 ? 0x90 : 0x80;
    let hi = bytes[i] === 0xed ? 0x9f : bytes[i] === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k < need; k++) {
      if (i + k >= bytes.length) return allowTruncatedEnd ? -1 : i;
      if (bytes[i + k] < lo || bytes[i + k] > hi) return i;
      lo = 0x80;
      hi = 0xbf;
    }
    i += need;
  }
  return -1;
}

/** Why the start of a file looks binary rather than text, or null when it looks like text. */
export function sniffBinary(head: Uint8Array): string | null {
  const nul = head.indexOf(0);
  if (nul >= 0) return `it contains NUL bytes (the first at byte ${nul})`;
  let control = 0;
  for (const b of head) {
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f) control++;
  }
  const ratio = head.length ? control / head.length : 0;
  if (ratio > MAX_CONTROL_RATIO) {
    return `${Math.round(ratio * 100)}% of its first ${head.length} bytes are control characters`;
  }
  return null;
}

function checkNotBinary(head: Uint8Array): void {
  // UTF-16 is text, but full of NULs; name it so the advice fits.
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    throw new DataError(
      'not-utf8',
      'The file is UTF-16 text, not UTF-8. Open it and save it again as "CSV UTF-8", then upload it again.',
    );
  }
  const why = sniffBinary(head);
  if (why) {
    throw new DataError(
      'binary-file',
      `The file does not look like a CSV: ${why}. Check that you picked the right file, or ` +
        'export it from your spreadsheet as "CSV UTF-8".',
    );
  }
}

function notUtf8(offset: number, byte: number | undefined, lineFeeds: number, cause: unknown) {
  const hex = byte === undefined ? '' : ` (0x${byte.toString(16).toUpperCase().padStart(2, '0')})`;
  return new DataError(
    'not-utf8',
    `The file is not UTF-8: the byte at offset ${offset}${hex}, on line ${lineFeeds + 1}, is not valid UTF-8. ` +
      'It was probably saved as Windows-1252 or Latin-1. Open it and save it again as "CSV UTF-8", ' +
      'then upload it again.',
    { cause },
  );
}

/** How many bytes a sequence starting with `lead` has; 0 when `lead` cannot start one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** The trailing bytes of valid UTF-8 that do not yet form a whole character. */
function incompleteTail(bytes: Uint8Array): Uint8Array {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const b = bytes[bytes.length - back];
    if ((b & 0xc0) !== 0x80) {
      return sequenceLength(b) > back ? bytes.slice(bytes.length - back) : new Uint8Array(0);
    }
  }
  return new Uint8Array(0);
}

function countLineFeeds(bytes: Uint8Array, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (bytes[i] === 0x0a) n++;
  return n;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (!a.length) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

async function readRange(source: Blob | Uint8Array, start: number, end: number) {
  if (source instanceof Uint8Array) return source.subarray(start, end);
  try {
    return new Uint8Array(await source.slice(start, end).arrayBuffer());
  } catch (cause) {
    throw new DataError(
      'read-failed',
      'The browser could not read the file; it may have been moved or changed since you chose ' +
        'it. Choose it again.',
      { cause },
    );
  }
}

function formatMB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
