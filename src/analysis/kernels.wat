;; The ridge solves' hot loops in WebAssembly SIMD (f64x2): a Gram matrix; a matrix's products
;; with a vector (a symmetric Gram's, read by halves, and A·v and w −= Aᵀ·h for Lanczos's
;; reorthogonalisation); a pass over a fold's rows for ZᵀZ·v; and the Householder
;; tridiagonalisation's sweep over its trailing block. V8 does not vectorise the JavaScript forms
;; of these loops; here each instruction does two multiply-adds in double precision, so results
;; agree with them to rounding (the order of the sums differs).
;;
;; Except for the tridiagonalisation's sweep, which takes any size, every size is padded by the
;; caller (see simd.ts) so that no loop has a tail: counts of rows and columns are multiples of 4
;; and the padding is zeros. All pointers are byte offsets into the exported memory; all
;; arithmetic is f64.
;;
;; Compiled to kernelsWasm.ts by `npm run kernels`; a unit test checks the two agree.
(module
  (memory (export "memory") 1)

  ;; out[i][j] += Σₖ cols[i][k]·cols[j][k] for the lower triangle (and a few entries just above
  ;; it, which the caller ignores). cols: f64 [d, n] feature-major; out: f64 [d, d] row-major.
  ;; Two rows × four columns at a time: six loads for eight f64x2 multiply-adds.
  (func (export "gramLower") (param $cols i32) (param $d i32) (param $n i32) (param $out i32)
    (local $stride i32) (local $i i32) (local $j i32) (local $k i32) (local $o i32)
    (local $a0 i32) (local $a1 i32) (local $b0 i32) (local $b1 i32) (local $b2 i32) (local $b3 i32)
    (local $x v128) (local $y v128) (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $stride (i32.shl (local.get $n) (i32.const 3)))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $d)))
        (local.set $a0 (i32.add (local.get $cols) (i32.mul (local.get $i) (local.get $stride))))
        (local.set $a1 (i32.add (local.get $a0) (local.get $stride)))
        (local.set $j (i32.const 0))
        (block $colsDone
          (loop $columns
            (br_if $colsDone (i32.gt_u (local.get $j) (i32.add (local.get $i) (i32.const 1))))
            (local.set $b0 (i32.add (local.get $cols) (i32.mul (local.get $j) (local.get $stride))))
            (local.set $b1 (i32.add (local.get $b0) (local.get $stride)))
            (local.set $b2 (i32.add (local.get $b1) (local.get $stride)))
            (local.set $b3 (i32.add (local.get $b2) (local.get $stride)))
            (local.set $s0 (v128.const f64x2 0 0))
            (local.set $s1 (v128.const f64x2 0 0))
            (local.set $s2 (v128.const f64x2 0 0))
            (local.set $s3 (v128.const f64x2 0 0))
            (local.set $t0 (v128.const f64x2 0 0))
            (local.set $t1 (v128.const f64x2 0 0))
            (local.set $t2 (v128.const f64x2 0 0))
            (local.set $t3 (v128.const f64x2 0 0))
            (local.set $k (i32.const 0))
            (block $dotsDone
              (loop $dots
                (br_if $dotsDone (i32.ge_u (local.get $k) (local.get $stride)))
                (local.set $x (v128.load (i32.add (local.get $a0) (local.get $k))))
                (local.set $y (v128.load (i32.add (local.get $a1) (local.get $k))))
                (local.set $c0 (v128.load (i32.add (local.get $b0) (local.get $k))))
                (local.set $c1 (v128.load (i32.add (local.get $b1) (local.get $k))))
                (local.set $c2 (v128.load (i32.add (local.get $b2) (local.get $k))))
                (local.set $c3 (v128.load (i32.add (local.get $b3) (local.get $k))))
                (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (local.get $x) (local.get $c0))))
                (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (local.get $x) (local.get $c1))))
                (local.set $s2 (f64x2.add (local.get $s2) (f64x2.mul (local.get $x) (local.get $c2))))
                (local.set $s3 (f64x2.add (local.get $s3) (f64x2.mul (local.get $x) (local.get $c3))))
                (local.set $t0 (f64x2.add (local.get $t0) (f64x2.mul (local.get $y) (local.get $c0))))
                (local.set $t1 (f64x2.add (local.get $t1) (f64x2.mul (local.get $y) (local.get $c1))))
                (local.set $t2 (f64x2.add (local.get $t2) (f64x2.mul (local.get $y) (local.get $c2))))
                (local.set $t3 (f64x2.add (local.get $t3) (f64x2.mul (local.get $y) (local.get $c3))))
                (local.set $k (i32.add (local.get $k) (i32.const 16)))
                (br $dots)))
            ;; out[i][j..j+3] and out[i+1][j..j+3]
            (local.set $o
              (i32.add (local.get $out)
                (i32.shl (i32.add (i32.mul (local.get $i) (local.get $d)) (local.get $j)) (i32.const 3))))
            (call $addPairs (local.get $o) (local.get $s0) (local.get $s1))
            (call $addPairs (i32.add (local.get $o) (i32.const 16)) (local.get $s2) (local.get $s3))
            (local.set $o (i32.add (local.get $o) (i32.shl (local.get $d) (i32.const 3))))
            (call $addPairs (local.get $o) (local.get $t0) (local.get $t1))
            (call $addPairs (i32.add (local.get $o) (i32.const 16)) (local.get $t2) (local.get $t3))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $columns)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $rows))))

  ;; out = A·v for a row-major f64 [m, d] matrix, four rows at a time so each load of v serves
  ;; four rows.
  (func (export "matTimes") (param $a i32) (param $m i32) (param $d i32) (param $v i32) (param $out i32)
    (local $stride i32) (local $i i32) (local $k i32)
    (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32) (local $vk v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local.set $stride (i32.shl (local.get $d) (i32.const 3)))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $r0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $stride))))
        (local.set $r1 (i32.add (local.get $r0) (local.get $stride)))
        (local.set $r2 (i32.add (local.get $r1) (local.get $stride)))
        (local.set $r3 (i32.add (local.get $r2) (local.get $stride)))
        (local.set $s0 (v128.const f64x2 0 0))
        (local.set $s1 (v128.const f64x2 0 0))
        (local.set $s2 (v128.const f64x2 0 0))
        (local.set $s3 (v128.const f64x2 0 0))
        (local.set $k (i32.const 0))
        (block $dotsDone
          (loop $dots
            (br_if $dotsDone (i32.ge_u (local.get $k) (local.get $stride)))
            (local.set $vk (v128.load (i32.add (local.get $v) (local.get $k))))
            (local.set $s0
              (f64x2.add (local.get $s0) (f64x2.mul (local.get $vk) (v128.load (i32.add (local.get $r0) (local.get $k))))))
            (local.set $s1
              (f64x2.add (local.get $s1) (f64x2.mul (local.get $vk) (v128.load (i32.add (local.get $r1) (local.get $k))))))
            (local.set $s2
              (f64x2.add (local.get $s2) (f64x2.mul (local.get $vk) (v128.load (i32.add (local.get $r2) (local.get $k))))))
            (local.set $s3
              (f64x2.add (local.get $s3) (f64x2.mul (local.get $vk) (v128.load (i32.add (local.get $r3) (local.get $k))))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $dots)))
        (call $storePairs (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3))) (local.get $s0) (local.get $s1))
        (call $storePairs (i32.add (local.get $out) (i32.shl (i32.add (local.get $i) (i32.const 2)) (i32.const 3)))
          (local.get $s2) (local.get $s3))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $rows))))

  ;; out = A·v for a symmetric f64 [d, d] matrix, reading only its lower triangle and the 4 × 4
  ;; blocks on its diagonal (which must be whole): half the bytes of a full product, which is what
  ;; bounds it once the matrix outgrows the caches. Four rows i at a time: below the diagonal
  ;; block, each row's entries a[i][j] add a[i][j]·v[j] to out[i] and a[i][j]·v[i] to out[j].
  (func (export "symLowerTimes") (param $a i32) (param $d i32) (param $v i32) (param $out i32)
    (local $stride i32) (local $i i32) (local $k i32) (local $end i32) (local $p i32) (local $vk v128)
    (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local.set $stride (i32.shl (local.get $d) (i32.const 3)))
    (memory.fill (local.get $out) (i32.const 0) (local.get $stride))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $d)))
        (local.set $r0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $stride))))
        (local.set $r1 (i32.add (local.get $r0) (local.get $stride)))
        (local.set $r2 (i32.add (local.get $r1) (local.get $stride)))
        (local.set $r3 (i32.add (local.get $r2) (local.get $stride)))
        (local.set $p (i32.add (local.get $v) (i32.shl (local.get $i) (i32.const 3))))
        (local.set $v0 (v128.load64_splat (local.get $p)))
        (local.set $v1 (v128.load64_splat (i32.add (local.get $p) (i32.const 8))))
        (local.set $v2 (v128.load64_splat (i32.add (local.get $p) (i32.const 16))))
        (local.set $v3 (v128.load64_splat (i32.add (local.get $p) (i32.const 24))))
        (local.set $s0 (v128.const f64x2 0 0))
        (local.set $s1 (v128.const f64x2 0 0))
        (local.set $s2 (v128.const f64x2 0 0))
        (local.set $s3 (v128.const f64x2 0 0))
        ;; columns j < i: both halves of the symmetric product
        (local.set $end (i32.shl (local.get $i) (i32.const 3)))
        (local.set $k (i32.const 0))
        (block $belowDone
          (loop $below
            (br_if $belowDone (i32.ge_u (local.get $k) (local.get $end)))
            (local.set $vk (v128.load (i32.add (local.get $v) (local.get $k))))
            (local.set $x0 (v128.load (i32.add (local.get $r0) (local.get $k))))
            (local.set $x1 (v128.load (i32.add (local.get $r1) (local.get $k))))
            (local.set $x2 (v128.load (i32.add (local.get $r2) (local.get $k))))
            (local.set $x3 (v128.load (i32.add (local.get $r3) (local.get $k))))
            (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (local.get $x0) (local.get $vk))))
            (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (local.get $x1) (local.get $vk))))
            (local.set $s2 (f64x2.add (local.get $s2) (f64x2.mul (local.get $x2) (local.get $vk))))
            (local.set $s3 (f64x2.add (local.get $s3) (f64x2.mul (local.get $x3) (local.get $vk))))
            (local.set $p (i32.add (local.get $out) (local.get $k)))
            (v128.store (local.get $p)
              (f64x2.add (v128.load (local.get $p))
                (f64x2.add
                  (f64x2.add (f64x2.mul (local.get $x0) (local.get $v0)) (f64x2.mul (local.get $x1) (local.get $v1)))
                  (f64x2.add (f64x2.mul (local.get $x2) (local.get $v2)) (f64x2.mul (local.get $x3) (local.get $v3))))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $below)))
        ;; the diagonal block, read whole: its own rows' products only
        (local.set $end (i32.add (local.get $end) (i32.const 32)))
        (block $blockDone
          (loop $block
            (br_if $blockDone (i32.ge_u (local.get $k) (local.get $end)))
            (local.set $vk (v128.load (i32.add (local.get $v) (local.get $k))))
            (local.set $s0
              (f64x2.add (local.get $s0) (f64x2.mul (local.get $vk) (v128.load (i32.add (local.get $r0) (local.get $k))))))
            (local.set $s1
              (f64x2.add (local.get $s1) (f64x2.mul (local.get $vk) (v128.load (i32.add (local.get $r1) (local.get $k))))))
            (local.set $s2
              (f64x2.add (local.get $s2) (f64x2.mul (local.get $vk) (v128.load (i32.add (local.get $r2) (local.get $k))))))
            (local.set $s3
              (f64x2.add (local.get $s3) (f64x2.mul (local.get $vk) (v128.load (i32.add (local.get $r3) (local.get $k))))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $block)))
        (local.set $p (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3))))
        (call $addPairs (local.get $p) (local.get $s0) (local.get $s1))
        (call $addPairs (i32.add (local.get $p) (i32.const 16)) (local.get $s2) (local.get $s3))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $rows))))

  ;; w −= Aᵀ·h for a row-major f64 [m, d] matrix: w −= Σᵢ h[i]·A[i], four rows at a time so each
  ;; load and store of w serves four rows.
  (func (export "subtractRows") (param $a i32) (param $m i32) (param $d i32) (param $h i32) (param $w i32)
    (local $stride i32) (local $i i32) (local $k i32) (local $p i32)
    (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $h0 v128) (local $h1 v128) (local $h2 v128) (local $h3 v128)
    (local.set $stride (i32.shl (local.get $d) (i32.const 3)))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $r0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $stride))))
        (local.set $r1 (i32.add (local.get $r0) (local.get $stride)))
        (local.set $r2 (i32.add (local.get $r1) (local.get $stride)))
        (local.set $r3 (i32.add (local.get $r2) (local.get $stride)))
        (local.set $p (i32.add (local.get $h) (i32.shl (local.get $i) (i32.const 3))))
        (local.set $h0 (v128.load64_splat (local.get $p)))
        (local.set $h1 (v128.load64_splat (i32.add (local.get $p) (i32.const 8))))
        (local.set $h2 (v128.load64_splat (i32.add (local.get $p) (i32.const 16))))
        (local.set $h3 (v128.load64_splat (i32.add (local.get $p) (i32.const 24))))
        (local.set $k (i32.const 0))
        (block $axpyDone
          (loop $axpy
            (br_if $axpyDone (i32.ge_u (local.get $k) (local.get $stride)))
            (local.set $p (i32.add (local.get $w) (local.get $k)))
            (v128.store (local.get $p)
              (f64x2.sub (v128.load (local.get $p))
                (f64x2.add
                  (f64x2.add
                    (f64x2.mul (local.get $h0) (v128.load (i32.add (local.get $r0) (local.get $k))))
                    (f64x2.mul (local.get $h1) (v128.load (i32.add (local.get $r1) (local.get $k)))))
                  (f64x2.add
                    (f64x2.mul (local.get $h2) (v128.load (i32.add (local.get $r2) (local.get $k))))
                    (f64x2.mul (local.get $h3) (v128.load (i32.add (local.get $r3) (local.get $k))))))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $axpy)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $rows))))

  ;; ZᵀZ·v for standardised rows z = (x − mean)/std, in one pass over the raw rows. x: f32 [n, d]
  ;; row-major; u = v/std (f64 [d]); offset = mean·u; weights: f64 [n], 1 for a row of the fold
  ;; and 0 for one outside it (or padding). Each row's t = (x·u − offset)·weight, then acc += t·x
  ;; (acc: f64 [d], accumulated). Four rows at a time: each load of u or acc serves four rows.
  ;; Returns Σ t, from which the caller finishes (acc − mean·Σt)/std.
  (func (export "rowsPass") (param $x i32) (param $n i32) (param $d i32) (param $u i32) (param $acc i32)
    (param $offset f64) (param $weights i32) (result f64)
    (local $stride i32) (local $r i32) (local $k i32) (local $kx i32) (local $p i32)
    (local $pa i32) (local $pb i32) (local $pc i32) (local $pe i32) (local $uk v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128) (local $sum f64) (local $w i32)
    (local.set $stride (i32.shl (local.get $d) (i32.const 2)))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $n)))
        (local.set $pa (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $stride))))
        (local.set $pb (i32.add (local.get $pa) (local.get $stride)))
        (local.set $pc (i32.add (local.get $pb) (local.get $stride)))
        (local.set $pe (i32.add (local.get $pc) (local.get $stride)))
        (local.set $w (i32.add (local.get $weights) (i32.shl (local.get $r) (i32.const 3))))
        (local.set $s0 (v128.const f64x2 0 0))
        (local.set $s1 (v128.const f64x2 0 0))
        (local.set $s2 (v128.const f64x2 0 0))
        (local.set $s3 (v128.const f64x2 0 0))
        ;; k walks u (8 bytes a feature), kx walks the rows (4 bytes a feature), two features a step
        (local.set $k (i32.const 0))
        (local.set $kx (i32.const 0))
        (block $dotsDone
          (loop $dots
            (br_if $dotsDone (i32.ge_u (local.get $kx) (local.get $stride)))
            (local.set $uk (v128.load (i32.add (local.get $u) (local.get $k))))
            (local.set $s0 (f64x2.add (local.get $s0)
              (f64x2.mul (local.get $uk) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $pa) (local.get $kx)))))))
            (local.set $s1 (f64x2.add (local.get $s1)
              (f64x2.mul (local.get $uk) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $pb) (local.get $kx)))))))
            (local.set $s2 (f64x2.add (local.get $s2)
              (f64x2.mul (local.get $uk) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $pc) (local.get $kx)))))))
            (local.set $s3 (f64x2.add (local.get $s3)
              (f64x2.mul (local.get $uk) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $pe) (local.get $kx)))))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (local.set $kx (i32.add (local.get $kx) (i32.const 8)))
            (br $dots)))
        (local.set $t0 (f64x2.splat (f64.mul (f64.load offset=0 (local.get $w))
          (f64.sub (call $sumLanes (local.get $s0)) (local.get $offset)))))
        (local.set $t1 (f64x2.splat (f64.mul (f64.load offset=8 (local.get $w))
          (f64.sub (call $sumLanes (local.get $s1)) (local.get $offset)))))
        (local.set $t2 (f64x2.splat (f64.mul (f64.load offset=16 (local.get $w))
          (f64.sub (call $sumLanes (local.get $s2)) (local.get $offset)))))
        (local.set $t3 (f64x2.splat (f64.mul (f64.load offset=24 (local.get $w))
          (f64.sub (call $sumLanes (local.get $s3)) (local.get $offset)))))
        (local.set $sum
          (f64.add (local.get $sum)
            (f64.add
              (f64.add (f64x2.extract_lane 0 (local.get $t0)) (f64x2.extract_lane 0 (local.get $t1)))
              (f64.add (f64x2.extract_lane 0 (local.get $t2)) (f64x2.extract_lane 0 (local.get $t3))))))
        (local.set $k (i32.const 0))
        (local.set $kx (i32.const 0))
        (block $axpyDone
          (loop $axpy
            (br_if $axpyDone (i32.ge_u (local.get $kx) (local.get $stride)))
            (local.set $p (i32.add (local.get $acc) (local.get $k)))
            (v128.store (local.get $p)
              (f64x2.add (v128.load (local.get $p))
                (f64x2.add
                  (f64x2.add
                    (f64x2.mul (local.get $t0)
                      (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $pa) (local.get $kx)))))
                    (f64x2.mul (local.get $t1)
                      (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $pb) (local.get $kx))))))
                  (f64x2.add
                    (f64x2.mul (local.get $t2)
                      (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $pc) (local.get $kx)))))
                    (f64x2.mul (local.get $t3)
                      (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $pe) (local.get $kx)))))))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (local.set $kx (i32.add (local.get $kx) (i32.const 8)))
            (br $axpy)))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $rows)))
    (local.get $sum))

