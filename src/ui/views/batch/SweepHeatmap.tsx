import { STRATEGIES } from '../../../analysis/pooling.ts';
import type { SweepGrid } from '../../../analysis/sweep.ts';
import type { SweepCellId } from '../../../pipeline/fitRun.ts';

interface Props {
  grid: SweepGrid;
  selected: SweepCellId | null;
  onSelect: (cell: SweepCellId) => void;
}

// Viridis stops: sequential, perceptually even, readable with every colour-vision deficiency.
const VIRIDIS = ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'];

/** Viridis at t in [0, 1] (0 = dark purple, 1 = yellow), interpolated between stops. */
export function viridis(t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const rgb = (hex: string) => [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16));
  const a = rgb(VIRIDIS[i]);
  const b = rgb(VIRIDIS[i + 1]);
  return `rgb(${a.map((v, k) => Math.round(v + (b[k] - v) * f)).join(',')})`;
}

/** Strategy × layer CV RMSE as a table of buttons; lower is brighter; the best cell is starred. */
export function SweepHeatmap({ grid, selected, onSelect }: Props) {
  const values = grid.rmse.flat().filter((v): v is number => v !== null);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const layers = Array.from({ length: grid.layers }, (_, l) => l);
  return (
    <div className="table-scroll heatmap-scroll">
      <table className="heatmap" data-testid="sweep-heatmap">
        <caption>
          CV RMSE per strategy and layer (lower is better, brighter). ★ marks the best; choose a
          cell to fit it exactly and inspect it.
          {grid.sketch.flat().some(Boolean) &&
            ' Underlined figures are quick-sweep estimates from a sketch of the features.'}
        </caption>
        <thead>
          <tr>
            <th scope="col">Strategy</th>
            {layers.map((l) => (
              <th key={l} scope="col">
                {l === 0 ? 'Emb' : `L${l}`}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {grid.strategies.map((s, si) => (
            <tr key={s}>
              <th scope="row" title={STRATEGIES[s].description}>
                {STRATEGIES[s].label}
              </th>
              {layers.map((l) => {
                const v = grid.rmse[si][l];
                if (v === null) return <td key={l} aria-label="not available at this layer" />;
                const isBest = grid.best?.strategy === s && grid.best.layer === l;
                const isSelected = selected?.strategy === s && selected.layer === l;
                // Low RMSE → bright (yellow), so the eye goes to the good cells.
                const t = hi > lo ? 1 - (v - lo) / (hi - lo) : 1;
                const std = grid.rmseStd[si][l] ?? 0;
                const sketch = grid.sketch[si][l];
                const figure = `${sketch ? '≈' : ''}${v.toFixed(3)} ± ${std.toFixed(3)}`;
                const how = sketch
                  ? ` (estimated on ${(sketch.count ?? 1) > 1 ? `${sketch.count} averaged ${sketch.dim}-column sketches` : `a ${sketch.dim}-column sketch`} of its ${sketch.from} features; select it for the exact fit)`
                  : '';
                return (
                  <td key={l}>
                    <button
                      type="button"
                      className={`cell${isBest ? ' best' : ''}${sketch ? ' sketched' : ''}`}
                      style={{ background: viridis(t), color: t > 0.55 ? '#000' : '#fff' }}
                      aria-pressed={isSelected}
                      aria-label={`${STRATEGIES[s].label}, layer ${l}: CV RMSE ${figure}${isBest ? ', best' : ''}${how}`}
                      title={sketch ? `Quick-sweep estimate${how}` : undefined}
                      data-strategy={s}
                      data-layer={l}
                      onClick={() => onSelect({ strategy: s as SweepCellId['strategy'], layer: l })}
                    >
                      {isBest && '★ '}
                      {v.toFixed(3)}
                    </button>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
