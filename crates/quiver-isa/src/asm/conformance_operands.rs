//! Operands of the conformance syntax and the checks each mnemonic
//! applies to them. Operands are parsed before the mnemonic is looked at,
//! so that the reference assembler's whitespace-separated forms (`lock
//! fetch add [..], %r1`, `call local f`) are plain operand lists.

use super::builder::Target;
use super::cursor::{Cursor, Num, reg_name};
use super::lexer::Kind;
use super::{AsmError, pseudo};
use crate::insn::*;

#[derive(Clone, Debug)]
pub(crate) enum Operand<'a> {
    Reg(Reg),
    Mem(Reg, i16),
    Num(Num),
    Word(&'a str),
    Pseudo(Pseudo, u64, Option<Target>),
}

#[derive(Clone, Debug)]
pub(crate) struct Opnd<'a> {
    pub kind: Operand<'a>,
    pub col: usize,
}

impl Opnd<'_> {
    pub fn describe(&self) -> String {
        match &self.kind {
            Operand::Reg(r) => format!("register %{r}"),
            Operand::Mem(..) => "a memory operand".into(),
            Operand::Num(_) => "a number".into(),
            Operand::Word(w) => format!("`{w}`"),
            Operand::Pseudo(..) => "a 64-bit immediate form".into(),
        }
    }
}

fn register(cur: &mut Cursor) -> Result<Reg, AsmError> {
    let col = cur.col();
    cur.expect_punct("%")?;
    let name = match cur.peek() {
        Some(t) if t.kind == Kind::Ident || t.kind == Kind::Num => t,
        _ => return Err(cur.expected("a register name after `%`")),
    };
    cur.bump();
    reg_name(name.text, false).map(|(r, _)| r).ok_or_else(|| {
        cur.err_at(
            col,
            format!(
                "invalid register `%{}` (registers are %r0 to %r10)",
                name.text
            ),
        )
    })
}

fn operand<'a>(cur: &mut Cursor<'_, 'a>) -> Result<Opnd<'a>, AsmError> {
    let col = cur.col();
    let Some(tok) = cur.peek() else {
        return Err(cur.expected("an operand"));
    };
    let kind = if tok.is_punct("%") {
        Operand::Reg(register(cur)?)
    } else if tok.is_punct("[") {
        cur.bump();
        let reg = register(cur)?;
        let off = if cur.at_number() {
            let num = cur.number()?;
            if !num.signed {
                return Err(cur.err_at(num.col, "expected `+` or `-` before the offset"));
            }
            num.off16()?
        } else {
            0
        };
        cur.expect_punct("]")?;
        Operand::Mem(reg, off)
    } else if cur.at_number() {
        Operand::Num(cur.number()?)
    } else if tok.kind == Kind::Ident {
        if cur.peek_at(1).is_some_and(|t| t.is_punct("(")) {
            let (p, imm, target) = pseudo::parse(cur)?;
            Operand::Pseudo(p, imm, target)
        } else {
            cur.bump();
            Operand::Word(tok.text)
        }
    } else {
        return Err(cur.expected("an operand"));
    };
    Ok(Opnd { kind, col })
}

pub(crate) fn operands<'a>(cur: &mut Cursor<'_, 'a>) -> Result<Vec<Opnd<'a>>, AsmError> {
    let mut ops = Vec::new();
    while !cur.at_end() {
        ops.push(operand(cur)?);
        if cur.eat_punct(",") && cur.at_end() {
            return Err(cur.expected("an operand after `,`"));
        }
    }
    Ok(ops)
}

/// The operands of one instruction, with what is needed to report errors.
pub(crate) struct Ops<'c, 't, 'a> {
    pub cur: &'c Cursor<'t, 'a>,
    pub name: String,
    pub list: Vec<Opnd<'a>>,
}

impl<'a> Ops<'_, '_, 'a> {
    pub fn err(&self, op: &Opnd, message: String) -> AsmError {
        self.cur.err_at(op.col, message)
    }

    /// Checks the count; `shape` says what the operands are, for the
    /// message.
    pub fn count(&self, n: usize, shape: &str) -> Result<(), AsmError> {
        let found = self.list.len();
        if found == n {
            return Ok(());
        }
        let col = self.list.get(n).map_or(self.cur.col(), |op| op.col);
        let plural = if n == 1 { "" } else { "s" };
        Err(self.cur.err_at(
            col,
            format!(
                "`{}` takes {n} operand{plural} ({shape}), found {found}",
                self.name
            ),
        ))
    }

    pub fn reg(&self, i: usize) -> Result<Reg, AsmError> {
        match &self.list[i].kind {
            Operand::Reg(r) => Ok(*r),
            _ => Err(self.err(
                &self.list[i],
                format!("expected a register, found {}", self.list[i].describe()),
            )),
        }
    }

    pub fn mem(&self, i: usize) -> Result<(Reg, i16), AsmError> {
        match &self.list[i].kind {
            Operand::Mem(r, off) => Ok((*r, *off)),
            _ => Err(self.err(
                &self.list[i],
                format!(
                    "expected a memory operand like [%r1+8], found {}",
                    self.list[i].describe()
                ),
            )),
        }
    }

    pub fn num(&self, i: usize) -> Result<&Num, AsmError> {
        match &self.list[i].kind {
            Operand::Num(n) => Ok(n),
            _ => Err(self.err(
                &self.list[i],
                format!("expected a number, found {}", self.list[i].describe()),
            )),
        }
    }

    pub fn source(&self, i: usize) -> Result<Source, AsmError> {
        match &self.list[i].kind {
            Operand::Reg(r) => Ok(Source::Reg(*r)),
            Operand::Num(n) => Ok(Source::Imm(n.imm32()?)),
            _ => Err(self.err(
                &self.list[i],
                format!(
                    "expected a register or an immediate, found {}",
                    self.list[i].describe()
                ),
            )),
        }
    }

    pub fn target(&self, i: usize) -> Result<Target, AsmError> {
        match &self.list[i].kind {
            Operand::Num(n) if n.signed => Ok(Target::Rel(n.clone())),
            Operand::Word(w) => Ok(Target::Label {
                name: w.to_string(),
                col: self.list[i].col,
            }),
            _ => Err(self.err(
                &self.list[i],
                format!(
                    "expected a label or a signed offset like +3, found {}",
                    self.list[i].describe()
                ),
            )),
        }
    }

    pub fn word(&self, i: usize) -> Option<&'a str> {
        match self.list.get(i)?.kind {
            Operand::Word(w) => Some(w),
            _ => None,
        }
    }
}
