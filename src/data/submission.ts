/**
 * CSV out: `submission.csv` (exactly `id,target`) and a wider results file. Plain UTF-8 without a
 * BOM, `\n` line ends, RFC 4180 quoting. Text cells a spreadsheet would run as a formula get a `'`
 * in front; numbers are written by us and never need it. A submission that would be wrong (an id
 * missing, doubled or unknown) is refused rather than written.
 */
import Papa from 'papaparse';
import { DataError } from './errors.ts';

/** One scored text. */
export interface Score {
  id: string;
  target: number;
}

/** A column of the results CSV: a number column is written as numbers, a text column neutralised. */
export type ResultColumn<R> =
  | { header: string; kind: 'number'; value: (row: R) => number | null | undefined }
  | { header: string; kind: 'text'; value: (row: R) => string | null | undefined };

/** MIME type for the downloads. */
export const CSV_MIME = 'text/csv;charset=utf-8';

// OWASP's list of first characters that make Excel, LibreOffice or Sheets evaluate a cell.
const FORMULA_START = /^[=+\-@\t\r]/;

/** Writes `submission.csv`: header `id,target`, one row per id of `ids`, in that order. */
export function submissionCsv(ids: readonly string[], scores: readonly Score[]): string {
  const byId = new Map<string, number>();
  for (const { id, target } of scores) {
    if (byId.has(id)) {
      throw new DataError(
        'duplicate-score',
        `The id "${id}" was scored twice, so the submission could hold either score. Score the ` +
          'batch again from the start.',
      );
    }
    byId.set(id, target);
  }
  const wanted = new Set<string>();
  for (const id of ids) {
    if (wanted.has(id)) {
      throw new DataError(
        'duplicate-id',
        `The id "${id}" appears twice in the input; a submission needs each id once. Remove the ` +
          'duplicate row from the file (it is listed among the row problems) and score again.',
      );
    }
    wanted.add(id);
  }
  const unknown = [...byId.keys()].find((id) => !wanted.has(id));
  if (unknown !== undefined) {
    throw new DataError(
      'unknown-score',
      `There is a score for the id "${unknown}", which is not in the input. The scores belong ` +
        'to another file: score this file again.',
    );
  }
  const missing = ids.filter((id) => !byId.has(id));
  if (missing.length) {
    throw new DataError(
      'missing-score',
      `${missing.length} of ${ids.length} ids have no score yet (the first is "${missing[0]}"). ` +
        'Finish or resume the batch before downloading the submission.',
    );
  }
  return resultsCsv(ids, [
    { header: 'id', kind: 'text', value: (id) => id },
    { header: 'target', kind: 'number', value: (id) => byId.get(id) },
  ]);
}

/** Writes a CSV with one line per row and the given columns (headers are neutralised too). */
export function resultsCsv<R>(rows: readonly R[], columns: readonly ResultColumn<R>[]): string {
  const data = rows.map((row, i) =>
    columns.map((col) => {
      if (col.kind === 'text') return neutraliseCell(col.value(row) ?? '');
      const value = col.value(row);
      if (value === null || value === undefined) return '';
      if (!Number.isFinite(value)) {
        throw new DataError(
          'bad-number',
          `Row ${i + 1}, column "${col.header}" holds ${value}, which a CSV cannot carry as a ` +
            'number. Score that row again.',
        );
      }
      return formatNumber(value);
    }),
  );
  const fields = columns.map((c) => neutraliseCell(c.header));
  // escapeFormulae stays off: we neutralise text ourselves, and it would also hit "-1.2".
  return `${Papa.unparse({ fields, data }, { newline: '\n', quotes: false, escapeFormulae: false })}\n`;
}

/** A Blob of CSV text for download: UTF-8, no BOM. */
export function csvBlob(csv: string): Blob {
  return new Blob([csv], { type: CSV_MIME });
}

/** Prefixes `'` to a cell a spreadsheet would run as a formula; leaves any other cell alone. */
export function neutraliseCell(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

/**
 * The shortest decimal that reads back as the same double (ECMAScript's Number-to-string),
 * spelt out without an exponent, so "1e-7" becomes "0.0000001" for readers that dislike it.
 */
export function formatNumber(x: number): string {
  const s = String(x);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const sign = s.startsWith('-') ? '-' : '';
  const mantissa = s.slice(sign.length, e);
  const digits = mantissa.replace('.', '');
  const dot =
    (mantissa.includes('.') ? mantissa.indexOf('.') : mantissa.length) + Number(s.slice(e + 1));
  if (dot <= 0) return `${sign}0.${'0'.repeat(-dot)}${digits}`;
  if (dot >= digits.length) return `${sign}${digits}${'0'.repeat(dot - digits.length)}`;
  return `${sign}${digits.slice(0, dot)}.${digits.slice(dot)}`;
}
