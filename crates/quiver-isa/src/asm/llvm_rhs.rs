//! Right-hand sides of `rN = ...` in the LLVM / verifier-log syntax: moves,
//! loads, 64-bit immediates, byte swaps and the atomics that return a value.

use super::AsmError;
use super::builder::Target;
use super::conformance::endian_of;
use super::cursor::{Cursor, reg_name};
use super::lexer::Kind;
use super::llvm_operands::{R, addr_reg, at_reg, bare_mem, cast, mem, reg, same_width};
use super::pseudo;
use crate::insn::*;

type Parsed = (Insn, Option<Target>);

/// Parses what follows `dst =`.
pub(crate) fn rhs(cur: &mut Cursor, dst: R, imm64_hint: bool) -> Result<Parsed, AsmError> {
    let plain = |insn| Ok((insn, None));
    let Some(first) = cur.peek() else {
        return Err(cur.expected("a value"));
    };
    let reg_follows = cur
        .peek_at(1)
        .is_some_and(|t| t.kind == Kind::Ident && reg_name(t.text, true).is_some());
    if first.is_punct("-") && reg_follows {
        cur.bump();
        let src = reg(cur)?;
        same_reg(cur, dst, src, "negation")?;
        return plain(Insn::Neg {
            width: dst.width(),
            dst: dst.reg,
        });
    }
    if cur.at_number() {
        return immediate(cur, dst, imm64_hint);
    }
    if first.is_punct("(") {
        return plain(movsx(cur, dst)?);
    }
    if first.is_punct("*") {
        return plain(load(cur, dst)?);
    }
    if at_reg(cur) {
        let src = reg(cur)?;
        same_width(cur, dst, src)?;
        let src = Source::Reg(src.reg);
        return plain(Insn::Alu {
            width: dst.width(),
            op: AluOp::Mov,
            dst: dst.reg,
            src,
        });
    }
    if first.kind != Kind::Ident {
        return Err(cur.expected("a value"));
    }
    let name = first.text;
    // `swapN` is the conformance spelling; here only `bswapN` exists.
    if let Some((order, bits)) = endian_of(name).filter(|_| !name.starts_with("swap")) {
        cur.bump();
        let src = reg(cur)?;
        same_reg(cur, dst, src, "byte swap")?;
        return plain(Insn::Endian {
            order,
            bits,
            dst: dst.reg,
        });
    }
    if pseudo::by_name(name).is_some() {
        let64(cur, dst)?;
        let (pseudo, imm, target) = pseudo::parse(cur)?;
        cur.eat_ident("ll");
        return Ok((
            Insn::LoadImm64 {
                dst: dst.reg,
                pseudo,
                imm,
            },
            target,
        ));
    }
    if name == "map" && cur.peek_at(1).is_some_and(|t| t.is_punct("[")) {
        return Err(cur.err(
            "`map[...]` names a map by kernel id, which cannot be assembled; \
             write `map_fd(N)` or `map_idx(N)`",
        ));
    }
    cur.bump();
    if name == "load_acquire" {
        cur.expect_punct("(")?;
        let (size, _) = cast_unsigned(cur)?;
        let (src, off) = mem(cur)?;
        cur.expect_punct(")")?;
        let op = AtomicOp::LoadAcquire;
        return plain(Insn::Atomic {
            size,
            op,
            dst: dst.reg,
            src,
            off,
        });
    }
    match atomic_function(name) {
        Some(f) => plain(atomic(cur, dst, f)?),
        None => Err(cur.err_at(first.col, format!("unknown expression `{name}`"))),
    }
}

fn same_reg(cur: &Cursor, dst: R, src: R, what: &str) -> Result<(), AsmError> {
    same_width(cur, dst, src)?;
    if dst.reg != src.reg {
        return Err(cur.err_at(
            src.col,
            format!("{what} works in place: write `{0} = ... {0}`", dst.name()),
        ));
    }
    Ok(())
}

/// `LD_IMM64` only loads full 64-bit registers.
fn let64(cur: &Cursor, dst: R) -> Result<(), AsmError> {
    if dst.w {
        return Err(cur.err_at(
            dst.col,
            format!(
                "a 64-bit immediate load needs r{}, not {}",
                dst.reg.index(),
                dst.name()
            ),
        ));
    }
    Ok(())
}

