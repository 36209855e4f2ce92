//! Loop-invariant values computed with a constant stay out of loops.
//!
//! Cranelift rematerialises every `x + imm`, `x & imm` (and the other
//! ALU ops with a constant operand) in each block that uses it, instead
//! of keeping it in a register: cheap for register pressure, but a loop
//! then recomputes it on every iteration. clang's BPF code sets up a
//! packet's end pointer as `r2 = r1; r2 += r3; r2 += 8` before a loop
//! that compares against it each time round: inside the loop that became
//! one `lea 0x8(%rax,%r10,1)` per iteration: 9 instructions where rbpf
//! has 8, and in a C harness on this project's Zen 4 machine the
//! 750-iteration loop went from about 212 to 320 ns.
//!
//! So such an op before a loop that reads its result passes the result
//! through a `bitcast` to its own type: a no-op on x86-64 and aarch64 that
//! no rule rematerialises, which Cranelift computes where it is defined,
//! before the loop.

use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Value};

use quiver_isa::Insn;

use crate::op::Op;

use super::translate::{Alu, Src, Translator, alu_of, branch_target, successors};

/// Ops in the loops this applies to. In a small loop one more op per
/// iteration costs the most, and few values compete for registers; in a
/// large one the register the value would hold for the whole loop costs
/// more than recomputing it (`switch_dense`, 100 ops: 1,455 ns with the
/// recomputing, 1,525 without).
const SMALL_LOOP: usize = 24;

/// For each op, whether its result is to be kept out of loops: an add,
/// subtract, and, or, xor with a constant, in no loop, writing a register
/// that a later small loop reads. (Loops as the ranges from a backward
/// branch's target to the branch, when the branch is reached from the
/// target inside the range: clang lays loops out that way. A switch's
/// cases jump back to shared code too, which is no loop.)
pub(super) fn kept_out(ops: &[Op], insns: &[Insn]) -> Vec<bool> {
    let loops: Vec<(usize, usize, u16)> = ops
        .iter()
        .enumerate()
        .filter(|(_, op)| !matches!(op, Op::CallLocal { .. }))
        .filter_map(|(idx, op)| {
            let head = branch_target(op).filter(|&t| t <= idx && closes_loop(ops, t, idx))?;
            let body = insns.get(head..=idx).unwrap_or_default();
            let reads = body.iter().fold(0, |acc, i| acc | i.reads_writes().0);
            Some((head, idx, reads))
        })
        .collect();
    ops.iter()
        .enumerate()
        .map(|(idx, op)| {
            let Some((alu, _, dst, Src::Imm(_))) = alu_of(op) else {
                return false;
            };
            let constant_op = matches!(alu, Alu::Add | Alu::Sub | Alu::And | Alu::Or | Alu::Xor);
            let in_loop = loops.iter().any(|&(h, end, _)| (h..=end).contains(&idx));
            let read_later = loops
                .iter()
                .any(|&(h, end, reads)| h > idx && end - h < SMALL_LOOP && reads & (1 << dst) != 0);
            constant_op && !in_loop && read_later
        })
        .collect()
}

/// Whether op `end` is reached from op `head` through ops between them.
fn closes_loop(ops: &[Op], head: usize, end: usize) -> bool {
    let mut seen = vec![false; end + 1 - head];
    let mut todo = vec![head];
    while let Some(idx) = todo.pop() {
        if idx == end {
            return true;
        }
        if idx < head || idx > end || std::mem::replace(&mut seen[idx - head], true) {
            continue;
        }
        todo.extend(successors(&ops[idx], idx));
    }
    false
}

impl Translator<'_> {
    /// `v`, in a form Cranelift computes where it is defined only.
    pub(super) fn keep_out(&mut self, v: Value) -> Value {
        self.b.ins().bitcast(I64, MemFlagsData::new(), v)
    }
}

#[cfg(test)]
mod tests {
    use quiver_isa::Program;
    use quiver_isa::asm::{Syntax, assemble};

    use crate::config::Config;
    use crate::vm::Vm;

    /// The op indices `kept_out` picks in `text`.
    fn kept(text: &str) -> Vec<usize> {
        let program = Program::from_insns(assemble(text, Syntax::Llvm).unwrap()).unwrap();
        let vm = Vm::new(&program, Config::new()).unwrap();
        let kept = super::kept_out(&vm.ops, &vm.insns);
        (0..kept.len()).filter(|&i| kept[i]).collect()
    }

    #[test]
    fn end_pointers_of_small_loops_are_kept_out() {
        // A checksum loop as clang emits it: ops 1 and 3 set up the end
        // pointer the loop compares against, op 5 its cursor; the adds in
        // the loop (9, 10) and after it (13) stay as they are.
        let small = "
            r2 = r1
            r2 += 64
            r3 = 0
            r2 += 8
            r0 = r1
            r0 += 2
            r4 = 0
          loop:
            if r0 > r2 goto out
            r3 += 1
            r0 += 2
            if r3 < 10 goto loop
          out:
            r0 = r3
            r4 += 1
            exit";
        assert_eq!(kept(small), [1, 3, 5]);
        // The same set-up before a loop of more than SMALL_LOOP ops.
        let body = "r3 += 1\n".repeat(super::SMALL_LOOP);
        let large = format!(
            "r2 = r1
             r2 += 8
           loop:
             if r1 > r2 goto out
             {body}
             if r3 < 10 goto loop
           out:
             r0 = r3
             exit"
        );
        assert_eq!(kept(&large), [] as [usize; 0]);
        // A backward jump to shared code that never comes back is no loop.
        let shared_tail = "
            r2 = r1
            r2 += 8
            goto start
          tail:
            r0 = r2
            exit
          start:
            r3 = 1
            if r3 > r2 goto tail
            r0 = 0
            exit";
        assert_eq!(kept(shared_tail), [] as [usize; 0]);
    }
}
