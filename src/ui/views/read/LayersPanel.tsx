import { memo, useMemo, useState } from 'react';
import type { LayerView, TextOverview } from '../../../analysis/inspect.ts';
import type { EncodedText } from '../../../engine/protocol.ts';
import { viridis } from '../../charts/colorScales.ts';
import { Heatmap } from '../../charts/Heatmap.tsx';
import { TokenScatter } from '../../charts/TokenScatter.tsx';
import { LayerSummary } from '../LayerSummary.tsx';
import { displayToken, extent, layerLabel } from './tokens.ts';

export type TokenMetric = 'norm' | 'cosine';

export interface LayersPanelProps {
  /** The encoded text the overview belongs to; null before the first one. */
  result: EncodedText | null;
  overview: TextOverview | null;
  view: LayerView | null;
  layer: number;
  onLayer: (layer: number) => void;
  /** Why there is nothing to show yet, when there is nothing. */
  waiting: string;
  updating: boolean;
}

const METRICS: Record<TokenMetric, { label: string; valueName: string }> = {
  norm: { label: 'Norm', valueName: 'L2 norm' },
  cosine: { label: 'Cosine to final layer', valueName: 'cosine to final' },
};

/** Token-by-layer heatmap, layer-to-layer similarity and a token PCA with a layer slider. */
export const LayersPanel = memo(function LayersPanel(props: LayersPanelProps) {
  const { result, overview, view, layer, onLayer, waiting, updating } = props;
  const [metric, setMetric] = useState<TokenMetric>('norm');
  const tokens = useMemo(() => result?.tokens.map(displayToken) ?? [], [result]);
  const layerNames = useMemo(
    () => Array.from({ length: result?.layers ?? 0 }, (_, l) => layerLabel(l)),
    [result],
  );
  const values = overview ? (metric === 'norm' ? overview.norms : overview.cosineToFinal) : null;
  const domain = useMemo<[number, number]>(
    () =>
      values
        ? metric === 'cosine'
          ? [Math.min(0, extent(values)[0]), 1]
          : extent(values)
        : [0, 1],
    [values, metric],
  );
  const simDomain = useMemo<[number, number]>(
    () => (overview ? [Math.min(extent(overview.similarity)[0], 0.999), 1] : [0, 1]),
    [overview],
  );

  if (!result || !overview)
    return (
      <section aria-labelledby="layers-title" className="panel layers-panel">
        <h2 id="layers-title">Layers</h2>
        <p className="placeholder">{waiting}</p>
      </section>
    );

  const L = result.layers;
  const T = result.tokens.length;
  const viewTokens = view ? view.pca.positions.map((p) => tokens[p]) : [];
  return (
    <section aria-labelledby="layers-title" className="panel layers-panel" aria-busy={updating}>
      <h2 id="layers-title">
        Layers{' '}
        <small>
          {L} hidden states × {T} tokens
        </small>
        {updating && <span className="updating">updating…</span>}
      </h2>
      {result.truncation && (
        <p role="status" className="warning">
          This text has {result.truncation.totalTokens} tokens; the model reads at most{' '}
          {result.truncation.keptTokens}, so only the first {result.truncation.keptTokens} are shown
          here. Batch scoring reads long texts in overlapping windows.
        </p>
      )}
      <h3>Every token at every layer</h3>
      <fieldset className="toggle" aria-label="Token value">
        {(Object.keys(METRICS) as TokenMetric[]).map((m) => (
          <label key={m}>
            <input
              type="radio"
              name="token-metric"
              value={m}
              checked={metric === m}
              onChange={() => setMetric(m)}
            />
            {METRICS[m].label}
          </label>
        ))}
      </fieldset>
      <div data-testid="token-heatmap">
        <Heatmap
          label={`${METRICS[metric].label} of each token at each layer`}
          rows={L}
          cols={T}
          values={values!}
          rowLabels={layerNames}
          colLabels={tokens}
          valueName={METRICS[metric].valueName}
          domain={domain}
          scale={viridis}
          cellSize={20}
          highlightRow={layer}
        />
      </div>
      <div className="two-up">
        <div data-testid="layer-similarity">
          <h3>Layer-to-layer similarity</h3>
          <p className="note">Cosine between the layers’ mean token vectors.</p>
          <Heatmap
            label="Cosine similarity between layers"
            rows={L}
            cols={L}
            values={overview.similarity}
            rowLabels={layerNames}
            colLabels={layerNames}
            valueName="cosine"
            domain={simDomain}
            scale={viridis}
            cellSize={L <= 8 ? 44 : 30}
            square
            annotate
            highlightRow={layer}
            highlightCol={layer}
          />
        </div>
        <div data-testid="token-pca">
          <h3>Tokens at layer {layer} (PCA)</h3>
          <label className="inline-field">
            Layer
            <input
              type="range"
              min={0}
              max={L - 1}
              step={1}
              value={layer}
              onChange={(e) => onLayer(Number(e.target.value))}
              aria-valuetext={`layer ${layer} (${layerLabel(layer)})`}
            />
            <output>{layerLabel(layer)}</output>
          </label>
          {view && view.layer === layer ? (
            <>
              <TokenScatter
                label={`PCA of the ${viewTokens.length} tokens at layer ${layer}`}
                coords={view.pca.coords}
                tokens={viewTokens}
                explained={view.pca.explained}
              />
              <p className="note">
                Colour: position in the text (dark = start, yellow = end). Hover a point for its
                token.
              </p>
            </>
          ) : (
            <p className="placeholder">Projecting layer {layer}…</p>
          )}
        </div>
      </div>
      <details open>
        <summary>The numbers, layer by layer</summary>
        <LayerSummary result={result} />
      </details>
    </section>
  );
});
