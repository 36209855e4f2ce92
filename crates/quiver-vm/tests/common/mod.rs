//! Instruction builders and runners shared by the integration tests.
#![allow(dead_code, unused_imports)]

pub mod generate;

pub use quiver_isa::{
    AluOp, AtomicOp, ByteOrder, CallTarget, CallxForm, Insn, JmpCond, PacketMode, Program, Pseudo,
    Reg, Size, Source, Width,
};
pub use quiver_vm::{Config, Helpers, Vm, VmError};

pub const R0: Reg = Reg::R0;
pub const R1: Reg = Reg::R1;
pub const R2: Reg = Reg::R2;
pub const R3: Reg = Reg::R3;
pub const R4: Reg = Reg::R4;
pub const R5: Reg = Reg::R5;
pub const R6: Reg = Reg::R6;
pub const R7: Reg = Reg::R7;
pub const R8: Reg = Reg::R8;
pub const R9: Reg = Reg::R9;
pub const R10: Reg = Reg::R10;

pub fn imm(i: i32) -> Source {
    Source::Imm(i)
}
pub fn reg(r: Reg) -> Source {
    Source::Reg(r)
}
pub fn alu64(op: AluOp, dst: Reg, src: Source) -> Insn {
    Insn::Alu {
        width: Width::W64,
        op,
        dst,
        src,
    }
}
pub fn alu32(op: AluOp, dst: Reg, src: Source) -> Insn {
    Insn::Alu {
        width: Width::W32,
        op,
        dst,
        src,
    }
}
pub fn mov(dst: Reg, i: i32) -> Insn {
    alu64(AluOp::Mov, dst, imm(i))
}
pub fn movr(dst: Reg, src: Reg) -> Insn {
    alu64(AluOp::Mov, dst, reg(src))
}
pub fn add(dst: Reg, i: i32) -> Insn {
    alu64(AluOp::Add, dst, imm(i))
}
pub fn lddw(dst: Reg, value: u64) -> Insn {
    Insn::LoadImm64 {
        dst,
        pseudo: Pseudo::Imm,
        imm: value,
    }
}
pub fn ldx(size: Size, dst: Reg, src: Reg, off: i16) -> Insn {
    Insn::Load {
        size,
        sign_extend: false,
        dst,
        src,
        off,
    }
}
pub fn ldxs(size: Size, dst: Reg, src: Reg, off: i16) -> Insn {
    Insn::Load {
        size,
        sign_extend: true,
        dst,
        src,
        off,
    }
}
pub fn st(size: Size, dst: Reg, off: i16, i: i32) -> Insn {
    Insn::Store {
        size,
        dst,
        off,
        src: imm(i),
    }
}
pub fn stx(size: Size, dst: Reg, off: i16, src: Reg) -> Insn {
    Insn::Store {
        size,
        dst,
        off,
        src: reg(src),
    }
}
pub fn atomic(size: Size, op: AtomicOp, dst: Reg, src: Reg, off: i16) -> Insn {
    Insn::Atomic {
        size,
        op,
        dst,
        src,
        off,
    }
}
pub fn jmp(width: Width, cond: JmpCond, dst: Reg, src: Source, off: i16) -> Insn {
    Insn::Jump {
        width,
        cond,
        dst,
        src,
        off,
    }
}
pub fn ja(off: i16) -> Insn {
    Insn::Ja {
        off: off as i32,
        long: false,
    }
}
pub fn call_local(off: i32) -> Insn {
    Insn::Call(CallTarget::Local(off))
}
pub fn call(id: i32) -> Insn {
    Insn::Call(CallTarget::Helper(id))
}
pub fn exit() -> Insn {
    Insn::Exit
}

pub fn program(insns: Vec<Insn>) -> Program {
    Program::from_insns(insns).expect("test program is structurally valid")
}

pub fn checked(insns: Vec<Insn>, config: Config) -> Vm {
    Vm::new(&program(insns), config).expect("test program loads")
}

pub fn unchecked(insns: Vec<Insn>, config: Config) -> Vm {
    // SAFETY: only used for test programs that access nothing but the
    // memory they are given and their stack, aligned.
    unsafe { Vm::new_unchecked(&program(insns), config) }.expect("test program loads")
}

/// Runs a well-behaved program in both modes on copies of `mem`; asserts
/// they agree (result and memory) and returns the checked run's.
pub fn run_both(insns: Vec<Insn>, mem: &mut [u8]) -> Result<u64, VmError> {
    run_both_with(insns, Config::new().helpers(Helpers::conformance()), mem)
}

pub fn run_both_with(insns: Vec<Insn>, config: Config, mem: &mut [u8]) -> Result<u64, VmError> {
    // The copy must be as aligned as `mem`: unaligned atomics are
    // undefined behaviour in unchecked mode.
    let mut buffer = Box::new(Aligned([0u8; 4096]));
    let copy = &mut buffer.0[..mem.len()];
    copy.copy_from_slice(mem);
    let a = checked(insns.clone(), config.clone()).run(mem);
    let b = unchecked(insns, config).run(copy);
    assert_eq!(a, b, "checked and unchecked modes disagree");
    assert_eq!(
        mem,
        &copy[..],
        "checked and unchecked modes left different memory"
    );
    a
}

/// Runs in both modes without memory and returns r0.
pub fn r0(insns: Vec<Insn>) -> u64 {
    run_both(insns, &mut []).expect("program runs")
}

/// Runs in checked mode only (programs that may fault).
pub fn run_checked(insns: Vec<Insn>, mem: &mut [u8]) -> Result<u64, VmError> {
    checked(insns, Config::new().helpers(Helpers::conformance())).run(mem)
}

/// Memory for atomics, which need aligned addresses.
#[repr(C, align(16))]
pub struct Aligned<const N: usize>(pub [u8; N]);

/// Helper 100 calls r1 (a function) with r2 as its argument, r3 times,
/// summing the results.
pub fn looper() -> Helpers {
    Helpers::new().with(100, "looper", |ctx, a| {
        let mut sum = 0u64;
        for i in 0..a[2] {
            sum = sum.wrapping_add(ctx.call_function(a[0], [i, a[1], 0, 0, 0])?);
        }
        Ok(sum)
    })
}

/// Calls `square` through `looper` four times; the callback clobbers r6,
/// which the caller must see unchanged (r0 = 4000 + 0 + 1 + 4 + 9 + 7).
pub const CALLBACK_PROGRAM: &str = "
    r6 = 7
    r1 = func(square) ll
    r2 = 1000
    r3 = 4
    call 100
    r0 += r6
    exit
square:
    *(u64 *)(r10 - 8) = r1
    r0 = *(u64 *)(r10 - 8)
    r0 *= r1
    r0 += r2
    r6 = 99
    exit
";
