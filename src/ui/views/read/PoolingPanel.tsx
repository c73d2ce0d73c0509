import { memo, useMemo } from 'react';
import type { Head } from '../../../analysis/head.ts';
import { READ_STRATEGIES, type LayerView } from '../../../analysis/inspect.ts';
import { STRATEGIES, type ParameterFreeStrategy } from '../../../analysis/pooling.ts';
import { diverging } from '../../charts/colorScales.ts';
import { Heatmap } from '../../charts/Heatmap.tsx';
import { ScoreBars } from '../../charts/ScoreBars.tsx';
import { PALETTE, SCALE } from '../palette.ts';
import { layerLabel } from './tokens.ts';

/** The model's own pooler: its vector where it was trained, else why it is not shown. */
export type PoolerState =
  { kind: 'trained'; vector: Float32Array | null } | { kind: 'untrained'; reason: string };

/** The strategy a saved head reads: parameter-free, the pooler, or a learned pooling. */
type HeadStrategy = Head['strategy'];

/** One saved head's reading of this text. */
export interface HeadReading {
  id: string;
  name: string;
  strategy: HeadStrategy;
  layer: number;
  score: number;
  cvRmse: number;
  isActive: boolean;
}

export type HeadReadings =
  | { kind: 'none' }
  | { kind: 'computing' }
  | { kind: 'ready'; readings: HeadReading[] }
  | { kind: 'error'; message: string };

export interface PoolingPanelProps {
  layers: number;
  hidden: number;
  layer: number;
  onLayer: (layer: number) => void;
  strategy: ParameterFreeStrategy;
  onStrategy: (strategy: ParameterFreeStrategy) => void;
  view: LayerView | null;
  pooler: PoolerState;
  heads: HeadReadings;
  /** Why there is nothing to show yet, when there is nothing. */
  waiting: string | null;
}

function Strip({ vector, label }: { vector: Float32Array; label: string }) {
  const m = useMemo(() => vector.reduce((a, v) => Math.max(a, Math.abs(v)), 0) || 1, [vector]);
  const dims = useMemo(() => Array.from(vector, (_, i) => `dim ${i}`), [vector]);
  return (
    <Heatmap
      label={label}
      rows={1}
      cols={vector.length}
      values={vector}
      rowLabels={['']}
      colLabels={dims}
      valueName="value"
      domain={[-m, m]}
      scale={diverging}
      cellSize={22}
      maxColLabels={0}
    />
  );
}

const isStrategy = (s: string): s is ParameterFreeStrategy =>
  (READ_STRATEGIES as readonly string[]).includes(s);

