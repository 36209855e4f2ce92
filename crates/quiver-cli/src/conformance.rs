//! The bpf_conformance test-file format (`-- asm`, `-- mem`, `-- result`,
//! `-- error`, `-- raw`) and a runner that scores quiver on it.

use std::path::{Path, PathBuf};

use quiver_isa::Program;
use quiver_isa::asm::{Syntax, assemble};
use quiver_vm::{Config, Helpers, Vm};

use crate::hex;

/// One parsed `.data` file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestCase {
    /// The `-- asm` section, verbatim.
    pub asm: String,
    /// The `-- mem` bytes (empty when absent).
    pub mem: Vec<u8>,
    /// The `-- result` value, when the program must succeed.
    pub result: Option<u64>,
    /// The `-- error` text, when the program must fail.
    pub error: Option<String>,
    /// The `-- raw` slots, when given (each a 64-bit word as the file prints
    /// it: imm in the high half, opcode in the low byte).
    pub raw: Option<Vec<u64>>,
}

/// A malformed test file.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ParseError {
    pub path: String,
    pub message: String,
}

/// Parses the text of one test file.
pub fn parse(path: &str, text: &str) -> Result<TestCase, ParseError> {
    let err = |message: String| ParseError {
        path: path.to_string(),
        message,
    };
    let mut case = TestCase::default();
    let mut section: Option<String> = None;
    let mut body = String::new();
    let mut seen_asm = false;
    let mut flush = |section: &Option<String>,
                     body: &mut String,
                     case: &mut TestCase|
     -> Result<(), ParseError> {
        let text = std::mem::take(body);
        match section.as_deref() {
            Some("asm") => {
                case.asm = text;
                seen_asm = true;
            }
            Some("mem") => {
                case.mem =
                    hex::decode(&strip_comments(&text)).map_err(|e| err(format!("-- mem: {e}")))?;
            }
            Some("result") => {
                let value = strip_comments(&text);
                let value = value.trim();
                case.result = Some(
                    parse_u64(value)
                        .ok_or_else(|| err(format!("-- result: {value:?} is not a number")))?,
                );
            }
            Some("error") => case.error = Some(text.trim().to_string()),
            Some("raw") => {
                let mut words = Vec::new();
                for w in strip_comments(&text).split_whitespace() {
                    words.push(
                        parse_u64(w)
                            .ok_or_else(|| err(format!("-- raw: {w:?} is not a number")))?,
                    );
                }
                case.raw = Some(words);
            }
            // `-- c` holds the C source the program came from, and `-- no
            // register offset` a note for uBPF's JIT: neither affects the test.
            _ => {}
        }
        Ok(())
    };
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("-- ") {
            flush(&section, &mut body, &mut case)?;
            section = Some(name.trim().to_string());
            continue;
        }
        if section.is_some() {
            body.push_str(line);
            body.push('\n');
        }
    }
    flush(&section, &mut body, &mut case)?;
    if !seen_asm {
        return Err(err("no -- asm section".into()));
    }
    if case.result.is_none() && case.error.is_none() {
        return Err(err("neither -- result nor -- error".into()));
    }
    Ok(case)
}

fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

fn parse_u64(s: &str) -> Option<u64> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s
            .parse::<u64>()
            .ok()
            .or_else(|| s.parse::<i64>().ok().map(|v| v as u64)),
    }
}

/// The outcome of one test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail(String),
}

/// Assembles a test's program, checking `-- raw` when present.
pub fn build(case: &TestCase) -> Result<Program, String> {
    let insns = assemble(&case.asm, Syntax::Conformance).map_err(|e| format!("assembler: {e}"))?;
    let program = Program::from_insns(insns).map_err(|e| format!("invalid program: {e}"))?;
    if let Some(raw) = &case.raw {
        let bytes = program.to_bytes();
        let words: Vec<u64> = bytes
            .chunks_exact(8)
            .map(|c| {
                let mut w = [0u8; 8];
                w.copy_from_slice(c);
                raw_word(w)
            })
            .collect();
        if &words != raw {
            return Err(format!(
                "assembled words {words:#018x?} differ from -- raw {raw:#018x?}"
            ));
        }
    }
    Ok(program)
}

