// The ridge solves' hot loops in WebAssembly SIMD (kernels.wat), two to four times the speed of
// their JavaScript forms, which V8 does not vectorise. Each call of the Gram kernel, and each
// operator, gets an instance of the module with memory of its own, freed with it: an operator that
// a Lanczos run applies hundreds of times keeps its matrix or rows resident there, so only vectors
// are copied per product. Sizes are padded with zeros to the kernels' multiples of 4.
// Where WebAssembly SIMD is missing, `simdKernels()` is null and the JavaScript loops run instead.
// Which loops a solve runs on is passed to it (`Kernels`), so tests and benchmarks compare the two
// by asking for each, not by switching a module's state.

import { KERNELS_WASM } from './kernelsWasm.ts';

interface KernelExports {
  memory: WebAssembly.Memory;
  gramLower(cols: number, d: number, n: number, out: number): void;
  matTimes(a: number, m: number, d: number, v: number, out: number): void;
  symLowerTimes(a: number, d: number, v: number, out: number): void;
  subtractRows(a: number, m: number, d: number, h: number, w: number): void;
  sweepPairs(a: number, d: number, s: number, v: number, w: number, u: number, q: number): void;
  rowsPass(
    x: number,
    n: number,
    d: number,
    u: number,
    acc: number,
    offset: number,
    weights: number,
  ): number;
}

/** Multiply-add loops on the SIMD kernels; the JavaScript forms they replace are their reference. */
export interface SimdKernels {
  /** As linalg's `addGramLower`: out[i][j] += Σₖ cols[i][k]·cols[j][k] for j ≤ i. */
  addGramLower(cols: Float64Array, d: number, n: number, out: Float64Array): void;
  /**
   * A symmetric matrix, given by its lower triangle ([d, d] row-major, j ≤ i), held in the kernels'
   * memory and applied to vectors.
   */
  symmetric(lower: Float64Array, d: number): (v: Float64Array, out: Float64Array) => void;
  /**
   * Raw f32 rows [n, d] held in the kernels' memory once for several folds, each fold weighing its
   * rows 1 and the rest 0 (`members`: [n] per fold). The rows are held, and summed, in `order`
   * (a permutation of 0..n−1): where it puts each fold's rows together, a block of rows that none
   * of a fold's rows fall in is skipped for that fold.
   */
  foldPasses(
    x: Float32Array,
    n: number,
    d: number,
    members: readonly Float64Array[],
    order: Int32Array,
  ): FoldPasses;
  /** An empty orthonormal basis of d-vectors held in the kernels' memory. */
  basis(d: number): OrthonormalBasis;
  /**
   * A copy of a [d, d] matrix and four d-vectors in the kernels' memory, for linalg's
   * `tridiagonalize`, with the kernel that does each step's sweep over the trailing block (as
   * linalg's `sweepPairsScalar`, on arrays of this workspace).
   */
  tridiagonalWorkspace(a: Float64Array, d: number): TridiagonalWorkspace;
}

/** See `SimdKernels.tridiagonalWorkspace`. */
export interface TridiagonalWorkspace {
  a: Float64Array;
  vectors: Float64Array[];
  sweep(
    a: Float64Array,
    d: number,
    s: number,
    v: Float64Array,
    w: Float64Array,
    u: Float64Array,
    q: Float64Array,
  ): void;
}

/** A Lanczos run's orthonormal basis v₀, v₁, … (see krylov.ts). */
export interface OrthonormalBasis {
  readonly size: number;
  push(v: Float64Array): void;
  /** w −= V·Vᵀw, twice (classical Gram–Schmidt with one reorthogonalisation: "twice is enough"). */
  orthogonalise(w: Float64Array): void;
  /** Σⱼ y[j]·vⱼ */
  combine(y: Float64Array): Float64Array;
}

/**
 * For each fold f given a vector u_f: accs[f] = Σ_rows t·x with t = (x·u_f − offsets[f])·weight,
 * and Σ t as that fold's entry of the result: the raw-unit halves of a standardised ZᵀZ·v
 * (krylov.ts `rowsOperators` finishes them). Folds given null are skipped (their entry is 0).
 */
