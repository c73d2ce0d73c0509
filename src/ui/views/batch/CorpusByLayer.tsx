import { useId, useMemo, useState } from 'react';
import { STRATEGIES, validLayers } from '../../../analysis/pooling.ts';
import { headDirection } from '../../../analysis/principalPlane.ts';
import { CorpusScatter, type ScatterArrow } from '../../charts/CorpusScatter.tsx';
import { gradient, viridis } from '../../charts/colorScales.ts';
import { useCorpusProjection, type ProjectedCell } from './useCorpusProjection.ts';
import type { Inspected, Swept } from './useFitSweep.ts';

interface Props {
  swept: Swept;
  /** The selected cell: its strategy is the one mapped, its head the arrow. */
  inspected: Inspected;
}

/** Characters of an excerpt a tooltip shows. */
const EXCERPT_START = 80;

const excerptStart = (text: string) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_START ? `${flat.slice(0, EXCERPT_START)}…` : flat;
};

const pct = (f: number) => `${(f * 100).toFixed(1)}%`;

/** Coordinates as the page exposes them (six significant figures), for tests and tools. */
const exposed = (coords: Float64Array) =>
  JSON.stringify(Array.from(coords, (v) => Number(v.toPrecision(6))));

/**
 * The Fit run's texts on the two leading principal directions of the selected strategy's vectors
 * at a chosen layer, coloured by target, with the selected head's direction: the cached features
 * only, projected in a worker, no second model pass.
 */
export function CorpusByLayer({ swept, inspected }: Props) {
  const { strategy, layer: headLayer } = inspected.cell;
  const cached = strategy === 'pooler' ? null : strategy;
  const layers = validLayers(strategy, swept.info.layers, swept.poolOptions);
  const cellKey = `${swept.run}:${strategy}@${headLayer}`;
  // The slider starts at the selected cell's layer, and goes back there when another is selected.
  const [choice, setChoice] = useState<{ cellKey: string; layer: number } | null>(null);
  const layer = choice?.cellKey === cellKey ? choice.layer : headLayer;
  const { run, table, poolOptions, y, texts } = swept;
  const source = useMemo(() => ({ run, table, poolOptions, y }), [run, table, poolOptions, y]);
  const projection = useCorpusProjection(cached ? source : null, cached, layer);
  const sliderId = useId();
  const label = STRATEGIES[strategy].label;

  return (
    <section className="corpus-by-layer" aria-labelledby={`${sliderId}-heading`}>
      <h3 id={`${sliderId}-heading`}>Corpus by layer</h3>
      <p className="hint">
        Each dot is one of the {y.length} texts: its {label} vector at the layer chosen, placed on
        the two directions along which the texts’ vectors spread most (principal components, with
        the same units on both axes), and coloured by its target. The arrow is the selected head’s
        direction: its prediction rises, the text reads easier, that way. Hover a dot for its
        excerpt and out-of-fold prediction. From the cached features; the model does not run again.
      </p>
      {!cached ? (
        <p className="warning" role="note">
          {label} has no cached features (a Fit run keeps every layer’s CLS, mean, max and WK
          vectors), so it cannot be mapped. Select a cell of another strategy.
        </p>
      ) : projection.unavailable ? (
        <p className="warning" role="note">
          {projection.unavailable}
        </p>
      ) : (
        <>
          <div className="inline-field">
            <label htmlFor={sliderId}>Layer</label>
            <input
              id={sliderId}
              type="range"
              min={layers[0]}
              max={layers[layers.length - 1]}
              step={1}
              value={layer}
              onChange={(e) => setChoice({ cellKey, layer: Number(e.target.value) })}
              aria-valuetext={`layer ${layer}`}
            />
            <output htmlFor={sliderId} data-testid="corpus-layer">
              layer {layer}
            </output>
            <span className="note">
              ({label} can sit at layers {layers[0]}–{layers[layers.length - 1]}; the head was
              fitted at layer {headLayer})
            </span>
          </div>
          {projection.error && (
            <p className="error" role="alert">
              Layer {layer} could not be projected: {projection.error}
            </p>
          )}
          {projection.isUpdating && (
            <p role="status" className="note">
              Projecting layer {layer}…
            </p>
          )}
          {projection.shown ? (
            <CorpusFigure
              shown={projection.shown}
              inspected={inspected}
              texts={texts}
              y={y}
              isUpdating={projection.isUpdating}
            />
          ) : (
            !projection.error && <p className="placeholder">Projecting the texts…</p>
          )}
        </>
      )}
    </section>
  );
}

