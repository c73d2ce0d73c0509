import { PALETTE, RATER_BAND, SCALE, scalePercent } from '../palette.ts';

/**
 * A marker on the CommonLit scale with a ± band (the raters' by default; a head's CV RMSE where it
 * has one), optionally a second (lite) marker.
 */
export function ScaleBar({
  target,
  lite,
  band = RATER_BAND,
  bandName = 'rater',
}: {
  target: number;
  lite?: number;
  band?: number;
  bandName?: string;
}) {
  const low = scalePercent(target - band);
  const high = scalePercent(target + band);
  const f = (x: number) => x.toFixed(2);
  const liteText = lite === undefined ? '' : `; lite score ${f(lite)}`;
  return (
    <>
      <svg
        role="img"
        aria-label={`Score ${f(target)} with a ${bandName} band from ${f(target - band)} to ${f(target + band)}${liteText}`}
        viewBox="0 0 100 12"
        width="100%"
        height="36"
        preserveAspectRatio="none"
      >
        <rect x="0" y="5" width="100" height="2" fill={PALETTE.neutral} />
        <rect x={low} y="2" width={high - low} height="8" fill={PALETTE.band} opacity="0.6" />
        {lite !== undefined && (
          <rect x={scalePercent(lite) - 0.3} y="1" width="0.6" height="10" fill="#E69F00" />
        )}
        <rect x={scalePercent(target) - 0.4} y="0" width="0.8" height="12" fill={PALETTE.easier} />
      </svg>
      <p aria-hidden="true" className="scale-ends">
        <span>harder {SCALE.min}</span>
        <span>+{SCALE.max} easier</span>
      </p>
    </>
  );
}
