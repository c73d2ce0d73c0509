/**
 * The engine: one loaded model (tokenizer + session on the rewritten graph) and the two things it
 * does — every layer's hidden states for one text, and pooled vectors for a batch. Used by the
 * browser worker and by Node (tests, CLI) with the onnxruntime module injected.
 */
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { EngineError } from './errors.ts';
import {
  planBatches,
  runBatch,
  textStates,
  toFloat32,
  tokenize,
  tokenWindows,
  type Tokenized,
  type TokenWindow,
} from './encode.ts';
import { HIDDEN_STATES, POOLED_OUTPUTS, rewriteForHiddenStates } from './graph.ts';
import type { FileStore, ProgressFn } from './download.ts';
import { loadModelFiles, sourceLabel, type ModelConfig } from './load.ts';
import { isDirectRegression, type RidgeHead } from '../analysis/head.ts';
import type { ContributionWindow } from '../analysis/contributions.ts';
import { projectTokens } from '../analysis/directions.ts';
import { pool, poolOptionsFor, validLayers } from '../analysis/pooling.ts';
import { AttentionRunner } from './attend.ts';
import { contributeText } from './contribute.ts';
import type {
  AttendedText,
  Backend,
  BatchPooling,
  ContributedText,
  DevicePooling,
  EmbeddedBatch,
  EncodedText,
  LoadOptions,
  ModelInfo,
  TokenRequest,
  TokenStates,
} from './protocol.ts';
import { createSession, type AdapterInfo, type OrtModule, type OrtSession } from './session.ts';
import { GraphError } from './graph.ts';
import { OnnxFormatError } from './onnx.ts';

/** How the caller runs the model: the onnxruntime module and the backend already chosen. */
export interface EngineRuntime {
  ort: OrtModule;
  backend: Backend;
  threads: number;
  adapter?: AdapterInfo;
  /** Where Hub files are kept between loads; the browser's Cache API store when left out. */
  store?: FileStore | null;
}

export type LoadStage = 'download' | 'rewrite' | 'session' | 'warmup';

const WARMUP_TEXT = 'Warm-up.';
/** Upper bound on floats in one batch's stacked hidden states, to stay inside device buffers. */
const STACKED_FLOAT_BUDGET = 32 * 1024 * 1024;

/** Longest token sequence the model takes: RoBERTa offsets positions by pad id + 1. */
export function maxTokensOf(config: ModelConfig, tokenizer: PreTrainedTokenizer): number {
  const positions = config.max_position_embeddings ?? 512;
  const offset =
    config.model_type === 'roberta' || config.model_type === 'xlm-roberta'
      ? (config.pad_token_id ?? 1) + 1
      : 0;
  const fromTokenizer = tokenizer.model_max_length;
  return Math.min(
    positions - offset,
    Number.isFinite(fromTokenizer) && fromTokenizer > 0 ? fromTokenizer : Infinity,
  );
}

/** Refuses a token request whose sizes do not fit the model, saying which sizes disagree. */
function checkTokenRequest({ projection, dim }: TokenRequest, hidden: number): void {
  if (!Number.isInteger(dim) || dim < 1) {
    throw new EngineError(
      'run',
      `Token states were asked ${dim} wide; the width must be a positive whole number.`,
    );
  }
  if (projection === null && dim !== hidden) {
    throw new EngineError(
      'run',
      `Raw token states are ${hidden} wide (the model's hidden size), not ${dim}; ask for ${hidden} or pass a projection.`,
    );
  }
  if (projection !== null && projection.length !== dim * hidden) {
    throw new EngineError(
      'run',
      `The token projection holds ${projection.length} values; a ${dim} × ${hidden} projection needs ${dim * hidden}.`,
    );
  }
}

export class Engine {
  /** The GPU device's largest storage binding; batches are sized to stay inside it. */
  private maxBindingBytes = Infinity;

  private constructor(
    readonly info: ModelInfo,
    private readonly runtime: EngineRuntime,
    private readonly session: OrtSession,
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly padId: number,
    private readonly attention: AttentionRunner,
  ) {}

