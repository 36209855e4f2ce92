//! Small loops run their first iterations unrolled, without exit tests,
//! for as many iterations as no exit can be taken in.
//!
//! A loop such as the checksum's (`for (i = 0; i < n; i++) { if (p + 2 >
//! end) break; sum += *(u16 *)p; p += 2; }`) tests two exits each time
//! round, and the sum is one chain of adds: on this project's Zen 4
//! machine that is one iteration per cycle at best, however the JIT lays
//! the loop out, and rbpf's JIT gets there as well. Two conditional
//! branches per iteration, plus the loop's other adds, also leave the
//! schedulers no slack: the same eight instructions ran 211 or 285 ns
//! (750 iterations) depending on their order and on what came before the
//! loop, and only one of six orders was fast after every entry tried.
//!
//! Both exits compare a counter (a register the loop adds a positive
//! constant to, once per iteration) with a value the loop does not
//! change, so on entering the loop the number of iterations in which
//! neither can be taken is known: `(end - p) / 2 + 1` for the first,
//! `n - i` for the second. Native code computes the smallest such count,
//! runs that many iterations four at a time with no tests at all, then
//! enters the loop itself, which runs the rest and takes whichever exit
//! it takes, as before. A register the loop only adds to (`sum`) is summed
//! in a tree over the four iterations, so the chain has one add per four
//! elements.
//!
//! Only loops this holds for exactly: one path through the body (every
//! conditional jump in it leaves the loop, the last one closes it), entered
//! only by falling into its first op, of register-only ops, loads and
//! stores (no calls, atomics or packet loads), with every exit test an
//! unsigned comparison that fires when a counter reaches or passes its
//! bound: 64-bit, or 32-bit on a counter a 32-bit add steps (the same
//! arithmetic on the low halves). The unrolled iterations are ones the
//! loop runs in full, so their loads and stores are the loop's own, in
//! its order; exit tests read registers only, which stores do not change.
//! Loops paced by a multiplication feeding itself (`carries_a_product`)
//! gain nothing and stay as they are; budgeted runs count ops one by one,
//! and keep every loop as it is.

use cranelift_codegen::ir::condcodes::{CondCode, IntCC};
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{InstBuilder, Value};

use quiver_isa::Insn;

use crate::op::Op;

use super::translate::{Alu, Src, Translator, alu_of, branch_target, jump_of, unary_of};

/// Iterations per round of the unrolled loop.
pub(super) const UNROLL: u64 = 4;

/// The most ops a loop may have: the unrolled copy holds `UNROLL` of
/// each.
const MAX_BODY: usize = 16;

/// A loop the translator runs unrolled first: ops `header..=latch`, the
/// last a conditional jump back to the first.
pub(super) struct Plan {
    pub header: usize,
    pub latch: usize,
    exits: Vec<Exit>,
    /// Ops `sum += x` whose `sum` nothing else in the loop reads.
    sums: Vec<usize>,
}

/// An exit test, as "the counter has reached (or passed) its bound".
struct Exit {
    counter: u8,
    step: u64,
    /// A 64-bit counter and test; else a 32-bit add (`w1 += 1`) and a
    /// 32-bit test, on the low halves.
    wide: bool,
    /// The counter's add comes before the test in the loop, so the test
    /// sees it one step on.
    stepped: bool,
    bound: Src,
    /// Taken once the counter equals the bound (or is above it); else only
    /// once it is above.
    at_bound: bool,
}

/// The loops of `ops` to run unrolled first, by header op.
pub(super) fn plans(
    ops: &[Op],
    insns: &[Insn],
    entries: &[usize],
) -> std::collections::BTreeMap<usize, Plan> {
    ops.iter()
        .enumerate()
        .filter_map(|(latch, op)| {
            let header = branch_target(op).filter(|&h| h < latch)?;
            plan(ops, insns, entries, header, latch)
        })
        .map(|p| (p.header, p))
        .collect()
}

