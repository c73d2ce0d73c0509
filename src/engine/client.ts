/**
 * The page's handle on the inference worker: promise-based calls over the typed protocol. After
 * any error the worker is replaced, because a failed session or promise poisons it for later runs.
 */
import type { RidgeHead } from '../analysis/head.ts';
import type {
  AttendedText,
  ContributedText,
  BatchPooling,
  EmbeddedBatch,
  EncodedText,
  EngineErrorInfo,
  EngineEvent,
  EngineRequest,
  FileProgress,
  LoadOptions,
  ModelInfo,
  TokenRequest,
} from './protocol.ts';

/** What dtype files a source holds, read on the page (metadata only). */
export { listDtypeFiles, type DtypeFile } from './listing.ts';
/** What `auto` resolves to in this browser (WebGPU where an adapter is offered), for the dtype default. */
export { autoBackend } from './session.ts';

/** An engine failure as seen by the page. */
export class EngineCallError extends Error {
  override name = 'EngineCallError';
  constructor(readonly info: EngineErrorInfo) {
    super(info.message);
  }
}

interface Pending {
  resolve: (event: EngineEvent) => void;
  reject: (error: EngineCallError) => void;
  onEvent?: (event: EngineEvent) => void;
}

type RequestBody = EngineRequest extends infer R
  ? R extends EngineRequest
    ? Omit<R, 'requestId'>
    : never
  : never;

export interface EngineClientOptions {
  /** Creates the worker; tests may pass their own factory. */
  createWorker?: () => Worker;
  /** Told when a worker was replaced after an error it did not recover from. */
  onRestart?: (reason: EngineErrorInfo) => void;
  /** Told, in a sentence, when the engine changed course on its own (smaller batches, WASM). */
  onNotice?: (message: string) => void;
  /** Told each time a model is ready, including reloads the client made to recover. */
  onReady?: (info: ModelInfo) => void;
}

/** Texts per batch the recovery starts halving from when none was set. */
const FIRST_BATCH = 32;

const defaultWorker = () =>
  new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'readscope-engine' });

export class EngineClient {
  private worker: Worker;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private readonly createWorker: () => Worker;
  private lastLoad: LoadOptions | null = null;
  private backend: ModelInfo['backend'] | null = null;
  private recovering = false;

  constructor(private readonly options: EngineClientOptions = {}) {
    this.createWorker = options.createWorker ?? defaultWorker;
    this.worker = this.spawn();
  }

  private spawn(): Worker {
    const worker = this.createWorker();
    worker.onmessage = (e: MessageEvent<EngineEvent>) => this.receive(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      this.failAll({
        code: 'run',
        message: `The engine crashed (${e.message || 'worker error'}). It has been restarted; try again.`,
      });
    };
    return worker;
  }

  private receive(event: EngineEvent) {
    if (event.status === 'device-lost' && event.requestId === 0) {
      this.options.onNotice?.(`The GPU device was lost (${event.message}).`);
      return;
    }
    const p = this.pending.get(event.requestId);
    if (!p) return;
    switch (event.status) {
      case 'progress':
      case 'loading-stage':
      case 'batch-progress':
        p.onEvent?.(event);
        return;
      case 'error':
        this.pending.delete(event.requestId);
        p.reject(new EngineCallError(event.error));
        // A cancel stops between batches, and an export whose attention cannot be shown or a head
        // with no split fails before any session runs: the worker and its model stay.
        if (!['cancelled', 'no-attention', 'no-split'].includes(event.error.code)) {
          this.restart(event.error);
        }
        return;
      case 'ready':
      case 'encoded':
      case 'attended':
      case 'contributed':
      case 'embedded':
      case 'device-lost':
        this.pending.delete(event.requestId);
        p.resolve(event);
        return;
    }
  }

  private failAll(info: EngineErrorInfo) {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(new EngineCallError(info));
    this.restart(info);
  }

  /** Replaces the worker; whatever model it held must be loaded again. */
  private restart(reason: EngineErrorInfo) {
    this.worker.terminate();
    this.worker = this.spawn();
    // A lost device or exhausted memory is recovered from by the call that met it.
    const recoverable = reason.code === 'device-lost' || reason.code === 'out-of-memory';
    if (!this.recovering && !(recoverable && this.lastLoad)) this.options.onRestart?.(reason);
  }

  private send(body: RequestBody, onEvent?: (e: EngineEvent) => void) {
    const requestId = this.nextId++;
    const done = new Promise<EngineEvent>((resolve, reject) => {
      this.pending.set(requestId, { resolve, reject, onEvent });
      this.worker.postMessage({ ...body, requestId } as EngineRequest);
    });
    return { requestId, done };
  }

