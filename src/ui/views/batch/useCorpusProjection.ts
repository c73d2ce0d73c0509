import { useEffect, useRef, useState } from 'react';
import type { ParameterFreeStrategy, PoolOptions } from '../../../analysis/pooling.ts';
import type { PrincipalPlane } from '../../../analysis/principalPlane.ts';
import type { PooledVectors } from '../../../pipeline/scoring.ts';
import type {
  CorpusCell,
  CorpusEvent,
  CorpusRequest,
} from '../../workers/corpusProjectionProtocol.ts';

/** A Fit run's features as the corpus map reads them. */
export interface CorpusSource {
  run: number;
  table: PooledVectors;
  poolOptions: PoolOptions;
  y: Float64Array;
}

/** One projected cell: the plane, the features' width, and the worker's milliseconds. */
export interface ProjectedCell extends CorpusCell {
  plane: PrincipalPlane;
  dim: number;
  ms: number;
}

export interface CorpusProjection {
  /**
   * The latest projection of this run: what the map draws. It stays while the next layer is
   * projected, so the picture updates in place instead of blinking out.
   */
  shown: ProjectedCell | null;
  /** Whether `shown` is not yet the cell asked for (a projection is on its way). */
  isUpdating: boolean;
  /** Why the cell asked for could not be projected. */
  error: string | null;
  /** Why nothing can be projected here at all. */
  unavailable: string | null;
}

/** Whether an array sits on shared memory, so posting it to a worker shares rather than copies. */
const isShared = (a: ArrayBufferView) =>
  typeof SharedArrayBuffer === 'function' && a.buffer instanceof SharedArrayBuffer;

/** Why a run's table cannot reach the projection worker, or null when it can. */
function unavailableReason(source: CorpusSource | null): string | null {
  if (typeof Worker === 'undefined') return 'This browser runs no Web Workers.';
  if (source && !Object.values(source.table.pooled).every(isShared))
    return (
      'This page is not cross-origin isolated, so the features could not be shared: they were ' +
      'handed to the sweep’s worker. Serve the app with its isolation headers to see the map.'
    );
  return null;
}

const keyOf = (c: CorpusCell) => `${c.run}:${c.strategy}@${c.layer}`;

/**
 * The corpus map's worker: the run's feature table once (shared, not copied), then one strategy at
 * one layer at a time. Requests are coalesced (only the latest waits while one runs), so dragging
 * the layer slider never queues up stale projections.
 */
export function useCorpusProjection(
  source: CorpusSource | null,
  strategy: ParameterFreeStrategy | null,
  layer: number,
): CorpusProjection {
  const [result, setResult] = useState<{
    shown: ProjectedCell | null;
    error: { key: string; message: string } | null;
  }>({ shown: null, error: null });
  const worker = useRef<Worker | null>(null);
  const queue = useRef<{ inFlight: boolean; next: CorpusCell | null }>({
    inFlight: false,
    next: null,
  });
  const unavailable = unavailableReason(source);

  useEffect(() => {
    if (typeof Worker === 'undefined') return;
    const w = new Worker(new URL('../../workers/corpusProjection.worker.ts', import.meta.url), {
      type: 'module',
      name: 'readscope-corpus',
    });
    worker.current = w;
    const q = queue.current;
    q.inFlight = false;
    q.next = null;
    const post = (r: CorpusRequest) => w.postMessage(r);
    const sendNext = () => {
      q.inFlight = !!q.next;
      if (q.next) post({ type: 'project', ...q.next });
      q.next = null;
    };
    w.onmessage = (e: MessageEvent<CorpusEvent>) => {
      const event = e.data;
      sendNext();
      if (event.status === 'projected') {
        const { run, strategy: s, layer: l, plane, dim, ms } = event;
        setResult({ shown: { run, strategy: s, layer: l, plane, dim, ms }, error: null });
      } else {
        setResult((r) => ({ ...r, error: { key: keyOf(event), message: event.message } }));
      }
    };
    w.onerror = (e) => {
      e.preventDefault();
      q.inFlight = false;
      q.next = null;
      setResult((r) => ({
        ...r,
        error: { key: '*', message: `The projection worker stopped (${e.message || 'error'}).` },
      }));
    };
    return () => {
      w.terminate();
      worker.current = null;
    };
  }, []);

  useEffect(() => {
    const w = worker.current;
    if (!w || !source || unavailableReason(source)) return;
    const { run, table, poolOptions, y } = source;
    w.postMessage({ type: 'table', run, table, poolOptions, y } satisfies CorpusRequest);
  }, [source]);

  const run = source?.run ?? null;
  useEffect(() => {
    const w = worker.current;
    if (!w || run === null || !strategy || unavailable) return;
    const q = queue.current;
    const cell = { run, strategy, layer };
    if (q.inFlight) {
      q.next = cell;
      return;
    }
    q.inFlight = true;
    w.postMessage({ type: 'project', ...cell } satisfies CorpusRequest);
  }, [run, strategy, layer, unavailable]);

  const shown = result.shown && result.shown.run === run ? result.shown : null;
  const asked = run !== null && strategy ? keyOf({ run, strategy, layer }) : null;
  const error =
    result.error && (result.error.key === '*' || result.error.key === asked)
      ? result.error.message
      : null;
  return {
    shown,
    isUpdating: !!asked && !error && (!shown || keyOf(shown) !== asked),
    error,
    unavailable,
  };
}
