import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { hashBytes, hashText } from '../../src/data/hash.ts';

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

it.each(['', 'abc', 'caf\u00e9 \ud83e\udd8a\r\n'])(
  'hashText(%j) matches node:crypto',
  async (text) => {
    expect(await hashText(text)).toBe(sha256(text));
  },
);

it('hashes bytes and Blobs alike', async () => {
  const bytes = Uint8Array.from({ length: 3000 }, (_, i) => (i * 31) % 256);
  expect(await hashBytes(bytes)).toBe(sha256(bytes));
  expect(await hashBytes(new Blob([bytes]))).toBe(sha256(bytes));
  expect(await hashBytes(bytes.buffer)).toBe(sha256(bytes));
});
