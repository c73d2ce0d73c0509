import { describe, expect, it } from 'vitest';
import { decodeText, findInvalidUtf8, sniffBinary } from '../../src/data/decode.ts';

const u8 = (...b: number[]) => new Uint8Array(b);

describe('findInvalidUtf8', () => {
  it.each<[string, Uint8Array, number]>([
    ['ASCII', u8(0x61, 0x62), -1],
    ['a two-byte character', u8(0xc3, 0xa9), -1],
    ['a four-byte character', u8(0xf0, 0x9f, 0xa6, 0x8a), -1],
    ['a lone continuation byte', u8(0x61, 0xa9), 1],
    ['a Latin-1 byte before a space', u8(0x61, 0xe9, 0x20), 1],
    ['an overlong two-byte form', u8(0xc0, 0xaf), 0],
    ['an overlong three-byte form', u8(0xe0, 0x80, 0xaf), 0],
    ['a UTF-16 surrogate', u8(0xed, 0xa0, 0x80), 0],
    ['a code point past U+10FFFF', u8(0xf4, 0x90, 0x80, 0x80), 0],
    ['a character cut off at the end', u8(0x61, 0xe2, 0x82), 1],
  ])('%s', (_name, bytes, expected) => {
    expect(findInvalidUtf8(bytes)).toBe(expected);
  });

  it('allows a cut-off character at the end when asked', () => {
    expect(findInvalidUtf8(u8(0x61, 0xe2, 0x82), true)).toBe(-1);
  });

  it('agrees with a fatal TextDecoder on random bytes', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const decoder = new TextDecoder('utf-8', { fatal: true });
    for (let n = 0; n < 2000; n++) {
      // Bias towards bytes that make UTF-8 sequences, so valid cases are common too.
      const pool = [0x41, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x80, 0xbf, 0xed, 0xf4];
      const bytes = Uint8Array.from({ length: 1 + Math.floor(random() * 8) }, () =>
        random() < 0.8 ? pool[Math.floor(random() * pool.length)] : Math.floor(random() * 256),
      );
      let valid = true;
      try {
        decoder.decode(bytes);
      } catch {
        valid = false;
      }
      expect(findInvalidUtf8(bytes) === -1, [...bytes].join(' ')).toBe(valid);
    }
  });
});

describe('sniffBinary', () => {
  it.each<[string, Uint8Array, string | null]>([
    ['plain text', new TextEncoder().encode('id,excerpt\n1,"a\tb"\r\n'), null],
    ['a NUL byte', u8(0x61, 0x00), 'it contains NUL bytes (the first at byte 1)'],
    [
      'many escape bytes',
      u8(0x1b, 0x1b, 0x61, 0x61, 0x61),
      '40% of its first 5 bytes are control characters',
    ],
    ['a stray form feed in long text', new TextEncoder().encode(`${'a'.repeat(99)}\f`), null],
  ])('%s', (_name, bytes, expected) => {
    expect(sniffBinary(bytes)).toBe(expected);
  });
});

describe('decodeText', () => {
  it('drops the BOM and rejoins characters split between chunks', async () => {
    const source = new TextEncoder().encode('\ufeffcaf\u00e9 \ud83e\udd8a');
    for (const chunkBytes of [1, 2, 3, 5]) {
      let text = '';
      for await (const piece of decodeText(source, { chunkBytes })) text += piece;
      expect(text).toBe('caf\u00e9 \ud83e\udd8a');
    }
  });
});
