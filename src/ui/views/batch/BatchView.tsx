import { useEffect, useMemo, useRef, useState } from 'react';
import { goodRows, rowProblems } from '../../../data/csv.ts';
import { isDataError } from '../../../data/errors.ts';
import {
  deleteBatch,
  listBatches,
  loadBatch,
  type BatchInfo,
  type BatchKey,
} from '../../../data/store.ts';
import { csvBlob, submissionCsv } from '../../../data/submission.ts';
import {
  batchModelId,
  describeScorer,
  DEFAULT_CHUNK_ROWS,
  fullResultsCsv,
  runBatch,
  scorerId,
  scorerProblem,
  type BatchRunProgress,
  type ExtraHead,
  type Scorer,
  type ScoredRow,
} from '../../../pipeline/batchRun.ts';
import type { useEngine } from '../../hooks/useEngine.ts';
import { useHeads } from '../../hooks/useHeads.ts';
import { useReadabilityClient } from '../../hooks/useReadability.ts';
import { loadedModel } from '../../../pipeline/scoring.ts';
import { headFits } from '../../../analysis/head.ts';
import { CsvPicker } from './CsvPicker.tsx';
import { downloadBlob } from './download.ts';
import { Histogram } from './Histogram.tsx';
import { RowProblems } from './RowProblems.tsx';
import { RunProgress } from './RunProgress.tsx';
import { ScorerPicker, type ScorerKind } from './ScorerPicker.tsx';
import { useCsvFile } from './useCsvFile.ts';
import { useStore } from './useStore.ts';
import './batch.css';

interface Props {
  engine: ReturnType<typeof useEngine>;
}

type RunState =
  | { phase: 'idle' }
  | { phase: 'running'; key: string; progress: BatchRunProgress | null; isStopping: boolean }
  | {
      phase: 'finished';
      key: string;
      status: 'done' | 'cancelled';
      results: Map<string, ScoredRow>;
      progress: BatchRunProgress | null;
    }
  | { phase: 'error'; key: string; message: string };

const CHUNK_CHOICES = [8, 16, 32, 64] as const;

