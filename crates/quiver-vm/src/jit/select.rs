//! If-conversion: a forward conditional jump over a few register-only ops
//! (`if r1 < 0x10000 goto +2; r2 >>= 16; r8 |= 16`, what clang makes of
//! `if (v >> 16) { v >>= 16; r += 16; }`) becomes the ops, run
//! unconditionally, and a select per register they write. A jump whose
//! direction depends on the data costs a pipeline flush each time it is
//! mispredicted; the selects cost a cycle each. Neither Linux's JIT nor
//! the other userspace JITs do this: BPF has no conditional move, so
//! every such `if` in C reaches them as a jump.

use cranelift_codegen::ir::InstBuilder;

use crate::op::Op;

use super::translate::{Alu, Translator, alu_of, branch_target, jump_of, unary_of};

/// The most ops a converted jump may skip: a select per written register
/// then costs no more than a well-predicted jump saves.
const MAX_SKIPPED: usize = 4;

/// Ops that something jumps to, returns to or enters at (not merely falls
/// into): a converted jump's skipped ops must be none of them.
pub(super) fn landings(ops: &[Op], entries: &[usize]) -> Vec<bool> {
    let mut landing = vec![false; ops.len() + 1];
    for &e in entries {
        landing[e] = true;
    }
    for (idx, op) in ops.iter().enumerate() {
        if let Some(t) = branch_target(op) {
            landing[t] = true;
        }
        // A call returns to the op after it.
        if matches!(op, Op::CallLocal { .. }) {
            landing[idx + 1] = true;
        }
    }
    landing
}

/// The ops the conditional jump at `idx` skips, if it converts: as a
/// range end (its target) and the registers they write, as a bit set.
pub(super) fn convertible(ops: &[Op], landing: &[bool], idx: usize) -> Option<(usize, u16)> {
    let (_, _, _, _, target) = jump_of(&ops[idx])?;
    let target = target as usize;
    let skipped = ops.get(idx + 1..target)?;
    if skipped.is_empty() || skipped.len() > MAX_SKIPPED {
        return None;
    }
    let mut written = 0u16;
    for (k, op) in skipped.iter().enumerate() {
        if landing[idx + 1 + k] {
            return None;
        }
        written |= pure_writes(op)?;
    }
    Some((target, written))
}

/// The registers `op` writes (a bit set), if all it does is compute them
/// from registers and constants, cheaply.
fn pure_writes(op: &Op) -> Option<u16> {
    if let Some((alu, _, dst, _)) = alu_of(op) {
        // Division is trap-free here too, but slow enough that running it
        // on both paths costs more than the jump.
        let slow = matches!(alu, Alu::Div | Alu::Sdiv | Alu::Mod | Alu::Smod);
        return (!slow).then_some(1 << dst);
    }
    match *op {
        Op::Nop => Some(0),
        _ => unary_of(op).map(|dst| 1 << dst),
    }
}

impl Translator<'_> {
    /// Emits the jump at `idx` converted: the ops up to `target` run, then
    /// each register in `written` keeps its old value if the jump would
    /// have been taken. Control goes on straight into `target`.
    pub(super) fn emit_converted(&mut self, idx: usize, target: usize, written: u16) {
        let Some(taken) = self.jump_condition(self.vm.ops[idx]) else {
            unreachable!("only conditional jumps convert");
        };
        let regs: Vec<u8> = (0..11).filter(|r| written & (1 << r) != 0).collect();
        let before: Vec<_> = regs.iter().map(|&r| self.reg(r)).collect();
        for k in idx + 1..target {
            let ended = self.op(k, self.vm.ops[k]);
            debug_assert!(!ended, "skipped ops only compute registers");
        }
        for (&r, old) in regs.iter().zip(before) {
            let new = self.reg(r);
            let v = self.b.ins().select(taken, old, new);
            self.set(r, v);
        }
    }
}
