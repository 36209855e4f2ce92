//! Unsigned 32-bit division on the FPU where only its throughput counts.
//!
//! x86-64's integer `div` is not pipelined: on this project's AMD EPYC
//! (Zen 4), in a C loop, independent `div r32`s ran one per 1.67 ns and
//! the same divisions through doubles (`cvtsi2sd`, `divsd`, `cvttsd2si`)
//! one per 1.25 ns; in a dependent chain, 3.57 against 7.91 ns. A double holds any u32 exactly and, for a, b < 2^53, the
//! correctly rounded a / b never reaches the next integer above the true
//! quotient (its error is below a / b * 2^-53 < 1 / b, the distance to
//! that integer), so truncating it gives exactly the integer quotient.
//! The FPU path is longer, though (two conversions in, one out, a
//! multiply for the remainder): 2.2x the latency of `div`. So it is
//! taken only where no data waits on the result: a remainder or quotient
//! that one conditional jump tests and nothing reads afterwards (`if (n %
//! d == 0) break;`, trial division). There the divisions of successive
//! iterations overlap, and their number per second is what counts.
//!
//! Only on x86-64: aarch64's `udiv` is pipelined.

use cranelift_codegen::ir::types::{F64, I32, I64};
use cranelift_codegen::ir::{InstBuilder, Value};
use quiver_isa::Insn;

use crate::op::Op;

use super::translate::{Src, Translator, branch_target, jump_of, successors};

/// How many ops may come between the division and its jump.
const STRAIGHT: usize = 4;

/// How many ops the search for a later read of the result looks at,
/// before it assumes one.
const SEARCH: usize = 64;

/// For each op, whether it is a u32 division or remainder by a register
/// to run on the FPU.
pub(super) fn chosen(ops: &[Op], insns: &[Insn], landing: &[bool]) -> Vec<bool> {
    (0..ops.len())
        .map(|idx| only_tested(ops, insns, landing, idx))
        .collect()
}

/// Whether op `idx` divides u32 by a register, and only a conditional
/// jump reads the result: the first op after it to touch the result
/// (past at most `STRAIGHT` others, none of them a branch), with no read
/// on any path from there.
fn only_tested(ops: &[Op], insns: &[Insn], landing: &[bool], idx: usize) -> bool {
    let dst = match ops[idx] {
        Op::Div32R { dst, .. } | Op::Mod32R { dst, .. } => dst,
        _ => return false,
    };
    let bit = 1u16 << dst;
    for at in idx + 1..(idx + 1 + STRAIGHT).min(ops.len()) {
        let op = &ops[at];
        if let Some((_, _, a, b, target)) = jump_of(op) {
            let tested = a == dst || matches!(b, Src::Reg(r) if r == dst);
            // If-conversion would turn the jump into selects: data.
            let converts = super::select::convertible(ops, landing, at).is_some();
            return tested
                && !converts
                && dead_on_entry(ops, insns, &[at + 1, target as usize], dst);
        }
        let Some((reads, writes)) = insns.get(at).map(Insn::reads_writes) else {
            return false;
        };
        if (reads | writes) & bit != 0 || branch_target(op).is_some() || matches!(op, Op::Exit) {
            return false;
        }
    }
    false
}

/// Whether every path from `from` writes `reg` before reading it, within
/// `SEARCH` ops.
fn dead_on_entry(ops: &[Op], insns: &[Insn], from: &[usize], reg: u8) -> bool {
    let bit = 1u16 << reg;
    let mut seen = vec![false; ops.len()];
    let mut todo = from.to_vec();
    let mut left = SEARCH;
    while let Some(idx) = todo.pop() {
        if seen.get(idx).copied().unwrap_or(false) {
            continue;
        }
        let (Some(op), Some(insn)) = (ops.get(idx), insns.get(idx)) else {
            return false;
        };
        if left == 0 {
            return false;
        }
        left -= 1;
        seen[idx] = true;
        let (reads, writes) = insn.reads_writes();
        if reads & bit != 0 {
            return false;
        }
        if writes & bit != 0 {
            continue;
        }
        todo.extend(successors(op, idx));
    }
    true
}

impl Translator<'_> {
    /// `a / b` or `a % b` (u32, `b` not zero) through doubles.
    pub(super) fn float_divide(&mut self, rem: bool, a: Value, b: Value) -> Value {
        let af = self.b.ins().fcvt_from_uint(F64, a);
        let bf = self.b.ins().fcvt_from_uint(F64, b);
        let qf = self.b.ins().fdiv(af, bf);
        // The quotient is below 2^32: the conversion's overflow check
        // never fails.
        let q = self.b.ins().fcvt_to_sint(I64, qf);
        let q = self.b.ins().ireduce(I32, q);
        if rem {
            let m = self.b.ins().imul(q, b);
            self.b.ins().isub(a, m)
        } else {
            q
        }
    }
}

#[cfg(test)]
mod tests {
    use quiver_isa::Program;
    use quiver_isa::asm::{Syntax, assemble};

    use crate::config::Config;
    use crate::vm::Vm;

    /// The op indices `chosen` picks in `text`.
    fn picked(text: &str) -> Vec<usize> {
        let program = Program::from_insns(assemble(text, Syntax::Llvm).unwrap()).unwrap();
        let vm = Vm::new(&program, Config::new()).unwrap();
        let landing = super::super::select::landings(&vm.ops, &[0]);
        let chosen = super::chosen(&vm.ops, &vm.insns, &landing);
        (0..chosen.len()).filter(|&i| chosen[i]).collect()
    }

    #[test]
    fn only_results_that_a_jump_alone_reads_are_picked() {
        // Trial division as clang emits it: the remainder is tested by the
        // loop's jump (past one op) and written before any read after.
        let trial = "
            w6 = 2
          next:
            w7 = w4
            w7 %= w6
            w5 = 0
            if w7 == 0 goto done
            w6 += 1
            if w6 < 100 goto next
          done:
            w0 = w5
            exit";
        assert_eq!(picked(trial), [2]);
        // The quotient is read after the jump: data waits on it.
        let read_after = "
            w2 /= w3
            if w2 == 0 goto zero
            w0 = w2
            exit
          zero:
            w0 = 1
            exit";
        assert_eq!(picked(read_after), [] as [usize; 0]);
        // Read on the taken path only (and a 64-bit division, never picked).
        let taken_path = "
            w2 %= w3
            r4 /= r3
            if w2 > 7 goto big
            w0 = 0
            exit
          big:
            w0 = w2
            exit";
        assert_eq!(picked(taken_path), [] as [usize; 0]);
        // Fed into more arithmetic before any jump.
        let chained = "
            w2 %= w3
            w2 += 1
            if w2 > 7 goto big
          big:
            w0 = 0
            exit";
        assert_eq!(picked(chained), [] as [usize; 0]);
        // The result is r0, read by exit.
        let returned = "
            w0 %= w3
            if w0 > 7 goto big
          big:
            exit";
        assert_eq!(picked(returned), [] as [usize; 0]);
    }
}
