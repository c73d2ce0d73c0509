import type { Chart, Plugin, TooltipItem, TooltipModel } from 'chart.js';
import { useRef } from 'react';
import { Scatter } from 'react-chartjs-2';
import { BASE_OPTIONS } from './chartSetup.ts';
import { css, viridis } from './colorScales.ts';

/** A direction drawn from the centroid: its components along the two axes, and its name. */
export interface ScatterArrow {
  x: number;
  y: number;
  label: string;
}

export interface CorpusScatterProps {
  /** What the chart shows, for screen readers. */
  label: string;
  coords: Float64Array; // [n, 2]
  /** The value each point is coloured by, and the range the colour scale spans. */
  values: ArrayLike<number>; // [n]
  domain: [number, number];
  explained: [number, number];
  /** A point's tooltip: a title line and the lines under it. */
  describe: (index: number) => { title: string; lines: string[] };
  arrow: ScatterArrow | null;
}

interface Point {
  x: number;
  y: number;
  index: number;
}

/**
 * Makes one unit as long on both axes: once the layout has placed the plot area, the axis whose
 * units come out longer is widened to match, and the chart is laid out again. Only widened, so
 * every point stays in.
 */
const equalUnits: Plugin<'scatter'> = {
  id: 'equalUnits',
  afterLayout(chart) {
    const { rx, ry } = bounds((chart.data.datasets[0]?.data ?? []) as Point[]);
    const { width, height } = chart.chartArea;
    const { x, y } = chart.scales;
    const ratio = ((x.max - x.min) / width) * (height / (y.max - y.min));
    const scales = chart.options.scales;
    if (!(width > 0 && height > 0) || Math.abs(ratio - 1) < 0.01 || !scales?.x || !scales.y) return;
    const perPixel = Math.max((2 * rx) / width, (2 * ry) / height);
    [scales.x.min, scales.x.max] = [(-perPixel * width) / 2, (perPixel * width) / 2];
    [scales.y.min, scales.y.max] = [(-perPixel * height) / 2, (perPixel * height) / 2];
    requestAnimationFrame(() => chart.canvas && chart.update('none'));
  },
};

/** Writes the arrow's name beside its tip (chart.js has no data labels of its own). */
const arrowLabel: Plugin<'scatter'> = {
  id: 'arrowLabel',
  afterDatasetsDraw(chart: Chart<'scatter'>) {
    const dataset = chart.data.datasets[1];
    const tip = chart.getDatasetMeta(1).data[1];
    if (!dataset?.label || !tip) return;
    const { ctx, chartArea } = chart;
    ctx.save();
    ctx.font = '600 12px system-ui, sans-serif';
    ctx.fillStyle = '#111';
    ctx.textBaseline = 'middle';
    const width = ctx.measureText(dataset.label).width;
    // Beside the tip, kept inside the plot.
    const x = Math.min(Math.max(tip.x + 8, chartArea.left + 2), chartArea.right - width - 2);
    const y = Math.min(Math.max(tip.y - 12, chartArea.top + 8), chartArea.bottom - 8);
    ctx.fillText(dataset.label, x, y);
    ctx.restore();
  },
};

/** The widest plot shape, width to height: a flatter spread keeps the same units, less tall. */
const MAX_ASPECT = 2;

/**
 * Half-ranges of the axes around the centroid that hold every point with a margin, with equal
 * units on both: their ratio is the plot's shape, from square to MAX_ASPECT wide.
 */
function bounds(points: readonly Point[]): { rx: number; ry: number; aspect: number } {
  let x = 0;
  let y = 0;
  for (const p of points) {
    x = Math.max(x, Math.abs(p.x));
    y = Math.max(y, Math.abs(p.y));
  }
  if (!(x > 0 || y > 0)) return { rx: 1, ry: 1, aspect: 1 };
  const aspect = y > 0 ? Math.min(MAX_ASPECT, Math.max(1, x / y)) : MAX_ASPECT;
  const rx = 1.08 * Math.max(x, aspect * y);
  return { rx, ry: rx / aspect, aspect };
}

/**
 * Points on two principal axes with equal units on both (the picture is not stretched), coloured
 * by a value on viridis, an arrow from the centroid, and a tooltip per point.
 */
