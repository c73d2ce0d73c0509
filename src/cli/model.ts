/**
 * The model side of the CLI: `--model` as a folder or a Hub id, loading with progress on stderr,
 * and batch embedding in chunks so a file of any length never holds every pooled vector at once.
 */
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { HeadStrategy } from '../analysis/head.ts';
import { STRATEGIES } from '../analysis/pooling.ts';
import type { Engine } from '../engine/engine.ts';
import { DTYPES, DTYPE_INFO, isDtype } from '../engine/dtypes.ts';
import { EngineError } from '../engine/errors.ts';
import { sourceLabel } from '../engine/load.ts';
import { folderSource, loadNodeEngine } from '../engine/node.ts';
import type {
  BatchPooling,
  Dtype,
  EmbeddedBatch,
  ModelSource,
  TokenRequest,
} from '../engine/protocol.ts';
import { CliError, EXIT_BAD_INPUT, EXIT_UNEXPECTED, intOption, pathIn, type CliIo } from './io.ts';
import { progressOn, type Progress } from './progress.ts';

/** Options every command that reads a CSV and loads a model takes. */
export const COMMAND_OPTIONS = {
  model: { type: 'string' },
  host: { type: 'string' },
  dtype: { type: 'string' },
  threads: { type: 'string' },
  out: { type: 'string' },
  'skip-bad-rows': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Help text for the shared model options. */
export const MODEL_HELP = `  --model M       a model folder (config.json, tokenizer files, onnx/) or a Hub id; a Hub
                  model's files are kept for later runs in ~/.cache/readscope (or READSCOPE_CACHE)
  --host URL      Hub host for a Hub id (default: https://huggingface.co/)
  --dtype D       which onnx/ file to load: fp32 (model.onnx, the default), fp16, q8
                  (model_quantized.onnx), int8, uint8, q4 or bnb4
  --threads N     CPU threads for onnxruntime (default: all cores)`;

/** Texts embedded per engine call: bounds memory (~40 kB per text and pooling for roberta-base). */
export const CHUNK_TEXTS = 512;
/** Texts per engine call when raw token states come back too (~0.8 MB per text for roberta-base). */
export const TOKEN_CHUNK_TEXTS = 32;

/** The dtypes onnxruntime-node's CPU provider runs. */
const CPU_DTYPES = DTYPES.filter((d) => DTYPE_INFO[d].backends.includes('cpu'));

/** The strategies a ridge head can sit on, in the order the grid lists them. */
export const HEAD_STRATEGIES: readonly HeadStrategy[] = (
  Object.keys(STRATEGIES) as (keyof typeof STRATEGIES)[]
).filter((s): s is HeadStrategy => !STRATEGIES[s].needsFit);

/** Strategy names from a comma-separated list, each checked. */
export function parseStrategies(text: string): HeadStrategy[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    if (!(HEAD_STRATEGIES as readonly string[]).includes(n)) {
      const learned =
        Object.hasOwn(STRATEGIES, n) && STRATEGIES[n as keyof typeof STRATEGIES].needsFit;
      throw new CliError(
        learned
          ? `"${n}" is a learned pooling, not a sweep strategy; ask for it with --learned ${n}.`
          : `Unknown strategy "${n}"; choose from ${HEAD_STRATEGIES.join(', ')}.`,
      );
    }
  }
  if (!names.length) throw new CliError('Name at least one strategy.');
  return names as HeadStrategy[];
}

/** Where Hub files are kept between runs: READSCOPE_CACHE, else the user's cache folder. */
export function hubCacheDir(): string {
  return (
    process.env.READSCOPE_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'readscope')
  );
}

/** Where `--model` points: an existing folder is read from disk; anything else is a Hub id. */
export async function modelSource(io: CliIo, model: string, host?: string): Promise<ModelSource> {
  const path = pathIn(io, model);
  const info = await stat(path).catch(() => null);
  if (info?.isDirectory()) return folderSource(path);
  if (info) throw new CliError(`--model ${model} is a file; give the model's folder or a Hub id.`);
  if (/^(\.{1,2}[\\/]|[\\/~]|[A-Za-z]:[\\/])/.test(model)) {
    throw new CliError(`--model ${model}: no such folder.`);
  }
  return { kind: 'hub', id: model, ...(host ? { host } : {}) };
}