/** Every strategy at the chosen layer: vectors as strips, their similarity, and heads' scores. */
export const PoolingPanel = memo(function PoolingPanel(props: PoolingPanelProps) {
  const { layers, hidden, layer, onLayer, strategy, onStrategy, view, pooler, heads, waiting } =
    props;
  const labels = READ_STRATEGIES.map((s) => STRATEGIES[s].label);
  const chosen = READ_STRATEGIES.indexOf(strategy);
  const isLast = layer === layers - 1;
  return (
    <section aria-labelledby="pooling-title" className="panel pooling-panel">
      <h2 id="pooling-title">Pooling</h2>
      {waiting || !view ? (
        <p className="placeholder">{waiting ?? `Pooling layer ${layer}…`}</p>
      ) : (
        <>
          <div className="controls">
            <label className="inline-field">
              Layer
              <select value={layer} onChange={(e) => onLayer(Number(e.target.value))}>
                {Array.from({ length: layers }, (_, l) => (
                  <option key={l} value={l}>
                    {l} ({layerLabel(l)})
                  </option>
                ))}
              </select>
            </label>
            <p className="note">
              Vectors are coloured <span className="swatch" style={{ background: '#0072b2' }} />{' '}
              negative to <span className="swatch" style={{ background: '#d55e00' }} /> positive,
              each strip scaled to its own largest |value|. Hover or arrow through a strip for each
              dimension.
            </p>
          </div>
          <table className="strategy-table" data-testid="strategy-strips">
            <caption>
              Every strategy at layer {view.layer}
              {view.layer !== layer && ' (updating…)'}
            </caption>
            <thead>
              <tr>
                <th scope="col">Strategy</th>
                <th scope="col">Reads</th>
                <th scope="col">Size</th>
                <th scope="col">Vector</th>
              </tr>
            </thead>
            <tbody>
              {view.strategies.map((s) => (
                <tr
                  key={s.strategy}
                  data-strategy={s.strategy}
                  className={s.strategy === strategy ? 'chosen' : undefined}
                >
                  <th scope="row">
                    <label title={STRATEGIES[s.strategy].description}>
                      <input
                        type="radio"
                        name="strategy"
                        value={s.strategy}
                        checked={s.strategy === strategy}
                        onChange={() => onStrategy(s.strategy)}
                      />
                      {STRATEGIES[s.strategy].label}
                    </label>
                  </th>
                  <td>{s.span ? `layers ${s.span[0]}–${s.span[1]}` : '—'}</td>
                  <td>{STRATEGIES[s.strategy].outputSize(hidden)}</td>
                  <td className="strip-cell">
                    {'vector' in s ? (
                      <Strip vector={s.vector} label={`${STRATEGIES[s.strategy].label} vector`} />
                    ) : (
                      <span className="note">{s.reason}</span>
                    )}
                  </td>
                </tr>
              ))}
              <tr data-strategy="pooler">
                <th scope="row">{STRATEGIES.pooler.label}</th>
                <td>{pooler.kind === 'trained' ? `layer ${layers - 1}` : '—'}</td>
                <td>{hidden}</td>
                <td className="strip-cell">
                  {pooler.kind === 'untrained' ? (
                    <span className="note">{pooler.reason}</span>
                  ) : !isLast ? (
                    <span className="note">
                      The pooler reads the last layer only; choose layer {layers - 1}.
                    </span>
                  ) : pooler.vector ? (
                    <Strip vector={pooler.vector} label="Pooler output vector" />
                  ) : (
                    <span className="note">Running the pooler…</span>
                  )}
                </td>
              </tr>
            </tbody>
          </table>
          <p className="chosen-description" data-testid="chosen-strategy">
            <strong>{STRATEGIES[strategy].label}</strong>: {STRATEGIES[strategy].description}
          </p>
          <div className="two-up">
            <div data-testid="strategy-cosines">
              <h3>How alike the strategies read this text</h3>
              <Heatmap
                label={`Cosine similarity between strategies at layer ${view.layer}`}
                rows={READ_STRATEGIES.length}
                cols={READ_STRATEGIES.length}
                values={view.cosines}
                rowLabels={labels}
                colLabels={READ_STRATEGIES.map((s) => s)}
                valueName="cosine"
                domain={[-1, 1]}
                scale={diverging}
                cellSize={34}
                square
                annotate
                highlightRow={chosen}
                highlightCol={chosen}
              />
              <p className="note">
                Cosine of the pooled vectors. Sizes differ (hidden, 2× for mean-max, 4× for concat);
                the shorter vector is repeated to the longer size, so a one-layer vector is compared
                with every block of a concatenation. Grey cells: the strategy cannot sit at this
                layer. Raw states, not standardised: a few large dimensions pull every cosine up.
              </p>
            </div>
            <div data-testid="head-bars">
              <h3>What each fitted head reads</h3>
              <HeadBars heads={heads} strategy={strategy} onStrategy={onStrategy} />
            </div>
          </div>
        </>
      )}
    </section>
  );
});

function HeadBars({
  heads,
  strategy,
  onStrategy,
}: {
  heads: HeadReadings;
  strategy: ParameterFreeStrategy;
  onStrategy: (s: ParameterFreeStrategy) => void;
}) {
  switch (heads.kind) {
    case 'none':
      return (
        <div className="placeholder no-head">
          <p>
            <strong>No fitted heads for this model.</strong> Only a head fitted on labelled texts
            can turn a strategy’s vector into a score. Fit heads on your train.csv in the Fit view
            (one per strategy × layer if you like); each one’s score for this text then appears here
            as a bar with its cross-validated RMSE.
          </p>
        </div>
      );
    case 'computing':
      return <p className="placeholder">Scoring with every fitted head…</p>;
    case 'error':
      return (
        <p className="placeholder error" role="status">
          The heads could not score this text: {heads.message}
        </p>
      );
    case 'ready': {
      const readings = [...heads.readings].sort((a, b) => a.cvRmse - b.cvRmse);
      return (
        <>
          <ScoreBars
            label="Each fitted head's score for this text, with its CV RMSE"
            bars={readings.map((r) => ({
              label: `${r.strategy}@${r.layer}${r.isActive ? ' (active)' : ''}`,
              value: r.score,
              error: r.cvRmse,
              colour: r.strategy === strategy ? PALETTE.easier : PALETTE.neutral,
            }))}
            domain={[SCALE.min, SCALE.max]}
            xTitle="CommonLit target (harder ← → easier); whiskers ± CV RMSE"
          />
          <table className="compact">
            <caption>Fitted heads, best CV RMSE first</caption>
            <thead>
              <tr>
                <th scope="col">Head</th>
                <th scope="col">Score</th>
                <th scope="col">CV RMSE</th>
              </tr>
            </thead>
            <tbody>
              {readings.map((r) => (
                <tr key={r.id} data-head={`${r.strategy}@${r.layer}`}>
                  <th scope="row">
                    {isStrategy(r.strategy) ? (
                      <button
                        type="button"
                        onClick={() => onStrategy(r.strategy as ParameterFreeStrategy)}
                      >
                        {r.strategy}@{r.layer}
                      </button>
                    ) : (
                      `${r.strategy}@${r.layer}`
                    )}{' '}
                    <span className="note">{r.name}</span>
                  </th>
                  <td>{r.score.toFixed(2)}</td>
                  <td>±{r.cvRmse.toFixed(2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      );
    }
  }
}
