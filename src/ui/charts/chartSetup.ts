// Registers the chart.js pieces the app uses, once, wherever a chart is imported.
import {
  BarElement,
  CategoryScale,
  Chart,
  LinearScale,
  PointElement,
  Tooltip,
  type ChartOptions,
} from 'chart.js';

Chart.register(BarElement, CategoryScale, LinearScale, PointElement, Tooltip);

/** Shared options: no animation (updates follow typing), responsive width. */
export const BASE_OPTIONS = {
  animation: false,
  responsive: true,
  maintainAspectRatio: false,
} satisfies ChartOptions;