  /** Downloads, rewrites, starts and warms up a model; throws EngineError on any failure. */
  static async load(
    options: LoadOptions,
    runtime: EngineRuntime,
    onProgress: ProgressFn,
    onStage: (stage: LoadStage) => void = () => {},
  ): Promise<Engine> {
    const started = performance.now();
    onStage('download');
    const files = await loadModelFiles(options.source, options.dtype, onProgress, runtime.store);

    onStage('rewrite');
    let rewrite;
    try {
      // One rewrite: outputs the graph lacks are dropped from `keepOutputs` by the rewrite itself.
      const keepOutputs = [
        ...(isDirectRegression(files.config) ? ['logits'] : []),
        'pooler_output',
      ];
      rewrite = rewriteForHiddenStates(files.onnx, {
        pooling: true,
        keepOutputs,
        expectedLayers: files.config.num_hidden_layers,
      });
    } catch (e) {
      if (e instanceof GraphError) throw new EngineError('not-encoder', e.message);
      if (e instanceof OnnxFormatError) {
        throw new EngineError(
          'bad-onnx',
          `${files.onnxFile} is not a complete ONNX model (${e.message}): the download may be truncated or the file corrupt. Retry the load.`,
        );
      }
      throw e;
    }

    onStage('session');
    const session = await createSession(
      runtime.ort,
      rewrite.bytes,
      runtime.backend,
      runtime.threads,
    );
    const layers = rewrite.hiddenStateTensors.length;
    const info: ModelInfo = {
      modelId: sourceLabel(options.source),
      modelType: files.config.model_type,
      backend: runtime.backend,
      dtype: options.dtype,
      threads: runtime.backend === 'webgpu' ? 0 : runtime.threads,
      adapter: runtime.adapter,
      layers,
      hidden: files.config.hidden_size,
      maxTokens: maxTokensOf(files.config, files.tokenizer),
      extraOutputs: rewrite.outputs.filter((o) => o === 'logits' || o === 'pooler_output'),
      isRegression: rewrite.outputs.includes('logits'),
      hasTrainedPooler:
        files.config.model_type === 'bert' && rewrite.outputs.includes('pooler_output'),
      prunedNodes: rewrite.prunedNodes,
      loadMs: 0,
      warmupMs: 0,
    };
    const padId = files.config.pad_token_id ?? files.tokenizer.pad_token_id ?? 0;
    const attention = new AttentionRunner({
      ort: runtime.ort,
      backend: runtime.backend,
      threads: runtime.threads,
      tokenizer: files.tokenizer,
      padId,
      maxTokens: info.maxTokens,
      expectedLayers: files.config.num_hidden_layers,
      readOnnx: files.readOnnx,
    });
    const engine = new Engine(info, runtime, session, files.tokenizer, padId, attention);

    onStage('warmup');
    const warmStart = performance.now();
    try {
      await engine.encode(WARMUP_TEXT);
    } catch (e) {
      await session.release().catch(() => undefined);
      throw e;
    }
    info.warmupMs = performance.now() - warmStart;
    info.loadMs = performance.now() - started;
    return engine;
  }

  /** The windows a batch run reads for a token sequence: one if it fits, overlapping ones if not. */
  windowsOf(ids: readonly number[]): TokenWindow[] {
    const { maxTokens } = this.info;
    return tokenWindows(ids, maxTokens, Math.floor((maxTokens - 2) / 4));
  }

  /** Token ids of a text with special tokens, before any cut. */
  tokenIds(text: string): number[] {
    return this.tokenizer.encode(text);
  }

  /** Tokenises a text as the single-text views see it (cut to the model's length). */
  tokenize(text: string): Tokenized {
    return tokenize(this.tokenizer, text, this.info.maxTokens);
  }

  /**
   * A ridge head's score of one text as an intercept plus one term per token, read in the batch
   * path's windows, with the tokens grouped into words (see contribute.ts). `onWindow` sees each
   * window's states as it is read.
   */
  contribute(
    text: string,
    head: RidgeHead,
    onWindow?: (window: ContributionWindow) => void,
  ): Promise<ContributedText> {
    const { layers, hidden } = this.info;
    const { runtime, session, tokenizer, padId } = this;
    return contributeText(
      {
        ort: runtime.ort,
        session,
        tokenizer,
        padId,
        layers,
        hidden,
        windowsOf: (ids) => this.windowsOf(ids),
      },
      text,
      head,
      onWindow,
    );
  }

  /** Every layer's hidden state for one text. */
  async encode(text: string): Promise<EncodedText> {
    return (await this.encodeMany([text]))[0];
  }

