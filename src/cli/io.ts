/**
 * What every command gets from outside (streams, working folder, clock) and how it says "stop":
 * a CliError carries the exit code and a sentence for the user. 0 ok, 1 unexpected, 2 bad input.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolve } from 'node:path';
import type { OutStream } from './progress.ts';

export const EXIT_OK = 0;
export const EXIT_UNEXPECTED = 1;
export const EXIT_BAD_INPUT = 2;

/** The outside world of one CLI run; tests pass collectors instead of the process streams. */
export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  /** Folder relative paths are resolved against (default: the process's). */
  cwd?: string;
  /** Milliseconds clock for progress (default: performance.now). */
  now?: () => number;
}

/** A failure the user can act on: printed without a stack, exits with `exitCode`. */
export class CliError extends Error {
  override name = 'CliError';

  constructor(
    message: string,
    readonly exitCode: number = EXIT_BAD_INPUT,
  ) {
    super(message);
  }
}

/** The process's own streams and folder. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr };
}

/** A path given on the command line, made absolute against the run's folder. */
export function pathIn(io: CliIo, path: string): string {
  return resolve(io.cwd ?? process.cwd(), path);
}

/** Parses a command's arguments strictly; a typo becomes a CliError that points at --help. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  args: string[],
  options: T,
) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new CliError(`${why}\nSee: readscope ${command} --help`);
  }
}

/** An integer option within bounds, or a CliError naming the option. */
export function intOption(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `${min} to ${max}`;
    throw new CliError(`--${name} must be a whole number, ${range}; got "${value}".`);
  }
  return n;
}

/** The one positional argument a command takes (its input file). */
export function onePositional(command: string, positionals: string[], what: string): string {
  if (positionals.length !== 1) {
    throw new CliError(
      positionals.length
        ? `readscope ${command} takes one ${what}, got ${positionals.length}: ${positionals.join(' ')}`
        : `readscope ${command} needs a ${what}.\nSee: readscope ${command} --help`,
    );
  }
  return positionals[0];
}

/** A required option, or a CliError naming it. */
export function required(command: string, name: string, value: string | undefined): string {
  if (!value)
    throw new CliError(`readscope ${command} needs --${name}.\nSee: readscope ${command} --help`);
  return value;
}
