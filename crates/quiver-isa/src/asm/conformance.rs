//! The bpf_conformance / uBPF assembly syntax: `mnemonic operand, ...`
//! with `%rN` registers and `[%rN+off]` memory operands.
//!
//! Operands are self-delimiting, so commas are optional, as in the
//! reference assembler, which splits on whitespace and drops trailing
//! commas; that is what makes `lock fetch add [%r10-8], %r1` and
//! `call local func1` ordinary operand lists here.
//!
//! Spellings this syntax lacks, invented here (see also [`super::pseudo`]):
//! `may_goto +N`, `callx %rN` (register in `imm`, the form
//! [`crate::CallxForm::Imm`] keeps; `call %rN` keeps it in `dst`), `call runtime ID, module M` (kfunc in a
//! module BTF), `lock load_acquire[32|16|8] %rD, [%rS+off]`,
//! `lock store_release[32|16|8] [%rD+off], %rS`, `lddw %rD, map_fd(N)`.

use super::AsmError;
use super::builder::{Builder, Target};
use super::conformance_operands::{Operand, Ops, operands};
use super::cursor::Cursor;
use super::lexer::{Kind, column_of, tokenize};
use crate::insn::*;

/// Assembles a whole text.
pub(crate) fn assemble(text: &str) -> Result<Vec<Insn>, AsmError> {
    let mut b = Builder::default();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let code = strip_comment(raw);
        let toks = tokenize(code, line, 1)?;
        let mut cur = Cursor::new(&toks, line, column_of(raw, code.len()));
        while let (Some(name), Some(colon)) = (cur.peek(), cur.peek_at(1)) {
            if name.kind != Kind::Ident || !colon.is_punct(":") {
                break;
            }
            b.label(name.text, line, name.col)?;
            cur.bump();
            cur.bump();
        }
        if !cur.at_end() {
            let (insn, target) = parse_insn(&mut cur)?;
            b.push(insn, target, line)?;
        }
    }
    b.finish()
}

/// The code part of a line: `#` starts a comment anywhere (the test-file
/// reader strips them before the reference assembler sees the line), and
/// `;` too, which the reference disassembler uses before raw bytes.
fn strip_comment(line: &str) -> &str {
    let end = line.find(['#', ';']).unwrap_or(line.len());
    &line[..end]
}

type Parsed = (Insn, Option<Target>);

fn parse_insn(cur: &mut Cursor) -> Result<Parsed, AsmError> {
    let m = cur.expect_ident("a mnemonic")?;
    let list = operands(cur)?;
    let ops = Ops {
        cur,
        name: m.text.to_string(),
        list,
    };
    let name = m.text;
    let plain = |insn: Insn| Ok((insn, None));
    match name {
        "exit" => {
            ops.count(0, "none")?;
            plain(Insn::Exit)
        }
        "ja" | "ja32" => {
            ops.count(1, "target")?;
            let long = name == "ja32";
            Ok((Insn::Ja { off: 0, long }, Some(ops.target(0)?)))
        }
        "may_goto" => {
            ops.count(1, "target")?;
            Ok((Insn::MayGoto { off: 0 }, Some(ops.target(0)?)))
        }
        "call" => call(&ops),
        "callx" => {
            ops.count(1, "register")?;
            plain(Insn::Callx {
                reg: ops.reg(0)?,
                form: CallxForm::Imm,
            })
        }
        "lock" => lock(&ops),
        "lddw" => lddw(&ops),
        _ => {
            if let Some(insn) = alu(name, &ops)? {
                plain(insn)
            } else if let Some(insn) = memory(name, &ops)? {
                plain(insn)
            } else if let Some(parsed) = jump(name, &ops)? {
                Ok(parsed)
            } else {
                Err(cur.err_at(m.col, format!("unknown mnemonic `{name}`")))
            }
        }
    }
}