  private call(body: RequestBody, onEvent?: (e: EngineEvent) => void): Promise<EngineEvent> {
    return this.send(body, onEvent).done;
  }

  /** Loads a model; resolves when it is warmed up and ready. */
  async load(
    options: LoadOptions,
    onProgress?: (p: FileProgress) => void,
    onStage?: (stage: string) => void,
  ): Promise<ModelInfo> {
    const event = await this.call({ type: 'load', options }, (e) => {
      if (e.status === 'progress') onProgress?.(e.progress);
      if (e.status === 'loading-stage') onStage?.(e.stage);
    });
    if (event.status !== 'ready') throw new Error(`unexpected ${event.status}`);
    this.lastLoad = options;
    this.backend = event.info.backend;
    this.options.onReady?.(event.info);
    return event.info;
  }

  /**
   * Runs `attempt`; after a lost GPU device or an out-of-memory error (the worker is replaced by
   * then), reloads the model — with half the batch, or on WASM once batches are down to one or
   * the device is gone — and tries again, telling the user what changed.
   */
  private async withRecovery<T>(attempt: (maxBatch?: number) => Promise<T>): Promise<T> {
    let maxBatch: number | undefined;
    for (;;) {
      try {
        return await attempt(maxBatch);
      } catch (e) {
        const options = this.lastLoad;
        if (!(e instanceof EngineCallError) || !options) throw e;
        const { code } = e.info;
        if (code !== 'device-lost' && code !== 'out-of-memory') throw e;
        const smaller = code === 'out-of-memory' ? Math.floor((maxBatch ?? FIRST_BATCH) / 2) : 0;
        const toWasm = smaller < 1 && this.backend === 'webgpu';
        if (smaller < 1 && !toWasm) throw e;
        this.options.onNotice?.(
          toWasm
            ? `${e.info.message} readscope reloaded the model on WASM and carried on; it will be slower.`
            : `${e.info.message} readscope retried with batches of ${smaller}.`,
        );
        this.recovering = true;
        try {
          await this.load(toWasm ? { ...options, backend: 'wasm' } : options);
        } finally {
          this.recovering = false;
        }
        maxBatch = toWasm ? undefined : smaller;
      }
    }
  }

  /** Every layer's attention probabilities for one text (a second session, started on first use). */
  async attend(text: string): Promise<AttendedText> {
    return this.withRecovery(async () => {
      const event = await this.call({ type: 'attend', text });
      if (event.status !== 'attended') throw new Error(`unexpected ${event.status}`);
      return event.result;
    });
  }

  /** A ridge head's score of one text split exactly over its tokens and words. */
  async contribute(text: string, head: RidgeHead): Promise<ContributedText> {
    return this.withRecovery(async () => {
      const event = await this.call({ type: 'contribute', text, head });
      if (event.status !== 'contributed') throw new Error(`unexpected ${event.status}`);
      return event.result;
    });
  }

  /** Every layer's hidden state for one text. */
  async encode(text: string): Promise<EncodedText> {
    return this.withRecovery(async () => {
      const event = await this.call({ type: 'encode', text });
      if (event.status !== 'encoded') throw new Error(`unexpected ${event.status}`);
      return event.result;
    });
  }

  /**
   * Pooled vectors for many texts; `signal` cancels between batches; `tokens` also asks for each
   * text's last-layer token states, raw or projected.
   */
  async embed(
    texts: string[],
    pooling: BatchPooling[],
    onProgress?: (done: number, total: number) => void,
    signal?: AbortSignal,
    tokens?: TokenRequest,
  ): Promise<EmbeddedBatch> {
    return this.withRecovery(async (maxBatch) => {
      const body: RequestBody = { type: 'embed', texts, pooling, maxBatch, tokens };
      const { requestId, done } = this.send(body, (e) => {
        if (e.status === 'batch-progress') onProgress?.(e.done, e.total);
      });
      const cancel: EngineRequest = { type: 'cancel', requestId };
      const onAbort = () => this.worker.postMessage(cancel);
      signal?.addEventListener('abort', onAbort);
      try {
        const event = await done;
        if (event.status !== 'embedded') throw new Error(`unexpected ${event.status}`);
        return event.result;
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    });
  }

  /** Destroys the GPU device under the running model, as a driver reset would (for tests). */
  async simulateDeviceLoss(): Promise<string> {
    const event = await this.call({ type: 'simulate-device-loss' });
    if (event.status !== 'device-lost') throw new Error(`unexpected ${event.status}`);
    return event.message;
  }

  /** Stops the worker for good. */
  dispose() {
    this.worker.terminate();
    this.pending.clear();
  }
}
