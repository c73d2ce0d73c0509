/**
 * One benchmark run of the app's engine, the same steps wherever it runs (onnxruntime-node in a
 * child process, the worker behind EngineClient in Chromium): first result, warm-up, timed batch
 * passes, and a probe that compares runtimes' results.
 */
import { median, perSecond } from './stats.ts';

/** The engine as a run drives it; each runtime adapts Engine or EngineClient to this. */
export interface EngineSteps {
  /** `encode` of one text (the single-text view: full hidden states); resolves to its tokens. */
  encode(text: string): Promise<number>;
  /** `embed` with mean pooling; resolves to the real tokens and the pooled means. */
  embed(texts: string[]): Promise<EmbedSummary>;
}

/** What one engine run measures, before the runtime adds load and memory figures. */
export interface EngineTimings {
  /** First `encode` of one excerpt right after load: the single-text view's full hidden states. */
  firstResultMs: number;
  firstResultTokens: number;
  passesMs: number[];
  medianMs: number;
  /** CPU time of the process (Node) or the renderer (Chromium) per timed pass, median. */
  cpuMsPerPass: number;
  excerpts: number;
  tokens: number;
  excerptsPerS: number;
  tokensPerS: number;
  /** Last layer's pooled mean of the probe text `[hidden]`, to compare runtimes' results. */
  probe: number[];
  /** Every excerpt's pooled mean from the last timed pass `[count, layers, hidden]`: for drift. */
  features: number[];
}

/** What a run keeps of one `embed`. */
export interface EmbedSummary {
  tokens: number;
  /** The last layer of row 0's pooled mean `[hidden]`. */
  lastLayerRow0: number[];
  /** Every row's pooled mean `[count, layers, hidden]`. */
  means: number[];
}

/**
 * Times the first result, a warm-up on a few excerpts (a quarter, at most 4), `reps` passes of
 * `embed` over all excerpts, then embeds the probe text. `cpuNow` reads CPU time in ms.
 */
export async function timeEngine(
  steps: EngineSteps,
  texts: string[],
  reps: number,
  probeText: string,
  cpuNow: () => number,
): Promise<EngineTimings> {
  let started = performance.now();
  const firstResultTokens = await steps.encode(texts[0]);
  const firstResultMs = performance.now() - started;
  await steps.embed(texts.slice(0, Math.min(4, Math.ceil(texts.length / 4))));
  const passesMs: number[] = [];
  const cpuMs: number[] = [];
  let last: EmbedSummary = { tokens: 0, lastLayerRow0: [], means: [] };
  for (let r = 0; r < reps; r++) {
    const cpu = cpuNow();
    started = performance.now();
    last = await steps.embed(texts);
    passesMs.push(performance.now() - started);
    cpuMs.push(cpuNow() - cpu);
  }
  const { tokens } = last;
  const probe = (await steps.embed([probeText])).lastLayerRow0;
  const medianMs = median(passesMs);
  return {
    firstResultMs,
    firstResultTokens,
    passesMs,
    medianMs,
    cpuMsPerPass: median(cpuMs),
    excerpts: texts.length,
    tokens,
    excerptsPerS: perSecond(texts.length, medianMs),
    tokensPerS: perSecond(tokens, medianMs),
    probe,
    features: last.means,
  };
}

/** Reads an `embed` result down to what a run keeps. */
export function summariseEmbed(out: {
  tokenCounts: Int32Array;
  layers: number;
  hidden: number;
  pooled: { mean?: Float32Array };
}): EmbedSummary {
  const { layers, hidden } = out;
  const mean = out.pooled.mean!;
  return {
    tokens: out.tokenCounts.reduce((s, n) => s + n, 0),
    lastLayerRow0: Array.from(mean.subarray((layers - 1) * hidden, layers * hidden)),
    means: Array.from(mean),
  };
}
