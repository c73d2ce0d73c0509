import { useEffect, useState } from 'react';

/** What an on-demand call last gave: nothing yet, its result, or why it failed; `of` is the call. */
export type Outcome<T> =
  | { kind: 'idle' }
  | { kind: 'ready'; of: () => Promise<T>; result: T }
  | { kind: 'error'; of: () => Promise<T>; message: string };

/**
 * Runs `run` while `open` (a panel that computes only once opened), and again whenever `run`
 * changes: the caller memoises it on what it reads, and passes null when there is nothing to
 * run. The last outcome stays until the next arrives, and an outcome of a call that has since
 * been replaced is dropped.
 */
export function useWhenOpen<T>(open: boolean, run: (() => Promise<T>) | null): Outcome<T> {
  const [outcome, setOutcome] = useState<Outcome<T>>({ kind: 'idle' });
  useEffect(() => {
    if (!open || !run) return;
    let live = true;
    run()
      .then((result) => live && setOutcome({ kind: 'ready', of: run, result }))
      .catch(
        (e: unknown) =>
          live &&
          setOutcome({
            kind: 'error',
            of: run,
            message: e instanceof Error ? e.message : String(e),
          }),
      );
    return () => {
      live = false;
    };
  }, [open, run]);
  return outcome;
}
