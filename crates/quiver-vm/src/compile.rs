//! Typed instructions to the interpreter's ops, once per [`Vm`](crate::Vm).
//!
//! Everything that does not depend on run-time values is settled here:
//! branch targets become instruction indices, immediates are extended,
//! byte-order conversions are resolved for the host, helper ids become
//! table slots. Fields that no encoding allows are refused, because a
//! [`Program`] built with `from_insns` may carry them.

use quiver_isa::{
    AluOp, AtomicOp, ByteOrder, CallTarget, Insn, JmpCond, PacketMode, Program, Size, Source, Width,
};

use crate::error::LoadError;
use crate::helpers::Helper;
use crate::memory::Rmw;
use crate::op::Op;

/// Helper and kfunc slots the compiled program refers to.
pub(crate) struct Tables<'a> {
    pub helpers: &'a [Helper],
    pub kfuncs: &'a [Helper],
    /// Helper calls bound to a slot of their own, by slot pc.
    pub sites: &'a std::collections::BTreeMap<usize, u32>,
}

/// Compiles every instruction of `program`, one op per instruction.
pub(crate) fn compile(program: &Program, tables: &Tables<'_>) -> Result<Vec<Op>, LoadError> {
    let len = program.insns().len();
    if len > u32::MAX as usize {
        return Err(LoadError::TooLarge {
            len,
            max: u32::MAX as usize,
        });
    }
    program
        .iter()
        .enumerate()
        .map(|(index, (pc, insn))| {
            let target = || {
                program
                    .branch_target(index)
                    .map(|t| t as u32)
                    .ok_or(LoadError::InvalidInsn {
                        pc,
                        reason: "branch target is not an instruction",
                    })
            };
            let invalid = |reason| LoadError::InvalidInsn { pc, reason };
            if let (Insn::Call(CallTarget::Helper(_)), Some(&slot)) = (insn, tables.sites.get(&pc))
            {
                return Ok(Op::CallHelper { slot });
            }
            compile_insn(insn, tables, target, invalid)
        })
        .collect()
}

