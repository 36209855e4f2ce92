//! Instructions as bpf_conformance assembly, in the form
//! [`super::conformance`] reads back exactly.

use std::fmt::Write;

use super::pseudo;
use crate::insn::*;

/// Decimal below 0x10000 in magnitude, where it reads best; above, the
/// hex bit pattern, which the assembler reads back as the same bits.
pub(crate) fn imm(v: i32) -> String {
    if (-0xffff..=0xffff).contains(&v) {
        v.to_string()
    } else {
        format!("{:#x}", v as u32)
    }
}

fn reg(r: Reg) -> String {
    format!("%r{}", r.index())
}

fn mem(r: Reg, off: i16) -> String {
    if off == 0 {
        format!("[%r{}]", r.index())
    } else {
        format!("[%r{}{off:+}]", r.index())
    }
}

fn source(src: Source) -> String {
    match src {
        Source::Reg(r) => reg(r),
        Source::Imm(v) => imm(v),
    }
}

fn width32(width: Width) -> &'static str {
    match width {
        Width::W32 => "32",
        Width::W64 => "",
    }
}

pub(crate) fn size_suffix(size: Size) -> &'static str {
    match size {
        Size::B => "b",
        Size::H => "h",
        Size::W => "w",
        Size::DW => "dw",
    }
}

fn alu_name(op: AluOp) -> &'static str {
    match op {
        AluOp::Add => "add",
        AluOp::Sub => "sub",
        AluOp::Mul => "mul",
        AluOp::Div => "div",
        AluOp::Sdiv => "sdiv",
        AluOp::Or => "or",
        AluOp::And => "and",
        AluOp::Lsh => "lsh",
        AluOp::Rsh => "rsh",
        AluOp::Mod => "mod",
        AluOp::Smod => "smod",
        AluOp::Xor => "xor",
        AluOp::Mov => "mov",
        AluOp::Arsh => "arsh",
    }
}

fn cond_name(cond: JmpCond) -> &'static str {
    match cond {
        JmpCond::Eq => "jeq",
        JmpCond::Gt => "jgt",
        JmpCond::Ge => "jge",
        JmpCond::Set => "jset",
        JmpCond::Ne => "jne",
        JmpCond::Sgt => "jsgt",
        JmpCond::Sge => "jsge",
        JmpCond::Lt => "jlt",
        JmpCond::Le => "jle",
        JmpCond::Slt => "jslt",
        JmpCond::Sle => "jsle",
    }
}

/// Size suffix of `lock` operations: none for 64-bit, then bit counts.
fn atomic_suffix(size: Size) -> &'static str {
    match size {
        Size::B => "8",
        Size::H => "16",
        Size::W => "32",
        Size::DW => "",
    }
}

fn atomic(size: Size, op: AtomicOp, dst: Reg, src: Reg, off: i16) -> String {
    let sfx = atomic_suffix(size);
    let rmw = |name: &str, fetch: bool| {
        let fetch = if fetch { "fetch " } else { "" };
        format!("lock {fetch}{name}{sfx} {}, {}", mem(dst, off), reg(src))
    };
    match op {
        AtomicOp::Add { fetch } => rmw("add", fetch),
        AtomicOp::Or { fetch } => rmw("or", fetch),
        AtomicOp::And { fetch } => rmw("and", fetch),
        AtomicOp::Xor { fetch } => rmw("xor", fetch),
        AtomicOp::Xchg => rmw("xchg", false),
        AtomicOp::Cmpxchg => rmw("cmpxchg", false),
        AtomicOp::LoadAcquire => {
            format!("lock load_acquire{sfx} {}, {}", reg(dst), mem(src, off))
        }
        AtomicOp::StoreRelease => rmw("store_release", false),
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
                "{}{} {}, {}",
                alu_name(op),
                width32(width),
                reg(dst),
                source(src)
            )
        }
        Insn::Neg { width, dst } => write!(s, "neg{} {}", width32(width), reg(dst)),
        Insn::MovSx {
            width,
            dst,
            src,
            bits,
        } => {
            let to = if width == Width::W32 { 32 } else { 64 };
            write!(s, "movsx{bits}{to} {}, {}", reg(dst), reg(src))
        }
        Insn::Endian { order, bits, dst } => {
            let name = match order {
                ByteOrder::ToLe => "le",
                ByteOrder::ToBe => "be",
                ByteOrder::Swap => "bswap",
            };
            write!(s, "{name}{bits} {}", reg(dst))
        }
        Insn::LoadImm64 {
            dst,
            pseudo: Pseudo::Imm,
            imm,
        } => write!(s, "lddw {}, {imm:#x}", reg(dst)),
        Insn::LoadImm64 {
            dst,
            pseudo: p,
            imm,
        } => {
            write!(s, "lddw {}, {}", reg(dst), pseudo::format(p, imm))
        }
        Insn::Load {
            size,
            sign_extend,
            dst,
            src,
            off,
        } => {
            let sx = if sign_extend { "s" } else { "" };
            write!(
                s,
                "ldx{sx}{} {}, {}",
                size_suffix(size),
                reg(dst),
                mem(src, off)
            )
        }
        Insn::Store {
            size,
            dst,
            off,
            src: Source::Imm(v),
        } => {
            write!(s, "st{} {}, {}", size_suffix(size), mem(dst, off), imm(v))
        }
        Insn::Store {
            size,
            dst,
            off,
            src: Source::Reg(r),
        } => {
            write!(s, "stx{} {}, {}", size_suffix(size), mem(dst, off), reg(r))
        }
        Insn::Atomic {
            size,
            op,
            dst,
            src,
            off,
        } => s.write_str(&atomic(size, op, dst, src, off)),
        Insn::LoadPacket {
            mode: PacketMode::Abs,
            size,
            imm: v,
        } => {
            write!(s, "ldabs{} {}", size_suffix(size), imm(v))
        }
        Insn::LoadPacket {
            mode: PacketMode::Ind(r),
            size,
            imm: v,
        } => {
            write!(s, "ldind{} {}, {}", size_suffix(size), reg(r), imm(v))
        }
        Insn::Jump {
            width,
            cond,
            dst,
            src,
            off,
        } => write!(
            s,
            "{}{} {}, {}, {off:+}",
            cond_name(cond),
            width32(width),
            reg(dst),
            source(src)
        ),
        Insn::Ja { off, long: false } => write!(s, "ja {off:+}"),
        Insn::Ja { off, long: true } => write!(s, "ja32 {off:+}"),
        Insn::MayGoto { off } => write!(s, "may_goto {off:+}"),
        Insn::Call(CallTarget::Helper(id)) => write!(s, "call {}", imm(id)),
        Insn::Call(CallTarget::Local(off)) => write!(s, "call local {off:+}"),
        Insn::Call(CallTarget::Kfunc { btf_id, module: 0 }) => {
            write!(s, "call runtime {}", imm(btf_id))
        }
        Insn::Call(CallTarget::Kfunc { btf_id, module }) => {
            write!(s, "call runtime {}, module {module}", imm(btf_id))
        }
        Insn::Callx {
            reg: r,
            form: CallxForm::Dst,
        } => write!(s, "call {}", reg(r)),
        Insn::Callx {
            reg: r,
            form: CallxForm::Imm,
        } => write!(s, "callx {}", reg(r)),
        Insn::Exit => s.write_str("exit"),
    };
    s
}
