/**
 * Deterministic CommonLit-format CSVs for the CLI and end-to-end tests, generated at test time
 * (never committed): a test.csv with multi-line quoted excerpts and a few malformed rows, and a
 * train.csv whose target is a fixed function of how many long words a text holds, so a head can
 * learn it.
 */
import { makeRng } from '../../src/analysis/rng.ts';

const EASY = (
  'the cat sat on a mat and the dog ran to the sun we had fun in the park with my mom ' +
  'she got a red ball he saw a big tree it was hot so they hid in the shade'
).split(' ');
const HARD = (
  'notwithstanding considerable epistemological disagreement contemporary philosophers ' +
  'characteristically emphasise institutional interdependence meanwhile unprecedented ' +
  'administrative complexity necessitated comprehensive reconsideration of jurisprudential ' +
  'doctrine throughout metropolitan municipalities'
).split(' ');

/** A row problem the generator planted: the line its row starts on and the parser's code. */
export interface PlantedProblem {
  line: number;
  code: 'empty-text' | 'duplicate-id' | 'wrong-field-count' | 'empty-id';
  id?: string;
}

/** One usable row of a generated CSV (its target is there in a test.csv too, unwritten). */
export interface GeneratedRow {
  id: string;
  text: string;
  target: number;
}

/** A generated CSV, its usable rows in file order (also by column), and what was planted in it. */
export interface GeneratedCsv {
  csv: string;
  rows: GeneratedRow[];
  ids: string[];
  texts: string[];
  targets: number[];
  problems: PlantedProblem[];
}

function hexId(rand: () => number): string {
  return Array.from({ length: 9 }, () => Math.floor(rand() * 16).toString(16)).join('');
}

/** A paragraph of `words` words, a share `hard` of them from the long-word list. */
function paragraph(rand: () => number, words: number, hard: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    const pool = rand() < hard ? HARD : EASY;
    let w = pool[Math.floor(rand() * pool.length)];
    if (out.length === 0 || out[out.length - 1].endsWith('.')) w = w[0].toUpperCase() + w.slice(1);
    out.push(w);
    if (i === words - 1 || rand() < 0.1) out[out.length - 1] += '.';
    else if (rand() < 0.05) out[out.length - 1] += ',';
  }
  return out.join(' ');
}

const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;
const lines = (s: string) => s.split('\n').length;

/**
 * A test.csv (or train.csv with `labelled`) of `rows` usable rows; with `malformed`, four bad rows
 * (empty text, duplicate id, wrong field count, empty id) are planted among them.
 */
export function commonLitCsv(options: {
  rows: number;
  seed: number;
  labelled?: boolean;
  malformed?: boolean;
}): GeneratedCsv {
  const rand = makeRng(options.seed);
  const header = options.labelled
    ? 'id,url_legal,license,excerpt,target,standard_error'
    : 'id,url_legal,license,excerpt';
  const out = [header];
  let line = 2;
  const ids: string[] = [];
  const texts: string[] = [];
  const targets: number[] = [];
  const problems: PlantedProblem[] = [];
  const used = new Set<string>();
  const push = (row: string) => {
    out.push(row);
    line += lines(row);
  };
  const plantAt = options.malformed
    ? new Map<number, PlantedProblem['code']>([
        [17, 'empty-text'],
        [101, 'duplicate-id'],
        [202, 'wrong-field-count'],
        [290, 'empty-id'],
      ])
    : new Map();
  for (let i = 0; i < options.rows; i++) {
    const planted = plantAt.get(i);
    if (planted === 'empty-text') {
      const id = hexId(rand);
      problems.push({ line, code: planted, id });
      push(options.labelled ? `${id},,,"",-1,0.5` : `${id},,,""`);
    } else if (planted === 'duplicate-id') {
      problems.push({ line, code: planted, id: ids[3] });
      push(
        `${ids[3]},,,${quote('A second text under an id already used.')}${options.labelled ? ',-1,0.5' : ''}`,
      );
    } else if (planted === 'wrong-field-count') {
      const id = hexId(rand);
      problems.push({ line, code: planted, id });
      push(
        `${id},,An unquoted text, with a comma, breaks the row${options.labelled ? ',-1,0.5' : ''}`,
      );
    } else if (planted === 'empty-id') {
      problems.push({ line, code: planted });
      push(`,,,${quote('A text with no id.')}${options.labelled ? ',-1,0.5' : ''}`);
    }
    let id = hexId(rand);
    while (used.has(id)) id = hexId(rand);
    used.add(id);
    const hard = rand();
    const words = 40 + Math.floor(rand() * 100);
    let text = paragraph(rand, words, hard);
    // Some excerpts span lines and carry quotes, as real CommonLit excerpts do.
    if (i % 7 === 3) text = `${text}\n${paragraph(rand, 20, hard)}`;
    if (i % 11 === 5) text = `"${text.slice(0, 30)}," she said. ${text.slice(30)}`;
    const url = i % 3 === 0 ? `https://example.org/texts/${id}` : '';
    const license = i % 3 === 0 ? 'CC BY 4.0' : '';
    const target = 1.2 - 3.5 * hard + 0.15 * (rand() - 0.5);
    const labels = options.labelled
      ? `,${target.toFixed(6)},${(0.45 + 0.1 * rand()).toFixed(6)}`
      : '';
    push(`${id},${url},${license},${quote(text)}${labels}`);
    ids.push(id);
    texts.push(text);
    targets.push(Number(target.toFixed(6)));
  }
  const rows = ids.map((id, i) => ({ id, text: texts[i], target: targets[i] }));
  return { csv: `${out.join('\n')}\n`, rows, ids, texts, targets, problems };
}
