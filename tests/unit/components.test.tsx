// @vitest-environment jsdom
/**
 * Component tests with small fixed inputs for the views not covered elsewhere: engine status,
 * model picker, per-layer table, batch progress and the sweep heatmap.
 */
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SweepGrid } from '../../src/analysis/sweep.ts';
import type { EncodedText, ModelInfo } from '../../src/engine/protocol.ts';
import type { EngineState } from '../../src/ui/hooks/useEngine.ts';
import { EngineStatus } from '../../src/ui/views/EngineStatus.tsx';
import { LayerSummary, meanTokenNorm } from '../../src/ui/views/LayerSummary.tsx';
import { ModelPicker } from '../../src/ui/views/ModelPicker.tsx';
import { RunProgress } from '../../src/ui/views/batch/RunProgress.tsx';
import { SweepHeatmap } from '../../src/ui/views/batch/SweepHeatmap.tsx';

afterEach(cleanup);

const INFO: ModelInfo = {
  modelId: 'roberta-tiny',
  modelType: 'roberta',
  backend: 'wasm',
  dtype: 'fp32',
  threads: 2,
  layers: 3,
  hidden: 2,
  maxTokens: 128,
  extraOutputs: [],
  isRegression: false,
  hasTrainedPooler: false,
  prunedNodes: 0,
  loadMs: 1500,
  warmupMs: 100,
};

const state = (over: Partial<EngineState>): EngineState => ({
  status: 'idle',
  progress: {},
  stage: null,
  info: null,
  error: null,
  notice: null,
  ...over,
});

describe('EngineStatus', () => {
  it.each([
    ['idle', state({}), /No encoder loaded yet/],
    [
      'loading',
      state({
        status: 'loading',
        stage: 'download',
        progress: { 'onnx/model.onnx': { file: 'onnx/model.onnx', loaded: 512, total: 2048 } },
      }),
      /Downloading model files…onnx\/model\.onnx512 B \/ 2\.0 KB/,
    ],
    [
      'ready',
      state({ status: 'ready', info: INFO }),
      /roberta-tiny on WASM · fp32 · 2 threads · 3 hidden states × 2/,
    ],
    [
      'software WebGPU',
      state({
        status: 'ready',
        info: {
          ...INFO,
          backend: 'webgpu',
          adapter: {
            description: 'google swiftshader',
            isSoftwareAdapter: true,
            hasShaderF16: false,
          },
        },
      }),
      /on WEBGPU .*software adapter: correct, not fast/,
    ],
  ])('%s', (_, engine, text) => {
    render(<EngineStatus engine={engine} onRetry={() => {}} />);
    expect(screen.getByRole('region', { name: 'Engine status' }).textContent).toMatch(text);
  });

  it('shows an error with its sentence and a Retry that works', () => {
    const onRetry = vi.fn();
    render(
      <EngineStatus
        engine={state({
          status: 'error',
          error: { code: 'network', message: 'The download broke off.' },
        })}
        onRetry={onRetry}
      />,
    );
    expect(screen.getByRole('alert').textContent).toContain('The download broke off.');
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(onRetry).toHaveBeenCalledOnce();
  });

  it('shows what the engine did on its own', () => {
    render(
      <EngineStatus
        engine={state({ status: 'ready', info: INFO, notice: 'Switched to WASM.' })}
        onRetry={() => {}}
      />,
    );
    expect(screen.getByTestId('engine-notice').textContent).toBe('Switched to WASM.');
  });
});

