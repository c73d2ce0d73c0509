/**
 * Drives papaparse's streaming parser with text we decoded ourselves (strict UTF-8, our own
 * chunking) instead of its FileReader path. papaparse accepts anything shaped like a Node
 * readable stream and parses each 'data' event synchronously, carrying a row cut by a chunk
 * boundary over to the next one.
 */
import Papa from 'papaparse';

const FIRST_CHUNK_MIN = 64 * 1024;

/** Feeds text to papaparse's streaming parser piece by piece; `onRow` gets each row as it ends. */
export function papaFeed(onRow: (cells: string[], errors: Papa.ParseError[]) => void) {
  const listeners = new Map<string, (chunk?: string) => void>();
  const stream = {
    readable: true,
    read: () => undefined,
    pause: () => undefined,
    resume: () => undefined,
    on: (event: string, fn: (chunk?: string) => void) => void listeners.set(event, fn),
    removeListener: (event: string) => void listeners.delete(event),
  };
  // papaparse swallows what a step callback throws, so keep it and rethrow after the chunk.
  let failure: unknown;
  Papa.parse<string[]>(stream as unknown as NodeJS.ReadableStream, {
    delimiter: ',',
    header: false,
    skipEmptyLines: false,
    step: (step, parser) => {
      try {
        onRow(step.data, step.errors);
      } catch (e) {
        failure = e;
        parser.abort();
      }
    },
  });
  const send = (event: string, text?: string) => {
    if (failure === undefined) listeners.get(event)?.(text);
    if (failure !== undefined) throw failure;
  };
  // papaparse guesses the line ending from its first chunk, so hold text until it holds one.
  let held: string | undefined = '';
  return {
    push(text: string) {
      if (held === undefined) return send('data', text);
      held += text;
      if (!held.includes('\n') && held.length < FIRST_CHUNK_MIN) return;
      send('data', held);
      held = undefined;
    },
    end() {
      if (held) send('data', held);
      send('end');
    },
  };
}
