import { useMemo, useState } from 'react';
import { headMatrix, meanOverHeads, rollout } from '../../../analysis/attention.ts';
import type { AttendedText } from '../../../engine/protocol.ts';
import { viridis } from '../../charts/colorScales.ts';
import { Heatmap } from '../../charts/Heatmap.tsx';
import { useWhenOpen } from '../../hooks/useWhenOpen.ts';
import { displayToken } from './tokens.ts';

type AttentionView = 'heads' | 'matrix' | 'rollout';

const VIEWS: { id: AttentionView; label: string }[] = [
  { id: 'heads', label: 'Head view' },
  { id: 'matrix', label: 'Attention matrix' },
  { id: 'rollout', label: 'Rollout' },
];

/** Weights below this get no line (at most 100 per token). */
const MIN_LINE_WEIGHT = 0.01;
const LINE_COLUMN_WIDTH = 220;
const ROW_HEIGHT = 20;

interface Props {
  /** The settled text, attended once the panel is opened. */
  text: string;
  /** null while no model is ready. */
  attend: ((text: string) => Promise<AttendedText>) | null;
  /** The loaded model (its identity changes with each load, so attention is read again). */
  model: object | null;
}

/**
 * What each head attends to, for the text in the box: a head view (BertViz's: the text on both
 * sides, a line from each token to each token it attends to, weighted by the attention; focus or
 * hover a token to isolate its lines), one head's attention matrix, and attention rollout through
 * the layers. Attention runs on a second session that starts the first time the panel opens, so
 * batch scoring never pays for it.
 */
export function AttentionPanel({ text, attend, model }: Props) {
  const [open, setOpen] = useState(false);
  const [view, setView] = useState<AttentionView>('heads');
  const [layer, setLayer] = useState<number | null>(null);
  const [head, setHead] = useState<number | 'mean'>('mean');
  // A new model (a new `model`) is attended again, even for the same text.
  const run = useMemo(
    () => (model && attend && text.trim() ? () => attend(text) : null),
    [model, attend, text],
  );
  const attended = useWhenOpen(open, run);

  const result = attended.kind === 'ready' ? attended.result : null;
  const shape = result
    ? { layers: result.layers, heads: result.heads, tokens: result.ids.length }
    : null;
  const chosenLayer = shape ? Math.min(layer ?? shape.layers - 1, shape.layers - 1) : 0;
  const tokens = useMemo(() => result?.tokens.map(displayToken) ?? [], [result]);
  const matrix = useMemo(() => {
    if (!result || !shape) return null;
    if (view === 'rollout') return rollout(result.attentions, shape, chosenLayer);
    return head === 'mean'
      ? meanOverHeads(result.attentions, shape, chosenLayer)
      : headMatrix(result.attentions, shape, chosenLayer, Math.min(head, shape.heads - 1));
    // shape is derived from result
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [result, view, chosenLayer, head]);

  const headName = head === 'mean' ? 'the mean of all heads' : `head ${head + 1}`;
  const status =
    attended.kind === 'error'
      ? `Attention cannot be shown: ${attended.message}`
      : !attend
        ? 'Load an encoder to see its attention.'
        : !result
          ? 'Reading the attention of every head…'
          : null;

  return (
    <details
      className="attention-panel panel"
      onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}
      data-testid="attention-panel"
    >
      <summary>
        <h2>
          Attention <small>what each head reads; opening this starts a second model session</small>
        </h2>
      </summary>
      {status && <p className="muted">{status}</p>}
      {result && shape && matrix && (
        <>
          <div className="attention-controls" role="group" aria-label="Attention view">
            {VIEWS.map((v) => (
              <label key={v.id}>
                <input
                  type="radio"
                  name="attention-view"
                  checked={view === v.id}
                  onChange={() => setView(v.id)}
                />
                {v.label}
              </label>
            ))}
            <label>
              Layer
              <select value={chosenLayer} onChange={(e) => setLayer(Number(e.target.value))}>
                {Array.from({ length: shape.layers }, (_, l) => (
                  <option key={l} value={l}>
                    {view === 'rollout' ? `through layer ${l + 1}` : `layer ${l + 1}`}
                  </option>
                ))}
              </select>
            </label>
            {view !== 'rollout' && (
              <label>
                Head
                <select
                  value={head}
                  onChange={(e) =>
                    setHead(e.target.value === 'mean' ? 'mean' : Number(e.target.value))
                  }
                >
                  <option value="mean">mean of heads</option>
                  {Array.from({ length: shape.heads }, (_, h) => (
                    <option key={h} value={h}>
                      head {h + 1}
                    </option>
                  ))}
                </select>
              </label>
            )}
          </div>
          {result.truncation && (
            <p className="warning">
              The model reads at most {result.truncation.keptTokens} of this text&apos;s{' '}
              {result.truncation.totalTokens} tokens; the attention shown is theirs.
            </p>
          )}
          {view === 'heads' && (
            <HeadView
              tokens={tokens}
              matrix={matrix}
              label={`Layer ${chosenLayer + 1}, ${headName}`}
            />
          )}
          {view !== 'heads' && (
            <Heatmap
              label={
                view === 'rollout'
                  ? `Attention rollout through layer ${chosenLayer + 1}: rows are tokens, columns the input tokens that flow into them`
                  : `Attention of layer ${chosenLayer + 1}, ${headName}: rows attend to columns`
              }
              rows={shape.tokens}
              cols={shape.tokens}
              values={matrix}
              rowLabels={tokens}
              colLabels={tokens}
              valueName={view === 'rollout' ? 'share of the input' : 'attention'}
              domain={[0, largest(matrix)]}
              scale={viridis}
              cellSize={14}
              square
            />
          )}
          <p className="muted">
            {view === 'heads'
              ? 'Each line joins a token (left) to a token it attends to (right); the darker, the more weight (opacity is the square root of the weight; below 0.01, no line). Focus or hover a token to see only its lines.'
              : view === 'matrix'
                ? 'Row q is what token q attends to; each row sums to 1.'
                : 'Rollout (Abnar & Zuidema, 2020): each layer’s mean attention mixed half and half with the residual connection, multiplied through the layers; row q says how much of each input token reaches token q.'}
          </p>
        </>
      )}
    </details>
  );
}

