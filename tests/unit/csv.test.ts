import { describe, expect, it } from 'vitest';
import {
  goodRows,
  parseTestCsv,
  parseTrainCsv,
  rowProblems,
  type ParseProgress,
} from '../../src/data/csv.ts';
import type { ByteSource } from '../../src/data/decode.ts';
import { DataError } from '../../src/data/errors.ts';

const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(
    parts.flatMap((p) => (typeof p === 'string' ? [...new TextEncoder().encode(p)] : p)),
  );

async function failure(run: () => Promise<unknown>): Promise<DataError> {
  try {
    await run();
  } catch (e) {
    if (e instanceof DataError) return e;
    throw e;
  }
  throw new Error('expected a DataError');
}

describe('whole-file problems', () => {
  it.each<[string, ByteSource, 'test' | 'train', string, string]>([
    ['an empty file', '', 'test', 'empty-file', 'The file is empty (0 bytes)'],
    ['a BOM and nothing else', '\ufeff', 'test', 'empty-file', 'no text in it, not even a header'],
    ['only blank lines', '\r\n\n  \n', 'test', 'empty-file', 'no text in it, not even a header'],
    [
      'a header and no rows',
      'id,url_legal,license,excerpt\n',
      'test',
      'no-rows',
      'has a header (id, url_legal, license, excerpt) but no rows under it',
    ],
    ['a header with no line end', 'id,text', 'test', 'no-rows', 'no rows under it'],
    ['a header then blank lines', 'id,text\n\n\n', 'test', 'no-rows', 'no rows under it'],
    [
      'no id column',
      'name,excerpt\nx,y\n',
      'test',
      'missing-column',
      'The header has no "id" column (it has: name, excerpt)',
    ],
    [
      'no text column',
      'id,body\n1,y\n',
      'test',
      'missing-column',
      'no "excerpt" or "text" column (it has: id, body)',
    ],
    [
      'no target in a train file',
      'id,excerpt\n1,y\n',
      'train',
      'missing-column',
      'no "target" column (it has: id, excerpt). The first line must name the columns, e.g. id,excerpt,target',
    ],
    [
      'a column named twice',
      'id,excerpt,ID\n1,y,2\n',
      'test',
      'duplicate-column',
      'names the column "id" twice',
    ],
    [
      'NUL bytes (a binary file renamed .csv)',
      bytes([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x08]),
      'test',
      'binary-file',
      'does not look like a CSV: it contains NUL bytes (the first at byte 4)',
    ],
    [
      'mostly control characters',
      bytes('id,excerpt\n', Array(20).fill(0x1b)),
      'test',
      'binary-file',
      '65% of its first 31 bytes are control characters',
    ],
    [
      'a Latin-1 byte',
      bytes('id,excerpt\n1,caf', [0xe9], '\n'),
      'test',
      'not-utf8',
      'the byte at offset 16 (0xE9), on line 2, is not valid UTF-8. It was probably saved as Windows-1252',
    ],
    [
      'a character cut off at the end',
      bytes('id,excerpt\n1,caf', [0xc3]),
      'test',
      'not-utf8',
      'the byte at offset 16 (0xC3), on line 2',
    ],
    [
      'an overlong encoding',
      bytes('id,excerpt\n1,a\n2,', [0xc0, 0xaf]),
      'test',
      'not-utf8',
      'the byte at offset 17 (0xC0), on line 3',
    ],
    [
      'UTF-16 text',
      bytes([0xff, 0xfe], [0x69, 0, 0x64, 0]),
      'test',
      'not-utf8',
      'The file is UTF-16 text, not UTF-8',
    ],
  ])('rejects %s', async (_name, input, kind, code, message) => {
    const parse = kind === 'test' ? parseTestCsv : parseTrainCsv;
    const e = await failure(() => parse(input));
    expect(e.code).toBe(code);
    expect(e.message).toContain(message);
  });

  it('rejects a file over the size cap, naming both sizes', async () => {
    const e = await failure(() =>
      parseTestCsv(`id,text\n1,${'a'.repeat(1.5 * 1024 * 1024)}`, { maxBytes: 1024 * 1024 }),
    );
    expect(e.code).toBe('too-large');
    expect(e.message).toMatch(/The file is 1\.5 MB; readscope reads files up to 1\.0 MB/);
  });

  it('finds a bad byte after a chunk boundary, with its offset in the whole file', async () => {
    const input = bytes('id,excerpt\n1,h\u00e9llo\n2,caf', [0xe9], '\n');
    for (const chunkBytes of [1, 2, 3, 5, 16]) {
      const e = await failure(() => parseTestCsv(input, { chunkBytes }));
      expect(e.message).toContain('the byte at offset 25 (0xE9), on line 3');
    }
  });
});