/** Loads the model named by the shared options, reporting stages and bytes on stderr. */
export async function loadModel(
  io: CliIo,
  values: { model?: string; host?: string; dtype?: string; threads?: string },
): Promise<Engine> {
  if (!values.model) throw new CliError('--model is required (a model folder or a Hub id).');
  const dtype = (values.dtype ?? 'fp32') as Dtype;
  if (!CPU_DTYPES.includes(dtype)) {
    throw new CliError(
      `--dtype must be one of ${CPU_DTYPES.join(', ')}; got "${values.dtype}".` +
        (isDtype(values.dtype) ? ` ${values.dtype} files need a GPU (WebGPU) to run.` : ''),
    );
  }
  const threads =
    values.threads === undefined ? undefined : intOption('threads', values.threads, 1, 1, 1024);
  const source = await modelSource(io, values.model, values.host);
  const downloads = new Map<string, Progress>();
  try {
    const engine = await loadNodeEngine(source, {
      dtype,
      threads,
      // A Hub model's files stay in the user's cache, so only the first run downloads them.
      ...(source.kind === 'hub' && {
        cache: { dir: hubCacheDir(), onError: (why) => io.stderr.write(`model: ${why}\n`) },
      }),
      onStage: (stage) => {
        for (const p of downloads.values()) p.finish();
        downloads.clear();
        io.stderr.write(
          `model: ${stage === 'download' ? `reading ${sourceLabel(source)}` : stage}\n`,
        );
      },
      onProgress: ({ file, loaded, total }) => {
        if (source.kind !== 'hub') return; // local files arrive at once; only downloads need a bar
        let bar = downloads.get(file);
        if (!bar) {
          bar = progressOn(io, file, total, 'bytes');
          downloads.set(file, bar);
        }
        bar.update(loaded, total);
      },
    });
    const { info } = engine;
    io.stderr.write(
      `model: ${info.modelId} (${info.modelType}, ${info.layers} layers, hidden ${info.hidden}, ` +
        `${info.dtype}, ${info.threads} threads) ready in ${(info.loadMs / 1000).toFixed(1)} s\n`,
    );
    return engine;
  } catch (e) {
    if (e instanceof EngineError) {
      const isInput = !['network', 'session', 'run'].includes(e.code);
      throw new CliError(
        `The model did not load: ${e.message}`,
        isInput ? EXIT_BAD_INPUT : EXIT_UNEXPECTED,
      );
    }
    throw e;
  }
}

/**
 * The batch poolings that cover a set of strategies (see pipeline/scoring batchPoolingFor), and the
 * layers' CLS vectors when learned poolings are fitted too.
 */
export function poolingsFor(strategies: readonly HeadStrategy[], withCls = false): BatchPooling[] {
  const out = new Set<BatchPooling>(withCls ? ['cls'] : []);
  for (const s of strategies) {
    if (s === 'wk' || s === 'pooler') out.add(s);
    else {
      out.add('cls');
      out.add('mean');
      if (s === 'max' || s === 'mean-max') out.add('max');
    }
  }
  const order: BatchPooling[] = ['cls', 'mean', 'max', 'wk', 'pooler'];
  return order.filter((p) => out.has(p));
}

/**
 * Embeds texts `CHUNK_TEXTS` at a time (`TOKEN_CHUNK_TEXTS` when token states are asked for) and
 * hands each chunk's batch (rows `start…`) to `onChunk`, with one progress line for the whole run.
 */
export async function embedInChunks(
  io: CliIo,
  engine: Engine,
  texts: readonly string[],
  pooling: readonly BatchPooling[],
  onChunk: (batch: EmbeddedBatch, start: number) => void | Promise<void>,
  label = 'embedding',
  chunkTexts = CHUNK_TEXTS,
  tokens?: TokenRequest,
): Promise<void> {
  const progress = progressOn(io, label, texts.length, 'rows');
  const size = tokens ? Math.min(chunkTexts, TOKEN_CHUNK_TEXTS) : chunkTexts;
  for (let start = 0; start < texts.length; start += size) {
    const chunk = texts.slice(start, start + size);
    const batch = await engine.embed(
      chunk,
      pooling,
      (done) => progress.update(start + done),
      undefined,
      undefined,
      tokens,
    );
    await onChunk(batch, start);
  }
  progress.finish();
}
