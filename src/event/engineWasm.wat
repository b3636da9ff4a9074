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
  ;; same draw, count and float64 update as from `draw` (per-lane IEEE operations). The last one to four blocks (the
  ;; last maybe partial, of L neurons) go through the lanes too: first L turns with one lane per block, then the
  ;; whole blocks' remaining 1024 - L; a lane without a block draws into the sink (arena bytes 16..4127, never read
  ;; for a result; see `$lanes`) and is not counted. Where only one block is left for a run of turns, the scalar
  ;; `draw` takes it (one lane of four costs more than the scalar loop). Returns the total of m.
  (func (export "draw4") (param $n i32) (param $x i32) (param $st i32) (param $cdf i32) (param $lut i32) (param $thr i32)
    (param $w f64) (result i32)
    (local $g i32) (local $groups i32) (local $p i32) (local $sp i32) (local $r i32) (local $nb i32) (local $L i32)
    (local $ext i32)
    (local.set $groups (i32.shr_u (local.get $n) (i32.const 12)))
    (block $all (loop $grp
      (br_if $all (i32.ge_u (local.get $g) (local.get $groups)))
      (local.set $ext (i32.add (local.get $ext) (call $run
        (i32.add (local.get $x) (i32.shl (local.get $g) (i32.const 14))) (i32.add (local.get $st) (i32.shl (local.get $g) (i32.const 6)))
        (i32.const 4) (i32.const 1024) (local.get $cdf) (local.get $lut) (local.get $thr) (local.get $w))))
      (local.set $g (i32.add (local.get $g) (i32.const 1)))
      (br $grp)))
    (local.set $r (i32.sub (local.get $n) (i32.shl (local.get $groups) (i32.const 12))))
    (if (local.get $r)
      (then
        (local.set $sp (i32.add (local.get $st) (i32.shl (local.get $groups) (i32.const 6))))
        (local.set $p (i32.add (local.get $x) (i32.shl (local.get $groups) (i32.const 14))))
        (local.set $nb (i32.shr_u (i32.add (local.get $r) (i32.const 1023)) (i32.const 10)))
        (local.set $L (i32.sub (local.get $r) (i32.shl (i32.sub (local.get $nb) (i32.const 1)) (i32.const 10))))
        ;; L turns of blocks 0 .. nb - 1, then 1024 - L turns of the whole blocks 0 .. nb - 2
        (local.set $ext (i32.add (local.get $ext) (call $run (local.get $p) (local.get $sp) (local.get $nb) (local.get $L)
          (local.get $cdf) (local.get $lut) (local.get $thr) (local.get $w))))
        (local.set $ext (i32.add (local.get $ext) (call $run (i32.add (local.get $p) (i32.shl (local.get $L) (i32.const 2)))
          (local.get $sp) (i32.sub (local.get $nb) (i32.const 1)) (i32.sub (i32.const 1024) (local.get $L))
          (local.get $cdf) (local.get $lut) (local.get $thr) (local.get $w))))))
    (local.get $ext))

  ;; $run: `count` turns of the blocks 0 .. active - 1 (1024 neurons = 4096 bytes apart from p, their streams 16 bytes
  ;; apart from sp), the total of m returned: four lanes (`$lanes`, a lane without a block on the sink and not
  ;; counted), or one block alone through the scalar `draw` (one lane of four costs more than the scalar loop)
  (func $run (param $p i32) (param $sp i32) (param $active i32) (param $count i32) (param $cdf i32) (param $lut i32)
    (param $thr i32) (param $w f64) (result i32)
    (local $E v128)
    (if (i32.or (i32.eqz (local.get $count)) (i32.eqz (local.get $active))) (then (return (i32.const 0))))
    (if (i32.eq (local.get $active) (i32.const 1))
      (then (return (call $draw (local.get $count) (local.get $p) (local.get $sp) (local.get $cdf) (local.get $lut) (local.get $w)))))
    (local.set $E (v128.and
      (i32x4.gt_s (i32x4.splat (local.get $active)) (v128.const i32x4 0 1 2 3))
      (call $lanes (local.get $p)
        (i32.const 4096)
        (select (i32.const 8192) (i32.sub (i32.const 32) (local.get $p)) (i32.gt_u (local.get $active) (i32.const 2)))
        (select (i32.const 12288) (i32.sub (i32.const 32) (local.get $p)) (i32.gt_u (local.get $active) (i32.const 3)))
        (local.get $sp)
        (i32.add (local.get $sp) (i32.const 16))
        (select (i32.add (local.get $sp) (i32.const 32)) (i32.const 16) (i32.gt_u (local.get $active) (i32.const 2)))
        (select (i32.add (local.get $sp) (i32.const 48)) (i32.const 16) (i32.gt_u (local.get $active) (i32.const 3)))
        (local.get $count) (local.get $cdf) (local.get $lut) (local.get $thr) (f64x2.splat (local.get $w)))))
    (i32.add (i32.add (i32x4.extract_lane 0 (local.get $E)) (i32x4.extract_lane 1 (local.get $E)))
      (i32.add (i32x4.extract_lane 2 (local.get $E)) (i32x4.extract_lane 3 (local.get $E)))))

  ;; $lanes: `count` turns of four sfc32 streams (at s0..s3, 16 bytes each) in i32x4 lanes, lane j drawing into the
  ;; float32s at p + dj, p + dj + 4, ... (d0 = 0); returns each lane's total of m. A lane without a block has the
  ;; sink stream (16) and dj = 32 - p (the sink's 1024 float32s at 32): it changes nothing but the sink (which racing
  ;; threads may leave holding anything), and the caller does not count it.
  (func $lanes (param $p i32) (param $d1 i32) (param $d2 i32) (param $d3 i32)
    (param $s0 i32) (param $s1 i32) (param $s2 i32) (param $s3 i32)
    (param $count i32) (param $cdf i32) (param $lut i32) (param $thr i32) (param $W2 v128) (result v128)
    (local $k i32) (local $m i32) (local $Ts v128) (local $big v128)
    (local $A v128) (local $B v128) (local $C v128) (local $D v128) (local $T v128) (local $nA v128)
    (local $M v128) (local $EXT v128) (local $X v128) (local $lo v128) (local $hi v128) (local $Xh v128) (local $Mh v128)
    ;; the four streams' (a, b, c, d), transposed into lanes
    (local.set $A (i32x4.replace_lane 3 (i32x4.replace_lane 2 (i32x4.replace_lane 1 (i32x4.splat
      (i32.load (local.get $s0))) (i32.load (local.get $s1))) (i32.load (local.get $s2))) (i32.load (local.get $s3))))
    (local.set $B (i32x4.replace_lane 3 (i32x4.replace_lane 2 (i32x4.replace_lane 1 (i32x4.splat
      (i32.load offset=4 (local.get $s0))) (i32.load offset=4 (local.get $s1))) (i32.load offset=4 (local.get $s2))) (i32.load offset=4 (local.get $s3))))
    (local.set $C (i32x4.replace_lane 3 (i32x4.replace_lane 2 (i32x4.replace_lane 1 (i32x4.splat
      (i32.load offset=8 (local.get $s0))) (i32.load offset=8 (local.get $s1))) (i32.load offset=8 (local.get $s2))) (i32.load offset=8 (local.get $s3))))
    (local.set $D (i32x4.replace_lane 3 (i32x4.replace_lane 2 (i32x4.replace_lane 1 (i32x4.splat
      (i32.load offset=12 (local.get $s0))) (i32.load offset=12 (local.get $s1))) (i32.load offset=12 (local.get $s2))) (i32.load offset=12 (local.get $s3))))
    (block $done (loop $lp
      (br_if $done (i32.ge_u (local.get $k) (local.get $count)))
      ;; r = a + b + d; d += 1; a = b ^ (b >> 9); b = c + (c << 3); c = rotl(c, 21) + r
      (local.set $T (i32x4.add (i32x4.add (local.get $A) (local.get $B)) (local.get $D)))
      (local.set $D (i32x4.add (local.get $D) (v128.const i32x4 1 1 1 1)))
      (local.set $nA (v128.xor (local.get $B) (i32x4.shr_u (local.get $B) (i32.const 9))))
      (local.set $B (i32x4.add (local.get $C) (i32x4.shl (local.get $C) (i32.const 3))))
      (local.set $C (i32x4.add (v128.or (i32x4.shl (local.get $C) (i32.const 21)) (i32x4.shr_u (local.get $C) (i32.const 11))) (local.get $T)))
      (local.set $A (local.get $nA))
      ;; m = the number of thresholds r reaches (r >= C_i, as signed compares with the sign bits flipped), exact
      ;; below the eighth; lanes at or past it (rare) take the lookup and the search of `draw`
      (local.set $Ts (v128.xor (local.get $T) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000)))
      (local.set $big (i32x4.gt_s (local.get $Ts) (v128.load offset=112 (local.get $thr))))
      (local.set $M (i32x4.sub (i32x4.sub (i32x4.sub (i32x4.sub (i32x4.sub (i32x4.sub (i32x4.sub (i32x4.sub
        (v128.const i32x4 0 0 0 0)
        (i32x4.gt_s (local.get $Ts) (v128.load (local.get $thr))))
        (i32x4.gt_s (local.get $Ts) (v128.load offset=16 (local.get $thr))))
        (i32x4.gt_s (local.get $Ts) (v128.load offset=32 (local.get $thr))))
        (i32x4.gt_s (local.get $Ts) (v128.load offset=48 (local.get $thr))))
        (i32x4.gt_s (local.get $Ts) (v128.load offset=64 (local.get $thr))))
        (i32x4.gt_s (local.get $Ts) (v128.load offset=80 (local.get $thr))))
        (i32x4.gt_s (local.get $Ts) (v128.load offset=96 (local.get $thr))))
        (local.get $big)))
      (if (v128.any_true (local.get $big))
        (then
          (if (i32x4.extract_lane 0 (local.get $big))
            (then
              (local.set $m (i32.load16_u (i32.add (local.get $lut) (i32.shl (i32.shr_u (i32x4.extract_lane 0 (local.get $T)) (i32.const 22)) (i32.const 1)))))
              (if (i32.eq (local.get $m) (i32.const 0xffff))
                (then (local.set $m (call $search (i32x4.extract_lane 0 (local.get $T)) (local.get $cdf)))))
              (local.set $M (i32x4.replace_lane 0 (local.get $M) (local.get $m)))))
          (if (i32x4.extract_lane 1 (local.get $big))
            (then
              (local.set $m (i32.load16_u (i32.add (local.get $lut) (i32.shl (i32.shr_u (i32x4.extract_lane 1 (local.get $T)) (i32.const 22)) (i32.const 1)))))
              (if (i32.eq (local.get $m) (i32.const 0xffff))
                (then (local.set $m (call $search (i32x4.extract_lane 1 (local.get $T)) (local.get $cdf)))))
              (local.set $M (i32x4.replace_lane 1 (local.get $M) (local.get $m)))))
          (if (i32x4.extract_lane 2 (local.get $big))
            (then
              (local.set $m (i32.load16_u (i32.add (local.get $lut) (i32.shl (i32.shr_u (i32x4.extract_lane 2 (local.get $T)) (i32.const 22)) (i32.const 1)))))
              (if (i32.eq (local.get $m) (i32.const 0xffff))
                (then (local.set $m (call $search (i32x4.extract_lane 2 (local.get $T)) (local.get $cdf)))))
              (local.set $M (i32x4.replace_lane 2 (local.get $M) (local.get $m)))))
          (if (i32x4.extract_lane 3 (local.get $big))
            (then
              (local.set $m (i32.load16_u (i32.add (local.get $lut) (i32.shl (i32.shr_u (i32x4.extract_lane 3 (local.get $T)) (i32.const 22)) (i32.const 1)))))
              (if (i32.eq (local.get $m) (i32.const 0xffff))
                (then (local.set $m (call $search (i32x4.extract_lane 3 (local.get $T)) (local.get $cdf)))))
              (local.set $M (i32x4.replace_lane 3 (local.get $M) (local.get $m)))))
        ))
      (local.set $EXT (i32x4.add (local.get $EXT) (local.get $M)))
      ;; x = f32(x + m w) in float64 where m > 0 (a bit select keeps x's bits where m = 0)
      (local.set $X (v128.load32_lane 3 (i32.add (local.get $p) (local.get $d3)) (v128.load32_lane 2 (i32.add (local.get $p) (local.get $d2))
        (v128.load32_lane 1 (i32.add (local.get $p) (local.get $d1)) (v128.load32_zero (local.get $p))))))
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
      (v128.store32_lane 1 (i32.add (local.get $p) (local.get $d1)) (local.get $X))
      (v128.store32_lane 2 (i32.add (local.get $p) (local.get $d2)) (local.get $X))
      (v128.store32_lane 3 (i32.add (local.get $p) (local.get $d3)) (local.get $X))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $lp)))
    ;; the sink lanes store too (into the sink stream; racing threads may leave it anything)
    (i32.store (local.get $s0) (i32x4.extract_lane 0 (local.get $A)))
    (i32.store offset=4 (local.get $s0) (i32x4.extract_lane 0 (local.get $B)))
    (i32.store offset=8 (local.get $s0) (i32x4.extract_lane 0 (local.get $C)))
    (i32.store offset=12 (local.get $s0) (i32x4.extract_lane 0 (local.get $D)))
    (i32.store (local.get $s1) (i32x4.extract_lane 1 (local.get $A)))
    (i32.store offset=4 (local.get $s1) (i32x4.extract_lane 1 (local.get $B)))
    (i32.store offset=8 (local.get $s1) (i32x4.extract_lane 1 (local.get $C)))
    (i32.store offset=12 (local.get $s1) (i32x4.extract_lane 1 (local.get $D)))
    (i32.store (local.get $s2) (i32x4.extract_lane 2 (local.get $A)))
    (i32.store offset=4 (local.get $s2) (i32x4.extract_lane 2 (local.get $B)))
    (i32.store offset=8 (local.get $s2) (i32x4.extract_lane 2 (local.get $C)))
    (i32.store offset=12 (local.get $s2) (i32x4.extract_lane 2 (local.get $D)))
    (i32.store (local.get $s3) (i32x4.extract_lane 3 (local.get $A)))
    (i32.store offset=4 (local.get $s3) (i32x4.extract_lane 3 (local.get $B)))
    (i32.store offset=8 (local.get $s3) (i32x4.extract_lane 3 (local.get $C)))
    (i32.store offset=12 (local.get $s3) (i32x4.extract_lane 3 (local.get $D)))
    (local.get $EXT))


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
  ;; threshold is thv. The population's per-neuron Poisson drive is drawn into x_ex before (`draw4`). Neurons go four at
  ;; a time through f32x4 / f64x2 lanes (the same per-lane operations, so the same bits), the last one to three through
  ;; the scalar loop.
  (func (export "iafStep") (param $n i32) (param $V i32) (param $Iex i32) (param $Iin i32) (param $I0 i32) (param $ref i32)
    (param $xEx i32) (param $xIn i32) (param $xCur i32) (param $th i32) (param $thv f32) (param $list i32)
    (param $el f64) (param $P22 f64) (param $P21ex f64) (param $P21in f64) (param $ie f64) (param $P20 f64)
    (param $vr f32) (param $RS f32) (param $P11ex f64) (param $P11in f64) (result i32)
    (local $k i32) (local $end i32) (local $o i32) (local $fired i32) (local $r f64) (local $vf f32) (local $iex f64) (local $iin f64)
    (local $xe f32) (local $r4 v128) (local $eq v128) (local $v4 v128) (local $ie4 v128) (local $ii4 v128)
    (local $xe4 v128) (local $xi4 v128) (local $cur4 v128) (local $lo v128) (local $hi v128) (local $clo v128)
    (local $chi v128) (local $sp i32) (local $j i32)
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
      ;; four neurons per turn: whole f32x4 loads and stores, the float64 arithmetic in two f64x2 halves (lanes 0-1,
      ;; then 2-3 moved down by a shuffle): the same operations lane by lane (IEEE, no contraction), the refractory
      ;; choice and the stores as selects; spikes (rare) are finished one lane at a time. ref - 1 is an f32x4.sub:
      ;; float64 holds the difference of two float32 values before its one rounding (the scalar loop's f64.sub and
      ;; demotion give the same bits)
      (block $qdone (loop $quads
        (br_if $qdone (i32.gt_u (i32.add (local.get $k) (i32.const 4)) (local.get $end)))
        (local.set $o (i32.shl (local.get $k) (i32.const 2)))
        (local.set $v4 (v128.load (i32.add (local.get $V) (local.get $o))))
        (local.set $r4 (v128.load (i32.add (local.get $ref) (local.get $o))))
        (local.set $ie4 (v128.load (i32.add (local.get $Iex) (local.get $o))))
        (local.set $ii4 (v128.load (i32.add (local.get $Iin) (local.get $o))))
        (local.set $xe4 (v128.load (i32.add (local.get $xEx) (local.get $o))))
        (local.set $xi4 (v128.load (i32.add (local.get $xIn) (local.get $o))))
        (local.set $eq (f32x4.eq (local.get $r4) (v128.const f32x4 0 0 0 0)))
        (if (local.get $xCur)
          (then
            (local.set $cur4 (v128.load (i32.add (local.get $I0) (local.get $o))))
            (local.set $clo (f64x2.mul (f64x2.add (local.get $ie2) (f64x2.promote_low_f32x4 (local.get $cur4))) (local.get $P20x)))
            (local.set $chi (f64x2.mul (f64x2.add (local.get $ie2) (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $cur4) (local.get $cur4)))) (local.get $P20x)))
            (v128.store (i32.add (local.get $I0) (local.get $o)) (v128.load (i32.add (local.get $xCur) (local.get $o))))
            (v128.store (i32.add (local.get $xCur) (local.get $o)) (v128.const i32x4 0 0 0 0)))
          (else
            ;; no current input: I_0 is +0, so the term is (I_e + 0) P20, the same operations once
            (local.set $clo (local.get $c20))
            (local.set $chi (local.get $c20))))
        (local.set $lo (f64x2.add (f64x2.add (f64x2.add
          (f64x2.add (local.get $el2)
            (f64x2.mul (f64x2.sub (f64x2.promote_low_f32x4 (local.get $v4)) (local.get $el2)) (local.get $P22x)))
          (f64x2.mul (f64x2.promote_low_f32x4 (local.get $ie4)) (local.get $P21exx)))
          (f64x2.mul (f64x2.promote_low_f32x4 (local.get $ii4)) (local.get $P21inx)))
          (local.get $clo)))
        (local.set $hi (f64x2.add (f64x2.add (f64x2.add
          (f64x2.add (local.get $el2)
            (f64x2.mul (f64x2.sub (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v4) (local.get $v4))) (local.get $el2)) (local.get $P22x)))
          (f64x2.mul (f64x2.promote_low_f32x4
            (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $ie4) (local.get $ie4))) (local.get $P21exx)))
          (f64x2.mul (f64x2.promote_low_f32x4
            (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $ii4) (local.get $ii4))) (local.get $P21inx)))
          (local.get $chi)))
        ;; refractory lanes: ref - 1, V kept; the others: V = the new value, ref kept
        (local.set $v4 (v128.bitselect
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (local.get $lo)) (f32x4.demote_f64x2_zero (local.get $hi)))
          (local.get $v4) (local.get $eq)))
        (v128.store (i32.add (local.get $ref) (local.get $o))
          (v128.bitselect (local.get $r4) (f32x4.sub (local.get $r4) (v128.const f32x4 1 1 1 1)) (local.get $eq)))
        (v128.store (i32.add (local.get $Iex) (local.get $o)) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.promote_low_f32x4 (local.get $ie4)) (local.get $P11exx))
            (f64x2.promote_low_f32x4 (local.get $xe4))))
          (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $ie4) (local.get $ie4))) (local.get $P11exx))
            (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $xe4) (local.get $xe4)))))))
        (v128.store (i32.add (local.get $Iin) (local.get $o)) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.promote_low_f32x4 (local.get $ii4)) (local.get $P11inx))
            (f64x2.promote_low_f32x4 (local.get $xi4))))
          (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $ii4) (local.get $ii4))) (local.get $P11inx))
            (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $xi4) (local.get $xi4)))))))
        (v128.store (i32.add (local.get $xEx) (local.get $o)) (v128.const i32x4 0 0 0 0))
        (v128.store (i32.add (local.get $xIn) (local.get $o)) (v128.const i32x4 0 0 0 0))
        (v128.store (i32.add (local.get $V) (local.get $o)) (local.get $v4))
        (local.set $sp (i32x4.bitmask (f32x4.ge (local.get $v4)
          (if (result v128) (local.get $th)
            (then (v128.load (i32.add (local.get $th) (local.get $o))))
            (else (local.get $th4))))))
        (if (local.get $sp)
          (then
            (local.set $j (i32.const 0))
            (loop $lanes
              (if (i32.and (local.get $sp) (i32.shl (i32.const 1) (local.get $j)))
                (then
                  (i32.store (i32.add (local.get $list) (i32.shl (local.get $fired) (i32.const 2))) (i32.add (local.get $k) (local.get $j)))
                  (local.set $fired (i32.add (local.get $fired) (i32.const 1)))
                  (f32.store (i32.add (local.get $V) (i32.add (local.get $o) (i32.shl (local.get $j) (i32.const 2)))) (local.get $vr))
                  (f32.store (i32.add (local.get $ref) (i32.add (local.get $o) (i32.shl (local.get $j) (i32.const 2)))) (local.get $RS))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br_if $lanes (i32.lt_u (local.get $j) (i32.const 4))))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $quads)))
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
