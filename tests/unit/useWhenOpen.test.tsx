// @vitest-environment jsdom
/**
 * useWhenOpen: nothing runs while closed; opening runs the call; a replaced call's late answer is
 * dropped (the newer one wins whatever order they finish in); a failure keeps its message and
 * says which call it was of.
 */
import { act, cleanup, renderHook } from '@testing-library/react';
import { afterEach, expect, it } from 'vitest';
import { useWhenOpen } from '../../src/ui/hooks/useWhenOpen.ts';

afterEach(cleanup);

/** A call whose promise the test settles by hand, counting how often it was run. */
function deferred<T>() {
  const call = Object.assign(
    () => {
      call.runs++;
      return new Promise<T>((resolve, reject) => Object.assign(call, { resolve, reject }));
    },
    { runs: 0, resolve: (_: T) => {}, reject: (_: Error) => {} },
  );
  return call;
}

it('runs only when open, and keeps the newest call’s answer', async () => {
  const first = deferred<string>();
  const second = deferred<string>();
  const { result, rerender } = renderHook(({ open, run }) => useWhenOpen(open, run), {
    initialProps: { open: false, run: first as (() => Promise<string>) | null },
  });
  expect(first.runs).toBe(0);
  rerender({ open: true, run: first });
  expect(first.runs).toBe(1);
  rerender({ open: true, run: second });
  expect(second.runs).toBe(1);
  await act(async () => second.resolve('new'));
  await act(async () => first.resolve('old'));
  expect(result.current).toEqual({ kind: 'ready', of: second, result: 'new' });
});

it('keeps a failure’s message with the call it came from', async () => {
  const failing = deferred<string>();
  const { result } = renderHook(() => useWhenOpen(true, failing));
  await act(async () => failing.reject(new Error('no split')));
  expect(result.current).toEqual({ kind: 'error', of: failing, message: 'no split' });
});
