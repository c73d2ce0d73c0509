import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  listRealStackFolders,
  readRealStackReference,
  type RealStackDtype,
} from '../support/realStack.ts';

const FOLDERS = listRealStackFolders();
const DTYPE_FILES: Record<RealStackDtype, string> = {
  fp32: 'onnx/model.onnx',
  fp16: 'onnx/model_fp16.onnx',
  q8: 'onnx/model_quantized.onnx',
  int8: 'onnx/model_int8.onnx',
  uint8: 'onnx/model_uint8.onnx',
  q4: 'onnx/model_q4.onnx',
};
const MAX_FILE_BYTES = 2 * 1024 * 1024;

describe('real-stack fixtures', () => {
  it('are committed', () => {
    expect(FOLDERS).toEqual([
      'albert-fe-ts14',
      'bert-fe-dyn18',
      'bert-fe-ts14',
      'deberta-fe-dyn18',
      'deberta-fe-ts14',
      'distilbert-fe-dyn18',
      'distilbert-fe-ts14',
      'electra-fe-ts14',
      'modernbert-fe-ts14',
      'mpnet-fe-ts14',
      'roberta-mlm-dyn18',
      'roberta-mlm-ts14',
      'roberta-reg-ts14',
      'xlmr-mlm-ts14',
    ]);
  });

  it.each(FOLDERS)('%s: files exist with the stated sizes', (name) => {
    const ref = readRealStackReference(name);
    expect(ref.name).toBe(name);
    for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) {
      expect(existsSync(join(ref.dir, file)), file).toBe(true);
    }
    const config = JSON.parse(readFileSync(join(ref.dir, 'config.json'), 'utf8')) as {
      model_type: string;
      architectures: string[];
    };
    expect(config.model_type).toBe(ref.model_type);
    expect(config.architectures).toEqual([ref.architecture]);
    const tokenizerConfig = JSON.parse(
      readFileSync(join(ref.dir, 'tokenizer_config.json'), 'utf8'),
    ) as { model_max_length: number };
    expect(tokenizerConfig.model_max_length).toBe(ref.max_tokens);
    expect(ref.dtypes.fp32).toBeDefined();
    for (const [dtype, entry] of Object.entries(ref.dtypes)) {
      expect(entry.file).toBe(DTYPE_FILES[dtype as RealStackDtype]);
      const path = join(ref.dir, entry.file);
      expect(existsSync(path), entry.file).toBe(true);
      expect(statSync(path).size, entry.file).toBe(entry.bytes);
      expect(entry.bytes).toBeLessThanOrEqual(MAX_FILE_BYTES);
    }
    expect(statSync(join(ref.dir, 'reference.bin')).size).toBeLessThanOrEqual(MAX_FILE_BYTES);
  });

  it.each(FOLDERS)('%s: batches are well formed', (name) => {
    const ref = readRealStackReference(name);
    expect(ref.batches.map((b) => b.name)).toEqual(['short', 'padded', 'long']);
    expect(ref.inputs.slice(0, 2)).toEqual(['input_ids', 'attention_mask']);
    for (const batch of ref.batches) {
      const tokens = batch.input_ids[0].length;
      expect(batch.input_ids).toHaveLength(batch.texts.length);
      for (const input of ref.inputs) {
        const rows = batch[input as 'input_ids'];
        expect(rows, `${batch.name}/${input}`).toHaveLength(batch.texts.length);
        for (const row of rows) expect(row).toHaveLength(tokens);
      }
      if (!ref.inputs.includes('token_type_ids')) expect(batch.token_type_ids).toBeUndefined();
      // padding="longest": some row is all real tokens.
      expect(batch.attention_mask.some((row) => row.every((m) => m === 1))).toBe(true);
    }
    const padded = ref.batches[1];
    expect(padded.attention_mask.some((row) => row.includes(0))).toBe(true);
    expect(ref.batches[2].input_ids[0]).toHaveLength(ref.max_tokens);
  });

  it.each(FOLDERS)('%s: every tensor is in range with the right dims', (name) => {
    const ref = readRealStackReference(name);
    const binFloats = statSync(join(ref.dir, 'reference.bin')).size / 4;
    for (const [key, t] of Object.entries(ref.tensors)) {
      const size = t.dims.reduce((a, b) => a * b, 1);
      expect(t.offset + size, key).toBeLessThanOrEqual(binFloats);
      expect(ref.tensor(key).data).toHaveLength(size);
    }
    const sources = ['torch', ...Object.keys(ref.dtypes).map((d) => `ort/${d}`)];
    for (const batch of ref.batches) {
      const b = batch.input_ids.length;
      const t = batch.input_ids[0].length;
      for (const source of sources) {
        const hidden = ref.tensor(`${source}/${batch.name}/hidden_states`);
        expect(hidden.dims, `${source}/${batch.name}`).toEqual([ref.layers + 1, b, t, ref.hidden]);
        expect(hidden.data.every(Number.isFinite)).toBe(true);
        if (ref.task === 'regression') {
          expect(ref.tensor(`${source}/${batch.name}/logits`).dims).toEqual([b, 1]);
        }
      }
      const attentions = ref.tensors[`torch/${batch.name}/attentions`];
      if (attentions) expect(attentions.dims).toEqual([ref.layers, b, ref.heads, t, t]);
    }
    for (const dtype of Object.keys(ref.dtypes) as RealStackDtype[]) {
      expect(ref.hidden_state_tensors[dtype], dtype).toHaveLength(ref.layers + 1);
      expect(ref.deviations[dtype], dtype).toBeDefined();
    }
  });

  it.each(FOLDERS)('%s: onnxruntime fp32 agrees with PyTorch', (name) => {
    const ref = readRealStackReference(name);
    for (const batch of ref.batches) {
      const torch = ref.tensor(`torch/${batch.name}/hidden_states`);
      const ort = ref.tensor(`ort/fp32/${batch.name}/hidden_states`);
      const tokens = batch.input_ids[0].length;
      let worst = 0;
      for (let i = 0; i < torch.data.length; i++) {
        const row = Math.floor(i / (tokens * ref.hidden)) % batch.input_ids.length;
        const token = Math.floor(i / ref.hidden) % tokens;
        if (batch.attention_mask[row][token] === 0) continue;
        worst = Math.max(worst, Math.abs(torch.data[i] - ort.data[i]));
      }
      expect(worst, batch.name).toBeLessThan(1e-4);
    }
  });
});
