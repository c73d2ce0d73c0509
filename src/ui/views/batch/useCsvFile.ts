import { useCallback, useEffect, useRef, useState } from 'react';
import type { ParseProgress } from '../../../data/csv.ts';
import { parseFile, type ParsedFile } from '../../../data/parseClient.ts';
import type { CsvKind } from '../../../data/parseProtocol.ts';

/** An uploaded CSV as it is read in the CSV worker. */
export type CsvFileState<K extends CsvKind> =
  | { phase: 'empty' }
  | { phase: 'reading'; name: string; progress: ParseProgress | null }
  | { phase: 'ready'; name: string; file: ParsedFile<K> }
  | { phase: 'error'; name: string; message: string };

/** Reads a picked file in the CSV worker; a new pick or `clear` cancels the read in flight. */
export function useCsvFile<K extends CsvKind>(kind: K) {
  const [state, setState] = useState<CsvFileState<K>>({ phase: 'empty' });
  const controller = useRef<AbortController | null>(null);

  useEffect(() => () => controller.current?.abort(), []);

  const pick = useCallback(
    (file: File) => {
      controller.current?.abort();
      const c = new AbortController();
      controller.current = c;
      setState({ phase: 'reading', name: file.name, progress: null });
      parseFile(
        file,
        kind,
        (progress) =>
          !c.signal.aborted && setState({ phase: 'reading', name: file.name, progress }),
        c.signal,
      )
        .then((parsed) => setState({ phase: 'ready', name: file.name, file: parsed }))
        .catch((e: Error) => {
          if (c.signal.aborted) return;
          setState({ phase: 'error', name: file.name, message: e.message });
        });
    },
    [kind],
  );

  const clear = useCallback(() => {
    controller.current?.abort();
    controller.current = null;
    setState({ phase: 'empty' });
  }, []);

  return { state, pick, clear };
}
