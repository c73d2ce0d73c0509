import type { EngineErrorCode, EngineErrorInfo } from './protocol.ts';

/** A failure the user can act on: a code for the UI and tests, and a plain sentence. */
export class EngineError extends Error {
  override name = 'EngineError';
  constructor(
    readonly code: EngineErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** The plain form that crosses the worker boundary. */
  toInfo(): EngineErrorInfo {
    return { code: this.code, message: this.message };
  }
}

/** Converts anything thrown into an EngineErrorInfo, keeping typed errors as they are. */
export function toErrorInfo(e: unknown, fallback: EngineErrorCode): EngineErrorInfo {
  if (e instanceof EngineError) return e.toInfo();
  const message = e instanceof Error ? e.message : String(e);
  return { code: fallback, message };
}
