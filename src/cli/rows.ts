/**
 * CSV in for the CLI, validated exactly as the browser does (data/csv.ts): a whole-file problem is
 * a CliError; row problems are listed with their line numbers and stop the run unless the user
 * asked to skip them, in which case the run says which ids will be absent from its output.
 */
import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import {
  goodRows,
  parseTestCsv,
  parseTrainCsv,
  rowProblems,
  type LabelledRow,
  type ParseOptions,
  type ParsedCsv,
  type RowProblem,
  type TextRow,
} from '../data/csv.ts';
import { isDataError } from '../data/errors.ts';
import { CliError, pathIn, type CliIo } from './io.ts';
import { progressOn } from './progress.ts';

/** The usable rows of a file and the ones that were skipped. */
export interface ReadRows<R> {
  rows: R[];
  problems: RowProblem[];
}

/** Reads a test.csv (`kind: 'test'`) or train.csv (`'train'`) from disk with byte progress. */
export async function readRows(
  io: CliIo,
  file: string,
  kind: 'test',
  isSkippingBadRows: boolean,
): Promise<ReadRows<TextRow>>;
export async function readRows(
  io: CliIo,
  file: string,
  kind: 'train',
  isSkippingBadRows: boolean,
): Promise<ReadRows<LabelledRow>>;
export async function readRows(
  io: CliIo,
  file: string,
  kind: 'test' | 'train',
  isSkippingBadRows: boolean,
): Promise<ReadRows<TextRow>> {
  const path = pathIn(io, file);
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) throw new CliError(`${file}: no such file.`);
  const progress = progressOn(io, `reading ${file}`, info.size, 'bytes');
  // No size cap: the browser's exists for a tab's memory, and the CLI is for files past it.
  const options: ParseOptions = {
    maxBytes: Number.MAX_SAFE_INTEGER,
    onProgress: (p) => progress.update(p.bytesRead, p.totalBytes),
  };
  let parsed: ParsedCsv<TextRow>;
  try {
    const blob = await openAsBlob(path);
    parsed =
      kind === 'test' ? await parseTestCsv(blob, options) : await parseTrainCsv(blob, options);
  } catch (e) {
    if (isDataError(e)) throw new CliError(`${file}: ${e.message}`);
    throw e;
  }
  progress.finish();
  const rows = goodRows(parsed);
  const problems = rowProblems(parsed);
  for (const p of problems) {
    io.stderr.write(`${file}:${p.line}: ${p.reason}${p.id ? ` (id ${p.id})` : ''}\n`);
  }
  if (problems.length && !isSkippingBadRows) {
    throw new CliError(
      `${file}: ${problems.length} of ${parsed.results.length} rows cannot be used (listed above). ` +
        'Fix them, or pass --skip-bad-rows to go on without them.',
    );
  }
  if (!rows.length) throw new CliError(`${file}: no usable rows.`);
  io.stderr.write(
    `${file}: ${rows.length} rows${problems.length ? `, ${problems.length} skipped` : ''}\n`,
  );
  return { rows, problems };
}

/** Says which ids of skipped rows are absent from the output (a duplicate's id is not). */
export function absentIdsNote(rows: readonly TextRow[], problems: readonly RowProblem[]): string {
  if (!problems.length) return '';
  const present = new Set(rows.map((r) => r.id));
  const absent = [...new Set(problems.flatMap((p) => (p.id && !present.has(p.id) ? [p.id] : [])))];
  const noId = problems.filter((p) => !p.id).map((p) => p.line);
  const parts = [`${problems.length} bad rows were skipped.`];
  if (absent.length) parts.push(`Absent from the output: ${absent.join(', ')}.`);
  if (noId.length) parts.push(`Rows with no id on lines ${noId.join(', ')} are absent too.`);
  return `${parts.join(' ')}\n`;
}
