/// <reference lib="webworker" />
/**
 * The CSV worker: hashes and parses an uploaded file off the page, streaming through papaparse,
 * so a 50 MB file never freezes the UI. The inference worker stays free for the model.
 */
import { parseTestCsv, parseTrainCsv, type ParseProgress } from './csv.ts';
import { isDataError } from './errors.ts';
import { hashBytes } from './hash.ts';
import type { ParseEvent, ParseRequest } from './parseProtocol.ts';

declare const self: DedicatedWorkerGlobalScope;

/** Progress events at most this often, so a fast parse does not flood the page. */
const PROGRESS_MS = 100;

function post(event: ParseEvent) {
  self.postMessage(event);
}

async function parse({ kind, file }: ParseRequest) {
  let last = 0;
  const onProgress = (progress: ParseProgress) => {
    const now = performance.now();
    if (now - last < PROGRESS_MS && progress.bytesRead < progress.totalBytes) return;
    last = now;
    post({ status: 'progress', progress });
  };
  const parsed =
    kind === 'test'
      ? await parseTestCsv(file, { onProgress })
      : await parseTrainCsv(file, { onProgress });
  // The hash keys saved progress: the same bytes resume the same batch, whatever the file's name.
  const fileHash = await hashBytes(file);
  post({ status: 'parsed', parsed, fileHash });
}

self.onmessage = (e: MessageEvent<ParseRequest>) => {
  parse(e.data).catch((err: unknown) => {
    post({
      status: 'error',
      error: isDataError(err)
        ? { code: err.code, message: err.message }
        : { code: 'read-failed', message: `The file could not be read (${String(err)}).` },
    });
  });
};
