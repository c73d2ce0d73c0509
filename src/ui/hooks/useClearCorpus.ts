import { useCallback, useEffect, useRef, useState } from 'react';
import { goodRows, type LabelledRow } from '../../data/csv.ts';
import { parseFile } from '../../data/parseClient.ts';
import { CLEAR_CORPUS } from '../../pipeline/clearCorpus.ts';

/** The shipped corpus as the page has it: not asked for, arriving, read, or why not. */
export type ClearCorpusState =
  | { phase: 'idle' }
  | { phase: 'loading'; bytes: number; total: number | null }
  | { phase: 'ready'; rows: LabelledRow[] }
  | { phase: 'error'; message: string };

/** Where the page fetches the corpus from: beside the app, never inside its bundle. */
export const CLEAR_CORPUS_URL = `${import.meta.env.BASE_URL}${CLEAR_CORPUS.path}`;

/** The body of a response, read chunk by chunk so its progress can be shown. */
async function readBody(
  response: Response,
  onBytes: (bytes: number, total: number | null) => void,
): Promise<Blob> {
  const length = Number(response.headers.get('content-length'));
  const total = Number.isFinite(length) && length > 0 ? length : null;
  if (!response.body) return response.blob();
  const reader = response.body.getReader();
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    bytes += value.byteLength;
    onBytes(bytes, total);
  }
  return new Blob(chunks, { type: 'text/csv' });
}

/**
 * The CLEAR corpus, fetched from the app's own folder only when `load` is called (a view that never
 * asks never downloads it) and read in the CSV worker like an uploaded train.csv.
 */
export function useClearCorpus() {
  const [state, setState] = useState<ClearCorpusState>({ phase: 'idle' });
  const controller = useRef<AbortController | null>(null);

  useEffect(() => () => controller.current?.abort(), []);

  /** Fetches and reads the corpus; resolves with its rows, or null when it failed or was dropped. */
  const load = useCallback(async (): Promise<LabelledRow[] | null> => {
    controller.current?.abort();
    const c = new AbortController();
    controller.current = c;
    setState({ phase: 'loading', bytes: 0, total: null });
    try {
      const response = await fetch(CLEAR_CORPUS_URL, { signal: c.signal });
      if (!response.ok)
        throw new Error(
          `the server answered ${response.status} for ${CLEAR_CORPUS_URL}; reload the page, or fit on a train.csv of your own`,
        );
      const blob = await readBody(
        response,
        (bytes, total) => !c.signal.aborted && setState({ phase: 'loading', bytes, total }),
      );
      const { parsed } = await parseFile(blob, 'train', undefined, c.signal);
      const rows = goodRows(parsed);
      if (!c.signal.aborted) setState({ phase: 'ready', rows });
      return c.signal.aborted ? null : rows;
    } catch (e) {
      if (!c.signal.aborted)
        setState({
          phase: 'error',
          message: `The ${CLEAR_CORPUS.name} could not be read: ${e instanceof Error ? e.message : String(e)}`,
        });
      return null;
    }
  }, []);

  return { state, load };
}
