//! Whole texts in the LLVM syntax: plain assembly with labels, the output
//! of `llvm-objdump -d`, and Linux verifier logs.
//!
//! llvm-objdump lines carry an address and the raw bytes before the text.
//! The bytes are the truth there, because the text is lossy (a relocated
//! map load prints as `r1 = 0x0 ll`, a local call as `call -0x1`, and
//! `callx` does not say which field holds the register): when both are
//! present they must agree except in those lossy cases, and the bytes win.
//!
//! A text with any `N: (xx) ...` line is read as a verifier log: only those
//! lines count, in the order of `N`, repeated visits of one instruction
//! are merged, and the printed opcode must match the instruction.

use super::AsmError;
use super::builder::{Builder, Target, set_branch};
use super::cursor::Cursor;
use super::format_insn;
use super::lexer::{Kind, column_of, tokenize};
use super::llvm::parse_stmt;
use crate::decode::decode_at;
use crate::encode::encode_raw;
use crate::insn::{CallTarget, Insn, Pseudo};

/// Assembles a whole text.
pub(crate) fn assemble(text: &str) -> Result<Vec<Insn>, AsmError> {
    if text.lines().any(|l| log_prefix(strip_comment(l)).is_some()) {
        return assemble_log(text);
    }
    let mut b = Builder::default();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let code = strip_comment(raw);
        let (start, bytes) = match prefix(code, line)? {
            Prefix::Skip => continue,
            Prefix::Label(name, byte) => {
                b.label(name, line, column_of(raw, byte))?;
                continue;
            }
            Prefix::Code { start, bytes } => (start, bytes),
        };
        let toks = tokenize(&code[start..], line, column_of(raw, start))?;
        let mut cur = Cursor::new(&toks, line, column_of(raw, code.len()));
        while let (Some(name), Some(colon)) = (cur.peek(), cur.peek_at(1)) {
            if name.kind != Kind::Ident || !colon.is_punct(":") {
                break;
            }
            b.label(name.text, line, name.col)?;
            cur.bump();
            cur.bump();
        }
        let parsed = if cur.at_end() {
            None
        } else {
            let (insn, target) = parse_stmt(&mut cur, false)?;
            cur.expect_end()?;
            Some((insn, target))
        };
        match (bytes, parsed) {
            (None, None) => {}
            (None, Some((insn, target))) => b.push(insn, target, line)?,
            (Some(bytes), parsed) => {
                let col = column_of(raw, start);
                let insn = from_bytes(&bytes.bytes, parsed, line, bytes.col, col)?;
                b.push(insn, None, line)?;
            }
        }
    }
    b.finish()
}

/// `;` and `//` start comments; `#` does not, as it is part of the
/// kernel's `call name#id`.
fn strip_comment(line: &str) -> &str {
    let end = [line.find(';'), line.find("//")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(line.len());
    &line[..end]
}

struct Bytes {
    bytes: Vec<u8>,
    col: usize,
}

enum Prefix<'a> {
    Skip,
    /// A label definition with the byte offset of its name.
    Label(&'a str, usize),
    /// Code starting at this byte, after optional raw bytes.
    Code {
        start: usize,
        bytes: Option<Bytes>,
    },
}

fn skip_ws(s: &str, i: usize) -> usize {
    i + s[i..].len() - s[i..].trim_start().len()
}

fn hex_run(s: &str, i: usize) -> usize {
    i + s[i..].bytes().take_while(u8::is_ascii_hexdigit).count()
}

/// Recognizes what precedes the statement on an llvm-objdump line.
fn prefix(code: &str, line: usize) -> Result<Prefix<'_>, AsmError> {
    let mut i = skip_ws(code, 0);
    let rest = &code[i..];
    if rest.is_empty() || rest.starts_with("Disassembly of section") || code.contains("file format")
    {
        return Ok(Prefix::Skip);
    }
    let hex_end = hex_run(code, i);
    if hex_end > i {
        let after = skip_ws(code, hex_end);
        // `0000000000000000 <prog>:` starts a function.
        if after > hex_end && code[after..].starts_with('<') && code.trim_end().ends_with(">:") {
            let end = code.trim_end().len() - 2;
            return Ok(match code.get(after + 1..end) {
                Some(name) if !name.is_empty() => Prefix::Label(name, after + 1),
                _ => Prefix::Skip,
            });
        }
        if code[hex_end..].starts_with(':') {
            let next = skip_ws(code, hex_end + 1);
            let rest = &code[next..];
            if rest.is_empty() {
                // A bare number is an address with nothing after it; a word
                // that happens to be hex (`add:`) is a label.
                if code[i..hex_end].bytes().all(|b| b.is_ascii_digit()) {
                    return Ok(Prefix::Skip);
                }
                return Ok(Prefix::Label(&code[i..hex_end], i));
            }
            if rest.starts_with("R_BPF") {
                return Ok(Prefix::Skip);
            }
            i = hex_end + 1;
        }
    }
    let mut raw = Vec::new();
    let mut first_col = 0;
    loop {
        let k = skip_ws(code, i);
        let pair = code
            .get(k..k + 2)
            .filter(|p| p.bytes().all(|b| b.is_ascii_hexdigit()));
        let ends = code[k..].chars().nth(2).is_none_or(char::is_whitespace);
        match pair {
            Some(p) if ends => {
                if raw.is_empty() {
                    first_col = column_of(code, k);
                }
                raw.push(u8::from_str_radix(p, 16).unwrap_or(0));
                i = k + 2;
            }
            _ => break,
        }
    }
    let bytes = match raw.len() {
        0 => None,
        8 | 16 => Some(Bytes {
            bytes: raw,
            col: first_col,
        }),
        n => {
            return Err(AsmError::new(
                line,
                first_col,
                format!("expected 8 or 16 instruction bytes, found {n}"),
            ));
        }
    };
    Ok(Prefix::Code { start: i, bytes })
}