fn plan(
    ops: &[Op],
    insns: &[Insn],
    entries: &[usize],
    header: usize,
    latch: usize,
) -> Option<Plan> {
    let body = header..=latch;
    if latch - header >= MAX_BODY || header == 0 || entries.iter().any(|e| body.contains(e)) {
        return None;
    }
    // Entered only by falling in from the op before; left only forwards or
    // backwards past the loop; closed only by the latch.
    let before = &ops[header - 1];
    if branch_target(before).is_some() || matches!(before, Op::Exit) {
        return None;
    }
    let jumps_in = ops.iter().enumerate().any(|(idx, op)| {
        branch_target(op).is_some_and(|t| body.contains(&t) && (idx, t) != (latch, header))
    });
    if jumps_in
        || !body
            .clone()
            .all(|idx| plain(&ops[idx]) || jump_of(&ops[idx]).is_some())
        || carries_a_product(ops, insns, header, latch)
    {
        return None;
    }
    let defs = |r: u8| {
        body.clone()
            .filter(move |&idx| insns[idx].reads_writes().1 & (1 << r) != 0)
    };
    let invariant = |s: Src| match s {
        Src::Reg(r) => defs(r).next().is_none(),
        Src::Imm(_) => true,
    };
    // A counter: one def, an add of a positive constant, 64- or 32-bit.
    let counter = |r: u8| -> Option<(usize, u64, bool)> {
        let mut d = defs(r);
        let (first, rest) = (d.next()?, d.next());
        let (dst, imm, wide) = match (ops[first], rest) {
            (Op::Add64I { dst, imm }, None) => (dst, imm, true),
            (Op::Add32I { dst, imm }, None) => (dst, imm, false),
            _ => return None,
        };
        (dst == r && (1..=i32::MAX as u64).contains(&imm)).then_some((first, imm, wide))
    };
    let mut exits = Vec::new();
    for idx in body.clone() {
        let Some((cond, w64, dst, src, _)) = jump_of(&ops[idx]) else {
            continue;
        };
        let cc = cond?;
        // A test in the body leaves when it jumps; the latch when it does
        // not.
        let fires = if idx == latch { cc.complement() } else { cc };
        let (counter_reg, bound, fires) = match src {
            Src::Reg(s) if counter(s).is_some() && invariant(Src::Reg(dst)) => {
                (s, Src::Reg(dst), fires.swap_args())
            }
            _ if invariant(src) => (dst, src, fires),
            _ => return None,
        };
        let (add, step, wide) = counter(counter_reg)?;
        // A test as wide as the counter's add: a 32-bit add zero-extends,
        // which a 64-bit test would see wrap at 2^32.
        if wide != w64 {
            return None;
        }
        let at_bound = match fires {
            IntCC::UnsignedGreaterThan => false,
            IntCC::UnsignedGreaterThanOrEqual | IntCC::Equal => true,
            _ => return None,
        };
        exits.push(Exit {
            counter: counter_reg,
            step,
            wide,
            stepped: add < idx,
            bound,
            at_bound,
        });
    }
    let sums = body
        .clone()
        .filter(|&idx| match ops[idx] {
            Op::Add64R { dst, src } if dst != src => {
                defs(dst).eq([idx])
                    && body
                        .clone()
                        .filter(|&i| insns[i].reads_writes().0 & (1 << dst) != 0)
                        .eq([idx])
            }
            _ => false,
        })
        .collect();
    Some(Plan {
        header,
        latch,
        exits,
        sums,
    })
}

/// Whether a multiplication or division in the loop takes, in the next
/// iteration, a value computed from its own result: a chain such as a
/// hash (`h = (h ^ x) * prime`), which sets the loop's pace at its
/// latency, three cycles or more an iteration, however many tests the
/// loop makes. Unrolling cannot shorten it and costs its entry (the
/// `memcpy_1k` benchmark, whose loop hashes what it copies: 137-142 ->
/// 143-149 ns), so such loops stay as they are. Found by following the
/// product's register through two passes over the body.
fn carries_a_product(ops: &[Op], insns: &[Insn], header: usize, latch: usize) -> bool {
    let slow = |idx: usize| {
        alu_of(&ops[idx]).is_some_and(|(alu, ..)| {
            matches!(alu, Alu::Mul | Alu::Div | Alu::Sdiv | Alu::Mod | Alu::Smod)
        })
    };
    // Registers holding a value computed from a product, as a bit set.
    let mut from_product = 0u16;
    for pass in 0..2 {
        for idx in header..=latch {
            let (reads, writes) = insns[idx].reads_writes();
            let tainted = reads & from_product != 0;
            if pass == 1 && slow(idx) && tainted {
                return true;
            }
            // A load's value is memory's, whatever its address.
            let keeps = tainted && alu_of(&ops[idx]).is_some() || slow(idx);
            from_product = if keeps {
                from_product | writes
            } else {
                from_product & !writes
            };
        }
    }
    false
}

/// An op that only computes registers, or stores, from registers and
/// memory.
fn plain(op: &Op) -> bool {
    alu_of(op).is_some()
        || unary_of(op).is_some()
        || matches!(
            op,
            Op::Nop
                | Op::Ldx8 { .. }
                | Op::Ldx16 { .. }
                | Op::Ldx32 { .. }
                | Op::Ldx64 { .. }
                | Op::Ldxs8 { .. }
                | Op::Ldxs16 { .. }
                | Op::Ldxs32 { .. }
                | Op::St8 { .. }
                | Op::St16 { .. }
                | Op::St32 { .. }
                | Op::St64 { .. }
                | Op::Stx8 { .. }
                | Op::Stx16 { .. }
                | Op::Stx32 { .. }
                | Op::Stx64 { .. }
        )
}

