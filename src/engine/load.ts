/**
 * Where model files come from: a Hub id (remote, cached by the browser), a folder the app serves,
 * or files picked from disk. One loader, byte progress per file, typed errors, nothing memoised:
 * a failed load leaves no state behind, so the next call simply tries again.
 */
import * as transformers from '@huggingface/transformers';
import { AutoTokenizer, PreTrainedTokenizer, env } from '@huggingface/transformers';
import { EngineError } from './errors.ts';
import { fetchFile, openCache, type FileStore, type ProgressFn } from './download.ts';
import { DTYPES, DTYPE_INFO, dtypesIn } from './dtypes.ts';
import type { Dtype, ModelSource } from './protocol.ts';

/**
 * The subset of a Hugging Face `config.json` the engine reads, with width and depth under one
 * name whatever the family calls them (DistilBERT writes `dim` and `n_layers`).
 */
export interface ModelConfig {
  model_type: string;
  hidden_size: number;
  /** Encoder layers, where config.json states them; the graph's residual stream decides otherwise. */
  num_hidden_layers?: number;
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
  /** Reads the ONNX file again, quietly (the browser's cache or the disk answers). */
  readOnnx: () => Promise<Uint8Array>;
}

/** The ONNX file name transformers.js exports use for each dtype. */
export function onnxFileFor(dtype: Dtype): string {
  return DTYPE_INFO[dtype].file;
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
        if (!blob) throw missingInFolder(source, file);
        const bytes = new Uint8Array(await blob.arrayBuffer());
        onProgress({ file, loaded: bytes.length, total: bytes.length });
        return bytes;
      }
    }
  };
}

/** The error for a file a picked folder lacks: for an ONNX file, which dtypes the folder has. */
function missingInFolder(source: Extract<ModelSource, { kind: 'files' }>, file: string) {
  const dtype = DTYPES.find((d) => DTYPE_INFO[d].file === file);
  const present = dtypesIn(Object.keys(source.files));
  if (dtype && present.length) {
    return new EngineError(
      'missing-file',
      `The folder "${source.name}" has no ${file}, so it cannot be loaded as ${dtype}; it holds ${present.join(', ')}. Choose one of those.`,
    );
  }
  return new EngineError(
    'missing-file',
    `The folder "${source.name}" has no ${file}. Pick the model's top folder (the one holding config.json and onnx/).`,
  );
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

/** Families whose exports are decoders or encoder-decoders: their graphs are not read here. */
const NOT_ENCODERS =
  /^(gpt|llama|mistral|mixtral|qwen|phi|gemma|opt|bloom|falcon|t5|mt5|bart|mbart|marian|pegasus|whisper|clip|vit|wav2vec|codegen|starcoder)/;

/** Key names for width and depth, per family; most use the BERT names. */
const CONFIG_KEYS: Record<string, { width: string; depth: string }> = {
  distilbert: { width: 'dim', depth: 'n_layers' },
};

/**
 * Reads config.json as the Hub writes it: width and depth under each family's own keys. A family
 * that is not an encoder, or a config with no width, is refused with a sentence naming it.
 */
export function normaliseConfig(raw: Record<string, unknown>): ModelConfig {
  const modelType = typeof raw.model_type === 'string' ? raw.model_type : '';
  const keys = CONFIG_KEYS[modelType] ?? { width: 'hidden_size', depth: 'num_hidden_layers' };
  const named = modelType ? `"${modelType}"` : 'with no model_type';
  if (NOT_ENCODERS.test(modelType)) {
    throw new EngineError(
      'not-encoder',
      `config.json describes a ${named} model, which is not a BERT-family encoder: readscope reads encoders such as BERT, RoBERTa, XLM-RoBERTa, DistilBERT, ELECTRA or DeBERTa.`,
    );
  }
  const width = raw[keys.width];
  const depth = raw[keys.depth];
  if (typeof width !== 'number' || !(width > 0)) {
    throw new EngineError(
      'not-encoder',
      `config.json of this ${named} model has no "${keys.width}" (the hidden width): this does not look like a BERT-family encoder's config.`,
    );
  }
  return {
    ...(raw as Partial<ModelConfig>),
    model_type: modelType,
    hidden_size: width,
    num_hidden_layers: typeof depth === 'number' && depth > 0 ? depth : undefined,
  };
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
  const config = normaliseConfig(
    parseJsonFile<Record<string, unknown>>(await read('config.json'), 'config.json'),
  );
  const tokenizer = await loadTokenizer(source, read, onProgress);
  const onnxFile = onnxFileFor(dtype);
  const onnx = await read(onnxFile);
  const readOnnx = () => fileReader(source, () => {}, store)(onnxFile);
  return { config, tokenizer, onnx, onnxFile, readOnnx };
}
