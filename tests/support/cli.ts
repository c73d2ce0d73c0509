/** Runs the `readscope` CLI in-process for tests, with collecting streams (stderr not a TTY). */
import { main } from '../../src/cli/main.ts';

/** Runs `readscope <argv>`; resolves with its exit code and everything it wrote. */
export async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}
