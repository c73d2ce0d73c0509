// The ridge solves' hot loops in WebAssembly SIMD (kernels.wat), two to four times the speed of
// their JavaScript forms, which V8 does not vectorise. Each call of the Gram kernel, and each
// operator, gets an instance of the module with memory of its own, freed with it: an operator that
// a Lanczos run applies hundreds of times keeps its matrix or rows resident there, so only vectors
// are copied per product. Sizes are padded with zeros to the kernels' multiples of 4.
// Where WebAssembly SIMD is missing, `simdKernels()` is null and the JavaScript loops run instead.

import { KERNELS_WASM } from './kernelsWasm.ts';

interface KernelExports {
  memory: WebAssembly.Memory;
  gramLower(cols: number, d: number, n: number, out: number): void;
  matTimes(a: number, m: number, d: number, v: number, out: number): void;
  symLowerTimes(a: number, d: number, v: number, out: number): void;
  subtractRows(a: number, m: number, d: number, h: number, w: number): void;
  rowsPass(x: number, n: number, d: number, u: number, acc: number, offset: number): number;
}

/** Multiply-add loops on the SIMD kernels; the JavaScript forms they replace are their reference. */
export interface SimdKernels {
  /** As linalg's `addGramLower`: out[i][j] += Σₖ cols[i][k]·cols[j][k] for j ≤ i. */
  addGramLower(cols: Float64Array, d: number, n: number, out: Float64Array): void;
  /** A full symmetric matrix held in the kernels' memory, applied to vectors. */
  symmetric(full: Float64Array, d: number): (v: Float64Array, out: Float64Array) => void;
  /** Raw f32 rows held in the kernels' memory, applied as ZᵀZ·v for their standardisation. */
  rowPasses(x: Float32Array, rows: Int32Array, d: number): RowPasses;
  /** An empty orthonormal basis of d-vectors held in the kernels' memory. */
  basis(d: number): OrthonormalBasis;
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
 * acc = Σ_rows t·x with t = x·u − offset, and Σ t: the raw-unit halves of a standardised ZᵀZ·v
 * (see krylov.ts gramTimes, which finishes it).
 */
export type RowPasses = (u: Float64Array, offset: number, acc: Float64Array) => number;

let compiled: WebAssembly.Module | null | undefined;
let enabled = true;

/** The SIMD kernels, or null where this runtime cannot run them (or they were switched off). */
export function simdKernels(): SimdKernels | null {
  if (!enabled) return null;
  if (compiled === undefined) compiled = compile();
  return compiled && KERNELS;
}

/** Switches the SIMD kernels off (false) or back on, so tests and benchmarks can compare. */
export function useSimdKernels(on: boolean): void {
  enabled = on;
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

  symmetric(full, d) {
    const k = instantiate();
    const d4 = roundUp(d, 4);
    const aAt = 0;
    const vAt = d4 * d4 * 8;
    const outAt = vAt + d4 * 8;
    reserve(k, outAt + d4 * 8);
    const a = new Float64Array(k.memory.buffer, aAt, d4 * d4);
    for (let i = 0; i < d; i++) a.set(full.subarray(i * d, (i + 1) * d), i * d4);
    const v = new Float64Array(k.memory.buffer, vAt, d4);
    const result = new Float64Array(k.memory.buffer, outAt, d);
    return (input, out) => {
      v.set(input);
      k.symLowerTimes(aAt, d4, vAt, outAt);
      out.set(result);
    };
  },

  rowPasses(x, rows, d) {
    const k = instantiate();
    const n4 = roundUp(rows.length, 4);
    const d4 = roundUp(d, 4);
    const xAt = 0;
    const uAt = n4 * d4 * 4;
    const accAt = uAt + d4 * 8;
    reserve(k, accAt + d4 * 8);
    const held = new Float32Array(k.memory.buffer, xAt, n4 * d4);
    rows.forEach((r, i) => held.set(x.subarray(r * d, (r + 1) * d), i * d4));
    const u = new Float64Array(k.memory.buffer, uAt, d4);
    const acc = new Float64Array(k.memory.buffer, accAt, d4);
    // Each zero row of padding adds t = −offset to Σ t and nothing to acc.
    const padding = n4 - rows.length;
    return (input, offset, out) => {
      u.set(input);
      acc.fill(0);
      const sum = k.rowsPass(xAt, n4, d4, uAt, accAt, offset);
      out.set(acc.subarray(0, d));
      return sum + padding * offset;
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
