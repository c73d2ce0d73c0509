// LSTM and GRU cells over a short sequence (the layers' CLS vectors) with hand-written
// backpropagation through time. Gate layouts follow PyTorch (LSTM: i, f, g, o; GRU: r, z, n) so
// weights are easy to compare. Parameters live in one Float64Array; `offsets` names its slices.

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Where each weight block of a recurrent cell lives in the flat parameter vector. */
export interface RecurrentLayout {
  cell: 'lstm' | 'gru';
  input: number;
  units: number;
  wx: number; // [gates·units, input]
  wh: number; // [gates·units, units]
  bx: number; // [gates·units]
  bh: number; // [gates·units]
  size: number;
}

/** Parameter layout of an LSTM (4 gates) or GRU (3 gates) starting at `start`. */
export function recurrentLayout(
  cell: 'lstm' | 'gru',
  input: number,
  units: number,
  start: number,
): RecurrentLayout {
  const g = (cell === 'lstm' ? 4 : 3) * units;
  const wx = start;
  const wh = wx + g * input;
  const bx = wh + g * units;
  const bh = bx + g;
  return { cell, input, units, wx, wh, bx, bh, size: bh + g - start };
}

/** Forward pass over `steps` inputs; returns the last hidden state and a closure for its gradient. */
export function runRecurrent(
  p: Float64Array,
  l: RecurrentLayout,
  xs: Float64Array, // [steps, input]
  steps: number,
): { h: Float64Array; backward: (dh: Float64Array, grad: Float64Array) => void } {
  const { units: H, input: I } = l;
  const G = (l.cell === 'lstm' ? 4 : 3) * H;
  const pre = new Float64Array(steps * G); // [steps, G] input part + bias, then activations
  const hid = new Float64Array((steps + 1) * H); // [steps + 1, H], h₀ = 0
  const cel = new Float64Array((steps + 1) * H); // LSTM cell states
  const hh = new Float64Array(steps * G); // GRU: Wh·h + bh, needed for the n gate
  for (let t = 0; t < steps; t++) {
    const a = pre.subarray(t * G, (t + 1) * G);
    const hPrev = hid.subarray(t * H, (t + 1) * H);
    const rec = hh.subarray(t * G, (t + 1) * G);
    for (let r = 0; r < G; r++) {
      let s = p[l.bx + r];
      const wrow = l.wx + r * I;
      for (let k = 0; k < I; k++) s += p[wrow + k] * xs[t * I + k];
      let q = p[l.bh + r];
      const hrow = l.wh + r * H;
      for (let k = 0; k < H; k++) q += p[hrow + k] * hPrev[k];
      a[r] = s;
      rec[r] = q;
    }
    for (let u = 0; u < H; u++) {
      if (l.cell === 'lstm') {
        const i = sigmoid(a[u] + rec[u]);
        const f = sigmoid(a[H + u] + rec[H + u]);
        const g = Math.tanh(a[2 * H + u] + rec[2 * H + u]);
        const o = sigmoid(a[3 * H + u] + rec[3 * H + u]);
        a[u] = i;
        a[H + u] = f;
        a[2 * H + u] = g;
        a[3 * H + u] = o;
        const c = f * cel[t * H + u] + i * g;
        cel[(t + 1) * H + u] = c;
        hid[(t + 1) * H + u] = o * Math.tanh(c);
      } else {
        const r = sigmoid(a[u] + rec[u]);
        const z = sigmoid(a[H + u] + rec[H + u]);
        const n = Math.tanh(a[2 * H + u] + r * rec[2 * H + u]);
        a[u] = r;
        a[H + u] = z;
        a[2 * H + u] = n;
        hid[(t + 1) * H + u] = (1 - z) * n + z * hPrev[u];
      }
    }
  }

  const backward = (dhLast: Float64Array, grad: Float64Array) => {
    let dh = Float64Array.from(dhLast);
    let dc = new Float64Array(H);
    const dpre = new Float64Array(G); // gradient w.r.t. the input-side pre-activation
    const drec = new Float64Array(G); // … and the recurrent-side one (differs for GRU's n gate)
    for (let t = steps - 1; t >= 0; t--) {
      const a = pre.subarray(t * G, (t + 1) * G);
      const rec = hh.subarray(t * G, (t + 1) * G);
      const hPrev = hid.subarray(t * H, (t + 1) * H);
      const dhPrev = new Float64Array(H);
      const dcPrev = new Float64Array(H);
      for (let u = 0; u < H; u++) {
        if (l.cell === 'lstm') {
          const [i, f, g, o] = [a[u], a[H + u], a[2 * H + u], a[3 * H + u]];
          const tc = Math.tanh(cel[(t + 1) * H + u]);
          const dcu = dc[u] + dh[u] * o * (1 - tc * tc);
          dpre[u] = dcu * g * i * (1 - i);
          dpre[H + u] = dcu * cel[t * H + u] * f * (1 - f);
          dpre[2 * H + u] = dcu * i * (1 - g * g);
          dpre[3 * H + u] = dh[u] * tc * o * (1 - o);
          dcPrev[u] = dcu * f;
          for (let k = 0; k < 4; k++) drec[k * H + u] = dpre[k * H + u];
        } else {
          const [r, z, n] = [a[u], a[H + u], a[2 * H + u]];
          const dn = dh[u] * (1 - z) * (1 - n * n);
          dpre[H + u] = dh[u] * (hPrev[u] - n) * z * (1 - z);
          dpre[u] = dn * rec[2 * H + u] * r * (1 - r);
          dpre[2 * H + u] = dn;
          drec[u] = dpre[u];
          drec[H + u] = dpre[H + u];
          drec[2 * H + u] = dn * r;
          dhPrev[u] += dh[u] * z;
        }
      }
      for (let r = 0; r < G; r++) {
        const dx = dpre[r];
        const dr = drec[r];
        grad[l.bx + r] += dx;
        grad[l.bh + r] += dr;
        const wrow = l.wx + r * I;
        for (let k = 0; k < I; k++) grad[wrow + k] += dx * xs[t * I + k];
        const hrow = l.wh + r * H;
        for (let k = 0; k < H; k++) {
          grad[hrow + k] += dr * hPrev[k];
          dhPrev[k] += dr * p[hrow + k];
        }
      }
      dh = dhPrev;
      dc = dcPrev;
    }
  };
  return { h: hid.slice(steps * H), backward };
}