interface FigureProps {
  shown: ProjectedCell;
  inspected: Inspected;
  texts: readonly string[];
  y: Float64Array;
  isUpdating: boolean;
}

/** The scatter, its colour bar, and what the arrow means at this layer. */
function CorpusFigure({ shown, inspected, texts, y, isUpdating }: FigureProps) {
  const { plane, strategy, layer } = shown;
  const [isTableOpen, setTableOpen] = useState(false);
  const ready = inspected.phase === 'ready' ? inspected : null;
  const isHeadHere = !!ready && ready.cell.strategy === strategy && ready.cell.layer === layer;
  const direction = isHeadHere ? headDirection(ready.model, plane.axes) : null;
  const arrow: ScatterArrow | null =
    direction && direction.inPlane > 0
      ? { x: direction.x, y: direction.y, label: 'head: easier →' }
      : null;
  const domain = useMemo((): [number, number] => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of y) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    return [lo, hi];
  }, [y]);
  const oof = ready?.outOfFold ?? null;
  const describe = (i: number) => ({
    title: excerptStart(texts[i]),
    lines: [
      `target ${y[i].toFixed(3)}`,
      oof ? `out-of-fold prediction ${oof[i].toFixed(3)}` : 'out-of-fold prediction: being fitted',
    ],
  });
  const label = STRATEGIES[strategy].label;
  const summary =
    `${texts.length} texts, ${label} vectors (${shown.dim} features) at layer ${layer}, on their ` +
    `two principal components: ${pct(plane.explained[0])} and ${pct(plane.explained[1])} of the ` +
    `variance.${arrow ? ` An arrow from the centre shows the head’s direction.` : ''}`;
  return (
    <figure
      className={`chart corpus-figure${isUpdating ? ' is-updating' : ''}`}
      data-testid="corpus-map"
      data-strategy={strategy}
      data-layer={layer}
      data-state={isUpdating ? 'updating' : 'ready'}
      data-coords={exposed(plane.coords)}
      data-explained={JSON.stringify(plane.explained)}
      aria-busy={isUpdating}
    >
      <CorpusScatter
        label={summary}
        coords={plane.coords}
        values={y}
        domain={domain}
        explained={plane.explained}
        describe={describe}
        arrow={arrow}
      />
      <figcaption>
        <span className="legend">
          harder {domain[0].toFixed(2)}
          <span className="legend-bar" style={{ background: gradient(viridis) }} />
          {domain[1].toFixed(2)} easier (target)
        </span>{' '}
        <span data-testid="corpus-caption">
          {label} at layer {layer}: PC 1 holds {pct(plane.explained[0])} of the variance, PC 2{' '}
          {pct(plane.explained[1])}. {headNote(inspected, strategy, layer, direction?.inPlane)}
        </span>
      </figcaption>
      <details onToggle={(e) => setTableOpen(e.currentTarget.open)}>
        <summary>The texts as a table</summary>
        {isTableOpen && (
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Row</th>
                  <th scope="col">Excerpt</th>
                  <th scope="col">Target</th>
                  <th scope="col">Out-of-fold</th>
                  <th scope="col">PC 1</th>
                  <th scope="col">PC 2</th>
                </tr>
              </thead>
              <tbody>
                {texts.map((text, i) => (
                  <tr key={i}>
                    <td>{i + 1}</td>
                    <td>{excerptStart(text)}</td>
                    <td className="mono">{y[i].toFixed(3)}</td>
                    <td className="mono">{oof ? oof[i].toFixed(3) : '–'}</td>
                    <td className="mono">{plane.coords[i * 2].toFixed(3)}</td>
                    <td className="mono">{plane.coords[i * 2 + 1].toFixed(3)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </details>
    </figure>
  );
}

/** What the arrow shows at this layer, or why there is none. */
function headNote(
  inspected: Inspected,
  strategy: string,
  layer: number,
  inPlane: number | undefined,
): string {
  const { cell } = inspected;
  if (inspected.phase === 'loading') return 'The selected head is being fitted; its arrow follows.';
  if (inspected.phase === 'error') return 'The selected head could not be fitted: no arrow.';
  if (cell.strategy !== strategy) return 'The arrow follows once the selected strategy is mapped.';
  if (cell.layer !== layer)
    return `The head’s direction is drawn at its own layer (${cell.layer}) only: at layer ${layer} the vectors are other features.`;
  if (!inPlane) return 'The head’s direction is at right angles to this plane: no arrow.';
  return `The arrow is the head’s direction seen in this plane, which holds ${pct(inPlane)} of it; the rest points out of the picture.`;
}
