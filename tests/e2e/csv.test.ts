/**
 * The CSV reader where the engine will run it: in a module Worker on a real File, with progress
 * and cancellation, on a file big enough that a chunking bug would show.
 */
import type { Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { openPage, serveAppInChromium } from '../support/browser.ts';

// Plain JS run in the worker; written as a string because vitest rewrites `import()` in this file.
const WORKER_SOURCE = `
self.onmessage = async ({ data: { file, abortAfter } }) => {
  const { parseTestCsv } = await import(location.origin + '/src/data/csv.ts');
  const controller = new AbortController();
  const progress = [];
  const started = performance.now();
  try {
    const parsed = await parseTestCsv(file, {
      signal: controller.signal,
      onProgress: (p) => {
        progress.push(p.bytesRead);
        if (progress.length === abortAfter) controller.abort();
      },
    });
    const last = parsed.results.at(-1);
    const problems = parsed.results.filter((r) => !r.ok).map((r) => [r.line, r.code]);
    self.postMessage({
      rows: parsed.results.length,
      last: last.ok ? [last.row.id, last.row.line, last.row.text.length] : null,
      problems,
      progress,
      ms: performance.now() - started,
    });
  } catch (e) {
    self.postMessage({ error: e.name, progress });
  }
};`;

// One row = two physical lines: the text holds one CRLF inside its quotes.
const TEXT = `${'Caf\u00e9 "quoted", text \ud83e\udd8a. '.repeat(40)}\r\nA second line.`;

/** What the worker posts back; `error` is set instead of the rest when the parse failed. */
interface WorkerReply {
  rows?: number;
  last?: [id: string, line: number, textLength: number] | null;
  problems?: [line: number, code: string][];
  progress: number[];
  ms?: number;
  error?: string;
}

const env = serveAppInChromium();
let page: Page;

beforeAll(async () => {
  page = await openPage(env.browser, env.url);
});

/** Builds a ~20 MB test.csv in the page and parses it in a worker. */
function parseInWorker(abortAfter: number): Promise<WorkerReply & { size: number }> {
  return page.evaluate(
    async ({ source, abortAfter, text }) => {
      const ROWS = 20_000;
      const lines = ['id,url_legal,license,excerpt'];
      for (let i = 0; i < ROWS; i++) {
        lines.push(`id${i},,,"${text.replaceAll('"', '""')}"`);
        if (i === 12_345) lines.push(`id${i},,,duplicate`);
      }
      const file = new File([lines.join('\r\n')], 'test.csv', { type: 'text/csv' });
      const worker = new Worker(
        URL.createObjectURL(new Blob([source], { type: 'text/javascript' })),
        {
          type: 'module',
        },
      );
      const reply = await new Promise<WorkerReply>((resolve) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.onerror = (e) => resolve({ error: e.message, progress: [] });
        worker.postMessage({ file, abortAfter });
      });
      worker.terminate();
      return { ...reply, size: file.size };
    },
    { source: WORKER_SOURCE, abortAfter, text: TEXT },
  );
}

it('parses a 20 MB File in a worker with progress, lines right across chunks', async () => {
  const out = await parseInWorker(-1);
  expect(out.size).toBeGreaterThan(20 * 1024 * 1024);
  expect(out.rows).toBe(20_001);
  // Each row spans two physical lines; the duplicate row after id12345 spans one.
  expect(out.problems).toEqual([[2 + 12_346 * 2, 'duplicate-id']]);
  expect(out.last).toEqual(['id19999', 2 + 19_999 * 2 + 1, TEXT.length]);
  expect(out.progress.length).toBeGreaterThan(15);
  expect(out.progress.at(-1)).toBe(out.size);
  console.log(
    `parsed ${(out.size / 2 ** 20).toFixed(1)} MB in a worker in ${Math.round(out.ms ?? 0)} ms`,
  );
});

it('stops a parse in a worker when its signal is aborted', async () => {
  const out = await parseInWorker(3);
  expect(out.error).toBe('AbortError');
  expect(out.progress).toHaveLength(3);
});
