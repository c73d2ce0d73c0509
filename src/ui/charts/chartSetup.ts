// Registers the chart.js pieces the app uses, once, wherever a chart is imported.
import {
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineElement,
  PointElement,
  Tooltip,
  type ChartOptions,
} from 'chart.js';

Chart.register(BarElement, CategoryScale, LinearScale, LineElement, PointElement, Tooltip, Legend);

/** Shared options: no animation (updates follow typing), responsive width. */
export const BASE_OPTIONS = {
  animation: false,
  responsive: true,
  maintainAspectRatio: false,
} satisfies ChartOptions;

/** Okabe–Ito colours plus black, told apart with every common colour-vision deficiency. */
export const SERIES_COLOURS = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#000000',
  '#F0E442',
] as const;

/** Dash patterns paired with the colours, so lines differ by more than hue. */
export const SERIES_DASHES: readonly number[][] = [
  [],
  [6, 3],
  [2, 2],
  [8, 3, 2, 3],
  [],
  [4, 4],
  [1, 3],
  [10, 4],
];
