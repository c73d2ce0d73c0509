/**
 * CSV in: `test.csv` (id + excerpt/text) and `train.csv` (plus target, standard_error), streamed
 * through papaparse and validated row by row. A bad row is a result with its physical line number,
 * never an exception and never silently dropped; only a file that cannot be read at all throws.
 */
import type Papa from 'papaparse';
import { decodeText, type ByteSource, type DecodeOptions } from './decode.ts';
import { DataError } from './errors.ts';
import { papaFeed } from './papaFeed.ts';

/** A text to score, with the physical line (1-based, header = 1) where its row starts. */
export interface TextRow {
  id: string;
  text: string;
  line: number;
}

/** A training row: a text with its CommonLit target and, when given, its standard error. */
export interface LabelledRow extends TextRow {
  target: number;
  standardError?: number;
}

/** Why a row cannot be used. */
export type RowProblemCode =
  | 'bad-quotes'
  | 'wrong-field-count'
  | 'empty-id'
  | 'empty-text'
  | 'duplicate-id'
  | 'bad-target'
  | 'bad-standard-error';

/** A row that cannot be used: the line it starts on, why, and its id when it has one. */
export interface RowProblem {
  ok: false;
  line: number;
  code: RowProblemCode;
  reason: string;
  id?: string;
}

/** A usable row, or the line it starts on and why it cannot be used. */
export type RowResult<R> = { ok: true; row: R } | RowProblem;

/** Every row of a file in file order, plus what the header said. */
export interface ParsedCsv<R> {
  results: RowResult<R>[];
  /** Column names as written in the file. */
  header: string[];
  /** Which column held the texts. */
  textColumn: string;
  /** Lines with no content, skipped (they carry no row). */
  blankLines: number;
  totalBytes: number;
}

/** How far a parse has got. */
export interface ParseProgress {
  bytesRead: number;
  totalBytes: number;
  rows: number;
}

/** Options for the parsers: chunking, size cap, cancellation and progress. */
export interface ParseOptions extends Omit<DecodeOptions, 'onBytes'> {
  onProgress?: (progress: ParseProgress) => void;
}

/** Accepted names for the text column, in order of preference. */
export const TEXT_COLUMNS = ['excerpt', 'text'] as const;

interface Columns {
  count: number;
  id: number;
  text: number;
  target: number;
  standardError: number;
}

type BuildRow<R> = (cells: string[], cols: Columns, base: TextRow) => RowResult<R>;

/** Parses a `test.csv`: columns id and excerpt (or text), any order and case. */
export function parseTestCsv(
  source: ByteSource,
  options?: ParseOptions,
): Promise<ParsedCsv<TextRow>> {
  return parseCsv(source, options ?? {}, false, (_cells, _cols, row) => ({ ok: true, row }));
}

/** Parses a `train.csv`: a test.csv plus a numeric target and optional numeric standard_error. */
export function parseTrainCsv(
  source: ByteSource,
  options?: ParseOptions,
): Promise<ParsedCsv<LabelledRow>> {
  return parseCsv(source, options ?? {}, true, (cells, cols, base) => {
    const cell = cells[cols.target];
    const target = parseNumber(cell);
    if (target === undefined) return problem(base, 'bad-target', 'the target is empty');
    if (Number.isNaN(target))
      return problem(base, 'bad-target', `the target "${cell}" is not a number`);
    if (cols.standardError < 0) return { ok: true, row: { ...base, target } };
    const seCell = cells[cols.standardError];
    const standardError = parseNumber(seCell);
    if (Number.isNaN(standardError)) {
      return problem(base, 'bad-standard-error', `standard_error "${seCell}" is not a number`);
    }
    return { ok: true, row: { ...base, target, standardError } };
  });
}

/** The usable rows of a parse, in file order. */
export function goodRows<R>(parsed: ParsedCsv<R>): R[] {
  return parsed.results.flatMap((r) => (r.ok ? [r.row] : []));
}

/** The rows of a parse that cannot be used, in file order. */
export function rowProblems<R>(parsed: ParsedCsv<R>): RowProblem[] {
  return parsed.results.filter((r): r is RowProblem => !r.ok);
}

