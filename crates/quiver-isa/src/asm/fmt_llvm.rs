//! Instructions in the LLVM syntax, as llvm-objdump prints them where it
//! can (hex immediates and offsets), and in the spellings of
//! [`super::llvm`] where it cannot. Branch offsets and helper ids are
//! decimal, as the kernel prints them.

use std::fmt::Write;

use super::pseudo;
use crate::insn::*;

/// A signed value in hex, `-0x8` rather than a two's complement pattern.
fn hex(v: i64) -> String {
    if v < 0 {
        format!("-{:#x}", v.unsigned_abs())
    } else {
        format!("{v:#x}")
    }
}

fn r(reg: Reg) -> String {
    format!("r{}", reg.index())
}

/// A register named for an operation of `width`.
fn wr(reg: Reg, width: Width) -> String {
    match width {
        Width::W32 => format!("w{}", reg.index()),
        Width::W64 => r(reg),
    }
}

/// A register holding a value of `size` (`wN` below 64 bits, as LLVM
/// prints 32-bit atomics).
fn sized(reg: Reg, size: Size) -> String {
    if size == Size::DW {
        r(reg)
    } else {
        format!("w{}", reg.index())
    }
}

fn signed_off(v: i64) -> String {
    if v < 0 {
        format!("- {:#x}", v.unsigned_abs())
    } else {
        format!("+ {v:#x}")
    }
}

/// `(r10 - 0x8)`.
fn mem(reg: Reg, off: i16) -> String {
    format!("({} {})", r(reg), signed_off(off as i64))
}

fn ty(size: Size, signed: bool) -> String {
    format!("{}{}", if signed { 's' } else { 'u' }, size.bits())
}

fn source(src: Source, width: Width) -> String {
    match src {
        Source::Reg(reg) => wr(reg, width),
        Source::Imm(v) => hex(v as i64),
    }
}

fn alu_op(op: AluOp) -> &'static str {
    match op {
        AluOp::Add => "+=",
        AluOp::Sub => "-=",
        AluOp::Mul => "*=",
        AluOp::Div => "/=",
        AluOp::Sdiv => "s/=",
        AluOp::Or => "|=",
        AluOp::And => "&=",
        AluOp::Lsh => "<<=",
        AluOp::Rsh => ">>=",
        AluOp::Mod => "%=",
        AluOp::Smod => "s%=",
        AluOp::Xor => "^=",
        AluOp::Mov => "=",
        AluOp::Arsh => "s>>=",
    }
}

fn cond_op(cond: JmpCond) -> &'static str {
    match cond {
        JmpCond::Eq => "==",
        JmpCond::Gt => ">",
        JmpCond::Ge => ">=",
        JmpCond::Set => "&",
        JmpCond::Ne => "!=",
        JmpCond::Sgt => "s>",
        JmpCond::Sge => "s>=",
        JmpCond::Lt => "<",
        JmpCond::Le => "<=",
        JmpCond::Slt => "s<",
        JmpCond::Sle => "s<=",
    }
}

fn atomic(size: Size, op: AtomicOp, dst: Reg, src: Reg, off: i16) -> String {
    let at = format!("(({} *){})", ty(size, false), mem(dst, off));
    let v = sized(src, size);
    let bare = format!("{} {}", r(dst), signed_off(off as i64));
    let lock = |o: &str| format!("lock *({} *){} {o} {v}", ty(size, false), mem(dst, off));
    let fetch = |name: &str| format!("{v} = atomic_fetch_{name}({}, {v})", &at[1..at.len() - 1]);
    let (xchg, cmpxchg) = if size == Size::DW {
        ("xchg_64", "cmpxchg_64")
    } else {
        ("xchg32_32", "cmpxchg32_32")
    };
    let r0 = sized(Reg::R0, size);
    match op {
        AtomicOp::Add { fetch: false } => lock("+="),
        AtomicOp::Or { fetch: false } => lock("|="),
        AtomicOp::And { fetch: false } => lock("&="),
        AtomicOp::Xor { fetch: false } => lock("^="),
        AtomicOp::Add { fetch: true } => fetch("add"),
        AtomicOp::Or { fetch: true } => fetch("or"),
        AtomicOp::And { fetch: true } => fetch("and"),
        AtomicOp::Xor { fetch: true } => fetch("xor"),
        AtomicOp::Xchg => format!("{v} = {xchg}({bare}, {v})"),
        AtomicOp::Cmpxchg => format!("{r0} = {cmpxchg}({bare}, {r0}, {v})"),
        AtomicOp::LoadAcquire => format!(
            "{} = load_acquire(({} *){})",
            sized(dst, size),
            ty(size, false),
            mem(src, off)
        ),
        AtomicOp::StoreRelease => format!("store_release({}, {v})", &at[1..at.len() - 1]),
    }
}

