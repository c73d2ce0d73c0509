/**
 * Compiles src/analysis/kernels.wat (the ridge solves' SIMD loops) to src/analysis/kernelsWasm.ts,
 * the module's bytes as base64, so the app, its workers and the CLI load it without a build step
 * of their own. A unit test recompiles the text and checks the committed bytes match it.
 * Usage: npm run kernels
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

const source = fileURLToPath(new URL('../src/analysis/kernels.wat', import.meta.url));
const target = fileURLToPath(new URL('../src/analysis/kernelsWasm.ts', import.meta.url));

/** The WebAssembly binary of kernels.wat. */
export async function compileKernels(): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const module = wabt.parseWat('kernels.wat', readFileSync(source, 'utf8'), { simd: true });
  try {
    module.validate();
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

/** The TypeScript module that carries the binary. */
export function kernelsModuleText(binary: Uint8Array): string {
  const base64 = Buffer.from(binary).toString('base64');
  const lines = base64.match(/.{1,96}/g) ?? [];
  return [
    '// Generated from kernels.wat by `npm run kernels` (scripts/kernels.ts); do not edit.',
    '',
    '/** The WebAssembly binary of kernels.wat, base64. */',
    'export const KERNELS_WASM =',
    ...lines.map((line, i) => `  '${line}'${i < lines.length - 1 ? ' +' : ';'}`),
    '',
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const binary = await compileKernels();
  writeFileSync(target, kernelsModuleText(binary));
  console.log(`wrote ${target} (${binary.length} bytes of WebAssembly)`);
}
