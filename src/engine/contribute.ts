/**
 * A ridge head's score of one text split exactly over its tokens (analysis/contributions), on the
 * engine's own session: the text is read in the windows the batch path reads it in, one window at
 * a time, so a long text never holds every window's states at once.
 */
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import {
  ContributionSum,
  isDecomposable,
  type ContributionWindow,
} from '../analysis/contributions.ts';
import type { RidgeHead } from '../analysis/head.ts';
import { HIDDEN_STATES } from './graph.ts';
import { runBatch, textStates, toFloat32, type TokenWindow } from './encode.ts';
import { EngineError } from './errors.ts';
import type { ContributedText } from './protocol.ts';
import type { OrtModule, OrtSession } from './session.ts';
import { tokenWords } from './words.ts';

/** What the split needs of the loaded engine. */
export interface ContributeSource {
  ort: OrtModule;
  session: OrtSession;
  tokenizer: PreTrainedTokenizer;
  padId: number;
  layers: number;
  hidden: number;
  /** The batch path's windows of a whole text's ids. */
  windowsOf: (ids: readonly number[]) => TokenWindow[];
}

/** Checks that `head` can be split on this model, with a sentence that says why not. */
function checkHead(head: RidgeHead, layers: number, hidden: number): void {
  if (!isDecomposable(head.strategy)) {
    throw new EngineError(
      'no-split',
      `A ${head.strategy} head has no exact split over tokens: choose a head on mean, max, mean-max or the mean of the last layers.`,
    );
  }
  if (head.hidden !== hidden || head.layer >= layers) {
    throw new EngineError(
      'no-split',
      `This head was fitted on a model with ${head.hidden} hidden units (layer ${head.layer}); the loaded one has ${hidden} and ${layers} layers.`,
    );
  }
}

/**
 * The head's score of `text` as an intercept plus one term per token, and the tokens as words.
 * `onWindow` sees each window's states as it is read (tests pool them by plain loops).
 */
export async function contributeText(
  src: ContributeSource,
  text: string,
  head: RidgeHead,
  onWindow?: (window: ContributionWindow) => void,
): Promise<ContributedText> {
  const { layers, hidden } = src;
  checkHead(head, layers, hidden);
  const ids = src.tokenizer.encode(text);
  const windows = src.windowsOf(ids);
  const lengthSum = windows.reduce((s, w) => s + w.ids.length, 0);
  const sum = new ContributionSum(head, ids.length, lengthSum, layers);
  for (const w of windows) {
    const row = { ids: w.ids, totalTokens: w.ids.length };
    const { seqLen, outputs } = await runBatch(src.ort, src.session, [row], src.padId, [
      HIDDEN_STATES,
    ]);
    const all = toFloat32(outputs[HIDDEN_STATES]); // [layers, 1, seqLen, hidden]
    const n = w.ids.length;
    const data = textStates(all, layers, 1, seqLen, hidden, 0, n);
    const mask = new Uint8Array(n).fill(1);
    const window = { states: { data, layers, tokens: n, hidden, mask }, positions: w.positions };
    onWindow?.(window);
    sum.add(window);
  }
  const { intercept, tokens } = sum.result();
  const { words, special } = tokenWords(src.tokenizer, ids);
  return { ids, words, special, intercept, tokens, windows: windows.length };
}
