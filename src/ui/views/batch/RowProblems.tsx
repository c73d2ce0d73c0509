import type { RowProblem } from '../../../data/csv.ts';

interface Props {
  problems: readonly RowProblem[];
  totalRows: number;
  /** What the usable rows are for: scoring (Batch view) or fitting (Fit view). */
  purpose: 'score' | 'fit';
  isSkipping: boolean;
  onSkip: () => void;
  onStop: () => void;
}

/** How many problem rows are listed before the rest is summarised. */
const SHOWN = 200;

/** What skipping means for each purpose, said before and after the choice. */
const WORDS = {
  score: {
    offer: (usable: number) => `score the other ${usable} rows without these`,
    left: (one: boolean) =>
      one
        ? 'it is not scored and is absent from the downloads'
        : 'they are not scored and are absent from the downloads',
    then: (usable: number) => `${usable} rows will be scored.`,
  },
  fit: {
    offer: (usable: number) => `fit on the other ${usable} rows without these`,
    left: (one: boolean) =>
      one
        ? 'its text is not read and it takes no part in the fit'
        : 'their texts are not read and they take no part in the fit',
    then: (usable: number) => `${usable} rows will be used.`,
  },
};

/** Every row that cannot be used, with its line and reason, and the skip-or-stop decision. */
export function RowProblems({ problems, totalRows, purpose, isSkipping, onSkip, onStop }: Props) {
  if (!problems.length) return null;
  const usable = totalRows - problems.length;
  const words = WORDS[purpose];
  return (
    <section className="row-problems" aria-labelledby="row-problems-title">
      <h3 id="row-problems-title">
        {problems.length} of {totalRows} rows cannot be used
      </h3>
      <div className="table-scroll">
        <table data-testid="row-problems">
          <thead>
            <tr>
              <th scope="col">Line</th>
              <th scope="col">Id</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {problems.slice(0, SHOWN).map((p) => (
              <tr key={`${p.line}-${p.code}`}>
                <td className="mono">{p.line}</td>
                <td className="mono">{p.id ?? '—'}</td>
                <td>{p.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {problems.length > SHOWN && <p>…and {problems.length - SHOWN} more.</p>}
      {isSkipping ? (
        <p role="status">
          {problems.length === 1 ? 'Skipping this row' : `Skipping these ${problems.length} rows`}:{' '}
          {words.left(problems.length === 1)}. {words.then(usable)}
        </p>
      ) : (
        <div className="decision" role="group" aria-label="What to do with these rows">
          <p>Fix the file and choose it again, or {words.offer(usable)}.</p>
          <button type="button" onClick={onSkip} disabled={usable === 0}>
            {problems.length === 1 ? 'Skip this row' : `Skip these ${problems.length} rows`}
          </button>{' '}
          <button type="button" onClick={onStop}>
            Stop
          </button>
        </div>
      )}
    </section>
  );
}