/// Whether `name` is a mnemonic of this syntax that the LLVM syntax
/// does not share (so not `exit`, `call`, `callx`, `lock`, `may_goto`).
pub(crate) fn is_mnemonic(name: &str) -> bool {
    let sized = |prefix: &str| name.strip_prefix(prefix).and_then(size_of).is_some();
    matches!(name, "ja" | "ja32" | "lddw" | "neg" | "neg32" | "neg64")
        || name.starts_with("movsx")
        || endian_of(name).is_some()
        || alu_op(width_suffix(name).0).is_some()
        || cond_of(name.strip_suffix("32").unwrap_or(name)).is_some()
        || ["ldx", "ldxs", "st", "stx", "ldabs", "ldind"]
            .into_iter()
            .any(sized)
}

fn alu_op(base: &str) -> Option<AluOp> {
    Some(match base {
        "add" => AluOp::Add,
        "sub" => AluOp::Sub,
        "mul" => AluOp::Mul,
        "div" => AluOp::Div,
        "sdiv" => AluOp::Sdiv,
        "or" => AluOp::Or,
        "and" => AluOp::And,
        "lsh" => AluOp::Lsh,
        "rsh" => AluOp::Rsh,
        "mod" => AluOp::Mod,
        "smod" => AluOp::Smod,
        "xor" => AluOp::Xor,
        "mov" => AluOp::Mov,
        "arsh" => AluOp::Arsh,
        _ => return None,
    })
}

/// Splits the `32`/`64` width suffix of an ALU or jump mnemonic; none
/// means 64-bit.
fn width_suffix(name: &str) -> (&str, Width) {
    if let Some(base) = name.strip_suffix("32") {
        (base, Width::W32)
    } else {
        (name.strip_suffix("64").unwrap_or(name), Width::W64)
    }
}

pub(crate) fn endian_of(name: &str) -> Option<(ByteOrder, u8)> {
    let (order, bits) = if let Some(b) = name.strip_prefix("bswap") {
        (ByteOrder::Swap, b)
    } else if let Some(b) = name.strip_prefix("swap") {
        (ByteOrder::Swap, b)
    } else if let Some(b) = name.strip_prefix("le") {
        (ByteOrder::ToLe, b)
    } else {
        (ByteOrder::ToBe, name.strip_prefix("be")?)
    };
    let bits = match bits {
        "16" => 16,
        "32" => 32,
        "64" => 64,
        _ => return None,
    };
    Some((order, bits))
}

fn alu(name: &str, ops: &Ops) -> Result<Option<Insn>, AsmError> {
    if let Some((order, bits)) = endian_of(name) {
        ops.count(1, "register")?;
        return Ok(Some(Insn::Endian {
            order,
            bits,
            dst: ops.reg(0)?,
        }));
    }
    let movsx = match name {
        "movsx832" => Some((Width::W32, 8)),
        "movsx1632" => Some((Width::W32, 16)),
        "movsx864" => Some((Width::W64, 8)),
        "movsx1664" => Some((Width::W64, 16)),
        "movsx3264" => Some((Width::W64, 32)),
        _ => None,
    };
    if let Some((width, bits)) = movsx {
        ops.count(2, "register, register")?;
        return Ok(Some(Insn::MovSx {
            width,
            dst: ops.reg(0)?,
            src: ops.reg(1)?,
            bits,
        }));
    }
    let (base, width) = width_suffix(name);
    if base == "neg" {
        ops.count(1, "register")?;
        return Ok(Some(Insn::Neg {
            width,
            dst: ops.reg(0)?,
        }));
    }
    let Some(op) = alu_op(base) else {
        return Ok(None);
    };
    ops.count(2, "register, register or immediate")?;
    Ok(Some(Insn::Alu {
        width,
        op,
        dst: ops.reg(0)?,
        src: ops.source(1)?,
    }))
}

pub(crate) fn size_of(suffix: &str) -> Option<Size> {
    Some(match suffix {
        "b" => Size::B,
        "h" => Size::H,
        "w" => Size::W,
        "dw" => Size::DW,
        _ => return None,
    })
}

