import { useState, type ReactNode } from 'react';
import type { SentenceContribution } from '../../readability/sentences.ts';
import { PALETTE } from './palette.ts';

/** Props: the text, its sentences' contributions (any order) and which model produced them. */
export interface HardSentencesProps {
  text: string;
  /** Null while the first contributions are being computed. */
  contributions: readonly SentenceContribution[] | null;
  /** Where the scores came from, e.g. "lite model" or "encoder head". */
  source: string;
  /** Shown while a newer text is being measured; these sentences stay on screen meanwhile. */
  updating?: boolean;
}

// Opacity grows with the share of the largest effect, so the hardest sentence is the strongest.
function shade(hardness: number, scale: number): string {
  const alpha = scale > 0 ? Math.round((Math.abs(hardness) / scale) * 0.6 * 255) : 0;
  const base = hardness > 0 ? PALETTE.harder : PALETTE.easier;
  return `${base}${alpha.toString(16).padStart(2, '0')}`;
}

const signed = (x: number) => `${x > 0 ? '+' : ''}${x.toFixed(2)}`;

/** The text with each sentence highlighted by how much harder it makes the text, and a hardest-first list. */
export function HardSentences({ text, contributions, source, updating }: HardSentencesProps) {
  const [selected, setSelected] = useState<number | null>(null);
  if (!contributions) {
    return (
      <section aria-labelledby="hard-sentences-title" aria-busy="true">
        <h2 id="hard-sentences-title">Hard sentences</h2>
        <p className="placeholder" role="status">
          Measuring each sentence ({source})…
        </p>
      </section>
    );
  }
  const inOrder = [...contributions].sort((a, b) => a.start - b.start);
  const hardestFirst = [...contributions].sort(
    (a, b) => b.hardness - a.hardness || a.index - b.index,
  );
  const scale = Math.max(0, ...contributions.map((c) => Math.abs(c.hardness)));
  const pieces: ReactNode[] = [];
  let at = 0;
  for (const c of inOrder) {
    pieces.push(text.slice(at, c.start));
    pieces.push(
      <mark
        key={c.index}
        data-index={c.index}
        title={`${signed(c.hardness)} harder`}
        style={{
          background: shade(c.hardness, scale),
          color: 'inherit',
          outline: selected === c.index ? `2px solid ${PALETTE.harder}` : undefined,
        }}
      >
        {text.slice(c.start, c.end)}
      </mark>,
    );
    at = c.end;
  }
  pieces.push(text.slice(at));
  return (
    <section aria-labelledby="hard-sentences-title" aria-busy={!!updating}>
      <h2 id="hard-sentences-title">
        Hard sentences {updating && <span className="updating">updating…</span>}
      </h2>
      <p>
        Each sentence is shaded by how much the score ({source}) rises when it is left out:{' '}
        <span style={{ background: `${PALETTE.harder}99` }}>makes the text harder</span>,{' '}
        <span style={{ background: `${PALETTE.easier}99` }}>makes it easier</span>.
      </p>
      <p style={{ whiteSpace: 'pre-wrap' }}>{pieces}</p>
      <ol aria-label="Sentences, hardest first">
        {hardestFirst.map((c) => (
          <li key={c.index}>
            <button
              type="button"
              aria-pressed={selected === c.index}
              onClick={() => setSelected(selected === c.index ? null : c.index)}
            >
              {signed(c.hardness)}
            </button>{' '}
            {c.text}
          </li>
        ))}
      </ol>
    </section>
  );
}
