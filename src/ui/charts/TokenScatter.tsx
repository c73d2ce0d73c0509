import type { Chart, Plugin, TooltipItem } from 'chart.js';
import { Scatter } from 'react-chartjs-2';
import { BASE_OPTIONS } from './chartSetup.ts';
import { css, viridis } from './colorScales.ts';

export interface TokenScatterProps {
  label: string;
  coords: Float32Array; // [n, 2]
  tokens: readonly string[]; // [n]
  explained: [number, number];
  /** Draw every token's text beside its point when there are at most this many. */
  maxLabels?: number;
}

interface Point {
  x: number;
  y: number;
  token: string;
  index: number;
}

/** Writes each point's token next to it (chart.js has no data labels of its own). */
const tokenLabels = (maxLabels: number): Plugin<'scatter'> => ({
  id: 'tokenLabels',
  afterDatasetsDraw(chart: Chart<'scatter'>) {
    const meta = chart.getDatasetMeta(0);
    const data = chart.data.datasets[0]?.data as unknown as Point[] | undefined;
    if (!data || data.length > maxLabels) return;
    const { ctx } = chart;
    ctx.save();
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = '#222';
    ctx.textBaseline = 'middle';
    meta.data.forEach((el, i) => ctx.fillText(data[i].token, el.x + 5, el.y - 6));
    ctx.restore();
  },
});

/** A 2-D PCA of one layer's tokens, coloured by position in the text, tokens labelled. */
export function TokenScatter({
  label,
  coords,
  tokens,
  explained,
  maxLabels = 80,
}: TokenScatterProps) {
  const n = tokens.length;
  const points: Point[] = tokens.map((token, index) => ({
    x: coords[index * 2],
    y: coords[index * 2 + 1],
    token,
    index,
  }));
  const colours = points.map((p) => css(viridis(n > 1 ? p.index / (n - 1) : 0)));
  const pct = (f: number) => `${(f * 100).toFixed(0)}%`;
  return (
    <div className="chart-box" style={{ height: 360 }}>
      <Scatter
        aria-label={label}
        role="img"
        data={{
          datasets: [
            {
              label: 'tokens',
              data: points,
              pointBackgroundColor: colours,
              pointBorderColor: '#333',
              pointRadius: 4,
            },
          ],
        }}
        options={{
          ...BASE_OPTIONS,
          scales: {
            x: { title: { display: true, text: `PC 1 (${pct(explained[0])} of variance)` } },
            y: { title: { display: true, text: `PC 2 (${pct(explained[1])})` } },
          },
          plugins: {
            tooltip: {
              callbacks: {
                label: (item: TooltipItem<'scatter'>) => {
                  const p = item.raw as Point;
                  return `#${p.index} "${p.token}" (${p.x.toFixed(2)}, ${p.y.toFixed(2)})`;
                },
              },
            },
          },
        }}
        plugins={[tokenLabels(maxLabels)]}
      />
    </div>
  );
}
