/**
 * Typed messages between the page and the CSV worker: one request (a file to parse as a test or a
 * training file), events discriminated on `status`.
 */
import type { LabelledRow, ParsedCsv, ParseProgress, TextRow } from './csv.ts';
import type { DataErrorCode } from './errors.ts';

/** Which parser a file goes through. */
export type CsvKind = 'test' | 'train';

/** The row type each kind of file yields. */
export interface CsvRows {
  test: TextRow;
  train: LabelledRow;
}

export interface ParseRequest {
  type: 'parse';
  kind: CsvKind;
  file: Blob;
}

/** A whole-file failure as it crosses the worker boundary. */
export interface ParseErrorInfo {
  code: DataErrorCode | 'cancelled' | 'crashed';
  message: string;
}

export type ParseEvent =
  | { status: 'progress'; progress: ParseProgress }
  | { status: 'parsed'; parsed: ParsedCsv<TextRow | LabelledRow>; fileHash: string }
  | { status: 'error'; error: ParseErrorInfo };
