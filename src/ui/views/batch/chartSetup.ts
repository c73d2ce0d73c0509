/** Registers the chart.js pieces the batch and fit charts use (registering twice is harmless). */
import {
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';

Chart.register(BarElement, CategoryScale, LinearScale, LineElement, PointElement, Tooltip, Legend);

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
