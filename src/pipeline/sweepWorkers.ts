/**
 * A pool of sweep workers, each running `sweepHandler`: Web Workers in the tab
 * (ui/workers/webSweepWorkers.ts), worker threads in Node (cli/sweepPool.ts), or the handler in
 * place on this thread (`inlinePort`). Workers start on first use; requests carry an id, and a
 * worker's failure fails every pending request and ends the pool, so the next request starts
 * afresh.
 */
import { sweepHandler } from './sweepHandler.ts';
import type { SweepEvent, SweepRequest } from './sweepProtocol.ts';

/** A request as the driver writes it: the pool adds its id. */
export type SweepBody<T extends SweepRequest['type'] = SweepRequest['type']> = {
  [K in T]: Omit<Extract<SweepRequest, { type: K }>, 'requestId'>;
}[T];

/** One worker as the pool drives it. */
export interface SweepPort {
  /** Sends a request; the buffers in `transfer` move to the worker rather than being copied. */
  post(request: SweepRequest, transfer: ArrayBuffer[]): void;
  terminate(): void;
}

/** Starts worker `index`, whose events go to `onEvent` and whose failure to `onFailure`. */
export type OpenPort = (
  index: number,
  onEvent: (event: SweepEvent) => void,
  onFailure: (message: string) => void,
) => SweepPort;

/** The handler run in place, on this thread: a pool of one where no worker is wanted. */
export const inlinePort: OpenPort = (_index, onEvent) => {
  const handle = sweepHandler((event) => onEvent(event));
  return { post: (request) => handle(request), terminate: () => {} };
};

/**
 * Runs `jobs` in order on `workers` workers at once: each takes the next job as soon as its last
 * one is done, so a slow job holds up only its own worker. Once `stop` says so, or a job fails, no
 * further job starts.
 */
export async function deal<J>(
  jobs: readonly J[],
  workers: number,
  run: (job: J, worker: number) => Promise<void>,
  stop: () => boolean = () => false,
): Promise<void> {
  const queue = [...jobs];
  try {
    await Promise.all(
      Array.from({ length: Math.min(workers, queue.length) }, async (_, worker) => {
        for (let job = queue.shift(); job !== undefined && !stop(); job = queue.shift())
          await run(job, worker);
      }),
    );
  } finally {
    queue.length = 0;
  }
}

export class SweepWorkers {
  private ports: (SweepPort | null)[] = [];
  private nextId = 1;
  private pending = new Map<
    number,
    { onEvent: (e: SweepEvent) => void; fail: (message: string) => void }
  >();

  /** `size`: how many workers may run at once. */
  constructor(
    private readonly open: OpenPort,
    readonly size: number,
  ) {}

  private port(index: number): SweepPort {
    const existing = this.ports[index];
    if (existing) return existing;
    const port: SweepPort = this.open(
      index,
      (e) => this.pending.get(e.requestId)?.onEvent(e),
      (message) => {
        // A worker already ended (by `reset`) may still report it: only a live one counts.
        if (this.ports[index] === port) this.reset(`The sweep stopped (${message}). Run it again.`);
      },
    );
    this.ports[index] = port;
    return port;
  }

  /**
   * Sends `body` to worker `index`; `onEvent` hears its events until it resolves with the answer.
   * An 'error' event, or the worker's failure, rejects with its message.
   */
  request<T>(
    index: number,
    body: SweepBody,
    onEvent: (e: SweepEvent, resolve: (v: T) => void) => void,
    transfer: ArrayBuffer[] = [],
  ): Promise<T> {
    const requestId = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const fail = (message: string) => {
        this.pending.delete(requestId);
        reject(new Error(message));
      };
      this.pending.set(requestId, {
        fail,
        onEvent: (e) => {
          if (e.status === 'error') return fail(e.message);
          onEvent(e, (v) => {
            this.pending.delete(requestId);
            resolve(v);
          });
        },
      });
      this.port(index).post({ ...body, requestId } as SweepRequest, transfer);
    });
  }

  /** Ends every worker and fails whatever was pending with `message`. */
  reset(message: string): void {
    const ports = this.ports;
    this.ports = [];
    for (const p of ports) p?.terminate();
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.fail(message);
  }
}
