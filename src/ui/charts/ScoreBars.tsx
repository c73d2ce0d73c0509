import type { Chart, Plugin, TooltipItem } from 'chart.js';
import { Bar } from 'react-chartjs-2';
import { BASE_OPTIONS } from './chartSetup.ts';

export interface ScoreBar {
  label: string;
  value: number;
  /** Half-width of the error bar (e.g. a head's CV RMSE). */
  error: number;
  colour: string;
}

export interface ScoreBarsProps {
  label: string;
  bars: readonly ScoreBar[];
  domain: [number, number];
  xTitle: string;
}

/** Draws ± error whiskers on horizontal bars (chart.js has no error bars of its own). */
const whiskers = (bars: readonly ScoreBar[]): Plugin<'bar'> => ({
  id: 'whiskers',
  afterDatasetsDraw(chart: Chart<'bar'>) {
    const x = chart.scales.x;
    const { ctx } = chart;
    ctx.save();
    ctx.strokeStyle = '#111';
    ctx.lineWidth = 1.5;
    chart.getDatasetMeta(0).data.forEach((el, i) => {
      const b = bars[i];
      if (!b) return;
      const lo = x.getPixelForValue(b.value - b.error);
      const hi = x.getPixelForValue(b.value + b.error);
      const y = el.y;
      ctx.beginPath();
      ctx.moveTo(lo, y);
      ctx.lineTo(hi, y);
      ctx.moveTo(lo, y - 5);
      ctx.lineTo(lo, y + 5);
      ctx.moveTo(hi, y - 5);
      ctx.lineTo(hi, y + 5);
      ctx.stroke();
    });
    ctx.restore();
  },
});

/** Horizontal bars from the hard end of a scale to each value, with error whiskers. */
export function ScoreBars({ label, bars, domain, xTitle }: ScoreBarsProps) {
  return (
    <div className="chart-box" style={{ height: 60 + 28 * bars.length }}>
      <Bar
        aria-label={label}
        role="img"
        data={{
          labels: bars.map((b) => b.label),
          datasets: [
            {
              data: bars.map((b) => b.value),
              backgroundColor: bars.map((b) => b.colour),
              base: domain[0],
              barPercentage: 0.7,
            },
          ],
        }}
        options={{
          ...BASE_OPTIONS,
          indexAxis: 'y',
          scales: {
            x: { min: domain[0], max: domain[1], title: { display: true, text: xTitle } },
          },
          plugins: {
            tooltip: {
              callbacks: {
                label: (item: TooltipItem<'bar'>) => {
                  const b = bars[item.dataIndex];
                  return `${b.value.toFixed(2)} ± ${b.error.toFixed(2)}`;
                },
              },
            },
          },
        }}
        plugins={[whiskers(bars)]}
      />
    </div>
  );
}
