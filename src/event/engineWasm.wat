;; The description engine's WebAssembly kernels (src/event/engineWasm.ts), compiled into engineWasm-binary.ts by
;; scripts/build-wasm.mjs. They work in place on the engine's arena: one imported memory that holds the CSR
;; (targets, weights), the input buffers, the populations' state and the drive streams (src/event/compile.ts).
;; Pointers are byte offsets (unsigned: the arena may exceed 2 GiB), compared with the _u instructions.
(module
  ;; shared, so that worker threads run the same kernels on the same arena (src/event/engineThreads.ts)
  (import "env" "memory" (memory 1 65536 shared))

  ;; deliver: `count` delay groups listed at `list` as (start, end, x) int32 triples: for k in [start, end),
  ;; x[targets[k]] += weights[k] as f32.add (the correctly rounded float32 sum: the same bits as JavaScript's
  ;; float64 add of the two float32 values and a float32 store, since float64 holds that sum exactly before its one
  ;; rounding). Groups in list order, synapses in CSR order. Returns the number of synapses.
  (func (export "deliver") (param $list i32) (param $count i32) (param $targets i32) (param $weights i32) (result i32)
    (local $e i32) (local $pt i32) (local $pw i32) (local $pe i32) (local $x i32) (local $a i32) (local $syn i32)
    (local.set $e (i32.add (local.get $list) (i32.mul (local.get $count) (i32.const 12))))
    (block $done (loop $groups
      (br_if $done (i32.ge_u (local.get $list) (local.get $e)))
      (local.set $pt (i32.add (local.get $targets) (i32.shl (i32.load (local.get $list)) (i32.const 2))))
      (local.set $pe (i32.add (local.get $targets) (i32.shl (i32.load offset=4 (local.get $list)) (i32.const 2))))
      (local.set $pw (i32.add (local.get $weights) (i32.shl (i32.load (local.get $list)) (i32.const 2))))
      (local.set $x (i32.load offset=8 (local.get $list)))
      (local.set $syn (i32.add (local.get $syn) (i32.shr_u (i32.sub (local.get $pe) (local.get $pt)) (i32.const 2))))
      ;; two synapses per turn while at least two are left (each store is done before the next load: a repeated
      ;; target sees the first sum)
      (block $pairs (loop $pair
        (br_if $pairs (i32.gt_u (i32.add (local.get $pt) (i32.const 8)) (local.get $pe)))
        (local.set $a (i32.add (local.get $x) (i32.shl (i32.load (local.get $pt)) (i32.const 2))))
        (f32.store (local.get $a) (f32.add (f32.load (local.get $a)) (f32.load (local.get $pw))))
        (local.set $a (i32.add (local.get $x) (i32.shl (i32.load offset=4 (local.get $pt)) (i32.const 2))))
        (f32.store (local.get $a) (f32.add (f32.load (local.get $a)) (f32.load offset=4 (local.get $pw))))
        (local.set $pt (i32.add (local.get $pt) (i32.const 8)))
        (local.set $pw (i32.add (local.get $pw) (i32.const 8)))
        (br $pair)))
      (if (i32.lt_u (local.get $pt) (local.get $pe))
        (then
          (local.set $a (i32.add (local.get $x) (i32.shl (i32.load (local.get $pt)) (i32.const 2))))
          (f32.store (local.get $a) (f32.add (f32.load (local.get $a)) (f32.load (local.get $pw))))))
      (local.set $list (i32.add (local.get $list) (i32.const 12)))
      (br $groups)))
    (local.get $syn))

  ;; deliverPart: `deliver` restricted to the targets in [lo, hi) (one thread's neurons): every group's targets must
  ;; be sorted ascending (src/event/compile.ts sorts each group by target, stably), so they are the sub-range found by
  ;; a binary search for lo and ended at the first target >= hi. Each target gets its synapses in the same order as
  ;; from `deliver` (groups in list order, synapses in CSR order), so the sums have the same bits. Returns the number
  ;; of synapses delivered.
  (func (export "deliverPart") (param $list i32) (param $count i32) (param $targets i32) (param $weights i32)
    (param $lo i32) (param $hi i32) (result i32)
    (local $e i32) (local $a i32) (local $b i32) (local $mid i32) (local $pt i32) (local $pe i32) (local $pw i32)
    (local $x i32) (local $j i32) (local $syn i32)
    (local.set $e (i32.add (local.get $list) (i32.mul (local.get $count) (i32.const 12))))
    (block $done (loop $groups
      (br_if $done (i32.ge_u (local.get $list) (local.get $e)))
      ;; first synapse with target >= lo: binary search over [start, end)
      (local.set $a (i32.load (local.get $list)))
      (local.set $b (i32.load offset=4 (local.get $list)))
      (block $found (loop $search
        (br_if $found (i32.ge_u (local.get $a) (local.get $b)))
        (local.set $mid (i32.shr_u (i32.add (local.get $a) (local.get $b)) (i32.const 1)))
        (if (i32.lt_s (i32.load (i32.add (local.get $targets) (i32.shl (local.get $mid) (i32.const 2)))) (local.get $lo))
          (then (local.set $a (i32.add (local.get $mid) (i32.const 1))))
          (else (local.set $b (local.get $mid))))
        (br $search)))
      (local.set $pt (i32.add (local.get $targets) (i32.shl (local.get $a) (i32.const 2))))
      (local.set $pw (i32.add (local.get $weights) (i32.shl (local.get $a) (i32.const 2))))
      (local.set $pe (i32.add (local.get $targets) (i32.shl (i32.load offset=4 (local.get $list)) (i32.const 2))))
      (local.set $x (i32.load offset=8 (local.get $list)))
      (block $end (loop $syns
        (br_if $end (i32.ge_u (local.get $pt) (local.get $pe)))
        (local.set $j (i32.load (local.get $pt)))
        (br_if $end (i32.ge_s (local.get $j) (local.get $hi)))
        (local.set $a (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 2))))
        (f32.store (local.get $a) (f32.add (f32.load (local.get $a)) (f32.load (local.get $pw))))
        (local.set $syn (i32.add (local.get $syn) (i32.const 1)))
        (local.set $pt (i32.add (local.get $pt) (i32.const 4)))
        (local.set $pw (i32.add (local.get $pw) (i32.const 4)))
        (br $syns)))
      (local.set $list (i32.add (local.get $list) (i32.const 12)))
      (br $groups)))
    (local.get $syn))

  ;; draw4: `draw` over x[0, n) with four blocks of 1024 neurons at a time in i32x4 lanes (lane j = block 4 g + j,
  ;; neuron k of each block in turn): each block's sfc32 stream advances in its own lane, so every neuron gets the
  ;; same draw, count and float64 update as from `draw` (per-lane IEEE operations); the neurons after the last whole
  ;; group of four blocks go through `draw`. Returns the total of m.
  (func (export "draw4") (param $n i32) (param $x i32) (param $st i32) (param $cdf i32) (param $lut i32) (param $w f64) (result i32)
    (local $g i32) (local $groups i32) (local $k i32) (local $p i32) (local $sp i32) (local $m i32)
    (local $A v128) (local $B v128) (local $C v128) (local $D v128) (local $T v128) (local $nA v128) (local $idx v128)
    (local $M v128) (local $EXT v128) (local $X v128) (local $W2 v128) (local $lo v128) (local $hi v128)
    (local $Xh v128) (local $Mh v128) (local $ext i32)
    (local.set $groups (i32.shr_u (local.get $n) (i32.const 12)))
    (local.set $W2 (f64x2.splat (local.get $w)))
    (block $all (loop $grp
      (br_if $all (i32.ge_u (local.get $g) (local.get $groups)))
      (local.set $sp (i32.add (local.get $st) (i32.shl (local.get $g) (i32.const 6))))
      ;; the four streams' (a, b, c, d), transposed into lanes
      (local.set $A (i32x4.replace_lane 3 (i32x4.replace_lane 2 (i32x4.replace_lane 1 (i32x4.splat
        (i32.load (local.get $sp))) (i32.load offset=16 (local.get $sp))) (i32.load offset=32 (local.get $sp))) (i32.load offset=48 (local.get $sp))))
      (local.set $B (i32x4.replace_lane 3 (i32x4.replace_lane 2 (i32x4.replace_lane 1 (i32x4.splat
        (i32.load offset=4 (local.get $sp))) (i32.load offset=20 (local.get $sp))) (i32.load offset=36 (local.get $sp))) (i32.load offset=52 (local.get $sp))))
      (local.set $C (i32x4.replace_lane 3 (i32x4.replace_lane 2 (i32x4.replace_lane 1 (i32x4.splat
        (i32.load offset=8 (local.get $sp))) (i32.load offset=24 (local.get $sp))) (i32.load offset=40 (local.get $sp))) (i32.load offset=56 (local.get $sp))))
      (local.set $D (i32x4.replace_lane 3 (i32x4.replace_lane 2 (i32x4.replace_lane 1 (i32x4.splat
        (i32.load offset=12 (local.get $sp))) (i32.load offset=28 (local.get $sp))) (i32.load offset=44 (local.get $sp))) (i32.load offset=60 (local.get $sp))))
      (local.set $p (i32.add (local.get $x) (i32.shl (local.get $g) (i32.const 14))))
      (local.set $k (i32.const 0))
      (block $done (loop $lp
        (br_if $done (i32.ge_u (local.get $k) (i32.const 1024)))
        ;; r = a + b + d; d += 1; a = b ^ (b >> 9); b = c + (c << 3); c = rotl(c, 21) + r
        (local.set $T (i32x4.add (i32x4.add (local.get $A) (local.get $B)) (local.get $D)))
        (local.set $D (i32x4.add (local.get $D) (v128.const i32x4 1 1 1 1)))
        (local.set $nA (v128.xor (local.get $B) (i32x4.shr_u (local.get $B) (i32.const 9))))
        (local.set $B (i32x4.add (local.get $C) (i32x4.shl (local.get $C) (i32.const 3))))
        (local.set $C (i32x4.add (v128.or (i32x4.shl (local.get $C) (i32.const 21)) (i32x4.shr_u (local.get $C) (i32.const 11))) (local.get $T)))
        (local.set $A (local.get $nA))
        (local.set $idx (i32x4.shr_u (local.get $T) (i32.const 22)))
        (local.set $m (i32.load16_u (i32.add (local.get $lut) (i32.shl (i32x4.extract_lane 0 (local.get $idx)) (i32.const 1)))))
        (if (i32.eq (local.get $m) (i32.const 0xffff))
          (then (local.set $m (call $search (i32x4.extract_lane 0 (local.get $T)) (local.get $cdf)))))
        (local.set $M (i32x4.splat (local.get $m)))
        (local.set $m (i32.load16_u (i32.add (local.get $lut) (i32.shl (i32x4.extract_lane 1 (local.get $idx)) (i32.const 1)))))
        (if (i32.eq (local.get $m) (i32.const 0xffff))
          (then (local.set $m (call $search (i32x4.extract_lane 1 (local.get $T)) (local.get $cdf)))))
        (local.set $M (i32x4.replace_lane 1 (local.get $M) (local.get $m)))
        (local.set $m (i32.load16_u (i32.add (local.get $lut) (i32.shl (i32x4.extract_lane 2 (local.get $idx)) (i32.const 1)))))
        (if (i32.eq (local.get $m) (i32.const 0xffff))
          (then (local.set $m (call $search (i32x4.extract_lane 2 (local.get $T)) (local.get $cdf)))))
        (local.set $M (i32x4.replace_lane 2 (local.get $M) (local.get $m)))
        (local.set $m (i32.load16_u (i32.add (local.get $lut) (i32.shl (i32x4.extract_lane 3 (local.get $idx)) (i32.const 1)))))
        (if (i32.eq (local.get $m) (i32.const 0xffff))
          (then (local.set $m (call $search (i32x4.extract_lane 3 (local.get $T)) (local.get $cdf)))))
        (local.set $M (i32x4.replace_lane 3 (local.get $M) (local.get $m)))
        (local.set $EXT (i32x4.add (local.get $EXT) (local.get $M)))
        ;; x = f32(x + m w) in float64 where m > 0 (a bit select keeps x's bits where m = 0)
        (local.set $X (v128.load32_lane offset=12288 3 (local.get $p) (v128.load32_lane offset=8192 2 (local.get $p)
          (v128.load32_lane offset=4096 1 (local.get $p) (v128.load32_zero (local.get $p))))))
        (local.set $lo (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (local.get $X))
          (f64x2.mul (f64x2.convert_low_i32x4_u (local.get $M)) (local.get $W2)))))
        (local.set $Xh (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $X) (local.get $X)))
        (local.set $Mh (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $M) (local.get $M)))
        (local.set $hi (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (local.get $Xh))
          (f64x2.mul (f64x2.convert_low_i32x4_u (local.get $Mh)) (local.get $W2)))))
        (local.set $X (v128.bitselect
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $lo) (local.get $hi))
          (local.get $X)
          (i32x4.ne (local.get $M) (v128.const i32x4 0 0 0 0))))
        (v128.store32_lane 0 (local.get $p) (local.get $X))
        (v128.store32_lane offset=4096 1 (local.get $p) (local.get $X))
        (v128.store32_lane offset=8192 2 (local.get $p) (local.get $X))
        (v128.store32_lane offset=12288 3 (local.get $p) (local.get $X))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $lp)))
      (i32.store (local.get $sp) (i32x4.extract_lane 0 (local.get $A)))
      (i32.store offset=4 (local.get $sp) (i32x4.extract_lane 0 (local.get $B)))
      (i32.store offset=8 (local.get $sp) (i32x4.extract_lane 0 (local.get $C)))
      (i32.store offset=12 (local.get $sp) (i32x4.extract_lane 0 (local.get $D)))
      (i32.store offset=16 (local.get $sp) (i32x4.extract_lane 1 (local.get $A)))
      (i32.store offset=20 (local.get $sp) (i32x4.extract_lane 1 (local.get $B)))
      (i32.store offset=24 (local.get $sp) (i32x4.extract_lane 1 (local.get $C)))
      (i32.store offset=28 (local.get $sp) (i32x4.extract_lane 1 (local.get $D)))
      (i32.store offset=32 (local.get $sp) (i32x4.extract_lane 2 (local.get $A)))
      (i32.store offset=36 (local.get $sp) (i32x4.extract_lane 2 (local.get $B)))
      (i32.store offset=40 (local.get $sp) (i32x4.extract_lane 2 (local.get $C)))
      (i32.store offset=44 (local.get $sp) (i32x4.extract_lane 2 (local.get $D)))
      (i32.store offset=48 (local.get $sp) (i32x4.extract_lane 3 (local.get $A)))
      (i32.store offset=52 (local.get $sp) (i32x4.extract_lane 3 (local.get $B)))
      (i32.store offset=56 (local.get $sp) (i32x4.extract_lane 3 (local.get $C)))
      (i32.store offset=60 (local.get $sp) (i32x4.extract_lane 3 (local.get $D)))
      (local.set $g (i32.add (local.get $g) (i32.const 1)))
      (br $grp)))
    (local.set $ext (i32.add (i32.add (i32x4.extract_lane 0 (local.get $EXT)) (i32x4.extract_lane 1 (local.get $EXT)))
      (i32.add (i32x4.extract_lane 2 (local.get $EXT)) (i32x4.extract_lane 3 (local.get $EXT)))))
    (local.set $k (i32.shl (local.get $groups) (i32.const 12)))
    (if (i32.lt_u (local.get $k) (local.get $n))
      (then (local.set $ext (i32.add (local.get $ext) (call $draw (i32.sub (local.get $n) (local.get $k))
        (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2)))
        (i32.add (local.get $st) (i32.shl (local.get $groups) (i32.const 6)))
        (local.get $cdf) (local.get $lut) (local.get $w))))))
    (local.get $ext))

  ;; draw: the per-neuron Poisson draw of src/event/drive.ts drawPerNeuron over x[0, n) in place, with the streams at
  ;; st (16 bytes per block of 1024 neurons), the CDF table at cdf and its lookup at lut (see iafStep):
  ;; x = f32(x + m w) in float64 where m > 0. Returns the total of m.
  (func $draw (export "draw") (param $n i32) (param $x i32) (param $st i32) (param $cdf i32) (param $lut i32) (param $w f64) (result i32)
    (local $k i32) (local $end i32) (local $p i32) (local $sa i32) (local $sb i32) (local $sc i32) (local $sd i32)
    (local $t i32) (local $m i32) (local $ext i32) (local $xv f32)
    (local.set $p (local.get $x))
    (block $all (loop $blocks
      (br_if $all (i32.ge_u (local.get $k) (local.get $n)))
      (local.set $end (i32.add (local.get $k) (i32.const 1024)))
      (if (i32.gt_u (local.get $end) (local.get $n)) (then (local.set $end (local.get $n))))
      (local.set $sa (i32.load (local.get $st)))
      (local.set $sb (i32.load offset=4 (local.get $st)))
      (local.set $sc (i32.load offset=8 (local.get $st)))
      (local.set $sd (i32.load offset=12 (local.get $st)))
      (block $done (loop $lp
        (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $t (i32.add (i32.add (local.get $sa) (local.get $sb)) (local.get $sd)))
        (local.set $sd (i32.add (local.get $sd) (i32.const 1)))
        (local.set $sa (i32.xor (local.get $sb) (i32.shr_u (local.get $sb) (i32.const 9))))
        (local.set $sb (i32.add (local.get $sc) (i32.shl (local.get $sc) (i32.const 3))))
        (local.set $sc (i32.add (i32.rotl (local.get $sc) (i32.const 21)) (local.get $t)))
        (local.set $m (i32.load16_u (i32.add (local.get $lut) (i32.shl (i32.shr_u (local.get $t) (i32.const 22)) (i32.const 1)))))
        (if (i32.eq (local.get $m) (i32.const 0xffff))
          (then (local.set $m (call $search (local.get $t) (local.get $cdf)))))
        (local.set $ext (i32.add (local.get $ext) (local.get $m)))
        ;; a select, not a branch (m = 0 about as often as not): at m = 0 the stored bits are the loaded ones
        (local.set $xv (f32.load (local.get $p)))
        (f32.store (local.get $p) (select
          (f32.demote_f64 (f64.add (f64.promote_f32 (local.get $xv)) (f64.mul (f64.convert_i32_u (local.get $m)) (local.get $w))))
          (local.get $xv)
          (local.get $m)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $lp)))
      (i32.store (local.get $st) (local.get $sa))
      (i32.store offset=4 (local.get $st) (local.get $sb))
      (i32.store offset=8 (local.get $st) (local.get $sc))
      (i32.store offset=12 (local.get $st) (local.get $sd))
      (local.set $st (i32.add (local.get $st) (i32.const 16)))
      (br $blocks)))
    (local.get $ext))

  ;; the inversion count of the 32-bit draw r: the first i with r 2^-32 < cdf[i]
  (func $search (param $r i32) (param $cdf i32) (result i32)
    (local $u f64) (local $m i32)
    (local.set $u (f64.mul (f64.convert_i32_u (local.get $r)) (f64.const 0x1p-32)))
    (block $found (loop $lp
      (br_if $found (f64.lt (local.get $u) (f64.load (i32.add (local.get $cdf) (i32.shl (local.get $m) (i32.const 3))))))
      (local.set $m (i32.add (local.get $m) (i32.const 1)))
      (br $lp)))
    (local.get $m))

  ;; iafStep: one iaf_psc_exp step of n neurons in place, uniform E_L (el), V_reset (vr), I_e (ie): the arithmetic of
  ;; src/neuron/iafPscExp.wat / stepIafPscExp's uniform path (float64 expressions, float32 stores at the same points),
  ;; plus I_0 = x_cur (a bit copy) and the fired neurons' local indices written as int32 to `list` in ascending
  ;; order (returns their number). The three inputs are left zeroed (+0) for the next step. xCur = 0: no current input
  ;; (the caller knows x_cur and I_0 are all +0 and stay so): I_0 is neither read from x_cur nor stored. th = 0: every
  ;; threshold is thv. The population's per-neuron Poisson drive is drawn into x_ex before (`draw4`). Neurons go two at
  ;; a time through f64x2 lanes (the same per-lane operations, so the same bits), an odd last one through the scalar
  ;; loop.
  (func (export "iafStep") (param $n i32) (param $V i32) (param $Iex i32) (param $Iin i32) (param $I0 i32) (param $ref i32)
    (param $xEx i32) (param $xIn i32) (param $xCur i32) (param $th i32) (param $thv f32) (param $list i32)
    (param $el f64) (param $P22 f64) (param $P21ex f64) (param $P21in f64) (param $ie f64) (param $P20 f64)
    (param $vr f32) (param $RS f32) (param $P11ex f64) (param $P11in f64) (result i32)
    (local $k i32) (local $end i32) (local $o i32) (local $fired i32) (local $r f64) (local $vf f32) (local $iex f64) (local $iin f64)
    (local $xe f32) (local $xa f32) (local $xb f32) (local $r4 v128) (local $eq v128) (local $vnew v128) (local $v4 v128)
    (local $iex2 v128) (local $iin2 v128) (local $sp i32)
    (local $el2 v128) (local $ie2 v128) (local $P22x v128) (local $P21exx v128) (local $P21inx v128) (local $P20x v128)
    (local $P11exx v128) (local $P11inx v128) (local $th4 v128) (local $c20 v128)
    (local.set $el2 (f64x2.splat (local.get $el)))
    (local.set $ie2 (f64x2.splat (local.get $ie)))
    (local.set $P22x (f64x2.splat (local.get $P22)))
    (local.set $P21exx (f64x2.splat (local.get $P21ex)))
    (local.set $P21inx (f64x2.splat (local.get $P21in)))
    (local.set $P20x (f64x2.splat (local.get $P20)))
    (local.set $c20 (f64x2.splat (f64.mul (f64.add (local.get $ie) (f64.const 0)) (local.get $P20))))
    (local.set $P11exx (f64x2.splat (local.get $P11ex)))
    (local.set $P11inx (f64x2.splat (local.get $P11in)))
    (local.set $th4 (f32x4.splat (local.get $thv)))
    (block $all (loop $blocks
      (br_if $all (i32.ge_u (local.get $k) (local.get $n)))
      (local.set $end (i32.add (local.get $k) (i32.const 1024)))
      (if (i32.gt_u (local.get $end) (local.get $n)) (then (local.set $end (local.get $n))))
      ;; two neurons per turn in f64x2 / f32x4 lanes: the same operations lane by lane (IEEE, no contraction), the
      ;; refractory choice and the stores as selects; spikes (rare) are finished one lane at a time
      (block $pdone (loop $pairs
        (br_if $pdone (i32.gt_u (i32.add (local.get $k) (i32.const 2)) (local.get $end)))
        (local.set $o (i32.shl (local.get $k) (i32.const 2)))
        (local.set $xa (f32.load (i32.add (local.get $xEx) (local.get $o))))
        (local.set $xb (f32.load offset=4 (i32.add (local.get $xEx) (local.get $o))))
        (local.set $r4 (v128.load64_zero (i32.add (local.get $ref) (local.get $o))))
        (local.set $eq (f32x4.eq (local.get $r4) (v128.const f32x4 0 0 0 0)))
        (local.set $vnew (f32x4.demote_f64x2_zero
          (f64x2.add
            (f64x2.add
              (f64x2.add
                (f64x2.add (local.get $el2)
                  (f64x2.mul (f64x2.sub (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $V) (local.get $o)))) (local.get $el2)) (local.get $P22x)))
                (f64x2.mul (local.tee $iex2 (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $Iex) (local.get $o))))) (local.get $P21exx)))
              (f64x2.mul (local.tee $iin2 (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $Iin) (local.get $o))))) (local.get $P21inx)))
            (if (result v128) (local.get $xCur)
              (then (f64x2.mul (f64x2.add (local.get $ie2) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $I0) (local.get $o))))) (local.get $P20x)))
              ;; no current input: I_0 is +0, so the term is (I_e + 0) P20, the same operations once
              (else (local.get $c20))))))
        ;; refractory lanes: ref - 1 in float64, V kept; the others: V = vnew, ref kept
        (local.set $v4 (v128.bitselect (local.get $vnew) (v128.load64_zero (i32.add (local.get $V) (local.get $o))) (local.get $eq)))
        (v128.store64_lane 0 (i32.add (local.get $ref) (local.get $o))
          (v128.bitselect (local.get $r4)
            (f32x4.demote_f64x2_zero (f64x2.sub (f64x2.promote_low_f32x4 (local.get $r4)) (v128.const f64x2 1 1)))
            (local.get $eq)))
        (v128.store64_lane 0 (i32.add (local.get $Iex) (local.get $o))
          (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (local.get $iex2) (local.get $P11exx))
            (f64x2.replace_lane 1 (f64x2.splat (f64.promote_f32 (local.get $xa))) (f64.promote_f32 (local.get $xb))))))
        (v128.store64_lane 0 (i32.add (local.get $Iin) (local.get $o))
          (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (local.get $iin2) (local.get $P11inx))
            (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $xIn) (local.get $o)))))))
        (i64.store (i32.add (local.get $xEx) (local.get $o)) (i64.const 0))
        (i64.store (i32.add (local.get $xIn) (local.get $o)) (i64.const 0))
        (if (local.get $xCur)
          (then
            (i64.store (i32.add (local.get $I0) (local.get $o)) (i64.load (i32.add (local.get $xCur) (local.get $o))))
            (i64.store (i32.add (local.get $xCur) (local.get $o)) (i64.const 0))))
        (v128.store64_lane 0 (i32.add (local.get $V) (local.get $o)) (local.get $v4))
        (local.set $sp (i32.and (i32.const 3) (i32x4.bitmask (f32x4.ge (local.get $v4)
          (if (result v128) (local.get $th)
            (then (v128.load64_zero (i32.add (local.get $th) (local.get $o))))
            (else (local.get $th4)))))))
        (if (local.get $sp)
          (then
            (if (i32.and (local.get $sp) (i32.const 1))
              (then
                (i32.store (i32.add (local.get $list) (i32.shl (local.get $fired) (i32.const 2))) (local.get $k))
                (local.set $fired (i32.add (local.get $fired) (i32.const 1)))
                (f32.store (i32.add (local.get $V) (local.get $o)) (local.get $vr))
                (f32.store (i32.add (local.get $ref) (local.get $o)) (local.get $RS))))
            (if (i32.and (local.get $sp) (i32.const 2))
              (then
                (i32.store (i32.add (local.get $list) (i32.shl (local.get $fired) (i32.const 2))) (i32.add (local.get $k) (i32.const 1)))
                (local.set $fired (i32.add (local.get $fired) (i32.const 1)))
                (f32.store offset=4 (i32.add (local.get $V) (local.get $o)) (local.get $vr))
                (f32.store offset=4 (i32.add (local.get $ref) (local.get $o)) (local.get $RS))))))
        (local.set $k (i32.add (local.get $k) (i32.const 2)))
        (br $pairs)))
      (block $done (loop $lp
        (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $o (i32.shl (local.get $k) (i32.const 2)))
        (local.set $xe (f32.load (i32.add (local.get $xEx) (local.get $o))))
        (local.set $r (f64.promote_f32 (f32.load (i32.add (local.get $ref) (local.get $o)))))
        (local.set $iex (f64.promote_f32 (f32.load (i32.add (local.get $Iex) (local.get $o)))))
        (local.set $iin (f64.promote_f32 (f32.load (i32.add (local.get $Iin) (local.get $o)))))
        (if (f64.eq (local.get $r) (f64.const 0))
          (then
            (local.set $vf (f32.demote_f64
              (f64.add
                (f64.add
                  (f64.add
                    (f64.add (local.get $el)
                      (f64.mul (f64.sub (f64.promote_f32 (f32.load (i32.add (local.get $V) (local.get $o)))) (local.get $el)) (local.get $P22)))
                    (f64.mul (local.get $iex) (local.get $P21ex)))
                  (f64.mul (local.get $iin) (local.get $P21in)))
                (f64.mul (f64.add (local.get $ie) (f64.promote_f32 (f32.load (i32.add (local.get $I0) (local.get $o))))) (local.get $P20))))))
          (else
            (f32.store (i32.add (local.get $ref) (local.get $o)) (f32.demote_f64 (f64.sub (local.get $r) (f64.const 1))))
            (local.set $vf (f32.load (i32.add (local.get $V) (local.get $o))))))
        (f32.store (i32.add (local.get $Iex) (local.get $o))
          (f32.demote_f64 (f64.add (f64.mul (local.get $iex) (local.get $P11ex)) (f64.promote_f32 (local.get $xe)))))
        (f32.store (i32.add (local.get $Iin) (local.get $o))
          (f32.demote_f64 (f64.add (f64.mul (local.get $iin) (local.get $P11in)) (f64.promote_f32 (f32.load (i32.add (local.get $xIn) (local.get $o)))))))
        ;; the inputs are consumed: zeroed for the next step (while their cache lines are at hand)
        (f32.store (i32.add (local.get $xEx) (local.get $o)) (f32.const 0))
        (f32.store (i32.add (local.get $xIn) (local.get $o)) (f32.const 0))
        (if (local.get $xCur)
          (then
            (i32.store (i32.add (local.get $I0) (local.get $o)) (i32.load (i32.add (local.get $xCur) (local.get $o))))
            (f32.store (i32.add (local.get $xCur) (local.get $o)) (f32.const 0))))
        (if (f32.ge (local.get $vf)
              (if (result f32) (local.get $th)
                (then (f32.load (i32.add (local.get $th) (local.get $o))))
                (else (local.get $thv))))
          (then
            (i32.store (i32.add (local.get $list) (i32.shl (local.get $fired) (i32.const 2))) (local.get $k))
            (local.set $fired (i32.add (local.get $fired) (i32.const 1)))
            (f32.store (i32.add (local.get $V) (local.get $o)) (local.get $vr))
            (f32.store (i32.add (local.get $ref) (local.get $o)) (local.get $RS)))
          (else
            (f32.store (i32.add (local.get $V) (local.get $o)) (local.get $vf))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $lp)))
      (br $blocks)))
    (local.get $fired)))