impl Translator<'_> {
    /// Enters `plan`'s loop from the op before it: the iterations no exit
    /// can be taken in, `UNROLL` at a time, then the loop.
    pub(super) fn enter_unrolled(&mut self, plan: &Plan) {
        let header = self.blocks[plan.header].expect("loop headers start blocks");
        let mut count: Option<Value> = None;
        for exit in &plan.exits {
            let n = self.exit_free(exit);
            count = Some(match count {
                Some(c) => self.b.ins().umin(c, n),
                None => n,
            });
        }
        let Some(count) = count else {
            unreachable!("a latch is an exit");
        };
        let rounds = self
            .b
            .ins()
            .ushr_imm_u(count, UNROLL.trailing_zeros() as i64);
        let left = self.b.declare_var(I64);
        self.b.def_var(left, rounds);
        let unrolled = self.b.create_block();
        self.b.ins().brif(rounds, unrolled, &[], header, &[]);

        self.b.switch_to_block(unrolled);
        let mut added: Vec<(u8, Vec<Value>)> = Vec::new();
        for _ in 0..UNROLL {
            for idx in plan.header..=plan.latch {
                let op = self.vm.ops[idx];
                if jump_of(&op).is_some() {
                    continue;
                }
                if plan.sums.contains(&idx) {
                    let Op::Add64R { dst, src } = op else {
                        unreachable!("sums are adds");
                    };
                    let x = self.reg(src);
                    match added.iter_mut().find(|(r, _)| *r == dst) {
                        Some((_, xs)) => xs.push(x),
                        None => added.push((dst, vec![x])),
                    }
                    continue;
                }
                let ended = self.op(idx, op);
                debug_assert!(!ended, "plain ops do not end blocks");
            }
        }
        for (sum, mut xs) in added {
            // Pairwise, so no chain is longer than it must be.
            while xs.len() > 1 {
                xs = xs
                    .chunks(2)
                    .map(|c| match *c {
                        [a, b] => self.b.ins().iadd(a, b),
                        [a] => a,
                        _ => unreachable!("chunks of two"),
                    })
                    .collect();
            }
            let s = self.reg(sum);
            let s = self.b.ins().iadd(s, xs[0]);
            self.set(sum, s);
        }
        let n = self.b.use_var(left);
        let n = self.b.ins().iadd_imm_s(n, -1);
        self.b.def_var(left, n);
        self.b.ins().brif(n, unrolled, &[], header, &[]);
    }

    /// How many iterations, from the loop's entry, `exit` is certainly not
    /// taken in.
    fn exit_free(&mut self, exit: &Exit) -> Value {
        let start = self.reg(exit.counter);
        let bound = match exit.bound {
            Src::Reg(r) => self.reg(r),
            Src::Imm(i) => self.iconst(I64, i),
        };
        // A 32-bit counter and its test: the same sums on the low halves,
        // which 64 bits hold without wrapping.
        let low = |t: &mut Self, v: Value| {
            if exit.wide {
                v
            } else {
                t.b.ins().band_imm_u(v, 0xffff_ffff)
            }
        };
        let (start, bound) = (low(self, start), low(self, bound));
        let first = if exit.stepped {
            let first = self.b.ins().iadd_imm_s(start, exit.step as i64);
            low(self, first)
        } else {
            start
        };
        // Iteration k tests first + k * step (mod 2^64, where `first` may
        // itself have wrapped): below the bound (at_bound), or at most it,
        // for every k up to (bound - first [- 1]) / step, which keeps the
        // sum below 2^64.
        let (below, last_ok) = if exit.at_bound {
            let below = self.b.ins().icmp(IntCC::UnsignedLessThan, first, bound);
            let room = self.b.ins().isub(bound, first);
            (below, self.b.ins().iadd_imm_s(room, -1))
        } else {
            let below = self
                .b
                .ins()
                .icmp(IntCC::UnsignedLessThanOrEqual, first, bound);
            (below, self.b.ins().isub(bound, first))
        };
        let steps = if exit.step.is_power_of_two() {
            self.b
                .ins()
                .ushr_imm_u(last_ok, exit.step.trailing_zeros() as i64)
        } else {
            let step = self.iconst(I64, exit.step);
            self.b.ins().udiv(last_ok, step)
        };
        // Wraps to 0 only when every u64 would do: then no unrolling.
        let count = self.b.ins().iadd_imm_s(steps, 1);
        let zero = self.iconst(I64, 0);
        self.b.ins().select(below, count, zero)
    }
}

