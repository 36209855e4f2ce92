//! Text forms of BPF programs: an assembler and a disassembler for the two
//! syntaxes BPF users meet.
//!
//! * [`Syntax::Conformance`]: the bpf_conformance / uBPF assembly of the
//!   conformance suite's `.data` files (`mov %r0, 1`, `ldxw %r0, [%r1+4]`,
//!   `jne %r0, 1, exit`).
//! * [`Syntax::Llvm`]: the C-like syntax of llvm-objdump and the Linux
//!   verifier log (`r0 = 1`, `r0 = *(u32 *)(r1 + 4)`,
//!   `if r0 != 1 goto +2`). llvm-objdump lines (address, raw bytes) and
//!   verifier-log lines (`3: (55) if r0 != 0x7 goto pc+1`) are accepted
//!   as they are printed.
//!
//! [`disassemble`] writes jumps as relative offsets, so that
//! `assemble(&disassemble(p, s), s)` gives back exactly `p.insns()` for
//! every valid instruction, in both syntaxes. Where a syntax has no
//! spelling for an instruction, this module invents one:
//!
//! | instruction                   | conformance                          | LLVM                                     |
//! |-------------------------------|--------------------------------------|------------------------------------------|
//! | `may_goto`                    | `may_goto +3`                        | `may_goto +3`                            |
//! | local call                    | `call local +3` (as the reference)   | `call pc+3` (as the kernel log)          |
//! | kfunc                         | `call runtime 7[, module 2]`         | `call kfunc#7[, module 2]`               |
//! | callx, register in `dst`      | `call %r2` (as the reference)        | `call r2`                                |
//! | callx, register in `imm`      | `callx %r2`                          | `callx r2`                               |
//! | load-acquire                  | `lock load_acquire32 %r0, [%r1+8]`   | `w0 = load_acquire((u32 *)(r1 + 0x8))`   |
//! | store-release                 | `lock store_release [%r1+8], %r2`    | `store_release((u64 *)(r1 + 0x8), r2)`   |
//! | packet loads                  | `ldabsw 12`, `ldindh %r1, 12`        | `r0 = *(u32 *)skb[0xc]`                  |
//! | `LD_IMM64` pseudo sources     | `lddw %r1, map_fd(3)`                | `r1 = map_fd(3) ll`                      |
//!
//! Atomic sizes in the conformance syntax are suffixes: none for 64-bit,
//! `32`, and for load-acquire / store-release also `16` and `8`. The
//! `LD_IMM64` pseudo forms, shared by both syntaxes, are `map_fd(fd)`,
//! `map_value(fd, off)`, `btf_id(id)`, `func(+N)` or `func(label)`,
//! `map_idx(idx)` and `map_idx_value(idx, off)`; a non-zero high half of
//! the one-argument forms is a second argument (`btf_id(7, 1)`).
//!
//! Numbers are decimal or `0x` hex with an optional sign. A 32-bit
//! immediate written in decimal must fit in i32; in hex it may also be a
//! u32 bit pattern (`0xffffffff` is -1), as the reference assembler reads
//! it, except where the LLVM syntax sign-extends it to 64 bits (ALU64, u64
//! stores), where such a pattern would silently change meaning and is
//! refused. Memory offsets follow the same rule in 16 bits. Branch targets
//! are labels or signed slot offsets (`+3`, `-2`; `pc+3` too in LLVM).
//!
//! In the LLVM syntax, `call name#id` is a helper call unless the name is
//! `kfunc` or `kernel-function`; a verifier log that prints a kfunc by its
//! own name therefore reads back as a helper call.
//!
//! ```
//! use quiver_isa::asm::{Syntax, assemble, disassemble};
//! use quiver_isa::Program;
//! let insns = assemble("mov %r0, 1\njne %r0, 2, exit\nexit", Syntax::Conformance).unwrap();
//! let prog = Program::from_insns(insns.clone()).unwrap();
//! let llvm = disassemble(&prog, Syntax::Llvm);
//! assert_eq!(llvm, "r0 = 0x1\nif r0 != 0x2 goto +0\nexit\n");
//! assert_eq!(assemble(&llvm, Syntax::Llvm).unwrap(), insns);
//! ```

use std::fmt;
use std::str::FromStr;

use crate::insn::Insn;
use crate::program::Program;

mod builder;
mod conformance;
mod conformance_operands;
mod cursor;
mod fmt_conformance;
mod fmt_llvm;
mod lexer;
mod llvm;
mod llvm_lines;
mod llvm_operands;
mod llvm_rhs;
mod pseudo;

/// An assembly syntax.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Syntax {
    /// bpf_conformance / uBPF assembly: `mov %r0, 1`.
    Conformance,
    /// llvm-objdump and Linux verifier-log syntax: `r0 = 1`.
    Llvm,
}

impl fmt::Display for Syntax {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Syntax::Conformance => "conformance",
            Syntax::Llvm => "llvm",
        })
    }
}

impl FromStr for Syntax {
    type Err = String;

