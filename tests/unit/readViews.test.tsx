// @vitest-environment jsdom
import {
  cleanup,
  fireEvent,
  render,
  renderHook,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { layerView, textOverview, tiledCosine } from '../../src/analysis/inspect.ts';
import { poolOptionsFor, type HiddenStates } from '../../src/analysis/pooling.ts';
import type { EncodedText } from '../../src/engine/protocol.ts';
import { formulas } from '../../src/readability/formulas.ts';
import { predictLite } from '../../src/readability/lite.ts';
import { binOf, CLEAR_DISTRIBUTION, percentileOf } from '../../src/readability/reference.ts';
import { Heatmap } from '../../src/ui/charts/Heatmap.tsx';
import { viridis } from '../../src/ui/charts/colorScales.ts';
import { LayersPanel } from '../../src/ui/views/read/LayersPanel.tsx';
import { PoolingPanel, type HeadReadings } from '../../src/ui/views/read/PoolingPanel.tsx';
import { ScorePanel, type EncoderScore } from '../../src/ui/views/read/ScorePanel.tsx';
import { useEncoderSentences } from '../../src/ui/views/read/useEncoderSentences.ts';
import type { EncoderScorer } from '../../src/ui/hooks/useEncoderScorer.ts';

afterEach(cleanup);

// jsdom has no 2-D canvas: charts are stood in for by their accessible canvas, heatmaps skip
// drawing, and the tests read the DOM the views render, never pixels.
vi.mock('react-chartjs-2', () => {
  const Stub = (props: { 'aria-label'?: string }) => (
    <canvas role="img" aria-label={props['aria-label']} />
  );
  return { Bar: Stub, Scatter: Stub };
});
HTMLCanvasElement.prototype.getContext = (() =>
  null) as typeof HTMLCanvasElement.prototype.getContext;

// 5 hidden states × 4 tokens × 2 hidden: enough for every span strategy to sit at layer 4.
const LAYERS = 5;
const TOKENS = ['<s>', ' The', ' cat', '</s>'];
const HIDDEN = 2;
const STATES = Float32Array.from({ length: LAYERS * TOKENS.length * HIDDEN }, (_, i) =>
  Math.sin(i * 1.3 + 0.2),
);
const RESULT: EncodedText = {
  tokens: TOKENS,
  ids: [0, 10, 11, 2],
  truncation: null,
  layers: LAYERS,
  hidden: HIDDEN,
  states: STATES,
};
const HS: HiddenStates = {
  data: STATES,
  layers: LAYERS,
  tokens: TOKENS.length,
  hidden: HIDDEN,
  mask: new Uint8Array(TOKENS.length).fill(1),
};
const TEXT = 'The cat sat on the mat. The dog ran to the cat. They had fun in the sun.';

describe('analysis for the Read view', () => {
  it('tiledCosine is plain cosine for equal sizes and repeats the shorter vector', () => {
    expect(tiledCosine(Float32Array.of(1, 0), Float32Array.of(0, 1))).toBeCloseTo(0);
    expect(tiledCosine(Float32Array.of(1, 2), Float32Array.of(1, 2, 1, 2))).toBeCloseTo(1);
    // [1,0] tiled is [1,0,1,0]; against [1,0,0,1]: 1 / (√2·√2).
    expect(tiledCosine(Float32Array.of(1, 0), Float32Array.of(1, 0, 0, 1))).toBeCloseTo(0.5);
    expect(() => tiledCosine(Float32Array.of(1, 2, 3), Float32Array.of(1, 2))).toThrow();
  });

  it('layerView pools every strategy that can sit at a layer and says why the others cannot', () => {
    const low = layerView(HS, 1, poolOptionsFor(LAYERS));
    const missing = low.strategies.filter((s) => !('vector' in s)).map((s) => s.strategy);
    expect(missing).toEqual(['concat-last4', 'mean-last-k', 'weighted-uniform', 'wk']);
    const n = low.strategies.length;
    expect(low.cosines[0]).toBeCloseTo(1); // CLS with itself
    expect(Number.isNaN(low.cosines[4 * n + 4])).toBe(true); // concat-last4 cannot sit at 1
    const top = layerView(HS, LAYERS - 1, poolOptionsFor(LAYERS));
    expect(top.strategies.every((s) => 'vector' in s)).toBe(true);
    expect(top.pca.positions).toEqual([0, 1, 2, 3]);
  });

  it('places a score in the CLEAR distribution', () => {
    expect(percentileOf(-10)).toBe(0);
    expect(percentileOf(10)).toBe(100);
    expect(percentileOf(CLEAR_DISTRIBUTION.percentiles[50])).toBeCloseTo(50, 5);
    expect(binOf(-10)).toBe(0);
    expect(binOf(10)).toBe(CLEAR_DISTRIBUTION.counts.length - 1);
    expect(CLEAR_DISTRIBUTION.counts.reduce((a, b) => a + b, 0)).toBe(CLEAR_DISTRIBUTION.count);
  });
});

describe('Heatmap', () => {
  it('labels rows and reads the keyboard cursor out', () => {
    render(
      <Heatmap
        label="Norms"
        rows={2}
        cols={3}
        values={[1, 2, 3, 4, 5, 6]}
        rowLabels={['emb', 'L1']}
        colLabels={['a', 'b', 'c']}
        valueName="norm"
        domain={[1, 6]}
        scale={viridis}
      />,
    );
    const canvas = screen.getByRole('img', { name: /Norms: 2 × 3/ });
    fireEvent.focus(canvas);
    fireEvent.keyDown(canvas, { key: 'ArrowRight' });
    fireEvent.keyDown(canvas, { key: 'ArrowDown' });
    expect(document.querySelector('output')?.textContent).toBe('L1 · b: norm 5.000');
  });
});

describe('ScorePanel', () => {
  const lite = { text: TEXT, lite: predictLite(TEXT), formulas: formulas(TEXT) };
  const base = { lite, heads: [], activeId: null, onActivate: () => {}, updating: false };

  it.each<[EncoderScore, RegExp]>([
    [{ kind: 'waiting', loading: true }, /The encoder is loading/],
    [{ kind: 'error', message: 'No such file.' }, /not available \(No such file\)\. The lite/],
    [{ kind: 'no-head', reason: null }, /No readability head for this model yet/],
    [{ kind: 'computing' }, /Scoring with the encoder/],
  ])('designs the %o state', (encoder, text) => {
    render(<ScorePanel {...base} encoder={encoder} />);
    expect(screen.getByRole('region', { name: /Score/ }).textContent).toMatch(text);
    // The lite score and the reference distribution are there in every state.
    expect(screen.getByLabelText('Lite readability score')).toBeTruthy();
    expect(screen.getByTestId('percentile').textContent).toMatch(/The lite score/);
  });

  it('says when a long text was read in windows', () => {
    render(
      <ScorePanel
        {...base}
        encoder={{ kind: 'regression', score: -0.4, modelId: 'roberta-tiny-cls', windows: 3 }}
        heads={[]}
        activeId={null}
        onActivate={() => {}}
      />,
    );
    expect(screen.getByTestId('windowed').textContent).toMatch(/read in 3 overlapping windows/);
  });

  it('shows a head score with its band and places it among CLEAR excerpts', () => {
    const onActivate = vi.fn();
    render(
      <ScorePanel
        {...base}
        encoder={{ kind: 'head', score: -1.2, name: 'mean@12', cvRmse: 0.55, windows: 1 }}
        heads={[
          { id: 'a', label: 'mean@12', fits: true },
          { id: 'b', label: 'other', fits: false },
        ]}
        activeId="a"
        onActivate={onActivate}
      />,
    );
    expect(screen.getByLabelText('Encoder readability score').textContent).toBe('-1.20');
    expect(screen.queryByTestId('windowed')).toBeNull();
    expect(screen.getByTestId('percentile').textContent).toMatch(
      `The encoder score -1.20 is easier than ${percentileOf(-1.2).toFixed(0)}%`,
    );
    const select = screen.getByRole('combobox', { name: 'Active head' });
    expect(within(select).getByRole('option', { name: 'other (other model)' })).toHaveProperty(
      'disabled',
      true,
    );
    fireEvent.change(select, { target: { value: '' } });
    expect(onActivate).toHaveBeenCalledWith(null);
  });

  it('says the lite score is being computed until the worker answers, and why it failed', () => {
    const { rerender } = render(
      <ScorePanel {...base} lite={null} encoder={{ kind: 'waiting', loading: true }} />,
    );
    const panel = screen.getByRole('region', { name: /Score/ });
    expect(panel.textContent).toMatch(/Computing the lite score…/);
    expect(screen.queryByLabelText('Lite readability score')).toBeNull();
    expect(screen.queryByTestId('percentile')).toBeNull();
    rerender(
      <ScorePanel
        {...base}
        lite={null}
        liteError="worker error"
        encoder={{ kind: 'waiting', loading: true }}
      />,
    );
    expect(panel.textContent).toMatch(/The lite score could not be computed: worker error/);
  });
});

describe('LayersPanel', () => {
  it('shows a waiting state, then every token at every layer and the layer slider', () => {
    const onLayer = vi.fn();
    const { rerender } = render(
      <LayersPanel
        result={null}
        overview={null}
        view={null}
        layer={4}
        onLayer={onLayer}
        waiting="The encoder is loading"
        updating={false}
      />,
    );
    expect(screen.getByText('The encoder is loading')).toBeTruthy();
    rerender(
      <LayersPanel
        result={RESULT}
        overview={textOverview(HS)}
        view={layerView(HS, 4, poolOptionsFor(LAYERS))}
        layer={4}
        onLayer={onLayer}
        waiting=""
        updating={false}
      />,
    );
    expect(
      screen.getByRole('img', { name: /Norm of each token at each layer: 5 × 4/ }),
    ).toBeTruthy();
    expect(
      screen.getByRole('img', { name: /Cosine similarity between layers: 5 × 5/ }),
    ).toBeTruthy();
    expect(screen.getByText('Tokens at layer 4 (PCA)')).toBeTruthy();
    fireEvent.click(screen.getByRole('radio', { name: 'Cosine to final layer' }));
    expect(screen.getByRole('img', { name: /^Cosine to final layer of each token/ })).toBeTruthy();
    fireEvent.change(screen.getByRole('slider', { name: /^Layer/ }), { target: { value: '2' } });
    expect(onLayer).toHaveBeenCalledWith(2);
    expect(document.querySelectorAll('.layer-summary tbody tr')).toHaveLength(LAYERS);
  });
});

describe('PoolingPanel', () => {
  const props = {
    layers: LAYERS,
    hidden: HIDDEN,
    layer: 1,
    onLayer: () => {},
    strategy: 'mean' as const,
    onStrategy: vi.fn(),
    view: layerView(HS, 1, poolOptionsFor(LAYERS)),
    pooler: { kind: 'untrained' as const, reason: 'RoBERTa was pre-trained without NSP.' },
    heads: { kind: 'none' } as HeadReadings,
    waiting: null,
  };

  it('lists every strategy with its size, or why it cannot sit at this layer', () => {
    render(<PoolingPanel {...props} />);
    const rows = within(screen.getByTestId('strategy-strips')).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.getAttribute('data-strategy'))).toEqual([
      'cls',
      'mean',
      'max',
      'mean-max',
      'concat-last4',
      'mean-last-k',
      'weighted-uniform',
      'wk',
      'pooler',
    ]);
    expect(rows[3].textContent).toMatch(/Mean-max.*4/); // 2 × hidden
    expect(rows[4].textContent).toMatch(/can sit at layer 3 or later/);
    expect(rows[8].textContent).toMatch(/without NSP/);
    expect(screen.getByText(/No fitted heads for this model/)).toBeTruthy();
    fireEvent.click(screen.getByRole('radio', { name: 'Max' }));
    expect(props.onStrategy).toHaveBeenCalledWith('max');
  });

  it('lists fitted heads best first with their CV RMSE', () => {
    const heads: HeadReadings = {
      kind: 'ready',
      readings: [
        {
          id: 'b',
          name: 'B',
          strategy: 'cls',
          layer: 2,
          score: -0.5,
          cvRmse: 0.7,
          isActive: false,
        },
        {
          id: 'a',
          name: 'A',
          strategy: 'mean',
          layer: 4,
          score: -1.1,
          cvRmse: 0.6,
          isActive: true,
        },
      ],
    };
    render(<PoolingPanel {...props} heads={heads} />);
    const table = screen.getByRole('table', { name: /Fitted heads/ });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.textContent)).toEqual(['mean@4 A-1.10±0.60', 'cls@2 B-0.50±0.70']);
  });
});

