/**
 * Writes the tiny random-weight test models under public/models/<name>/, or with
 * `--base <outdir> [--opset 14|18]` a roberta-base-shaped fill-mask model for benchmarks into
 * <outdir> itself (e.g. bench/models/roberta-base-random, git-ignored).
 * Deterministic: the same code always writes the same bytes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFixture, buildSpecFiles, type FixtureFiles } from './fixtures/build.ts';
import { FIXTURE_NAMES, baseSpec } from './fixtures/spec.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function writeFiles(dir: string, files: FixtureFiles): number {
  let total = 0;
  for (const [path, bytes] of files) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, bytes);
    total += bytes.length;
  }
  return total;
}

function main(argv: string[]): void {
  const baseAt = argv.indexOf('--base');
  if (baseAt >= 0) {
    const outDir = argv[baseAt + 1];
    if (!outDir) throw new Error('usage: make-fixtures.ts --base <outdir> [--opset 14|18]');
    const opsetAt = argv.indexOf('--opset');
    const opset = opsetAt >= 0 && argv[opsetAt + 1] === '18' ? 18 : 14;
    const started = performance.now();
    const spec = baseSpec(opset);
    const dir = resolve(outDir);
    const bytes = writeFiles(dir, buildSpecFiles(spec));
    const seconds = (performance.now() - started) / 1000;
    console.log(`${dir}: ${(bytes / 2 ** 20).toFixed(1)} MiB in ${seconds.toFixed(1)} s`);
    return;
  }
  for (const name of FIXTURE_NAMES) {
    const bytes = writeFiles(join(ROOT, 'public', 'models', name), buildFixture(name));
    console.log(`${name}: ${(bytes / 1024).toFixed(0)} KiB`);
  }
}

main(process.argv.slice(2));