describe('ModelPicker', () => {
  it('loads a Hub id with the chosen backend and dtype', () => {
    const onLoad = vi.fn();
    render(
      <ModelPicker
        initial={{
          source: { kind: 'hub', id: 'Xenova/roberta-base', host: 'http://127.0.0.1:9/' },
          backend: 'auto',
          dtype: 'fp32',
        }}
        busy={false}
        onLoad={onLoad}
      />,
    );
    fireEvent.change(screen.getByLabelText('Model id'), { target: { value: ' org/model ' } });
    fireEvent.change(screen.getByLabelText('Backend'), { target: { value: 'wasm' } });
    fireEvent.change(screen.getByLabelText('Precision'), { target: { value: 'q8' } });
    fireEvent.click(screen.getByRole('button', { name: 'Load model' }));
    expect(onLoad).toHaveBeenCalledWith({
      source: { kind: 'hub', id: 'org/model', host: 'http://127.0.0.1:9/' },
      backend: 'wasm',
      dtype: 'q8',
    });
  });

  it('loads q8 on WASM where the folder holds it and no dtype was named, fp32 on auto', async () => {
    // A served folder answers HEAD for the files it holds (model.onnx and model_quantized.onnx).
    const held = ['onnx/model.onnx', 'onnx/model_quantized.onnx'];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: URL) =>
        held.some((f) => url.pathname.endsWith(f))
          ? new Response(null, { headers: { 'content-length': '1000' } })
          : new Response(null, { status: 404 }),
      ),
    );
    try {
      const onLoad = vi.fn();
      render(
        <ModelPicker
          initial={{ source: { kind: 'served', path: '/models/m' }, backend: 'wasm', dtype: null }}
          busy={false}
          onLoad={onLoad}
        />,
      );
      const precision = screen.getByLabelText('Precision') as HTMLSelectElement;
      await vi.waitFor(() => expect(precision.options.length).toBe(2));
      fireEvent.click(screen.getByRole('button', { name: 'Load model' }));
      expect(onLoad).toHaveBeenLastCalledWith(expect.objectContaining({ dtype: 'q8' }));
      fireEvent.change(screen.getByLabelText('Backend'), { target: { value: 'auto' } });
      fireEvent.click(screen.getByRole('button', { name: 'Load model' }));
      expect(onLoad).toHaveBeenLastCalledWith(expect.objectContaining({ dtype: 'fp32' }));
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('offers the bundled models, and cannot load an empty id or while busy', () => {
    const onLoad = vi.fn();
    const { rerender } = render(
      <ModelPicker
        initial={{
          source: { kind: 'served', path: '/models/bert-tiny' },
          backend: 'auto',
          dtype: 'fp32',
        }}
        busy={false}
        onLoad={onLoad}
      />,
    );
    const model = screen.getByRole('combobox', { name: 'Model' }) as HTMLSelectElement;
    expect(model.value).toBe('/models/bert-tiny');
    expect(Array.from(model.options, (o) => o.value)).toContain('/models/roberta-tiny-cls');
    fireEvent.change(screen.getByLabelText('Source'), { target: { value: 'hub' } });
    fireEvent.change(screen.getByLabelText('Model id'), { target: { value: '  ' } });
    expect((screen.getByRole('button', { name: 'Load model' }) as HTMLButtonElement).disabled).toBe(
      true,
    );
    rerender(
      <ModelPicker
        initial={{ source: { kind: 'hub', id: 'x/y' }, backend: 'auto', dtype: 'fp32' }}
        busy
        onLoad={onLoad}
      />,
    );
    expect((screen.getByRole('button', { name: 'Load model' }) as HTMLButtonElement).disabled).toBe(
      true,
    );
  });
});

describe('LayerSummary', () => {
  // 3 layers × 2 tokens × 2 hidden: token norms are 5 and 0 on layer 0, 1 and 1 on layer 1, ...
  const result: EncodedText = {
    tokens: ['<s>', '</s>'],
    ids: [0, 2],
    truncation: null,
    layers: 3,
    hidden: 2,
    states: Float32Array.from([3, 4, 0, 0, 1, 0, 0, 1, 0.6, 0.8, 6, 8]),
  };

  it('computes the mean token norm per layer', () => {
    const norms = [0, 1, 2].map((l) => meanTokenNorm(result, l));
    [2.5, 1, 5.5].forEach((want, l) => expect(norms[l]).toBeCloseTo(want, 6)); // float32 inputs
  });

  it('shows one row per hidden state with its values, and any truncation', () => {
    render(<LayerSummary result={{ ...result, truncation: { keptTokens: 2, totalTokens: 9 } }} />);
    const rows = within(screen.getByRole('table')).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.querySelector('th')?.textContent)).toEqual([
      'Embeddings',
      'Layer 1',
      'Layer 2',
    ]);
    expect(rows[0].textContent).toContain('2.500');
    expect(rows[2].textContent).toContain('0.600  0.800  6.000  8.000');
    expect(screen.getByRole('status').textContent).toMatch(/9 tokens; the model reads at most 2/);
  });
});

