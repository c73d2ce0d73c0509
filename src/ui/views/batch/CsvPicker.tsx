import { useId } from 'react';
import type { CsvKind } from '../../../data/parseProtocol.ts';
import type { CsvFileState } from './useCsvFile.ts';

interface Props<K extends CsvKind> {
  label: string;
  hint: string;
  state: CsvFileState<K>;
  onPick: (file: File) => void;
  onClear: () => void;
  disabled?: boolean;
}

function percent(read: number, total: number): string {
  return total ? `${Math.round((read / total) * 100)}%` : '';
}

/** A CSV file input with its read progress, whole-file error, and a way to start over. */
export function CsvPicker<K extends CsvKind>({
  label,
  hint,
  state,
  onPick,
  onClear,
  disabled,
}: Props<K>) {
  const hintId = useId();
  return (
    <div className="csv-picker">
      <label>
        {label}
        <input
          type="file"
          accept=".csv,text/csv"
          aria-describedby={hintId}
          disabled={disabled}
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) onPick(file);
            // Picking the same file again (after a reload, to resume) must fire a change.
            e.target.value = '';
          }}
        />
      </label>
      <p id={hintId} className="hint">
        {hint}
      </p>
      <div aria-live="polite">
        {state.phase === 'reading' && (
          <p>
            Reading {state.name}…{' '}
            <progress
              aria-label={`Reading ${state.name}`}
              max={state.progress?.totalBytes || undefined}
              value={state.progress?.totalBytes ? state.progress.bytesRead : undefined}
            />{' '}
            {state.progress &&
              `${percent(state.progress.bytesRead, state.progress.totalBytes)}, ${state.progress.rows} rows`}{' '}
            <button type="button" onClick={onClear}>
              Cancel
            </button>
          </p>
        )}
        {state.phase === 'error' && (
          <div className="error" role="alert">
            <p>
              <strong>{state.name} cannot be used.</strong> {state.message}
            </p>
          </div>
        )}
        {state.phase === 'ready' && (
          <p data-testid="csv-summary">
            <strong>{state.name}</strong>: {state.file.parsed.results.length} rows, texts in the{' '}
            <code>{state.file.parsed.textColumn}</code> column
            {state.file.parsed.blankLines > 0 &&
              `, ${state.file.parsed.blankLines} blank lines ignored`}
            .{' '}
            <button type="button" onClick={onClear}>
              Choose another file
            </button>
          </p>
        )}
      </div>
    </div>
  );
}
