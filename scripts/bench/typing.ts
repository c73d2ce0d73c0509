/**
 * `npm run bench -- --only typing`: how long the Read view's main thread is blocked while a long
 * text is encoded and the user goes on typing (the scenario of tests/e2e/playground.test.ts, with
 * the same texts and steps from tests/support/typing.ts), against the same keys typed in the same
 * page with nothing in flight.
 *
 * Each rep, in one page: (1) idle: the keys typed at the end of the sample text, nothing being
 * encoded; then, once the panels show that text, (2) encoding: the long text put in the box and,
 * as soon as it has gone to the engine's worker, the same keys typed while it is encoded, analysed
 * and drawn. Long tasks (PerformanceObserver `longtask`) and key → next-frame latency are read
 * from the page; the ratios compare (2) with (1).
 */
import { launchBrowser, openServedModel } from '../../tests/support/browser.ts';
import {
  ENCODE_REQUESTS_SCRIPT,
  LONG_TEXT,
  RESPONSIVENESS_SCRIPT,
  TYPED,
  encodeRequestCount,
  startLongEncode,
  textBox,
  typeAtEnd,
  waitForPanelsOn,
} from '../../tests/support/typing.ts';
import {
  median,
  responsiveness,
  type KeyLatency,
  type LongTask,
  type Responsiveness,
} from './stats.ts';

export interface TypingRep {
  /** The keys typed with nothing in flight. */
  idle: Responsiveness;
  /** From putting the long text in the box to the last key typed during its encode. */
  encoding: Responsiveness;
  /** From putting the long text in the box until the panels show the typed text. */
  untilPanelsMs: number;
  /** Every typed character was in the box, in order. */
  typedIntact: boolean;
}

export interface TypingRun {
  build: 'production' | 'development';
  model: string;
  /** Tokens the model read of the long text (it cuts at its maximum). */
  tokens: number;
  reps: TypingRep[];
  /** Each figure's median over the reps. */
  idle: Responsiveness;
  encoding: Responsiveness;
  untilPanelsMs: number;
  /** Key → next frame while the long text is encoded over the same while idle (medians). */
  keyToFrameMedianOverIdle: number;
  /** The slowest key while encoding over the slowest key while idle. */
  keyToFrameMaxOverIdle: number;
  /** The longest task while encoding over the longest while idle; null when idle had none. */
  longTaskMaxOverIdle: number | null;
  /** The longest task of any rep, idle and while encoding (the first rep is the coldest). */
  worstIdleLongTaskMs: number;
  worstLongTaskMs: number;
  /** The browser's version, where the run set one. */
  chromium?: string;
}

/** How long a load or an update may take: the base-size model on a loaded machine is slow. */
const LONG_WAIT = 300_000;

/** The per-field median of several summaries. */
function medianOf(list: readonly Responsiveness[]): Responsiveness {
  const keys = Object.keys(list[0]) as (keyof Responsiveness)[];
  return Object.fromEntries(keys.map((k) => [k, median(list.map((r) => r[k]))])) as never;
}

/** The run's figures from its reps. */
export function summariseTyping(
  run: Pick<TypingRun, 'build' | 'model' | 'tokens'>,
  reps: TypingRep[],
): TypingRun {
  const idle = medianOf(reps.map((r) => r.idle));
  const encoding = medianOf(reps.map((r) => r.encoding));
  return {
    ...run,
    reps,
    idle,
    encoding,
    untilPanelsMs: median(reps.map((r) => r.untilPanelsMs)),
    keyToFrameMedianOverIdle: encoding.keyToFrameMedianMs / idle.keyToFrameMedianMs,
    keyToFrameMaxOverIdle: encoding.keyToFrameMaxMs / idle.keyToFrameMaxMs,
    longTaskMaxOverIdle:
      idle.longTaskMaxMs > 0 ? encoding.longTaskMaxMs / idle.longTaskMaxMs : null,
    worstIdleLongTaskMs: Math.max(...reps.map((r) => r.idle.longTaskMaxMs)),
    worstLongTaskMs: Math.max(...reps.map((r) => r.encoding.longTaskMaxMs)),
  };
}

/** Runs `reps` idle / encoding pairs on `model`, served by the app at `url`, in a fresh Chromium. */
export async function runTyping(
  url: string,
  options: { build: TypingRun['build']; model: string; reps: number },
): Promise<TypingRun> {
  const browser = await launchBrowser({ webgpu: false });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript(ENCODE_REQUESTS_SCRIPT);
    await context.addInitScript(RESPONSIVENESS_SCRIPT);
    const page = await openServedModel(context, url, options.model, { timeout: LONG_WAIT });
    const now = () => page.evaluate(() => performance.now());
    const box = textBox(page);
    const sample = await box.inputValue();
    await waitForPanelsOn(page, sample, 0, LONG_WAIT);
    const reps: TypingRep[] = [];
    for (let r = 0; r < options.reps; r++) {
      let since = await encodeRequestCount(page);
      if (r > 0) {
        await box.fill(sample);
        await waitForPanelsOn(page, sample, since, LONG_WAIT);
        since = await encodeRequestCount(page);
      }
      const idleFrom = await now();
      await typeAtEnd(page);
      const idleTo = await now();
      await waitForPanelsOn(page, sample + TYPED, since, LONG_WAIT);

      since = await encodeRequestCount(page);
      const from = await now();
      await startLongEncode(page, LONG_WAIT);
      const keysFrom = await now();
      await typeAtEnd(page);
      const to = await now();
      const typedIntact = (await box.inputValue()) === LONG_TEXT + TYPED;
      await waitForPanelsOn(page, LONG_TEXT + TYPED, since, LONG_WAIT);
      const settled = await now();

      const { tasks, keys } = await page.evaluate(() => {
        const recorded = self as unknown as { __longTasks: LongTask[]; __keyLatency: KeyLatency[] };
        return { tasks: recorded.__longTasks, keys: recorded.__keyLatency };
      });
      const rep: TypingRep = {
        idle: responsiveness(tasks, keys, { from: idleFrom, to: idleTo }),
        encoding: responsiveness(tasks, keys, { from, to, keysFrom }),
        untilPanelsMs: settled - from,
        typedIntact,
      };
      for (const [name, part] of Object.entries({ idle: rep.idle, encoding: rep.encoding }))
        if (part.keys !== TYPED.length)
          console.error(`  warning: ${part.keys} key events ${name}, ${TYPED.length} keys typed`);
      reps.push(rep);
    }
    const label = await page
      .getByTestId('token-heatmap')
      .locator('canvas')
      .getAttribute('aria-label');
    const tokens = Number(/: \d+ × (\d+)/.exec(label ?? '')?.[1] ?? Number.NaN);
    const run = summariseTyping({ build: options.build, model: options.model, tokens }, reps);
    return { ...run, chromium: browser.version() };
  } finally {
    await browser.close();
  }
}