fn immediate(cur: &mut Cursor, dst: R, imm64_hint: bool) -> Result<Parsed, AsmError> {
    let num = cur.number()?;
    if cur.eat_ident("ll") || imm64_hint {
        let64(cur, dst)?;
        let imm = num.imm64()?;
        return Ok((
            Insn::LoadImm64 {
                dst: dst.reg,
                pseudo: Pseudo::Imm,
                imm,
            },
            None,
        ));
    }
    let imm = if dst.w { num.imm32() } else { num.imm32_sext() };
    let imm = match imm {
        Ok(imm) => imm,
        Err(mut e) if !dst.w && num.imm64().is_ok() => {
            e.message
                .push_str("; add ` ll` for a 64-bit immediate load");
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    let src = Source::Imm(imm);
    Ok((
        Insn::Alu {
            width: dst.width(),
            op: AluOp::Mov,
            dst: dst.reg,
            src,
        },
        None,
    ))
}

/// `(s8)r1`.
fn movsx(cur: &mut Cursor, dst: R) -> Result<Insn, AsmError> {
    cur.expect_punct("(")?;
    let t = cur.expect_ident("a sign-extension type (s8, s16, s32)")?;
    let bits = match (t.text, dst.w) {
        ("s8", _) => 8,
        ("s16", _) => 16,
        ("s32", false) => 32,
        ("s32", true) => {
            return Err(cur.err_at(
                t.col,
                "(s32) needs a 64-bit destination: a 32-bit move already takes 32 bits",
            ));
        }
        _ => {
            return Err(cur.err_at(
                t.col,
                format!("expected s8, s16 or s32, found `{}`", t.text),
            ));
        }
    };
    cur.expect_punct(")")?;
    let src = reg(cur)?;
    same_width(cur, dst, src)?;
    Ok(Insn::MovSx {
        width: dst.width(),
        dst: dst.reg,
        src: src.reg,
        bits,
    })
}

/// `*(u8 *)(r1 + 2)` or the legacy packet forms `*(u8 *)skb[12]` and
/// `*(u8 *)skb[r1 + 12]`.
fn load(cur: &mut Cursor, dst: R) -> Result<Insn, AsmError> {
    cur.expect_punct("*")?;
    let cast_col = cur.col();
    let (size, sign_extend) = cast(cur)?;
    if cur.eat_ident("skb") {
        if sign_extend || size == Size::DW {
            return Err(cur.err_at(cast_col, "packet loads are u8, u16 or u32"));
        }
        if dst.reg != Reg::R0 || dst.w {
            return Err(cur.err_at(dst.col, "packet loads always load into r0"));
        }
        cur.expect_punct("[")?;
        let insn = if at_reg(cur) {
            let src = addr_reg(cur)?;
            let imm = match super::llvm_operands::offset_num(cur)? {
                Some(n) => n.imm32()?,
                None => 0,
            };
            Insn::LoadPacket {
                mode: PacketMode::Ind(src),
                size,
                imm,
            }
        } else {
            let imm = cur.number()?.imm32()?;
            Insn::LoadPacket {
                mode: PacketMode::Abs,
                size,
                imm,
            }
        };
        cur.expect_punct("]")?;
        return Ok(insn);
    }
    let (src, off) = mem(cur)?;
    Ok(Insn::Load {
        size,
        sign_extend,
        dst: dst.reg,
        src,
        off,
    })
}

fn cast_unsigned(cur: &mut Cursor) -> Result<(Size, bool), AsmError> {
    let col = cur.col();
    match cast(cur)? {
        (size, false) => Ok((size, false)),
        (_, true) => Err(cur.err_at(col, "atomic accesses use uN types")),
    }
}

#[derive(Clone, Copy)]
enum Shape {
    /// `atomic_fetch_add((u64 *)(r10 - 8), r1)`.
    Cast,
    /// `xchg_64(r10 - 8, r1)`: the size is in the name.
    Bare(Size),
}

#[derive(Clone, Copy)]
struct AtomicFn {
    op: AtomicOp,
    shape: Shape,
    /// `atomic64_...` insists on a u64 access.
    only64: bool,
}

/// The functions LLVM and the kernel print for fetching atomics.
fn atomic_function(name: &str) -> Option<AtomicFn> {
    let bare = |op, size| AtomicFn {
        op,
        shape: Shape::Bare(size),
        only64: false,
    };
    match name {
        "xchg_64" => return Some(bare(AtomicOp::Xchg, Size::DW)),
        "xchg32_32" => return Some(bare(AtomicOp::Xchg, Size::W)),
        "cmpxchg_64" => return Some(bare(AtomicOp::Cmpxchg, Size::DW)),
        "cmpxchg32_32" => return Some(bare(AtomicOp::Cmpxchg, Size::W)),
        _ => {}
    }
    let (rest, only64) = match name.strip_prefix("atomic64_") {
        Some(rest) => (rest, true),
        None => (name.strip_prefix("atomic_")?, false),
    };
    let op = match rest {
        "fetch_add" => AtomicOp::Add { fetch: true },
        "fetch_or" => AtomicOp::Or { fetch: true },
        "fetch_and" => AtomicOp::And { fetch: true },
        "fetch_xor" => AtomicOp::Xor { fetch: true },
        "xchg" => AtomicOp::Xchg,
        "cmpxchg" => AtomicOp::Cmpxchg,
        _ => return None,
    };
    Some(AtomicFn {
        op,
        shape: Shape::Cast,
        only64,
    })
}

fn atomic(cur: &mut Cursor, lhs: R, f: AtomicFn) -> Result<Insn, AsmError> {
    cur.expect_punct("(")?;
    let (size, (dst, off)) = match f.shape {
        Shape::Bare(size) => (size, bare_mem(cur)?),
        Shape::Cast => {
            let col = cur.col();
            let (size, _) = cast_unsigned(cur)?;
            if !matches!(size, Size::W | Size::DW) || (f.only64 && size != Size::DW) {
                let need = if f.only64 { "u64" } else { "u32 or u64" };
                return Err(cur.err_at(col, format!("this atomic needs a {need} access")));
            }
            (size, mem(cur)?)
        }
    };
    cur.expect_punct(",")?;
    if f.op == AtomicOp::Cmpxchg {
        // cmpxchg compares with and returns into r0, so both are spelled.
        let r0 = reg(cur)?;
        for r in [lhs, r0] {
            if r.reg != Reg::R0 {
                return Err(cur.err_at(r.col, format!("cmpxchg works on r0, not {}", r.name())));
            }
        }
        cur.expect_punct(",")?;
    }
    let src = reg(cur)?;
    if f.op != AtomicOp::Cmpxchg && src.reg != lhs.reg {
        return Err(cur.err_at(
            src.col,
            format!(
                "the old value is returned in the source register, so the left side must be {} too",
                src.name()
            ),
        ));
    }
    cur.expect_punct(")")?;
    Ok(Insn::Atomic {
        size,
        op: f.op,
        dst,
        src: src.reg,
        off,
    })
}
