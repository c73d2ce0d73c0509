/**
 * `npm run bench`: the app's engine on onnxruntime-node (CPU, the native anchor) and in headless
 * Chromium (WASM, and WebGPU where an adapter exists), on the same base-size model and the same
 * CommonLit-length excerpts; then the session-level before/after rows (pruning, padding, pooling).
 * Writes bench/results.json and prints the tables. See BENCHMARKS.md for what each row means.
 *
 * Options: --excerpts N (8)  --reps N (3)  --variant-reps N (2)  --threads 1,2 (1 and all cores)
 * --only node,wasm,webgpu,variants,wasm-variants,typing,dtypes,tjs (all; also wasm-builds, op-profile)
 * --model DIR (bench/models/roberta-base-random)
 * --hf-model DIR (bench/models/roberta-base-hf)  --hf-fe-model DIR (bench/models/roberta-base-hf-fe)
 * --rounds N (2: rounds of the dtype rows)  --out FILE (bench/results.json).
 * `dtypes` runs the engine on each dtype file of the Hugging-Face-made base-size folder (native
 * fp32, q8, fp16; WASM fp32, q8) and measures each one's feature drift against native fp32; `tjs`
 * puts transformers.js's feature-extraction pipeline beside the engine (scripts/bench/transformersJs.ts).
 * Both need the folders scripts/real-stack/generate.py --base writes, and say so where they are missing.
 * The software WebGPU adapter is ~100x slower than WASM, so its run scores only the short probe
 * text: a correctness check, not a speed figure. `typing` measures the Read view's main thread
 * while a long text is encoded and the user types (scripts/bench/typing.ts): the production build
 * on roberta-tiny, and the development build on the base-size model where it has been generated.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { runBrowserEngine, runBrowserPass, runBrowserVariants } from './bench/chromium.ts';
import type { EngineTimings } from './bench/engineRun.ts';
import { EXCERPT_WORDS, makeExcerpts, probeText } from './bench/excerpts.ts';
import type { ModelInfo } from '../src/engine/protocol.ts';
import { fmt, formatTable, median, perSecond } from './bench/stats.ts';
import { runTyping, type TypingRun } from './bench/typing.ts';
import {
  ACCEPTED_MIN_COSINE,
  fastestAccepted,
  featureDrift,
  isDriftAccepted,
  worstDrift,
  type LayerDrift,
} from './bench/drift.ts';
import type { TjsComparison } from './bench/transformersJs.ts';
import type { Dtype } from '../src/engine/dtypes.ts';
import { TYPED } from '../tests/support/typing.ts';
import type { OpTime, VariantRow } from './bench/variants.ts';
import { startApp, startBuiltApp } from '../tests/support/browser.ts';

type Runtime = 'node-cpu' | 'chromium-wasm' | 'chromium-webgpu';
type Part =
  | 'node'
  | 'wasm'
  | 'webgpu'
  | 'variants'
  | 'wasm-variants'
  | 'wasm-builds'
  | 'op-profile'
  | 'typing'
  | 'dtypes'
  | 'tjs';

interface EngineRow extends Omit<EngineTimings, 'probe' | 'features'> {
  runtime: Runtime;
  backend: ModelInfo['backend'];
  threads: number;
  adapter?: ModelInfo['adapter'];
  prunedNodes: number;
  /** Wall time of the load as the caller sees it: read, rewrite, session, warm-up. */
  loadMs: number;
  /** The engine's own figures: its load (download included) and the warm-up inside it. */
  engineLoadMs: number;
  warmupMs: number;
  /** Peak resident memory: the Node process, or the Chromium renderer (the tab) from /proc VmHWM. */
  peakMiB: number;
  /** Chromium's GPU process peak, where the WebGPU adapter's buffers live. */
  gpuProcessPeakMiB?: number;
  /** Largest |Δ| of the probe text's last-layer pooled mean against the native run. */
  maxAbsDiffVsNative?: number;
  loadAverage: number;
  /** Rounds merged into this row (the dtype rows); one when absent. */
  rounds?: number;
}

/** An engine row of the dtype part: which file, and its features' drift against native fp32. */
interface DtypeRow extends EngineRow {
  dtype: Dtype;
  /** Per layer, against the native fp32 run at the most threads; absent on that run itself. */
  drift?: LayerDrift[];
  isDriftAccepted?: boolean;
}

interface VariantSet {
  runtime: Runtime;
  threads: number;
  rows: VariantRow[];
  peakMiB: number;
  loadAverage: number;
}

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
}

const ROOT = process.cwd();
const CORES = availableParallelism();
const MODEL_DIR = resolve(option('model', 'bench/models/roberta-base-random'));
const HF_DIR = resolve(option('hf-model', 'bench/models/roberta-base-hf'));
const HF_FE_DIR = resolve(option('hf-fe-model', 'bench/models/roberta-base-hf-fe'));
/** The one command that makes the Hugging Face folders (Python with torch, transformers, onnx, onnxruntime). */
const HF_COMMAND =
  'python scripts/real-stack/generate.py --base bench/models/roberta-base-hf --base-fe bench/models/roberta-base-hf-fe';
