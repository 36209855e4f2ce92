//! Spelling of `LD_IMM64` with a pseudo source (map fds, map values, BTF
//! ids, function addresses). Neither the conformance assembler nor LLVM
//! text has one, so both syntaxes use the same function-like forms:
//!
//! | pseudo        | spelling                  | imm (low, high)        |
//! |---------------|---------------------------|------------------------|
//! | MapFd         | `map_fd(3)`               | fd, 0                  |
//! | MapValue      | `map_value(3, 16)`        | fd, value offset       |
//! | BtfId         | `btf_id(1234)`            | BTF id, 0              |
//! | Func          | `func(+5)`, `func(label)` | pc-relative offset, 0  |
//! | MapIdx        | `map_idx(0)`              | map index, 0           |
//! | MapIdxValue   | `map_idx_value(0, 16)`    | map index, offset      |
//!
//! A non-zero high half of the single-number forms is written as a second
//! argument (`btf_id(1234, 5)`), so every `LD_IMM64` value has a spelling.

use super::AsmError;
use super::builder::Target;
use super::cursor::Cursor;
use super::lexer::Kind;
use crate::insn::Pseudo;

const NAMES: [(Pseudo, &str); 6] = [
    (Pseudo::MapFd, "map_fd"),
    (Pseudo::MapValue, "map_value"),
    (Pseudo::BtfId, "btf_id"),
    (Pseudo::Func, "func"),
    (Pseudo::MapIdx, "map_idx"),
    (Pseudo::MapIdxValue, "map_idx_value"),
];

/// The pseudo source spelled `name`.
pub(crate) fn by_name(name: &str) -> Option<Pseudo> {
    NAMES.iter().find(|(_, n)| *n == name).map(|(p, _)| *p)
}

fn name_of(pseudo: Pseudo) -> &'static str {
    NAMES
        .iter()
        .find(|(p, _)| *p == pseudo)
        .map_or("imm", |(_, n)| n)
}

/// Parses `name(lo[, hi])` with the cursor on `name`; returns the 64-bit
/// immediate and, for `func`, the branch target that fills its low half.
pub(crate) fn parse(cur: &mut Cursor) -> Result<(Pseudo, u64, Option<Target>), AsmError> {
    let name = cur.expect_ident("a 64-bit immediate form")?;
    let Some(pseudo) = by_name(name.text) else {
        return Err(cur.err_at(
            name.col,
            format!("unknown 64-bit immediate form `{}`", name.text),
        ));
    };
    cur.expect_punct("(")?;
    let mut target = None;
    let lo = if pseudo == Pseudo::Func {
        target = Some(func_target(cur)?);
        0
    } else {
        cur.number()?.u32_bits()?
    };
    let hi = if cur.eat_punct(",") {
        cur.number()?.u32_bits()?
    } else {
        0
    };
    cur.expect_punct(")")?;
    Ok((pseudo, (hi as u64) << 32 | lo as u64, target))
}

fn func_target(cur: &mut Cursor) -> Result<Target, AsmError> {
    match cur.peek() {
        Some(t) if t.kind == Kind::Ident => {
            cur.bump();
            Ok(Target::Label {
                name: t.text.to_string(),
                col: t.col,
            })
        }
        Some(t) if t.is_punct("+") || t.is_punct("-") => Ok(Target::Rel(cur.number()?)),
        _ => Err(cur.expected("a label or a signed offset like +3")),
    }
}

/// A 32-bit field: decimal while that reads back as the same bits, hex
/// above.
fn u32_text(v: u32) -> String {
    if v <= i32::MAX as u32 {
        v.to_string()
    } else {
        format!("{v:#x}")
    }
}

/// The spelling of a pseudo `LD_IMM64` immediate (not [`Pseudo::Imm`]).
pub(crate) fn format(pseudo: Pseudo, imm: u64) -> String {
    let lo = imm as u32;
    let hi = (imm >> 32) as u32;
    let first = if pseudo == Pseudo::Func {
        format!("{:+}", lo as i32)
    } else {
        u32_text(lo)
    };
    let two_args = matches!(pseudo, Pseudo::MapValue | Pseudo::MapIdxValue) || hi != 0;
    if two_args {
        format!("{}({first}, {})", name_of(pseudo), u32_text(hi))
    } else {
        format!("{}({first})", name_of(pseudo))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asm::builder::set_branch;
    use crate::asm::lexer::tokenize;
    use crate::insn::{Insn, Reg};

    fn parse_str(s: &str) -> Result<u64, AsmError> {
        let toks = tokenize(s, 1, 1)?;
        let mut cur = Cursor::new(&toks, 1, s.len() + 1);
        let (pseudo, imm, target) = parse(&mut cur)?;
        cur.expect_end()?;
        let insn = Insn::LoadImm64 {
            dst: Reg::R1,
            pseudo,
            imm,
        };
        let insn = match target {
            Some(Target::Rel(n)) => set_branch(insn, n.relative()).unwrap(),
            _ => insn,
        };
        match insn {
            Insn::LoadImm64 { imm, .. } => Ok(imm),
            _ => unreachable!(),
        }
    }

    #[test]
    fn forms_round_trip() {
        for (pseudo, imm) in [
            (Pseudo::MapFd, 3),
            (Pseudo::MapValue, 16 << 32 | 3),
            (Pseudo::BtfId, 0xffff_ffff_8000_0000),
            (Pseudo::Func, (-3i32) as u32 as u64),
            (Pseudo::Func, 7 << 32 | 5),
            (Pseudo::MapIdxValue, 0),
        ] {
            let text = format(pseudo, imm);
            assert_eq!(parse_str(&text).unwrap(), imm, "{text}");
        }
        assert_eq!(format(Pseudo::MapValue, 16 << 32 | 3), "map_value(3, 16)");
        assert_eq!(format(Pseudo::Func, (-3i32) as u32 as u64), "func(-3)");
    }

    #[test]
    fn rejects_bad_forms() {
        assert!(parse_str("map_fd(0x100000000)").is_err());
        assert!(parse_str("func(3)").is_err());
        assert!(
            parse_str("map_thing(3)")
                .unwrap_err()
                .message
                .contains("unknown")
        );
    }
}