  /**
   * Every layer's hidden state for several texts, run as length-bucketed padded batches; each
   * result holds only its own tokens.
   */
  async encodeMany(texts: readonly string[], maxBatch = 8): Promise<EncodedText[]> {
    const { layers, hidden } = this.info;
    const tokenized = texts.map((t) => this.tokenize(t));
    const batches = planBatches(
      tokenized.map((t) => t.ids.length),
      maxBatch,
      this.batchTokenBudget(),
    );
    const fetches = [HIDDEN_STATES];
    const results = new Array<EncodedText>(texts.length);
    for (const batch of batches) {
      const rows = batch.map((i) => tokenized[i]);
      const { seqLen, outputs } = await runBatch(
        this.runtime.ort,
        this.session,
        rows,
        this.padId,
        fetches,
      );
      const all = toFloat32(outputs[HIDDEN_STATES]); // [layers, batch, seqLen, hidden]
      batch.forEach((textIndex, b) => {
        const t = tokenized[textIndex];
        const n = t.ids.length;
        const states = textStates(all, layers, batch.length, seqLen, hidden, b, n);
        results[textIndex] = {
          tokens: t.ids.map((id) => this.tokenizer.decode([id])),
          ids: t.ids,
          truncation: t.totalTokens > n ? { keptTokens: n, totalTokens: t.totalTokens } : null,
          layers,
          hidden,
          states,
        };
      });
    }
    return results;
  }

  /** Padded tokens per batch, so the stacked hidden states stay inside device buffers. */
  private batchTokenBudget(): number {
    const { layers, hidden, maxTokens } = this.info;
    // Half the binding: the stacked states and an intermediate of the same size may coexist.
    const deviceFloats = this.maxBindingBytes / 8;
    const floats = Math.min(STACKED_FLOAT_BUDGET, deviceFloats);
    return Math.max(maxTokens, Math.floor(floats / (layers * hidden)));
  }

