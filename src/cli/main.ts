/**
 * `readscope score | fit | embed`: picks the command and turns every failure into an exit code
 * (0 ok, 1 unexpected, 2 bad input) and a message on stderr.
 */
import { embed } from './embed.ts';
import { fit } from './fit.ts';
import { CliError, EXIT_BAD_INPUT, EXIT_OK, EXIT_UNEXPECTED, processIo, type CliIo } from './io.ts';
import { score } from './score.ts';

export const MAIN_HELP = `Usage: readscope <command> [options]

Commands:
  score   score a test.csv with a head, a regression export or the lite model → submission.csv
  fit     sweep pooling strategy × layer on a train.csv and write the best ridge head
  embed   write pooled features per id

Run "readscope <command> --help" for a command's options.
Exit codes: 0 ok, 1 unexpected error, 2 bad input.
`;

const COMMANDS: Record<string, (args: string[], io: CliIo) => Promise<number>> = {
  score,
  fit,
  embed,
};

/** Runs the CLI on `argv` (without node and the script); returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? io.stderr : io.stdout).write(MAIN_HELP);
    return command === undefined ? EXIT_BAD_INPUT : EXIT_OK;
  }
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!run) {
    io.stderr.write(`readscope: unknown command "${command}".\n\n${MAIN_HELP}`);
    return EXIT_BAD_INPUT;
  }
  try {
    return await run(args, io);
  } catch (e) {
    if (e instanceof CliError) {
      io.stderr.write(`readscope ${command}: ${e.message}\n`);
      return e.exitCode;
    }
    io.stderr.write(
      `readscope ${command}: unexpected error\n${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    return EXIT_UNEXPECTED;
  }
}
