/**
 * `readscope fit`: a labelled train.csv in, a ridge head out. Features for every parameter-free
 * strategy × valid layer come from one batch run; the sweep cross-validates each cell (a quick
 * sweep's best cell of each strategy again exactly), the grid is printed, and the best cell (or
 * the one asked for) is fitted on every row. With --learned, learned poolings (over the layers' CLS
 * vectors, or Conv1D over the last layer's tokens) are cross-validated on the same folds too, and
 * can be the head written.
 */
import { availableParallelism } from 'node:os';
import { writeFile } from 'node:fs/promises';
import { DEFAULT_FOLDS, DEFAULT_SEED } from '../analysis/crossValidate.ts';
import {
  createHead,
  createLearnedHead,
  headToJson,
  type Head,
  type HeadStrategy,
} from '../analysis/head.ts';
import { DEFAULT_LEARNED_CONFIG, learnedConfigFor } from '../analysis/learnedConfig.ts';
import { meanPredictorRmse } from '../analysis/oof.ts';
import {
  LAYERWISE_LEARNED_STRATEGIES,
  type LearnedStrategy,
  type PoolOptions,
} from '../analysis/pooling.ts';
import {
  QUICK_SWEEP_SKETCH,
  sweepGrid,
  type SweepEntry,
  type SweepGrid,
} from '../analysis/sweep.ts';
import type { BatchPooling, EmbeddedBatch, ModelInfo } from '../engine/protocol.ts';
import { extractTokenFeatures, sweepPlan, type TokenFeatures } from '../pipeline/fitRun.ts';
import { loadedModel } from '../pipeline/scoring.ts';
import {
  sweepConfirmInspect,
  type SweepOutcome,
  type SweepRun,
} from '../pipeline/sweepConfirmInspect.ts';
import { SweepSession, type LearnedCv } from '../pipeline/sweepSession.ts';
import {
  CliError,
  EXIT_OK,
  intOption,
  onePositional,
  parseCommandArgs,
  pathIn,
  required,
  type CliIo,
} from './io.ts';
import {
  HEAD_STRATEGIES,
  MODEL_HELP,
  COMMAND_OPTIONS,
  loadModel,
  parseStrategies,
  poolingsFor,
} from './model.ts';
import { CLEAR_HELP, CLEAR_OPTIONS, clearRows } from './clear.ts';
import { progressOn, type Progress } from './progress.ts';
import { readRows } from './rows.ts';
import { nodeSweepWorkers, onSharedMemory } from './sweepPool.ts';

/** The learned poolings the command fits. */
const LEARNED: readonly LearnedStrategy[] = [...LAYERWISE_LEARNED_STRATEGIES, 'conv1d'];

export const FIT_HELP = `Usage: readscope fit train.csv --model M --out head.json [options]
       readscope fit --clear [--subset N] --model M --out head.json [options]

Extracts features for every pooling strategy × layer, cross-validates a ridge head on each,
prints the CV-RMSE grid, fits the best cell on every row and writes the head JSON.

Options:
${MODEL_HELP}
  --out FILE          head JSON to write (required)
${CLEAR_HELP}
  --folds K           cross-validation folds (default ${DEFAULT_FOLDS})
  --seed N            fold shuffle seed (default ${DEFAULT_SEED})
  --strategies LIST   comma-separated subset of: ${HEAD_STRATEGIES.join(', ')}
                      (default: all; pooler only where the model has a trained one)
  --strategy S        fit this strategy instead of the best one (a learned one too)
  --layer L           fit this layer instead of the best one
  --learned LIST      also cross-validate these learned poolings on the same folds: all, or
                      a comma-separated subset of: ${LEARNED.join(', ')}.
                      The first four read the CLS vector of every layer from layer_start on;
                      conv1d reads the last layer's tokens, for which the model runs over the
                      texts once more. The best of everything cross-validated is written
                      unless --strategy chooses
  --grid FILE         also write the grid (.json, or .csv: one row per strategy)
  --sketch N          quick sweep: cells wider than N features are cross-validated on an
                      N-column randomized Hadamard sketch (default ${QUICK_SWEEP_SKETCH}); each
                      strategy's best cell is then cross-validated exactly, and the chosen cell
                      is always fitted exactly on all its features
  --exact             cross-validate every cell on all its features (slower)
  --workers N         worker threads for the sweep and the learned poolings (default: all cores)
  --skip-bad-rows     leave out rows that cannot be used instead of stopping
  -h, --help          this help

Exit codes: 0 ok, 1 unexpected error, 2 bad input.
`;