type Problem = [line: number, code: string, reason: string];

describe('row problems, each with the line its row starts on', () => {
  it.each<[string, string, 'test' | 'train', Problem[]]>([
    [
      'too many fields',
      'id,excerpt\n1,a\n2,b,c\n',
      'test',
      [[3, 'wrong-field-count', 'the row has 3 fields but the header has 2']],
    ],
    [
      'too few fields',
      'id,license,excerpt\n1,,a\n2,b\n',
      'test',
      [[3, 'wrong-field-count', 'the row has 2 fields but the header has 3']],
    ],
    ['an empty id', 'id,excerpt\n1,a\n ,b\n', 'test', [[3, 'empty-id', 'the id is empty']]],
    [
      'an empty text',
      'id,excerpt\n1,a\n2,"  "\n',
      'test',
      [[3, 'empty-text', 'the text is empty']],
    ],
    [
      'a duplicate id',
      'id,excerpt\nx,a\ny,b\nx,c\n',
      'test',
      [[4, 'duplicate-id', 'the id "x" was already used on line 2']],
    ],
    [
      'a quote never closed',
      'id,excerpt\n1,a\n2,"never closed\n3,c\n',
      'test',
      [[3, 'bad-quotes', 'a quoted field opens on this row and is never closed']],
    ],
    [
      'text after a closing quote',
      'id,excerpt\n1,"abc"def"\n2,b\n',
      'test',
      [[2, 'bad-quotes', 'a quoted field has text after its closing quote']],
    ],
    [
      'a target that is not a number',
      'id,excerpt,target\n1,a,-1.5\n2,b,hard\n',
      'train',
      [[3, 'bad-target', 'the target "hard" is not a number']],
    ],
    [
      'an empty target',
      'id,excerpt,target\n1,a,\n',
      'train',
      [[2, 'bad-target', 'the target is empty']],
    ],
    [
      'a hex target',
      'id,excerpt,target\n1,a,0x1F\n',
      'train',
      [[2, 'bad-target', 'the target "0x1F" is not a number']],
    ],
    [
      'a standard error that is not a number',
      'id,excerpt,target,standard_error\n1,a,0.5,n/a\n',
      'train',
      [[2, 'bad-standard-error', 'standard_error "n/a" is not a number']],
    ],
    [
      'problems after quoted multi-line texts',
      'id,excerpt\n1,"one\ntwo\nthree"\n2,"a\r\nb"\n2,dup\n3,"x",extra\n',
      'test',
      [
        [7, 'duplicate-id', 'the id "2" was already used on line 5'],
        [8, 'wrong-field-count', 'the row has 3 fields'],
      ],
    ],
    [
      'problems after blank lines in CRLF files',
      'id,excerpt\r\n\r\n1,a\r\n\r\n\r\n,b\r\n',
      'test',
      [[6, 'empty-id', 'the id is empty']],
    ],
  ])('reports %s', async (_name, input, kind, expected) => {
    const parse = kind === 'test' ? parseTestCsv : parseTrainCsv;
    const problems = rowProblems(await parse(input)).map((p) => [p.line, p.code, p.reason]);
    expect(problems).toHaveLength(expected.length);
    expected.forEach(([line, code, reason], i) => {
      expect(problems[i]).toEqual([line, code, expect.stringContaining(reason)]);
    });
  });

  it('keeps every row, good or bad, in file order', async () => {
    const parsed = await parseTestCsv('id,excerpt\n1,a\n2,\n3,c\n1,d\n');
    expect(parsed.results.map((r) => (r.ok ? r.row.id : `line ${r.line}`))).toEqual([
      '1',
      'line 3',
      '3',
      'line 5',
    ]);
    expect(goodRows(parsed).map((r) => r.id)).toEqual(['1', '3']);
  });

  it('names the id of a bad row when it has one', async () => {
    const [p] = rowProblems(await parseTestCsv('id,excerpt\nabc,\n'));
    expect(p).toMatchObject({ ok: false, line: 2, id: 'abc', code: 'empty-text' });
  });
});

