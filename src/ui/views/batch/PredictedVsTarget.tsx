import { Scatter } from 'react-chartjs-2';
import { PALETTE } from '../palette.ts';
import '../../charts/chartSetup.ts';

interface Props {
  targets: ArrayLike<number>;
  predictions: ArrayLike<number>;
  /** RMSE of always predicting the mean target. */
  meanRmse: number;
  rmse: number;
  title: string;
}

/** Out-of-fold predictions against targets, with the identity and the mean predictor as lines. */
export function PredictedVsTarget({ targets, predictions, meanRmse, rmse, title }: Props) {
  const points = Array.from(targets, (t, i) => ({ x: t, y: predictions[i] }));
  const all = [...Array.from(targets), ...Array.from(predictions)];
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  let mean = 0;
  for (let i = 0; i < targets.length; i++) mean += targets[i];
  mean /= targets.length || 1;
  const summary =
    `${title}: out-of-fold RMSE ${rmse.toFixed(3)} over ${targets.length} rows; ` +
    `always predicting the mean target (${mean.toFixed(2)}) gives ${meanRmse.toFixed(3)}.`;
  return (
    <figure className="chart">
      <div className="chart-box" role="img" aria-label={summary}>
        <Scatter
          data={{
            datasets: [
              {
                label: 'Rows (out-of-fold prediction)',
                data: points,
                backgroundColor: `${PALETTE.easier}99`,
                pointRadius: 2.5,
              },
              {
                label: 'Perfect (predicted = target)',
                showLine: true,
                data: [
                  { x: lo, y: lo },
                  { x: hi, y: hi },
                ],
                borderColor: PALETTE.harder,
                pointRadius: 0,
              },
              {
                label: `Mean predictor (RMSE ${meanRmse.toFixed(3)})`,
                showLine: true,
                data: [
                  { x: lo, y: mean },
                  { x: hi, y: mean },
                ],
                borderColor: PALETTE.neutral,
                borderDash: [4, 4],
                pointRadius: 0,
              },
            ],
          }}
          options={{
            animation: false,
            maintainAspectRatio: false,
            scales: {
              x: { type: 'linear', title: { display: true, text: 'target' } },
              y: { type: 'linear', title: { display: true, text: 'predicted (out of fold)' } },
            },
          }}
        />
      </div>
      <figcaption>{summary}</figcaption>
    </figure>
  );
}
