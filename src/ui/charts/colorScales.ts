// Colour scales readable with every common colour-vision deficiency: viridis for magnitudes, and a
// blue–grey–orange diverging scale built from the Okabe–Ito pair the rest of the app uses.

type Rgb = [number, number, number];

const hex = (h: string): Rgb => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)) as Rgb;

/** Viridis at ten evenly spaced stops (matplotlib's values). */
const VIRIDIS = [
  '#440154',
  '#482878',
  '#3e4989',
  '#31688e',
  '#26828e',
  '#1f9e89',
  '#35b779',
  '#6ece58',
  '#b5de2b',
  '#fde725',
].map(hex);

/** Okabe–Ito blue, a light neutral, Okabe–Ito vermillion. */
const DIVERGING = ['#0072b2', '#f2f2f2', '#d55e00'].map(hex);

function interpolate(stops: Rgb[], t: number): Rgb {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  return [0, 1, 2].map((c) => Math.round(stops[i][c] + f * (stops[i + 1][c] - stops[i][c]))) as Rgb;
}

/** A colour scale maps a value in [0, 1] to an RGB triple. */
export type ColorScale = (t: number) => Rgb;

/** Sequential viridis, t in [0, 1]. */
export const viridis: ColorScale = (t) => interpolate(VIRIDIS, t);

/** Diverging blue (0) – neutral (0.5) – orange (1). */
export const diverging: ColorScale = (t) => interpolate(DIVERGING, t);

/** CSS colour of an RGB triple. */
export const css = ([r, g, b]: Rgb) => `rgb(${r}, ${g}, ${b})`;

/** The scale as a CSS gradient, for legends. */
export function gradient(scale: ColorScale, steps = 10): string {
  const stops = Array.from({ length: steps + 1 }, (_, i) => css(scale(i / steps)));
  return `linear-gradient(to right, ${stops.join(', ')})`;
}

/** Whether text drawn over a colour should be dark (true) or light. */
export const isLight = ([r, g, b]: Rgb) => 0.299 * r + 0.587 * g + 0.114 * b > 150;