const OPTIONS = {
  ...COMMAND_OPTIONS,
  folds: { type: 'string' },
  seed: { type: 'string' },
  strategies: { type: 'string' },
  strategy: { type: 'string' },
  layer: { type: 'string' },
  grid: { type: 'string' },
  sketch: { type: 'string' },
  exact: { type: 'boolean' },
  workers: { type: 'string' },
  learned: { type: 'string' },
  ...CLEAR_OPTIONS,
} as const;

const isLearned = (s: string): s is LearnedStrategy => (LEARNED as readonly string[]).includes(s);

/** Learned pooling names from --learned: `all`, or a comma-separated list, each checked. */
function parseLearned(text: string): LearnedStrategy[] {
  if (text.trim() === 'all') return [...LEARNED];
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names)
    if (!isLearned(n))
      throw new CliError(
        `Unknown learned pooling "${n}"; choose all or from ${LEARNED.join(', ')}.`,
      );
  if (!names.length) throw new CliError('Name at least one learned pooling, or all.');
  return names as LearnedStrategy[];
}

/** Runs `readscope fit`; returns the exit code. */
export async function fit(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('fit', args, OPTIONS);
  if (values.help) {
    io.stdout.write(FIT_HELP);
    return EXIT_OK;
  }
  if (values.clear && positionals.length)
    throw new CliError('--clear fits on the shipped corpus; leave out the CSV file, or --clear.');
  if (values.subset !== undefined && !values.clear)
    throw new CliError('--subset picks excerpts of the CLEAR corpus; add --clear.');
  const input = values.clear
    ? 'the CLEAR corpus'
    : onePositional('fit', positionals, 'labelled CSV file');
  const out = required('fit', 'out', values.out);
  const folds = intOption('folds', values.folds, DEFAULT_FOLDS, 2, 100);
  const seed = intOption('seed', values.seed, DEFAULT_SEED, 0);
  const workers = intOption('workers', values.workers, availableParallelism(), 1, 256);
  if (values.exact && values.sketch !== undefined)
    throw new CliError('--exact and --sketch contradict each other; give one.');
  const sketch = values.exact
    ? undefined
    : intOption('sketch', values.sketch, QUICK_SWEEP_SKETCH, 1, 65536);
  const asked = values.strategies ? parseStrategies(values.strategies) : null;
  const learned = values.learned ? parseLearned(values.learned) : [];
  const pickLearned =
    values.strategy !== undefined && isLearned(values.strategy) ? values.strategy : undefined;
  if (pickLearned && !learned.includes(pickLearned)) learned.push(pickLearned);
  const pickStrategy =
    values.strategy === undefined || pickLearned ? undefined : parseStrategies(values.strategy);
  if (pickStrategy && pickStrategy.length !== 1) throw new CliError('--strategy takes one name.');
  const pickLayer = values.layer === undefined ? undefined : intOption('layer', values.layer, 0, 0);

  const { rows, trainedOn } = values.clear
    ? await clearRows(io, values.subset)
    : {
        ...(await readRows(io, input, 'train', values['skip-bad-rows'] ?? false)),
        trainedOn: undefined,
      };
  if (rows.length < folds) {
    throw new CliError(`${input}: ${rows.length} rows cannot be split into ${folds} folds.`);
  }
  const engine = await loadModel(io, values);
  let batch: EmbeddedBatch;
  const { info } = engine;
  const strategies = chosenStrategies(asked, info);
  if (pickStrategy && !strategies.includes(pickStrategy[0])) {
    throw new CliError(`--strategy ${pickStrategy[0]} is not among the strategies swept.`);
  }
  if (pickLearned && pickLayer !== undefined && pickLayer !== info.layers - 1) {
    throw new CliError(
      `--strategy ${pickLearned} reads ${pickLearned === 'conv1d' ? 'the tokens of the last layer' : 'every layer up to the last'} (${info.layers - 1}); leave out --layer.`,
    );
  }
  let tokens: TokenFeatures | null = null;
  try {
    const progress = progressOn(io, 'embedding', rows.length, 'rows');
    batch = await engine.embed(
      rows.map((r) => r.text),
      poolingsFor(strategies, learned.length > 0),
      (done) => progress.update(done),
    );
    progress.finish();
    if (learned.includes('conv1d')) {
      const tokenProgress = progressOn(
        io,
        'reading last-layer tokens for conv1d',
        rows.length,
        'rows',
      );
      tokens = await extractTokenFeatures({
        texts: rows.map((r) => r.text),
        info,
        dim: DEFAULT_LEARNED_CONFIG.projection,
        db: null,
        embed: (t, p, signal, request) => engine.embed(t, p, undefined, signal, undefined, request),
        onProgress: ({ done }) => tokenProgress.update(done),
      });
      tokenProgress.finish();
    }
  } finally {
    await engine.release();
  }

  const { cells, poolOptions } = sweepPlan(info.layers, strategies);
  const y = Float64Array.from(rows, (r) => r.target);
  // Worker threads read the table in place: on shared memory, moved a pooling at a time so that
  // each old copy can go as the next is made.
  if (workers > 1)
    for (const p of Object.keys(batch.pooled) as BatchPooling[])
      batch.pooled[p] &&= onSharedMemory(batch.pooled[p]);
  const baseline = meanPredictorRmse(y);
  let head: Head;
  let cvRmse: { rmse: number; rmseStd: number };
  let what: string;
  const session = new SweepSession(nodeSweepWorkers(workers));
  try {
    // The figures of the Fit view, by its sequence: sweep, confirm each strategy's best estimate
    // (not when the cell is given: the grid is then only printed), fit the chosen cell exactly.
    const swept = await sweepWithProgress(io, session, {
      table: batch,
      y,
      cells,
      poolOptions,
      folds,
      seed,
      sketch,
      confirm: !(pickStrategy && pickLayer !== undefined),
      choose: (entries) =>
        pickLearned ? null : chooseEntry(entries, pickStrategy?.[0], pickLayer),
      outOfFold: false,
    });
    const { entries } = swept;
    const grid = sweepGrid(entries, info.layers);
    const chosen = chooseEntry(entries, pickStrategy?.[0], pickLayer);
    io.stdout.write(gridTable(grid, chosen, baseline));
    if (values.grid)
      await writeFile(pathIn(io, values.grid), gridFile(values.grid, grid, baseline, sketch));

    // Learned poolings: the same folds, one (pooling, fold) fit per worker at a time.
    if (tokens)
      await session.holdTokens(
        workers > 1 ? { ...tokens.input, data: onSharedMemory(tokens.input.data) } : tokens.input,
      );
    const configs = new Map(learned.map((s) => [s, learnedConfigFor(s, poolOptions)]));
    const configFor = (s: LearnedStrategy) => configs.get(s)!;
    let learnedCvs: LearnedCv[] = [];
    if (learned.length) {
      const progress = progressOn(
        io,
        `cross-validating ${learned.join(', ')}, ${folds}-fold`,
        learned.length * folds,
        'folds',
      );
      learnedCvs = await session.learnedCv(learned, configFor, (done) => progress.update(done));
      progress.finish();
    }
    if (learnedCvs.length) io.stdout.write(learnedTable(learnedCvs, info.layers, poolOptions));
    if (tokens?.cut)
      io.stderr.write(
        `conv1d read ${tokens.cut} text(s) longer than the model up to its ${info.maxTokens} tokens\n`,
      );
    // A learned pooling is written when asked for, or, with no cell asked for, when it did best.
    const bestLearned = learnedCvs.reduce<LearnedCv | null>(
      (b, l) => (!b || l.cv.rmse < b.cv.rmse ? l : b),
      null,
    );
    const writeLearned = pickLearned
      ? learnedCvs.find((l) => l.strategy === pickLearned)!
      : !pickStrategy &&
          pickLayer === undefined &&
          bestLearned &&
          bestLearned.cv.rmse < chosen.result.rmse
        ? bestLearned
        : null;

    if (writeLearned) {
      const { strategy } = writeLearned;
      const fitted = await session.learnedFit(strategy, configFor(strategy));
      head = createLearnedHead({
        model: loadedModel(info),
        layers: info.layers,
        fitted,
        ...(strategy === 'conv1d' && { tokenProjection: tokens!.directions }),
        cv: writeLearned.cv,
        rows: rows.length,
      });
      cvRmse = writeLearned.cv;
      what =
        strategy === 'conv1d'
          ? `conv1d over the tokens of layer ${info.layers - 1}, `
          : `${strategy} over layers ${configFor(strategy).layerStart}–${info.layers - 1}, `;
    } else {
      // The sweep's figure may come from a sketch; the head is the exact fit, with its own CV.
      const { cv, model } = await swept.inspection!;
      head = createHead({
        model: loadedModel(info),
        strategy: chosen.strategy as HeadStrategy,
        layer: chosen.layer,
        poolOptions,
        ridge: model,
        cv,
        rows: rows.length,
      });
      cvRmse = cv;
      what =
        `${chosen.strategy} at layer ${chosen.layer}, alpha ${chosen.result.alpha}, ` +
        (chosen.sketch || chosen.estimate !== undefined
          ? `(exact; the quick sweep estimated ${(chosen.estimate ?? chosen.result.rmse).toFixed(4)}) `
          : '');
    }
  } finally {
    session.reset('readscope fit has ended.');
  }
  if (trainedOn !== undefined) head = { ...head, trainedOn };
  await writeFile(pathIn(io, out), headToJson(head));
  io.stderr.write(
    `wrote ${out}: ${what}CV RMSE ${cvRmse.rmse.toFixed(4)} ± ${cvRmse.rmseStd.toFixed(4)} ` +
      `(predicting the mean: ${baseline.toFixed(4)})\n`,
  );
  return EXIT_OK;
}

