/**
 * The page's handle on the sweep worker. Cancelling ends the worker (a sweep is one long
 * synchronous loop); the next call starts a fresh one.
 */
import type { RidgeModel, SweepEntry } from '../../analysis/ridge.ts';
import type { SweepCellId } from '../fitRun.ts';
import type { SweepEvent, SweepRequest } from './sweepProtocol.ts';

type Body<T extends SweepRequest['type']> = Omit<Extract<SweepRequest, { type: T }>, 'requestId'>;

const createWorker = () =>
  new Worker(new URL('./sweep.worker.ts', import.meta.url), {
    type: 'module',
    name: 'readscope-sweep',
  });

export class SweepClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private pending = new Map<
    number,
    { onEvent: (e: SweepEvent) => void; fail: (m: string) => void }
  >();

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const worker = createWorker();
    worker.onmessage = (e: MessageEvent<SweepEvent>) =>
      this.pending.get(e.data.requestId)?.onEvent(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      this.reset(`The sweep stopped (${e.message || 'worker error'}). Run it again.`);
    };
    this.worker = worker;
    return worker;
  }

  private request<T>(
    body: Body<'sweep'> | Body<'inspect'>,
    onEvent: (e: SweepEvent, resolve: (v: T) => void) => void,
    transfer: Transferable[] = [],
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
      this.ensure().postMessage({ ...body, requestId } as SweepRequest, transfer);
    });
  }

  /** Runs the sweep; the table's buffers move to the worker, which keeps them for `inspect`. */
  sweep(body: Body<'sweep'>, onEntry?: (entry: SweepEntry, done: number, total: number) => void) {
    const buffers = Object.values(body.table.pooled).map((a) => a.buffer);
    return this.request<SweepEntry[]>(
      body,
      (e, resolve) => {
        if (e.status === 'entry') onEntry?.(e.entry, e.done, e.total);
        if (e.status === 'swept') resolve(e.entries);
      },
      buffers,
    );
  }

  /** One cell's out-of-fold predictions and its fit on every row at `alpha`. */
  inspect(cell: SweepCellId, alpha: number) {
    return this.request<{ outOfFold: Float64Array; model: RidgeModel }>(
      { type: 'inspect', cell, alpha },
      (e, resolve) => {
        if (e.status === 'inspected') resolve({ outOfFold: e.outOfFold, model: e.model });
      },
    );
  }

  /** Ends the worker and fails whatever was pending with `message`. */
  reset(message = 'The sweep was cancelled.') {
    this.worker?.terminate();
    this.worker = null;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.fail(message);
  }
}