async function parseCsv<R extends TextRow>(
  source: ByteSource,
  options: ParseOptions,
  isLabelled: boolean,
  build: BuildRow<R>,
): Promise<ParsedCsv<R>> {
  const results: RowResult<R>[] = [];
  const firstLine = new Map<string, number>(); // id → line of its first usable row
  let header: string[] | undefined;
  let cols: Columns | undefined;
  let line = 1; // physical line where the next row starts
  let blankLines = 0;
  let bytesRead = 0;
  let totalBytes = 0;

  const onRow = (cells: string[], errors: Papa.ParseError[]) => {
    const rowLine = line;
    line += 1 + cells.reduce((n, c) => n + countLineBreaks(c), 0);
    if (cells.length === 1 && !cells[0].trim() && !errors.length) {
      blankLines++;
      return;
    }
    if (!header || !cols) {
      header = cells;
      cols = findColumns(cells, isLabelled);
      return;
    }
    const result = readRow(cells, errors, cols, rowLine, build);
    const first = result.ok ? firstLine.get(result.row.id) : undefined;
    if (result.ok && first !== undefined) {
      const id = result.row.id;
      const why = `the id "${id}" was already used on line ${first}`;
      results.push(problem({ id, line: rowLine }, 'duplicate-id', why));
      return;
    }
    if (result.ok) firstLine.set(result.row.id, rowLine);
    results.push(result);
  };

  const feed = papaFeed(onRow);
  const onBytes = (read: number, total: number) => {
    bytesRead = read;
    totalBytes = total;
  };
  for await (const text of decodeText(source, { ...options, onBytes })) {
    feed.push(text);
    options.onProgress?.({ bytesRead, totalBytes, rows: results.length });
  }
  feed.end();
  options.onProgress?.({ bytesRead, totalBytes, rows: results.length });

  if (!header || !cols) {
    throw new DataError(
      'empty-file',
      'The file has no text in it, not even a header row. Choose the CSV with your texts.',
    );
  }
  if (!results.length) {
    throw new DataError(
      'no-rows',
      `The file has a header (${header.join(', ')}) but no rows under it. Add one row per text ` +
        'below the header, or choose the file that holds them.',
    );
  }
  return { results, header, textColumn: header[cols.text], blankLines, totalBytes };
}

function readRow<R extends TextRow>(
  cells: string[],
  errors: Papa.ParseError[],
  cols: Columns,
  line: number,
  build: BuildRow<R>,
): RowResult<R> {
  const id = cells[cols.id];
  const at = { id, line };
  if (errors.some((e) => e.code === 'MissingQuotes')) {
    return problem(
      at,
      'bad-quotes',
      'a quoted field opens on this row and is never closed, so everything after it was read as ' +
        'one field; close the quote or double the quote characters inside the text ("")',
    );
  }
  if (errors.some((e) => e.type === 'Quotes')) {
    return problem(
      at,
      'bad-quotes',
      'a quoted field has text after its closing quote; a quote inside a text must be doubled ("")',
    );
  }
  if (cells.length !== cols.count) {
    return problem(
      at,
      'wrong-field-count',
      `the row has ${cells.length} fields but the header has ${cols.count}; a text with a comma ` +
        'must be inside double quotes',
    );
  }
  if (!id.trim()) return problem(at, 'empty-id', 'the id is empty');
  if (!cells[cols.text].trim()) return problem(at, 'empty-text', 'the text is empty');
  return build(cells, cols, { id, text: cells[cols.text], line });
}

function findColumns(header: string[], isLabelled: boolean): Columns {
  const names = header.map((h) => h.trim().toLowerCase());
  const twice = names.find((n, i) => n && names.indexOf(n) !== i);
  if (twice) {
    throw new DataError(
      'duplicate-column',
      `The header names the column "${twice}" twice. Rename or remove one, then upload again.`,
    );
  }
  const need = (name: string, index: number) => {
    if (index >= 0) return index;
    throw new DataError(
      'missing-column',
      `The header has no "${name}" column (it has: ${header.join(', ')}). The first line must ` +
        `name the columns, e.g. ${isLabelled ? 'id,excerpt,target,standard_error' : 'id,url_legal,license,excerpt'}.`,
    );
  };
  const textIndex = TEXT_COLUMNS.map((n) => names.indexOf(n)).find((i) => i >= 0) ?? -1;
  return {
    count: header.length,
    id: need('id', names.indexOf('id')),
    text: need('excerpt" or "text', textIndex),
    target: isLabelled ? need('target', names.indexOf('target')) : -1,
    standardError: names.indexOf('standard_error'),
  };
}

function problem(
  at: { id?: string; line: number },
  code: RowProblemCode,
  reason: string,
): RowProblem {
  return { ok: false, line: at.line, code, reason, ...(at.id ? { id: at.id } : {}) };
}

/** A number, undefined for an empty cell, NaN for anything that is not a plain decimal number. */
function parseNumber(cell: string | undefined): number | undefined {
  const s = cell?.trim() ?? '';
  if (!s) return undefined;
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) ? Number(s) : NaN;
}

function countLineBreaks(cell: string): number {
  let n = 0;
  for (let i = 0; i < cell.length; i++) {
    const c = cell.charCodeAt(i);
    if (c === 0x0a || (c === 0x0d && cell.charCodeAt(i + 1) !== 0x0a)) n++;
  }
  return n;
}
