/**
 * Where model files come from: a Hub id (remote, cached by the browser), a folder the app serves,
 * or files picked from disk. One loader, byte progress per file, typed errors, nothing memoised:
 * a failed load leaves no state behind, so the next call simply tries again.
 */
import * as transformers from '@huggingface/transformers';
import { AutoTokenizer, PreTrainedTokenizer, env } from '@huggingface/transformers';
import { EngineError } from './errors.ts';
import type { Dtype, FileProgress, ModelSource } from './protocol.ts';

/** The subset of a Hugging Face `config.json` the engine reads. */
export interface ModelConfig {
  model_type: string;
  hidden_size: number;
  num_hidden_layers: number;
  max_position_embeddings?: number;
  pad_token_id?: number;
  num_labels?: number;
  problem_type?: string;
  id2label?: Record<string, string>;
  architectures?: string[];
}

export interface ModelFiles {
  config: ModelConfig;
  tokenizer: PreTrainedTokenizer;
  /** The ONNX file for the chosen dtype. */
  onnx: Uint8Array;
  onnxFile: string;
}

export type ProgressFn = (p: FileProgress) => void;

/** The ONNX file name transformers.js exports use for each dtype. */
export function onnxFileFor(dtype: Dtype): string {
  switch (dtype) {
    case 'fp32':
      return 'onnx/model.onnx';
    case 'fp16':
      return 'onnx/model_fp16.onnx';
    case 'q8':
      return 'onnx/model_quantized.onnx';
  }
}

/** A short label for a source, shown in the UI and stored with fitted heads. */
export function sourceLabel(source: ModelSource): string {
  switch (source.kind) {
    case 'hub':
      return source.id;
    case 'served':
      // The folder's name, as for a folder picked from disk or given to the CLI, so heads match.
      return source.path.replace(/\/+$/, '').split('/').pop() || source.path;
    case 'files':
      return source.name;
  }
}

/** URL of a file of a Hub model, following the Hub's `<id>/resolve/<revision>/<file>` layout. */
export function hubUrl(source: Extract<ModelSource, { kind: 'hub' }>, file: string): string {
  const host = (source.host ?? env.remoteHost).replace(/\/?$/, '/');
  const path = env.remotePathTemplate
    .replaceAll('{model}', source.id)
    .replaceAll('{revision}', encodeURIComponent(source.revision ?? 'main'));
  return new URL(`${path}${file}`, host).href;
}