  /**
   * Pooled vectors `[count, layers, hidden]` for many texts, in length-bucketed padded batches.
   * Texts longer than the model are read in overlapping windows and combined (see `windows`).
   * With `tokens`, also each text's last-layer token states (its first window), raw or projected.
   */
  async embed(
    texts: readonly string[],
    pooling: readonly BatchPooling[],
    onProgress: (done: number, total: number) => void = () => {},
    signal?: AbortSignal,
    maxBatch = this.runtime.backend === 'webgpu' ? 32 : 16,
    tokens?: TokenRequest,
  ): Promise<EmbeddedBatch> {
    const { layers, hidden } = this.info;
    if (pooling.includes('pooler') && !this.info.extraOutputs.includes('pooler_output')) {
      throw new EngineError(
        'not-encoder',
        'This model has no pooler output; choose another pooling.',
      );
    }
    if (tokens) checkTokenRequest(tokens, hidden);
    const row = layers * hidden;
    const fullIds = texts.map((t) => this.tokenizer.encode(t));
    // A text's first window is what `tokenize` keeps, so token states match the single-text views.
    const windows: { text: number; ids: number[]; isFirst: boolean }[] = [];
    fullIds.forEach((ids, text) => {
      this.windowsOf(ids).forEach((w, k) => windows.push({ text, ids: w.ids, isFirst: k === 0 }));
    });
    const batches = planBatches(
      windows.map((w) => w.ids.length),
      maxBatch,
      this.batchTokenBudget(),
    );

    const sizeOf = (p: BatchPooling) => texts.length * (p === 'pooler' ? hidden : row);
    const pooled: Partial<Record<BatchPooling, Float32Array>> = {};
    for (const p of pooling)
      pooled[p] = new Float32Array(sizeOf(p)).fill(p === 'max' ? -Infinity : 0);
    const scores = this.info.isRegression ? new Float32Array(texts.length) : undefined;
    const weightSum = new Float64Array(texts.length);
    const windowCount = new Uint16Array(texts.length);
    for (const w of windows) {
      weightSum[w.text] += w.ids.length;
      windowCount[w.text]++;
    }
    // Sized up front from the first windows' lengths, so only `dim`-wide rows are ever kept.
    let tokenStates: TokenStates | undefined;
    if (tokens) {
      const offsets = new Int32Array(texts.length + 1);
      for (const w of windows) if (w.isFirst) offsets[w.text + 1] = w.ids.length;
      for (let i = 0; i < texts.length; i++) offsets[i + 1] += offsets[i];
      const data = new Float32Array(offsets[texts.length] * tokens.dim);
      tokenStates = { dim: tokens.dim, offsets, data };
    }
    const device = pooling.filter((p): p is DevicePooling => p in POOLED_OUTPUTS);
    const wantsWk = pooling.includes('wk');
    const needsStates = wantsWk || tokenStates !== undefined;
    const fetches = [
      ...device.map((p) => POOLED_OUTPUTS[p]),
      ...(needsStates ? [HIDDEN_STATES] : []),
      ...(pooling.includes('pooler') ? ['pooler_output'] : []),
      ...(scores ? ['logits'] : []),
    ];
    const poolOptions = poolOptionsFor(layers);
    const wkLayers = validLayers('wk', layers, poolOptions);

    /** Adds one window's vector into its text's slot: length-weighted mean, or max. */
    const combine = (
      into: Float32Array,
      width: number,
      wi: number,
      src: ArrayLike<number>,
      isMax: boolean,
    ) => {
      const { text, ids } = windows[wi];
      const base = text * width;
      if (isMax) for (let k = 0; k < width; k++) into[base + k] = Math.max(into[base + k], src[k]);
      else {
        const weight = ids.length / weightSum[text];
        for (let k = 0; k < width; k++) into[base + k] += weight * src[k];
      }
    };

    let textsDone = 0;
    const windowsLeft = Uint16Array.from(windowCount);
    for (const batch of batches) {
      // Let a cancel message reach a worker's event loop: session runs resolve without yielding.
      if (signal) await new Promise((resolve) => setTimeout(resolve, 0));
      if (signal?.aborted) throw new EngineError('cancelled', 'The batch was cancelled.');
      const rows = batch.map((i) => ({ ids: windows[i].ids, totalTokens: windows[i].ids.length }));
      const { seqLen, outputs } = await runBatch(
        this.runtime.ort,
        this.session,
        rows,
        this.padId,
        fetches,
      );
      for (const p of device) {
        const data = toFloat32(outputs[POOLED_OUTPUTS[p]]); // [batch, layers, hidden]
        batch.forEach((wi, b) =>
          combine(pooled[p]!, row, wi, data.subarray(b * row, (b + 1) * row), p === 'max'),
        );
      }
      // [layers, batch, seqLen, hidden]
      const all = needsStates ? toFloat32(outputs[HIDDEN_STATES]) : null;
      if (all && wantsWk) {
        batch.forEach((wi, b) => {
          const n = windows[wi].ids.length;
          const states = textStates(all, layers, batch.length, seqLen, hidden, b, n);
          const one = { data: states, layers, tokens: n, hidden, mask: new Uint8Array(n).fill(1) };
          const wk = new Float32Array(row);
          for (const l of wkLayers) wk.set(pool(one, 'wk', l, poolOptions), l * hidden);
          combine(pooled.wk!, row, wi, wk, false);
        });
      }
      if (all && tokenStates) {
        const { dim, offsets, data } = tokenStates;
        const projection = tokens?.projection ?? null;
        batch.forEach((wi, b) => {
          const { text, ids, isFirst } = windows[wi];
          if (!isFirst) return;
          const out = data.subarray(offsets[text] * dim, offsets[text + 1] * dim);
          // Last layer, this row's real tokens only: padded positions never reach the output.
          const from = ((layers - 1) * batch.length + b) * seqLen * hidden;
          const states = all.subarray(from, from + ids.length * hidden); // [tokens, hidden]
          if (projection) projectTokens(states, hidden, projection, out);
          else out.set(states);
        });
      }
      if (pooling.includes('pooler')) {
        const data = toFloat32(outputs.pooler_output); // [batch, hidden]
        batch.forEach((wi, b) =>
          combine(pooled.pooler!, hidden, wi, data.subarray(b * hidden, (b + 1) * hidden), false),
        );
      }
      if (scores) {
        const logits = toFloat32(outputs.logits);
        batch.forEach((wi, b) => combine(scores, 1, wi, [logits[b]], false));
      }
      for (const wi of batch) if (--windowsLeft[windows[wi].text] === 0) textsDone++;
      onProgress(textsDone, texts.length);
    }
    return {
      count: texts.length,
      layers,
      hidden,
      pooled,
      scores,
      tokenCounts: Int32Array.from(fullIds, (ids) => ids.length),
      windows: windowCount,
      ...(tokenStates ? { tokens: tokenStates } : {}),
    };
  }

  /** Sizes later batches to a device's largest storage binding (bytes). */
  limitBatchBytes(bytes: number): void {
    this.maxBindingBytes = bytes;
  }

  /** Frees the session. */
  async release(): Promise<void> {
    await this.attention.release();
    await this.session.release();
  }

  /** Every layer's attention probabilities for one text; the first call starts their session. */
  attend(text: string): Promise<AttendedText> {
    return this.attention.attend(text);
  }
}
