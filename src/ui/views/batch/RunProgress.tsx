import { formatDuration } from './download.ts';

interface Props {
  label: string;
  done: number;
  total: number;
  /** Extra words after the count, e.g. "12 from the cache". */
  detail?: string;
  rowsPerSecond?: number | null;
  secondsLeft?: number | null;
  isStopping?: boolean;
  onCancel?: () => void;
}

/** One bar for a whole run: rows done, throughput, time left, and a cancel button. */
export function RunProgress(props: Props) {
  const { label, done, total, rowsPerSecond, secondsLeft } = props;
  return (
    <div className="run-progress" data-testid="run-progress">
      <progress max={total} value={done} aria-label={label} />
      <span role="status" aria-live="polite" data-done={done} data-total={total}>
        {done} / {total} rows
        {props.detail && `, ${props.detail}`}
        {rowsPerSecond != null && ` · ${rowsPerSecond.toFixed(1)} rows/s`}
        {secondsLeft != null && ` · about ${formatDuration(secondsLeft)} left`}
      </span>{' '}
      {props.onCancel && (
        <button type="button" onClick={props.onCancel} disabled={props.isStopping}>
          {props.isStopping ? 'Stopping…' : 'Cancel'}
        </button>
      )}
    </div>
  );
}
