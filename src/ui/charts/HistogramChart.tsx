import type { TooltipItem } from 'chart.js';
import { Bar } from 'react-chartjs-2';
import { BASE_OPTIONS } from './chartSetup.ts';

export interface HistogramMark {
  bin: number;
  colour: string;
}

export interface HistogramChartProps {
  label: string;
  /** What one count is of, e.g. "CLEAR excerpts": the dataset's name, for the tooltip. */
  datasetLabel: string;
  edges: readonly number[];
  counts: readonly number[];
  /** Bins to colour (later marks win), e.g. where this text's scores fall. */
  marks: readonly HistogramMark[];
  xTitle: string;
}

/** A histogram as a bar chart, with marked bins. */
export function HistogramChart({
  label,
  datasetLabel,
  edges,
  counts,
  marks,
  xTitle,
}: HistogramChartProps) {
  const colours = counts.map(() => '#c8c8c8');
  for (const m of marks) if (m.bin >= 0 && m.bin < counts.length) colours[m.bin] = m.colour;
  const labels = counts.map((_, i) => ((edges[i] + edges[i + 1]) / 2).toFixed(1));
  return (
    <div className="chart-box" style={{ height: 180 }}>
      <Bar
        aria-label={label}
        role="img"
        data={{
          labels,
          datasets: [
            {
              label: datasetLabel,
              data: [...counts],
              backgroundColor: colours,
              barPercentage: 1,
              categoryPercentage: 1,
            },
          ],
        }}
        options={{
          ...BASE_OPTIONS,
          scales: {
            x: { title: { display: true, text: xTitle }, ticks: { maxTicksLimit: 12 } },
            y: { title: { display: true, text: 'excerpts' } },
          },
          plugins: {
            // One dataset whose bars are coloured by the marks: the page's own legend explains them.
            legend: { display: false },
            tooltip: {
              callbacks: {
                title: (items: TooltipItem<'bar'>[]) => {
                  const i = items[0]?.dataIndex ?? 0;
                  return `${edges[i].toFixed(2)} to ${edges[i + 1].toFixed(2)}`;
                },
                label: (item: TooltipItem<'bar'>) => `${String(item.raw)} ${datasetLabel}`,
              },
            },
          },
        }}
      />
    </div>
  );
}
