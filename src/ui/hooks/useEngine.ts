import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { RidgeHead } from '../../analysis/head.ts';
import type { EmbedFn } from '../../pipeline/batchRun.ts';
import { EngineCallError, EngineClient } from '../../engine/client.ts';
import type {
  EngineErrorInfo,
  FileProgress,
  LoadOptions,
  ModelInfo,
} from '../../engine/protocol.ts';

export type EngineStatus = 'idle' | 'loading' | 'ready' | 'error';

export interface EngineState {
  status: EngineStatus;
  /** Byte progress per file of the current load. */
  progress: Record<string, FileProgress>;
  stage: string | null;
  info: ModelInfo | null;
  error: EngineErrorInfo | null;
  /** The last thing the engine did on its own to recover (smaller batches, WASM). */
  notice: string | null;
}

const INITIAL: EngineState = {
  status: 'idle',
  progress: {},
  stage: null,
  info: null,
  error: null,
  notice: null,
};

function errorInfo(e: unknown): EngineErrorInfo {
  return e instanceof EngineCallError ? e.info : { code: 'run', message: String(e) };
}

/** The UI's one handle on the inference worker: state plus memoised actions. */
export function useEngine() {
  const [state, setState] = useState<EngineState>(INITIAL);
  const clientRef = useRef<EngineClient | null>(null);
  const lastLoad = useRef<LoadOptions | null>(null);

  useEffect(() => {
    const client = new EngineClient({
      // The worker is replaced after an error and holds no model any more.
      onRestart: (reason) =>
        setState((s) => ({ ...s, status: 'error', error: reason, info: null })),
    });
    clientRef.current = client;
    return () => {
      client.dispose();
      clientRef.current = null;
    };
  }, []);

  const load = useCallback(async (options: LoadOptions) => {
    const client = clientRef.current;
    if (!client) return null;
    lastLoad.current = options;
    setState({ ...INITIAL, status: 'loading' });
    try {
      const info = await client.load(
        options,
        (p) => setState((s) => ({ ...s, progress: { ...s.progress, [p.file]: p } })),
        (stage) => setState((s) => ({ ...s, stage })),
      );
      setState((s) => ({ ...s, status: 'ready', info, stage: null, error: null }));
      return info;
    } catch (e) {
      setState((s) => ({ ...s, status: 'error', error: errorInfo(e), stage: null }));
      return null;
    }
  }, []);

  const retry = useCallback(
    () => (lastLoad.current ? load(lastLoad.current) : Promise.resolve(null)),
    [load],
  );

  const encode = useCallback((text: string) => {
    const client = clientRef.current;
    if (!client) return Promise.reject(new Error('engine not started'));
    return client.encode(text);
  }, []);

  const attend = useCallback((text: string) => {
    const client = clientRef.current;
    if (!client) return Promise.reject(new Error('engine not started'));
    return client.attend(text);
  }, []);

  const contribute = useCallback((text: string, head: RidgeHead) => {
    const client = clientRef.current;
    if (!client) return Promise.reject(new Error('engine not started'));
    return client.contribute(text, head);
  }, []);

  const embed = useCallback((...args: Parameters<EngineClient['embed']>) => {
    const client = clientRef.current;
    if (!client) return Promise.reject(new Error('engine not started'));
    return client.embed(...args);
  }, []);

  /** `embed` as runs of chunks call it (see batchRun `EmbedFn`): no per-batch progress. */
  const embedChunk: EmbedFn = useCallback(
    (texts, pooling, signal, tokens) => embed(texts, pooling, undefined, signal, tokens),
    [embed],
  );

  const actions = useMemo(
    () => ({ load, retry, encode, attend, contribute, embed, embedChunk }),
    [load, retry, encode, attend, contribute, embed, embedChunk],
  );
  return { ...state, actions };
}
