;; WebAssembly SIMD kernels of the fused backend (compiled by scripts/build-wasm.mjs into simd-binary.ts).
;; Every kernel performs exactly the IEEE operations of its JavaScript twin in kernels.ts, in the same order, so
;; results are bit-identical: f32x4.add is the per-lane float32 add (JS: double add of two float32 rounded on
;; store); the f64x2 kernels promote float32 operands and add/multiply in float64 like the JS code does.
;; All pointers are byte offsets into the imported shared memory (the workspace). Neuron slices [j0, j1) are
;; disjoint between threads, so threads never write the same bytes.
(module
  (import "env" "mem" (memory 1 65536 shared))

  ;; Forward gather of binary inputs, for every row r in [0, rows) (r = b * steps + t):
  ;;   out[r][j] = sum over q in rowPtr[r - delay] .. rowPtr[r - delay + 1] (ascending) of WT[cols[q]][j]
  ;; as a float32 accumulator starting at 0, for j in [j0, j1); rows with t < delay get 0.
  (func (export "gather")
    (param $out i32) (param $WT i32) (param $cols i32) (param $rowPtr i32)
    (param $rows i32) (param $steps i32) (param $delay i32) (param $n i32) (param $j0 i32) (param $j1 i32)
    (local $r i32) (local $q0 i32) (local $q1 i32) (local $q i32) (local $j i32) (local $o i32) (local $w i32)
    (local $n4 i32) (local $p i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $s f32)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local.set $n4 (i32.shl (local.get $n) (i32.const 2)))
    (block $rdone
      (loop $rloop
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $o (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $n4))))
        (local.set $q0 (i32.const 0))
        (local.set $q1 (i32.const 0))
        (if (i32.ge_u (i32.rem_u (local.get $r) (local.get $steps)) (local.get $delay))
          (then
            (local.set $p (i32.add (local.get $rowPtr) (i32.shl (i32.sub (local.get $r) (local.get $delay)) (i32.const 2))))
            (local.set $q0 (i32.load (local.get $p)))
            (local.set $q1 (i32.load offset=4 (local.get $p)))))
        (local.set $q0 (i32.add (local.get $cols) (i32.shl (local.get $q0) (i32.const 2))))
        (local.set $q1 (i32.add (local.get $cols) (i32.shl (local.get $q1) (i32.const 2))))
        (local.set $j (local.get $j0))
        ;; 32 neurons per pass (8 independent accumulators hide the add latency)
        (block $d32
          (loop $l32
            (br_if $d32 (i32.gt_u (i32.add (local.get $j) (i32.const 32)) (local.get $j1)))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0))
            (local.set $a3 (v128.const i32x4 0 0 0 0))
            (local.set $a4 (v128.const i32x4 0 0 0 0))
            (local.set $a5 (v128.const i32x4 0 0 0 0))
            (local.set $a6 (v128.const i32x4 0 0 0 0))
            (local.set $a7 (v128.const i32x4 0 0 0 0))
            (local.set $p (i32.add (local.get $WT) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $q (local.get $q0))
            (block $qd
              (loop $ql
                (br_if $qd (i32.ge_u (local.get $q) (local.get $q1)))
                (local.set $w (i32.add (local.get $p) (i32.mul (i32.load (local.get $q)) (local.get $n4))))
                (local.set $a0 (f32x4.add (local.get $a0) (v128.load (local.get $w))))
                (local.set $a1 (f32x4.add (local.get $a1) (v128.load offset=16 (local.get $w))))
                (local.set $a2 (f32x4.add (local.get $a2) (v128.load offset=32 (local.get $w))))
                (local.set $a3 (f32x4.add (local.get $a3) (v128.load offset=48 (local.get $w))))
                (local.set $a4 (f32x4.add (local.get $a4) (v128.load offset=64 (local.get $w))))
                (local.set $a5 (f32x4.add (local.get $a5) (v128.load offset=80 (local.get $w))))
                (local.set $a6 (f32x4.add (local.get $a6) (v128.load offset=96 (local.get $w))))
                (local.set $a7 (f32x4.add (local.get $a7) (v128.load offset=112 (local.get $w))))
                (local.set $q (i32.add (local.get $q) (i32.const 4)))
                (br $ql)))
            (local.set $w (i32.add (local.get $o) (i32.shl (local.get $j) (i32.const 2))))
            (v128.store (local.get $w) (local.get $a0))
            (v128.store offset=16 (local.get $w) (local.get $a1))
            (v128.store offset=32 (local.get $w) (local.get $a2))
            (v128.store offset=48 (local.get $w) (local.get $a3))
            (v128.store offset=64 (local.get $w) (local.get $a4))
            (v128.store offset=80 (local.get $w) (local.get $a5))
            (v128.store offset=96 (local.get $w) (local.get $a6))
            (v128.store offset=112 (local.get $w) (local.get $a7))
            (local.set $j (i32.add (local.get $j) (i32.const 32)))
            (br $l32)))
        ;; 16 neurons per pass
        (block $d16
          (loop $l16
            (br_if $d16 (i32.gt_u (i32.add (local.get $j) (i32.const 16)) (local.get $j1)))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0))
            (local.set $a3 (v128.const i32x4 0 0 0 0))
            (local.set $p (i32.add (local.get $WT) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $q (local.get $q0))
            (block $qd
              (loop $ql
                (br_if $qd (i32.ge_u (local.get $q) (local.get $q1)))
                (local.set $w (i32.add (local.get $p) (i32.mul (i32.load (local.get $q)) (local.get $n4))))
                (local.set $a0 (f32x4.add (local.get $a0) (v128.load (local.get $w))))
                (local.set $a1 (f32x4.add (local.get $a1) (v128.load offset=16 (local.get $w))))
                (local.set $a2 (f32x4.add (local.get $a2) (v128.load offset=32 (local.get $w))))
                (local.set $a3 (f32x4.add (local.get $a3) (v128.load offset=48 (local.get $w))))
                (local.set $q (i32.add (local.get $q) (i32.const 4)))
                (br $ql)))
            (local.set $w (i32.add (local.get $o) (i32.shl (local.get $j) (i32.const 2))))
            (v128.store (local.get $w) (local.get $a0))
            (v128.store offset=16 (local.get $w) (local.get $a1))
            (v128.store offset=32 (local.get $w) (local.get $a2))
            (v128.store offset=48 (local.get $w) (local.get $a3))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $l16)))
        ;; 4 neurons per pass
        (block $d4
          (loop $l4
            (br_if $d4 (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $j1)))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $p (i32.add (local.get $WT) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $q (local.get $q0))
            (block $qd
              (loop $ql
                (br_if $qd (i32.ge_u (local.get $q) (local.get $q1)))
                (local.set $w (i32.add (local.get $p) (i32.mul (i32.load (local.get $q)) (local.get $n4))))
                (local.set $a0 (f32x4.add (local.get $a0) (v128.load (local.get $w))))
                (local.set $q (i32.add (local.get $q) (i32.const 4)))
                (br $ql)))
            (v128.store (i32.add (local.get $o) (i32.shl (local.get $j) (i32.const 2))) (local.get $a0))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $l4)))
        ;; one neuron per pass
        (block $d1
          (loop $l1
            (br_if $d1 (i32.ge_u (local.get $j) (local.get $j1)))
            (local.set $s (f32.const 0))
            (local.set $p (i32.add (local.get $WT) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $q (local.get $q0))
            (block $qd
              (loop $ql
                (br_if $qd (i32.ge_u (local.get $q) (local.get $q1)))
                (local.set $s (f32.add (local.get $s)
                  (f32.load (i32.add (local.get $p) (i32.mul (i32.load (local.get $q)) (local.get $n4))))))
                (local.set $q (i32.add (local.get $q) (i32.const 4)))
                (br $ql)))
            (f32.store (i32.add (local.get $o) (i32.shl (local.get $j) (i32.const 2))) (local.get $s))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $l1)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rloop))))

  ;; Weight gradient of binary inputs, for every input i in [0, nIn) and neuron j in [j0, j1):
  ;;   dW[j][i] = float32(acc), acc (float64) = 0; for rows listed in column i, 4 at a time:
  ;;   acc += ((DX[r0][j] + DX[r1][j]) + DX[r2][j]) + DX[r3][j]; then one at a time: acc += DX[r][j]
  (func (export "scatter")
    (param $dW i32) (param $DX i32) (param $rowsArr i32) (param $colPtr i32) (param $nIn i32) (param $n i32)
    (param $j0 i32) (param $j1 i32)
    (local $i i32) (local $q0 i32) (local $q1 i32) (local $q i32) (local $j i32) (local $n4 i32) (local $nIn4 i32)
    (local $p i32) (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32) (local $w i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $s f64)
    (local.set $n4 (i32.shl (local.get $n) (i32.const 2)))
    (local.set $nIn4 (i32.shl (local.get $nIn) (i32.const 2)))
    (block $idone
      (loop $iloop
        (br_if $idone (i32.ge_u (local.get $i) (local.get $nIn)))
        (local.set $p (i32.add (local.get $colPtr) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $q0 (i32.add (local.get $rowsArr) (i32.shl (i32.load (local.get $p)) (i32.const 2))))
        (local.set $q1 (i32.add (local.get $rowsArr) (i32.shl (i32.load offset=4 (local.get $p)) (i32.const 2))))
        (local.set $j (local.get $j0))
        ;; 8 neurons per pass (4 x f64x2)
        (block $d8
          (loop $l8
            (br_if $d8 (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $j1)))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0))
            (local.set $a3 (v128.const i32x4 0 0 0 0))
            (local.set $p (i32.add (local.get $DX) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $q (local.get $q0))
            (block $g4d
              (loop $g4
                (br_if $g4d (i32.gt_u (i32.add (local.get $q) (i32.const 16)) (local.get $q1)))
                (local.set $r0 (i32.add (local.get $p) (i32.mul (i32.load (local.get $q)) (local.get $n4))))
                (local.set $r1 (i32.add (local.get $p) (i32.mul (i32.load offset=4 (local.get $q)) (local.get $n4))))
                (local.set $r2 (i32.add (local.get $p) (i32.mul (i32.load offset=8 (local.get $q)) (local.get $n4))))
                (local.set $r3 (i32.add (local.get $p) (i32.mul (i32.load offset=12 (local.get $q)) (local.get $n4))))
                (local.set $a0 (f64x2.add (local.get $a0) (f64x2.add (f64x2.add (f64x2.add
                  (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $r0)))
                  (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $r1))))
                  (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $r2))))
                  (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $r3))))))
                (local.set $a1 (f64x2.add (local.get $a1) (f64x2.add (f64x2.add (f64x2.add
                  (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $r0)))
                  (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $r1))))
                  (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $r2))))
                  (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $r3))))))
                (local.set $a2 (f64x2.add (local.get $a2) (f64x2.add (f64x2.add (f64x2.add
                  (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 (local.get $r0)))
                  (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 (local.get $r1))))
                  (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 (local.get $r2))))
                  (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 (local.get $r3))))))
                (local.set $a3 (f64x2.add (local.get $a3) (f64x2.add (f64x2.add (f64x2.add
                  (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 (local.get $r0)))
                  (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 (local.get $r1))))
                  (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 (local.get $r2))))
                  (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 (local.get $r3))))))
                (local.set $q (i32.add (local.get $q) (i32.const 16)))
                (br $g4)))
            (block $g1d
              (loop $g1
                (br_if $g1d (i32.ge_u (local.get $q) (local.get $q1)))
                (local.set $r0 (i32.add (local.get $p) (i32.mul (i32.load (local.get $q)) (local.get $n4))))
                (local.set $a0 (f64x2.add (local.get $a0) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $r0)))))
                (local.set $a1 (f64x2.add (local.get $a1) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $r0)))))
                (local.set $a2 (f64x2.add (local.get $a2) (f64x2.promote_low_f32x4 (v128.load64_zero offset=16 (local.get $r0)))))
                (local.set $a3 (f64x2.add (local.get $a3) (f64x2.promote_low_f32x4 (v128.load64_zero offset=24 (local.get $r0)))))
                (local.set $q (i32.add (local.get $q) (i32.const 4)))
                (br $g1)))
            ;; dW[j + m][i], stride nIn
            (local.set $w (i32.add (local.get $dW) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $nIn)) (local.get $i)) (i32.const 2))))
            (f32.store (local.get $w) (f32.demote_f64 (f64x2.extract_lane 0 (local.get $a0))))
            (local.set $w (i32.add (local.get $w) (local.get $nIn4)))
            (f32.store (local.get $w) (f32.demote_f64 (f64x2.extract_lane 1 (local.get $a0))))
            (local.set $w (i32.add (local.get $w) (local.get $nIn4)))
            (f32.store (local.get $w) (f32.demote_f64 (f64x2.extract_lane 0 (local.get $a1))))
            (local.set $w (i32.add (local.get $w) (local.get $nIn4)))
            (f32.store (local.get $w) (f32.demote_f64 (f64x2.extract_lane 1 (local.get $a1))))
            (local.set $w (i32.add (local.get $w) (local.get $nIn4)))
            (f32.store (local.get $w) (f32.demote_f64 (f64x2.extract_lane 0 (local.get $a2))))
            (local.set $w (i32.add (local.get $w) (local.get $nIn4)))
            (f32.store (local.get $w) (f32.demote_f64 (f64x2.extract_lane 1 (local.get $a2))))
            (local.set $w (i32.add (local.get $w) (local.get $nIn4)))
            (f32.store (local.get $w) (f32.demote_f64 (f64x2.extract_lane 0 (local.get $a3))))
            (local.set $w (i32.add (local.get $w) (local.get $nIn4)))
            (f32.store (local.get $w) (f32.demote_f64 (f64x2.extract_lane 1 (local.get $a3))))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $l8)))
        ;; one neuron per pass
        (block $d1
          (loop $l1
            (br_if $d1 (i32.ge_u (local.get $j) (local.get $j1)))
            (local.set $s (f64.const 0))
            (local.set $p (i32.add (local.get $DX) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $q (local.get $q0))
            (block $g4d
              (loop $g4
                (br_if $g4d (i32.gt_u (i32.add (local.get $q) (i32.const 16)) (local.get $q1)))
                (local.set $s (f64.add (local.get $s) (f64.add (f64.add (f64.add
                  (f64.promote_f32 (f32.load (i32.add (local.get $p) (i32.mul (i32.load (local.get $q)) (local.get $n4)))))
                  (f64.promote_f32 (f32.load (i32.add (local.get $p) (i32.mul (i32.load offset=4 (local.get $q)) (local.get $n4))))))
                  (f64.promote_f32 (f32.load (i32.add (local.get $p) (i32.mul (i32.load offset=8 (local.get $q)) (local.get $n4))))))
                  (f64.promote_f32 (f32.load (i32.add (local.get $p) (i32.mul (i32.load offset=12 (local.get $q)) (local.get $n4))))))))
                (local.set $q (i32.add (local.get $q) (i32.const 16)))
                (br $g4)))
            (block $g1d
              (loop $g1
                (br_if $g1d (i32.ge_u (local.get $q) (local.get $q1)))
                (local.set $s (f64.add (local.get $s)
                  (f64.promote_f32 (f32.load (i32.add (local.get $p) (i32.mul (i32.load (local.get $q)) (local.get $n4)))))))
                (local.set $q (i32.add (local.get $q) (i32.const 4)))
                (br $g1)))
            (f32.store
              (i32.add (local.get $dW) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $nIn)) (local.get $i)) (i32.const 2)))
              (f32.demote_f64 (local.get $s)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $l1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iloop))))

  ;; Gradient to the previous layer's spikes, for rows (b, t') in [0, rows) and inputs i in [i0, i1):
  ;;   GS[row][i] = float32(sum over j ascending with d = DX[row + delay][j] != 0 of W64[j][i] * d)
  ;; (0 when t' + delay >= steps); W64 = float64(W), promoted by the caller (no conversions in the inner loop).
  (func (export "propagate")
    (param $GS i32) (param $W64 i32) (param $DX i32) (param $rows i32) (param $steps i32) (param $delay i32)
    (param $n i32) (param $nIn i32) (param $i0 i32) (param $i1 i32)
    (local $row i32) (local $o i32) (local $dxr i32) (local $i i32) (local $j i32) (local $w i32) (local $nIn4 i32) (local $nIn8 i32)
    (local $d f32) (local $dd v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $s f64)
    (local.set $nIn4 (i32.shl (local.get $nIn) (i32.const 2)))
    (local.set $nIn8 (i32.shl (local.get $nIn) (i32.const 3)))
    (block $rdone
      (loop $rloop
        (br_if $rdone (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $o (i32.add (local.get $GS) (i32.mul (local.get $row) (local.get $nIn4))))
        (if (i32.ge_u (i32.add (i32.rem_u (local.get $row) (local.get $steps)) (local.get $delay)) (local.get $steps))
          (then
            (local.set $i (local.get $i0))
            (block $zd
              (loop $zl
                (br_if $zd (i32.ge_u (local.get $i) (local.get $i1)))
                (f32.store (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 2))) (f32.const 0))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $zl))))
          (else
            (local.set $dxr (i32.add (local.get $DX) (i32.shl (i32.mul (i32.add (local.get $row) (local.get $delay)) (local.get $n)) (i32.const 2))))
            (local.set $i (local.get $i0))
            (block $d8
              (loop $l8
                (br_if $d8 (i32.gt_u (i32.add (local.get $i) (i32.const 8)) (local.get $i1)))
                (local.set $a0 (v128.const i32x4 0 0 0 0))
                (local.set $a1 (v128.const i32x4 0 0 0 0))
                (local.set $a2 (v128.const i32x4 0 0 0 0))
                (local.set $a3 (v128.const i32x4 0 0 0 0))
                (local.set $w (i32.add (local.get $W64) (i32.shl (local.get $i) (i32.const 3))))
                (local.set $j (i32.const 0))
                (block $jd
                  (loop $jl
                    (br_if $jd (i32.ge_u (local.get $j) (local.get $n)))
                    (local.set $d (f32.load (i32.add (local.get $dxr) (i32.shl (local.get $j) (i32.const 2)))))
                    (if (f32.ne (local.get $d) (f32.const 0))
                      (then
                        (local.set $dd (f64x2.splat (f64.promote_f32 (local.get $d))))
                        (local.set $a0 (f64x2.add (local.get $a0)
                          (f64x2.mul (v128.load (local.get $w)) (local.get $dd))))
                        (local.set $a1 (f64x2.add (local.get $a1)
                          (f64x2.mul (v128.load offset=16 (local.get $w)) (local.get $dd))))
                        (local.set $a2 (f64x2.add (local.get $a2)
                          (f64x2.mul (v128.load offset=32 (local.get $w)) (local.get $dd))))
                        (local.set $a3 (f64x2.add (local.get $a3)
                          (f64x2.mul (v128.load offset=48 (local.get $w)) (local.get $dd))))))
                    (local.set $w (i32.add (local.get $w) (local.get $nIn8)))
                    (local.set $j (i32.add (local.get $j) (i32.const 1)))
                    (br $jl)))
                (local.set $w (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 2))))
                (v128.store64_lane 0 (local.get $w) (f32x4.demote_f64x2_zero (local.get $a0)))
                (v128.store64_lane offset=8 0 (local.get $w) (f32x4.demote_f64x2_zero (local.get $a1)))
                (v128.store64_lane offset=16 0 (local.get $w) (f32x4.demote_f64x2_zero (local.get $a2)))
                (v128.store64_lane offset=24 0 (local.get $w) (f32x4.demote_f64x2_zero (local.get $a3)))
                (local.set $i (i32.add (local.get $i) (i32.const 8)))
                (br $l8)))
            (block $d1
              (loop $l1
                (br_if $d1 (i32.ge_u (local.get $i) (local.get $i1)))
                (local.set $s (f64.const 0))
                (local.set $w (i32.add (local.get $W64) (i32.shl (local.get $i) (i32.const 3))))
                (local.set $j (i32.const 0))
                (block $jd
                  (loop $jl
                    (br_if $jd (i32.ge_u (local.get $j) (local.get $n)))
                    (local.set $d (f32.load (i32.add (local.get $dxr) (i32.shl (local.get $j) (i32.const 2)))))
                    (if (f32.ne (local.get $d) (f32.const 0))
                      (then
                        (local.set $s (f64.add (local.get $s)
                          (f64.mul (f64.load (local.get $w)) (f64.promote_f32 (local.get $d)))))))
                    (local.set $w (i32.add (local.get $w) (local.get $nIn8)))
                    (local.set $j (i32.add (local.get $j) (i32.const 1)))
                    (br $jl)))
                (f32.store (i32.add (local.get $o) (i32.shl (local.get $i) (i32.const 2))) (f32.demote_f64 (local.get $s)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $l1)))))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rloop))))

  ;; Input scan of rows [r0, rows) of a [rows][width] float32 tensor (row r = b * steps + t; `data` holds row r0
  ;; onwards, so the caller can stream the tensor through a small buffer chunk by chunk): the CSR of its nonzero
  ;; entries (+0 and -0 are zero; columns ascending) into rowPtr[r0..rows], cols[q], vals[q] for q from nnz0 (written
  ;; while q < cap; the return value is the total nonzero count so far even past cap), per-column counts of entries
  ;; whose row is still inside the window after the delay (t + delay < steps) added into colCnt[i + 1], and
  ;; flags[0] = 1 when some nonzero is not 1 (never reset to 0 here).
  (func (export "scan")
    (param $data i32) (param $rows i32) (param $width i32) (param $steps i32) (param $delay i32)
    (param $rowPtr i32) (param $cols i32) (param $vals i32) (param $colCnt i32) (param $cap i32) (param $flags i32)
    (param $r0 i32) (param $nnz0 i32)
    (result i32)
    (local $r i32) (local $i i32) (local $p i32) (local $nnz i32) (local $shifted i32) (local $mask i32)
    (local $c i32) (local $x i32) (local $nonbin i32) (local $a i32)
    (local.set $p (local.get $data))
    (local.set $r (local.get $r0))
    (local.set $nnz (local.get $nnz0))
    (local.set $nonbin (i32.load (local.get $flags)))
    (block $rdone
      (loop $rloop
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
        (i32.store (i32.add (local.get $rowPtr) (i32.shl (local.get $r) (i32.const 2))) (local.get $nnz))
        (local.set $shifted (i32.lt_u (i32.add (i32.rem_u (local.get $r) (local.get $steps)) (local.get $delay)) (local.get $steps)))
        (local.set $i (i32.const 0))
        ;; 16 floats per pass: one 16-bit mask of the nonzero lanes (fewer unpredictable branches)
        (block $d16
          (loop $l16
            (br_if $d16 (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $width)))
            (local.set $mask (i32.or (i32.or
              (i32x4.bitmask (i32x4.ne (i32x4.shl (v128.load (local.get $p)) (i32.const 1)) (v128.const i32x4 0 0 0 0)))
              (i32.shl (i32x4.bitmask (i32x4.ne (i32x4.shl (v128.load offset=16 (local.get $p)) (i32.const 1)) (v128.const i32x4 0 0 0 0))) (i32.const 4)))
              (i32.or
                (i32.shl (i32x4.bitmask (i32x4.ne (i32x4.shl (v128.load offset=32 (local.get $p)) (i32.const 1)) (v128.const i32x4 0 0 0 0))) (i32.const 8))
                (i32.shl (i32x4.bitmask (i32x4.ne (i32x4.shl (v128.load offset=48 (local.get $p)) (i32.const 1)) (v128.const i32x4 0 0 0 0))) (i32.const 12)))))
            (block $md
              (loop $ml
                (br_if $md (i32.eqz (local.get $mask)))
                (local.set $c (i32.ctz (local.get $mask)))
                (local.set $mask (i32.and (local.get $mask) (i32.sub (local.get $mask) (i32.const 1))))
                (local.set $x (i32.load (i32.add (local.get $p) (i32.shl (local.get $c) (i32.const 2)))))
                (local.set $c (i32.add (local.get $i) (local.get $c)))
                (if (i32.lt_u (local.get $nnz) (local.get $cap))
                  (then
                    (i32.store (i32.add (local.get $cols) (i32.shl (local.get $nnz) (i32.const 2))) (local.get $c))
                    (i32.store (i32.add (local.get $vals) (i32.shl (local.get $nnz) (i32.const 2))) (local.get $x))))
                (local.set $nnz (i32.add (local.get $nnz) (i32.const 1)))
                (if (i32.ne (local.get $x) (i32.const 0x3f800000)) (then (local.set $nonbin (i32.const 1))))
                (if (local.get $shifted)
                  (then
                    (local.set $a (i32.add (local.get $colCnt) (i32.shl (local.get $c) (i32.const 2))))
                    (i32.store offset=4 (local.get $a) (i32.add (i32.load offset=4 (local.get $a)) (i32.const 1)))))
                (br $ml)))
            (local.set $p (i32.add (local.get $p) (i32.const 64)))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $l16)))
        (block $d4
          (loop $l4
            (br_if $d4 (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $width)))
            (local.set $mask (i32x4.bitmask (i32x4.ne (i32x4.shl (v128.load (local.get $p)) (i32.const 1)) (v128.const i32x4 0 0 0 0))))
            (block $md
              (loop $ml
                (br_if $md (i32.eqz (local.get $mask)))
                (local.set $c (i32.ctz (local.get $mask)))
                (local.set $mask (i32.and (local.get $mask) (i32.sub (local.get $mask) (i32.const 1))))
                (local.set $x (i32.load (i32.add (local.get $p) (i32.shl (local.get $c) (i32.const 2)))))
                (local.set $c (i32.add (local.get $i) (local.get $c)))
                (if (i32.lt_u (local.get $nnz) (local.get $cap))
                  (then
                    (i32.store (i32.add (local.get $cols) (i32.shl (local.get $nnz) (i32.const 2))) (local.get $c))
                    (i32.store (i32.add (local.get $vals) (i32.shl (local.get $nnz) (i32.const 2))) (local.get $x))))
                (local.set $nnz (i32.add (local.get $nnz) (i32.const 1)))
                (if (i32.ne (local.get $x) (i32.const 0x3f800000)) (then (local.set $nonbin (i32.const 1))))
                (if (local.get $shifted)
                  (then
                    (local.set $a (i32.add (local.get $colCnt) (i32.shl (local.get $c) (i32.const 2))))
                    (i32.store offset=4 (local.get $a) (i32.add (i32.load offset=4 (local.get $a)) (i32.const 1)))))
                (br $ml)))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $l4)))
        (block $d1
          (loop $l1
            (br_if $d1 (i32.ge_u (local.get $i) (local.get $width)))
            (local.set $x (i32.load (local.get $p)))
            (if (i32.ne (i32.shl (local.get $x) (i32.const 1)) (i32.const 0))
              (then
                (if (i32.lt_u (local.get $nnz) (local.get $cap))
                  (then
                    (i32.store (i32.add (local.get $cols) (i32.shl (local.get $nnz) (i32.const 2))) (local.get $i))
                    (i32.store (i32.add (local.get $vals) (i32.shl (local.get $nnz) (i32.const 2))) (local.get $x))))
                (local.set $nnz (i32.add (local.get $nnz) (i32.const 1)))
                (if (i32.ne (local.get $x) (i32.const 0x3f800000)) (then (local.set $nonbin (i32.const 1))))
                (if (local.get $shifted)
                  (then
                    (local.set $a (i32.add (local.get $colCnt) (i32.shl (local.get $i) (i32.const 2))))
                    (i32.store offset=4 (local.get $a) (i32.add (i32.load offset=4 (local.get $a)) (i32.const 1)))))))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $l1)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rloop)))
    (i32.store (i32.add (local.get $rowPtr) (i32.shl (local.get $rows) (i32.const 2))) (local.get $nnz))
    (i32.store (local.get $flags) (local.get $nonbin))
    (local.get $nnz))

  ;; Reverse time scan of one layer's slice, float64 like backwardScan in kernels.ts (same expressions, same order),
  ;; for the surrogates without exp: kind 1 fastSigmoid(p1), 2 atan(p1), 3 triangle(p1 scale, p2 width).
  ;; gIn is dL/dcount [B][n] when isLast, else dL/dS [B][T][n]; carryV, carryI, thAcc, biasAcc are float64 [n]
  ;; (slice owned by this thread). Writes DX (float32) and accumulates thAcc, biasAcc from 0.
  (func (export "bscan")
    (param $U i32) (param $S i32) (param $th i32) (param $gIn i32) (param $isLast i32) (param $DX i32)
    (param $B i32) (param $T i32) (param $n i32) (param $j0 i32) (param $j1 i32)
    (param $aI f64) (param $aV f64) (param $hasCurrent i32) (param $subtract i32) (param $detach i32)
    (param $kind i32) (param $p1 f64) (param $p2 f64)
    (param $carryV i32) (param $carryI i32) (param $thAcc i32) (param $biasAcc i32)
    (local $b i32) (local $t i32) (local $j i32) (local $o i32) (local $j8 i32)
    (local $u f64) (local $s f64) (local $thj f64) (local $gs f64) (local $x f64) (local $g f64) (local $d f64)
    (local $dv f64) (local $dS f64) (local $dU f64) (local $dT f64) (local $dx f64)
    (local $vu v128) (local $vs v128) (local $vth v128) (local $vgs v128) (local $vx v128) (local $vg v128)
    (local $vd v128) (local $vdv v128) (local $vdS v128) (local $vdU v128) (local $vdT v128) (local $vdx v128)
    (local $a i32)
    (local.set $j (local.get $j0))
    (block $zd (loop $zl
      (br_if $zd (i32.ge_u (local.get $j) (local.get $j1)))
      (local.set $j8 (i32.shl (local.get $j) (i32.const 3)))
      (f64.store (i32.add (local.get $thAcc) (local.get $j8)) (f64.const 0))
      (f64.store (i32.add (local.get $biasAcc) (local.get $j8)) (f64.const 0))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $zl)))
    (block $bd (loop $bl
      (br_if $bd (i32.ge_u (local.get $b) (local.get $B)))
      (local.set $j (local.get $j0))
      (block $cd (loop $cl
        (br_if $cd (i32.ge_u (local.get $j) (local.get $j1)))
        (local.set $j8 (i32.shl (local.get $j) (i32.const 3)))
        (f64.store (i32.add (local.get $carryV) (local.get $j8)) (f64.const 0))
        (f64.store (i32.add (local.get $carryI) (local.get $j8)) (f64.const 0))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $cl)))
      (local.set $t (local.get $T))
      (block $td (loop $tl
        (br_if $td (i32.eqz (local.get $t)))
        (local.set $t (i32.sub (local.get $t) (i32.const 1)))
        (local.set $o (i32.mul (i32.add (i32.mul (local.get $b) (local.get $T)) (local.get $t)) (local.get $n)))
        (local.set $j (local.get $j0))
        ;; two neurons per pass (f64x2): the same float64 operations per lane as the scalar loop below
        (block $vd2 (loop $vl2
          (br_if $vd2 (i32.gt_u (i32.add (local.get $j) (i32.const 2)) (local.get $j1)))
          (local.set $j8 (i32.shl (local.get $j) (i32.const 3)))
          (local.set $a (i32.add (local.get $o) (local.get $j)))
          (local.set $vu (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $U) (i32.shl (local.get $a) (i32.const 2))))))
          (local.set $vs (f64x2.replace_lane 1
            (f64x2.splat (f64.convert_i32_u (i32.load8_u (i32.add (local.get $S) (local.get $a)))))
            (f64.convert_i32_u (i32.load8_u offset=1 (i32.add (local.get $S) (local.get $a))))))
          (local.set $vth (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $th) (i32.shl (local.get $j) (i32.const 2))))))
          (local.set $vgs (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $gIn) (i32.shl
            (if (result i32) (local.get $isLast)
              (then (i32.add (i32.mul (local.get $b) (local.get $n)) (local.get $j)))
              (else (local.get $a)))
            (i32.const 2))))))
          (local.set $vx (f64x2.sub (local.get $vu) (local.get $vth)))
          (if (i32.eq (local.get $kind) (i32.const 1))
            (then
              (local.set $vd (f64x2.add (f64x2.splat (f64.const 1)) (f64x2.mul (f64x2.splat (local.get $p1)) (f64x2.abs (local.get $vx)))))
              (local.set $vg (f64x2.div (f64x2.splat (f64.const 1)) (f64x2.mul (local.get $vd) (local.get $vd)))))
            (else (if (i32.eq (local.get $kind) (i32.const 2))
              (then
                (local.set $vd (f64x2.div (f64x2.mul (f64x2.splat (f64.mul (f64.const 0x1.921fb54442d18p+1) (local.get $p1))) (local.get $vx)) (f64x2.splat (f64.const 2))))
                (local.set $vg (f64x2.div (f64x2.splat (f64.div (local.get $p1) (f64.const 2))) (f64x2.add (f64x2.splat (f64.const 1)) (f64x2.mul (local.get $vd) (local.get $vd))))))
              (else
                (local.set $vd (f64x2.sub (f64x2.splat (f64.const 1)) (f64x2.div (f64x2.abs (local.get $vx)) (f64x2.splat (local.get $p2)))))
                (local.set $vg (v128.bitselect (f64x2.mul (f64x2.splat (local.get $p1)) (local.get $vd)) (v128.const i32x4 0 0 0 0)
                  (f64x2.gt (local.get $vd) (v128.const i32x4 0 0 0 0))))))))
          (local.set $vdv (v128.load (i32.add (local.get $carryV) (local.get $j8))))
          (if (local.get $subtract)
            (then
              (local.set $vdS (if (result v128) (local.get $detach) (then (local.get $vgs))
                (else (f64x2.sub (local.get $vgs) (f64x2.mul (local.get $vth) (local.get $vdv))))))
              (local.set $vdU (f64x2.add (local.get $vdv) (f64x2.mul (local.get $vdS) (local.get $vg))))
              (local.set $vdT (f64x2.sub (f64x2.mul (f64x2.neg (local.get $vdS)) (local.get $vg)) (f64x2.mul (local.get $vs) (local.get $vdv)))))
            (else
              (local.set $vdS (if (result v128) (local.get $detach) (then (local.get $vgs))
                (else (f64x2.sub (local.get $vgs) (f64x2.mul (local.get $vu) (local.get $vdv))))))
              (local.set $vdU (f64x2.add (f64x2.mul (local.get $vdv) (f64x2.sub (f64x2.splat (f64.const 1)) (local.get $vs))) (f64x2.mul (local.get $vdS) (local.get $vg))))
              (local.set $vdT (f64x2.mul (f64x2.neg (local.get $vdS)) (local.get $vg)))))
          (if (local.get $hasCurrent)
            (then
              (local.set $vdx (f64x2.add (local.get $vdU) (f64x2.mul (f64x2.splat (local.get $aI)) (v128.load (i32.add (local.get $carryI) (local.get $j8))))))
              (v128.store (i32.add (local.get $carryI) (local.get $j8)) (local.get $vdx)))
            (else (local.set $vdx (local.get $vdU))))
          (v128.store64_lane 0 (i32.add (local.get $DX) (i32.shl (local.get $a) (i32.const 2))) (f32x4.demote_f64x2_zero (local.get $vdx)))
          (v128.store (i32.add (local.get $thAcc) (local.get $j8)) (f64x2.add (v128.load (i32.add (local.get $thAcc) (local.get $j8))) (local.get $vdT)))
          (v128.store (i32.add (local.get $biasAcc) (local.get $j8)) (f64x2.add (v128.load (i32.add (local.get $biasAcc) (local.get $j8))) (local.get $vdx)))
          (v128.store (i32.add (local.get $carryV) (local.get $j8)) (f64x2.mul (f64x2.splat (local.get $aV)) (local.get $vdU)))
          (local.set $j (i32.add (local.get $j) (i32.const 2)))
          (br $vl2)))
        (block $jd (loop $jl
          (br_if $jd (i32.ge_u (local.get $j) (local.get $j1)))
          (local.set $j8 (i32.shl (local.get $j) (i32.const 3)))
          (local.set $u (f64.promote_f32 (f32.load (i32.add (local.get $U) (i32.shl (i32.add (local.get $o) (local.get $j)) (i32.const 2))))))
          (local.set $s (f64.convert_i32_u (i32.load8_u (i32.add (local.get $S) (i32.add (local.get $o) (local.get $j))))))
          (local.set $thj (f64.promote_f32 (f32.load (i32.add (local.get $th) (i32.shl (local.get $j) (i32.const 2))))))
          (local.set $gs (f64.promote_f32 (f32.load (i32.add (local.get $gIn) (i32.shl
            (if (result i32) (local.get $isLast)
              (then (i32.add (i32.mul (local.get $b) (local.get $n)) (local.get $j)))
              (else (i32.add (local.get $o) (local.get $j))))
            (i32.const 2))))))
          (local.set $x (f64.sub (local.get $u) (local.get $thj)))
          (if (i32.eq (local.get $kind) (i32.const 1))
            (then
              (local.set $d (f64.add (f64.const 1) (f64.mul (local.get $p1) (f64.abs (local.get $x)))))
              (local.set $g (f64.div (f64.const 1) (f64.mul (local.get $d) (local.get $d)))))
            (else (if (i32.eq (local.get $kind) (i32.const 2))
              (then
                (local.set $d (f64.div (f64.mul (f64.mul (f64.const 0x1.921fb54442d18p+1) (local.get $p1)) (local.get $x)) (f64.const 2)))
                (local.set $g (f64.div (f64.div (local.get $p1) (f64.const 2)) (f64.add (f64.const 1) (f64.mul (local.get $d) (local.get $d))))))
              (else
                (local.set $d (f64.sub (f64.const 1) (f64.div (f64.abs (local.get $x)) (local.get $p2))))
                (local.set $g (select (f64.mul (local.get $p1) (local.get $d)) (f64.const 0) (f64.gt (local.get $d) (f64.const 0))))))))
          (local.set $dv (f64.load (i32.add (local.get $carryV) (local.get $j8))))
          (if (local.get $subtract)
            (then
              (local.set $dS (if (result f64) (local.get $detach) (then (local.get $gs))
                (else (f64.sub (local.get $gs) (f64.mul (local.get $thj) (local.get $dv))))))
              (local.set $dU (f64.add (local.get $dv) (f64.mul (local.get $dS) (local.get $g))))
              (local.set $dT (f64.sub (f64.mul (f64.neg (local.get $dS)) (local.get $g)) (f64.mul (local.get $s) (local.get $dv)))))
            (else
              (local.set $dS (if (result f64) (local.get $detach) (then (local.get $gs))
                (else (f64.sub (local.get $gs) (f64.mul (local.get $u) (local.get $dv))))))
              (local.set $dU (f64.add (f64.mul (local.get $dv) (f64.sub (f64.const 1) (local.get $s))) (f64.mul (local.get $dS) (local.get $g))))
              (local.set $dT (f64.mul (f64.neg (local.get $dS)) (local.get $g)))))
          (if (local.get $hasCurrent)
            (then
              (local.set $dx (f64.add (local.get $dU) (f64.mul (local.get $aI) (f64.load (i32.add (local.get $carryI) (local.get $j8))))))
              (f64.store (i32.add (local.get $carryI) (local.get $j8)) (local.get $dx)))
            (else (local.set $dx (local.get $dU))))
          (f32.store (i32.add (local.get $DX) (i32.shl (i32.add (local.get $o) (local.get $j)) (i32.const 2))) (f32.demote_f64 (local.get $dx)))
          (f64.store (i32.add (local.get $thAcc) (local.get $j8)) (f64.add (f64.load (i32.add (local.get $thAcc) (local.get $j8))) (local.get $dT)))
          (f64.store (i32.add (local.get $biasAcc) (local.get $j8)) (f64.add (f64.load (i32.add (local.get $biasAcc) (local.get $j8))) (local.get $dx)))
          (f64.store (i32.add (local.get $carryV) (local.get $j8)) (f64.mul (local.get $aV) (local.get $dU)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $jl)))
        (br $tl)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bl))))

  ;; Forward neuron time scan of one layer's slice, like neuronScan in kernels.ts (same roundings): U holds the
  ;; synaptic input on entry and the pre-reset voltage on exit; writes S and counts (float64, from 0). cur and vol
  ;; are float64 scratch [n] (float32 values) of this thread's slice.
  (func (export "fscan")
    (param $U i32) (param $S i32) (param $counts i32) (param $th i32) (param $bias i32)
    (param $B i32) (param $T i32) (param $n i32) (param $j0 i32) (param $j1 i32)
    (param $aI f64) (param $aV f64) (param $hasCurrent i32) (param $subtract i32) (param $hasBias i32)
    (param $cur i32) (param $vol i32)
    (local $b i32) (local $t i32) (local $j i32) (local $o i32) (local $j8 i32) (local $pu i32)
    (local $x f32) (local $i f32) (local $v f32) (local $thj f32)
    (local $vx v128) (local $vi v128) (local $vv v128) (local $vth v128) (local $m32 v128) (local $m64 v128)
    (local.set $j (local.get $j0))
    (block $zd (loop $zl
      (br_if $zd (i32.ge_u (local.get $j) (local.get $j1)))
      (f64.store (i32.add (local.get $counts) (i32.shl (local.get $j) (i32.const 3))) (f64.const 0))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $zl)))
    (block $bd (loop $bl
      (br_if $bd (i32.ge_u (local.get $b) (local.get $B)))
      (local.set $j (local.get $j0))
      (block $cd (loop $cl
        (br_if $cd (i32.ge_u (local.get $j) (local.get $j1)))
        (local.set $j8 (i32.shl (local.get $j) (i32.const 3)))
        (f64.store (i32.add (local.get $cur) (local.get $j8)) (f64.const 0))
        (f64.store (i32.add (local.get $vol) (local.get $j8)) (f64.const 0))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $cl)))
      (local.set $t (i32.const 0))
      (block $td (loop $tl
        (br_if $td (i32.ge_u (local.get $t) (local.get $T)))
        (local.set $o (i32.mul (i32.add (i32.mul (local.get $b) (local.get $T)) (local.get $t)) (local.get $n)))
        (local.set $j (local.get $j0))
        ;; two neurons per pass: the scalar loop's float32/float64 operations per lane (lanes 2 and 3 unused); a spike
        ;; adds 1 to counts, a non-spike adds +0 (exact: counts are >= 0)
        (block $vd2 (loop $vl2
          (br_if $vd2 (i32.gt_u (i32.add (local.get $j) (i32.const 2)) (local.get $j1)))
          (local.set $j8 (i32.shl (local.get $j) (i32.const 3)))
          (local.set $pu (i32.add (local.get $U) (i32.shl (i32.add (local.get $o) (local.get $j)) (i32.const 2))))
          (local.set $vx (v128.load64_zero (local.get $pu)))
          (if (local.get $hasBias)
            (then (local.set $vx (f32x4.add (local.get $vx) (v128.load64_zero (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))))))))
          (if (local.get $hasCurrent)
            (then
              (local.set $vi (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.splat (local.get $aI)) (v128.load (i32.add (local.get $cur) (local.get $j8))))
                (f64x2.promote_low_f32x4 (local.get $vx)))))
              (v128.store (i32.add (local.get $cur) (local.get $j8)) (f64x2.promote_low_f32x4 (local.get $vi))))
            (else (local.set $vi (local.get $vx))))
          (local.set $vv (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.splat (local.get $aV)) (v128.load (i32.add (local.get $vol) (local.get $j8))))
            (f64x2.promote_low_f32x4 (local.get $vi)))))
          (v128.store64_lane 0 (local.get $pu) (local.get $vv))
          (local.set $vth (v128.load64_zero (i32.add (local.get $th) (i32.shl (local.get $j) (i32.const 2)))))
          (local.set $m32 (f32x4.ge (local.get $vv) (local.get $vth)))
          (local.set $m64 (i64x2.extend_low_i32x4_s (local.get $m32)))
          (i32.store8 (i32.add (local.get $S) (i32.add (local.get $o) (local.get $j))) (i32.and (i32x4.extract_lane 0 (local.get $m32)) (i32.const 1)))
          (i32.store8 offset=1 (i32.add (local.get $S) (i32.add (local.get $o) (local.get $j))) (i32.and (i32x4.extract_lane 1 (local.get $m32)) (i32.const 1)))
          (v128.store (i32.add (local.get $counts) (local.get $j8))
            (f64x2.add (v128.load (i32.add (local.get $counts) (local.get $j8))) (v128.and (local.get $m64) (f64x2.splat (f64.const 1)))))
          (v128.store (i32.add (local.get $vol) (local.get $j8))
            (v128.bitselect
              (if (result v128) (local.get $subtract)
                (then (f64x2.promote_low_f32x4 (f32x4.sub (local.get $vv) (local.get $vth))))
                (else (v128.const i32x4 0 0 0 0)))
              (f64x2.promote_low_f32x4 (local.get $vv))
              (local.get $m64)))
          (local.set $j (i32.add (local.get $j) (i32.const 2)))
          (br $vl2)))
        (block $jd (loop $jl
          (br_if $jd (i32.ge_u (local.get $j) (local.get $j1)))
          (local.set $j8 (i32.shl (local.get $j) (i32.const 3)))
          (local.set $pu (i32.add (local.get $U) (i32.shl (i32.add (local.get $o) (local.get $j)) (i32.const 2))))
          (local.set $x (f32.load (local.get $pu)))
          (if (local.get $hasBias)
            (then (local.set $x (f32.add (local.get $x) (f32.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))))))))
          (if (local.get $hasCurrent)
            (then
              (local.set $i (f32.demote_f64 (f64.add (f64.mul (local.get $aI) (f64.load (i32.add (local.get $cur) (local.get $j8)))) (f64.promote_f32 (local.get $x)))))
              (f64.store (i32.add (local.get $cur) (local.get $j8)) (f64.promote_f32 (local.get $i))))
            (else (local.set $i (local.get $x))))
          (local.set $v (f32.demote_f64 (f64.add (f64.mul (local.get $aV) (f64.load (i32.add (local.get $vol) (local.get $j8)))) (f64.promote_f32 (local.get $i)))))
          (f32.store (local.get $pu) (local.get $v))
          (local.set $thj (f32.load (i32.add (local.get $th) (i32.shl (local.get $j) (i32.const 2)))))
          (if (f32.ge (local.get $v) (local.get $thj))
            (then
              (i32.store8 (i32.add (local.get $S) (i32.add (local.get $o) (local.get $j))) (i32.const 1))
              (f64.store (i32.add (local.get $counts) (local.get $j8)) (f64.add (f64.load (i32.add (local.get $counts) (local.get $j8))) (f64.const 1)))
              (f64.store (i32.add (local.get $vol) (local.get $j8))
                (if (result f64) (local.get $subtract)
                  (then (f64.promote_f32 (f32.sub (local.get $v) (local.get $thj))))
                  (else (f64.const 0)))))
            (else
              (i32.store8 (i32.add (local.get $S) (i32.add (local.get $o) (local.get $j))) (i32.const 0))
              (f64.store (i32.add (local.get $vol) (local.get $j8)) (f64.promote_f32 (local.get $v)))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $jl)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $tl)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bl))))

  ;; Weight transpose of a neuron slice: WT[i][j] = W[j][i] for j in [j0, j1), i in [0, nIn) (W is [n][nIn], WT is
  ;; [nIn][n]); 4 x 4 blocks with lane shuffles, scalar edges. A pure copy, so any order gives the same bits.
  (func (export "transpose")
    (param $W i32) (param $WT i32) (param $n i32) (param $nIn i32) (param $j0 i32) (param $j1 i32)
    (local $j i32) (local $i i32) (local $src i32) (local $dst i32) (local $sIn i32) (local $sn i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $sIn (i32.shl (local.get $nIn) (i32.const 2)))
    (local.set $sn (i32.shl (local.get $n) (i32.const 2)))
    (local.set $j (local.get $j0))
    (block $jd
      (loop $jl
        (br_if $jd (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $j1)))
        (local.set $i (i32.const 0))
        (block $id
          (loop $il
            (br_if $id (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $nIn)))
            (local.set $src (i32.add (local.get $W) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $nIn)) (local.get $i)) (i32.const 2))))
            (local.set $r0 (v128.load (local.get $src)))
            (local.set $r1 (v128.load (i32.add (local.get $src) (local.get $sIn))))
            (local.set $r2 (v128.load (i32.add (local.get $src) (i32.shl (local.get $sIn) (i32.const 1)))))
            (local.set $r3 (v128.load (i32.add (local.get $src) (i32.mul (local.get $sIn) (i32.const 3)))))
            (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
            (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
            (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
            (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
            (local.set $dst (i32.add (local.get $WT) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2))))
            (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
            (v128.store (i32.add (local.get $dst) (local.get $sn)) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
            (v128.store (i32.add (local.get $dst) (i32.shl (local.get $sn) (i32.const 1))) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
            (v128.store (i32.add (local.get $dst) (i32.mul (local.get $sn) (i32.const 3))) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $il)))
        ;; the last nIn % 4 inputs of these 4 neurons
        (block $ed
          (loop $el
            (br_if $ed (i32.ge_u (local.get $i) (local.get $nIn)))
            (local.set $src (i32.add (local.get $W) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $nIn)) (local.get $i)) (i32.const 2))))
            (local.set $dst (i32.add (local.get $WT) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2))))
            (i32.store (local.get $dst) (i32.load (local.get $src)))
            (i32.store offset=4 (local.get $dst) (i32.load (i32.add (local.get $src) (local.get $sIn))))
            (i32.store offset=8 (local.get $dst) (i32.load (i32.add (local.get $src) (i32.shl (local.get $sIn) (i32.const 1)))))
            (i32.store offset=12 (local.get $dst) (i32.load (i32.add (local.get $src) (i32.mul (local.get $sIn) (i32.const 3)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $el)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $jl)))
    ;; the last (j1 - j0) % 4 neurons, one at a time
    (block $jd1
      (loop $jl1
        (br_if $jd1 (i32.ge_u (local.get $j) (local.get $j1)))
        (local.set $i (i32.const 0))
        (block $id1
          (loop $il1
            (br_if $id1 (i32.ge_u (local.get $i) (local.get $nIn)))
            (i32.store (i32.add (local.get $WT) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2)))
              (i32.load (i32.add (local.get $W) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $nIn)) (local.get $i)) (i32.const 2)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $il1)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $jl1))))

  ;; Spike scan of a [rows][width] 0/1 byte matrix S (row r = b * steps + t): its CSR (columns ascending) into
  ;; rowPtr[0..rows] and cols, and colCnt[0..width] zeroed, then colCnt[i + 1] = the number of entries of column i
  ;; whose row is still inside the window after the delay (t + delay < steps). Returns the nonzero count.
  (func (export "spikes")
    (param $S i32) (param $rows i32) (param $width i32) (param $steps i32) (param $delay i32)
    (param $rowPtr i32) (param $cols i32) (param $colCnt i32)
    (result i32)
    (local $r i32) (local $i i32) (local $p i32) (local $nnz i32) (local $shifted i32) (local $mask i32)
    (local $c i32) (local $a i32)
    (block $zd
      (loop $zl
        (br_if $zd (i32.gt_u (local.get $i) (local.get $width)))
        (i32.store (i32.add (local.get $colCnt) (i32.shl (local.get $i) (i32.const 2))) (i32.const 0))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $zl)))
    (local.set $p (local.get $S))
    (block $rdone
      (loop $rloop
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
        (i32.store (i32.add (local.get $rowPtr) (i32.shl (local.get $r) (i32.const 2))) (local.get $nnz))
        (local.set $shifted (i32.lt_u (i32.add (i32.rem_u (local.get $r) (local.get $steps)) (local.get $delay)) (local.get $steps)))
        (local.set $i (i32.const 0))
        (block $d16
          (loop $l16
            (br_if $d16 (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $width)))
            (local.set $mask (i8x16.bitmask (i8x16.ne (v128.load (local.get $p)) (v128.const i32x4 0 0 0 0))))
            (block $md
              (loop $ml
                (br_if $md (i32.eqz (local.get $mask)))
                (local.set $c (i32.add (local.get $i) (i32.ctz (local.get $mask))))
                (local.set $mask (i32.and (local.get $mask) (i32.sub (local.get $mask) (i32.const 1))))
                (i32.store (i32.add (local.get $cols) (i32.shl (local.get $nnz) (i32.const 2))) (local.get $c))
                (local.set $nnz (i32.add (local.get $nnz) (i32.const 1)))
                (if (local.get $shifted)
                  (then
                    (local.set $a (i32.add (local.get $colCnt) (i32.shl (local.get $c) (i32.const 2))))
                    (i32.store offset=4 (local.get $a) (i32.add (i32.load offset=4 (local.get $a)) (i32.const 1)))))
                (br $ml)))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $l16)))
        (block $d1
          (loop $l1
            (br_if $d1 (i32.ge_u (local.get $i) (local.get $width)))
            (if (i32.load8_u (local.get $p))
              (then
                (i32.store (i32.add (local.get $cols) (i32.shl (local.get $nnz) (i32.const 2))) (local.get $i))
                (local.set $nnz (i32.add (local.get $nnz) (i32.const 1)))
                (if (local.get $shifted)
                  (then
                    (local.set $a (i32.add (local.get $colCnt) (i32.shl (local.get $i) (i32.const 2))))
                    (i32.store offset=4 (local.get $a) (i32.add (i32.load offset=4 (local.get $a)) (i32.const 1)))))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $l1)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rloop)))
    (i32.store (i32.add (local.get $rowPtr) (i32.shl (local.get $rows) (i32.const 2))) (local.get $nnz))
    (local.get $nnz))

  ;; The delay-shifted CSC from a CSR (like buildInputCsc in kernels.ts): colPtr[i + 1] holds column i's count of
  ;; in-window entries on entry and colPtr is the column start table on exit; for rows r with t + delay < steps, in
  ;; ascending r and q, entry q of column i goes to the next slot p of column i: outRows[p] = r + delay and (when
  ;; hasVals) outVals[p] = vals[q].
  (func (export "csc")
    (param $rowPtr i32) (param $cols i32) (param $vals i32) (param $colPtr i32) (param $outRows i32) (param $outVals i32)
    (param $rows i32) (param $width i32) (param $steps i32) (param $delay i32) (param $hasVals i32)
    (local $i i32) (local $r i32) (local $q i32) (local $e i32) (local $a i32) (local $p i32)
    (local $target i32)
    ;; prefix sums: colPtr[i + 1] += colPtr[i]
    (block $pd
      (loop $pl
        (br_if $pd (i32.ge_u (local.get $i) (local.get $width)))
        (local.set $a (i32.add (local.get $colPtr) (i32.shl (local.get $i) (i32.const 2))))
        (i32.store offset=4 (local.get $a) (i32.add (i32.load offset=4 (local.get $a)) (i32.load (local.get $a))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $pl)))
    (block $rdone
      (loop $rloop
        (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
        (if (i32.lt_u (i32.add (i32.rem_u (local.get $r) (local.get $steps)) (local.get $delay)) (local.get $steps))
          (then
            (local.set $target (i32.add (local.get $r) (local.get $delay)))
            (local.set $q (i32.load (i32.add (local.get $rowPtr) (i32.shl (local.get $r) (i32.const 2)))))
            (local.set $e (i32.load offset=4 (i32.add (local.get $rowPtr) (i32.shl (local.get $r) (i32.const 2)))))
            (block $qd
              (loop $ql
                (br_if $qd (i32.ge_u (local.get $q) (local.get $e)))
                (local.set $a (i32.add (local.get $colPtr) (i32.shl (i32.load (i32.add (local.get $cols) (i32.shl (local.get $q) (i32.const 2)))) (i32.const 2))))
                (local.set $p (i32.load (local.get $a)))
                (i32.store (i32.add (local.get $outRows) (i32.shl (local.get $p) (i32.const 2))) (local.get $target))
                (if (local.get $hasVals)
                  (then
                    (i32.store (i32.add (local.get $outVals) (i32.shl (local.get $p) (i32.const 2)))
                      (i32.load (i32.add (local.get $vals) (i32.shl (local.get $q) (i32.const 2)))))))
                (i32.store (local.get $a) (i32.add (local.get $p) (i32.const 1)))
                (local.set $q (i32.add (local.get $q) (i32.const 1)))
                (br $ql)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rloop)))
    ;; colPtr[i] now holds the start of column i + 1: shift right to restore the starts
    (local.set $i (local.get $width))
    (block $sd
      (loop $sl
        (br_if $sd (i32.eqz (local.get $i)))
        (local.set $a (i32.add (local.get $colPtr) (i32.shl (local.get $i) (i32.const 2))))
        (i32.store (local.get $a) (i32.load (i32.sub (local.get $a) (i32.const 4))))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $sl)))
    (i32.store (local.get $colPtr) (i32.const 0)))
)
