/**
 * Typed errors for files in and out. Each carries a code the UI can branch on and a sentence a
 * person can act on (what is wrong, and what to do about it).
 */

/** Every way reading a CSV, writing a submission or using the browser store can fail as a whole. */
export type DataErrorCode =
  // reading a file
  | 'empty-file'
  | 'too-large'
  | 'binary-file'
  | 'not-utf8'
  | 'read-failed'
  | 'no-rows'
  | 'missing-column'
  | 'duplicate-column'
  // writing a file
  | 'duplicate-id'
  | 'missing-score'
  | 'duplicate-score'
  | 'unknown-score'
  | 'bad-number'
  // browser storage
  | 'quota-exceeded'
  | 'storage-unavailable'
  | 'storage-failed';

/** A whole-file or whole-operation failure; `message` is written for the user, `code` for the code. */
export class DataError extends Error {
  override name = 'DataError';

  constructor(
    readonly code: DataErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when `e` is a DataError, optionally with the given code. */
export function isDataError(e: unknown, code?: DataErrorCode): e is DataError {
  return e instanceof DataError && (code === undefined || e.code === code);
}
