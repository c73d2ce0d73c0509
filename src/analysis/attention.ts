/**
 * Attention maths on the probabilities the engine returns, `[layers, heads, tokens, tokens]`
 * (row q of a head: query token q's weights over the keys, summing to 1): one head's matrix, the
 * mean over heads, and attention rollout (Abnar & Zuidema, 2020, "Quantifying Attention Flow in
 * Transformers"): each layer's head-mean with the residual connection as an identity,
 * `0.5·A + 0.5·I`, rows renormalised, multiplied through the layers.
 */

/** Shape of a stack of attention probabilities. */
export interface AttentionShape {
  layers: number;
  heads: number;
  tokens: number;
}

/** One head's `[tokens, tokens]` matrix at a layer (a view, not a copy). */
export function headMatrix(
  attentions: Float32Array,
  { heads, tokens }: AttentionShape,
  layer: number,
  head: number,
): Float32Array {
  const size = tokens * tokens;
  const from = (layer * heads + head) * size;
  return attentions.subarray(from, from + size);
}

/** The mean over heads of one layer, `[tokens, tokens]`. */
export function meanOverHeads(
  attentions: Float32Array,
  shape: AttentionShape,
  layer: number,
): Float64Array {
  const { heads, tokens } = shape;
  const out = new Float64Array(tokens * tokens);
  for (let h = 0; h < heads; h++) {
    const m = headMatrix(attentions, shape, layer, h);
    for (let i = 0; i < out.length; i++) out[i] += m[i] / heads;
  }
  return out;
}

/**
 * Attention rollout up to and including `layer`: `R_0 = Â_0`, `R_l = Â_l · R_{l−1}`, where
 * `Â_l` is layer l's head-mean mixed half and half with the identity, rows renormalised.
 * Row q of the result: how much each input token flows into token q's state at that layer.
 */
export function rollout(
  attentions: Float32Array,
  shape: AttentionShape,
  layer: number,
): Float64Array {
  const { tokens } = shape;
  let acc: Float64Array | null = null;
  for (let l = 0; l <= layer; l++) {
    const a = meanOverHeads(attentions, shape, l);
    for (let q = 0; q < tokens; q++) {
      let sum = 0;
      for (let k = 0; k < tokens; k++) {
        const v = 0.5 * a[q * tokens + k] + (q === k ? 0.5 : 0);
        a[q * tokens + k] = v;
        sum += v;
      }
      for (let k = 0; k < tokens; k++) a[q * tokens + k] /= sum;
    }
    if (!acc) {
      acc = a;
      continue;
    }
    const next = new Float64Array(tokens * tokens);
    for (let q = 0; q < tokens; q++)
      for (let m = 0; m < tokens; m++) {
        const w = a[q * tokens + m];
        if (w === 0) continue;
        for (let k = 0; k < tokens; k++) next[q * tokens + k] += w * acc[m * tokens + k];
      }
    acc = next;
  }
  return acc ?? new Float64Array(tokens * tokens);
}