;; One step of the Householder tridiagonalisation (linalg.ts `tridiagonalize`), the part that
  ;; costs d² a step: rows g = s+1, s+3, … in pairs (g, g+1) with g + 1 < d, each updated as
  ;; A ← A − v·wᵀ − w·vᵀ below the diagonal, and q += A·u taken from the updated values. a: f64
  ;; [d, d] row-major (the lower triangle is read and written); v, w, u, q: f64 [d]. Columns
  ;; h = s+1 … g−1 two at a time (g − s − 1 is even, as g steps by two from s+1), then the pair's
  ;; corner one entry at a time.
  (func (export "sweepPairs") (param $a i32) (param $d i32) (param $s i32)
    (param $v i32) (param $w i32) (param $u i32) (param $q i32)
    (local $g i32) (local $h i32) (local $b0 i32) (local $b1 i32) (local $o i32)
    (local $v0 f64) (local $w0 f64) (local $u0 f64) (local $v1 f64) (local $w1 f64) (local $u1 f64)
    (local $vv0 v128) (local $ww0 v128) (local $uu0 v128) (local $vv1 v128) (local $ww1 v128) (local $uu1 v128)
    (local $vh v128) (local $wh v128) (local $uh v128) (local $x0 v128) (local $x1 v128)
    (local $acc0 v128) (local $acc1 v128) (local $sum0 f64) (local $sum1 f64)
    (local $x00 f64) (local $x10 f64) (local $x11 f64)
    (local.set $g (i32.add (local.get $s) (i32.const 1)))
    (block $pairsDone
      (loop $pairs
        (br_if $pairsDone (i32.ge_s (i32.add (local.get $g) (i32.const 1)) (local.get $d)))
        (local.set $b0 (i32.add (local.get $a) (i32.shl (i32.mul (local.get $g) (local.get $d)) (i32.const 3))))
        (local.set $b1 (i32.add (local.get $b0) (i32.shl (local.get $d) (i32.const 3))))
        (local.set $o (i32.shl (local.get $g) (i32.const 3)))
        (local.set $v0 (f64.load (i32.add (local.get $v) (local.get $o))))
        (local.set $w0 (f64.load (i32.add (local.get $w) (local.get $o))))
        (local.set $u0 (f64.load (i32.add (local.get $u) (local.get $o))))
        (local.set $v1 (f64.load offset=8 (i32.add (local.get $v) (local.get $o))))
        (local.set $w1 (f64.load offset=8 (i32.add (local.get $w) (local.get $o))))
        (local.set $u1 (f64.load offset=8 (i32.add (local.get $u) (local.get $o))))
        (local.set $vv0 (f64x2.splat (local.get $v0)))
        (local.set $ww0 (f64x2.splat (local.get $w0)))
        (local.set $uu0 (f64x2.splat (local.get $u0)))
        (local.set $vv1 (f64x2.splat (local.get $v1)))
        (local.set $ww1 (f64x2.splat (local.get $w1)))
        (local.set $uu1 (f64x2.splat (local.get $u1)))
        (local.set $acc0 (v128.const f64x2 0 0))
        (local.set $acc1 (v128.const f64x2 0 0))
        ;; h runs over byte offsets (s+1)·8 … g·8, two columns a step
        (local.set $h (i32.shl (i32.add (local.get $s) (i32.const 1)) (i32.const 3)))
        (block $colsDone
          (loop $cols
            (br_if $colsDone (i32.gt_s (i32.add (local.get $h) (i32.const 16)) (local.get $o)))
            (local.set $vh (v128.load (i32.add (local.get $v) (local.get $h))))
            (local.set $wh (v128.load (i32.add (local.get $w) (local.get $h))))
            (local.set $uh (v128.load (i32.add (local.get $u) (local.get $h))))
            (local.set $x0 (f64x2.sub (v128.load (i32.add (local.get $b0) (local.get $h)))
              (f64x2.add (f64x2.mul (local.get $vv0) (local.get $wh)) (f64x2.mul (local.get $ww0) (local.get $vh)))))
            (local.set $x1 (f64x2.sub (v128.load (i32.add (local.get $b1) (local.get $h)))
              (f64x2.add (f64x2.mul (local.get $vv1) (local.get $wh)) (f64x2.mul (local.get $ww1) (local.get $vh)))))
            (v128.store (i32.add (local.get $b0) (local.get $h)) (local.get $x0))
            (v128.store (i32.add (local.get $b1) (local.get $h)) (local.get $x1))
            (local.set $acc0 (f64x2.add (local.get $acc0) (f64x2.mul (local.get $x0) (local.get $uh))))
            (local.set $acc1 (f64x2.add (local.get $acc1) (f64x2.mul (local.get $x1) (local.get $uh))))
            (v128.store (i32.add (local.get $q) (local.get $h))
              (f64x2.add (v128.load (i32.add (local.get $q) (local.get $h)))
                (f64x2.add (f64x2.mul (local.get $x0) (local.get $uu0)) (f64x2.mul (local.get $x1) (local.get $uu1)))))
            (local.set $h (i32.add (local.get $h) (i32.const 16)))
            (br $cols)))
        (local.set $sum0 (call $sumLanes (local.get $acc0)))
        (local.set $sum1 (call $sumLanes (local.get $acc1)))
        ;; the pair's corner: (g, g), (g+1, g), (g+1, g+1)
        (local.set $x00 (f64.sub (f64.load (i32.add (local.get $b0) (local.get $o)))
          (f64.mul (f64.const 2) (f64.mul (local.get $v0) (local.get $w0)))))
        (local.set $x10 (f64.sub (f64.load (i32.add (local.get $b1) (local.get $o)))
          (f64.add (f64.mul (local.get $v1) (local.get $w0)) (f64.mul (local.get $w1) (local.get $v0)))))
        (local.set $x11 (f64.sub (f64.load offset=8 (i32.add (local.get $b1) (local.get $o)))
          (f64.mul (f64.const 2) (f64.mul (local.get $v1) (local.get $w1)))))
        (f64.store (i32.add (local.get $b0) (local.get $o)) (local.get $x00))
        (f64.store (i32.add (local.get $b1) (local.get $o)) (local.get $x10))
        (f64.store offset=8 (i32.add (local.get $b1) (local.get $o)) (local.get $x11))
        (f64.store (i32.add (local.get $q) (local.get $o))
          (f64.add (f64.load (i32.add (local.get $q) (local.get $o)))
            (f64.add (local.get $sum0)
              (f64.add (f64.mul (local.get $x00) (local.get $u0)) (f64.mul (local.get $x10) (local.get $u1))))))
        (f64.store offset=8 (i32.add (local.get $q) (local.get $o))
          (f64.add (f64.load offset=8 (i32.add (local.get $q) (local.get $o)))
            (f64.add (local.get $sum1)
              (f64.add (f64.mul (local.get $x10) (local.get $u0)) (f64.mul (local.get $x11) (local.get $u1))))))
        (local.set $g (i32.add (local.get $g) (i32.const 2)))
        (br $pairs))))

  (func $sumLanes (param $v v128) (result f64)
    (f64.add (f64x2.extract_lane 0 (local.get $v)) (f64x2.extract_lane 1 (local.get $v))))

  ;; out[0] += sum of a's lanes, out[1] += sum of b's lanes
  (func $addPairs (param $out i32) (param $a v128) (param $b v128)
    (v128.store (local.get $out)
      (f64x2.add (v128.load (local.get $out))
        (f64x2.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a) (local.get $b))
                   (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a) (local.get $b))))))

  ;; out[0] = sum of a's lanes, out[1] = sum of b's lanes
  (func $storePairs (param $out i32) (param $a v128) (param $b v128)
    (v128.store (local.get $out)
      (f64x2.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a) (local.get $b))
                 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a) (local.get $b))))))
