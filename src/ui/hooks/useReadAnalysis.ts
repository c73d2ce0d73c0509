import { useEffect, useRef, useState } from 'react';
import type { LayerView, TextOverview } from '../../analysis/inspect.ts';
import { poolOptionsFor, type HiddenStates } from '../../analysis/pooling.ts';
import type { EncodedText } from '../../engine/protocol.ts';
import type { AnalysisEvent, AnalysisRequest } from './readAnalysisProtocol.ts';

/** One encoded text as pooling sees it: every token is real (a single text has no padding). */
export function statesOf(result: EncodedText): HiddenStates {
  const tokens = result.tokens.length;
  return {
    data: result.states,
    layers: result.layers,
    tokens,
    hidden: result.hidden,
    mask: new Uint8Array(tokens).fill(1),
  };
}

/** An encoded text with its overview and a layer view of that same text. */
export interface ShownAnalysis {
  result: EncodedText;
  overview: TextOverview;
  view: LayerView;
}

export interface ReadAnalysis {
  /**
   * The latest text whose overview and layer view are both in: what the panels draw. It stays
   * while the next text is analysed, so the panels (and their charts) update in place instead of
   * unmounting and mounting again for every text.
   */
  shown: ShownAnalysis | null;
  /** The text the overview and layer view belong to (may lag behind the latest encode). */
  result: EncodedText | null;
  overview: TextOverview | null;
  /** The chosen layer's view, once computed; may still be for the previous layer. */
  view: LayerView | null;
  busy: boolean;
  error: string | null;
  /** Worker milliseconds of the last overview and layer view. */
  timings: { overview: number; layer: number };
}

const EMPTY: ReadAnalysis = {
  shown: null,
  result: null,
  overview: null,
  view: null,
  busy: false,
  error: null,
  timings: { overview: 0, layer: 0 },
};

/**
 * The Read view's analysis worker: overview of each new text, then the chosen layer. Layer
 * requests are coalesced (only the latest waits while one runs), so dragging the slider never
 * queues up stale work.
 */
export function useReadAnalysis(result: EncodedText | null, layer: number): ReadAnalysis {
  const [state, setState] = useState<ReadAnalysis>(EMPTY);
  const worker = useRef<Worker | null>(null);
  const version = useRef(0);
  const pending = useRef<{
    inFlight: boolean;
    next: number | null;
    result: EncodedText | null;
    overview: TextOverview | null;
  }>({
    inFlight: false,
    next: null,
    result: null,
    overview: null,
  });

  useEffect(() => {
    const w = new Worker(new URL('./readAnalysis.worker.ts', import.meta.url), { type: 'module' });
    worker.current = w;
    const post = (r: AnalysisRequest) => w.postMessage(r);
    w.onmessage = (e: MessageEvent<AnalysisEvent>) => {
      const event = e.data;
      if (event.version !== version.current) return;
      const p = pending.current;
      switch (event.status) {
        case 'overview':
          p.overview = event.overview;
          setState((s) => ({
            ...s,
            result: p.result,
            overview: event.overview,
            error: null,
            timings: { ...s.timings, overview: event.ms },
          }));
          return;
        case 'layer':
          p.inFlight = false;
          if (p.next !== null) {
            post({ type: 'layer', version: version.current, layer: p.next });
            p.inFlight = true;
            p.next = null;
          }
          setState((s) => ({
            ...s,
            shown:
              p.result && p.overview
                ? { result: p.result, overview: p.overview, view: event.view }
                : s.shown,
            view: event.view,
            busy: p.inFlight,
            timings: { ...s.timings, layer: event.ms },
          }));
          return;
        case 'error':
          p.inFlight = false;
          setState((s) => ({ ...s, busy: false, error: event.message }));
          return;
      }
    };
    return () => {
      w.terminate();
      worker.current = null;
    };
  }, []);

  useEffect(() => {
    const w = worker.current;
    if (!w || !result) return;
    version.current += 1;
    const p = pending.current;
    p.result = result;
    p.overview = null;
    p.inFlight = false;
    p.next = null;
    const states = statesOf(result);
    // Structured clone copies the states: the page keeps its own for the tables.
    w.postMessage({
      type: 'text',
      version: version.current,
      states,
      options: poolOptionsFor(result.layers),
    } satisfies AnalysisRequest);
  }, [result]);

  useEffect(() => {
    const w = worker.current;
    const p = pending.current;
    if (!w || !p.result) return;
    const valid = Math.min(Math.max(layer, 0), p.result.layers - 1);
    if (p.inFlight) {
      p.next = valid;
      return;
    }
    w.postMessage({
      type: 'layer',
      version: version.current,
      layer: valid,
    } satisfies AnalysisRequest);
    p.inFlight = true;
    setState((s) => (s.busy ? s : { ...s, busy: true }));
  }, [result, layer]);

  return state;
}
