import { useState } from 'react';
import type { CalibrationStep } from '../../../pipeline/calibrate.ts';
import { CLEAR_CORPUS, type SubsetSize } from '../../../pipeline/clearCorpus.ts';
import type { CalibrationState } from '../../hooks/useCalibration.ts';
import { RunProgress } from '../batch/RunProgress.tsx';
import { ClearNotice } from '../ClearNotice.tsx';
import { SubsetChooser } from '../SubsetChooser.tsx';

interface Props {
  modelId: string;
  state: CalibrationState;
  onStart: (size: SubsetSize) => void;
  onCancel: () => void;
}

/** One calibration step as a progress line. */
function StepProgress({
  step,
  rows,
  onCancel,
  isStopping,
}: {
  step: CalibrationStep | null;
  rows: number;
  onCancel: () => void;
  isStopping: boolean;
}) {
  if (!step || step.phase === 'extracting')
    return (
      <RunProgress
        label="Calibration: reading the excerpts"
        done={step?.progress.done ?? 0}
        total={rows}
        detail={step ? `${step.progress.cached} from the cache` : undefined}
        rowsPerSecond={step?.progress.rowsPerSecond}
        secondsLeft={step?.progress.secondsLeft}
        isStopping={isStopping}
        onCancel={onCancel}
      />
    );
  const text =
    step.phase === 'sweeping'
      ? `Cross-validating pooling × layer cell ${step.done} of ${step.total}…`
      : step.phase === 'confirming'
        ? `Cross-validating each strategy's best layer exactly: ${step.done} of ${step.total}…`
        : `Fitting the best cell (${step.cell.strategy}, layer ${step.cell.layer}) on every excerpt…`;
  return (
    <p className="run-progress">
      <span role="status">{text}</span>{' '}
      <button type="button" onClick={onCancel} disabled={isStopping}>
        {isStopping ? 'Stopping…' : 'Cancel'}
      </button>
    </p>
  );
}

/**
 * "Calibrate this model" in the Read view's score card: a stratified subset of the CLEAR corpus,
 * one click to extract, sweep, confirm and save the best head, with progress and cancel.
 */
export function CalibratePanel({ modelId, state, onStart, onCancel }: Props) {
  const [size, setSize] = useState<SubsetSize | null>(500);
  const isRunning = state.phase === 'fetching' || state.phase === 'running';
  return (
    <section className="calibrate" aria-label="Calibrate this model">
      <p>
        Fit a head for <code>{modelId}</code> on the {CLEAR_CORPUS.name}: its features are extracted
        for a subset of the excerpts (cached in this browser, so a cancelled run resumes), every
        pooling strategy × layer is cross-validated, and the best is saved as a head and made
        active.
      </p>
      <SubsetChooser
        available={CLEAR_CORPUS.excerpts}
        value={size}
        onChange={setSize}
        disabled={isRunning}
      />
      <p>
        <button
          type="button"
          onClick={() => size !== null && onStart(size)}
          disabled={isRunning || size === null}
        >
          Calibrate this model
        </button>
      </p>
      {state.phase === 'fetching' && (
        <p className="run-progress">
          <span role="status">
            Downloading the {CLEAR_CORPUS.name}: {(state.bytes / 1e6).toFixed(1)} of{' '}
            {((state.total ?? CLEAR_CORPUS.bytes) / 1e6).toFixed(1)} MB…
          </span>{' '}
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </p>
      )}
      {state.phase === 'running' && (
        <StepProgress
          step={state.step}
          rows={state.rows}
          onCancel={onCancel}
          isStopping={state.isStopping}
        />
      )}
      {state.phase === 'cancelled' && (
        <p role="status">
          Cancelled. Excerpts read so far stay cached: calibrating again goes on from there.
        </p>
      )}
      {state.phase === 'error' && (
        <p className="error" role="alert">
          The calibration stopped: {state.message}
        </p>
      )}
      <ClearNotice use="Excerpts and targets" />
    </section>
  );
}
