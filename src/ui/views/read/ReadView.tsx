import { useEffect, useMemo, useState } from 'react';
import { headFits } from '../../../analysis/head.ts';
import type { EncodedText, ModelInfo } from '../../../engine/protocol.ts';
import { useCalibration } from '../../hooks/useCalibration.ts';
import { useEncoderScorer } from '../../hooks/useEncoderScorer.ts';
import type { useEngine } from '../../hooks/useEngine.ts';
import { useHeads } from '../../hooks/useHeads.ts';
import { useReadAnalysis } from '../../hooks/useReadAnalysis.ts';
import { useReadabilityClient, useTextReadability } from '../../hooks/useReadability.ts';
import { encoderSource, loadedModel } from '../../../pipeline/scoring.ts';
import { HardSentences } from '../HardSentences.tsx';
import { AttentionPanel } from './AttentionPanel.tsx';
import { CalibratePanel } from './CalibratePanel.tsx';
import { ContributionsPanel } from './ContributionsPanel.tsx';
import { LayersPanel } from './LayersPanel.tsx';
import { PoolingPanel } from './PoolingPanel.tsx';
import { ScorePanel, type EncoderScore, type HeadChoice } from './ScorePanel.tsx';
import { useEncoderSentences } from './useEncoderSentences.ts';
import { useDebounced } from './useDebounced.ts';
import { useHeadReadings } from './useHeadReadings.ts';
import { useReadChoices } from './useReadChoices.ts';

/** How long typing must pause before the page recomputes. */
export const SETTLE_MS = 300;

interface Props {
  text: string;
  onTextChange: (text: string) => void;
  engine: ReturnType<typeof useEngine>;
}

interface Encoded {
  info: ModelInfo;
  text: string;
  result: EncodedText;
}

function waitingMessage(engine: Props['engine'], hasText: boolean): string | null {
  switch (engine.status) {
    case 'idle':
      return 'Load an encoder above to see how it reads the text, layer by layer.';
    case 'loading':
      return 'The encoder is loading (progress above); its layers appear here when it is ready.';
    case 'error':
      // The reason and Retry sit in the Model section; repeating it in every panel buried the text.
      return 'The encoder is not available: the Model section at the top says why, with a Retry button. The lite score above still works.';
    case 'ready':
      return hasText ? null : 'Enter some text to see how the encoder reads it.';
  }
}

/**
 * The playground: type a text; the lite score shows before any model, and after a short pause
 * the lite and encoder scores, every layer and every pooling strategy update. Inference runs in the
 * engine's worker, the analysis (PCA, pooling, similarities) in the Read view's own and the lite
 * model, formulas and hard sentences in the readability worker, so typing never waits.
 */
