//! One statement of the LLVM / Linux verifier-log syntax (`r0 += 1`,
//! `if w1 s> w2 goto -3`, `*(u32 *)(r10 - 8) = r1`, ...). Line prefixes
//! (addresses, raw bytes, `(b7)` opcodes) are handled by
//! [`super::llvm_lines`].
//!
//! Spellings LLVM has no text for, invented here: `may_goto +N` (as the
//! kernel prints it, without `pc`), `call pc+N` for bpf-to-bpf calls (the
//! kernel's form), `call kfunc#ID[, module M]` for kfuncs,
//! `call rN` for a `callx` with the register in `dst` and `callx rN` for
//! the register in `imm` (LLVM prints `callx rN` whatever the field; on
//! llvm-objdump lines the bytes decide), and the `LD_IMM64` forms of
//! [`super::pseudo`] such as `r1 = map_fd(3) ll`.

use super::AsmError;
use super::builder::Target;
use super::cursor::Cursor;
use super::lexer::Kind;
use super::llvm_operands::{
    addr_reg, at_reg, looks_like_reg, mem, reg, source, target, unsigned_cast,
};
use crate::insn::*;

type Parsed = (Insn, Option<Target>);

/// Parses one statement. `imm64_hint` makes `rN = number` an `LD_IMM64`
/// even without `ll`, as the kernel's log prints it.
pub(crate) fn parse_stmt(cur: &mut Cursor, imm64_hint: bool) -> Result<Parsed, AsmError> {
    let Some(first) = cur.peek() else {
        return Err(cur.expected("an instruction"));
    };
    if first.is_punct("*") {
        return store(cur);
    }
    if at_reg(cur) {
        return assignment(cur, imm64_hint);
    }
    if looks_like_reg(first.text) {
        // Reports the bad register rather than an unknown instruction.
        reg(cur)?;
    }
    if first.kind != Kind::Ident {
        return Err(cur.expected("an instruction"));
    }
    cur.bump();
    let plain = |insn| Ok((insn, None));
    match first.text {
        "exit" => plain(Insn::Exit),
        "goto" | "gotol" => {
            let long = first.text == "gotol";
            Ok((Insn::Ja { off: 0, long }, Some(target(cur)?)))
        }
        "may_goto" => Ok((Insn::MayGoto { off: 0 }, Some(target(cur)?))),
        "if" => jump(cur),
        "call" => call(cur),
        "callx" => plain(Insn::Callx {
            reg: addr_reg(cur)?,
            form: CallxForm::Imm,
        }),
        "lock" => lock(cur),
        "store_release" => {
            cur.expect_punct("(")?;
            let size = unsigned_cast(cur)?;
            let (dst, off) = mem(cur)?;
            cur.expect_punct(",")?;
            let src = reg(cur)?.reg;
            cur.expect_punct(")")?;
            let op = AtomicOp::StoreRelease;
            plain(Insn::Atomic {
                size,
                op,
                dst,
                src,
                off,
            })
        }
        other => Err(cur.err_at(first.col, format!("unknown instruction `{other}`"))),
    }
}

fn store(cur: &mut Cursor) -> Result<Parsed, AsmError> {
    cur.expect_punct("*")?;
    let size = unsigned_cast(cur)?;
    let (dst, off) = mem(cur)?;
    cur.expect_punct("=")?;
    let src = if at_reg(cur) {
        Source::Reg(reg(cur)?.reg)
    } else if cur.at_number() {
        let num = cur.number()?;
        // A u64 store sign-extends its immediate.
        Source::Imm(if size == Size::DW {
            num.imm32_sext()?
        } else {
            num.imm32()?
        })
    } else {
        return Err(cur.expected("a register or an immediate"));
    };
    Ok((
        Insn::Store {
            size,
            dst,
            off,
            src,
        },
        None,
    ))
}

fn lock(cur: &mut Cursor) -> Result<Parsed, AsmError> {
    cur.expect_punct("*")?;
    let col = cur.col();
    let size = unsigned_cast(cur)?;
    if !matches!(size, Size::W | Size::DW) {
        return Err(cur.err_at(col, "atomic operations need a u32 or u64 access"));
    }
    let (dst, off) = mem(cur)?;
    let op = match cur.bump() {
        Some(t) if t.is_punct("+=") => AtomicOp::Add { fetch: false },
        Some(t) if t.is_punct("|=") => AtomicOp::Or { fetch: false },
        Some(t) if t.is_punct("&=") => AtomicOp::And { fetch: false },
        Some(t) if t.is_punct("^=") => AtomicOp::Xor { fetch: false },
        Some(t) => {
            return Err(cur.err_at(
                t.col,
                format!("expected `+=`, `|=`, `&=` or `^=`, found `{}`", t.text),
            ));
        }
        None => return Err(cur.expected("`+=`, `|=`, `&=` or `^=`")),
    };
    let src = reg(cur)?.reg;
    Ok((
        Insn::Atomic {
            size,
            op,
            dst,
            src,
            off,
        },
        None,
    ))
}

