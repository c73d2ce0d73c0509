import { useMemo, useState, type ReactNode } from 'react';
import { isDecomposable } from '../../../analysis/contributions.ts';
import type { Head, RidgeHead } from '../../../analysis/head.ts';
import { STRATEGIES } from '../../../analysis/pooling.ts';
import { wordValues, type WordSplit } from '../../../analysis/wordValues.ts';
import type { HeadRecord } from '../../../data/store.ts';
import type { ContributedText } from '../../../engine/protocol.ts';
import { useWhenOpen } from '../../hooks/useWhenOpen.ts';
import { PALETTE } from '../palette.ts';

/** Words listed on each side, strongest first. */
const LISTED = 8;

interface Props {
  /** The settled text, split once the panel is opened. */
  text: string;
  /** null while no model is ready. */
  contribute: ((text: string, head: RidgeHead) => Promise<ContributedText>) | null;
  /** The active head where it fits the loaded model; null when there is none. */
  active: HeadRecord<Head> | null;
  /** Why there is no score to split, when there is none (no head, a fine-tuned export, …). */
  noHead: string | null;
}

/** A finished split: the text and head it is of, the engine's terms, and the words. */
interface Split {
  text: string;
  head: RidgeHead;
  result: ContributedText;
  split: WordSplit;
}

const signed = (x: number, digits = 3) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;

/** A word's background: the easier colour for a positive share, harder for negative, by size. */
function shade(value: number, scale: number): string {
  const alpha = scale > 0 ? Math.round(Math.min(1, Math.abs(value) / scale) * 0.75 * 255) : 0;
  const base = value >= 0 ? PALETTE.easier : PALETTE.harder;
  return `${base}${alpha.toString(16).padStart(2, '0')}`;
}

/** Why a head's score cannot be split over tokens, or null when it can. */
export function noSplitReason(head: Head): string | null {
  if (head.kind === 'learned')
    return `The active head is a learned pooling (${STRATEGIES[head.strategy].label}): its pooling is not linear in the token states, so its score has no exact split over tokens.`;
  if (isDecomposable(head.strategy)) return null;
  const label = head.strategy === 'pooler' ? 'the trained pooler' : STRATEGIES[head.strategy].label;
  return `The active head reads ${label}: ${
    head.strategy === 'wk'
      ? 'SBERT-WK weighs each token by how its state changes across layers, which is not linear in the states'
      : 'it is built from one token (CLS) whose state has already attended to every other token'
  }, so no exact split of its score over tokens exists. Heads on mean, max, mean-max or the mean of the last layers split exactly.`;
}

/**
 * Which words move the score: for the active ridge head on a pooling that is linear in the token
 * states, the score is exactly an intercept plus one share per token (analysis/contributions),
 * summed here over each word's sub-word tokens and shown on the text in score units. Opening the
 * panel runs the model once more over the text (in the windows the score reads it in).
 */
export function ContributionsPanel({ text, contribute, active, noHead }: Props) {
  const [open, setOpen] = useState(false);
  const head =
    active?.head.kind !== 'learned' ? (active?.head as RidgeHead | undefined) : undefined;
  const reason = noHead ?? (active ? noSplitReason(active.head) : null);
  const run = useMemo(
    () =>
      contribute && head && !reason && text.trim()
        ? async (): Promise<Split> => {
            const result = await contribute(text, head);
            const words = wordValues(text, result.words, result.special, result.tokens);
            return { text, head, result, split: words };
          }
        : null,
    [contribute, head, reason, text],
  );
  const outcome = useWhenOpen(open, run);
  /** The word outlined in the text, for the split it was chosen in (a new split clears it). */
  const [focus, setFocus] = useState<{ of: WordSplit; word: number } | null>(null);

  const ready = outcome.kind === 'ready' && outcome.result.head === head ? outcome.result : null;
  const focused = focus && focus.of === ready?.split ? focus.word : null;
  const status = reason
    ? reason
    : !contribute
      ? 'Load an encoder to see which words move its score.'
      : outcome.kind === 'error' && outcome.of === run
        ? `The score could not be split: ${outcome.message}`
        : !text.trim()
          ? 'Enter some text to see which words move the score.'
          : !ready
            ? 'Splitting the score over the words…'
            : null;

  return (
    <details
      className="contributions-panel panel"
      onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}
      data-testid="contributions-panel"
    >
      <summary>
        <h2>
          Which words move the score{' '}
          <small>
            the active head’s score split exactly over the words; opening this reads the text once
            more
          </small>
        </h2>
      </summary>
      {status && <p className="muted">{status}</p>}
      {ready && !reason && (
        <SplitView
          split={ready.split}
          result={ready.result}
          head={ready.head}
          name={active?.name ?? ''}
          stale={ready.text !== text}
          focused={focused}
          onFocus={(word) => ready && setFocus(word === null ? null : { of: ready.split, word })}
        />
      )}
    </details>
  );
}