/** The strategies to sweep; the pooler only where it was trained (RoBERTa's is random). */
function chosenStrategies(asked: HeadStrategy[] | null, info: ModelInfo): HeadStrategy[] {
  if (asked?.includes('pooler') && !info.hasTrainedPooler) {
    throw new CliError(
      `${info.modelId} has no trained pooler; leave "pooler" out of --strategies.`,
    );
  }
  return asked ?? HEAD_STRATEGIES.filter((s) => s !== 'pooler' || info.hasTrainedPooler);
}

/** `sweepConfirmInspect` with each stage's progress on stderr. */
async function sweepWithProgress(
  io: CliIo,
  session: SweepSession,
  run: SweepRun,
): Promise<SweepOutcome> {
  const { cells, folds, sketch } = run;
  const sweeping = progressOn(
    io,
    `sweeping ${cells.length} cells, ${folds}-fold CV${sketch ? `, sketch ${sketch}` : ''}`,
    cells.length,
    'cells',
  );
  let confirming: Progress | null = null;
  const outcome = await sweepConfirmInspect(session, run, {
    onEntry: (_entry, done) => sweeping.update(done),
    onSwept: () => sweeping.finish(),
    onConfirm: (_entries, done, total) => {
      if (!total) return;
      confirming ??= progressOn(
        io,
        `cross-validating each strategy's best estimate exactly`,
        total,
        'cells',
      );
      if (done > 0) confirming.update(done);
      if (done === total) confirming.finish();
    },
  });
  // Only an aborted run ends without an outcome, and nothing aborts this one.
  return outcome!;
}

