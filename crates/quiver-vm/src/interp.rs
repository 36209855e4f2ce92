//! The dispatch loop: `loop { match op }` over pre-compiled ops.
//!
//! The loop is monomorphized over the memory mode `M` (the unchecked
//! instantiation has no checks left), over `TRACE` (no trace code unless
//! tracing) and over `BUDGET` (no instruction counting unless a budget is
//! set). Registers live in a local array; errors leave through cold
//! functions so that the hot arms stay small.

use crate::compile::slot_of;
use crate::error::{HelperError, VmError};
use crate::helpers::{After, Callee, Helper, HelperContext};
use crate::memory::{Checked, Unchecked};
use crate::memory::{MAX_CALL_FRAMES, Memory, Mode, Rmw, Scalar};
use crate::op::Op;
use crate::semantics as s;
use crate::trace::TraceStep;
use crate::vm::Vm;
use quiver_rcu::Borrowed;

/// Iterations a run's `may_goto` instructions fall through before they
/// start jumping (Linux `BPF_MAX_LOOPS`).
pub const BPF_MAX_LOOPS: u64 = 8 * 1024 * 1024;

/// What a bpf-to-bpf call saves: where to return and the caller's
/// callee-saved registers r6-r9 and frame pointer r10.
///
/// The registers are stored out of order on purpose: saved in order, the
/// compiler merges the loads into 16-byte ones, which cannot be forwarded
/// from the 8-byte stores the program has just made to those registers
/// (a store-forwarding stall on every call).
#[derive(Clone, Copy)]
#[repr(C)]
struct Frame {
    r6: u64,
    r8: u64,
    r10: u64,
    r7: u64,
    r9: u64,
    ret: u32,
}

/// Register index; the mask (a no-op for the indices compile produces,
/// all <= 10) lets the compiler drop the bounds check on `regs`.
#[inline(always)]
fn r(x: u8) -> usize {
    (x & 15) as usize
}

/// Tail calls a run may make (Linux `MAX_TAIL_CALL_CNT`).
pub const MAX_TAIL_CALL_CNT: u32 = 33;

/// Result of a host function call.
enum Ret {
    Value(u64),
    Stop(u64),
    TailCall(u64, Borrowed<Vm>),
}

/// Base of the addresses `LD_IMM64` of a function gives a program: the op
/// index of the function is added. Nothing is mapped there, so a program
/// that dereferences one faults.
pub const FUNC_BASE: u64 = 0xffff_a000_0000_0000;

/// What a run counts across the frames of callbacks: the instruction
/// budget left and the `may_goto` iterations left.
pub(crate) struct Counters {
    pub(crate) budget: u64,
    pub(crate) loops: u64,
    /// Tail calls made so far, across every frame and called program.
    pub(crate) tail_calls: u32,
}

