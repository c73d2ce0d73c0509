// @vitest-environment jsdom
import { cleanup, fireEvent, render, renderHook, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formulas } from '../../src/readability/formulas.ts';
import { predictLite } from '../../src/readability/lite.ts';
import type { Head } from '../../src/analysis/head.ts';
import type { HeadRecord } from '../../src/data/store.ts';
import type { ModelInfo } from '../../src/engine/protocol.ts';
import { CLEAR_CORPUS } from '../../src/pipeline/clearCorpus.ts';
import { useKeepCalibrated } from '../../src/ui/hooks/useCalibration.ts';
import { CalibratePanel } from '../../src/ui/views/read/CalibratePanel.tsx';
import { ScorePanel } from '../../src/ui/views/read/ScorePanel.tsx';
import { SubsetChooser } from '../../src/ui/views/SubsetChooser.tsx';

afterEach(cleanup);

// jsdom has no canvas: the chart stands in as its accessible canvas, and keeps what it was given.
const charts = vi.hoisted(() => [] as { data: unknown; options: unknown }[]);
vi.mock('react-chartjs-2', () => {
  const Stub = (props: { 'aria-label'?: string; data: unknown; options: unknown }) => {
    charts.push({ data: props.data, options: props.options });
    return <canvas role="img" aria-label={props['aria-label']} />;
  };
  return { Bar: Stub, Scatter: Stub };
});

const TEXT =
  'The cat sat on the mat. The dog ran to the cat. They had fun in the sun. We all went home.';
const lite = { text: TEXT, lite: predictLite(TEXT), formulas: formulas(TEXT) };
const base = { lite, heads: [], activeId: null, onActivate: () => {}, updating: false };

describe('ScorePanel and the CLEAR corpus', () => {
  it('names the histogram dataset and leaves the legend to the page', () => {
    charts.length = 0;
    render(<ScorePanel {...base} encoder={{ kind: 'computing' }} />);
    const { data, options } = charts.at(-1) as {
      data: { datasets: { label?: string }[] };
      options: { plugins: { legend: { display: boolean } } };
    };
    expect(data.datasets[0].label).toBe('CLEAR excerpts');
    expect(options.plugins.legend.display).toBe(false);
    // The lite model is fitted on the corpus too, and says so beside its score.
    expect(screen.getByTestId('lite-source').textContent).toMatch(
      /CLEAR corpus \(Crossley et al\. 2023, CC BY-NC-SA 4\.0\)/,
    );
  });

  it('shows a calibrated head with its CV RMSE as the band and what it was calibrated on', () => {
    const trainedOn = 'CLEAR corpus, 500 of 3,538 excerpts (Crossley et al. 2023, CC BY-NC-SA 4.0)';
    render(
      <ScorePanel
        {...base}
        encoder={{ kind: 'head', score: -1, name: 'CLEAR', cvRmse: 0.52, windows: 1, trainedOn }}
      />,
    );
    expect(screen.getByLabelText('Encoder readability score').textContent).toBe('-1.00');
    expect(
      screen.getByRole('img', { name: /^Score -1\.00 with a CV RMSE band from -1\.52 to -0\.48/ }),
    ).toBeTruthy();
    expect(screen.getByTestId('calibrated-on').textContent).toBe(`Calibrated on the ${trainedOn}.`);
  });

  it('offers the calibration only where no head fits', () => {
    const calibrate = <p>calibrate here</p>;
    const { rerender } = render(
      <ScorePanel {...base} encoder={{ kind: 'no-head', reason: null }} calibrate={calibrate} />,
    );
    expect(screen.getByTestId('no-head').textContent).toMatch(/calibrate here/);
    rerender(<ScorePanel {...base} encoder={{ kind: 'computing' }} calibrate={calibrate} />);
    expect(screen.queryByText('calibrate here')).toBeNull();
  });
});

describe('SubsetChooser', () => {
  it('offers 500, 1,000 and all with the CV precision each buys, and the cost once measured', () => {
    const onChange = vi.fn();
    render(
      <SubsetChooser
        available={3538}
        value={500}
        onChange={onChange}
        costOf={(n) => ({ extractSeconds: n * 0.1, sweepSeconds: 5 })}
      />,
    );
    const group = screen.getByRole('group', { name: /Excerpts/ });
    const radios = within(group).getAllByRole('radio');
    expect(radios).toHaveLength(4);
    expect(group.textContent).toMatch(
      /500 — about 55 s \(50 s reading, 5.0 s sweeping\) · CV RMSE known to ±3\.2 %/,
    );
    expect(group.textContent).toMatch(/all 3,538 — .*±1\.2 %/);
    fireEvent.click(radios[1]);
    expect(onChange).toHaveBeenLastCalledWith(1000);
    fireEvent.change(screen.getByLabelText('Number of excerpts'), { target: { value: '40' } });
    expect(onChange).toHaveBeenLastCalledWith(40);
    fireEvent.change(screen.getByLabelText('Number of excerpts'), { target: { value: '4' } });
    expect(onChange).toHaveBeenLastCalledWith(null);
    expect(screen.getByRole('note').textContent).toMatch(/from 10 to 3,538/);
  });
});

