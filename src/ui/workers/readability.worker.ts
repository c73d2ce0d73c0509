/// <reference lib="webworker" />
/**
 * The readability worker: the lite model, the classic formulas and the leave-one-sentence-out
 * contributions, off the page (a 500-token text's contributions take most of a second). A message
 * loop around readability/, nothing else; a newer text on a channel abandons the older one between
 * sentences, so typing never queues stale work.
 */
import { textColumns } from '../../readability/columns.ts';
import { formulas } from '../../readability/formulas.ts';
import { predictLite } from '../../readability/lite.ts';
import { contributions } from '../../readability/sentences.ts';
import type { ReadabilityEvent, ReadabilityRequest } from './readabilityProtocol.ts';

declare const self: DedicatedWorkerGlobalScope;

const post = (event: ReadabilityEvent) => self.postMessage(event);
const ms = (since: number) => performance.now() - since;

class Superseded extends Error {}

// Lets queued messages run: a MessageChannel task, which (unlike a nested timeout) is not clamped.
const breathe = () =>
  new Promise<void>((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });

function serve() {
  const latest = new Map<string, number>(); // channel → newest requestId
  const queue: ReadabilityRequest[] = [];
  let isDraining = false;

  const scoreText = async (r: Extract<ReadabilityRequest, { type: 'text' }>) => {
    const check = () => {
      if (latest.get(r.channel) !== r.requestId) throw new Superseded();
    };
    check();
    const started = performance.now();
    const scores = { text: r.text, lite: predictLite(r.text), formulas: formulas(r.text) };
    post({ status: 'scores', requestId: r.requestId, scores, ms: ms(started) });
    if (!r.sentences) return;
    // One sentence at a time, each after the messages that came in meanwhile.
    let turn = Promise.resolve();
    const score = (t: string) => {
      const mine = turn.then(async () => {
        await breathe();
        check();
        return predictLite(t).target;
      });
      turn = mine.then(
        () => undefined,
        () => undefined,
      );
      return mine;
    };
    const found = await contributions(r.text, score);
    post({
      status: 'sentences',
      requestId: r.requestId,
      text: r.text,
      contributions: found,
      ms: ms(started),
    });
  };

  const handle = async (r: ReadabilityRequest) => {
    switch (r.type) {
      case 'text':
        return scoreText(r);
      case 'columns': {
        const started = performance.now();
        post({
          status: 'columns',
          requestId: r.requestId,
          columns: r.texts.map(textColumns),
          ms: ms(started),
        });
        return;
      }
    }
  };

  const drain = async () => {
    isDraining = true;
    for (let r = queue.shift(); r; r = queue.shift()) {
      try {
        await handle(r);
      } catch (err) {
        if (err instanceof Superseded) post({ status: 'superseded', requestId: r.requestId });
        else
          post({
            status: 'error',
            requestId: r.requestId,
            message: err instanceof Error ? err.message : String(err),
          });
      }
    }
    isDraining = false;
  };

  self.onmessage = (e: MessageEvent<ReadabilityRequest>) => {
    const r = e.data;
    if (r.type === 'text') latest.set(r.channel, r.requestId);
    queue.push(r);
    if (!isDraining) void drain();
  };
}

serve();