/// One instruction.
pub(crate) fn format(insn: &Insn) -> String {
    let mut s = String::new();
    // Writing to a String cannot fail.
    let _ = match *insn {
        Insn::Alu {
            width,
            op,
            dst,
            src,
        } => {
            write!(
                s,
                "{} {} {}",
                wr(dst, width),
                alu_op(op),
                source(src, width)
            )
        }
        Insn::Neg { width, dst } => write!(s, "{0} = -{0}", wr(dst, width)),
        Insn::MovSx {
            width,
            dst,
            src,
            bits,
        } => {
            write!(s, "{} = (s{bits}){}", wr(dst, width), wr(src, width))
        }
        Insn::Endian { order, bits, dst } => {
            let name = match order {
                ByteOrder::ToLe => "le",
                ByteOrder::ToBe => "be",
                ByteOrder::Swap => "bswap",
            };
            write!(s, "{0} = {name}{bits} {0}", r(dst))
        }
        Insn::LoadImm64 {
            dst,
            pseudo: Pseudo::Imm,
            imm,
        } => write!(s, "{} = {imm:#x} ll", r(dst)),
        Insn::LoadImm64 {
            dst,
            pseudo: p,
            imm,
        } => {
            write!(s, "{} = {} ll", r(dst), pseudo::format(p, imm))
        }
        Insn::Load {
            size,
            sign_extend,
            dst,
            src,
            off,
        } => {
            write!(
                s,
                "{} = *({} *){}",
                r(dst),
                ty(size, sign_extend),
                mem(src, off)
            )
        }
        Insn::Store {
            size,
            dst,
            off,
            src,
        } => write!(
            s,
            "*({} *){} = {}",
            ty(size, false),
            mem(dst, off),
            source(src, Width::W64)
        ),
        Insn::Atomic {
            size,
            op,
            dst,
            src,
            off,
        } => s.write_str(&atomic(size, op, dst, src, off)),
        Insn::LoadPacket { mode, size, imm } => {
            let at = match mode {
                PacketMode::Abs => hex(imm as i64),
                PacketMode::Ind(reg) => format!("{} {}", r(reg), signed_off(imm as i64)),
            };
            write!(s, "r0 = *({} *)skb[{at}]", ty(size, false))
        }
        Insn::Jump {
            width,
            cond,
            dst,
            src,
            off,
        } => write!(
            s,
            "if {} {} {} goto {off:+}",
            wr(dst, width),
            cond_op(cond),
            source(src, width)
        ),
        Insn::Ja { off, long: false } => write!(s, "goto {off:+}"),
        Insn::Ja { off, long: true } => write!(s, "gotol {off:+}"),
        Insn::MayGoto { off } => write!(s, "may_goto {off:+}"),
        Insn::Call(CallTarget::Helper(id)) => write!(s, "call {id}"),
        Insn::Call(CallTarget::Local(off)) => write!(s, "call pc{off:+}"),
        Insn::Call(CallTarget::Kfunc { btf_id, module: 0 }) => write!(s, "call kfunc#{btf_id}"),
        Insn::Call(CallTarget::Kfunc { btf_id, module }) => {
            write!(s, "call kfunc#{btf_id}, module {module}")
        }
        Insn::Callx {
            reg,
            form: CallxForm::Dst,
        } => write!(s, "call {}", r(reg)),
        Insn::Callx {
            reg,
            form: CallxForm::Imm,
        } => write!(s, "callx {}", r(reg)),
        Insn::Exit => s.write_str("exit"),
    };
    s
}
