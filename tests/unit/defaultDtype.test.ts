import { describe, expect, it } from 'vitest';
import { defaultDtype, type Dtype } from '../../src/engine/dtypes.ts';
import { readChoices, writeChoices } from '../../src/ui/urlState.ts';

describe('the default dtype per backend', () => {
  it.each<['auto' | 'webgpu' | 'wasm', Dtype[] | null, Dtype]>([
    // WASM takes q8 where the folder holds it (BENCHMARKS.md, "Dtypes").
    ['wasm', ['fp32', 'fp16', 'q8'], 'q8'],
    ['wasm', ['fp32'], 'fp32'],
    ['wasm', null, 'fp32'],
    ['wasm', [], 'fp32'],
    // auto prefers WebGPU, where 8-bit files do not run: fp32 there, as on WebGPU.
    ['auto', ['fp32', 'q8'], 'fp32'],
    ['webgpu', ['fp32', 'fp16', 'q8'], 'fp32'],
    // A folder without the preferred file: the first it holds that runs on the backend.
    ['wasm', ['fp16', 'int8'], 'int8'],
    ['webgpu', ['q8', 'fp16'], 'fp16'],
    ['auto', ['q8'], 'q8'],
  ])('%s with %j loads %s', (backend, held, want) => {
    expect(defaultDtype(backend, held)).toBe(want);
  });
});

describe('the dtype in the URL', () => {
  it('is null where the URL names none or an unknown one, and is then left out', () => {
    expect(readChoices('?source=served&model=/models/x&backend=wasm').dtype).toBeNull();
    expect(readChoices('?backend=wasm&dtype=q9').dtype).toBeNull();
    const c = readChoices('?source=served&model=/models/x&backend=wasm');
    expect(writeChoices(c)).toBe('?source=served&model=%2Fmodels%2Fx&backend=wasm');
  });

  it('is kept as named', () => {
    const c = readChoices('?source=served&model=/models/x&backend=wasm&dtype=fp16');
    expect(c.dtype).toBe('fp16');
    expect(writeChoices(c)).toContain('&dtype=fp16');
  });
});