fn memory(name: &str, ops: &Ops) -> Result<Option<Insn>, AsmError> {
    if let Some(rest) = name.strip_prefix("ldx") {
        let (sign_extend, size) = match (size_of(rest), rest.strip_prefix('s').and_then(size_of)) {
            (Some(size), _) => (false, size),
            (None, Some(size)) if size != Size::DW => (true, size),
            _ => return Ok(None),
        };
        ops.count(2, "register, memory")?;
        let (src, off) = ops.mem(1)?;
        return Ok(Some(Insn::Load {
            size,
            sign_extend,
            dst: ops.reg(0)?,
            src,
            off,
        }));
    }
    if let Some(size) = name.strip_prefix("stx").and_then(size_of) {
        ops.count(2, "memory, register")?;
        let (dst, off) = ops.mem(0)?;
        let src = Source::Reg(ops.reg(1)?);
        return Ok(Some(Insn::Store {
            size,
            dst,
            off,
            src,
        }));
    }
    if let Some(size) = name.strip_prefix("st").and_then(size_of) {
        ops.count(2, "memory, immediate")?;
        let (dst, off) = ops.mem(0)?;
        let src = Source::Imm(ops.num(1)?.imm32()?);
        return Ok(Some(Insn::Store {
            size,
            dst,
            off,
            src,
        }));
    }
    let packet_size = |rest: Option<&str>| rest.and_then(size_of).filter(|s| *s != Size::DW);
    if let Some(size) = packet_size(name.strip_prefix("ldabs")) {
        ops.count(1, "immediate")?;
        let imm = ops.num(0)?.imm32()?;
        let mode = PacketMode::Abs;
        return Ok(Some(Insn::LoadPacket { mode, size, imm }));
    }
    if let Some(size) = packet_size(name.strip_prefix("ldind")) {
        ops.count(2, "register, immediate")?;
        let mode = PacketMode::Ind(ops.reg(0)?);
        let imm = ops.num(1)?.imm32()?;
        return Ok(Some(Insn::LoadPacket { mode, size, imm }));
    }
    Ok(None)
}

pub(crate) fn cond_of(base: &str) -> Option<JmpCond> {
    Some(match base {
        "jeq" => JmpCond::Eq,
        "jgt" => JmpCond::Gt,
        "jge" => JmpCond::Ge,
        "jset" => JmpCond::Set,
        "jne" => JmpCond::Ne,
        "jsgt" => JmpCond::Sgt,
        "jsge" => JmpCond::Sge,
        "jlt" => JmpCond::Lt,
        "jle" => JmpCond::Le,
        "jslt" => JmpCond::Slt,
        "jsle" => JmpCond::Sle,
        _ => return None,
    })
}

fn jump(name: &str, ops: &Ops) -> Result<Option<Parsed>, AsmError> {
    let (base, width) = match name.strip_suffix("32") {
        Some(base) => (base, Width::W32),
        None => (name, Width::W64),
    };
    let Some(cond) = cond_of(base) else {
        return Ok(None);
    };
    ops.count(3, "register, register or immediate, target")?;
    let insn = Insn::Jump {
        width,
        cond,
        dst: ops.reg(0)?,
        src: ops.source(1)?,
        off: 0,
    };
    Ok(Some((insn, Some(ops.target(2)?))))
}

