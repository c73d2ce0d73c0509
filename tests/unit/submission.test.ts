import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { goodRows, parseTestCsv } from '../../src/data/csv.ts';
import { DataError } from '../../src/data/errors.ts';
import {
  formatNumber,
  neutraliseCell,
  resultsCsv,
  submissionCsv,
  type ResultColumn,
  type Score,
} from '../../src/data/submission.ts';

describe('submissionCsv', () => {
  it('writes exactly id,target with \\n line ends, no BOM, in input order', () => {
    const csv = submissionCsv(
      ['b', 'a', 'c'],
      [
        { id: 'a', target: 0.25 },
        { id: 'c', target: -3.676267773 },
        { id: 'b', target: -1.5 },
      ],
    );
    expect(csv).toBe('id,target\nb,-1.5\na,0.25\nc,-3.676267773\n');
    expect(csv.charCodeAt(0)).toBe(0x69);
  });

  it.each<[string, string[], Score[], string, string]>([
    [
      'an id scored twice',
      ['a', 'b'],
      [
        { id: 'a', target: 1 },
        { id: 'b', target: 2 },
        { id: 'a', target: 1 },
      ],
      'duplicate-score',
      'The id "a" was scored twice',
    ],
    [
      'an input id listed twice',
      ['a', 'b', 'a'],
      [
        { id: 'a', target: 1 },
        { id: 'b', target: 2 },
      ],
      'duplicate-id',
      'The id "a" appears twice in the input',
    ],
    [
      'a score for an id not in the input',
      ['a'],
      [
        { id: 'a', target: 1 },
        { id: 'z', target: 2 },
      ],
      'unknown-score',
      'There is a score for the id "z", which is not in the input',
    ],
    [
      'ids without a score',
      ['a', 'b', 'c'],
      [{ id: 'a', target: 1 }],
      'missing-score',
      '2 of 3 ids have no score yet (the first is "b")',
    ],
    [
      'a score that is not a number',
      ['a'],
      [{ id: 'a', target: NaN }],
      'bad-number',
      'Row 1, column "target" holds NaN',
    ],
  ])('refuses %s', (_name, ids, scores, code, message) => {
    let error: unknown;
    try {
      submissionCsv(ids, scores);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DataError);
    expect(error).toMatchObject({ code, message: expect.stringContaining(message) });
  });

  it('round-trips: parse, score, write, parse gives back ids and targets exactly, in order', async () => {
    const ids = ['c12129c31', '85aa80a4c', '0b0ee2f15', 'x,comma', 'q"uote', '  spaced  '];
    const input =
      'id,url_legal,license,excerpt\n' +
      ids.map((id, i) => `"${id.replaceAll('"', '""')}",,,"Text ${i},\nline two"`).join('\r\n');
    const rows = goodRows(await parseTestCsv(input));
    expect(rows.map((r) => r.id)).toEqual(ids);
    const targets = [-0.340259125, 1e-7, -2.2e-15, 1.6666666666666667, -3.676267773, 0];
    const csv = submissionCsv(
      rows.map((r) => r.id),
      rows.map((r, i) => ({ id: r.id, target: targets[i] })),
    );
    const back = Papa.parse<string[]>(csv.trimEnd(), { delimiter: ',' }).data;
    expect(back[0]).toEqual(['id', 'target']);
    expect(back.slice(1).map(([id]) => id)).toEqual(ids);
    expect(back.slice(1).map(([, t]) => Number(t))).toEqual(targets);
  });
});

describe('formatNumber', () => {
  it.each<[number, string]>([
    [1.5, '1.5'],
    [-0.340259125, '-0.340259125'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1e-7, '0.0000001'],
    [-1.5e-9, '-0.0000000015'],
    [1.2345678901234e-7, '0.00000012345678901234'],
    [1e21, '1000000000000000000000'],
    [-1.25e22, '-12500000000000000000000'],
    [-0, '0'],
    [3, '3'],
  ])('%d → %s', (x, expected) => {
    expect(formatNumber(x)).toBe(expected);
  });

  it('reads back as the same double, never in exponent form', () => {
    let seed = 11;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 5000; n++) {
      const x = (random() - 0.5) * 10 ** Math.floor(random() * 50 - 25);
      const s = formatNumber(x);
      expect(s).not.toMatch(/e/i);
      expect(Number(s)).toBe(x);
    }
  });
});

describe('formula neutralisation', () => {
  it.each<[string, string]>([
    ['=SUM(A1:A9)', "'=SUM(A1:A9)"],
    ['+1+1', "'+1+1"],
    ['-2+3', "'-2+3"],
    ['@cmd', "'@cmd"],
    ['\t=1', "'\t=1"],
    ['\r=1', "'\r=1"],
    ['=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'],
    ['plain text', 'plain text'],
    ['a=b', 'a=b'],
    ['', ''],
  ])('%j → %j', (cell, expected) => {
    expect(neutraliseCell(cell)).toBe(expected);
  });

  interface Row {
    id: string;
    excerpt: string;
    target: number;
    flesch: number | null;
  }
  const columns: ResultColumn<Row>[] = [
    { header: 'id', kind: 'text', value: (r) => r.id },
    { header: 'excerpt', kind: 'text', value: (r) => r.excerpt },
    { header: 'target', kind: 'number', value: (r) => r.target },
    { header: '=flesch', kind: 'number', value: (r) => r.flesch },
  ];

  it('neutralises text cells and headers but writes numbers as numbers', () => {
    const csv = resultsCsv<Row>(
      [
        { id: '-abc', excerpt: '=1+1, "quoted"\nnext', target: -1.25, flesch: -3 },
        { id: 'ok', excerpt: '@SUM(1)', target: 0.5, flesch: null },
      ],
      columns,
    );
    expect(csv).toBe(
      "id,excerpt,target,'=flesch\n" +
        `'-abc,"'=1+1, ""quoted""\nnext",-1.25,-3\n` +
        "ok,'@SUM(1),0.5,\n",
    );
  });

  it('quotes so that a CSV reader gets the neutralised cells back whole', () => {
    const nasty = '=cmd|" /C calc"!A0,\r\n"x"';
    const csv = resultsCsv([{ id: 'a', excerpt: nasty, target: -1, flesch: 2 }], columns);
    const [, row] = Papa.parse<string[]>(csv.trimEnd(), { delimiter: ',' }).data;
    expect(row).toEqual(['a', `'${nasty}`, '-1', '2']);
  });

  it('refuses a number column value that is not finite, naming row and column', () => {
    expect(() =>
      resultsCsv([{ id: 'a', excerpt: 'x', target: 1, flesch: Infinity }], columns),
    ).toThrow(/Row 1, column "=flesch" holds Infinity/);
  });
});