describe('useEncoderSentences', () => {
  const TWO = 'The cat sat. Notwithstanding everything, we persevered.';
  /** A scorer that holds each call until the test lets it go; records what it was asked. */
  function heldScorer() {
    const asked: string[] = [];
    const waiting: (() => void)[] = [];
    const scorer: EncoderScorer = {
      label: 'a test scorer',
      standardError: 0.5,
      scoreMany: (texts) => {
        asked.push(...texts);
        return new Promise((resolve) =>
          waiting.push(() => resolve(texts.map((t) => -t.length / 10))),
        );
      },
    };
    const release = async () => {
      await waitFor(() => expect(waiting.length).toBeGreaterThan(0));
      waiting.shift()!();
    };
    return { scorer, asked, release };
  }

  it('measures one text per engine call and gives leave-one-out contributions', async () => {
    const { scorer, asked, release } = heldScorer();
    const { result } = renderHook(() => useEncoderSentences(scorer, TWO));
    for (let i = 0; i < 3; i++) await release();
    await waitFor(() => expect(result.current?.contributions).toHaveLength(2));
    expect(asked).toEqual([TWO, 'Notwithstanding everything, we persevered.', 'The cat sat.']);
    const hardest = result.current!.contributions![0];
    // Leaving the long sentence out raises this stand-in score most.
    expect(hardest.text).toBe('Notwithstanding everything, we persevered.');
    expect(hardest.hardness).toBeCloseTo((TWO.length - 'The cat sat.'.length) / 10, 10);
  });

  it('stops asking for the old text once the text changes', async () => {
    const { scorer, asked, release } = heldScorer();
    const { rerender } = renderHook(({ text }) => useEncoderSentences(scorer, text), {
      initialProps: { text: TWO },
    });
    await release(); // the whole text; its first variant is asked for next
    await waitFor(() => expect(asked).toHaveLength(2));
    rerender({ text: 'Short. Text.' });
    await release(); // the old variant's answer arrives after the change
    await waitFor(() => expect(asked.at(-1)).toBe('Short. Text.'));
    expect(asked.filter((t) => t === 'The cat sat.')).toEqual([]);
  });
});