/// A slot as the `-- raw` section prints it: `imm << 32 | off << 16 |
/// regs << 8 | opcode`.
fn raw_word(slot: [u8; 8]) -> u64 {
    u64::from_le_bytes(slot)
}

/// Runs one test case on quiver's interpreter.
pub fn run_case(case: &TestCase) -> Outcome {
    let program = match build(case) {
        Ok(p) => p,
        Err(e) => {
            return if case.error.is_some() {
                Outcome::Pass
            } else {
                Outcome::Fail(e)
            };
        }
    };
    let vm = match Vm::new(&program, Config::new().helpers(Helpers::conformance())) {
        Ok(vm) => vm,
        Err(e) => {
            return if case.error.is_some() {
                Outcome::Pass
            } else {
                Outcome::Fail(format!("load: {e}"))
            };
        }
    };
    let mut mem = case.mem.clone();
    match (vm.run(&mut mem), case.result, &case.error) {
        (Ok(r0), Some(expected), _) if r0 == expected => Outcome::Pass,
        (Ok(r0), Some(expected), _) => {
            Outcome::Fail(format!("r0 = {r0:#x}, expected {expected:#x}"))
        }
        (Ok(r0), None, Some(e)) => Outcome::Fail(format!("r0 = {r0:#x}, expected error {e:?}")),
        (Err(_), _, Some(_)) => Outcome::Pass,
        (Err(e), _, None) => Outcome::Fail(format!("error: {e}")),
        (Ok(_), None, None) => Outcome::Fail("test has no expectation".into()),
    }
}

/// Every `*.data` file of a directory, sorted by name.
pub fn test_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "data"))
        .collect();
    files.sort();
    Ok(files)
}

/// Results of a whole directory.
#[derive(Debug, Default)]
pub struct Report {
    pub passed: Vec<PathBuf>,
    pub failed: Vec<(PathBuf, String)>,
}

impl Report {
    /// The summary line the test suite and CI read.
    pub fn summary(&self) -> String {
        format!(
            "conformance: {} passed, {} failed",
            self.passed.len(),
            self.failed.len()
        )
    }
}

/// Runs every test file of `dir` through `run` and collects the results.
/// A file that cannot be read or parsed counts as failed.
pub fn run_dir(dir: &Path, run: &mut dyn FnMut(&TestCase) -> Outcome) -> std::io::Result<Report> {
    let mut report = Report::default();
    for path in test_files(dir)? {
        let outcome = match std::fs::read_to_string(&path) {
            Err(e) => Outcome::Fail(format!("read: {e}")),
            Ok(text) => match parse(&path.display().to_string(), &text) {
                Err(e) => Outcome::Fail(e.to_string()),
                Ok(case) => run(&case),
            },
        };
        match outcome {
            Outcome::Pass => report.passed.push(path),
            Outcome::Fail(why) => report.failed.push((path, why)),
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_sections() {
        let text = "# c\n-- asm\nmov %r0, 1 # one\nexit\n-- mem\naa bb\n-- result\n0x1\n-- no register offset\ncall\n";
        let case = parse("t", text).unwrap();
        assert_eq!(case.asm, "mov %r0, 1 # one\nexit\n");
        assert_eq!(case.mem, vec![0xaa, 0xbb]);
        assert_eq!(case.result, Some(1));
        assert_eq!(case.error, None);
    }

    #[test]
    fn refuses_files_without_expectation() {
        assert!(parse("t", "-- asm\nexit\n").is_err());
        assert!(parse("t", "-- result\n0x0\n").is_err());
        assert!(parse("t", "-- asm\nexit\n-- result\nnope\n").is_err());
    }
}
