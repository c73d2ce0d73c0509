/** Typed messages between the page and the readability worker (lite model, formulas, sentences). */
import type { FormulaResult } from '../../readability/formulas.ts';
import type { LitePrediction } from '../../readability/lite.ts';
import type { SentenceContribution } from '../../readability/sentences.ts';

/** The no-download scores of one text. */
export interface TextScores {
  text: string;
  lite: LitePrediction;
  formulas: FormulaResult[];
}

export type ReadabilityRequest =
  /**
   * One text's lite score and formulas, then (with `sentences`) its hard-sentence contributions.
   * Latest wins per channel: a newer text on the same channel abandons this one.
   */
  | { type: 'text'; requestId: number; channel: string; text: string; sentences: boolean }
  /** The lite score and formula columns of many texts (a batch chunk); always answered. */
  | { type: 'columns'; requestId: number; texts: string[] };

export type ReadabilityEvent =
  | { status: 'scores'; requestId: number; scores: TextScores; ms: number }
  | {
      status: 'sentences';
      requestId: number;
      text: string;
      contributions: SentenceContribution[];
      ms: number;
    }
  | { status: 'columns'; requestId: number; columns: Record<string, number>[]; ms: number }
  /** A newer text on the same channel arrived first; nothing more comes for this request. */
  | { status: 'superseded'; requestId: number }
  | { status: 'error'; requestId: number; message: string };
