import type { EngineState } from '../hooks/useEngine.ts';

interface Props {
  engine: EngineState;
  onRetry: () => void;
}

const STAGES: Record<string, string> = {
  download: 'Downloading model files',
  rewrite: 'Exposing every layer in the graph',
  session: 'Starting the inference session',
  warmup: 'Warming up (compiling kernels)',
};

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 ** 2).toFixed(1)} MB`;
}

/** Load progress (bytes per file), the running backend and dtype, or the error with a retry. */
export function EngineStatus({ engine, onRetry }: Props) {
  const { status, progress, stage, info, error } = engine;
  return (
    <section className="engine-status" aria-label="Engine status" aria-live="polite">
      {status === 'idle' && (
        <p>No encoder loaded yet. The readability estimate above needs none.</p>
      )}
      {status === 'loading' && (
        <>
          <p>{STAGES[stage ?? 'download'] ?? 'Loading'}…</p>
          <ul className="file-progress">
            {Object.values(progress).map((p) => (
              <li key={p.file}>
                <span className="file-name">{p.file}</span>
                <progress
                  max={p.total || undefined}
                  value={p.total ? p.loaded : undefined}
                  aria-label={`${p.file} download`}
                />
                <span>
                  {formatBytes(p.loaded)}
                  {p.total ? ` / ${formatBytes(p.total)}` : ''}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
      {status === 'ready' && info && (
        <p className="backend-badge" data-testid="backend">
          <strong>{info.modelId}</strong> on{' '}
          <strong data-testid="backend-name">{info.backend.toUpperCase()}</strong> ·{' '}
          <span data-testid="dtype">{info.dtype}</span>
          {info.backend !== 'webgpu' &&
            info.threads > 0 &&
            ` · ${info.threads} thread${info.threads > 1 ? 's' : ''}`}
          {info.adapter &&
            ` · ${info.adapter.description}${info.adapter.isSoftwareAdapter ? ' (software adapter: correct, not fast)' : ''}`}
          {` · ${info.layers} hidden states × ${info.hidden} · ready in ${(info.loadMs / 1000).toFixed(1)} s`}
        </p>
      )}
      {engine.notice && (
        <p role="status" className="warning" data-testid="engine-notice">
          {engine.notice}
        </p>
      )}
      {status === 'error' && error && (
        <div role="alert" className="error">
          <p>
            <strong>The encoder is not available.</strong> {error.message}
          </p>
          <button type="button" onClick={onRetry}>
            Retry
          </button>
        </div>
      )}
    </section>
  );
}