interface SplitViewProps {
  split: WordSplit;
  result: ContributedText;
  head: RidgeHead;
  name: string;
  stale: boolean;
  focused: number | null;
  onFocus: (word: number | null) => void;
}

function SplitView({ split, result, head, name, stale, focused, onFocus }: SplitViewProps) {
  const { words } = split;
  const wordSum = words.reduce((s, w) => s + w.value, 0);
  const score = result.intercept + split.special + split.blank + wordSum;
  const scale = Math.max(0, ...words.map((w) => Math.abs(w.value)));
  const order = useMemo(
    () => words.map((w, i) => ({ i, v: w.value })).sort((a, b) => a.v - b.v),
    [words],
  );
  const harder = order.filter((o) => o.v < 0).slice(0, LISTED);
  const easier = order
    .filter((o) => o.v > 0)
    .slice(-LISTED)
    .reverse();
  const label = (i: number) => split.text.slice(words[i].start, words[i].end);

  const pieces: ReactNode[] = [];
  let at = 0;
  words.forEach((w, i) => {
    pieces.push(split.text.slice(at, w.start));
    pieces.push(
      <mark
        key={i}
        data-value={w.value}
        title={`${signed(w.value)} (${w.tokens} token${w.tokens === 1 ? '' : 's'})`}
        style={{
          background: shade(w.value, scale),
          color: 'inherit',
          outline:
            focused === i
              ? `2px solid ${w.value >= 0 ? PALETTE.easier : PALETTE.harder}`
              : undefined,
        }}
      >
        {split.text.slice(w.start, w.end)}
      </mark>,
    );
    at = w.end;
  });
  pieces.push(split.text.slice(at));

  const list = (title: string, items: { i: number; v: number }[]) => (
    <div>
      <h3>{title}</h3>
      {items.length ? (
        <ol>
          {items.map(({ i, v }) => (
            <li key={i}>
              <button
                type="button"
                aria-pressed={focused === i}
                onFocus={() => onFocus(i)}
                onMouseEnter={() => onFocus(i)}
                onClick={() => onFocus(i)}
              >
                {label(i)}
              </button>{' '}
              <span className="mono">{signed(v)}</span>
            </li>
          ))}
        </ol>
      ) : (
        <p className="muted">none</p>
      )}
    </div>
  );

  return (
    <div aria-busy={stale} data-testid="contributions">
      <p>
        {name} ({STRATEGIES[head.strategy as keyof typeof STRATEGIES]?.label ?? head.strategy},
        layer {head.layer}) scores this text{' '}
        <strong className="mono" data-testid="split-score" data-value={score}>
          {score.toFixed(3)}
        </strong>{' '}
        = intercept{' '}
        <span className="mono" data-testid="split-intercept" data-value={result.intercept}>
          {signed(result.intercept)}
        </span>{' '}
        + special tokens{' '}
        <span className="mono" data-testid="split-special" data-value={split.special}>
          {signed(split.special)}
        </span>
        {split.blank !== 0 && (
          <>
            {' '}
            + spaces and line breaks <span className="mono">{signed(split.blank)}</span>
          </>
        )}{' '}
        + words{' '}
        <span className="mono" data-testid="split-words">
          {signed(wordSum)}
        </span>
        {result.windows > 1 &&
          ` (read in ${result.windows} overlapping windows, combined as the score combines them)`}
        {stale && <span className="updating"> updating…</span>}
      </p>
      <ContributionLegend scale={scale} />
      {!split.fromInput && (
        <p className="warning" role="note">
          Some words could not be placed on your text (characters the tokenizer does not read, or a
          normalisation it applies), so the words are shown as the tokenizer decoded them.
        </p>
      )}
      <p
        className="contribution-text"
        style={{ whiteSpace: 'pre-wrap' }}
        data-testid="contribution-text"
      >
        {pieces}
      </p>
      <div className="contribution-lists">
        {list('Pull the score down most (harder)', harder)}
        {list('Push the score up most (easier)', easier)}
      </div>
    </div>
  );
}

/** The colour scale in score units: a word's share of the score, harder to easier. */
function ContributionLegend({ scale }: { scale: number }) {
  const ticks = [-scale, -scale / 2, 0, scale / 2, scale];
  return (
    <figure
      className="contribution-legend"
      aria-label={`Colour scale: from ${signed(-scale)} (harder) to ${signed(scale)} (easier) per word, in score units`}
    >
      <div
        className="contribution-legend-bar"
        style={{
          background: `linear-gradient(to right, ${PALETTE.harder}bf, ${PALETTE.harder}00 50%, ${PALETTE.easier}00 50%, ${PALETTE.easier}bf)`,
        }}
      />
      <div className="contribution-legend-ticks">
        {ticks.map((t, i) => (
          <span key={i} className="mono">
            {i === 2 ? '0' : signed(t)}
          </span>
        ))}
      </div>
      <figcaption>
        Each word’s share of the score, in score units (the CommonLit scale: higher is easier).
      </figcaption>
    </figure>
  );
}
