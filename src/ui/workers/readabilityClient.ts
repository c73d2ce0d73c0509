/**
 * The page's handle on the readability worker. The worker starts on the first request; a crash
 * fails what was pending and the next request starts a fresh one.
 */
import type { SentenceContribution } from '../../readability/sentences.ts';
import type { ReadabilityEvent, ReadabilityRequest, TextScores } from './readabilityProtocol.ts';

/** Why a text's promise rejects when a newer text on its channel replaced it. */
export class SupersededError extends Error {
  constructor() {
    super('a newer text replaced this one');
    this.name = 'SupersededError';
  }
}

const createWorker = () =>
  new Worker(new URL('./readability.worker.ts', import.meta.url), {
    type: 'module',
    name: 'readscope-readability',
  });

type Body<T extends ReadabilityRequest['type']> = Omit<
  Extract<ReadabilityRequest, { type: T }>,
  'requestId'
>;

interface Pending {
  onEvent: (e: ReadabilityEvent) => void;
  fail: (error: Error) => void;
}

export class ReadabilityClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const worker = createWorker();
    worker.onmessage = (e: MessageEvent<ReadabilityEvent>) =>
      this.pending.get(e.data.requestId)?.onEvent(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      this.reset(`The readability worker stopped (${e.message || 'worker error'}).`);
    };
    this.worker = worker;
    return worker;
  }

  private send(body: Body<'text'> | Body<'columns'>, pending: (requestId: number) => Pending) {
    const requestId = this.nextId++;
    this.pending.set(requestId, pending(requestId));
    this.ensure().postMessage({ ...body, requestId } as ReadabilityRequest);
  }

  /**
   * The lite score and formulas of `text`; with `onSentences`, its hard-sentence contributions
   * follow. Rejects with SupersededError when a newer text on `channel` replaces it first.
   */
  score(
    channel: string,
    text: string,
    onSentences?: (text: string, contributions: SentenceContribution[]) => void,
  ): Promise<TextScores> {
    return new Promise((resolve, reject) => {
      this.send({ type: 'text', channel, text, sentences: !!onSentences }, (requestId) => {
        const done = () => this.pending.delete(requestId);
        return {
          fail: reject,
          onEvent: (e) => {
            switch (e.status) {
              case 'scores':
                if (!onSentences) done();
                return resolve(e.scores);
              case 'sentences':
                done();
                return onSentences?.(e.text, e.contributions);
              case 'superseded':
                done();
                return reject(new SupersededError());
              case 'error':
                done();
                return reject(new Error(e.message));
              case 'columns':
                return;
            }
          },
        };
      });
    });
  }

  /** The lite score and formula columns of each text, in order. */
  columns(texts: readonly string[]): Promise<Record<string, number>[]> {
    return new Promise((resolve, reject) => {
      this.send({ type: 'columns', texts: [...texts] }, (requestId) => ({
        fail: reject,
        onEvent: (e) => {
          if (e.status !== 'columns' && e.status !== 'error') return;
          this.pending.delete(requestId);
          if (e.status === 'error') reject(new Error(e.message));
          else resolve(e.columns);
        },
      }));
    });
  }

  /** Ends the worker and fails whatever was pending with `message`. */
  reset(message = 'The readability worker was closed.') {
    this.worker?.terminate();
    this.worker = null;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.fail(new Error(message));
  }
}
