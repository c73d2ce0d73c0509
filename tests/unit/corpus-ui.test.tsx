// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { poolOptionsFor } from '../../src/analysis/pooling.ts';
import { principalPlane } from '../../src/analysis/principalPlane.ts';
import { fitRidge } from '../../src/analysis/ridge.ts';
import { makeNormal } from '../../src/analysis/rng.ts';
import { featuresFrom, type PooledVectors } from '../../src/pipeline/scoring.ts';
import { CorpusByLayer } from '../../src/ui/views/batch/CorpusByLayer.tsx';
import type { Inspected, Swept } from '../../src/ui/views/batch/useFitSweep.ts';
import { corpusProjectionHandler } from '../../src/ui/workers/corpusProjectionHandler.ts';
import type { CorpusEvent, CorpusRequest } from '../../src/ui/workers/corpusProjectionProtocol.ts';

afterEach(cleanup);

// jsdom has no canvas: the chart stands in as its accessible canvas, and keeps what it was given.
interface ChartProps {
  'aria-label'?: string;
  data: { datasets: { label?: string; data: { x: number; y: number }[] }[] };
}
const charts = vi.hoisted(() => [] as ChartProps[]);
vi.mock('react-chartjs-2', () => ({
  Scatter: (props: ChartProps) => {
    charts.push(props);
    return <canvas role="img" aria-label={props['aria-label']} />;
  },
}));

/**
 * The projection worker in the test's thread: requests wait until `flush` answers them with the
 * worker's own handler, so a test sees what the page shows while a projection is on its way.
 */
