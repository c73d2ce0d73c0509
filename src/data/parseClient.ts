/**
 * The page's handle on the CSV worker: one worker per file, ended when the parse ends or is
 * cancelled (ending the worker is the cancel: nothing else is running in it).
 */
import type { ParsedCsv, ParseProgress } from './csv.ts';
import type {
  CsvKind,
  CsvRows,
  ParseErrorInfo,
  ParseEvent,
  ParseRequest,
} from './parseProtocol.ts';

/** A failed parse as the page sees it: a code and a sentence a person can act on. */
export class ParseFailure extends Error {
  override name = 'ParseFailure';
  constructor(readonly info: ParseErrorInfo) {
    super(info.message);
  }
}

/** A parsed file and the SHA-256 of its bytes. */
export interface ParsedFile<K extends CsvKind> {
  parsed: ParsedCsv<CsvRows[K]>;
  fileHash: string;
}

const createWorker = () =>
  new Worker(new URL('./parse.worker.ts', import.meta.url), {
    type: 'module',
    name: 'readscope-csv',
  });

/** Parses a file in a worker; rejects with a ParseFailure for a file that cannot be used. */
export function parseFile<K extends CsvKind>(
  file: Blob,
  kind: K,
  onProgress?: (p: ParseProgress) => void,
  signal?: AbortSignal,
): Promise<ParsedFile<K>> {
  return new Promise((resolve, reject) => {
    const worker = createWorker();
    const finish = () => {
      worker.terminate();
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      finish();
      reject(new ParseFailure({ code: 'cancelled', message: 'Reading the file was cancelled.' }));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort);
    worker.onmessage = (e: MessageEvent<ParseEvent>) => {
      const event = e.data;
      switch (event.status) {
        case 'progress':
          onProgress?.(event.progress);
          return;
        case 'parsed':
          finish();
          // The worker ran the parser `kind` names, so the rows have that kind's shape.
          resolve({ parsed: event.parsed as ParsedCsv<CsvRows[K]>, fileHash: event.fileHash });
          return;
        case 'error':
          finish();
          reject(new ParseFailure(event.error));
          return;
      }
    };
    worker.onerror = (e) => {
      e.preventDefault();
      finish();
      reject(
        new ParseFailure({
          code: 'crashed',
          message: `The file reader stopped (${e.message || 'worker error'}). Choose the file again.`,
        }),
      );
    };
    worker.postMessage({ type: 'parse', kind, file } satisfies ParseRequest);
  });
}