/// The instruction of an llvm-objdump line, from its bytes, checked
/// against its text.
fn from_bytes(
    bytes: &[u8],
    parsed: Option<(Insn, Option<Target>)>,
    line: usize,
    bytes_col: usize,
    text_col: usize,
) -> Result<Insn, AsmError> {
    let slots: Vec<[u8; 8]> = bytes
        .chunks_exact(8)
        .map(|c| {
            let mut s = [0u8; 8];
            s.copy_from_slice(c);
            s
        })
        .collect();
    let insn = decode_at(&slots, 0).map_err(|e| {
        AsmError::new(
            line,
            bytes_col,
            format!("instruction bytes do not decode: {}", e.kind),
        )
    })?;
    if insn.slots() != slots.len() {
        return Err(AsmError::new(
            line,
            bytes_col,
            format!(
                "{} bytes given for an instruction of {}",
                bytes.len(),
                insn.slots() * 8
            ),
        ));
    }
    let Some((text, target)) = parsed else {
        return Ok(insn);
    };
    // A branch written as a label is taken from the bytes.
    let rel = match target {
        Some(Target::Rel(n)) => Some(n.relative()),
        Some(Target::Label { .. }) => insn.branch_offset(),
        None => None,
    };
    let text = match rel {
        Some(rel) => set_branch(text, rel).unwrap_or(text),
        None => text,
    };
    let lossy = match (text, insn) {
        (Insn::Call(CallTarget::Helper(a)), Insn::Call(CallTarget::Local(b))) => a == b,
        (Insn::Call(CallTarget::Helper(a)), Insn::Call(CallTarget::Kfunc { btf_id, .. })) => {
            a == btf_id
        }
        (
            Insn::LoadImm64 {
                dst: a,
                pseudo: Pseudo::Imm,
                ..
            },
            Insn::LoadImm64 { dst: b, .. },
        ) => a == b,
        // LLVM versions differ on which field holds the register.
        (Insn::Callx { reg: a, .. }, Insn::Callx { reg: b, .. }) => a == b,
        _ => false,
    };
    if text != insn && !lossy {
        return Err(AsmError::new(
            line,
            text_col,
            format!(
                "the text does not match the instruction bytes, which decode to `{}`",
                format_insn(&insn, super::Syntax::Llvm)
            ),
        ));
    }
    Ok(insn)
}

/// `12: (b7) ` at the start of a verifier-log line: the instruction index,
/// its opcode, and where the statement starts.
fn log_prefix(code: &str) -> Option<(usize, u8, usize)> {
    let i = skip_ws(code, 0);
    let digits = code[i..].bytes().take_while(u8::is_ascii_digit).count();
    let index = code[i..i + digits].parse().ok()?;
    let rest = code[i + digits..].strip_prefix(": (")?;
    let hex = rest
        .get(..2)
        .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))?;
    let opcode = u8::from_str_radix(hex, 16).ok()?;
    rest[2..].strip_prefix(')')?;
    Some((index, opcode, i + digits + 3 + 3))
}