fn call(ops: &Ops) -> Result<Parsed, AsmError> {
    let shape = "a helper number, %reg, `local` target or `runtime` id";
    let kind = ops.word(0);
    let args = if kind.is_some() { 1 } else { 0 };
    let insn = match kind {
        None | Some("helper") => {
            ops.count(args + 1, shape)?;
            match ops.list[args].kind {
                Operand::Reg(reg) => Insn::Callx {
                    reg,
                    form: CallxForm::Dst,
                },
                _ => Insn::Call(CallTarget::Helper(ops.num(args)?.imm32()?)),
            }
        }
        Some("local") => {
            ops.count(2, "`local`, target")?;
            return Ok((Insn::Call(CallTarget::Local(0)), Some(ops.target(1)?)));
        }
        Some("runtime") => {
            let module = if ops.list.len() == 4 {
                if ops.word(2) != Some("module") {
                    let op = &ops.list[2];
                    return Err(ops.err(op, format!("expected `module`, found {}", op.describe())));
                }
                ops.num(3)?.off16()?
            } else {
                ops.count(2, "`runtime`, id")?;
                0
            };
            let btf_id = ops.num(1)?.imm32()?;
            Insn::Call(CallTarget::Kfunc { btf_id, module })
        }
        Some(other) if ops.list.len() == 1 => {
            let message = format!(
                "expected a helper number or a register after `call`, found `{other}` \
                 (a bpf-to-bpf call is `call local {other}`)"
            );
            return Err(ops.err(&ops.list[0], message));
        }
        Some(other) => {
            let message =
                format!("unknown call kind `{other}` (expected helper, local or runtime)");
            return Err(ops.err(&ops.list[0], message));
        }
    };
    Ok((insn, None))
}

fn lddw(ops: &Ops) -> Result<Parsed, AsmError> {
    ops.count(2, "register, 64-bit immediate")?;
    let dst = ops.reg(0)?;
    match &ops.list[1].kind {
        Operand::Num(n) => Ok((
            Insn::LoadImm64 {
                dst,
                pseudo: Pseudo::Imm,
                imm: n.imm64()?,
            },
            None,
        )),
        Operand::Pseudo(pseudo, imm, target) => Ok((
            Insn::LoadImm64 {
                dst,
                pseudo: *pseudo,
                imm: *imm,
            },
            target.clone(),
        )),
        _ => {
            let op = &ops.list[1];
            Err(ops.err(
                op,
                format!("expected a 64-bit immediate, found {}", op.describe()),
            ))
        }
    }
}

/// Splits an atomic operation name into its base and access size
/// (`add32` is a 32-bit access; no suffix is 64-bit).
fn atomic_size(name: &str) -> (&str, Option<Size>) {
    let digits = name.len() - name.bytes().rev().take_while(u8::is_ascii_digit).count();
    let size = match &name[digits..] {
        "" | "64" => Some(Size::DW),
        "32" => Some(Size::W),
        "16" => Some(Size::H),
        "8" => Some(Size::B),
        _ => None,
    };
    (&name[..digits], size)
}

