/**
 * loadNodeEngine's provider choice: a dtype is refused on a provider dtypes.ts does not list for
 * it, before any file is read. (The WebGPU provider itself is run by `npm run bench:gpu`: it
 * needs a Vulkan driver, which CI machines need not have.)
 */
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../src/engine/errors.ts';
import { folderSource, loadNodeEngine } from '../../src/engine/node.ts';

describe('the Node engine provider', () => {
  it('refuses an 8-bit file on the WebGPU provider, naming the dtypes it runs', async () => {
    const source = await folderSource('public/models/roberta-tiny');
    const load = loadNodeEngine(source, { backend: 'webgpu', dtype: 'q8' });
    await expect(load).rejects.toBeInstanceOf(EngineError);
    await expect(load).rejects.toThrow(/q8 .*webgpu provider; choose one of fp32, fp16, q4, q4f16/);
  });

  it('refuses a WebGPU-only file on the CPU provider', async () => {
    const source = await folderSource('public/models/roberta-tiny');
    await expect(loadNodeEngine(source, { dtype: 'q4f16' })).rejects.toThrow(/cpu provider/);
  });
});