fn assemble_log(text: &str) -> Result<Vec<Insn>, AsmError> {
    // (insn index, instruction, line, column of the index)
    let mut seen: Vec<(usize, Insn, usize, usize)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let code = strip_comment(raw);
        let Some((index, opcode, start)) = log_prefix(code) else {
            continue;
        };
        let toks = tokenize(&code[start..], line, column_of(raw, start))?;
        let mut cur = Cursor::new(&toks, line, column_of(raw, code.len()));
        let (insn, target) = parse_stmt(&mut cur, opcode == crate::opcode::LD_IMM64)?;
        cur.expect_end()?;
        let insn = match target {
            None => insn,
            Some(Target::Rel(n)) => set_branch(insn, n.relative()).map_err(|width| {
                AsmError::new(
                    line,
                    n.col,
                    format!("branch offset {} out of {width} range", n.relative()),
                )
            })?,
            Some(Target::Label { col, .. }) => {
                return Err(AsmError::new(
                    line,
                    col,
                    "a verifier log has no labels: use pc+N",
                ));
            }
        };
        let actual = encode_raw(&insn).0[0].code;
        if actual != opcode {
            return Err(AsmError::new(
                line,
                column_of(raw, start),
                format!(
                    "the log says opcode ({opcode:02x}) but this instruction is ({actual:02x})"
                ),
            ));
        }
        seen.push((index, insn, line, column_of(raw, skip_ws(code, 0))));
    }
    seen.sort_by_key(|&(index, _, line, _)| (index, line));
    let mut insns = Vec::new();
    let mut next = 0usize;
    let mut last: Option<(usize, Insn, usize)> = None;
    for (index, insn, line, col) in seen {
        if let Some((prev_index, prev, prev_line)) = last
            && prev_index == index
        {
            if prev != insn {
                return Err(AsmError::new(
                    line,
                    col,
                    format!(
                        "insn {index} differs from line {prev_line}, which shows the same insn"
                    ),
                ));
            }
            continue;
        }
        if index != next {
            return Err(AsmError::new(
                line,
                col,
                format!(
                    "the log has no insn {next} (never reached by the verifier?), \
                     so the program cannot be rebuilt"
                ),
            ));
        }
        next = index + insn.slots();
        insns.push(insn);
        last = Some((index, insn, line));
    }
    Ok(insns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insn::{AluOp, Reg, Source, Width};

    #[test]
    fn objdump_lines() {
        let text = "\
prog.o:\tfile format elf64-bpf

Disassembly of section xdp:

0000000000000000 <prog>:
       0:\tb7 00 00 00 07 00 00 00\tr0 = 0x7
       1:\t18 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00\tr1 = 0x0 ll
\t\t0000000000000008:  R_BPF_64_64\tmy_map
       3:\t05 00 ff ff 00 00 00 00\tgoto -0x1 <prog+0x10>
       4:\t95 00 00 00 00 00 00 00\texit
";
        let insns = assemble(text).unwrap();
        assert_eq!(insns.len(), 4);
        assert_eq!(
            insns[0],
            Insn::Alu {
                width: Width::W64,
                op: AluOp::Mov,
                dst: Reg::R0,
                src: Source::Imm(7)
            }
        );
        assert_eq!(
            insns[2],
            Insn::Ja {
                off: -1,
                long: false
            }
        );
    }

    #[test]
    fn objdump_bytes_must_match_text() {
        let e = assemble("0: b7 00 00 00 07 00 00 00 r0 = 8").unwrap_err();
        assert!(e.message.contains("does not match"), "{e}");
        assert_eq!(e.column, 27);
        let e = assemble("0: b7 00 00 00 07 00 00 r0 = 7").unwrap_err();
        assert!(e.message.contains("8 or 16"), "{e}");
        // A relocated local call prints as a helper call; the bytes win.
        let insns = assemble("0: 85 10 00 00 ff ff ff ff call -0x1").unwrap();
        assert_eq!(insns[0], Insn::Call(CallTarget::Local(-1)));
    }

    #[test]
    fn verifier_log() {
        let log = "\
func#0 @0
0: R1=ctx() R10=fp0
0: (b7) r0 = 7                        ; R0_w=7
1: (18) r1 = 0x1122334455667788
3: (55) if r0 != 0x7 goto pc+1
4: (95) exit
from 3 to 5: R0=7
5: (b7) r0 = 0
6: (95) exit
3: (55) if r0 != 0x7 goto pc+1
processed 6 insns (limit 1000000)
";
        let insns = assemble(log).unwrap();
        assert_eq!(insns.len(), 6);
        assert_eq!(insns[2].branch_offset(), Some(1));
        let e = assemble("0: (bf) r0 = 7\n1: (95) exit").unwrap_err();
        assert!(e.message.contains("(bf)"), "{e}");
        let e = assemble("0: (b7) r0 = 7\n2: (95) exit").unwrap_err();
        assert!(e.message.contains("no insn 1"), "{e}");
    }
}