function servedUrl(path: string, file: string): string {
  const base = typeof location === 'undefined' ? 'http://127.0.0.1/' : location.href;
  return new URL(`${path.replace(/\/?$/, '/')}${file}`, base).href;
}

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
async function openCache(): Promise<FileStore | null> {
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
async function fetchFile(
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

/**
 * Reads one file of the chosen source, whatever its kind. Hub files go through `store`, or the
 * browser's Cache API store when it is left out.
 */
function fileReader(source: ModelSource, onProgress: ProgressFn, store?: FileStore | null) {
  // One cache handle for the whole load, opened on the first Hub file.
  let cache: Promise<FileStore | null> | null = store === undefined ? null : Promise.resolve(store);
  return async (file: string): Promise<Uint8Array> => {
    switch (source.kind) {
      case 'hub':
        cache ??= openCache();
        return fetchFile(hubUrl(source, file), file, onProgress, await cache);
      case 'served':
        return fetchFile(servedUrl(source.path, file), file, onProgress, null);
      case 'files': {
        const blob = source.files[file];
        if (!blob) {
          throw new EngineError(
            'missing-file',
            `The folder "${source.name}" has no ${file}. Pick the model's top folder (the one holding config.json and onnx/).`,
          );
        }
        const bytes = new Uint8Array(await blob.arrayBuffer());
        onProgress({ file, loaded: bytes.length, total: bytes.length });
        return bytes;
      }
    }
  };
}

/** Parses a JSON model file, telling an HTML page (a wrong URL or a login wall) from bad JSON. */
export function parseJsonFile<T>(bytes: Uint8Array, file: string): T {
  const text = new TextDecoder().decode(bytes);
  if (/^\s*</.test(text)) {
    throw new EngineError(
      'not-json',
      `${file} came back as an HTML page, not JSON: the address points to a web page rather than the model's files. Check the model host or folder.`,
    );
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new EngineError(
      'bad-json',
      `${file} is not valid JSON (corrupt or truncated). Retry the download or re-export the model.`,
    );
  }
}

function checkConfig(config: ModelConfig): ModelConfig {
  if (typeof config.hidden_size !== 'number' || typeof config.num_hidden_layers !== 'number') {
    throw new EngineError(
      'not-encoder',
      'config.json has no hidden_size or num_hidden_layers: this does not look like a BERT-family encoder.',
    );
  }
  return config;
}

type TokenizerClass = new (json: object, config: object) => PreTrainedTokenizer;

/** Builds a tokenizer from its two JSON files with the class its config names. */
function tokenizerFromJson(
  json: object,
  config: { tokenizer_class?: string },
): PreTrainedTokenizer {
  const name = config.tokenizer_class?.replace(/Fast$/, '') ?? 'PreTrainedTokenizer';
  const classes = transformers as unknown as Record<string, TokenizerClass | undefined>;
  const Cls = classes[name] ?? PreTrainedTokenizer;
  return new Cls(json, config);
}

/**
 * Loads the tokenizer: from the Hub through transformers.js's own code path (download, browser
 * cache, progress); from a served or picked folder through the same reader as the other files.
 */
async function loadTokenizer(
  source: ModelSource,
  read: (file: string) => Promise<Uint8Array>,
  onProgress: ProgressFn,
): Promise<PreTrainedTokenizer> {
  const progress_callback = (p: {
    status: string;
    file?: string;
    loaded?: number;
    total?: number;
  }) => {
    if (p.status === 'progress' && p.file)
      onProgress({ file: p.file, loaded: p.loaded ?? 0, total: p.total ?? 0 });
  };
  try {
    if (source.kind === 'hub') {
      env.allowRemoteModels = true;
      env.allowLocalModels = false;
      env.remoteHost = (source.host ?? env.remoteHost).replace(/\/?$/, '/');
      return await AutoTokenizer.from_pretrained(source.id, {
        revision: source.revision ?? 'main',
        progress_callback,
      });
    }
  } catch (e) {
    if (e instanceof EngineError) throw e;
    throw tokenizerError(e);
  }
  const json = parseJsonFile<object>(await read('tokenizer.json'), 'tokenizer.json');
  const config = parseJsonFile<object>(
    await read('tokenizer_config.json'),
    'tokenizer_config.json',
  );
  return tokenizerFromJson(json, config);
}

function tokenizerError(e: unknown): EngineError {
  const why = e instanceof Error ? e.message : String(e);
  if (/JSON|Unexpected token/i.test(why)) {
    return new EngineError(
      'not-json',
      `The tokenizer files are not JSON (${why}); the address may point to a web page rather than the model's files.`,
    );
  }
  if (/404|not found|Could not locate/i.test(why)) {
    return new EngineError(
      'missing-file',
      `The tokenizer files were not found (${why}). Check the model id or folder.`,
    );
  }
  return new EngineError(
    'network',
    `The tokenizer could not be loaded (${why}). Check the model host, then retry.`,
  );
}

/** Loads config, tokenizer and the ONNX file of a model; `store` as for `fileReader`. */
export async function loadModelFiles(
  source: ModelSource,
  dtype: Dtype,
  onProgress: ProgressFn,
  store?: FileStore | null,
): Promise<ModelFiles> {
  const read = fileReader(source, onProgress, store);
  const config = checkConfig(parseJsonFile<ModelConfig>(await read('config.json'), 'config.json'));
  const tokenizer = await loadTokenizer(source, read, onProgress);
  const onnxFile = onnxFileFor(dtype);
  const onnx = await read(onnxFile);
  return { config, tokenizer, onnx, onnxFile };
}
