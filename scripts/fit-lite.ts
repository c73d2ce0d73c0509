// Fits the lite readability model from a CommonLit-format CSV and writes its weights file.
//   npx tsx scripts/fit-lite.ts <train.csv> [--out file] [--folds 5] [--seed N]
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import Papa from 'papaparse';
import {
  DEFAULT_ALPHAS,
  DEFAULT_GROUPS,
  fitLite,
  type FitReport,
  type LabelledText,
} from '../src/readability/fit.ts';
import { encodeWeights, type LiteWeightsFile } from '../src/readability/weights.ts';

/** Where the committed weights live. */
export const WEIGHTS_PATH = 'src/readability/lite-weights.json';

/** A CSV row that could not be used, and why. */
export interface RowProblem {
  line: number;
  reason: string;
}

/** Reads `excerpt,target` rows from CommonLit-format CSV text; bad rows are reported, not thrown. */
export function readLabelledCsv(csv: string): { rows: LabelledText[]; problems: RowProblem[] } {
  const parsed = Papa.parse<Record<string, string>>(csv, { header: true, skipEmptyLines: true });
  const fields = parsed.meta.fields ?? [];
  if (!fields.includes('excerpt') || !fields.includes('target')) {
    return {
      rows: [],
      problems: [{ line: 1, reason: 'the header needs "excerpt" and "target" columns' }],
    };
  }
  const rows: LabelledText[] = [];
  const problems: RowProblem[] = [];
  parsed.data.forEach((record, i) => {
    // Line numbers count the header; rows spanning several lines are numbered by their position.
    const line = i + 2;
    const target = Number(record.target);
    if (!record.excerpt?.trim()) problems.push({ line, reason: 'empty excerpt' });
    else if (record.target === undefined || record.target.trim() === '' || !Number.isFinite(target))
      problems.push({ line, reason: `target "${record.target ?? ''}" is not a number` });
    else rows.push({ text: record.excerpt, target });
  });
  return { rows, problems };
}

/** Fits the lite model on a CSV file and returns the weights file and what the fit measured. */
export function fitLiteCsv(
  path: string,
  options: { folds: number; seed: number; log?: (line: string) => void },
): { file: LiteWeightsFile; report: FitReport; problems: RowProblem[] } {
  const { rows, problems } = readLabelledCsv(readFileSync(path, 'utf8'));
  if (rows.length < options.folds * 2) {
    throw new Error(`${path}: ${rows.length} usable rows, too few for ${options.folds}-fold CV`);
  }
  const { model, report } = fitLite(rows, {
    ...options,
    alphas: DEFAULT_ALPHAS,
    groups: DEFAULT_GROUPS,
  });
  const file = encodeWeights(model, {
    trainedOn: basename(path),
    n: report.n,
    alpha: report.alpha,
    cvRmse: report.cv.mean,
    cvRmseSd: report.cv.sd,
  });
  return { file, report, problems };
}

/** The weights file as text: one field per line, so a diff shows what changed. */
export function serialiseWeights(file: LiteWeightsFile): string {
  return `${JSON.stringify(file, null, 1)}\n`;
}

function parseArgs(argv: string[]) {
  const [csv, ...rest] = argv;
  const flag = (name: string, fallback: string) => {
    const i = rest.indexOf(`--${name}`);
    return i >= 0 && rest[i + 1] !== undefined ? rest[i + 1] : fallback;
  };
  const folds = Number(flag('folds', '5'));
  const seed = Number(flag('seed', '42'));
  if (!csv || !Number.isInteger(folds) || folds < 2 || !Number.isInteger(seed)) {
    throw new Error(
      'usage: npx tsx scripts/fit-lite.ts <train.csv> [--out file] [--folds 5] [--seed N]',
    );
  }
  return { csv, out: flag('out', WEIGHTS_PATH), folds, seed };
}

const fmt = (r: { mean: number; sd: number }) => `${r.mean.toFixed(4)} ± ${r.sd.toFixed(4)}`;

function main() {
  const { csv, out, folds, seed } = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const { file, report, problems } = fitLiteCsv(csv, { folds, seed, log });
  for (const p of problems) log(`${csv}:${p.line}: skipped, ${p.reason}`);
  writeFileSync(out, serialiseWeights(file));
  console.log(`rows ${report.n}, ${folds}-fold CV, seed ${seed}`);
  for (const { alpha, cv } of report.byAlpha) console.log(`  alpha ${alpha}: RMSE ${fmt(cv)}`);
  console.log(`lite model (alpha ${report.alpha}): CV RMSE ${fmt(report.cv)}`);
  console.log(`baseline, mean of the training folds: ${fmt(report.baselines.mean)}`);
  console.log(`baseline, linear fit of the eight formulas: ${fmt(report.baselines.formulas)}`);
  console.log(`wrote ${out} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
