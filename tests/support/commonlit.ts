/**
 * Generated CommonLit-format CSVs for the CLI tests: deterministic texts mixing an "easy" and a
 * "hard" vocabulary, some spread over several lines inside quotes, with commas and doubled quotes.
 * The target is a fixed function of the text (the share of hard words), so a head can learn it.
 */
import { makeRng } from '../../src/analysis/rng.ts';

const EASY = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'dog', 'ran', 'big', 'red', 'sun', 'hat'];
const HARD = [
  'notwithstanding',
  'photosynthesis',
  'epistemological',
  'heterogeneous',
  'circumlocution',
  'incontrovertible',
];

export interface GeneratedRow {
  id: string;
  text: string;
  target: number;
}

/** `count` rows; every fifth text runs over several lines, every seventh quotes someone. */
export function generateRows(count: number, seed = 7): GeneratedRow[] {
  const random = makeRng(seed);
  return Array.from({ length: count }, (_, i) => {
    const hardShare = random();
    const words = Array.from({ length: 20 + Math.floor(random() * 30) }, () => {
      const pool = random() < hardShare ? HARD : EASY;
      return pool[Math.floor(random() * pool.length)];
    });
    const hard = words.filter((w) => HARD.includes(w)).length / words.length;
    const sentences: string[] = [];
    for (let k = 0; k < words.length; k += 8) {
      const s = words.slice(k, k + 8).join(' ');
      sentences.push(`${s[0].toUpperCase()}${s.slice(1)}.`);
    }
    let text = sentences.join(i % 5 === 0 ? '\n' : ' ');
    if (i % 7 === 0) text = `She said, "${text}"`;
    return { id: `id${String(i).padStart(3, '0')}`, text, target: 1 - 3 * hard };
  });
}

function quote(cell: string): string {
  return /[",\n\r]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

/** A test.csv: `id,url_legal,license,excerpt`, `\n` line ends. */
export function testCsv(rows: readonly GeneratedRow[]): string {
  return `id,url_legal,license,excerpt\n${rows.map((r) => `${r.id},,,${quote(r.text)}\n`).join('')}`;
}

/** A train.csv: `id,excerpt,target,standard_error`. */
export function trainCsv(rows: readonly GeneratedRow[]): string {
  return `id,excerpt,target,standard_error\n${rows.map((r) => `${r.id},${quote(r.text)},${r.target},0.5\n`).join('')}`;
}