/// Runs a program from op `start` (0: its first instruction).
pub(crate) fn exec<M: Mode, const TRACE: bool, const BUDGET: bool>(
    vm: &Vm,
    mem: &mut Memory,
    start: usize,
    args: [u64; 5],
    trace: &mut dyn FnMut(&TraceStep<'_>),
) -> Result<u64, VmError> {
    let mut counters = Counters::new(vm);
    exec_frame::<M, TRACE, BUDGET>(vm, mem, start, 0, args, trace, &mut counters)
}

/// Interprets `vm` from op `start` in frame `base` of a run that native
/// code started (a callback or a program the JIT has no entry for), on
/// that run's counters.
#[cfg(feature = "jit")]
pub(crate) fn exec_in_frame(
    vm: &Vm,
    mem: &mut Memory,
    start: usize,
    base: usize,
    args: [u64; 5],
    counters: &mut Counters,
) -> Result<u64, VmError> {
    let trace = &mut |_: &TraceStep<'_>| {};
    match (vm.is_checked(), counters.budget != u64::MAX) {
        (true, true) => {
            exec_frame::<Checked, false, true>(vm, mem, start, base, args, trace, counters)
        }
        (true, false) => {
            exec_frame::<Checked, false, false>(vm, mem, start, base, args, trace, counters)
        }
        (false, true) => {
            exec_frame::<Unchecked, false, true>(vm, mem, start, base, args, trace, counters)
        }
        (false, false) => {
            exec_frame::<Unchecked, false, false>(vm, mem, start, base, args, trace, counters)
        }
    }
}

impl Counters {
    /// The counters of a run of `vm` that starts now.
    pub(crate) fn new(vm: &Vm) -> Counters {
        Counters {
            budget: vm.budget.unwrap_or(u64::MAX),
            loops: BPF_MAX_LOOPS,
            tail_calls: 0,
        }
    }
}

// Never inlined: each instantiation is one self-contained loop. It runs
// from op `start` in frame `base` until that frame exits: the whole program
// (base 0), or a callback a helper calls (base = the helper's frame + 1).
#[inline(never)]
fn exec_frame<M: Mode, const TRACE: bool, const BUDGET: bool>(
    vm: &Vm,
    mem: &mut Memory,
    start: usize,
    base: usize,
    args: [u64; 5],
    trace: &mut dyn FnMut(&TraceStep<'_>),
    counters: &mut Counters,
) -> Result<u64, VmError> {
    let ops: &[Op] = &vm.ops;
    let mut regs = [0u64; 16];
    regs[1..6].copy_from_slice(&args);
    mem.ensure_reach(vm.stack_reach);
    mem.set_depth(base);
    regs[10] = mem.frame_pointer(base);
    let mut frames = [Frame {
        r6: 0,
        r8: 0,
        r10: 0,
        r7: 0,
        r9: 0,
        ret: 0,
    }; MAX_CALL_FRAMES];
    let mut depth = base;
    let mut budget = counters.budget;
    let mut loops = counters.loops;
    let mut before = [0u64; 11];
    let mut i = start;

    loop {
        let idx = i;
        let op = ops[idx];
        if BUDGET {
            if budget == 0 {
                return Err(vm.budget_exhausted(idx));
            }
            budget -= 1;
        }
        if TRACE {
            before.copy_from_slice(&regs[..11]);
        }
        i += 1;

        macro_rules! alu {
            ($f:path, $dst:expr, $b:expr) => {{
                let b = $b;
                let d = r($dst);
                regs[d] = $f(regs[d], b);
            }};
        }
        macro_rules! un {
            ($f:path, $dst:expr, $src:expr) => {{
                regs[r($dst)] = $f(regs[r($src)]);
            }};
        }
        macro_rules! jmp {
            ($f:path, $dst:expr, $b:expr, $t:expr) => {{
                // A real branch, not a conditional move: when the outcome
                // is unpredictable (a switch), a mispredicted branch is
                // caught right after the compare, while a conditional move
                // delays it to the dispatch jump (measured: the `switch`
                // benchmark runs 1.7x faster this way).
                if $f(regs[r($dst)], $b) {
                    std::hint::cold_path();
                    i = $t as usize;
                }
            }};
        }
        macro_rules! fault {
            ($addr:expr, $size:expr, $write:expr, $atomic:expr) => {
                return Err(vm.violation(mem, idx, $addr, $size as u64, $write, $atomic))
            };
        }
        macro_rules! addr {
            ($base:expr, $off:expr) => {
                regs[r($base)].wrapping_add($off as i64 as u64)
            };
        }
        macro_rules! ldx {
            ($t:ty, $dst:expr, $src:expr, $off:expr, |$v:ident| $ext:expr) => {{
                let a = addr!($src, $off);
                match mem.load::<M, $t>(a) {
                    Some($v) => regs[r($dst)] = $ext,
                    None => fault!(a, <$t as Scalar>::SIZE, false, false),
                }
            }};
        }
        macro_rules! st {
            ($t:ty, $dst:expr, $off:expr, $v:expr) => {{
                let a = addr!($dst, $off);
                let v = <$t as Scalar>::from_u64($v);
                if mem.store::<M, $t>(a, v).is_none() {
                    fault!(a, <$t as Scalar>::SIZE, true, false);
                }
            }};
        }
        macro_rules! finish {
            ($r0:expr) => {{
                regs[0] = $r0;
                if TRACE {
                    emit(vm, trace, idx, &before, &regs);
                }
                counters.budget = budget;
                counters.loops = loops;
                return Ok(regs[0]);
            }};
        }
        macro_rules! exit_frame {
            () => {{
                if depth == base {
                    finish!(regs[0]);
                }
                depth -= 1;
                let frame = frames[depth];
                regs[6..11].copy_from_slice(&[frame.r6, frame.r7, frame.r8, frame.r9, frame.r10]);
                mem.set_depth(depth);
                i = frame.ret as usize;
            }};
        }
        macro_rules! host_call {
            ($h:expr, $on_err:ident) => {{
                let h: &Helper = $h;
                // Callbacks the helper runs count against the same budget.
                counters.budget = budget;
                counters.loops = loops;
                let ret =
                    call_host::<M, TRACE, BUDGET>(vm, h, mem, idx, &regs, depth, trace, counters);
                budget = counters.budget;
                loops = counters.loops;
                match ret {
                    Ok(Ret::Value(v)) => regs[0] = v,
                    Ok(Ret::Stop(v)) => finish!(v),
                    Ok(Ret::TailCall(v, target)) => {
                        if counters.tail_calls >= MAX_TAIL_CALL_CNT {
                            regs[0] = v;
                        } else {
                            counters.tail_calls += 1;
                            counters.budget = budget;
                            counters.loops = loops;
                            let args = [regs[1], regs[2], regs[3], regs[4], regs[5]];
                            let r0 = run_in_frame::<TRACE, BUDGET>(
                                &target, mem, 0, depth, args, trace, counters,
                            );
                            budget = counters.budget;
                            loops = counters.loops;
                            drop(target);
                            // The callee took the caller's frame: its r0 is
                            // what the caller returns.
                            regs[0] = r0?;
                            exit_frame!();
                        }
                    }
                    Err(e) => return Err(vm.$on_err(idx, h, e)),
                }
            }};
        }

        match op {
            Op::Add64R { dst, src } => alu!(s::add64, dst, regs[r(src)]),
            Op::Add64I { dst, imm } => alu!(s::add64, dst, imm),
            Op::Sub64R { dst, src } => alu!(s::sub64, dst, regs[r(src)]),
            Op::Sub64I { dst, imm } => alu!(s::sub64, dst, imm),
            Op::Mul64R { dst, src } => alu!(s::mul64, dst, regs[r(src)]),
            Op::Mul64I { dst, imm } => alu!(s::mul64, dst, imm),
            Op::Div64R { dst, src } => alu!(s::div64, dst, regs[r(src)]),
            Op::Div64I { dst, imm } => alu!(s::div64, dst, imm),
            Op::Sdiv64R { dst, src } => alu!(s::sdiv64, dst, regs[r(src)]),
            Op::Sdiv64I { dst, imm } => alu!(s::sdiv64, dst, imm),
            Op::Mod64R { dst, src } => alu!(s::mod64, dst, regs[r(src)]),
            Op::Mod64I { dst, imm } => alu!(s::mod64, dst, imm),
            Op::Smod64R { dst, src } => alu!(s::smod64, dst, regs[r(src)]),
            Op::Smod64I { dst, imm } => alu!(s::smod64, dst, imm),
            Op::Or64R { dst, src } => alu!(s::or64, dst, regs[r(src)]),
            Op::Or64I { dst, imm } => alu!(s::or64, dst, imm),
            Op::And64R { dst, src } => alu!(s::and64, dst, regs[r(src)]),
            Op::And64I { dst, imm } => alu!(s::and64, dst, imm),
            Op::Xor64R { dst, src } => alu!(s::xor64, dst, regs[r(src)]),
            Op::Xor64I { dst, imm } => alu!(s::xor64, dst, imm),
            Op::Lsh64R { dst, src } => alu!(s::lsh64, dst, regs[r(src)]),
            Op::Lsh64I { dst, imm } => alu!(s::lsh64, dst, imm),
            Op::Rsh64R { dst, src } => alu!(s::rsh64, dst, regs[r(src)]),
            Op::Rsh64I { dst, imm } => alu!(s::rsh64, dst, imm),
            Op::Arsh64R { dst, src } => alu!(s::arsh64, dst, regs[r(src)]),
            Op::Arsh64I { dst, imm } => alu!(s::arsh64, dst, imm),
            Op::Mov64R { dst, src } => alu!(s::mov64, dst, regs[r(src)]),
            Op::Mov64I { dst, imm } => alu!(s::mov64, dst, imm),

            Op::Add32R { dst, src } => alu!(s::add32, dst, regs[r(src)]),
            Op::Add32I { dst, imm } => alu!(s::add32, dst, imm),
            Op::Sub32R { dst, src } => alu!(s::sub32, dst, regs[r(src)]),
            Op::Sub32I { dst, imm } => alu!(s::sub32, dst, imm),
            Op::Mul32R { dst, src } => alu!(s::mul32, dst, regs[r(src)]),
            Op::Mul32I { dst, imm } => alu!(s::mul32, dst, imm),
            Op::Div32R { dst, src } => alu!(s::div32, dst, regs[r(src)]),
            Op::Div32I { dst, imm } => alu!(s::div32, dst, imm),
            Op::Sdiv32R { dst, src } => alu!(s::sdiv32, dst, regs[r(src)]),
            Op::Sdiv32I { dst, imm } => alu!(s::sdiv32, dst, imm),
            Op::Mod32R { dst, src } => alu!(s::mod32, dst, regs[r(src)]),
            Op::Mod32I { dst, imm } => alu!(s::mod32, dst, imm),
            Op::Smod32R { dst, src } => alu!(s::smod32, dst, regs[r(src)]),
            Op::Smod32I { dst, imm } => alu!(s::smod32, dst, imm),
            Op::Or32R { dst, src } => alu!(s::or32, dst, regs[r(src)]),
            Op::Or32I { dst, imm } => alu!(s::or32, dst, imm),
            Op::And32R { dst, src } => alu!(s::and32, dst, regs[r(src)]),
            Op::And32I { dst, imm } => alu!(s::and32, dst, imm),
            Op::Xor32R { dst, src } => alu!(s::xor32, dst, regs[r(src)]),
            Op::Xor32I { dst, imm } => alu!(s::xor32, dst, imm),
            Op::Lsh32R { dst, src } => alu!(s::lsh32, dst, regs[r(src)]),
            Op::Lsh32I { dst, imm } => alu!(s::lsh32, dst, imm),
            Op::Rsh32R { dst, src } => alu!(s::rsh32, dst, regs[r(src)]),
            Op::Rsh32I { dst, imm } => alu!(s::rsh32, dst, imm),
            Op::Arsh32R { dst, src } => alu!(s::arsh32, dst, regs[r(src)]),
            Op::Arsh32I { dst, imm } => alu!(s::arsh32, dst, imm),
            Op::Mov32R { dst, src } => alu!(s::mov32, dst, regs[r(src)]),
            Op::Mov32I { dst, imm } => alu!(s::mov32, dst, imm),

            Op::Neg64 { dst } => un!(s::neg64, dst, dst),
            Op::Neg32 { dst } => un!(s::neg32, dst, dst),
            Op::Sx8To64 { dst, src } => un!(s::sx8_64, dst, src),
            Op::Sx16To64 { dst, src } => un!(s::sx16_64, dst, src),
            Op::Sx32To64 { dst, src } => un!(s::sx32_64, dst, src),
            Op::Sx8To32 { dst, src } => un!(s::sx8_32, dst, src),
            Op::Sx16To32 { dst, src } => un!(s::sx16_32, dst, src),
            Op::Zext16 { dst } => un!(s::zext16, dst, dst),
            Op::Zext32 { dst } => un!(s::zext32, dst, dst),
            Op::Swap16 { dst } => un!(s::swap16, dst, dst),
            Op::Swap32 { dst } => un!(s::swap32, dst, dst),
            Op::Swap64 { dst } => un!(s::swap64, dst, dst),
            Op::Nop => {}

            Op::Ldx8 { dst, src, off } => ldx!(u8, dst, src, off, |v| v as u64),
            Op::Ldx16 { dst, src, off } => ldx!(u16, dst, src, off, |v| v as u64),
            Op::Ldx32 { dst, src, off } => ldx!(u32, dst, src, off, |v| v as u64),
            Op::Ldx64 { dst, src, off } => ldx!(u64, dst, src, off, |v| v),
            Op::Ldxs8 { dst, src, off } => ldx!(u8, dst, src, off, |v| v as i8 as i64 as u64),
            Op::Ldxs16 { dst, src, off } => ldx!(u16, dst, src, off, |v| v as i16 as i64 as u64),
            Op::Ldxs32 { dst, src, off } => ldx!(u32, dst, src, off, |v| v as i32 as i64 as u64),
            Op::St8 { dst, off, imm } => st!(u8, dst, off, imm),
            Op::St16 { dst, off, imm } => st!(u16, dst, off, imm),
            Op::St32 { dst, off, imm } => st!(u32, dst, off, imm),
            Op::St64 { dst, off, imm } => st!(u64, dst, off, imm),
            Op::Stx8 { dst, src, off } => st!(u8, dst, off, regs[r(src)]),
            Op::Stx16 { dst, src, off } => st!(u16, dst, off, regs[r(src)]),
            Op::Stx32 { dst, src, off } => st!(u32, dst, off, regs[r(src)]),
            Op::Stx64 { dst, src, off } => st!(u64, dst, off, regs[r(src)]),
            Op::Atomic32 { op, dst, src, off } => {
                let a = addr!(dst, off);
                let (val, expected) = (regs[r(src)] as u32, regs[0] as u32);
                match mem.rmw32::<M>(a, op, val, expected) {
                    Some(old) => write_back(&mut regs, op, src, old as u64),
                    None => fault!(a, 4, true, true),
                }
            }
            Op::Atomic64 { op, dst, src, off } => {
                let a = addr!(dst, off);
                match mem.rmw64::<M>(a, op, regs[r(src)], regs[0]) {
                    Some(old) => write_back(&mut regs, op, src, old),
                    None => fault!(a, 8, true, true),
                }
            }
            Op::LoadAcquire {
                size,
                dst,
                src,
                off,
            } => {
                let a = addr!(src, off);
                match mem.load_acquire::<M>(a, size as u64) {
                    Some(v) => regs[r(dst)] = v,
                    None => fault!(a, size, false, true),
                }
            }
            Op::StoreRelease {
                size,
                dst,
                src,
                off,
            } => {
                let a = addr!(dst, off);
                if mem
                    .store_release::<M>(a, size as u64, regs[r(src)])
                    .is_none()
                {
                    fault!(a, size, true, true);
                }
            }
            // Out of bounds or without a packet, Linux ends the program
            // with r0 = 0.
            Op::LdAbs { size, imm } => match mem.packet_load(imm as i64, size as u64) {
                Some(v) => regs[0] = v,
                None => finish!(0),
            },
            Op::LdInd { size, src, imm } => {
                // The offset is computed in 64 bits and passed on as an int.
                let off = addr!(src, imm) as i32 as i64;
                match mem.packet_load(off, size as u64) {
                    Some(v) => regs[0] = v,
                    None => finish!(0),
                }
            }

            Op::Ja { target } => i = target as usize,
            Op::Jeq64R { dst, src, target } => jmp!(s::jeq64, dst, regs[r(src)], target),
            Op::Jeq64I { dst, imm, target } => jmp!(s::jeq64, dst, imm, target),
            Op::Jne64R { dst, src, target } => jmp!(s::jne64, dst, regs[r(src)], target),
            Op::Jne64I { dst, imm, target } => jmp!(s::jne64, dst, imm, target),
            Op::Jgt64R { dst, src, target } => jmp!(s::jgt64, dst, regs[r(src)], target),
            Op::Jgt64I { dst, imm, target } => jmp!(s::jgt64, dst, imm, target),
            Op::Jge64R { dst, src, target } => jmp!(s::jge64, dst, regs[r(src)], target),
            Op::Jge64I { dst, imm, target } => jmp!(s::jge64, dst, imm, target),
            Op::Jlt64R { dst, src, target } => jmp!(s::jlt64, dst, regs[r(src)], target),
            Op::Jlt64I { dst, imm, target } => jmp!(s::jlt64, dst, imm, target),
            Op::Jle64R { dst, src, target } => jmp!(s::jle64, dst, regs[r(src)], target),
            Op::Jle64I { dst, imm, target } => jmp!(s::jle64, dst, imm, target),
            Op::Jset64R { dst, src, target } => jmp!(s::jset64, dst, regs[r(src)], target),
            Op::Jset64I { dst, imm, target } => jmp!(s::jset64, dst, imm, target),
            Op::Jsgt64R { dst, src, target } => jmp!(s::jsgt64, dst, regs[r(src)], target),
            Op::Jsgt64I { dst, imm, target } => jmp!(s::jsgt64, dst, imm, target),
            Op::Jsge64R { dst, src, target } => jmp!(s::jsge64, dst, regs[r(src)], target),
            Op::Jsge64I { dst, imm, target } => jmp!(s::jsge64, dst, imm, target),
            Op::Jslt64R { dst, src, target } => jmp!(s::jslt64, dst, regs[r(src)], target),
            Op::Jslt64I { dst, imm, target } => jmp!(s::jslt64, dst, imm, target),
            Op::Jsle64R { dst, src, target } => jmp!(s::jsle64, dst, regs[r(src)], target),
            Op::Jsle64I { dst, imm, target } => jmp!(s::jsle64, dst, imm, target),

            Op::Jeq32R { dst, src, target } => jmp!(s::jeq32, dst, regs[r(src)], target),
            Op::Jeq32I { dst, imm, target } => jmp!(s::jeq32, dst, imm, target),
            Op::Jne32R { dst, src, target } => jmp!(s::jne32, dst, regs[r(src)], target),
            Op::Jne32I { dst, imm, target } => jmp!(s::jne32, dst, imm, target),
            Op::Jgt32R { dst, src, target } => jmp!(s::jgt32, dst, regs[r(src)], target),
            Op::Jgt32I { dst, imm, target } => jmp!(s::jgt32, dst, imm, target),
            Op::Jge32R { dst, src, target } => jmp!(s::jge32, dst, regs[r(src)], target),
            Op::Jge32I { dst, imm, target } => jmp!(s::jge32, dst, imm, target),
            Op::Jlt32R { dst, src, target } => jmp!(s::jlt32, dst, regs[r(src)], target),
            Op::Jlt32I { dst, imm, target } => jmp!(s::jlt32, dst, imm, target),
            Op::Jle32R { dst, src, target } => jmp!(s::jle32, dst, regs[r(src)], target),
            Op::Jle32I { dst, imm, target } => jmp!(s::jle32, dst, imm, target),
            Op::Jset32R { dst, src, target } => jmp!(s::jset32, dst, regs[r(src)], target),
            Op::Jset32I { dst, imm, target } => jmp!(s::jset32, dst, imm, target),
            Op::Jsgt32R { dst, src, target } => jmp!(s::jsgt32, dst, regs[r(src)], target),
            Op::Jsgt32I { dst, imm, target } => jmp!(s::jsgt32, dst, imm, target),
            Op::Jsge32R { dst, src, target } => jmp!(s::jsge32, dst, regs[r(src)], target),
            Op::Jsge32I { dst, imm, target } => jmp!(s::jsge32, dst, imm, target),
            Op::Jslt32R { dst, src, target } => jmp!(s::jslt32, dst, regs[r(src)], target),
            Op::Jslt32I { dst, imm, target } => jmp!(s::jslt32, dst, imm, target),
            Op::Jsle32R { dst, src, target } => jmp!(s::jsle32, dst, regs[r(src)], target),
            Op::Jsle32I { dst, imm, target } => jmp!(s::jsle32, dst, imm, target),

            // Linux: the first BPF_MAX_LOOPS executions fall through, every
            // later one jumps.
            Op::MayGoto { target } => {
                if loops == 0 {
                    i = target as usize;
                } else {
                    loops -= 1;
                }
            }
            Op::CallLocal { target } => {
                if depth >= MAX_CALL_FRAMES - 1 {
                    return Err(vm.call_depth_exceeded(idx));
                }
                frames[depth] = Frame {
                    r6: regs[6],
                    r8: regs[8],
                    r10: regs[10],
                    r7: regs[7],
                    r9: regs[9],
                    ret: i as u32,
                };
                depth += 1;
                mem.set_depth(depth);
                regs[10] = mem.frame_pointer(depth);
                i = target as usize;
            }
            Op::Exit => exit_frame!(),
            Op::CallHelper { slot } => host_call!(&vm.helpers[slot as usize], helper_failed),
            Op::CallKfunc { slot } => host_call!(&vm.kfuncs[slot as usize], kfunc_failed),
            // bpf_conformance semantics: the register holds a helper id.
            Op::Callx { reg } => {
                let id = regs[r(reg)];
                let slot = u32::try_from(id)
                    .ok()
                    .and_then(|id| slot_of(&vm.helpers[..vm.table_len], id));
                match slot {
                    Some(slot) => host_call!(&vm.helpers[slot as usize], helper_failed),
                    None => return Err(vm.unknown_helper(idx, id)),
                }
            }
            Op::UnknownHelper { id } => return Err(vm.unknown_helper(idx, id as u64)),
            Op::UnknownKfunc { btf_id } => return Err(vm.unknown_kfunc(idx, btf_id)),
        }

        if TRACE {
            emit(vm, trace, idx, &before, &regs);
        }
    }
}

/// Where an atomic puts the old value: nowhere, src, or r0 for cmpxchg.
#[inline(always)]
fn write_back(regs: &mut [u64; 16], op: Rmw, src: u8, old: u64) {
    match op {
        Rmw::Add | Rmw::Or | Rmw::And | Rmw::Xor => {}
        Rmw::Cmpxchg => regs[0] = old,
        Rmw::FetchAdd | Rmw::FetchOr | Rmw::FetchAnd | Rmw::FetchXor | Rmw::Xchg => {
            regs[r(src)] = old
        }
    }
}

#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn call_host<M: Mode, const TRACE: bool, const BUDGET: bool>(
    vm: &Vm,
    h: &Helper,
    mem: &mut Memory,
    idx: usize,
    regs: &[u64; 16],
    depth: usize,
    trace: &mut dyn FnMut(&TraceStep<'_>),
    counters: &mut Counters,
) -> Result<Ret, HelperError> {
    let pc = vm.pcs[idx];
    let mut callback = |m: &mut Memory, callee: Callee<'_>, args: [u64; 5]| {
        if depth + 1 >= MAX_CALL_FRAMES {
            return Err(vm.call_depth_exceeded(idx));
        }
        let r = match callee {
            Callee::Function(func) => {
                let target = vm.function_at(func, pc)?;
                exec_frame::<M, TRACE, BUDGET>(vm, m, target, depth + 1, args, trace, counters)
            }
            Callee::Program(p) => {
                run_in_frame::<TRACE, BUDGET>(p, m, 0, depth + 1, args, trace, counters)
            }
        };
        m.set_depth(depth);
        r
    };
    let mut ctx = HelperContext::new(mem, pc, Some(&mut callback));
    let v = (h.func())(&mut ctx, [regs[1], regs[2], regs[3], regs[4], regs[5]])?;
    Ok(match ctx.take_after() {
        Some(After::Stop(r0)) => Ret::Stop(r0),
        Some(After::TailCall(target)) => Ret::TailCall(v, target),
        None => Ret::Value(v),
    })
}

/// Runs `vm` (another program, in its own memory mode) from op `start` in
/// frame `base` of the current run.
fn run_in_frame<const TRACE: bool, const BUDGET: bool>(
    vm: &Vm,
    mem: &mut Memory,
    start: usize,
    base: usize,
    args: [u64; 5],
    trace: &mut dyn FnMut(&TraceStep<'_>),
    counters: &mut Counters,
) -> Result<u64, VmError> {
    // Another program with native code runs natively (untraced runs).
    #[cfg(feature = "jit")]
    if let (false, Some(code)) = (TRACE, &vm.jit) {
        return crate::jit::run_nested(vm, code, mem, start, base, args, counters);
    }
    if vm.is_checked() {
        exec_frame::<Checked, TRACE, BUDGET>(vm, mem, start, base, args, trace, counters)
    } else {
        exec_frame::<Unchecked, TRACE, BUDGET>(vm, mem, start, base, args, trace, counters)
    }
}

#[inline(never)]
fn emit(
    vm: &Vm,
    trace: &mut dyn FnMut(&TraceStep<'_>),
    idx: usize,
    before: &[u64; 11],
    regs: &[u64; 16],
) {
    let mut after = [0u64; 11];
    after.copy_from_slice(&regs[..11]);
    trace(&TraceStep {
        pc: vm.pcs[idx],
        insn: &vm.insns[idx],
        before,
        after: &after,
    });
}

/// Error constructors, out of the hot loop.
impl Vm {
    #[cold]
    #[inline(never)]
    pub(crate) fn violation(
        &self,
        mem: &Memory,
        idx: usize,
        addr: u64,
        size: u64,
        write: bool,
        atomic: bool,
    ) -> VmError {
        VmError::MemoryViolation {
            pc: self.pcs[idx],
            addr,
            size: size as usize,
            write,
            reason: mem.explain(addr, size, write, atomic),
        }
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn budget_exhausted(&self, idx: usize) -> VmError {
        VmError::BudgetExhausted {
            pc: self.pcs[idx],
            limit: self.budget.unwrap_or(u64::MAX),
        }
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn call_depth_exceeded(&self, idx: usize) -> VmError {
        VmError::CallDepthExceeded {
            pc: self.pcs[idx],
            limit: MAX_CALL_FRAMES,
        }
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn unknown_helper(&self, idx: usize, id: u64) -> VmError {
        VmError::UnknownHelper {
            pc: self.pcs[idx],
            id,
        }
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn unknown_kfunc(&self, idx: usize, btf_id: u32) -> VmError {
        VmError::UnknownKfunc {
            pc: self.pcs[idx],
            btf_id,
        }
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn helper_failed(&self, idx: usize, h: &Helper, error: HelperError) -> VmError {
        VmError::HelperFailed {
            pc: self.pcs[idx],
            id: h.id(),
            name: h.name().to_string(),
            error,
        }
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn kfunc_failed(&self, idx: usize, h: &Helper, error: HelperError) -> VmError {
        VmError::KfuncFailed {
            pc: self.pcs[idx],
            btf_id: h.id(),
            name: h.name().to_string(),
            error,
        }
    }
}
