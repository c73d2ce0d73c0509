/**
 * A child process of `npm run bench`: one onnxruntime-node measurement, so that each has its own
 * peak RSS. `engine` runs the app's engine (on `dtype`'s file); `variants` the session-level
 * before/after rows; `op-profile` the engine's batch pass with ORT's profiler on, summed by
 * operator type; `tjs` transformers.js's feature-extraction pipeline beside the engine (the
 * second model dir, if any, is the feature-extraction export).
 * Usage: tsx scripts/bench/nodeChild.ts <engine|variants|op-profile|tjs> <threads> <model dir>
 *   <excerpts> <reps> <out.json> [dtype (fp32)] [feature-extraction model dir]
 */
import { writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { folderSource, loadNodeEngine } from '../../src/engine/node.ts';
import { isDtype } from '../../src/engine/dtypes.ts';
import { loadModelFiles } from '../../src/engine/load.ts';
import type { OrtModule } from '../../src/engine/session.ts';
import { summariseEmbed, timeEngine } from './engineRun.ts';
import { makeExcerpts, probeText } from './excerpts.ts';
import { nodeProfile } from './nodeProfile.ts';
import { compareTransformersJs } from './transformersJs.ts';
import { measureEnginePass, measureVariants, type VariantInput } from './variants.ts';

const [mode, threadsArg, modelDir, countArg, repsArg, outFile, dtypeArg, feDir] =
  process.argv.slice(2);
const dtype = isDtype(dtypeArg) ? dtypeArg : 'fp32';
const threads = Number(threadsArg);
const texts = makeExcerpts(Number(countArg));
const reps = Number(repsArg);

/** Peak resident set of this process so far, in MiB (the kernel's high-water mark). */
const peakMiB = () => process.resourceUsage().maxRSS / 1024;

/** CPU time (user + system, all threads) of this process so far, in ms. */
function cpuNow(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

async function main() {
  if (mode === 'tjs') {
    const log = (line: string) => console.error(line);
    const comparison = await compareTransformersJs({
      mlmDir: modelDir,
      feDir: feDir || null,
      threads,
      texts,
      reps,
      cpuNow,
      log,
    });
    return { ...comparison, peakMiB: peakMiB() };
  }
  const source = await folderSource(modelDir);
  if (mode === 'engine') {
    const started = performance.now();
    const engine = await loadNodeEngine(source, { threads, dtype });
    const loadMs = performance.now() - started;
    const steps = {
      encode: async (text: string) => (await engine.encode(text)).ids.length,
      embed: async (batch: string[]) => summariseEmbed(await engine.embed(batch, ['mean'])),
    };
    const timings = await timeEngine(steps, texts, reps, probeText(), cpuNow);
    const { info } = engine;
    await engine.release();
    return { ...timings, info, loadMs, peakMiB: peakMiB() };
  }
  const files = await loadModelFiles(source, 'fp32', () => {});
  const input: VariantInput = {
    ort: ort as unknown as OrtModule,
    onnx: files.onnx,
    tokenizer: files.tokenizer,
    config: files.config,
    backend: 'cpu',
    threads,
    texts,
    reps,
    log: (line) => console.error(line),
    cpuNow,
  };
  if (mode === 'op-profile') {
    const profile = nodeProfile();
    try {
      return { rows: [await measureEnginePass(input, profile)], peakMiB: peakMiB() };
    } finally {
      profile.dispose();
    }
  }
  return { rows: await measureVariants(input), peakMiB: peakMiB() };
}

writeFileSync(outFile, JSON.stringify(await main()));