function chunkFromUrl(): number {
  const n = Number(new URLSearchParams(location.search).get('chunk'));
  return Number.isInteger(n) && n > 0 && n <= 256 ? n : DEFAULT_CHUNK_ROWS;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Score a test.csv: validate, pick the scorer, run with resume, download submission and results. */
export function BatchView({ engine }: Props) {
  const { info } = engine;
  const { embedChunk, retry } = engine.actions;
  const [recoveries, setRecoveries] = useState<string[]>([]);
  const { db, error: storeError } = useStore();
  const heads = useHeads();
  const readability = useReadabilityClient();
  const csv = useCsvFile('test');
  const [isSkipping, setSkipping] = useState(false);
  const [choice, setChoice] = useState<ScorerKind | null>(null);
  const [chunkRows, setChunkRows] = useState(chunkFromUrl);
  const [run, setRun] = useState<RunState>({ phase: 'idle' });
  const [saved, setSaved] = useState<{ key: string; count: number } | null>(null);
  const [unfinished, setUnfinished] = useState<BatchInfo[]>([]);
  const [downloadError, setDownloadError] = useState<string | null>(null);
  const controller = useRef<AbortController | null>(null);

  useEffect(() => () => controller.current?.abort(), []);

  const file = csv.state.phase === 'ready' ? csv.state.file : null;
  const fileName = csv.state.phase === 'ready' ? csv.state.name : '';
  const rows = useMemo(() => (file ? goodRows(file.parsed) : []), [file]);
  const problems = useMemo(() => (file ? rowProblems(file.parsed) : []), [file]);

  const active = heads.active;
  const options = useMemo<Scorer[]>(
    () => [
      ...(active
        ? [{ kind: 'head' as const, headId: active.id, name: active.name, head: active.head }]
        : []),
      { kind: 'regression' },
      { kind: 'lite' },
    ],
    [active],
  );
  const usable = options.filter((s) => scorerProblem(s, info) === null);
  const scorer = usable.find((s) => s.kind === choice) ?? usable[0] ?? ({ kind: 'lite' } as Scorer);
  const needsModel = scorer.kind !== 'lite';
  const isModelReady = engine.status === 'ready';

  // Every saved head that fits the loaded model adds a column to the full results.
  const extras = useMemo<ExtraHead[]>(() => {
    if (!info) return [];
    const used = new Set<string>();
    return heads.heads
      .filter((r) => headFits(r.head, loadedModel(info)).ok)
      .map((r) => {
        let column = `head: ${r.name}`;
        for (let n = 2; used.has(column); n++) column = `head: ${r.name} (${n})`;
        used.add(column);
        return { column, head: r.head };
      });
  }, [heads.heads, info]);

  const batchKey: BatchKey | null = file
    ? { fileHash: file.fileHash, modelId: batchModelId(scorer, info), headId: scorerId(scorer) }
    : null;
  const keyString = batchKey ? JSON.stringify(batchKey) : '';

  useEffect(() => {
    if (!db || !keyString) return;
    let live = true;
    loadBatch(db, JSON.parse(keyString) as BatchKey)
      .then((b) => live && setSaved({ key: keyString, count: b?.info.scoredRows ?? 0 }))
      .catch(() => live && setSaved(null));
    return () => {
      live = false;
    };
  }, [db, keyString, run.phase]);

  useEffect(() => {
    if (!db) return;
    let live = true;
    listBatches(db)
      .then((all) => live && setUnfinished(all.filter((b) => b.scoredRows < b.totalRows)))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [db, run.phase]);

  const savedCount = saved?.key === keyString ? saved.count : 0;
  const isRunning = run.phase === 'running';
  const isDecided = problems.length === 0 || isSkipping;
  const canStart =
    !!file && rows.length > 0 && isDecided && !isRunning && (!needsModel || isModelReady);

  const pickFile = (f: File) => {
    setSkipping(false);
    setRun({ phase: 'idle' });
    setDownloadError(null);
    csv.pick(f);
  };
  const clearFile = () => {
    controller.current?.abort();
    setSkipping(false);
    setRun({ phase: 'idle' });
    setDownloadError(null);
    csv.clear();
  };

  const start = async () => {
    if (!batchKey) return;
    const c = new AbortController();
    controller.current = c;
    const key = keyString;
    setDownloadError(null);
    setRecoveries([]);
    setRun({ phase: 'running', key, progress: null, isStopping: false });
    try {
      const out = await runBatch({
        rows,
        key: batchKey,
        fileName,
        db,
        scorer,
        extras: scorer.kind === 'lite' ? [] : extras,
        embed: embedChunk,
        // The lite score and formulas of each chunk, off the page.
        textColumns: (texts) => readability.columns(texts),
        // A crashed engine comes back without its model: reload it and carry on from what is saved.
        recover: async (e) => {
          setRecoveries((r) => [...r, message(e)]);
          return (await retry()) !== null;
        },
        chunkRows,
        signal: c.signal,
        onProgress: (progress) =>
          setRun((r) => (r.phase === 'running' && r.key === key ? { ...r, progress } : r)),
      });
      if (c.signal.aborted && controller.current !== c) return;
      setRun((r) => ({
        phase: 'finished',
        key,
        status: out.status,
        results: out.results,
        progress: r.phase === 'running' ? r.progress : null,
      }));
    } catch (e) {
      setRun({ phase: 'error', key, message: message(e) });
    }
  };

  const cancel = () => {
    controller.current?.abort();
    setRun((r) => (r.phase === 'running' ? { ...r, isStopping: true } : r));
  };

  const forget = async () => {
    if (!db || !batchKey) return;
    await deleteBatch(db, batchKey).catch((e: unknown) => setDownloadError(message(e)));
    setRun({ phase: 'idle' });
    setSaved({ key: keyString, count: 0 });
  };

  const results = run.phase === 'finished' && run.key === keyString ? run.results : null;
  const ids = rows.map((r) => r.id);
  const isComplete = !!results && ids.every((id) => results.has(id));

  const download = (kind: 'submission' | 'results') => {
    if (!results) return;
    setDownloadError(null);
    try {
      if (kind === 'submission') {
        const scores = ids.flatMap((id) => {
          const r = results.get(id);
          return r ? [{ id, target: r.target }] : [];
        });
        downloadBlob(csvBlob(submissionCsv(ids, scores)), 'submission.csv');
      } else {
        downloadBlob(csvBlob(fullResultsCsv(ids, results)), 'results.csv');
      }
    } catch (e) {
      setDownloadError(isDataError(e) ? e.message : `The file could not be written: ${message(e)}`);
    }
  };

  const goodIds = new Set(ids);
  const absentIds = [
    ...new Set(problems.flatMap((p) => (p.id && !goodIds.has(p.id) ? [p.id] : []))),
  ];
  const noIdRows = problems.filter((p) => !p.id).length;

  return (
    <div className="batch-view">
      <h2>Score a file</h2>
      <p>
        Upload a CommonLit <code>test.csv</code> (<code>id,url_legal,license,excerpt</code>, or any
        file with an <code>id</code> column and an <code>excerpt</code> or <code>text</code> column)
        and download <code>submission.csv</code>. Progress is kept in this browser, so a reload
        resumes where it stopped.
      </p>
      {storeError && (
        <p className="warning" role="note">
          {storeError}
        </p>
      )}
      {unfinished.length > 0 && csv.state.phase === 'empty' && (
        <section aria-label="Unfinished batches">
          <h3>Unfinished batches</h3>
          <ul>
            {unfinished.map((b) => (
              <li key={`${b.fileHash}-${b.modelId}-${b.headId}`}>
                {b.fileName}: {b.scoredRows} of {b.totalRows} rows scored ({b.modelId}, {b.headId}).
                Choose the same file to resume.
              </li>
            ))}
          </ul>
        </section>
      )}
      <CsvPicker
        label="Texts to score (CSV)"
        hint="UTF-8, with or without BOM; any column order and header case. It is read in a background thread, so large files are fine."
        state={csv.state}
        onPick={pickFile}
        onClear={clearFile}
        disabled={isRunning}
      />
      {file && (
        <RowProblems
          problems={problems}
          totalRows={file.parsed.results.length}
          purpose="score"
          isSkipping={isSkipping}
          onSkip={() => setSkipping(true)}
          onStop={clearFile}
        />
      )}
      {file && isDecided && (
        <section aria-label="Scoring">
          <ScorerPicker
            options={options}
            chosen={scorer.kind}
            info={info}
            disabled={isRunning}
            onChoose={setChoice}
          />
          {!active && (
            <p className="hint">
              No head is active: fit one in “Fit heads” or import one there to score with a pooled
              encoder.
            </p>
          )}
          {needsModel && !isModelReady && (
            <p className="warning" role="note">
              The model is not ready ({engine.status}). Load it above, or score with the lite model.
            </p>
          )}
          <p>
            <label>
              Rows per chunk (each chunk is saved before the next starts){' '}
              <select
                value={chunkRows}
                disabled={isRunning}
                onChange={(e) => setChunkRows(Number(e.target.value))}
              >
                {[...new Set([...CHUNK_CHOICES, chunkRows])]
                  .sort((a, b) => a - b)
                  .map((n) => (
                    <option key={n} value={n}>
                      {n}
                    </option>
                  ))}
              </select>
            </label>
          </p>
          <p data-testid="scorer-used">
            Targets come from {describeScorer(scorer, info)}.
            {savedCount > 0 &&
              !isRunning &&
              ` ${savedCount} of ${rows.length} rows are already saved for this file, model and scorer.`}
          </p>
          <button type="button" onClick={() => void start()} disabled={!canStart}>
            {savedCount > 0 && savedCount < rows.length
              ? `Resume (${rows.length - savedCount} rows left)`
              : savedCount >= rows.length && rows.length > 0
                ? 'Load saved scores'
                : `Score ${rows.length} rows`}
          </button>{' '}
          {savedCount > 0 && !isRunning && (
            <button type="button" onClick={() => void forget()}>
              Forget saved scores
            </button>
          )}
        </section>
      )}
      {run.phase === 'running' && run.key === keyString && (
        <RunProgress
          label="Scoring progress"
          done={run.progress?.done ?? savedCount}
          total={rows.length}
          detail={run.progress?.resumed ? `${run.progress.resumed} resumed` : undefined}
          rowsPerSecond={run.progress?.rowsPerSecond}
          secondsLeft={run.progress?.secondsLeft}
          isStopping={run.isStopping}
          onCancel={cancel}
        />
      )}
      {recoveries.length > 0 && (
        <p role="status" className="warning" data-testid="batch-recovered">
          The engine stopped mid-batch ({recoveries.at(-1)}). It was restarted, the model reloaded,
          and scoring carried on from the last saved chunk; no row was scored twice.
        </p>
      )}
      {run.phase === 'error' && run.key === keyString && (
        <div className="error" role="alert">
          <p>
            Scoring stopped: {run.message} Rows saved before the failure are kept; start again to
            resume.
          </p>
        </div>
      )}
      {results && (
        <section aria-label="Results">
          <p role="status" data-testid="batch-status">
            {run.phase === 'finished' && run.status === 'cancelled'
              ? `Cancelled: ${results.size} of ${rows.length} rows are scored and saved. Resume to finish.`
              : `Done: ${results.size} of ${rows.length} rows scored.`}
          </p>
          {isSkipping && (absentIds.length > 0 || noIdRows > 0) && (
            <p role="note" data-testid="absent-ids">
              Skipped rows are not in the downloads.
              {absentIds.length > 0 &&
                ` These ${absentIds.length} ids are absent: ${absentIds.slice(0, 20).join(', ')}${absentIds.length > 20 ? ', …' : ''}.`}
              {noIdRows > 0 && ` ${noIdRows} skipped rows had no id.`}
            </p>
          )}
          <button type="button" onClick={() => download('submission')} disabled={!isComplete}>
            Download submission.csv
          </button>{' '}
          <button type="button" onClick={() => download('results')} disabled={results.size === 0}>
            Download full results
          </button>
          {!isComplete && (
            <p className="hint">The submission needs every row scored; resume the batch first.</p>
          )}
          {downloadError && (
            <p className="error" role="alert">
              {downloadError}
            </p>
          )}
          {results.size > 0 && (
            <Histogram
              values={ids.flatMap((id) => {
                const r = results.get(id);
                return r ? [r.target] : [];
              })}
              label="predicted target"
            />
          )}
        </section>
      )}
    </div>
  );
}
