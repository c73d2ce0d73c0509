import type { RowProblem } from '../../../data/csv.ts';

interface Props {
  problems: readonly RowProblem[];
  totalRows: number;
  isSkipping: boolean;
  onSkip: () => void;
  onStop: () => void;
}

/** How many problem rows are listed before the rest is summarised. */
const SHOWN = 200;

/** Every row that cannot be used, with its line and reason, and the skip-or-stop decision. */
export function RowProblems({ problems, totalRows, isSkipping, onSkip, onStop }: Props) {
  if (!problems.length) return null;
  const usable = totalRows - problems.length;
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
          {problems.length === 1
            ? 'Skipping this row: it is not scored and is absent from the downloads.'
            : `Skipping these ${problems.length} rows: they are not scored and are absent from the downloads.`}{' '}
          {usable} rows will be scored.
        </p>
      ) : (
        <div className="decision" role="group" aria-label="What to do with these rows">
          <p>Fix the file and choose it again, or score the other {usable} rows without these.</p>
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