    fn from_str(s: &str) -> Result<Syntax, String> {
        match s {
            "conformance" | "ubpf" => Ok(Syntax::Conformance),
            "llvm" | "linux" | "kernel" => Ok(Syntax::Llvm),
            _ => Err(format!("unknown syntax `{s}` (conformance or llvm)")),
        }
    }
}

/// Why a text does not assemble, and where: 1-based line and column (in
/// characters) of the offending token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct AsmError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl AsmError {
    pub(crate) fn new(line: usize, column: usize, message: impl Into<String>) -> AsmError {
        AsmError {
            line,
            column,
            message: message.into(),
        }
    }
}

/// Assembles `text` in `syntax`. The result is a sequence of valid
/// instructions (each encodes and decodes back to itself); whether they
/// form a valid program is [`Program::from_insns`]'s question.
pub fn assemble(text: &str, syntax: Syntax) -> Result<Vec<Insn>, AsmError> {
    match syntax {
        Syntax::Conformance => conformance::assemble(text),
        Syntax::Llvm => llvm_lines::assemble(text),
    }
}

/// Assembles `text` in the syntax [`detect_syntax`] finds.
pub fn assemble_auto(text: &str) -> Result<Vec<Insn>, AsmError> {
    assemble(text, detect_syntax(text))
}

/// Guesses the syntax of `text`: `%r` registers or a mnemonic only the
/// conformance syntax has (`mov`, `ldxw`, `jne`, ...) make it
/// [`Syntax::Conformance`]; anything else is [`Syntax::Llvm`]. Lines both
/// syntaxes share (`exit`, `call 1`) decide nothing.
pub fn detect_syntax(text: &str) -> Syntax {
    for line in text.lines() {
        // `#` starts a comment in conformance text but is part of `name#id`
        // in a kernel log, where it never follows a space.
        let mut code = line;
        for end in [line.find(';'), line.find("//"), line.find(" #")]
            .into_iter()
            .flatten()
        {
            code = &code[..end.min(code.len())];
        }
        let code = if code.starts_with('#') { "" } else { code };
        if code.contains("%r") {
            return Syntax::Conformance;
        }
        let mut words = code
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|w| !w.is_empty())
            .skip_while(|w| w.ends_with(':'));
        match words.next() {
            Some("lock") if words.next().is_some_and(|w| !w.starts_with('*')) => {
                return Syntax::Conformance;
            }
            Some("call")
                if words
                    .next()
                    .is_some_and(|w| matches!(w, "local" | "runtime" | "helper")) =>
            {
                return Syntax::Conformance;
            }
            Some(w) if conformance::is_mnemonic(w) => return Syntax::Conformance,
            Some(w) if w.starts_with(['r', 'w', '*']) || matches!(w, "if" | "goto" | "gotol") => {
                return Syntax::Llvm;
            }
            _ => {}
        }
    }
    Syntax::Llvm
}

/// One instruction per line, branches as relative offsets, in a form
/// [`assemble`] reads back to exactly `program.insns()`.
pub fn disassemble(program: &Program, syntax: Syntax) -> String {
    let mut out = String::new();
    for (_, insn) in program.iter() {
        out.push_str(&format_insn(insn, syntax));
        out.push('\n');
    }
    out
}

/// One instruction, for traces and logs.
pub fn format_insn(insn: &Insn, syntax: Syntax) -> String {
    match syntax {
        Syntax::Conformance => fmt_conformance::format(insn),
        Syntax::Llvm => fmt_llvm::format(insn),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_syntax() {
        assert_eq!(detect_syntax("mov %r0, 1\nexit"), Syntax::Conformance);
        assert_eq!(
            detect_syntax("# comment\nexit\nmov32 r0, 1"),
            Syntax::Conformance
        );
        assert_eq!(detect_syntax("lock add [r1], r2"), Syntax::Conformance);
        assert_eq!(detect_syntax("call local +1\nexit"), Syntax::Conformance);
        assert_eq!(detect_syntax("r0 = 1\nexit"), Syntax::Llvm);
        assert_eq!(detect_syntax("0: (b7) r0 = 1"), Syntax::Llvm);
        assert_eq!(
            detect_syntax("   0:\tb7 00 00 00 01 00 00 00\tr0 = 0x1"),
            Syntax::Llvm
        );
        assert_eq!(detect_syntax("call bpf_ktime_get_ns#5\nexit"), Syntax::Llvm);
        assert_eq!(detect_syntax("exit"), Syntax::Llvm);
    }

    #[test]
    fn error_display() {
        let e = AsmError::new(3, 7, "unknown mnemonic `foo`");
        assert_eq!(e.to_string(), "line 3, column 7: unknown mnemonic `foo`");
        let _: &dyn std::error::Error = &e;
    }

    #[test]
    fn syntax_names() {
        assert_eq!("llvm".parse::<Syntax>(), Ok(Syntax::Llvm));
        assert_eq!(
            Syntax::Conformance.to_string().parse::<Syntax>(),
            Ok(Syntax::Conformance)
        );
        assert!("x".parse::<Syntax>().is_err());
    }
}