export function CorpusScatter({
  label,
  coords,
  values,
  domain,
  explained,
  describe,
  arrow,
}: CorpusScatterProps) {
  const n = values.length;
  const points: Point[] = Array.from({ length: n }, (_, index) => ({
    x: coords[index * 2],
    y: coords[index * 2 + 1],
    index,
  }));
  const span = domain[1] - domain[0];
  const colours = points.map((p) =>
    css(viridis(span > 0 ? (values[p.index] - domain[0]) / span : 0.5)),
  );
  const { rx, ry, aspect } = bounds(points);
  const length = arrow ? Math.hypot(arrow.x, arrow.y) : 0;
  const tip =
    arrow && length > 0
      ? { x: (0.6 * ry * arrow.x) / length, y: (0.6 * ry * arrow.y) / length }
      : null;
  const pct = (f: number) => `${(f * 100).toFixed(1)}%`;
  const tooltip = useRef<HTMLDivElement>(null);
  /** The hovered text's tooltip, in the page (readable, and kept inside the chart's width). */
  const showTooltip = ({
    chart,
    tooltip: model,
  }: {
    chart: Chart;
    tooltip: TooltipModel<'scatter'>;
  }) => {
    const el = tooltip.current;
    if (!el) return;
    const item = model.dataPoints?.find((p) => p.datasetIndex === 0);
    if (model.opacity === 0 || !item) {
      el.hidden = true;
      return;
    }
    const { title, lines } = describe((item.raw as Point).index);
    el.replaceChildren(
      ...[title, ...lines].map((text, i) => {
        const line = document.createElement(i === 0 ? 'strong' : 'div');
        line.textContent = text;
        return line;
      }),
    );
    el.style.left = `${model.caretX}px`;
    el.style.top = `${model.caretY}px`;
    el.style.transform =
      model.caretX > chart.width / 2
        ? 'translate(calc(-100% - 10px), 10px)'
        : 'translate(10px, 10px)';
    el.hidden = false;
  };
  return (
    <div className="chart-box corpus-chart" style={{ aspectRatio: aspect }}>
      <Scatter
        aria-label={label}
        role="img"
        data={{
          datasets: [
            {
              label: 'texts',
              data: points,
              pointBackgroundColor: colours,
              pointBorderColor: 'rgba(0, 0, 0, 0.35)',
              pointBorderWidth: 0.5,
              pointRadius: n > 1000 ? 2.5 : 3.5,
              pointHoverRadius: 6,
            },
            ...(tip && arrow
              ? [
                  {
                    label: arrow.label,
                    data: [{ x: 0, y: 0 }, tip],
                    showLine: true,
                    borderColor: '#111',
                    backgroundColor: '#111',
                    borderWidth: 2.5,
                    pointStyle: 'triangle' as const,
                    // The triangle points up; turn it to the arrow's heading (clockwise degrees).
                    pointRotation: 90 - (Math.atan2(tip.y, tip.x) * 180) / Math.PI,
                    pointRadius: [0, 7],
                    pointHoverRadius: [0, 7],
                  },
                ]
              : []),
          ],
        }}
        options={{
          ...BASE_OPTIONS,
          scales: {
            x: {
              type: 'linear',
              min: -rx,
              max: rx,
              ticks: { includeBounds: false },
              title: { display: true, text: `PC 1 (${pct(explained[0])} of variance)` },
            },
            y: {
              type: 'linear',
              min: -ry,
              max: ry,
              ticks: { includeBounds: false },
              title: { display: true, text: `PC 2 (${pct(explained[1])} of variance)` },
            },
          },
          // The nearest text answers wherever the pointer is: dots are small and dense.
          interaction: { mode: 'nearest', intersect: false },
          plugins: {
            legend: { display: false },
            tooltip: {
              enabled: false,
              filter: (item: TooltipItem<'scatter'>) => item.datasetIndex === 0,
              external: showTooltip,
            },
          },
        }}
        plugins={[equalUnits, arrowLabel]}
      />
      <div ref={tooltip} className="chart-tooltip corpus-tooltip" role="tooltip" hidden />
    </div>
  );
}
