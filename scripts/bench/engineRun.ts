/**
 * One benchmark run of the app's engine, the same steps wherever it runs (onnxruntime-node here,
 * the worker behind EngineClient in Chromium): load, first result, warm-up, timed batch passes.
 */
import { median, perSecond } from './stats.ts';

/** What one engine run measures, before the runtime adds its memory figure. */
export interface EngineTimings {
  loadMs: number;
  /** The engine's own split of the load: warm-up is the last step of it. */
  engineLoadMs: number;
  warmupMs: number;
  /** First `encode` of one excerpt right after load: the single-text view's full hidden states. */
  firstResultMs: number;
  firstResultTokens: number;
  passesMs: number[];
  medianMs: number;
  excerpts: number;
  tokens: number;
  excerptsPerS: number;
  tokensPerS: number;
  backend: string;
  threads: number;
  adapter?: { description: string; isSoftwareAdapter: boolean; hasShaderF16: boolean };
  prunedNodes: number;
  /** Last layer's pooled mean of the first excerpt `[hidden]`, to compare runtimes' results. */
  probe: number[];
}

/** The slice of Engine / EngineClient a run needs. */
export interface EngineLike {
  encode(text: string): Promise<{ ids: number[] }>;
  embed(
    texts: string[],
    pooling: 'mean'[],
  ): Promise<{
    tokenCounts: Int32Array;
    layers: number;
    hidden: number;
    pooled: { mean?: Float32Array };
  }>;
}

/**
 * Times the first result, a warm-up on a few excerpts (a quarter, at most 4) and `reps` passes of
 * `embed` over all excerpts.
 */
export async function timeEngine(
  engine: EngineLike,
  info: {
    backend: string;
    threads: number;
    loadMs: number;
    warmupMs: number;
    prunedNodes: number;
    adapter?: EngineTimings['adapter'];
  },
  loadMs: number,
  texts: string[],
  reps: number,
): Promise<EngineTimings> {
  let started = performance.now();
  const first = await engine.encode(texts[0]);
  const firstResultMs = performance.now() - started;
  await engine.embed(texts.slice(0, Math.min(4, Math.ceil(texts.length / 4))), ['mean']);
  const passesMs: number[] = [];
  let tokens = 0;
  let probe: number[] = [];
  for (let r = 0; r < reps; r++) {
    started = performance.now();
    const out = await engine.embed(texts, ['mean']);
    passesMs.push(performance.now() - started);
    tokens = out.tokenCounts.reduce((s, n) => s + n, 0);
    const { layers, hidden } = out;
    probe = Array.from(out.pooled.mean!.subarray((layers - 1) * hidden, layers * hidden));
  }
  const medianMs = median(passesMs);
  return {
    loadMs,
    engineLoadMs: info.loadMs,
    warmupMs: info.warmupMs,
    firstResultMs,
    firstResultTokens: first.ids.length,
    passesMs,
    medianMs,
    excerpts: texts.length,
    tokens,
    excerptsPerS: perSecond(texts.length, medianMs),
    tokensPerS: perSecond(tokens, medianMs),
    backend: info.backend,
    threads: info.threads,
    adapter: info.adapter,
    prunedNodes: info.prunedNodes,
    probe,
  };
}
