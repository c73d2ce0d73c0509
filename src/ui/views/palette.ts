/** Okabe–Ito colours, distinguishable with every common colour-vision deficiency. */
export const PALETTE = {
  easier: '#0072B2',
  harder: '#D55E00',
  band: '#56B4E9',
  neutral: '#999999',
} as const;

/** The CommonLit scale's ends: the hardest and easiest targets in the training data, roughly. */
export const SCALE = { min: -3.7, max: 1.7 } as const;

/** Median standard error of the CommonLit targets: how far raters themselves disagree. */
export const RATER_BAND = 0.49;

/** Where a target sits along the scale, as a percentage from the hard end, clamped to the scale. */
export function scalePercent(target: number): number {
  const p = ((target - SCALE.min) / (SCALE.max - SCALE.min)) * 100;
  return Math.min(100, Math.max(0, p));
}