fn lock(ops: &Ops) -> Result<Parsed, AsmError> {
    let fetch = ops.word(0) == Some("fetch");
    let first = usize::from(fetch);
    let Some(op_name) = ops.word(first) else {
        let col = ops.list.get(first).map_or(ops.cur.col(), |op| op.col);
        return Err(ops.cur.err_at(
            col,
            "`lock` needs an atomic operation, as in `lock add [%r10-8], %r1`",
        ));
    };
    let op_col = ops.list[first].col;
    let (base, size) = atomic_size(op_name);
    let unknown = || {
        ops.cur
            .err_at(op_col, format!("unknown atomic operation `{op_name}`"))
    };
    let size = size.ok_or_else(unknown)?;
    let op = match base {
        "add" => AtomicOp::Add { fetch },
        "or" => AtomicOp::Or { fetch },
        "and" => AtomicOp::And { fetch },
        "xor" => AtomicOp::Xor { fetch },
        // Both always fetch; a redundant `fetch` is accepted, as the
        // reference assembler does.
        "xchg" => AtomicOp::Xchg,
        "cmpxchg" => AtomicOp::Cmpxchg,
        "load_acquire" | "store_release" if fetch => {
            return Err(ops
                .cur
                .err_at(ops.list[0].col, format!("`{base}` cannot take `fetch`")));
        }
        "load_acquire" => AtomicOp::LoadAcquire,
        "store_release" => AtomicOp::StoreRelease,
        _ => return Err(unknown()),
    };
    let rmw = !matches!(op, AtomicOp::LoadAcquire | AtomicOp::StoreRelease);
    if rmw && !matches!(size, Size::W | Size::DW) {
        return Err(ops.cur.err_at(
            op_col,
            format!("atomic `{base}` needs a 32- or 64-bit access (`{base}32` or `{base}`)"),
        ));
    }
    let rest = Ops {
        cur: ops.cur,
        name: format!("lock {op_name}"),
        list: ops.list[first + 1..].to_vec(),
    };
    let insn = if op == AtomicOp::LoadAcquire {
        rest.count(2, "register, memory")?;
        let (src, off) = rest.mem(1)?;
        let dst = rest.reg(0)?;
        Insn::Atomic {
            size,
            op,
            dst,
            src,
            off,
        }
    } else {
        rest.count(2, "memory, register")?;
        let (dst, off) = rest.mem(0)?;
        let src = rest.reg(1)?;
        Insn::Atomic {
            size,
            op,
            dst,
            src,
            off,
        }
    };
    Ok((insn, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> Insn {
        let insns = assemble(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(insns.len(), 1, "{s}");
        insns[0]
    }

    fn err(s: &str) -> AsmError {
        assemble(s).expect_err(s)
    }

    #[test]
    fn instructions() {
        assert_eq!(
            one("mov32 %r0, 0xffffffff"),
            Insn::Alu {
                width: Width::W32,
                op: AluOp::Mov,
                dst: Reg::R0,
                src: Source::Imm(-1)
            }
        );
        assert_eq!(
            one("ldxsh %r2, [%r10-8]"),
            Insn::Load {
                size: Size::H,
                sign_extend: true,
                dst: Reg::R2,
                src: Reg::R10,
                off: -8
            }
        );
        assert_eq!(
            one("lock fetch add32 [%r10-4], %r1"),
            Insn::Atomic {
                size: Size::W,
                op: AtomicOp::Add { fetch: true },
                dst: Reg::R10,
                src: Reg::R1,
                off: -4
            }
        );
        assert_eq!(
            one("call runtime 7, module 2"),
            Insn::Call(CallTarget::Kfunc {
                btf_id: 7,
                module: 2
            })
        );
        assert_eq!(
            one("call helper %r3"),
            Insn::Callx {
                reg: Reg::R3,
                form: CallxForm::Dst
            }
        );
        assert_eq!(one("jsle32 %r1, -2, +0x7fff").branch_offset(), Some(0x7fff));
    }

    #[test]
    fn labels_and_implicit_exit() {
        let insns = assemble("l: jne %r0, %r1, exit\nja l # loop\nexit\n").unwrap();
        assert_eq!(insns[0].branch_offset(), Some(1));
        assert_eq!(insns[1].branch_offset(), Some(-2));
    }

    #[test]
    fn errors_point_at_the_token() {
        let e = err("mov %r0, 1\n  ldxq %r0, %r1");
        assert_eq!((e.line, e.column), (2, 3));
        assert_eq!(e.message, "unknown mnemonic `ldxq`");
        let e = err("or %r0, %r50");
        assert_eq!(e.column, 9);
        assert!(e.message.starts_with("invalid register `%r50`"), "{e}");
        let e = err("lddw %r0");
        assert!(e.message.contains("takes 2 operands"), "{e}");
        let e = err("mov32 %r0, 2147483648");
        assert_eq!(e.column, 12);
        assert!(e.message.contains("out of 32-bit range"), "{e}");
        let e = err("ldxb %r0, [%r1+0x10000]");
        assert!(e.message.contains("out of 16-bit range"), "{e}");
        let e = err("jeq %r0, 1, +32768");
        assert!(e.message.contains("out of 16-bit range"), "{e}");
        assert!(err("lock").message.contains("atomic operation"));
        assert!(err("lock or [%r10-8]").message.contains("takes 2 operands"));
        assert!(
            err("lock add8 [%r10-8], %r1")
                .message
                .contains("32- or 64-bit")
        );
        assert!(err("ja 3").message.contains("label or a signed offset"));
        assert!(err("mov %r0,").message.contains("after `,`"));
    }
}
