import { describe, expect, it, vi } from 'vitest';
import { textColumns } from '../../src/readability/columns.ts';
import { predictLite } from '../../src/readability/lite.ts';
import { contributions } from '../../src/readability/sentences.ts';
import type {
  ReadabilityEvent,
  ReadabilityRequest,
} from '../../src/ui/workers/readabilityProtocol.ts';

const TEXT =
  'The cat sat on the mat. Notwithstanding epistemological caveats, it stayed. We had fun.';

/** The worker's message loop, run here with a stand-in for the worker's global scope. */
async function startWorker() {
  const events: ReadabilityEvent[] = [];
  const scope = {
    postMessage: (e: ReadabilityEvent) => events.push(e),
    onmessage: null as ((e: { data: ReadabilityRequest }) => void) | null,
  };
  vi.stubGlobal('self', scope);
  vi.resetModules();
  await import('../../src/ui/workers/readability.worker.ts');
  const send = (r: ReadabilityRequest) => scope.onmessage!({ data: r });
  const settled = (requestId: number) =>
    vi.waitFor(() => {
      const last = events.filter((e) => e.requestId === requestId).at(-1);
      if (!last || last.status === 'scores') throw new Error('not yet');
      return last;
    });
  return { events, send, settled };
}

describe('readability worker', () => {
  it('sends the scores, then the same contributions as on the page', async () => {
    const { events, send, settled } = await startWorker();
    send({ type: 'text', requestId: 1, channel: 'read', text: TEXT, sentences: true });
    const last = await settled(1);
    expect(events.map((e) => e.status)).toEqual(['scores', 'sentences']);
    const scores = events[0].status === 'scores' ? events[0].scores : null;
    expect(scores?.lite.target).toBe(predictLite(TEXT).target);
    expect(scores?.formulas).toHaveLength(8);
    expect(last.status === 'sentences' && last.contributions).toEqual(
      await contributions(TEXT, (t) => predictLite(t).target),
    );
  });

  it('abandons a text when a newer one arrives on its channel, not on another', async () => {
    const { events, send, settled } = await startWorker();
    send({ type: 'text', requestId: 1, channel: 'read', text: TEXT, sentences: true });
    send({ type: 'text', requestId: 2, channel: 'other', text: 'A dog.', sentences: false });
    send({ type: 'text', requestId: 3, channel: 'read', text: `${TEXT} More.`, sentences: true });
    expect((await settled(3)).status).toBe('sentences');
    expect((await settled(1)).status).toBe('superseded');
    expect(events.filter((e) => e.requestId === 2).map((e) => e.status)).toEqual(['scores']);
  });

  it('answers every batch chunk with the lite and formula columns', async () => {
    const { events, send } = await startWorker();
    send({ type: 'columns', requestId: 7, texts: [TEXT, 'Short.'] });
    send({ type: 'columns', requestId: 8, texts: ['Another text here.'] });
    await vi.waitFor(() => expect(events).toHaveLength(2));
    expect(events[0]).toMatchObject({
      status: 'columns',
      requestId: 7,
      columns: [textColumns(TEXT), textColumns('Short.')],
    });
    expect(events[1]).toMatchObject({ status: 'columns', requestId: 8 });
  });
});
