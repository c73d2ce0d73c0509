/**
 * The page's handle on the inference worker: promise-based calls over the typed protocol. After
 * any error the worker is replaced, because a failed session or promise poisons it for later runs.
 */
import type {
  BatchPooling,
  EmbeddedBatch,
  EncodedText,
  EngineErrorInfo,
  EngineEvent,
  EngineRequest,
  FileProgress,
  LoadOptions,
  ModelInfo,
} from './protocol.ts';

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
  /** Told each time a worker is replaced after an error. */
  onRestart?: (reason: EngineErrorInfo) => void;
}

const defaultWorker = () =>
  new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'readscope-engine' });

export class EngineClient {
  private worker: Worker;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private readonly createWorker: () => Worker;

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
        this.restart(event.error);
        return;
      case 'ready':
      case 'encoded':
      case 'embedded':
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
    this.options.onRestart?.(reason);
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
    return event.info;
  }

  /** Every layer's hidden state for one text. */
  async encode(text: string): Promise<EncodedText> {
    const event = await this.call({ type: 'encode', text });
    if (event.status !== 'encoded') throw new Error(`unexpected ${event.status}`);
    return event.result;
  }

  /** Pooled vectors for many texts; `signal` cancels between batches. */
  async embed(
    texts: string[],
    pooling: BatchPooling[],
    onProgress?: (done: number, total: number) => void,
    signal?: AbortSignal,
  ): Promise<EmbeddedBatch> {
    const { requestId, done } = this.send({ type: 'embed', texts, pooling }, (e) => {
      if (e.status === 'batch-progress') onProgress?.(e.done, e.total);
    });
    const cancel: EngineRequest = { type: 'cancel', requestId };
    signal?.addEventListener('abort', () => this.worker.postMessage(cancel));
    const event = await done;
    if (event.status !== 'embedded') throw new Error(`unexpected ${event.status}`);
    return event.result;
  }

  /** Stops the worker for good. */
  dispose() {
    this.worker.terminate();
    this.pending.clear();
  }
}