/** The cell asked for (either coordinate may be left to the sweep), else the best one. */
function chooseEntry(
  entries: readonly SweepEntry[],
  strategy: HeadStrategy | undefined,
  layer: number | undefined,
): SweepEntry {
  const candidates = entries.filter(
    (e) =>
      (strategy === undefined || e.strategy === strategy) &&
      (layer === undefined || e.layer === layer),
  );
  if (!candidates.length) {
    throw new CliError(
      `No swept cell has ${[strategy && `strategy ${strategy}`, layer !== undefined && `layer ${layer}`].filter(Boolean).join(' and ')}.`,
    );
  }
  return candidates.reduce((b, e) => (e.result.rmse < b.result.rmse ? e : b));
}

/** The grid as a text table: one row per strategy, one column per layer, the chosen cell starred. */
export function gridTable(grid: SweepGrid, chosen: SweepEntry, baseline: number): string {
  const width = 8;
  const nameWidth = Math.max(8, ...grid.strategies.map((s) => s.length)) + 2;
  const head =
    'CV RMSE'.padEnd(nameWidth) +
    Array.from({ length: grid.layers }, (_, l) => `L${l}`.padStart(width)).join('');
  const lines = grid.strategies.map(
    (s, i) =>
      s.padEnd(nameWidth) +
      grid.rmse[i]
        .map((v, l) => {
          if (v === null) return '-'.padStart(width);
          const mark = s === chosen.strategy && l === chosen.layer ? '*' : ' ';
          return `${v.toFixed(4)}${mark}`.padStart(width);
        })
        .join(''),
  );
  return `${[head, ...lines].join('\n')}\n* chosen; predicting the mean gives ${baseline.toFixed(4)}\n`;
}

