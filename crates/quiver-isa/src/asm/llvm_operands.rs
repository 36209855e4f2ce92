//! Operands of the LLVM / Linux verifier-log syntax: registers, memory
//! references, casts and branch targets.

use super::AsmError;
use super::builder::Target;
use super::cursor::{Cursor, Num, reg_name};
use super::lexer::Kind;
use crate::insn::*;

/// A register as written: `rN` or its 32-bit name `wN`.
#[derive(Clone, Copy)]
pub(crate) struct R {
    pub reg: Reg,
    pub w: bool,
    pub col: usize,
}

impl R {
    pub fn width(self) -> Width {
        if self.w { Width::W32 } else { Width::W64 }
    }

    pub fn name(self) -> String {
        format!("{}{}", if self.w { 'w' } else { 'r' }, self.reg.index())
    }
}

/// `r11`, `w42`: meant as a register, but not one.
pub(crate) fn looks_like_reg(text: &str) -> bool {
    text.len() > 1
        && matches!(text.as_bytes()[0], b'r' | b'w')
        && text[1..].bytes().all(|b| b.is_ascii_digit())
}

pub(crate) fn at_reg(cur: &Cursor) -> bool {
    cur.peek()
        .is_some_and(|t| t.kind == Kind::Ident && reg_name(t.text, true).is_some())
}

pub(crate) fn reg(cur: &mut Cursor) -> Result<R, AsmError> {
    let Some(t) = cur.peek().filter(|t| t.kind == Kind::Ident) else {
        return Err(cur.expected("a register"));
    };
    let Some((reg, w)) = reg_name(t.text, true) else {
        return Err(if looks_like_reg(t.text) {
            cur.err(format!(
                "invalid register `{}` (registers are r0 to r10, or w0 to w10)",
                t.text
            ))
        } else {
            cur.expected("a register")
        });
    };
    cur.bump();
    Ok(R { reg, w, col: t.col })
}

/// A register used as an address, which is always 64-bit.
pub(crate) fn addr_reg(cur: &mut Cursor) -> Result<Reg, AsmError> {
    let r = reg(cur)?;
    if r.w {
        return Err(cur.err_at(
            r.col,
            format!(
                "address register must be r{}, not {}",
                r.reg.index(),
                r.name()
            ),
        ));
    }
    Ok(r.reg)
}

/// A second operand whose width must match the first.
pub(crate) fn same_width(cur: &Cursor, first: R, second: R) -> Result<(), AsmError> {
    if first.w == second.w {
        return Ok(());
    }
    Err(cur.err_at(
        second.col,
        format!(
            "`{}` and `{}` differ in width: use rN for 64-bit or wN for 32-bit on both sides",
            first.name(),
            second.name()
        ),
    ))
}

/// The second operand of an ALU operation or a jump. `sext` refuses hex
/// patterns that sign-extension would change (ALU64); jumps accept them
/// because the kernel prints jump immediates as `0x%x`.
pub(crate) fn source(cur: &mut Cursor, first: R, sext: bool) -> Result<Source, AsmError> {
    if at_reg(cur) {
        let r = reg(cur)?;
        same_width(cur, first, r)?;
        Ok(Source::Reg(r.reg))
    } else if cur.at_number() {
        let num = cur.number()?;
        Ok(Source::Imm(if sext {
            num.imm32_sext()?
        } else {
            num.imm32()?
        }))
    } else {
        Err(cur.expected("a register or an immediate"))
    }
}

/// `+3`, `-3`, `pc+3`, or a label, optionally followed by llvm-objdump's
/// `<LBB0_2>` annotation.
pub(crate) fn target(cur: &mut Cursor) -> Result<Target, AsmError> {
    let t = if cur.eat_ident("pc") || cur.at_number() {
        let num = cur.number()?;
        if !num.signed {
            return Err(cur.err_at(num.col, "expected a signed offset like +3"));
        }
        Target::Rel(num)
    } else {
        match cur.peek() {
            Some(t) if t.kind == Kind::Ident => {
                cur.bump();
                Target::Label {
                    name: t.text.to_string(),
                    col: t.col,
                }
            }
            _ => return Err(cur.expected("a label or a signed offset like +3")),
        }
    };
    if cur.eat_punct("<") {
        while cur.peek().is_some_and(|t| !t.is_punct(">")) {
            cur.bump();
        }
        cur.expect_punct(">")?;
    }
    Ok(t)
}

/// `(u32 *)`: the access size, and whether it is a signed (`sN`) type.
pub(crate) fn cast(cur: &mut Cursor) -> Result<(Size, bool), AsmError> {
    cur.expect_punct("(")?;
    let t = cur.expect_ident("a type like u32")?;
    let ty = match t.text {
        "u8" => (Size::B, false),
        "u16" => (Size::H, false),
        "u32" => (Size::W, false),
        "u64" => (Size::DW, false),
        "s8" => (Size::B, true),
        "s16" => (Size::H, true),
        "s32" => (Size::W, true),
        _ => {
            return Err(cur.err_at(
                t.col,
                format!(
                    "unknown type `{}` (u8, u16, u32, u64, s8, s16, s32)",
                    t.text
                ),
            ));
        }
    };
    cur.expect_punct("*")?;
    cur.expect_punct(")")?;
    Ok(ty)
}

pub(crate) fn unsigned_cast(cur: &mut Cursor) -> Result<Size, AsmError> {
    let col = cur.col();
    match cast(cur)? {
        (size, false) => Ok(size),
        (_, true) => Err(cur.err_at(col, "only loads can sign-extend: use a uN type")),
    }
}

/// `+ 8`, `- 8`, `+ -8` or `+0` after a register; the sign is written
/// apart from the number in LLVM's form and next to it in the kernel's.
pub(crate) fn offset_num(cur: &mut Cursor) -> Result<Option<Num>, AsmError> {
    let col = cur.col();
    if cur.eat_punct("+") {
        let mut n = cur.number()?;
        n.col = col;
        Ok(Some(n))
    } else if cur.eat_punct("-") {
        cur.unsigned_number(true, true, col).map(Some)
    } else {
        Ok(None)
    }
}

/// `r10 - 8` (without parentheses).
pub(crate) fn bare_mem(cur: &mut Cursor) -> Result<(Reg, i16), AsmError> {
    let reg = addr_reg(cur)?;
    let off = match offset_num(cur)? {
        Some(n) => n.off16()?,
        None => 0,
    };
    Ok((reg, off))
}

/// `(r10 - 8)`.
pub(crate) fn mem(cur: &mut Cursor) -> Result<(Reg, i16), AsmError> {
    cur.expect_punct("(")?;
    let m = bare_mem(cur)?;
    cur.expect_punct(")")?;
    Ok(m)
}