describe('RunProgress', () => {
  it('shows rows, throughput and time left, and cancels once', () => {
    const onCancel = vi.fn();
    const { rerender } = render(
      <RunProgress
        label="Scoring"
        done={40}
        total={320}
        rowsPerSecond={12.5}
        secondsLeft={22.4}
        onCancel={onCancel}
      />,
    );
    expect(screen.getByRole('status').textContent).toMatch(
      /^40 \/ 320 rows · 12\.5 rows\/s · about .* left$/,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onCancel).toHaveBeenCalledOnce();
    rerender(<RunProgress label="Scoring" done={48} total={320} isStopping onCancel={onCancel} />);
    expect((screen.getByRole('button', { name: 'Stopping…' }) as HTMLButtonElement).disabled).toBe(
      true,
    );
  });
});

describe('SweepHeatmap', () => {
  const grid: SweepGrid = {
    strategies: ['cls', 'wk'],
    layers: 3,
    rmse: [
      [0.9, 0.7, 0.8],
      [null, null, 0.6],
    ],
    rmseStd: [
      [0.1, 0.05, 0.08],
      [null, null, 0.04],
    ],
    sketch: [
      [null, null, null],
      [null, null, null],
    ],
    best: {
      strategy: 'wk',
      layer: 2,
      alpha: 1,
      rmse: 0.6,
      rmseStd: 0.04,
      mode: 'primal',
    } as unknown as SweepGrid['best'],
  };

  it('draws a button per available cell, stars the best, and selects from the keyboard', () => {
    const onSelect = vi.fn();
    render(
      <SweepHeatmap grid={grid} selected={{ strategy: 'cls', layer: 1 }} onSelect={onSelect} />,
    );
    const cells = screen.getAllByRole('button');
    expect(cells).toHaveLength(4);
    const best = screen.getByRole('button', {
      name: /WK pooling, layer 2: CV RMSE 0\.600 ± 0\.040, best/,
    });
    expect(best.textContent).toBe('★ 0.600');
    expect(
      screen.getByRole('button', { name: /layer 1: CV RMSE 0\.700/ }).getAttribute('aria-pressed'),
    ).toBe('true');
    expect(screen.getAllByLabelText('not available at this layer')).toHaveLength(2);
    fireEvent.click(best);
    expect(onSelect).toHaveBeenCalledWith({ strategy: 'wk', layer: 2 });
    expect(screen.queryByText(/quick-sweep estimates/)).toBeNull();
  });

  it('marks the cells the quick sweep estimated on a sketch', () => {
    const sketch = { method: 'srht', dim: 512, from: 768, seed: 42 } as const;
    const wide = { ...sketch, from: 3072, count: 2 };
    const quick: SweepGrid = {
      ...grid,
      sketch: [
        [null, sketch, null],
        [null, null, wide],
      ],
    };
    render(<SweepHeatmap grid={quick} selected={null} onSelect={() => {}} />);
    const estimated = screen.getByRole('button', {
      name: 'CLS, layer 1: CV RMSE ≈0.700 ± 0.050 (estimated on a 512-column sketch of its 768 features; select it for the exact fit)',
    });
    expect(estimated.className).toContain('sketched');
    expect(
      screen.getByRole('button', { name: /layer 0: CV RMSE 0\.900 ± 0\.100$/ }).className,
    ).not.toContain('sketched');
    expect(
      screen.getByRole('button', {
        name: /layer 2: CV RMSE ≈0\.600 ± 0\.040, best \(estimated on 2 averaged 512-column sketches of its 3072 features/,
      }),
    ).toBeTruthy();
    expect(screen.getByText(/quick-sweep estimates from a sketch/)).toBeTruthy();
  });
});