fn compile_insn(
    insn: &Insn,
    tables: &Tables<'_>,
    target: impl Fn() -> Result<u32, LoadError>,
    invalid: impl Fn(&'static str) -> LoadError,
) -> Result<Op, LoadError> {
    Ok(match *insn {
        Insn::Alu {
            width,
            op,
            dst,
            src,
        } => alu(width, op, dst.index(), src),
        Insn::Neg { width, dst } => match width {
            Width::W64 => Op::Neg64 { dst: dst.index() },
            Width::W32 => Op::Neg32 { dst: dst.index() },
        },
        Insn::MovSx {
            width,
            dst,
            src,
            bits,
        } => {
            let (dst, src) = (dst.index(), src.index());
            match (width, bits) {
                (Width::W64, 8) => Op::Sx8To64 { dst, src },
                (Width::W64, 16) => Op::Sx16To64 { dst, src },
                (Width::W64, 32) => Op::Sx32To64 { dst, src },
                (Width::W32, 8) => Op::Sx8To32 { dst, src },
                (Width::W32, 16) => Op::Sx16To32 { dst, src },
                _ => {
                    return Err(invalid(
                        "movsx extends from 8 or 16 bits (or 32 for 64-bit)",
                    ));
                }
            }
        }
        Insn::Endian { order, bits, dst } => endian(order, bits, dst.index())
            .ok_or_else(|| invalid("byte-order conversion of 16, 32 or 64 bits only"))?,
        // A subprogram's address (for callbacks) names its first op in a
        // range no memory lives in; helpers call it through
        // `HelperContext::call_function`.
        Insn::LoadImm64 {
            dst,
            pseudo: quiver_isa::Pseudo::Func,
            ..
        } => Op::Mov64I {
            dst: dst.index(),
            imm: crate::interp::FUNC_BASE | target()? as u64,
        },
        // Other pseudo sources (map fds, BTF ids) are the loader's to
        // resolve into addresses; until one does, the instruction loads its
        // raw 64-bit immediate.
        Insn::LoadImm64 { dst, imm, .. } => Op::Mov64I {
            dst: dst.index(),
            imm,
        },
        Insn::Load {
            size,
            sign_extend,
            dst,
            src,
            off,
        } => {
            let (dst, src) = (dst.index(), src.index());
            match (size, sign_extend) {
                (Size::B, false) => Op::Ldx8 { dst, src, off },
                (Size::H, false) => Op::Ldx16 { dst, src, off },
                (Size::W, false) => Op::Ldx32 { dst, src, off },
                (Size::DW, false) => Op::Ldx64 { dst, src, off },
                (Size::B, true) => Op::Ldxs8 { dst, src, off },
                (Size::H, true) => Op::Ldxs16 { dst, src, off },
                (Size::W, true) => Op::Ldxs32 { dst, src, off },
                (Size::DW, true) => return Err(invalid("sign-extending load of 8 bytes")),
            }
        }
        Insn::Store {
            size,
            dst,
            off,
            src,
        } => store(size, dst.index(), off, src),
        Insn::Atomic {
            size,
            op,
            dst,
            src,
            off,
        } => atomic(size, op, dst.index(), src.index(), off)
            .ok_or_else(|| invalid("atomic read-modify-write of 1 or 2 bytes"))?,
        Insn::LoadPacket { mode, size, imm } => {
            if size == Size::DW {
                return Err(invalid("legacy packet load of 8 bytes"));
            }
            let size = size.bytes() as u8;
            match mode {
                PacketMode::Abs => Op::LdAbs { size, imm },
                PacketMode::Ind(src) => Op::LdInd {
                    size,
                    src: src.index(),
                    imm,
                },
            }
        }
        Insn::Jump {
            width,
            cond,
            dst,
            src,
            off: _,
        } => jump(width, cond, dst.index(), src, target()?),
        Insn::Ja { .. } => Op::Ja { target: target()? },
        Insn::MayGoto { .. } => Op::MayGoto { target: target()? },
        Insn::Call(CallTarget::Local(_)) => Op::CallLocal { target: target()? },
        Insn::Call(CallTarget::Helper(id)) => {
            let id = id as u32;
            match slot_of(tables.helpers, id) {
                Some(slot) => Op::CallHelper { slot },
                None => Op::UnknownHelper { id },
            }
        }
        Insn::Call(CallTarget::Kfunc { btf_id, .. }) => {
            let btf_id = btf_id as u32;
            match slot_of(tables.kfuncs, btf_id) {
                Some(slot) => Op::CallKfunc { slot },
                None => Op::UnknownKfunc { btf_id },
            }
        }
        Insn::Callx { reg, .. } => Op::Callx { reg: reg.index() },
        Insn::Exit => Op::Exit,
    })
}

/// Slot of `id` in a table sorted by id.
pub(crate) fn slot_of(table: &[Helper], id: u32) -> Option<u32> {
    table
        .binary_search_by_key(&id, Helper::id)
        .ok()
        .map(|s| s as u32)
}

fn alu(width: Width, op: AluOp, dst: u8, src: Source) -> Op {
    macro_rules! pick {
        ($($aop:ident => $r64:ident $i64:ident $r32:ident $i32:ident),* $(,)?) => {
            match (op, width, src) {
                $(
                    (AluOp::$aop, Width::W64, Source::Reg(s)) => Op::$r64 { dst, src: s.index() },
                    (AluOp::$aop, Width::W64, Source::Imm(i)) => Op::$i64 { dst, imm: i as i64 as u64 },
                    (AluOp::$aop, Width::W32, Source::Reg(s)) => Op::$r32 { dst, src: s.index() },
                    (AluOp::$aop, Width::W32, Source::Imm(i)) => Op::$i32 { dst, imm: i as i64 as u64 },
                )*
            }
        };
    }
    pick! {
        Add => Add64R Add64I Add32R Add32I,
        Sub => Sub64R Sub64I Sub32R Sub32I,
        Mul => Mul64R Mul64I Mul32R Mul32I,
        Div => Div64R Div64I Div32R Div32I,
        Sdiv => Sdiv64R Sdiv64I Sdiv32R Sdiv32I,
        Mod => Mod64R Mod64I Mod32R Mod32I,
        Smod => Smod64R Smod64I Smod32R Smod32I,
        Or => Or64R Or64I Or32R Or32I,
        And => And64R And64I And32R And32I,
        Xor => Xor64R Xor64I Xor32R Xor32I,
        Lsh => Lsh64R Lsh64I Lsh32R Lsh32I,
        Rsh => Rsh64R Rsh64I Rsh32R Rsh32I,
        Arsh => Arsh64R Arsh64I Arsh32R Arsh32I,
        Mov => Mov64R Mov64I Mov32R Mov32I,
    }
}

fn jump(width: Width, cond: JmpCond, dst: u8, src: Source, target: u32) -> Op {
    macro_rules! pick {
        ($($c:ident => $r64:ident $i64:ident $r32:ident $i32:ident),* $(,)?) => {
            match (cond, width, src) {
                $(
                    (JmpCond::$c, Width::W64, Source::Reg(s)) => Op::$r64 { dst, src: s.index(), target },
                    (JmpCond::$c, Width::W64, Source::Imm(i)) => Op::$i64 { dst, imm: i as i64 as u64, target },
                    (JmpCond::$c, Width::W32, Source::Reg(s)) => Op::$r32 { dst, src: s.index(), target },
                    (JmpCond::$c, Width::W32, Source::Imm(i)) => Op::$i32 { dst, imm: i as i64 as u64, target },
                )*
            }
        };
    }
    pick! {
        Eq => Jeq64R Jeq64I Jeq32R Jeq32I,
        Ne => Jne64R Jne64I Jne32R Jne32I,
        Gt => Jgt64R Jgt64I Jgt32R Jgt32I,
        Ge => Jge64R Jge64I Jge32R Jge32I,
        Lt => Jlt64R Jlt64I Jlt32R Jlt32I,
        Le => Jle64R Jle64I Jle32R Jle32I,
        Set => Jset64R Jset64I Jset32R Jset32I,
        Sgt => Jsgt64R Jsgt64I Jsgt32R Jsgt32I,
        Sge => Jsge64R Jsge64I Jsge32R Jsge32I,
        Slt => Jslt64R Jslt64I Jslt32R Jslt32I,
        Sle => Jsle64R Jsle64I Jsle32R Jsle32I,
    }
}

fn endian(order: ByteOrder, bits: u8, dst: u8) -> Option<Op> {
    let little = cfg!(target_endian = "little");
    let swap = match order {
        ByteOrder::ToLe => !little,
        ByteOrder::ToBe => little,
        ByteOrder::Swap => true,
    };
    Some(match (bits, swap) {
        (16, false) => Op::Zext16 { dst },
        (32, false) => Op::Zext32 { dst },
        (64, false) => Op::Nop,
        (16, true) => Op::Swap16 { dst },
        (32, true) => Op::Swap32 { dst },
        (64, true) => Op::Swap64 { dst },
        _ => return None,
    })
}

fn store(size: Size, dst: u8, off: i16, src: Source) -> Op {
    match (size, src) {
        (Size::B, Source::Reg(s)) => Op::Stx8 {
            dst,
            src: s.index(),
            off,
        },
        (Size::H, Source::Reg(s)) => Op::Stx16 {
            dst,
            src: s.index(),
            off,
        },
        (Size::W, Source::Reg(s)) => Op::Stx32 {
            dst,
            src: s.index(),
            off,
        },
        (Size::DW, Source::Reg(s)) => Op::Stx64 {
            dst,
            src: s.index(),
            off,
        },
        (size, Source::Imm(i)) => {
            let imm = i as i64 as u64;
            match size {
                Size::B => Op::St8 { dst, off, imm },
                Size::H => Op::St16 { dst, off, imm },
                Size::W => Op::St32 { dst, off, imm },
                Size::DW => Op::St64 { dst, off, imm },
            }
        }
    }
}

fn atomic(size: Size, op: AtomicOp, dst: u8, src: u8, off: i16) -> Option<Op> {
    let bytes = size.bytes() as u8;
    let rmw = match op {
        AtomicOp::LoadAcquire => {
            return Some(Op::LoadAcquire {
                size: bytes,
                dst,
                src,
                off,
            });
        }
        AtomicOp::StoreRelease => {
            return Some(Op::StoreRelease {
                size: bytes,
                dst,
                src,
                off,
            });
        }
        AtomicOp::Add { fetch: false } => Rmw::Add,
        AtomicOp::Or { fetch: false } => Rmw::Or,
        AtomicOp::And { fetch: false } => Rmw::And,
        AtomicOp::Xor { fetch: false } => Rmw::Xor,
        AtomicOp::Add { fetch: true } => Rmw::FetchAdd,
        AtomicOp::Or { fetch: true } => Rmw::FetchOr,
        AtomicOp::And { fetch: true } => Rmw::FetchAnd,
        AtomicOp::Xor { fetch: true } => Rmw::FetchXor,
        AtomicOp::Xchg => Rmw::Xchg,
        AtomicOp::Cmpxchg => Rmw::Cmpxchg,
    };
    match size {
        Size::W => Some(Op::Atomic32 {
            op: rmw,
            dst,
            src,
            off,
        }),
        Size::DW => Some(Op::Atomic64 {
            op: rmw,
            dst,
            src,
            off,
        }),
        Size::B | Size::H => None,
    }
}
