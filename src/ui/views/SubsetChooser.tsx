import { useId, useState } from 'react';
import {
  cvPrecision,
  MIN_SUBSET,
  SUBSET_SIZES,
  subsetCount,
  type CostEstimate,
  type SubsetSize,
} from '../../pipeline/clearCorpus.ts';
import { formatDuration } from './batch/download.ts';

interface Props {
  /** Excerpts there are to draw from. */
  available: number;
  value: SubsetSize | null;
  /** A size, or null while the typed one is not a whole number from MIN_SUBSET to `available`. */
  onChange: (size: SubsetSize | null) => void;
  /** What a subset of this many excerpts would cost, once a rate has been measured. */
  costOf?: (rows: number) => CostEstimate | null;
  disabled?: boolean;
}

const percent = (x: number) => `±${(100 * x).toFixed(1)} %`;

/** What one size costs and buys, in words. */
function describe(rows: number, costOf: Props['costOf']): string {
  const cost = costOf?.(rows);
  const time = cost
    ? `about ${formatDuration(cost.extractSeconds + cost.sweepSeconds)} (${formatDuration(cost.extractSeconds)} reading, ${formatDuration(cost.sweepSeconds)} sweeping)`
    : null;
  return [time, `CV RMSE known to ${percent(cvPrecision(rows))}`].filter(Boolean).join(' · ');
}

/** Radio buttons for a stratified subset of the corpus, each with its cost and CV precision. */
export function SubsetChooser({ available, value, onChange, costOf, disabled }: Props) {
  const name = useId();
  const [typed, setTyped] = useState('100');
  const isPreset = (SUBSET_SIZES as readonly SubsetSize[]).includes(value ?? -1);
  const [isOther, setOther] = useState(value !== null && !isPreset);
  const fromTyped = (text: string): number | null => {
    const n = Number(text);
    return Number.isInteger(n) && n >= MIN_SUBSET && n <= available ? n : null;
  };
  const typedRows = fromTyped(typed);
  return (
    <fieldset className="subset-chooser" disabled={disabled}>
      <legend>Excerpts (stratified by target)</legend>
      {SUBSET_SIZES.map((size) => {
        const rows = subsetCount(size, available);
        return (
          <label key={String(size)}>
            <input
              type="radio"
              name={name}
              checked={!isOther && value === size}
              onChange={() => {
                setOther(false);
                onChange(size);
              }}
            />{' '}
            {size === 'all' ? `all ${available.toLocaleString('en')}` : rows.toLocaleString('en')}
            <span className="hint"> — {describe(rows, costOf)}</span>
          </label>
        );
      })}
      <label>
        <input
          type="radio"
          name={name}
          checked={isOther}
          onChange={() => {
            setOther(true);
            onChange(typedRows);
          }}
        />{' '}
        other:{' '}
        <input
          type="number"
          min={MIN_SUBSET}
          max={available}
          step={1}
          value={typed}
          aria-label="Number of excerpts"
          onFocus={() => {
            setOther(true);
            onChange(typedRows);
          }}
          onChange={(e) => {
            setTyped(e.target.value);
            setOther(true);
            onChange(fromTyped(e.target.value));
          }}
        />
        {isOther && typedRows !== null && (
          <span className="hint"> — {describe(typedRows, costOf)}</span>
        )}
      </label>
      {isOther && typedRows === null && (
        <p className="warning" role="note">
          Choose a whole number of excerpts from {MIN_SUBSET} to {available.toLocaleString('en')}.
        </p>
      )}
    </fieldset>
  );
}
