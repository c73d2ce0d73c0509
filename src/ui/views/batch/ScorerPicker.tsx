import type { ModelInfo } from '../../../engine/protocol.ts';
import { describeScorer, scorerProblem, type Scorer } from '../../../pipeline/batchRun.ts';

export type ScorerKind = Scorer['kind'];

interface Props {
  options: readonly Scorer[];
  chosen: ScorerKind;
  info: ModelInfo | null;
  disabled: boolean;
  onChoose: (kind: ScorerKind) => void;
}

const TITLES: Record<ScorerKind, string> = {
  head: 'Active head',
  regression: 'Fine-tuned model',
  lite: 'Lite model',
};

/** Which scorer gives the targets: each option says what it is, or why it cannot be used now. */
export function ScorerPicker({ options, chosen, info, disabled, onChoose }: Props) {
  return (
    <fieldset className="scorer-picker" disabled={disabled}>
      <legend>Score with</legend>
      {options.map((s) => {
        const problem = scorerProblem(s, info);
        return (
          <div key={s.kind}>
            <label>
              <input
                type="radio"
                name="scorer"
                value={s.kind}
                checked={chosen === s.kind}
                disabled={problem !== null}
                onChange={() => onChoose(s.kind)}
              />{' '}
              <strong>{TITLES[s.kind]}</strong>: {describeScorer(s, info)}
            </label>
            {problem && <p className="why">{problem}</p>}
          </div>
        );
      })}
    </fieldset>
  );
}
