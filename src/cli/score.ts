/**
 * `readscope score`: a test.csv in, `submission.csv` (exactly `id,target`) out, scored by a fitted
 * head, by a one-label regression export on its own, or by the no-download lite model.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { headFits, parseHead, type Head } from '../analysis/head.ts';
import { layerSpan } from '../analysis/pooling.ts';
import type { TextRow } from '../data/csv.ts';
import { isDataError } from '../data/errors.ts';
import { resultsCsv, submissionCsv, type ResultColumn } from '../data/submission.ts';
import type { Engine } from '../engine/engine.ts';
import type { ModelInfo } from '../engine/protocol.ts';
import { FORMULA_IDS, formulas } from '../readability/formulas.ts';
import { predictLite } from '../readability/lite.ts';
import {
  batchPoolingFor,
  loadedModel,
  predictBatch,
  tokenRequestFor,
} from '../pipeline/scoring.ts';
import {
  CliError,
  EXIT_OK,
  EXIT_UNEXPECTED,
  onePositional,
  parseCommandArgs,
  pathIn,
  required,
  type CliIo,
} from './io.ts';
import { COMMAND_OPTIONS, MODEL_HELP, embedInChunks, loadModel } from './model.ts';
import { progressOn } from './progress.ts';
import { absentIdsNote, readRows } from './rows.ts';

export const SCORE_HELP = `Usage: readscope score test.csv --out submission.csv (--model M [--head head.json] | --lite)

Scores every row of a CommonLit-format CSV (id plus excerpt or text) and writes id,target.

Scorer (one of):
  --head FILE     a head fitted with "readscope fit" (or saved from the app) for --model
  (no --head)     --model itself, when it is a one-label regression export
  --lite          the no-download lite model; needs no --model

Options:
${MODEL_HELP}
  --out FILE      submission CSV to write: exactly id,target (required)
  --results FILE  also write id, target, lite score and each classic formula
  --skip-bad-rows leave out rows that cannot be used (listed on stderr) instead of stopping
  -h, --help      this help

Exit codes: 0 ok, 1 unexpected error, 2 bad input.
`;

const OPTIONS = {
  ...COMMAND_OPTIONS,
  head: { type: 'string' },
  lite: { type: 'boolean' },
  results: { type: 'string' },
} as const;

/** Runs `readscope score`; returns the exit code. */
export async function score(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('score', args, OPTIONS);
  if (values.help) {
    io.stdout.write(SCORE_HELP);
    return EXIT_OK;
  }
  const input = onePositional('score', positionals, 'CSV file to score');
  const out = required('score', 'out', values.out);
  if (values.lite && (values.model || values.head)) {
    throw new CliError('--lite scores without a model: leave out --model and --head.');
  }
  if (!values.lite && !values.model) {
    throw new CliError('Give --model (with --head unless it is a regression export), or --lite.');
  }
  const headText = values.head ? await readText(io, values.head) : null;
  const head = headText === null ? null : checkedHead(values.head!, headText);

  const { rows, problems } = await readRows(io, input, 'test', values['skip-bad-rows'] ?? false);
  const texts = rows.map((r) => r.text);
  let targets: Float64Array;
  if (values.lite) {
    targets = scoreLite(io, texts);
  } else {
    const engine = await loadModel(io, values);
    try {
      targets = await scoreWithModel(io, engine, texts, head);
    } finally {
      await engine.release();
    }
  }

  const ids = rows.map((r) => r.id);
  await writeCsv(io, out, () =>
    submissionCsv(
      ids,
      ids.map((id, i) => ({ id, target: targets[i] })),
    ),
  );
  if (values.results) await writeCsv(io, values.results, () => resultsFile(rows, targets));
  io.stderr.write(`wrote ${ids.length} scores to ${out}\n${absentIdsNote(rows, problems)}`);
  return EXIT_OK;
}

async function readText(io: CliIo, file: string): Promise<string> {
  try {
    return await readFile(pathIn(io, file), 'utf8');
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new CliError(`${file}: cannot read it (${why}).`);
  }
}

function checkedHead(file: string, text: string): Head {
  const parsed = parseHead(text);
  if (!parsed.ok) throw new CliError(`${file} is not a usable head: ${parsed.reason}`);
  return parsed.head;
}

/** The head's checks against the loaded model: the app's own, plus the layer it sits on. */
function checkHeadFits(head: Head, info: ModelInfo): void {
  const fit = headFits(head, loadedModel(info));
  if (!fit.ok) throw new CliError(fit.reason);
  if (
    head.strategy === 'pooler'
      ? !info.extraOutputs.includes('pooler_output')
      : !layerSpan(head.strategy, head.layer, info.layers, head.poolOptions)
  ) {
    throw new CliError(
      `The head reads ${head.strategy} at layer ${head.layer}, which ${info.modelId} (${info.layers} hidden states) cannot give. Fit a new head for it.`,
    );
  }
}

function scoreLite(io: CliIo, texts: readonly string[]): Float64Array {
  const progress = progressOn(io, 'scoring (lite)', texts.length, 'rows');
  const out = new Float64Array(texts.length);
  texts.forEach((t, i) => {
    out[i] = predictLite(t).target;
    progress.update(i + 1);
  });
  progress.finish();
  return out;
}

async function scoreWithModel(
  io: CliIo,
  engine: Engine,
  texts: readonly string[],
  head: Head | null,
): Promise<Float64Array> {
  const { info } = engine;
  if (head) checkHeadFits(head, info);
  else if (!info.isRegression) {
    throw new CliError(
      `${info.modelId} is not a one-label regression export, so it cannot score by itself. ` +
        'Pass --head head.json (fit one with "readscope fit"), or use --lite.',
    );
  }
  const out = new Float64Array(texts.length);
  await embedInChunks(
    io,
    engine,
    texts,
    head ? batchPoolingFor(head) : [],
    (batch, start) => {
      out.set(head ? predictBatch(head, batch) : batch.scores!, start);
    },
    'scoring',
    undefined,
    head ? tokenRequestFor([head]) : undefined,
  );
  return out;
}

function resultsFile(rows: readonly TextRow[], targets: Float64Array): string {
  const numberOrNull = (x: number) => (Number.isFinite(x) ? x : null);
  const scored = rows.map((r, i) => ({
    id: r.id,
    target: targets[i],
    lite: predictLite(r.text).target,
    formulas: formulas(r.text),
  }));
  type Scored = (typeof scored)[number];
  const columns: ResultColumn<Scored>[] = [
    { header: 'id', kind: 'text', value: (s) => s.id },
    { header: 'target', kind: 'number', value: (s) => s.target },
    { header: 'lite', kind: 'number', value: (s) => s.lite },
    ...FORMULA_IDS.map((id, k): ResultColumn<Scored> => ({
      header: id,
      kind: 'number',
      value: (s) => numberOrNull(s.formulas[k].value),
    })),
  ];
  return resultsCsv(scored, columns);
}

/** Builds a CSV and writes it; a DataError from building it (e.g. a NaN score) is bad input. */
async function writeCsv(io: CliIo, file: string, build: () => string): Promise<void> {
  let text: string;
  try {
    text = build();
  } catch (e) {
    if (isDataError(e))
      throw new CliError(`${file} was not written: ${e.message}`, EXIT_UNEXPECTED);
    throw e;
  }
  await writeFile(pathIn(io, file), text);
}
