;; The iaf_psc_exp uniform-parameter step (src/neuron/iafPscExpWasm.ts), compiled into iafPscExpWasm-binary.ts by
;; scripts/build-wasm.mjs. Float32 arrays at byte offsets in this module's memory; the same float64 expressions
;; as stepIafPscExp, rounded to float32 at the same points (f32.demote_f64 = Math.fround), so the bits are the same.
;; Per neuron k < n: if ref == 0: V = f32(E_L + (V - E_L) P22 + I_ex P21ex + I_in P21in + (I_e + I_0) P20)
;; else ref = f32(ref - 1); I_ex = f32(I_ex P11ex + x_ex); I_in = f32(I_in P11in + x_in);
;; spike iff V >= V_th: sp = 1, V = V_reset, ref = t_ref steps; else sp = 0. Returns the spike count.
;; I_0 is read here and overwritten by the caller (a block copy of the current input).
(module
  (memory (export "memory") 1)
  ;; pointers are byte offsets of float32 arrays (sp: uint8). Returns the spike count.
  (func (export "iafUniform") (param $n i32) (param $V i32) (param $Iex i32) (param $Iin i32) (param $I0 i32) (param $ref i32)
    (param $xEx i32) (param $xIn i32) (param $th i32) (param $sp i32)
    (param $el f64) (param $P22 f64) (param $P21ex f64) (param $P21in f64) (param $ie f64) (param $P20 f64)
    (param $vr f32) (param $RS f32) (param $P11ex f64) (param $P11in f64) (result i32)
    (local $k i32) (local $o i32) (local $fired i32) (local $r f64) (local $v f64) (local $vf f32) (local $iex f64) (local $iin f64)
    (block $done (loop $lp
      (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
      (local.set $o (i32.shl (local.get $k) (i32.const 2)))
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
        (f32.demote_f64 (f64.add (f64.mul (local.get $iex) (local.get $P11ex)) (f64.promote_f32 (f32.load (i32.add (local.get $xEx) (local.get $o)))))))
      (f32.store (i32.add (local.get $Iin) (local.get $o))
        (f32.demote_f64 (f64.add (f64.mul (local.get $iin) (local.get $P11in)) (f64.promote_f32 (f32.load (i32.add (local.get $xIn) (local.get $o)))))))
      (if (f32.ge (local.get $vf) (f32.load (i32.add (local.get $th) (local.get $o))))
        (then
          (i32.store8 (i32.add (local.get $sp) (local.get $k)) (i32.const 1))
          (local.set $fired (i32.add (local.get $fired) (i32.const 1)))
          (f32.store (i32.add (local.get $V) (local.get $o)) (local.get $vr))
          (f32.store (i32.add (local.get $ref) (local.get $o)) (local.get $RS)))
        (else
          (i32.store8 (i32.add (local.get $sp) (local.get $k)) (i32.const 0))
          (f32.store (i32.add (local.get $V) (local.get $o)) (local.get $vf))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $lp)))
    (local.get $fired)))