const EXCERPTS = Number(option('excerpts', '8'));
const REPS = Number(option('reps', '3'));
const VARIANT_REPS = Number(option('variant-reps', '2'));
/** Rounds of the dtype rows: each configuration once per round, in alternating order. */
const ROUNDS = Number(option('rounds', '2'));
const OUT = option('out', 'bench/results.json');
const THREADS = [...new Set(option('threads', `1,${CORES}`).split(',').map(Number))];
const PARTS = new Set(
  option('only', 'node,wasm,webgpu,variants,wasm-variants,typing,dtypes,tjs').split(',') as Part[],
);
const log = (line: string) => console.error(line);
const TYPED_KEYS = TYPED.length;
const load1 = () => Number(loadavg()[0].toFixed(2));

function ensureModel(): { generatedMs?: number } {
  if (existsSync(join(MODEL_DIR, 'onnx', 'model.onnx'))) return {};
  log(`generating the base-size model in ${MODEL_DIR} ...`);
  const started = performance.now();
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/make-fixtures.ts', '--base', MODEL_DIR],
    { stdio: 'inherit' },
  );
  if (r.status !== 0) throw new Error('generating the base-size model failed');
  return { generatedMs: performance.now() - started };
}

function nodeChild<T>(
  mode: 'engine' | 'variants' | 'op-profile' | 'tjs',
  threads: number,
  reps: number,
  files: { model?: string; dtype?: Dtype; feModel?: string } = {},
): T {
  const { model = MODEL_DIR, dtype = 'fp32', feModel = '' } = files;
  const out = join(tmpdir(), `readscope-bench-${process.pid}-${mode}-${threads}-${dtype}.json`);
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'scripts/bench/nodeChild.ts',
      mode,
      String(threads),
      model,
      String(EXCERPTS),
      String(reps),
      out,
      dtype,
      feModel,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (r.status !== 0) throw new Error(`node ${mode} run (${dtype}, ${threads} threads) failed`);
  return JSON.parse(readFileSync(out, 'utf8')) as T;
}

function versionOf(pkg: string): string {
  const path = join(ROOT, 'node_modules', pkg, 'package.json');
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

function cpuModel(): string {
  const info = readFileSync('/proc/cpuinfo', 'utf8');
  return /model name\s*:\s*(.+)/.exec(info)?.[1].trim() ?? 'unknown';
}

function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  let worst = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++)
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

