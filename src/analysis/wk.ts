// SBERT-WK (Wang & Kuo, 2020) as used by the notebook's WKPooling. Differences, on purpose:
// the left context window is clipped at the first layer (the published code slices with a negative
// start, which silently empties the window for the first layers), and R comes from modified
// Gram–Schmidt with a positive diagonal; the alignment and novelty scores are invariant to the
// signs a Householder QR would choose.

const EPS = 1e-8;

/** R of the thin QR of the columns `cols` (each of length `hidden`), m×m upper triangular. */
function qrR(cols: Float64Array[], hidden: number): Float64Array {
  const m = cols.length;
  const r = new Float64Array(m * m);
  const q: Float64Array[] = [];
  for (let j = 0; j < m; j++) {
    const v = Float64Array.from(cols[j]);
    for (let i = 0; i < j; i++) {
      let dot = 0;
      for (let k = 0; k < hidden; k++) dot += q[i][k] * v[k];
      r[i * m + j] = dot;
      for (let k = 0; k < hidden; k++) v[k] -= dot * q[i][k];
    }
    let norm = 0;
    for (let k = 0; k < hidden; k++) norm += v[k] * v[k];
    norm = Math.sqrt(norm);
    r[j * m + j] = norm;
    if (norm > 0) for (let k = 0; k < hidden; k++) v[k] /= norm;
    q.push(v);
  }
  return r;
}

function normalise(x: Float64Array): void {
  let s = 0;
  for (const v of x) s += v;
  if (s !== 0 && Number.isFinite(s)) for (let i = 0; i < x.length; i++) x[i] /= s;
  else x.fill(1 / x.length);
}

/** One token's layers [layers, hidden] → one vector, weighted by alignment and novelty. */
export function unifyToken(
  stack: Float64Array, // [layers, hidden]
  layers: number,
  hidden: number,
  window: number,
): Float64Array {
  const alignment = new Float64Array(layers);
  const novelty = new Float64Array(layers);
  const row = (l: number) => stack.subarray(l * hidden, (l + 1) * hidden);
  for (let k = 0; k < layers; k++) {
    const cols: Float64Array[] = [];
    for (let l = Math.max(0, k - window); l < k; l++) cols.push(row(l));
    for (let l = k + 1; l <= Math.min(layers - 1, k + window); l++) cols.push(row(l));
    cols.push(row(k)); // the token's own layer goes last, as in the paper
    const m = cols.length;
    const r = qrR(cols, hidden);
    // Mean of the normalised columns of R[:-1, :-1] (one entry per row), dotted with r[:-1].
    const colNorm = new Float64Array(m - 1);
    for (let j = 0; j < m - 1; j++) {
      let s = 0;
      for (let i = 0; i < m - 1; i++) s += r[i * m + j] ** 2;
      colNorm[j] = Math.sqrt(s) || 1;
    }
    let dot = 0;
    let rTop2 = 0;
    for (let i = 0; i < m - 1; i++) {
      let mean = 0;
      for (let j = 0; j < m - 1; j++) mean += r[i * m + j] / colNorm[j];
      mean /= m - 1;
      const ri = r[i * m + m - 1];
      dot += mean * ri;
      rTop2 += ri * ri;
    }
    const rLast = r[(m - 1) * m + m - 1];
    const align = dot / Math.max(Math.sqrt(rTop2), EPS);
    alignment[k] = 1 / (align * m * 2);
    novelty[k] = Math.abs(rLast) / Math.max(Math.sqrt(rTop2 + rLast * rLast), EPS);
  }
  normalise(alignment);
  normalise(novelty);
  const out = new Float64Array(hidden);
  const alpha = new Float64Array(layers);
  for (let k = 0; k < layers; k++) alpha[k] = alignment[k] + novelty[k];
  normalise(alpha);
  for (let k = 0; k < layers; k++)
    for (let h = 0; h < hidden; h++) out[h] += alpha[k] * stack[k * hidden + h];
  return out;
}

/** Sentence vector: unified tokens weighted by the variance of their consecutive-layer cosines. */
export function unifySentence(
  stacks: Float64Array[], // per token: [layers, hidden]
  unified: Float64Array[], // per token: [hidden]
  layers: number,
  hidden: number,
  out: Float64Array, // [hidden], accumulated into
): void {
  const n = stacks.length;
  if (n === 0) return;
  const variance = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const s = stacks[t];
    const sims = new Float64Array(layers - 1);
    for (let l = 0; l + 1 < layers; l++) {
      let dot = 0;
      let a2 = 0;
      let b2 = 0;
      for (let h = 0; h < hidden; h++) {
        const a = s[l * hidden + h];
        const b = s[(l + 1) * hidden + h];
        dot += a * b;
        a2 += a * a;
        b2 += b * b;
      }
      sims[l] = dot / Math.max(Math.sqrt(a2) * Math.sqrt(b2), EPS);
    }
    let mean = 0;
    for (const v of sims) mean += v;
    mean /= sims.length;
    let ss = 0;
    for (const v of sims) ss += (v - mean) ** 2;
    variance[t] = ss / (sims.length - 1); // unbiased, like torch.var
  }
  normalise(variance);
  for (let t = 0; t < n; t++)
    for (let h = 0; h < hidden; h++) out[h] += variance[t] * unified[t][h];
}