fn jump(cur: &mut Cursor) -> Result<Parsed, AsmError> {
    let dst = reg(cur)?;
    let signed = cur.eat_ident("s");
    let col = cur.col();
    let op = cur
        .bump()
        .map_or("", |t| if t.kind == Kind::Punct { t.text } else { "" });
    let cond = match (signed, op) {
        (false, "==") => JmpCond::Eq,
        (false, "!=") => JmpCond::Ne,
        (false, "&") => JmpCond::Set,
        (false, ">") => JmpCond::Gt,
        (false, ">=") => JmpCond::Ge,
        (false, "<") => JmpCond::Lt,
        (false, "<=") => JmpCond::Le,
        (true, ">") => JmpCond::Sgt,
        (true, ">=") => JmpCond::Sge,
        (true, "<") => JmpCond::Slt,
        (true, "<=") => JmpCond::Sle,
        _ => {
            return Err(cur.err_at(
                col,
                "expected a condition (==, !=, &, >, >=, <, <=, s>, s>=, s<, s<=)",
            ));
        }
    };
    let src = source(cur, dst, false)?;
    if !cur.eat_ident("goto") {
        return Err(cur.expected("`goto`"));
    }
    let insn = Insn::Jump {
        width: dst.width(),
        cond,
        dst: dst.reg,
        src,
        off: 0,
    };
    Ok((insn, Some(target(cur)?)))
}

fn call(cur: &mut Cursor) -> Result<Parsed, AsmError> {
    if at_reg(cur) {
        let reg = addr_reg(cur)?;
        return Ok((
            Insn::Callx {
                reg,
                form: CallxForm::Dst,
            },
            None,
        ));
    }
    if cur.eat_ident("pc") {
        return Ok((
            Insn::Call(CallTarget::Local(0)),
            Some(target_after_pc(cur)?),
        ));
    }
    if cur.at_number() {
        let id = cur.number()?.imm32()?;
        return Ok((Insn::Call(CallTarget::Helper(id)), None));
    }
    // `name#id` as the kernel prints helpers, or a label.
    let first = cur.expect_ident("a helper id, `pc+N`, `name#id` or a label")?;
    let mut name = first.text.to_string();
    while cur.peek().is_some_and(|t| t.is_punct("-"))
        && cur.peek_at(1).is_some_and(|t| t.kind == Kind::Ident)
    {
        cur.bump();
        name.push('-');
        name.push_str(cur.bump().map_or("", |t| t.text));
    }
    if !cur.eat_punct("#") {
        if name.contains('-') {
            return Err(cur.expected("`#` and an id"));
        }
        let label = Target::Label {
            name,
            col: first.col,
        };
        return Ok((Insn::Call(CallTarget::Local(0)), Some(label)));
    }
    let id = cur.number()?.imm32()?;
    if name == "kfunc" || name == "kernel-function" {
        let module = if cur.eat_punct(",") {
            if !cur.eat_ident("module") {
                return Err(cur.expected("`module`"));
            }
            cur.number()?.off16()?
        } else {
            0
        };
        return Ok((Insn::Call(CallTarget::Kfunc { btf_id: id, module }), None));
    }
    Ok((Insn::Call(CallTarget::Helper(id)), None))
}

fn target_after_pc(cur: &mut Cursor) -> Result<Target, AsmError> {
    let num = cur.number()?;
    if !num.signed {
        return Err(cur.err_at(num.col, "expected `pc+N` or `pc-N`"));
    }
    Ok(Target::Rel(num))
}

fn alu_assign_op(signed: bool, op: &str) -> Option<AluOp> {
    Some(match (signed, op) {
        (false, "+=") => AluOp::Add,
        (false, "-=") => AluOp::Sub,
        (false, "*=") => AluOp::Mul,
        (false, "/=") => AluOp::Div,
        (true, "/=") => AluOp::Sdiv,
        (false, "%=") => AluOp::Mod,
        (true, "%=") => AluOp::Smod,
        (false, "|=") => AluOp::Or,
        (false, "&=") => AluOp::And,
        (false, "<<=") => AluOp::Lsh,
        (false, ">>=") => AluOp::Rsh,
        (true, ">>=") => AluOp::Arsh,
        (false, "^=") => AluOp::Xor,
        _ => return None,
    })
}

fn assignment(cur: &mut Cursor, imm64_hint: bool) -> Result<Parsed, AsmError> {
    let dst = reg(cur)?;
    if cur.eat_punct("=") {
        return super::llvm_rhs::rhs(cur, dst, imm64_hint);
    }
    let signed = cur.eat_ident("s");
    let col = cur.col();
    let op = cur
        .bump()
        .filter(|t| t.kind == Kind::Punct)
        .and_then(|t| alu_assign_op(signed, t.text));
    let Some(op) = op else {
        return Err(cur.err_at(col, "expected `=` or an operator like `+=`, `s>>=`"));
    };
    let src = source(cur, dst, !dst.w)?;
    let insn = Insn::Alu {
        width: dst.width(),
        op,
        dst: dst.reg,
        src,
    };
    Ok((insn, None))
}