async function main() {
  // The typing part uses the base-size model where it exists, and does not generate it; the
  // dtype and transformers.js parts read the Hugging Face folders instead.
  const model = [...PARTS].some((p) => !['typing', 'dtypes', 'tjs'].includes(p))
    ? ensureModel()
    : {};
  const hasModel = existsSync(join(MODEL_DIR, 'onnx', 'model.onnx'));
  const texts = makeExcerpts(EXCERPTS);
  const words = texts.map((t) => t.split(/\s+/).length);
  const modelPath = servedPath(MODEL_DIR);
  const loadStart = load1();
  const engineRows: EngineRow[] = [];
  const probes = new Map<EngineRow, number[]>();
  const variantSets: VariantSet[] = [];
  let chromium = '';

  /** Each row's pooled means from its last pass `[count, layers, hidden]`, and those dims. */
  const features = new Map<EngineRow, { means: number[]; layers: number; hidden: number }>();
  const dtypeRows: DtypeRow[] = [];
  let tjs: (TjsComparison & { peakMiB: number; loadAverage: number }) | null = null;
  const missing: string[] = [];
  const hasHf = existsSync(join(HF_DIR, 'onnx', 'model_quantized.onnx'));

  const rowOf = (
    runtime: Runtime,
    timings: EngineTimings & { info: ModelInfo; loadMs: number },
    peaks: { peakMiB: number; gpuMiB?: number },
    loadAverage: number,
  ): EngineRow => {
    const { probe, info, features: means, ...rest } = timings;
    const row: EngineRow = {
      runtime,
      ...rest,
      backend: info.backend,
      threads: info.threads,
      adapter: info.adapter,
      prunedNodes: info.prunedNodes,
      engineLoadMs: info.loadMs,
      warmupMs: info.warmupMs,
      peakMiB: peaks.peakMiB,
      gpuProcessPeakMiB: peaks.gpuMiB,
      loadAverage,
    };
    probes.set(row, probe);
    features.set(row, { means, layers: info.layers, hidden: info.hidden });
    log(
      `  ${runtime} ${info.dtype} ${row.threads || ''}: ${fmt(row.excerptsPerS, 2)} excerpts/s, peak ${fmt(row.peakMiB, 0)} MiB`,
    );
    return row;
  };
  const add = (...args: Parameters<typeof rowOf>) => engineRows.push(rowOf(...args));

  if (PARTS.has('node')) {
    for (const threads of THREADS) {
      log(`node-cpu, ${threads} thread(s) ...`);
      const la = load1();
      const r = nodeChild<EngineTimings & { info: ModelInfo; loadMs: number; peakMiB: number }>(
        'engine',
        threads,
        REPS,
      );
      add('node-cpu', r, { peakMiB: r.peakMiB }, la);
    }
  }

  const maxThreads = Math.max(...THREADS);
  const wantsHf = PARTS.has('dtypes') || PARTS.has('tjs');
  if (wantsHf && !hasHf) {
    missing.push(
      `the dtype and transformers.js rows need ${relative(ROOT, HF_DIR)} (fp32, fp16, q8 files made by the Hugging Face stack): ${HF_COMMAND}`,
    );
    log(`  skipped: ${missing[missing.length - 1]}`);
  }
  const dtypesOn = PARTS.has('dtypes') && hasHf;
  if (PARTS.has('tjs') && hasHf) {
    const fe = existsSync(join(HF_FE_DIR, 'onnx', 'model.onnx')) ? HF_FE_DIR : '';
    if (!fe)
      missing.push(
        `no ${relative(ROOT, HF_FE_DIR)}: transformers.js ran on the fill-mask export only (${HF_COMMAND})`,
      );
    log(`transformers.js beside readscope, node-cpu, ${maxThreads} thread(s) ...`);
    const la = load1();
    const t = nodeChild<TjsComparison & { peakMiB: number }>('tjs', maxThreads, REPS, {
      model: HF_DIR,
      feModel: fe,
    });
    tjs = { ...t, loadAverage: la };
  }

  const needsBrowser =
    dtypesOn ||
    PARTS.has('wasm') ||
    PARTS.has('webgpu') ||
    PARTS.has('wasm-variants') ||
    PARTS.has('wasm-builds') ||
    PARTS.has('op-profile') ||
    PARTS.has('typing');
  const buildRows: { build: string; threads: number; passesMs: number[]; medianMs: number }[] = [];
  const opProfiles: OpProfile[] = [];
  const typingRuns: (TypingRun & { loadAverage: number })[] = [];
  const app = needsBrowser ? await startApp() : null;
  try {
    if (app && PARTS.has('wasm')) {
      for (const threads of THREADS) {
        log(`chromium-wasm, ${threads} thread(s) ...`);
        const la = load1();
        const r = await runBrowserEngine(app.url, {
          model: modelPath,
          backend: 'wasm',
          threads,
          texts,
          reps: REPS,
          probeText: probeText(),
        });
        chromium = r.chromium;
        if (!r.run.crossOriginIsolated)
          log('  warning: page not cross-origin isolated, WASM ran on 1 thread');
        add('chromium-wasm', r.run, { peakMiB: r.peaks.rendererMiB }, la);
      }
    }
    if (app && PARTS.has('webgpu')) {
      log('chromium-webgpu, the probe text only ...');
      const la = load1();
      try {
        const r = await runBrowserEngine(app.url, {
          model: modelPath,
          backend: 'webgpu',
          texts: [probeText()],
          reps: 1,
          probeText: probeText(),
        });
        chromium = r.chromium;
        const { rendererMiB, gpuMiB } = r.peaks;
        add('chromium-webgpu', r.run, { peakMiB: rendererMiB, gpuMiB }, la);
      } catch (e) {
        log(`  no WebGPU run: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (app && dtypesOn) {
      // Every configuration once per round, in alternating order (a fresh process or browser
      // each time), so a change in the machine's load falls on all of them alike.
      const configs = THREADS.flatMap((threads) =>
        (['node-cpu', 'chromium-wasm'] as const).flatMap((runtime) =>
          (['fp32', 'q8'] as const).map((dtype) => ({ runtime, dtype, threads })),
        ),
      );
      const runs = new Map(configs.map((c) => [c, [] as EngineRow[]]));
      for (let round = 0; round < ROUNDS; round++) {
        for (const c of round % 2 ? [...configs].reverse() : configs) {
          log(
            `dtypes, round ${round + 1}/${ROUNDS}: ${c.runtime} ${c.dtype}, ${c.threads} thread(s) ...`,
          );
          const la = load1();
          if (c.runtime === 'node-cpu') {
            const r = nodeChild<
              EngineTimings & { info: ModelInfo; loadMs: number; peakMiB: number }
            >('engine', c.threads, REPS, { model: HF_DIR, dtype: c.dtype });
            runs.get(c)!.push(rowOf('node-cpu', r, { peakMiB: r.peakMiB }, la));
          } else {
            const r = await runBrowserEngine(app.url, {
              model: servedPath(HF_DIR),
              backend: 'wasm',
              dtype: c.dtype,
              threads: c.threads,
              texts,
              reps: REPS,
              probeText: probeText(),
            });
            chromium = r.chromium;
            runs.get(c)!.push(rowOf('chromium-wasm', r.run, { peakMiB: r.peaks.rendererMiB }, la));
          }
        }
      }
      for (const c of configs) {
        const merged = mergeRounds(runs.get(c)!);
        features.set(merged, features.get(runs.get(c)![0])!);
        dtypeRows.push(Object.assign(merged, { dtype: c.dtype }));
      }
      log(`dtypes: node-cpu fp16 (correctness), ${maxThreads} thread(s) ...`);
      const la = load1();
      const r = nodeChild<EngineTimings & { info: ModelInfo; loadMs: number; peakMiB: number }>(
        'engine',
        maxThreads,
        REPS,
        { model: HF_DIR, dtype: 'fp16' },
      );
      dtypeRows.push(
        Object.assign(rowOf('node-cpu', r, { peakMiB: r.peakMiB }, la), { dtype: 'fp16' as const }),
      );
    }
    const threads = maxThreads;
    if (PARTS.has('variants')) {
      log(`variants on node-cpu, ${threads} thread(s) ...`);
      const la = load1();
      const n = nodeChild<{ rows: VariantRow[]; peakMiB: number }>(
        'variants',
        threads,
        VARIANT_REPS,
      );
      variantSets.push({ runtime: 'node-cpu', threads, ...n, loadAverage: la });
    }
    if (app && PARTS.has('wasm-variants')) {
      log(`variants on chromium-wasm, ${threads} thread(s) ...`);
      const la = load1();
      const w = await runBrowserVariants(app.url, {
        model: modelPath,
        threads,
        texts,
        reps: VARIANT_REPS,
      });
      chromium = w.chromium;
      variantSets.push({
        runtime: 'chromium-wasm',
        threads,
        rows: w.rows,
        peakMiB: w.peaks.rendererMiB,
        loadAverage: la,
      });
    }
    if (app && PARTS.has('wasm-builds')) {
      // Each build twice, alternating, in a fresh Chromium each time, so drift falls on both.
      for (const threads of THREADS) {
        const passes = { asyncify: [] as number[], plain: [] as number[] };
        for (const build of ['asyncify', 'plain', 'asyncify', 'plain'] as const) {
          log(`chromium-wasm ${build} build, ${threads} thread(s) ...`);
          const r = await runBrowserPass(app.url, {
            kind: 'engine-pass',
            build,
            model: modelPath,
            threads,
            texts,
            reps: REPS,
          });
          passes[build].push(...r.row.passesMs);
        }
        for (const build of ['asyncify', 'plain'] as const)
          buildRows.push({
            build,
            threads,
            passesMs: passes[build],
            medianMs: median(passes[build]),
          });
      }
    }
    if (app && PARTS.has('op-profile')) {
      // The same engine pass under ORT's own profiler on both runtimes: where the time goes.
      for (const threads of THREADS) {
        log(`op profile on node-cpu, ${threads} thread(s) ...`);
        const n = nodeChild<{ rows: VariantRow[] }>('op-profile', threads, REPS).rows[0];
        log(`op profile on chromium-wasm, ${threads} thread(s) ...`);
        const w = await runBrowserPass(app.url, {
          kind: 'op-profile',
          model: modelPath,
          threads,
          texts,
          reps: REPS,
        });
        chromium = w.chromium;
        opProfiles.push(opProfileOf(threads, n, w.row));
      }
    }
    if (app && PARTS.has('typing')) {
      const outDir = join(tmpdir(), `readscope-bench-dist-${process.pid}`);
      log('typing: building the app for production ...');
      const built = await startBuiltApp(outDir);
      try {
        log('typing, production build, roberta-tiny ...');
        const la = load1();
        const run = await runTyping(built.url, {
          build: 'production',
          model: '/models/roberta-tiny',
          reps: REPS,
        });
        chromium = run.chromium ?? chromium;
        typingRuns.push({ ...run, loadAverage: la });
      } finally {
        await built.server.close();
        rmSync(outDir, { recursive: true, force: true });
      }
      if (hasModel) {
        log('typing, development build, the base-size model ...');
        const la = load1();
        const run = await runTyping(app.url, {
          build: 'development',
          model: modelPath,
          reps: REPS,
        });
        chromium = run.chromium ?? chromium;
        typingRuns.push({ ...run, loadAverage: la });
      } else {
        log(`  no ${relative(ROOT, MODEL_DIR)}: the development-build typing run is skipped`);
      }
    }
  } finally {
    await app?.server.close();
  }

  const native = [...engineRows].reverse().find((r) => r.runtime === 'node-cpu');
  if (native) {
    for (const row of engineRows) {
      if (row !== native)
        row.maxAbsDiffVsNative = maxAbsDiff(probes.get(row)!, probes.get(native)!);
    }
  }
  const ratios = THREADS.flatMap((threads) => {
    const n = engineRows.find((r) => r.runtime === 'node-cpu' && r.threads === threads);
    const w = engineRows.find((r) => r.runtime === 'chromium-wasm' && r.threads === threads);
    return n && w
      ? [
          {
            threads,
            nativeMs: n.medianMs,
            wasmMs: w.medianMs,
            wasmOverNative: w.medianMs / n.medianMs,
            nativeCpuMs: n.cpuMsPerPass,
            wasmCpuMs: w.cpuMsPerPass,
            cpuWasmOverNative: w.cpuMsPerPass / n.cpuMsPerPass,
          },
        ]
      : [];
  });

  const reference = dtypeRows.find(
    (r) => r.runtime === 'node-cpu' && r.dtype === 'fp32' && r.threads === maxThreads,
  );
  if (reference) {
    const { means, layers, hidden } = features.get(reference)!;
    const dims = { count: reference.excerpts, layers, hidden };
    for (const row of dtypeRows) {
      if (row === reference) continue;
      row.drift = featureDrift(means, features.get(row)!.means, dims);
      row.isDriftAccepted = isDriftAccepted(row.drift);
      row.maxAbsDiffVsNative = worstDrift(row.drift).maxAbsDiff;
    }
  }
  const { summary, basis: summaryBasis } = summarise(dtypeRows, engineRows, tjs, maxThreads);

  const results = {
    date: new Date().toISOString(),
    machine: {
      cpu: cpuModel(),
      cores: CORES,
      ramGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
      platform: `${process.platform} ${process.arch}`,
      node: process.version,
      chromium,
      onnxruntimeNode: versionOf('onnxruntime-node'),
      onnxruntimeWeb: versionOf('onnxruntime-web'),
      loadAverage: { start: loadStart, end: load1() },
      gpu: 'none (the WebGPU adapter, if any, is SwiftShader in software)',
    },
    model: hasModel
      ? {
          dir: relative(ROOT, MODEL_DIR),
          onnxMiB: Number(
            (statSync(join(MODEL_DIR, 'onnx', 'model.onnx')).size / 2 ** 20).toFixed(1),
          ),
          ...model,
        }
      : null,
    excerpts: {
      count: EXCERPTS,
      probeText: probeText(),
      words: {
        min: Math.min(...words),
        max: Math.max(...words),
        mean: words.reduce((s, w) => s + w, 0) / words.length,
        target: EXCERPT_WORDS,
      },
    },
    reps: REPS,
    variantReps: VARIANT_REPS,
    engine: engineRows,
    ratios,
    variants: variantSets,
    wasmBuilds: buildRows,
    opProfiles,
    typing: typingRuns,
    hfModel: hasHf
      ? {
          dir: relative(ROOT, HF_DIR),
          featureExtractionDir: existsSync(join(HF_FE_DIR, 'onnx', 'model.onnx'))
            ? relative(ROOT, HF_FE_DIR)
            : null,
          files: Object.fromEntries(
            ['model.onnx', 'model_fp16.onnx', 'model_quantized.onnx']
              .filter((f) => existsSync(join(HF_DIR, 'onnx', f)))
              .map((f) => [
                f,
                Number((statSync(join(HF_DIR, 'onnx', f)).size / 2 ** 20).toFixed(1)),
              ]),
          ),
          weights: "random (transformers init, seeded); tokenizer: the fixtures' small trained BPE",
        }
      : null,
    dtypes: dtypeRows,
    acceptedMinCosine: ACCEPTED_MIN_COSINE,
    transformersJs: tjs,
    missing,
    summary,
    summaryBasis,
  };
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
  console.log(renderTables(results.engine, ratios, variantSets));
  for (const r of buildRows)
    console.log(
      `wasm build ${r.build.padEnd(8)} ${r.threads} thread(s): median ${(r.medianMs / 1000).toFixed(2)} s/pass ` +
        `over ${r.passesMs.length} passes`,
    );
  for (const p of opProfiles) console.log(`\n${renderOpProfile(p)}`);
  if (typingRuns.length) console.log(`\n${renderTyping(typingRuns)}`);
  if (dtypeRows.length) console.log(`\n${renderDtypes(dtypeRows)}`);
  if (tjs) console.log(`\n${renderTjs(tjs)}`);
  if (Object.keys(summary).length)
    console.log(
      `\nsummary: ${JSON.stringify(summary)}\nbasis: ${JSON.stringify(summaryBasis, null, 1)}`,
    );
  for (const m of missing) console.log(`\nnot run: ${m}`);
  console.log(`\nwrote ${OUT}`);
}

/**
 * One row from several rounds of the same configuration: the median over every timed pass of
 * every round, medians of the per-round CPU time, load and first result, the highest peak, the
 * mean load average.
 */
function mergeRounds(rounds: EngineRow[]): EngineRow {
  if (rounds.length === 1) return rounds[0];
  const passesMs = rounds.flatMap((r) => r.passesMs);
  const medianMs = median(passesMs);
  const mid = (k: 'cpuMsPerPass' | 'loadMs' | 'firstResultMs' | 'engineLoadMs' | 'warmupMs') =>
    median(rounds.map((r) => r[k]));
  const { excerpts, tokens } = rounds[0];
  return {
    ...rounds[0],
    passesMs,
    medianMs,
    cpuMsPerPass: mid('cpuMsPerPass'),
    loadMs: mid('loadMs'),
    firstResultMs: mid('firstResultMs'),
    engineLoadMs: mid('engineLoadMs'),
    warmupMs: mid('warmupMs'),
    excerptsPerS: perSecond(excerpts, medianMs),
    tokensPerS: perSecond(tokens, medianMs),
    peakMiB: Math.max(...rounds.map((r) => r.peakMiB)),
    loadAverage: rounds.reduce((s, r) => s + r.loadAverage, 0) / rounds.length,
    rounds: rounds.length,
  };
}

/** The path the Vite dev server serves a folder at: the project root, and public/ at the site root. */
function servedPath(dir: string): string {
  return `/${relative(ROOT, dir).split('\\').join('/')}`.replace(/^\/public\//, '/');
}

/** The figures issue #21 asks of a run: time ratios, larger means the first is slower. */
interface Summary {
  wasmFp32OverNativeFp32?: number;
  bestBrowserCpuOverNativeFp32?: number;
  bestBrowserCpuDtype?: Dtype;
  transformersJsOverReadscope?: number;
}

/**
 * The summary, at the most threads: WASM fp32 over native fp32 (the dtype rows on the Hugging Face
 * folder, else the engine rows); the fastest WASM dtype whose drift is accepted over native fp32;
 * transformers.js's pipeline on the same fill-mask file over readscope's all-layer pass. `basis`
 * says which rows each ratio came from.
 */
function summarise(
  dtypeRows: DtypeRow[],
  engineRows: EngineRow[],
  tjs: TjsComparison | null,
  threads: number,
): { summary: Summary; basis: Record<string, string | number> } {
  const summary: Summary = {};
  const basis: Record<string, string | number> = { threads };
  const at = <T extends EngineRow>(rows: T[], runtime: Runtime, dtype?: Dtype) =>
    rows.find(
      (r) =>
        r.runtime === runtime &&
        r.threads === threads &&
        (dtype === undefined || (r as EngineRow & { dtype?: Dtype }).dtype === dtype),
    );
  const fromDtypes = at(dtypeRows, 'node-cpu', 'fp32') && at(dtypeRows, 'chromium-wasm', 'fp32');
  const native = fromDtypes ? at(dtypeRows, 'node-cpu', 'fp32') : at(engineRows, 'node-cpu');
  const wasm = fromDtypes
    ? at(dtypeRows, 'chromium-wasm', 'fp32')
    : at(engineRows, 'chromium-wasm');
  if (native && wasm) {
    summary.wasmFp32OverNativeFp32 = wasm.medianMs / native.medianMs;
    basis.wasmFp32OverNativeFp32 = `${fromDtypes ? 'dtype rows (Hugging Face folder)' : 'engine rows'}: ${fmt(wasm.medianMs, 0)} / ${fmt(native.medianMs, 0)} ms per pass`;
    basis.wasmFp32OverNativeFp32CpuTime = wasm.cpuMsPerPass / native.cpuMsPerPass;
  }
  const browser = dtypeRows
    .filter((r) => r.runtime === 'chromium-wasm' && r.threads === threads && r.drift)
    .map((r) => ({ row: r, ms: r.medianMs, drift: r.drift! }));
  const best = fastestAccepted(browser);
  const nativeFp32 = at(dtypeRows, 'node-cpu', 'fp32');
  if (best && nativeFp32) {
    summary.bestBrowserCpuOverNativeFp32 = best.ms / nativeFp32.medianMs;
    summary.bestBrowserCpuDtype = best.row.dtype;
    basis.bestBrowserCpu = `chromium-wasm ${best.row.dtype}: ${fmt(best.ms, 0)} / ${fmt(nativeFp32.medianMs, 0)} ms per pass; accepted: every layer's cosine ≥ ${ACCEPTED_MIN_COSINE}`;
    basis.bestBrowserCpuOverNativeFp32CpuTime = best.row.cpuMsPerPass / nativeFp32.cpuMsPerPass;
  }
  const mine = tjs?.rows.find((r) => r.name === 'readscope');
  const theirs = tjs?.rows.find((r) => r.name === 'transformers.js, fill-mask export');
  if (tjs && mine && theirs) {
    summary.transformersJsOverReadscope = theirs.medianMs / mine.medianMs;
    basis.transformersJsOverReadscope = `node-cpu, ${tjs.threads} thread(s), the same fill-mask model.onnx: ${fmt(theirs.medianMs, 0)} / ${fmt(mine.medianMs, 0)} ms per pass`;
    basis.transformersJsOverReadscopeCpuTime = theirs.cpuMsPerPass / mine.cpuMsPerPass;
  }
  return { summary, basis };
}

/** The dtype rows, then each one's drift layer by layer. */
function renderDtypes(rows: DtypeRow[]): string {
  const drifted = rows.filter((r) => r.drift);
  const worst = (r: DtypeRow) => (r.drift ? worstDrift(r.drift) : null);
  const name = (r: DtypeRow) => `${r.runtime} ${r.dtype} ${r.threads}t`;
  const parts = [
    `dtype rows on the Hugging Face base-size folder (random weights); drift against native fp32 at the most threads:\n` +
      formatTable(
        [
          'runtime',
          'dtype',
          'threads',
          'excerpts/s',
          'tokens/s',
          'CPU s/pass',
          'first result ms',
          'load s',
          'peak MiB',
          'worst cosine',
          'max |Δ|',
          'accepted',
          'load avg',
        ],
        rows.map((r) => [
          r.runtime,
          r.dtype,
          String(r.threads),
          fmt(r.excerptsPerS, 2),
          fmt(r.tokensPerS, 0),
          fmt(r.cpuMsPerPass / 1000, 1),
          fmt(r.firstResultMs, 0),
          fmt(r.loadMs / 1000, 1),
          fmt(r.peakMiB, 0),
          worst(r) ? worst(r)!.cosineMin.toFixed(6) : '(reference)',
          worst(r) ? worst(r)!.maxAbsDiff.toExponential(2) : '—',
          r.drift ? (r.isDriftAccepted ? 'yes' : 'no') : '—',
          fmt(r.loadAverage, 1),
        ]),
      ),
  ];
  if (drifted.length) {
    const layers = drifted[0].drift!.length;
    parts.push(
      'drift by layer (per-text cosine: worst / mean; max |Δ|), against native fp32:\n' +
        formatTable(
          ['layer', 'reference max |x|', ...drifted.map(name)],
          Array.from({ length: layers }, (_, l) => [
            String(l),
            fmt(drifted[0].drift![l].referenceMaxAbs, 2),
            ...drifted.map((r) => {
              const d = r.drift![l];
              return `${d.cosineMin.toFixed(5)} / ${d.cosineMean.toFixed(5)}; ${d.maxAbsDiff.toExponential(1)}`;
            }),
          ]),
        ),
    );
  }
  return parts.join('\n\n');
}

/** transformers.js's pipeline beside readscope's pass. */
function renderTjs(t: TjsComparison & { loadAverage: number }): string {
  const mine = t.rows.find((r) => r.name === 'readscope')!;
  return (
    `transformers.js ${t.transformersJsVersion} feature-extraction (mean pooling) beside readscope, node-cpu, ` +
    `${t.threads} thread(s), ${t.texts} excerpts (${t.tokens} tokens), medians of ${mine.passesMs.length} rounds, load avg ${fmt(t.loadAverage, 1)}:\n` +
    formatTable(
      ['run', 'returns per pass', 's/pass', 'CPU s/pass', 'load s', 'time vs readscope'],
      t.rows.map((r) => [
        r.name,
        `[${r.outputDims.join(', ')}]`,
        fmt(r.medianMs / 1000, 2),
        fmt(r.cpuMsPerPass / 1000, 2),
        fmt(r.loadMs / 1000, 1),
        `${fmt(r.medianMs / mine.medianMs, 2)}x`,
      ]),
    ) +
    `\nlast layer, the pipeline on the feature-extraction export against readscope's mean: max |Δ| ${
      t.lastLayerMaxAbsDiff === null ? '—' : t.lastLayerMaxAbsDiff.toExponential(2)
    }`
  );
}

/** The typing table: idle and during-encode figures side by side, with their ratios. */
function renderTyping(runs: (TypingRun & { loadAverage: number })[]): string {
  const pair = (idle: number, during: number) => `${fmt(idle, 0)} → ${fmt(during, 0)}`;
  const ratio = (r: number | null) => (r === null ? '—' : `${fmt(r, 2)}x`);
  return (
    `typing while a long text is encoded: idle → during the encode, medians over ${runs[0].reps.length} reps ` +
    `(${TYPED_KEYS} keys each)\n` +
    formatTable(
      [
        'build, model',
        'tokens',
        'key→frame median ms',
        'ratio',
        'key→frame max ms',
        'ratio',
        'long tasks',
        'long-task max ms',
        'ratio',
        'worst',
        'blocked',
        'until panels s',
        'load avg',
      ],
      runs.map((r) => [
        `${r.build}, ${r.model.split('/').pop()}`,
        String(r.tokens),
        pair(r.idle.keyToFrameMedianMs, r.encoding.keyToFrameMedianMs),
        ratio(r.keyToFrameMedianOverIdle),
        pair(r.idle.keyToFrameMaxMs, r.encoding.keyToFrameMaxMs),
        ratio(r.keyToFrameMaxOverIdle),
        `${fmt(r.idle.longTasks, 0)} → ${fmt(r.encoding.longTasks, 0)}`,
        pair(r.idle.longTaskMaxMs, r.encoding.longTaskMaxMs),
        ratio(r.longTaskMaxOverIdle),
        pair(r.worstIdleLongTaskMs, r.worstLongTaskMs),
        `${fmt(100 * r.encoding.blockedShare, 0)}%`,
        fmt(r.untilPanelsMs / 1000, 1),
        fmt(r.loadAverage, 1),
      ]),
    )
  );
}

/** Kernel time by operator on both runtimes, from one profiled run each. */
interface OpProfile {
  threads: number;
  /** Wall time of the profiled passes (the profiler's own cost included). */
  nativePassMs: number;
  wasmPassMs: number;
  ops: { op: string; nativeMs: number; wasmMs: number; calls: number }[];
}

function opProfileOf(threads: number, native: VariantRow, wasm: VariantRow): OpProfile {
  const nativeBy = new Map((native.ops ?? []).map((o) => [o.op, o]));
  const wasmBy = new Map((wasm.ops ?? []).map((o) => [o.op, o]));
  const names = [...new Set([...nativeBy.keys(), ...wasmBy.keys()])];
  const ms = (m: Map<string, OpTime>, op: string) => m.get(op)?.ms ?? 0;
  return {
    threads,
    nativePassMs: native.medianMs,
    wasmPassMs: wasm.medianMs,
    ops: names
      .map((op) => ({
        op,
        nativeMs: ms(nativeBy, op),
        wasmMs: ms(wasmBy, op),
        calls: wasmBy.get(op)?.calls ?? nativeBy.get(op)?.calls ?? 0,
      }))
      .sort((a, b) => b.wasmMs - a.wasmMs),
  };
}

/** The op table: each operator's kernel time, its WASM / native ratio and its share of the gap. */
function renderOpProfile(p: OpProfile): string {
  const total = (k: 'nativeMs' | 'wasmMs') => p.ops.reduce((s, o) => s + o[k], 0);
  const gap = total('wasmMs') - total('nativeMs');
  const row = (op: string, nativeMs: number, wasmMs: number) => [
    op,
    fmt(nativeMs, 0),
    fmt(wasmMs, 0),
    nativeMs > 0 ? `${fmt(wasmMs / nativeMs, 2)}x` : '—',
    `${fmt((100 * wasmMs) / total('wasmMs'), 1)}%`,
    `${fmt((100 * (wasmMs - nativeMs)) / gap, 1)}%`,
  ];
  return (
    `kernel time by operator, ${p.threads} thread(s), summed over the profiled run ` +
    `(pass: native ${fmt(p.nativePassMs, 0)} ms, wasm ${fmt(p.wasmPassMs, 0)} ms):\n` +
    formatTable(
      ['operator', 'native ms', 'wasm ms', 'wasm / native', 'share of wasm', 'share of gap'],
      [
        ...p.ops
          .filter((o) => o.wasmMs + o.nativeMs >= 1)
          .map((o) => row(o.op, o.nativeMs, o.wasmMs)),
        row('all kernels', total('nativeMs'), total('wasmMs')),
      ],
    )
  );
}

/** The printed tables: engine runs, WASM/native ratios, and the before/after variants. */
function renderTables(
  engine: EngineRow[],
  ratios: {
    threads: number;
    nativeMs: number;
    wasmMs: number;
    wasmOverNative: number;
    cpuWasmOverNative: number;
  }[],
  variants: VariantSet[],
): string {
  const parts: string[] = [];
  if (engine.length)
    parts.push(
      formatTable(
        [
          'runtime',
          'threads',
          'excerpts',
          'excerpts/s',
          'tokens/s',
          'CPU s/pass',
          'first result ms',
          'load s',
          'peak MiB',
          '|Δ| vs native',
          'load avg',
        ],
        engine.map((r) => [
          r.runtime + (r.adapter?.isSoftwareAdapter ? ' (software)' : ''),
          r.runtime === 'chromium-webgpu' ? 'gpu' : String(r.threads),
          String(r.excerpts),
          fmt(r.excerptsPerS, 2),
          fmt(r.tokensPerS, 0),
          fmt(r.cpuMsPerPass / 1000, 1),
          fmt(r.firstResultMs, 0),
          fmt(r.loadMs / 1000, 1),
          fmt(r.peakMiB, 0) + (r.gpuProcessPeakMiB ? ` (+gpu ${fmt(r.gpuProcessPeakMiB, 0)})` : ''),
          r.maxAbsDiffVsNative === undefined ? '—' : r.maxAbsDiffVsNative.toExponential(1),
          fmt(r.loadAverage, 1),
        ]),
      ),
    );
  if (ratios.length) {
    parts.push(
      formatTable(
        ['threads', 'native ms/pass', 'wasm ms/pass', 'wasm / native', 'CPU-time ratio', 'goal'],
        ratios.map((r) => [
          String(r.threads),
          fmt(r.nativeMs, 0),
          fmt(r.wasmMs, 0),
          `${fmt(r.wasmOverNative, 2)}x`,
          `${fmt(r.cpuWasmOverNative, 2)}x`,
          '≤ 1.5x',
        ]),
      ),
    );
  }
  for (const set of variants) {
    const engineRow = (group: string) =>
      set.rows.find((r) => r.group === group && /engine|pruned/.test(r.name));
    parts.push(
      `${set.runtime}, ${set.threads} thread(s), ${set.rows[0]?.excerpts ?? 0} excerpts:\n` +
        formatTable(
          [
            'variant',
            'ms/pass',
            'excerpts/s',
            'padded tokens',
            'fetched MiB',
            'CPU s/pass',
            'session s',
            'time vs engine',
          ],
          set.rows.map((r) => [
            `${r.group}: ${r.name}`,
            fmt(r.medianMs, 0),
            fmt(perSecond(r.excerpts, r.medianMs), 2),
            String(r.paddedTokens),
            fmt(r.fetchedBytes / 2 ** 20, 1),
            fmt((r.cpuMsPerPass ?? NaN) / 1000, 1),
            r.sessionMs === undefined ? '—' : fmt(r.sessionMs / 1000, 1),
            `${fmt(r.medianMs / (engineRow(r.group)?.medianMs ?? r.medianMs), 2)}x`,
          ]),
        ),
    );
  }
  return parts.join('\n\n');
}

await main();