#[cfg(test)]
mod tests {
    use quiver_isa::Program;
    use quiver_isa::asm::{Syntax, assemble};

    use crate::config::Config;
    use crate::vm::Vm;

    /// The headers, latches and sums `plans` finds in `text`.
    fn found(text: &str) -> Vec<(usize, usize, Vec<usize>)> {
        let program = Program::from_insns(assemble(text, Syntax::Llvm).unwrap()).unwrap();
        let vm = Vm::new(&program, Config::new()).unwrap();
        super::plans(&vm.ops, &vm.insns, &[0])
            .into_values()
            .map(|p| (p.header, p.latch, p.sums))
            .collect()
    }

    /// The checksum's loop as clang emits it, with `extra` in its body
    /// before the latch.
    fn checksum(extra: &str) -> String {
        format!(
            "r2 = r1
             r2 += 64
             r4 = 10
             r3 = 0
             r5 = 0
             r0 = r1
             r0 += 2
           loop:
             if r0 > r2 goto out
             r6 = *(u16 *)(r0 - 2)
             r3 += r6
             r0 += 2
             r5 += 1
             {extra}
             if r5 < r4 goto loop
           out:
             r0 = r3
             exit"
        )
    }

    #[test]
    fn the_checksum_loop_is_planned_with_its_sum() {
        assert_eq!(found(&checksum("")), [(7, 12, vec![9])]);
        // The bound on the other side, and a `!=` latch.
        let swapped = checksum("").replace("if r5 < r4", "if r4 > r5");
        assert_eq!(found(&swapped), [(7, 12, vec![9])]);
        let ne = checksum("").replace("if r5 < r4", "if r5 != r4");
        assert_eq!(found(&ne), [(7, 12, vec![9])]);
        // A 32-bit counter with a 32-bit test.
        let narrow = checksum("")
            .replace("r5 += 1", "w5 += 1")
            .replace("if r5 < r4", "if w5 < w4");
        assert_eq!(found(&narrow), [(7, 12, vec![9])]);
        // A sum that something else reads is no sum.
        assert_eq!(found(&checksum("r7 = r3")), [(7, 13, vec![])]);
        // Stores are the loop's own, in its order.
        assert_eq!(
            found(&checksum("*(u16 *)(r0 - 4) = r6")),
            [(7, 13, vec![9])]
        );
    }

    #[test]
    fn loops_the_plan_cannot_hold_for_are_left_alone() {
        let none: [(usize, usize, Vec<usize>); 0] = [];
        // An atomic, a signed test, a test as wide as no add of its
        // counter, a test of a loaded value.
        assert_eq!(found(&checksum("lock *(u64 *)(r10 - 8) += r7")), none);
        assert_eq!(
            found(&checksum("").replace("if r0 > r2", "if r0 s> r2")),
            none
        );
        assert_eq!(
            found(&checksum("").replace("if r5 < r4", "if w5 < w4")),
            none
        );
        assert_eq!(found(&checksum("").replace("r5 += 1", "w5 += 1")), none);
        assert_eq!(found(&checksum("if r6 == 7 goto out")), none);
        // A counter with two adds, or one that moves down.
        assert_eq!(found(&checksum("r5 += 1")), none);
        assert_eq!(
            found(&checksum("").replace("r0 += 2\n", "r0 += -2\n")),
            none
        );
        // A hash carried from one iteration to the next through a
        // multiplication (a product that nothing carries is fine).
        let hashed = checksum("r3 ^= r6\n r3 *= 7").replace("r3 += r6\n", "");
        assert_eq!(found(&hashed), none);
        assert_eq!(found(&checksum("r7 = r6\n r7 *= 7")), [(7, 14, vec![9])]);
        // A bound the loop changes.
        assert_eq!(found(&checksum("r4 += 0")), none);
        // A test that fires below its bound.
        assert_eq!(
            found(&checksum("").replace("if r0 > r2", "if r0 < r2")),
            none
        );
        // Entered by a jump, and a jump into the body.
        let jumped_in =
            checksum("").replace("r0 += 2\n           loop:", "r0 += 2\n goto loop\n loop:");
        assert_eq!(found(&jumped_in), none);
        let into_body = checksum("")
            .replace("r5 = 0\n", "r5 = 0\n if r1 == 0 goto mid\n")
            .replace("r3 += r6", "mid:\n r3 += r6");
        assert_eq!(found(&into_body), none);
    }
}