export function ReadView({ text, onTextChange, engine }: Props) {
  const { encode, attend, contribute, embed } = engine.actions;
  const info = engine.status === 'ready' ? engine.info : null;
  const settled = useDebounced(text, SETTLE_MS);
  const hasText = settled.trim().length > 0;
  const { layer: layerChoice, strategy, setLayer, setStrategy } = useReadChoices();
  const heads = useHeads();

  const [encoded, setEncoded] = useState<Encoded | null>(null);
  const [encodeError, setEncodeError] = useState<string | null>(null);
  useEffect(() => {
    if (!info || !hasText) return;
    let live = true;
    encode(settled)
      .then((result) => {
        if (!live) return;
        setEncoded({ info, text: settled, result });
        setEncodeError(null);
      })
      .catch((e: unknown) => live && setEncodeError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [info, settled, hasText, encode]);
  const current = encoded && encoded.info === info && hasText ? encoded : null;
  const result = current?.result ?? null;
  const isEncoding = !!info && hasText && current?.text !== settled;

  const layers = result?.layers ?? info?.layers ?? 1;
  const layer = Math.min(Math.max(layerChoice ?? layers - 1, 0), layers - 1);
  const analysis = useReadAnalysis(result, layer);

  // The lite score, formulas and hard sentences come from the readability worker.
  const readability = useReadabilityClient();
  const lite = useTextReadability(readability, settled, { withSentences: true });
  const hard = lite.hard;

  const { readings, pooler, regression, windows } = useHeadReadings(
    embed,
    info,
    hasText ? settled : '',
    heads.heads,
    heads.activeId,
  );

  const headChoices = useMemo<HeadChoice[]>(
    () =>
      heads.heads.map((h) => ({
        id: h.id,
        label: `${h.name} (${h.head.strategy}@${h.head.layer}, ±${h.head.cvRmse.toFixed(2)})`,
        fits: !info || headFits(h.head, loadedModel(info)).ok,
      })),
    [heads.heads, info],
  );

  const encoderScore = useMemo<EncoderScore>(() => {
    if (engine.status === 'error')
      return { kind: 'error', message: engine.error?.message ?? 'unknown error' };
    if (!info) return { kind: 'waiting', loading: engine.status === 'loading' };
    if (encodeError) return { kind: 'error', message: encodeError };
    const source = encoderSource(info, heads.active);
    // The batch path reads a long text in windows; the single-text view stops at the first.
    if (source.kind === 'regression')
      return regression
        ? {
            kind: 'regression',
            score: regression.score,
            modelId: info.modelId,
            windows: regression.windows,
          }
        : { kind: 'computing' };
    if (source.kind === 'none') return { kind: 'no-head', reason: source.reason };
    const { active } = source;
    if (readings.kind === 'error') return { kind: 'error', message: readings.message };
    const mine =
      readings.kind === 'ready' ? readings.readings.find((r) => r.id === active.id) : null;
    return mine
      ? {
          kind: 'head',
          score: mine.score,
          name: active.name,
          cvRmse: active.head.cvRmse,
          windows,
          trainedOn: active.head.trainedOn,
        }
      : { kind: 'computing' };
  }, [engine.status, engine.error, info, encodeError, regression, heads.active, readings, windows]);

  const calibration = useCalibration(engine);
  const { start: startCalibration, cancel: cancelCalibration } = calibration;
  const calibrate = useMemo(
    () =>
      info && (
        <CalibratePanel
          modelId={info.modelId}
          state={calibration.state}
          onStart={(size) => void startCalibration(size)}
          onCancel={cancelCalibration}
        />
      ),
    [info, calibration.state, startCalibration, cancelCalibration],
  );

  // What the words panel splits: the active head's score, where a head scores this model.
  const splitSource = useMemo(() => {
    if (!info) return { active: null, noHead: null };
    const source = encoderSource(info, heads.active);
    if (source.kind === 'head') return { active: source.active, noHead: null };
    return {
      active: null,
      noHead:
        source.kind === 'regression'
          ? 'This export scores with its own fine-tuned layers, which are not linear in the token states: its score has no exact split over words. Heads fitted in the Fit view on mean, max, mean-max or the mean of the last layers split exactly.'
          : (source.reason ??
            'No head is active: fit one in the Fit view, import one, or calibrate this model above; a head on mean, max, mean-max or the mean of the last layers splits exactly over the words.'),
    };
  }, [info, heads.active]);

  const waiting = waitingMessage(engine, hasText);
  // The sentences are measured by what scores the text: the encoder's scorer where there is one
  // (an engine call per variant of each settled text), the lite model meanwhile and otherwise.
  const encoderScorer = useEncoderScorer(engine);
  const encoderHard = useEncoderSentences(encoderScorer, hasText ? settled : '');
  const hardSentences = useMemo(() => {
    if (hasText && encoderScorer && encoderHard?.contributions) {
      return (
        <HardSentences
          text={encoderHard.text}
          contributions={encoderHard.contributions}
          source={encoderScorer.label}
          updating={encoderHard.text !== settled}
        />
      );
    }
    const pending = encoderScorer && !encoderHard?.error;
    const source = !encoderScorer
      ? 'lite model'
      : pending
        ? `lite model, until ${encoderScorer.label} has measured them`
        : `lite model: ${encoderScorer.label} could not measure them (${encoderHard?.error})`;
    return (
      <HardSentences
        text={hard?.text ?? settled}
        contributions={hard?.contributions ?? null}
        source={source}
        updating={(!!hard && hard.text !== settled) || !!pending}
      />
    );
  }, [settled, hasText, hard, encoderScorer, encoderHard]);
  // The last fully analysed text stays on screen (marked as updating) while the next is analysed.
  const kept = analysis.shown;
  const shown =
    result && kept && kept.result.layers === result.layers && kept.result.hidden === result.hidden
      ? kept
      : null;
  const isStale = !!shown && shown.result !== result;

  return (
    <div className="read-view">
      <label className="text-input">
        Text (stays in this tab)
        <textarea value={text} onChange={(e) => onTextChange(e.target.value)} rows={8} />
      </label>
      <ScorePanel
        lite={lite.scores}
        liteError={lite.error}
        encoder={encoderScore}
        heads={headChoices}
        activeId={heads.activeId}
        onActivate={heads.actions.activate}
        updating={text !== settled || isEncoding || lite.scores?.text !== settled}
        calibrate={calibrate}
      />
      <ContributionsPanel
        text={hasText ? settled : ''}
        contribute={info ? contribute : null}
        active={splitSource.active}
        noHead={splitSource.noHead}
      />
      <LayersPanel
        result={shown?.result ?? null}
        overview={shown?.overview ?? null}
        view={shown?.view ?? null}
        layer={layer}
        onLayer={setLayer}
        waiting={waiting ?? (encodeError ? `Encoding failed: ${encodeError}` : 'Reading the text…')}
        updating={isEncoding || analysis.busy || isStale}
      />
      <AttentionPanel text={hasText ? settled : ''} attend={info ? attend : null} model={info} />
      <PoolingPanel
        layers={layers}
        hidden={result?.hidden ?? info?.hidden ?? 0}
        layer={layer}
        onLayer={setLayer}
        strategy={strategy}
        onStrategy={setStrategy}
        view={shown?.view ?? null}
        pooler={pooler}
        heads={readings}
        waiting={waiting ?? (shown?.view ? null : 'Pooling every strategy…')}
      />
      {hardSentences}
    </div>
  );
}
