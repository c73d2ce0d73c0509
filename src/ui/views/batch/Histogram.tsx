import { Bar } from 'react-chartjs-2';
import { PALETTE } from '../palette.ts';
import '../../charts/chartSetup.ts';

interface Props {
  values: readonly number[];
  label: string;
}

const BIN_WIDTH = 0.25;

/** Bins of width 0.25 on the CommonLit scale, covering every value. */
export function histogram(values: readonly number[]) {
  if (!values.length) return { edges: [] as number[], counts: [] as number[] };
  const lo = Math.floor(Math.min(...values) / BIN_WIDTH) * BIN_WIDTH;
  const hi = Math.max(lo + BIN_WIDTH, Math.ceil(Math.max(...values) / BIN_WIDTH) * BIN_WIDTH);
  const bins = Math.max(1, Math.round((hi - lo) / BIN_WIDTH));
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - lo) / BIN_WIDTH))]++;
  return { edges: counts.map((_, i) => lo + i * BIN_WIDTH), counts };
}

/** Histogram of predictions, with a text summary for screen readers. */
export function Histogram({ values, label }: Props) {
  const { edges, counts } = histogram(values);
  const mean = values.reduce((s, v) => s + v, 0) / (values.length || 1);
  const summary =
    `${values.length} predictions from ${Math.min(...values).toFixed(2)} to ` +
    `${Math.max(...values).toFixed(2)}, mean ${mean.toFixed(2)}`;
  return (
    <figure className="chart">
      <div className="chart-box" role="img" aria-label={`Histogram of ${label}: ${summary}`}>
        <Bar
          data={{
            labels: edges.map((e) => `${e.toFixed(2)}…${(e + BIN_WIDTH).toFixed(2)}`),
            datasets: [{ label, data: counts, backgroundColor: PALETTE.easier }],
          }}
          options={{
            animation: false,
            maintainAspectRatio: false,
            plugins: { legend: { display: false } },
            scales: {
              x: { title: { display: true, text: `${label} (higher = easier)` } },
              y: { title: { display: true, text: 'rows' }, beginAtZero: true },
            },
          }}
        />
      </div>
      <figcaption>{summary}.</figcaption>
    </figure>
  );
}
