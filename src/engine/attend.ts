/**
 * Attention for one text at a time: a second session on a graph rewritten to return every
 * layer's attention probabilities, created the first time a text is asked for and kept after.
 * Batch work runs on the engine's own session and never pays for attention.
 */
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { runBatch, toFloat32, tokenize } from './encode.ts';
import { EngineError } from './errors.ts';
import { ATTENTIONS, rewriteForHiddenStates } from './graph.ts';
import type { AttendedText, Backend } from './protocol.ts';
import { GraphError } from './residual.ts';
import { createSession, type OrtModule, type OrtSession } from './session.ts';

/** What the runner needs of the loaded model. */
export interface AttentionSource {
  ort: OrtModule;
  backend: Backend;
  threads: number;
  tokenizer: PreTrainedTokenizer;
  padId: number;
  maxTokens: number;
  expectedLayers?: number;
  /** Reads the model's ONNX file again (from the browser's cache or the disk). */
  readOnnx: () => Promise<Uint8Array>;
}

export class AttentionRunner {
  private session: Promise<OrtSession> | null = null;

  constructor(private readonly source: AttentionSource) {}

  /** The attention session, started on first use; a failed start is forgotten so a retry works. */
  private start(): Promise<OrtSession> {
    this.session ??= (async () => {
      const { ort, backend, threads, expectedLayers } = this.source;
      let bytes: Uint8Array;
      try {
        const rewrite = rewriteForHiddenStates(await this.source.readOnnx(), {
          pooling: false,
          attentions: true,
          expectedLayers,
        });
        bytes = rewrite.bytes;
      } catch (e) {
        if (e instanceof GraphError) throw new EngineError('no-attention', e.message);
        throw e;
      }
      return createSession(ort, bytes, backend, threads);
    })().catch((e: unknown) => {
      this.session = null;
      throw e;
    });
    return this.session;
  }

  /** Every layer's attention probabilities for one text, cut to the model's length. */
  async attend(text: string): Promise<AttendedText> {
    const session = await this.start();
    const { tokenizer, padId, maxTokens } = this.source;
    const t = tokenize(tokenizer, text, maxTokens);
    const { outputs } = await runBatch(this.source.ort, session, [t], padId, [ATTENTIONS]);
    const tensor = outputs[ATTENTIONS]; // [layers, 1, heads, tokens, tokens]
    const [layers, , heads, tokens] = tensor.dims;
    return {
      tokens: t.ids.map((id) => tokenizer.decode([id])),
      ids: t.ids,
      truncation:
        t.totalTokens > tokens ? { keptTokens: tokens, totalTokens: t.totalTokens } : null,
      layers,
      heads,
      attentions: toFloat32(tensor),
    };
  }

  /** Frees the attention session if one was started. */
  async release(): Promise<void> {
    const session = await this.session?.catch(() => null);
    await session?.release();
    this.session = null;
  }
}