export type FoldPasses = (
  us: readonly (Float64Array | null)[],
  offsets: readonly number[],
  accs: readonly Float64Array[],
) => number[];

/** The loops the ridge solves run on: the SIMD kernels, or null for the plain JavaScript loops. */
export type Kernels = SimdKernels | null;

/** Rows a pass takes through every fold before moving on: a block that stays in the L2 cache. */
const BLOCK_BYTES = 256 * 1024;

/** The module, compiled on first use (null where this runtime cannot compile it). */
let compiled: WebAssembly.Module | null | undefined;

/** The SIMD kernels, or null where this runtime cannot run them: the default `Kernels`. */
export function simdKernels(): SimdKernels | null {
  if (compiled === undefined) compiled = compile();
  return compiled && KERNELS;
}

function compile(): WebAssembly.Module | null {
  try {
    const bytes = Uint8Array.from(atob(KERNELS_WASM), (c) => c.charCodeAt(0));
    return WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  } catch {
    return null; // no WebAssembly, or a policy that forbids compiling it
  }
}

function instantiate(): KernelExports {
  return new WebAssembly.Instance(compiled!, {}).exports as unknown as KernelExports;
}

/** Grows an instance's memory to hold `bytes`; views made before a growth are stale after it. */
function reserve(k: KernelExports, bytes: number): void {
  const have = k.memory.buffer.byteLength;
  if (bytes > have) k.memory.grow(Math.ceil((bytes - have) / 65536));
}

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

