import { Line } from 'react-chartjs-2';
import { STRATEGIES } from '../../../analysis/pooling.ts';
import type { SweepGrid } from '../../../analysis/sweep.ts';
import { PALETTE } from '../palette.ts';
import { SERIES_COLOURS, SERIES_DASHES } from '../../charts/chartSetup.ts';

interface Props {
  grid: SweepGrid;
  meanRmse: number;
  /** The figures are a quick sweep's estimates. */
  isEstimate?: boolean;
}

/** CV RMSE against layer, one line per strategy, and the mean predictor as a reference line. */
export function RmseByLayer({ grid, meanRmse, isEstimate = false }: Props) {
  const layers = Array.from({ length: grid.layers }, (_, l) => l);
  return (
    <figure className="chart">
      <div
        className="chart-box"
        role="img"
        aria-label={`${isEstimate ? 'Estimated ' : ''}CV RMSE by layer for ${grid.strategies.length} strategies; the mean predictor scores ${meanRmse.toFixed(3)}.`}
      >
        <Line
          data={{
            labels: layers,
            datasets: [
              ...grid.strategies.map((s, i) => ({
                label: STRATEGIES[s].label,
                data: grid.rmse[i],
                borderColor: SERIES_COLOURS[i % SERIES_COLOURS.length],
                backgroundColor: SERIES_COLOURS[i % SERIES_COLOURS.length],
                borderDash: SERIES_DASHES[i % SERIES_DASHES.length],
                spanGaps: false,
              })),
              {
                label: 'Mean predictor',
                data: layers.map(() => meanRmse),
                borderColor: PALETTE.neutral,
                borderDash: [3, 3],
                pointRadius: 0,
              },
            ],
          }}
          options={{
            animation: false,
            maintainAspectRatio: false,
            scales: {
              x: { title: { display: true, text: 'layer (0 = embeddings)' } },
              y: { title: { display: true, text: 'CV RMSE (lower is better)' } },
            },
          }}
        />
      </div>
      <figcaption>
        CV RMSE by layer, one line per strategy; grey dashes: the mean predictor.
        {isEstimate &&
          ' Every point is the quick sweep’s estimate, so the lines compare layers on one footing; the grid shows exact figures where it has them.'}
      </figcaption>
    </figure>
  );
}
