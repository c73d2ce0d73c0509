// Times the lite model on a 200-word text: median over many runs after a warm-up.
//   npx tsx scripts/bench-lite.ts [--runs 500]
import { pathToFileURL } from 'node:url';
import { predictLite } from '../src/readability/lite.ts';

/** A fixed 200-word passage: varied sentence lengths, dialogue, common and rare words. */
export const BENCH_TEXT = `The lighthouse keeper had lived on the island for nearly thirty years, and in all that time he had never once let the lamp go dark. Every evening he climbed the narrow spiral stairs, polished the great lens, and trimmed the wick. "Somebody has to do it," he told the children who came out on the supply boat. They laughed, but they listened. In winter the storms arrived without warning, flinging spray against the windows and rattling the iron railings until the whole tower seemed to tremble. Ships passing in the dark relied on his beam to find the channel between the reefs. Occasionally a captain would signal his gratitude with three short blasts of the horn. The keeper kept a meticulous logbook, recording barometric pressure, wind direction, and the names of vessels he identified through his telescope. Scientists later discovered that his observations, accumulated over decades, constituted an unusually comprehensive record of regional climatic variation. When the automated beacon finally replaced him, he refused to leave immediately. He stayed through one more season, watching the new machine blink on and off by itself, and he said that it was perfectly reliable and completely lonely. Nobody argued with him then.`;

/** Median and 90th-percentile milliseconds per score over `runs` runs, after `warmup` unmeasured ones. */
export function benchLite(
  runs = 500,
  warmup = 100,
): { median: number; p90: number; words: number } {
  for (let i = 0; i < warmup; i++) predictLite(BENCH_TEXT);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    predictLite(BENCH_TEXT);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return {
    median: times[Math.floor(runs / 2)],
    p90: times[Math.floor(runs * 0.9)],
    words: BENCH_TEXT.split(/\s+/).length,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--runs');
  const { median, p90, words } = benchLite(i > 0 ? Number(process.argv[i + 1]) : 500);
  console.log(
    `lite model, ${words} words: median ${median.toFixed(3)} ms, p90 ${p90.toFixed(3)} ms`,
  );
}