describe('CalibratePanel', () => {
  const props = { modelId: '/models/roberta-tiny', onStart: vi.fn(), onCancel: vi.fn() };

  it('starts on the chosen subset, and cites the corpus with its licence', () => {
    render(<CalibratePanel {...props} state={{ phase: 'idle' }} />);
    fireEvent.change(screen.getByLabelText('Number of excerpts'), { target: { value: '40' } });
    fireEvent.click(screen.getByRole('button', { name: 'Calibrate this model' }));
    expect(props.onStart).toHaveBeenCalledWith(40);
    const notice = screen.getByTestId('clear-notice').textContent;
    expect(notice).toContain(CLEAR_CORPUS.citation);
    expect(notice).toContain('CC BY-NC-SA 4.0');
  });

  it('shows each step with a way to cancel, and what a cancel or a failure leaves', () => {
    const { rerender } = render(
      <CalibratePanel {...props} state={{ phase: 'fetching', bytes: 1e6, total: 3.7e6 }} />,
    );
    expect(screen.getByRole('status').textContent).toMatch(/1\.0 of 3\.7 MB/);
    expect(screen.getByRole('button', { name: 'Calibrate this model' })).toHaveProperty(
      'disabled',
      true,
    );
    rerender(
      <CalibratePanel
        {...props}
        state={{
          phase: 'running',
          rows: 40,
          isStopping: false,
          step: {
            phase: 'extracting',
            progress: {
              done: 8,
              total: 40,
              cached: 2,
              rowsPerSecond: 4,
              secondsLeft: 8,
              unsaved: 0,
            },
          },
        }}
      />,
    );
    expect(screen.getByRole('status').textContent).toMatch(/8 \/ 40 rows, 2 from the cache/);
    rerender(
      <CalibratePanel
        {...props}
        state={{
          phase: 'running',
          rows: 40,
          isStopping: false,
          step: { phase: 'sweeping', done: 3, total: 9 },
        }}
      />,
    );
    expect(screen.getByRole('status').textContent).toMatch(/cell 3 of 9/);
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(props.onCancel).toHaveBeenCalled();
    rerender(<CalibratePanel {...props} state={{ phase: 'cancelled' }} />);
    expect(screen.getByRole('status').textContent).toMatch(/stay cached/);
    rerender(<CalibratePanel {...props} state={{ phase: 'error', message: 'worker died' }} />);
    expect(screen.getByRole('alert').textContent).toMatch(/stopped: worker died/);
  });
});

describe('useKeepCalibrated', () => {
  const info = (modelId: string, isRegression = false) =>
    ({ modelId, dtype: 'fp32', hidden: 2, isRegression }) as ModelInfo;
  // headFits reads the model id, dtype and hidden size; trainedOn marks a calibration.
  const record = (id: string, modelId: string, savedAt: number, trainedOn?: string) =>
    ({
      id,
      name: id,
      savedAt,
      head: { modelId, dtype: 'fp32', hidden: 2, trainedOn },
    }) as unknown as HeadRecord<Head>;
  const CLEAR = 'CLEAR corpus, 40 of 3,538 excerpts (Crossley et al. 2023, CC BY-NC-SA 4.0)';
  const heads = [
    record('b-clear', 'b', 1, CLEAR),
    record('a-old', 'a', 1, CLEAR),
    record('a-new', 'a', 2, CLEAR),
    record('a-own', 'a', 3), // newer, but fitted on the user's own file
  ];
  const state = (activeId: string | null, activate: (id: string | null) => void) => ({
    heads,
    activeId,
    active: heads.find((h) => h.id === activeId) ?? null,
    error: null,
    actions: { activate },
  });

  it("makes the model's newest calibrated head active once per model, then leaves the choice to the user", () => {
    const activate = vi.fn();
    const { rerender } = renderHook(
      ({ model, activeId }: { model: ModelInfo | null; activeId: string | null }) =>
        useKeepCalibrated(model, state(activeId, activate)),
      { initialProps: { model: info('a'), activeId: 'b-clear' as string | null } },
    );
    expect(activate.mock.calls).toEqual([['a-new']]);
    // The user picks no head on the same model: that stands.
    rerender({ model: info('a'), activeId: null });
    expect(activate).toHaveBeenCalledTimes(1);
    // Another model: its own calibrated head.
    rerender({ model: info('b'), activeId: null });
    expect(activate.mock.calls.at(-1)).toEqual(['b-clear']);
    // Back to the first model with a head that fits it active: nothing to do.
    rerender({ model: info('a'), activeId: 'a-own' });
    expect(activate).toHaveBeenCalledTimes(2);
  });

  it('leaves a fine-tuned regression export and an unloaded engine alone', () => {
    const activate = vi.fn();
    renderHook(() => useKeepCalibrated(info('a', true), state(null, activate)));
    renderHook(() => useKeepCalibrated(null, state(null, activate)));
    expect(activate).not.toHaveBeenCalled();
  });
});
