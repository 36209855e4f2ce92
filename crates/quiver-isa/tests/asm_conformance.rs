//! The assembler against the bpf_conformance suite: every test program
//! assembles, survives encode/decode, and survives disassembly in both
//! syntaxes; every negative file fails where it should.

use std::fs;
use std::path::{Path, PathBuf};

use quiver_isa::asm::{Syntax, assemble, assemble_auto, disassemble};
use quiver_isa::{Program, encode};

const SUITE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/conformance/bpf_conformance"
);

/// The `.data` files of one suite directory, or `None` (with a message)
/// when the suite is not on this machine.
fn data_files(dir: &str) -> Option<Vec<PathBuf>> {
    let path = Path::new(SUITE).join(dir);
    let Ok(entries) = fs::read_dir(&path) else {
        println!("skipping: {} not found", path.display());
        return None;
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "data"))
        .collect();
    files.sort();
    Some(files)
}

/// The lines of section `name` (`-- name` up to the next `-- ` header).
fn section(text: &str, name: &str) -> Option<String> {
    let mut out: Option<String> = None;
    for line in text.lines() {
        if let Some(header) = line.strip_prefix("-- ") {
            if out.is_some() {
                break;
            }
            if header.trim() == name {
                out = Some(String::new());
            }
            continue;
        }
        if let Some(out) = out.as_mut() {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// A `-- raw` section: either `0x...` words, each one slot as a
/// little-endian u64, or hex bytes.
fn raw_bytes(raw: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    for word in raw
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(str::split_whitespace)
    {
        match word.strip_prefix("0x") {
            Some(hex) => {
                let v = u64::from_str_radix(hex, 16).expect("raw word");
                bytes.extend_from_slice(&v.to_le_bytes());
            }
            None => bytes.push(u8::from_str_radix(word, 16).expect("raw byte")),
        }
    }
    bytes
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

#[test]
fn every_conformance_program_round_trips() {
    let Some(files) = data_files("tests") else {
        return;
    };
    let (mut programs, mut raw_checked, mut insn_count) = (0, 0, 0);
    for path in &files {
        let name = name_of(path);
        let text = fs::read_to_string(path).expect("read test file");
        let Some(asm) = section(&text, "asm") else {
            continue;
        };
        let insns = assemble(&asm, Syntax::Conformance).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            assemble_auto(&asm).as_ref(),
            Ok(&insns),
            "{name}: detected syntax"
        );
        let prog = Program::from_insns(insns.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));

        let bytes = encode(&insns);
        let decoded = Program::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(decoded.insns(), &insns[..], "{name}: decode(encode)");
        assert_eq!(decoded.to_bytes(), bytes, "{name}: encode(decode)");

        for syntax in [Syntax::Conformance, Syntax::Llvm] {
            let text = disassemble(&prog, syntax);
            let back =
                assemble(&text, syntax).unwrap_or_else(|e| panic!("{name} {syntax}: {e}\n{text}"));
            assert_eq!(back, insns, "{name}: {syntax} round trip\n{text}");
            assert_eq!(
                assemble_auto(&text),
                Ok(back),
                "{name}: {syntax} detected\n{text}"
            );
        }

        if let Some(raw) = section(&text, "raw") {
            assert_eq!(raw_bytes(&raw), bytes, "{name}: -- raw section");
            raw_checked += 1;
        }
        programs += 1;
        insn_count += insns.len();
    }
    println!(
        "conformance: {programs} of {} files assembled ({insn_count} instructions), \
         {raw_checked} checked against their raw bytes",
        files.len()
    );
    assert!(programs > 300, "only {programs} programs found");
    assert!(raw_checked >= 1, "lddw.data's raw section was not checked");
}

/// What a negative file must do.
enum Expect {
    /// The assembler must refuse it, with a message containing this.
    AsmError(&'static str),
    /// The text is empty or the problem is not in the assembly: it
    /// assembles, and the program check refuses it for being empty.
    EmptyProgram,
    /// The problem shows only when the program runs (a wrong expected
    /// result): it assembles into a valid program.
    RuntimeOnly,
    /// Raw bytes with a reserved field set: the decoder must refuse them.
    DecodeError,
}

fn expectation(name: &str) -> Option<Expect> {
    Some(match name {
        "invalid_imm32_dec_range.data" | "invalid_imm32_hex_range.data" => {
            Expect::AsmError("out of 32-bit range")
        }
        "invalid_offset_range.data" => Expect::AsmError("out of 16-bit range"),
        "invalid_label.data" => Expect::AsmError("unknown label `NOT_A_LABEL`"),
        "invalid_lock.data" => Expect::AsmError("takes 2 operands"),
        "invalid_lock2.data" => Expect::AsmError("needs an atomic operation"),
        "invalid_mnemonic.data" => Expect::AsmError("unknown mnemonic `ldxq`"),
        "invalid_offset.data" => Expect::AsmError("expected a memory operand"),
        "invalid_operand_count.data" => Expect::AsmError("takes 2 operands"),
        "invalid_register.data" => Expect::AsmError("invalid register `%r50`"),
        // No asm section at all, or (invalid_unknown_directive) an empty
        // one: the `-- Unknown directive` header is a test-file problem
        // that the file reader reports, not the assembler.
        "empty.data" | "empty_instructions.data" | "invalid_unknown_directive.data" => {
            Expect::EmptyProgram
        }
        // `or %r0, %r10` is valid assembly; the expected error comes from
        // the runtime under test.
        "error.data" => Expect::RuntimeOnly,
        // Valid program whose `-- result` is deliberately wrong.
        "incorrect_return_value_high_bits.data" => Expect::RuntimeOnly,
        n if n.starts_with("unused-") => Expect::DecodeError,
        _ => return None,
    })
}

#[test]
fn every_negative_file_fails_where_it_should() {
    let Some(files) = data_files("negative") else {
        return;
    };
    let mut checked = 0;
    for path in &files {
        let name = name_of(path);
        let text = fs::read_to_string(path).expect("read test file");
        let asm = section(&text, "asm").unwrap_or_default();
        // Whatever the file, neither syntax may panic on it.
        let _ = assemble(&asm, Syntax::Llvm);
        let _ = assemble_auto(&text);
        let result = assemble(&asm, Syntax::Conformance);
        let Some(expect) = expectation(&name) else {
            panic!("{name}: not classified; decide what it must do");
        };
        match expect {
            Expect::AsmError(what) => {
                let e = result.expect_err(&name);
                assert!(e.message.contains(what), "{name}: {e}");
                assert!(e.line >= 1 && e.column >= 1, "{name}: {e}");
            }
            Expect::EmptyProgram => {
                let insns = result.unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(Program::from_insns(insns).is_err(), "{name}");
            }
            Expect::RuntimeOnly => {
                let insns = result.unwrap_or_else(|e| panic!("{name}: {e}"));
                Program::from_insns(insns).unwrap_or_else(|e| panic!("{name}: {e}"));
            }
            Expect::DecodeError => {
                let raw = section(&text, "raw").unwrap_or_else(|| panic!("{name}: no raw section"));
                assert!(Program::decode(&raw_bytes(&raw)).is_err(), "{name} decoded");
            }
        }
        checked += 1;
    }
    println!("negative: {checked} files checked");
}

#[test]
fn error_positions_in_negative_files() {
    let Some(_) = data_files("negative") else {
        return;
    };
    let read = |n: &str| {
        section(
            &fs::read_to_string(Path::new(SUITE).join("negative").join(n)).unwrap(),
            "asm",
        )
        .unwrap()
    };
    // Line 2 of the asm section (line 1 is a comment), at the immediate.
    let e = assemble(&read("invalid_imm32_hex_range.data"), Syntax::Conformance).unwrap_err();
    assert_eq!((e.line, e.column), (2, 12), "{e}");
    let e = assemble(&read("invalid_register.data"), Syntax::Conformance).unwrap_err();
    assert_eq!((e.line, e.column), (1, 9), "{e}");
    let e = assemble(&read("invalid_label.data"), Syntax::Conformance).unwrap_err();
    assert_eq!((e.line, e.column), (1, 4), "{e}");
}