describe('accepted shapes', () => {
  const expected = [
    { id: 'a1', text: 'Once, upon a time\nthere was "a" fox.', line: 2 },
    { id: 'b2', text: 'Short.', line: 4 },
  ];

  it.each<[string, string]>([
    [
      'the Kaggle layout',
      'id,url_legal,license,excerpt\na1,,,"Once, upon a time\nthere was ""a"" fox."\nb2,https://x.org/a,"CC BY, 4.0",Short.\n',
    ],
    [
      'a UTF-8 BOM',
      '\ufeffid,url_legal,license,excerpt\na1,,,"Once, upon a time\nthere was ""a"" fox."\nb2,,,Short.\n',
    ],
    [
      'a text column instead of excerpt',
      'id,text\na1,"Once, upon a time\nthere was ""a"" fox."\nb2,Short.',
    ],
    [
      'any header case and column order, with spaces',
      'EXCERPT , Id\n"Once, upon a time\nthere was ""a"" fox.",a1\nShort.,b2\n',
    ],
  ])('reads %s', async (_name, input) => {
    const parsed = await parseTestCsv(input);
    expect(goodRows(parsed)).toEqual(expected);
    expect(rowProblems(parsed)).toEqual([]);
  });

  it('reads CRLF files and keeps the CRLF inside a quoted text', async () => {
    const parsed = await parseTestCsv('id,excerpt\r\na1,"line one\r\nline two"\r\nb2,Short.\r\n');
    expect(goodRows(parsed)).toEqual([
      { id: 'a1', text: 'line one\r\nline two', line: 2 },
      { id: 'b2', text: 'Short.', line: 4 },
    ]);
  });

  it('prefers excerpt when both excerpt and text are present', async () => {
    const parsed = await parseTestCsv('id,text,excerpt\n1,from text,from excerpt\n');
    expect(parsed.textColumn).toBe('excerpt');
    expect(goodRows(parsed)[0].text).toBe('from excerpt');
  });

  it('reads targets and standard errors from a train file', async () => {
    const parsed = await parseTrainCsv(
      'id,url_legal,license,excerpt,target,standard_error\n' +
        'c12,,,"A text.",-0.340259125,0.464009046\nd34,,,B,1e-3,\ne56,,,C,+2,0\n',
    );
    expect(goodRows(parsed)).toEqual([
      { id: 'c12', text: 'A text.', line: 2, target: -0.340259125, standardError: 0.464009046 },
      { id: 'd34', text: 'B', line: 3, target: 0.001, standardError: undefined },
      { id: 'e56', text: 'C', line: 4, target: 2, standardError: 0 },
    ]);
  });

  it('counts the blank lines it skipped', async () => {
    expect((await parseTestCsv('id,text\n\n1,a\n\n')).blankLines).toBe(2);
  });
});

describe('streaming', () => {
  const input =
    '\ufeffid,excerpt\r\nx1,"caf\u00e9, na\u00efve \ud83e\udd8a\r\nsecond, line"\r\n' +
    'x2,plain\r\nx2,dup\r\nx3,"a ""quoted"" word"\r\n';

  it('gives the same rows and lines at any chunk size, even mid-character', async () => {
    const whole = await parseTestCsv(input);
    expect(whole.results).toHaveLength(4);
    for (const chunkBytes of [1, 2, 3, 4, 7, 13, 64]) {
      expect((await parseTestCsv(input, { chunkBytes })).results).toEqual(whole.results);
    }
  });

  it('reads a Blob the same as a string', async () => {
    const fromBlob = await parseTestCsv(new Blob([input]), { chunkBytes: 5 });
    expect(fromBlob.results).toEqual((await parseTestCsv(input)).results);
  });

  it('reports bytes read and rows parsed as it goes', async () => {
    const seen: ParseProgress[] = [];
    const source = new Blob([input]);
    await parseTestCsv(source, { chunkBytes: 16, onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.every((p) => p.totalBytes === source.size)).toBe(true);
    const read = seen.map((p) => p.bytesRead);
    expect(read).toEqual([...read].sort((a, b) => a - b));
    expect(seen.at(-1)).toEqual({ bytesRead: source.size, totalBytes: source.size, rows: 4 });
  });

  it('stops when its signal is aborted', async () => {
    const controller = new AbortController();
    let calls = 0;
    const run = parseTestCsv(input, {
      chunkBytes: 8,
      signal: controller.signal,
      onProgress: () => {
        calls++;
        controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls).toBe(1);
  });

  it('does not start when its signal is already aborted', async () => {
    await expect(parseTestCsv(input, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});