class FakeWorker {
  static last: FakeWorker | null = null;
  onmessage: ((e: { data: CorpusEvent }) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;
  private pending: CorpusRequest[] = [];
  private handle = corpusProjectionHandler((event) => this.onmessage?.({ data: event }));
  constructor() {
    FakeWorker.last = this;
  }
  postMessage(request: CorpusRequest) {
    this.pending.push(request);
  }
  terminate() {}
  /** Answers every request sent so far (those sent while answering wait for the next flush). */
  flush() {
    const now = this.pending;
    this.pending = [];
    act(() => now.forEach((r) => this.handle(r)));
  }
}

beforeEach(() => {
  vi.stubGlobal('Worker', FakeWorker);
  charts.length = 0;
});
afterEach(() => vi.unstubAllGlobals());

const [n, layers, hidden] = [40, 5, 6];

/** A run of n texts whose pooled vectors follow the target, on shared memory or not. */
function sweptRun(isShared: boolean): Swept {
  const normal = makeNormal(3);
  const y = Float64Array.from({ length: n }, () => normal());
  const pooled = Object.fromEntries(
    (['cls', 'mean', 'max', 'wk'] as const).map((p) => {
      const data = isShared
        ? new Float32Array(new SharedArrayBuffer(n * layers * hidden * 4))
        : new Float32Array(n * layers * hidden);
      for (let i = 0; i < data.length; i++) {
        const k = i % hidden;
        const l = Math.floor(i / hidden) % layers;
        data[i] = normal() + (k === l % hidden ? 2 * y[Math.floor(i / (layers * hidden))] : 0);
      }
      return [p, data];
    }),
  );
  const table: PooledVectors = { count: n, layers, hidden, pooled };
  return {
    run: 1,
    texts: Array.from({ length: n }, (_, i) => `Text number ${i}, which reads at some level.`),
    y,
    table,
    info: { layers, hidden },
    poolOptions: poolOptionsFor(layers),
  } as unknown as Swept;
}

/** The selected cell fitted on all rows, as useFitSweep hands it over. */
function inspectedCell(swept: Swept, strategy: 'mean' | 'pooler', layer: number): Inspected {
  const features = featuresFrom(swept.table, 'mean', layer, swept.poolOptions);
  const model = fitRidge({ data: features, rows: n, cols: hidden }, swept.y, 1);
  const outOfFold = swept.y.map((v) => 0.5 * v);
  const score = { alpha: 1, rmse: 0.5, rmseStd: 0.1, foldRmse: [0.5] };
  const cv = { ...score, scores: [score], mode: 'primal' as const };
  return { cell: { strategy, layer }, phase: 'ready', cv, outOfFold, model };
}

const map = () => screen.getByTestId('corpus-map');
const lastChart = () => charts.at(-1)!;

describe('CorpusByLayer', () => {
  it('maps the selected cell at its layer with the head’s arrow, and moves with the slider', () => {
    const swept = sweptRun(true);
    render(<CorpusByLayer swept={swept} inspected={inspectedCell(swept, 'mean', 3)} />);
    expect(screen.getByText('Projecting the texts…')).toBeTruthy();
    FakeWorker.last!.flush();
    expect({ ...map().dataset }).toMatchObject({ strategy: 'mean', layer: '3', state: 'ready' });
    const expected = principalPlane(
      featuresFrom(swept.table, 'mean', 3, swept.poolOptions),
      n,
      hidden,
      { orientBy: swept.y },
    );
    const coords = JSON.parse(map().dataset.coords!) as number[];
    coords.forEach((v, i) => expect(v).toBeCloseTo(expected.coords[i], 4));
    expect(lastChart().data.datasets.map((d) => d.label)).toEqual(['texts', 'head: easier →']);
    expect(screen.getByTestId('corpus-caption').textContent).toMatch(
      /^Mean at layer 3: PC 1 holds \d+\.\d% of the variance, PC 2 \d+\.\d%\. The arrow is the head’s direction seen in this plane/,
    );

    // Another layer: the old picture stays, marked updating, until the new one is in.
    const slider = screen.getByRole('slider', { name: 'Layer' });
    expect(slider.getAttribute('min')).toBe('0');
    expect(slider.getAttribute('max')).toBe('4');
    fireEvent.change(slider, { target: { value: '1' } });
    expect(screen.getByTestId('corpus-layer').textContent).toBe('layer 1');
    expect({ ...map().dataset }).toMatchObject({ layer: '3', state: 'updating' });
    expect(screen.getByText('Projecting layer 1…').getAttribute('role')).toBe('status');
    FakeWorker.last!.flush();
    expect({ ...map().dataset }).toMatchObject({ layer: '1', state: 'ready' });
    expect(lastChart().data.datasets.map((d) => d.label)).toEqual(['texts']);
    expect(screen.getByTestId('corpus-caption').textContent).toMatch(
      /drawn at its own layer \(3\) only: at layer 1 the vectors are other features\./,
    );
  });

  it('asks only for the latest layer while one is being projected', () => {
    const swept = sweptRun(true);
    render(<CorpusByLayer swept={swept} inspected={inspectedCell(swept, 'mean', 4)} />);
    const slider = screen.getByRole('slider', { name: 'Layer' });
    fireEvent.change(slider, { target: { value: '3' } });
    fireEvent.change(slider, { target: { value: '2' } });
    fireEvent.change(slider, { target: { value: '0' } });
    FakeWorker.last!.flush(); // layer 4, then the latest (0) goes out; 3 and 2 never do
    expect({ ...map().dataset }).toMatchObject({ layer: '4', state: 'updating' });
    FakeWorker.last!.flush();
    expect({ ...map().dataset }).toMatchObject({ layer: '0', state: 'ready' });
  });

  it('says why it cannot map a strategy without cached features, or features not shared', () => {
    const swept = sweptRun(true);
    const { unmount } = render(
      <CorpusByLayer swept={swept} inspected={inspectedCell(swept, 'pooler', 4)} />,
    );
    expect(screen.getByRole('note').textContent).toMatch(/^Pooler output has no cached features/);
    unmount();
    const plain = sweptRun(false);
    render(<CorpusByLayer swept={plain} inspected={inspectedCell(plain, 'mean', 4)} />);
    expect(screen.getByRole('note').textContent).toMatch(/not cross-origin isolated/);
    expect(screen.queryByRole('slider')).toBeNull();
  });
});
