/**
 * Downloading one model file over HTTP: byte progress, a download taken up again where its
 * connection dropped, typed errors, and the store (Cache API or disk) that keeps Hub files.
 */
import { env } from '@huggingface/transformers';
import { EngineError } from './errors.ts';
import type { FileProgress } from './protocol.ts';

export type ProgressFn = (p: FileProgress) => void;

/** A stored copy of a file (Cache API or disk), read whole with byte progress. */
async function readStored(response: Response, file: string, onProgress: ProgressFn) {
  const total = Number(response.headers.get('content-length') ?? 0);
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const broke = await readBody(response, (chunk) => {
    chunks.push(chunk);
    loaded += chunk.length;
    onProgress({ file, loaded, total });
  });
  if (broke || (total && loaded < total)) {
    const why = broke instanceof Error ? ` (${broke.message})` : '';
    throw new EngineError(
      'network',
      `The stored copy of ${file} could not be read whole${why}. Retry; if it fails again, clear this site's data so the model downloads afresh.`,
    );
  }
  return joined(chunks, loaded);
}

/** The chunks of a body as one array of `length` bytes. */
function joined(chunks: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let pos = 0;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

/**
 * Where downloaded Hub files are kept, keyed by URL: the two methods of the Web Cache API that
 * the loader uses, so a browser `Cache` is one and Node passes one on disk (`diskStore`).
 */
export interface FileStore {
  match(url: string): Promise<Response | undefined>;
  put(url: string, response: Response): Promise<void>;
}

/** Cache API store shared with transformers.js (same name), so Hub files download once. */
export async function openCache(): Promise<FileStore | null> {
  if (typeof caches === 'undefined') return null;
  try {
    return await caches.open(env.cacheKey);
  } catch {
    return null; // opaque origins and some private modes refuse the Cache API
  }
}

/** How many times one download is taken up again after its connection drops, before giving up. */
export const RESUMES = 3;
/** The wait before each resume, doubled each time (ms). */
const RESUME_WAIT_MS = 500;

/** Requests `url`, from byte `from` on when it is not 0, turning a refusal into an EngineError. */
async function request(url: string, file: string, from = 0): Promise<Response> {
  let response: Response;
  try {
    // `bytes=N-` alone is a CORS-safelisted header: no preflight, which a Hub redirect would break.
    response = await fetch(url, from ? { headers: { range: `bytes=${from}-` } } : undefined);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new EngineError(
      'network',
      `Could not download ${file} from ${new URL(url).host} (${why}). Check your connection or the model host, then retry.`,
    );
  }
  if (response.status === 404) {
    throw new EngineError(
      'missing-file',
      `The model has no ${file} (HTTP 404 at ${url}). Check the model id or folder, or pick a dtype this model provides.`,
    );
  }
  if (!response.ok) {
    throw new EngineError(
      'network',
      `Downloading ${file} failed with HTTP ${response.status} at ${url}. Retry, or check the model host.`,
    );
  }
  return response;
}

/** What a response says of the whole file: its length (0 when unknown) and its ETag. */
function wholeFile(response: Response): { total: number; etag: string | null } {
  const range = /\/(\d+)$/.exec(response.headers.get('content-range') ?? '');
  const total = Number(range?.[1] ?? response.headers.get('content-length') ?? 0);
  return { total, etag: response.headers.get('etag') };
}

/**
 * Whether a ranged answer goes on with the same file from byte `from`: a 206 for exactly that
 * range of a file as long as before, with the same ETag where both answers have one.
 */
function continues(response: Response, from: number, total: number, etag: string | null) {
  const range = /^bytes (\d+)-\d+\/(\d+)$/.exec(response.headers.get('content-range') ?? '');
  const tag = response.headers.get('etag');
  return (
    response.status === 206 &&
    Number(range?.[1]) === from &&
    Number(range?.[2]) === total &&
    (!etag || !tag || tag === etag)
  );
}

/** Reads a body chunk by chunk into `take`; the error that broke it off, or null once it ends. */
async function readBody(response: Response, take: (chunk: Uint8Array) => void): Promise<unknown> {
  try {
    if (!response.body) {
      take(new Uint8Array(await response.arrayBuffer()));
      return null;
    }
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return null;
      take(value);
    }
  } catch (e) {
    return e;
  }
}

/**
 * Downloads one file with byte progress. When the connection drops, the download is taken up
 * again from the byte it stopped at (an HTTP range request), up to `RESUMES` times, so a model of
 * hundreds of MB is not fetched again from its start. A host that ignores ranges, or a file that
 * changed in between (another length or ETag), is read again from its first byte instead.
 */
async function download(url: string, file: string, onProgress: ProgressFn) {
  let response = await request(url, file);
  let { total, etag } = wholeFile(response);
  const type = response.headers.get('content-type') ?? '';
  let chunks: Uint8Array[] = [];
  let loaded = 0;
  const take = (chunk: Uint8Array) => {
    chunks.push(chunk);
    loaded += chunk.length;
    onProgress({ file, loaded, total });
  };
  onProgress({ file, loaded, total });
  for (let resumes = 0; ; resumes++) {
    const broke = await readBody(response, take);
    if (!broke && (!total || loaded >= total)) break;
    if (!total || resumes === RESUMES) throw stopped(file, loaded, total, broke, resumes);
    await new Promise((wake) => setTimeout(wake, RESUME_WAIT_MS * 2 ** resumes));
    const next = await request(url, file, loaded).catch((e: unknown) => e);
    if (next instanceof Response && continues(next, loaded, total, etag)) {
      response = next;
      continue;
    }
    if (next instanceof EngineError && next.code !== 'network') throw next;
    if (!(next instanceof Response)) {
      response = new Response(new Uint8Array(0)); // nothing came: the next turn asks again
      continue;
    }
    // The host ignored the range, or the file changed since: read it again from its first byte.
    if (next.status === 206) {
      await next.body?.cancel();
      response = await request(url, file);
    } else response = next;
    ({ total, etag } = wholeFile(response));
    chunks = [];
    loaded = 0;
    onProgress({ file, loaded, total });
  }
  return { bytes: joined(chunks, loaded), type };
}

/** The error for a download that broke off and could not be taken up again. */
function stopped(file: string, loaded: number, total: number, broke: unknown, resumes: number) {
  const why = broke instanceof Error ? ` (${broke.message})` : '';
  const again = resumes ? `, after taking it up again ${resumes} times` : '';
  return new EngineError(
    'network',
    total
      ? `The download of ${file} stopped at ${loaded} of ${total} bytes${why}${again}. Check your connection and retry.`
      : `The download of ${file} broke off${why}. Check your connection and retry.`,
  );
}

/** Downloads one file with byte progress; `cache` keeps Hub files across visits. */
export async function fetchFile(
  url: string,
  file: string,
  onProgress: ProgressFn,
  cache: FileStore | null,
) {
  const cached = await cache?.match(url);
  if (cached) return readStored(cached, file, onProgress);
  const { bytes, type } = await download(url, file, onProgress);
  if (cache) {
    const headers = { 'content-type': type, 'content-length': String(bytes.length) };
    await cache.put(url, new Response(bytes.slice(), { headers })).catch(() => undefined);
  }
  return bytes;
}