/** The largest value, looped (a spread of a 512 × 512 matrix would overflow the call stack). */
function largest(values: ArrayLike<number>): number {
  let max = 1e-6;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  return max;
}

/** Tokens on both sides, a line per attention weight; one token's lines when one is picked. */
function HeadView({
  tokens,
  matrix,
  label,
}: {
  tokens: string[];
  matrix: ArrayLike<number>;
  label: string;
}) {
  const [picked, setPicked] = useState<number | null>(null);
  const n = tokens.length;
  const y = (i: number) => i * ROW_HEIGHT + ROW_HEIGHT / 2;
  const lines: { q: number; k: number; w: number }[] = [];
  for (let q = 0; q < n; q++)
    for (let k = 0; k < n; k++) {
      const w = matrix[q * n + k];
      if (w >= MIN_LINE_WEIGHT && (picked === null || picked === q)) lines.push({ q, k, w });
    }
  return (
    <figure className="head-view" data-testid="head-view">
      <figcaption>{label}</figcaption>
      <div className="head-view-columns">
        <ol className="head-view-tokens" aria-label="Tokens that attend">
          {tokens.map((t, i) => (
            <li key={i}>
              <button
                type="button"
                className={picked === i ? 'picked' : undefined}
                aria-pressed={picked === i}
                onMouseEnter={() => setPicked(i)}
                onMouseLeave={() => setPicked(null)}
                onFocus={() => setPicked(i)}
                onBlur={() => setPicked(null)}
              >
                {t}
              </button>
            </li>
          ))}
        </ol>
        <svg
          width={LINE_COLUMN_WIDTH}
          height={n * ROW_HEIGHT}
          role="img"
          aria-label={`${label}: lines from each token to the tokens it attends to`}
        >
          {lines.map(({ q, k, w }) => (
            <line
              key={`${q}-${k}`}
              x1={0}
              y1={y(q)}
              x2={LINE_COLUMN_WIDTH}
              y2={y(k)}
              stroke="#3b5ba5"
              // The square root keeps a diffuse head (weights near 1/tokens) faint but visible.
              strokeOpacity={Math.sqrt(w)}
              strokeWidth={0.5 + 2 * w}
            />
          ))}
        </svg>
        <ol className="head-view-tokens" aria-label="Tokens attended to">
          {tokens.map((t, i) => (
            <li key={i}>{t}</li>
          ))}
        </ol>
      </div>
    </figure>
  );
}