/** The learned poolings' CV, a line each, under the grid. */
function learnedTable(
  results: readonly { strategy: string; cv: { rmse: number; rmseStd: number } }[],
  layers: number,
  poolOptions: PoolOptions,
): string {
  const span = `layers ${poolOptions.layerStart}–${layers - 1}`;
  const lines = results.map(
    (r) => `${r.strategy.padEnd(18)}${r.cv.rmse.toFixed(4)} ± ${r.cv.rmseStd.toFixed(4)}`,
  );
  const reads = results.some((r) => r.strategy === 'conv1d')
    ? `CLS of ${span}; conv1d: tokens of layer ${layers - 1}`
    : `CLS of ${span}`;
  return `learned poolings (${reads}), CV RMSE:\n${lines.join('\n')}\n`;
}

/** The grid as a file: JSON, or CSV with one row per strategy and one column per layer. */
function gridFile(
  file: string,
  grid: SweepGrid,
  baseline: number,
  sketch: number | undefined,
): string {
  if (file.toLowerCase().endsWith('.csv')) {
    const header = ['strategy', ...Array.from({ length: grid.layers }, (_, l) => `layer${l}`)];
    const lines = grid.strategies.map((s, i) => [
      s,
      ...grid.rmse[i].map((v) => (v === null ? '' : String(v))),
    ]);
    return `${[header, ...lines].map((l) => l.join(',')).join('\n')}\n`;
  }
  const best = grid.best && {
    strategy: grid.best.strategy,
    layer: grid.best.layer,
    rmse: grid.best.result.rmse,
    rmseStd: grid.best.result.rmseStd,
    alpha: grid.best.result.alpha,
  };
  // `sketch`: cells wider than this were cross-validated on a sketch (null: every cell exact).
  return `${JSON.stringify({ strategies: grid.strategies, layers: grid.layers, rmse: grid.rmse, rmseStd: grid.rmseStd, best, meanPredictorRmse: baseline, sketch: sketch ?? null }, null, 1)}\n`;
}
