// Summarises the CommonLit-scale targets of the CLEAR corpus into the small JSON the Read view
// draws its reference distribution from, so the app and its tests never need the CSV.
//   npx tsx scripts/clear-distribution.ts <clear-train.csv> [--out file] [--bins 40]
import { readFileSync, writeFileSync } from 'node:fs';
import { readLabelledCsv } from './fit-lite.ts';

const OUT = 'src/readability/clear-distribution.json';

function main(argv: string[]): void {
  const csvPath = argv[0];
  if (!csvPath) throw new Error('usage: clear-distribution.ts <clear-train.csv> [--out file]');
  const outAt = argv.indexOf('--out');
  const out = outAt >= 0 ? argv[outAt + 1] : OUT;
  const binsAt = argv.indexOf('--bins');
  const bins = binsAt >= 0 ? Number(argv[binsAt + 1]) : 40;
  const { rows, problems } = readLabelledCsv(readFileSync(csvPath, 'utf8'));
  const targets = rows.map((r) => r.target).sort((a, b) => a - b);
  const n = targets.length;
  const min = targets[0];
  const max = targets[n - 1];
  // Round the edges outwards to a tenth so the bins read cleanly on an axis.
  const lo = Math.floor(min * 10) / 10;
  const hi = Math.ceil(max * 10) / 10;
  const width = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const t of targets) counts[Math.min(bins - 1, Math.floor((t - lo) / width))]++;
  const mean = targets.reduce((s, t) => s + t, 0) / n;
  const sd = Math.sqrt(targets.reduce((s, t) => s + (t - mean) ** 2, 0) / (n - 1));
  // Percentiles 0..100 by linear interpolation between order statistics.
  const percentiles = Array.from({ length: 101 }, (_, p) => {
    const at = (p / 100) * (n - 1);
    const i = Math.floor(at);
    const v = i + 1 < n ? targets[i] + (at - i) * (targets[i + 1] - targets[i]) : targets[i];
    return Number(v.toFixed(4));
  });
  const round = (x: number) => Number(x.toFixed(4));
  const file = {
    source:
      'CLEAR corpus (CommonLit Ease of Readability), Crossley et al. 2023, CC BY-NC-SA 4.0; ' +
      'BT easiness of its excerpts on the CommonLit Readability Prize scale',
    count: n,
    mean: round(mean),
    sd: round(sd),
    min: round(min),
    max: round(max),
    edges: Array.from({ length: bins + 1 }, (_, i) => round(lo + i * width)),
    counts,
    percentiles,
  };
  writeFileSync(out, `${JSON.stringify(file)}\n`);
  console.log(
    `${out}: ${n} targets (${problems.length} rows skipped), mean ${file.mean}, sd ${file.sd}`,
  );
}

main(process.argv.slice(2));