const KERNELS: SimdKernels = {
  addGramLower(cols, d, n, out) {
    const k = instantiate();
    const d4 = roundUp(d, 4);
    const n4 = roundUp(n, 4);
    const colsAt = 0;
    const outAt = d4 * n4 * 8;
    reserve(k, outAt + d4 * d4 * 8);
    const paddedCols = new Float64Array(k.memory.buffer, colsAt, d4 * n4);
    const paddedOut = new Float64Array(k.memory.buffer, outAt, d4 * d4);
    for (let i = 0; i < d; i++) paddedCols.set(cols.subarray(i * n, (i + 1) * n), i * n4);
    for (let i = 0; i < d; i++) paddedOut.set(out.subarray(i * d, i * d + i + 1), i * d4);
    k.gramLower(colsAt, d4, n4, outAt);
    for (let i = 0; i < d; i++) out.set(paddedOut.subarray(i * d4, i * d4 + i + 1), i * d);
  },

  symmetric(lower, d) {
    const k = instantiate();
    const d4 = roundUp(d, 4);
    const aAt = 0;
    const vAt = d4 * d4 * 8;
    const outAt = vAt + d4 * 8;
    reserve(k, outAt + d4 * 8);
    // The kernel reads the lower triangle and the whole 4 × 4 blocks on the diagonal.
    const a = new Float64Array(k.memory.buffer, aAt, d4 * d4);
    for (let i = 0; i < d; i++) {
      a.set(lower.subarray(i * d, i * d + i + 1), i * d4);
      for (let j = i + 1; j < Math.min(d, (i & ~3) + 4); j++) a[i * d4 + j] = lower[j * d + i];
    }
    const v = new Float64Array(k.memory.buffer, vAt, d4);
    const result = new Float64Array(k.memory.buffer, outAt, d);
    return (input, out) => {
      v.set(input);
      k.symLowerTimes(aAt, d4, vAt, outAt);
      out.set(result);
    };
  },

  foldPasses(x, n, d, members, order) {
    const k = instantiate();
    const folds = members.length;
    const n4 = roundUp(n, 4);
    const d4 = roundUp(d, 4);
    const xAt = 0;
    const weightsAt = n4 * d4 * 4;
    const uAt = weightsAt + folds * n4 * 8;
    const accAt = uAt + folds * d4 * 8;
    reserve(k, accAt + folds * d4 * 8);
    const held = new Float32Array(k.memory.buffer, xAt, n4 * d4);
    order.forEach((r, i) => held.set(x.subarray(r * d, (r + 1) * d), i * d4));
    // Padding rows weigh 0 in every fold.
    const weights = new Float64Array(k.memory.buffer, weightsAt, folds * n4);
    members.forEach((m, f) => order.forEach((r, i) => (weights[f * n4 + i] = m[r])));
    const u = new Float64Array(k.memory.buffer, uAt, folds * d4);
    const acc = new Float64Array(k.memory.buffer, accAt, folds * d4);
    const block = Math.max(4, Math.floor(BLOCK_BYTES / (d4 * 4) / 4) * 4);
    const blocks = Math.ceil(n4 / block);
    const touches = Array.from({ length: blocks }, (_, b) =>
      members.map((_, f) =>
        weights
          .subarray(f * n4 + b * block, f * n4 + Math.min(n4, (b + 1) * block))
          .some((w) => w !== 0),
      ),
    );
    return (us, offsets, accs) => {
      const sums = new Array<number>(folds).fill(0);
      us.forEach((v, f) => v && u.set(v, f * d4));
      acc.fill(0);
      for (let b = 0; b < blocks; b++) {
        const r = b * block;
        const rows = Math.min(block, n4 - r);
        for (let f = 0; f < folds; f++)
          if (us[f] && touches[b][f])
            sums[f] += k.rowsPass(
              xAt + r * d4 * 4,
              rows,
              d4,
              uAt + f * d4 * 8,
              accAt + f * d4 * 8,
              offsets[f],
              weightsAt + (f * n4 + r) * 8,
            );
      }
      us.forEach((v, f) => v && accs[f].set(acc.subarray(f * d4, f * d4 + d)));
      return sums;
    };
  },

  tridiagonalWorkspace(input, d) {
    const k = instantiate();
    reserve(k, (d * d + 4 * d) * 8);
    const a = new Float64Array(k.memory.buffer, 0, d * d);
    a.set(input.subarray(0, d * d));
    const vectors = [0, 1, 2, 3].map(
      (i) => new Float64Array(k.memory.buffer, (d * d + i * d) * 8, d),
    );
    return {
      a,
      vectors,
      sweep: (m, n, s, v, w, u, q) =>
        k.sweepPairs(m.byteOffset, n, s, v.byteOffset, w.byteOffset, u.byteOffset, q.byteOffset),
    };
  },

  basis(d) {
    const k = instantiate();
    const d4 = roundUp(d, 4);
    const wAt = 0;
    const basisAt = d4 * 8;
    let capacity = 0; // rows, a multiple of 4; rows past size stay zero
    let size = 0;
    let w = new Float64Array(0);
    let h = new Float64Array(0);
    let rows = new Float64Array(0);
    const hAt = () => basisAt + capacity * d4 * 8;
    const grow = (need: number) => {
      capacity = Math.max(roundUp(need, 4), 2 * capacity);
      reserve(k, hAt() + capacity * 8);
      w = new Float64Array(k.memory.buffer, wAt, d4);
      rows = new Float64Array(k.memory.buffer, basisAt, capacity * d4);
      h = new Float64Array(k.memory.buffer, hAt(), capacity);
      rows.fill(0, size * d4); // the old scratch h lay here
    };
    grow(64);
    return {
      get size() {
        return size;
      },
      push(v) {
        if (size === capacity) grow(size + 1);
        rows.set(v, size * d4);
        size++;
      },
      orthogonalise(out) {
        w.set(out);
        const m = roundUp(size, 4);
        for (let pass = 0; pass < 2; pass++) {
          k.matTimes(basisAt, m, d4, wAt, hAt());
          k.subtractRows(basisAt, m, d4, hAt(), wAt);
        }
        out.set(w.subarray(0, d));
      },
      combine(y) {
        w.fill(0);
        h.fill(0);
        for (let j = 0; j < size; j++) h[j] = -y[j];
        k.subtractRows(basisAt, roundUp(size, 4), d4, hAt(), wAt);
        return w.slice(0, d);
      },
    };
  },
};
