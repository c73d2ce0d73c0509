import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterAll, describe, expect, it } from 'vitest';
import { fitLiteCsv, readLabelledCsv, serialiseWeights } from '../../scripts/fit-lite.ts';
import { mulberry32, rmse } from '../../src/readability/fit.ts';
import { predictWith } from '../../src/readability/lite.ts';
import { decodeWeights } from '../../src/readability/weights.ts';

const EASY = [
  'the',
  'cat',
  'dog',
  'ran',
  'sat',
  'big',
  'red',
  'sun',
  'fun',
  'hat',
  'a',
  'to',
  'we',
  'go',
  'see',
];
const HARD = [
  'notwithstanding',
  'epistemological',
  'circumlocution',
  'institutionalised',
  'idiosyncratic',
  'philosophical',
  'comprehensively',
  'administrative',
  'interdependence',
  'characteristically',
];

// Synthetic excerpts whose difficulty (the target) sets the share of long words and the sentence length.
function synthetic(n: number, seed: number) {
  const random = mulberry32(seed);
  const pick = (list: string[]) => list[Math.floor(random() * list.length)];
  return Array.from({ length: n }, (_, i) => {
    const difficulty = random();
    const sentences = Array.from({ length: 6 }, () => {
      const length = 4 + Math.round(difficulty * 16 + random() * 3);
      const words = Array.from({ length }, () =>
        random() < difficulty * 0.6 ? pick(HARD) : pick(EASY),
      );
      return `${words.join(' ')}.`;
    });
    const text = sentences.map((s) => s[0].toUpperCase() + s.slice(1)).join(' ');
    return {
      id: `s${i}`,
      excerpt: text,
      target: (1.5 - 4 * difficulty + (random() - 0.5) * 0.2).toFixed(4),
    };
  });
}

const dir = mkdtempSync(join(tmpdir(), 'readscope-fit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeCsv(name: string, rows: object[]) {
  const path = join(dir, name);
  writeFileSync(path, Papa.unparse(rows));
  return path;
}

describe('fit-lite', () => {
  const train = writeCsv('train.csv', synthetic(80, 1));

  it('is deterministic for a seed, to the byte', () => {
    const a = serialiseWeights(fitLiteCsv(train, { folds: 4, seed: 7 }).file);
    const b = serialiseWeights(fitLiteCsv(train, { folds: 4, seed: 7 }).file);
    expect(a).toBe(b);
  });

  it('beats the mean predictor in CV and on held-out rows', () => {
    const { file, report } = fitLiteCsv(train, { folds: 4, seed: 7 });
    expect(report.cv.mean).toBeLessThan(report.baselines.mean.mean);
    expect(report.byAlpha.map((a) => a.alpha)).toContain(report.alpha);
    const model = decodeWeights(file);
    const heldOut = synthetic(40, 2);
    const actual = heldOut.map((r) => Number(r.target));
    const predicted = heldOut.map((r) => predictWith(model, r.excerpt).target);
    const trainMean = readLabelledCsv(Papa.unparse(synthetic(80, 1))).rows.reduce(
      (s, r) => s + r.target / 80,
      0,
    );
    expect(rmse(predicted, actual)).toBeLessThan(
      0.5 *
        rmse(
          actual.map(() => trainMean),
          actual,
        ),
    );
  });

  it('reports bad rows with their line instead of throwing', () => {
    const { rows, problems } = readLabelledCsv(
      'id,excerpt,target\na,Some text.,-1.5\nb,,0.2\nc,More text.,abc\n',
    );
    expect(rows).toEqual([{ text: 'Some text.', target: -1.5 }]);
    expect(problems).toEqual([
      { line: 3, reason: 'empty excerpt' },
      { line: 4, reason: 'target "abc" is not a number' },
    ]);
    expect(readLabelledCsv('id,text\n1,x\n').problems[0].reason).toMatch(/excerpt/);
  });
});
