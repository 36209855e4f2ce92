//! Replays the cargo-fuzz corpora of the `decode` and `assemble` targets
//! with the same checks the targets make, so CI on stable covers what long
//! fuzzing runs found.

use std::path::Path;

use quiver_isa::Program;
use quiver_isa::asm::{Syntax, assemble, assemble_auto, disassemble};

/// The inputs of a fuzz target: its corpus directory plus, for the
/// assembler, the project's own assembly (examples, benchmark programs),
/// which long runs also use as seeds:
/// `cargo +nightly fuzz run assemble fuzz/corpus/assemble examples crates/quiver-bench/programs`.
fn corpus(target: &str) -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut dirs = vec![root.join("fuzz/corpus").join(target)];
    if target == "assemble" {
        dirs.push(root.join("examples"));
        dirs.push(root.join("crates/quiver-bench/programs"));
    }
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    for dir in dirs {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if target != "assemble" || path.extension().is_some_and(|e| e == "s") {
                inputs.push(std::fs::read(path).unwrap());
            }
        }
    }
    inputs.sort();
    inputs
}

#[test]
fn decode_corpus_replays() {
    let inputs = corpus("decode");
    let mut decoded = 0;
    for data in &inputs {
        if let Ok(program) = Program::decode(data) {
            decoded += 1;
            assert_eq!(&program.to_bytes(), data);
            for syntax in [Syntax::Conformance, Syntax::Llvm] {
                let text = disassemble(&program, syntax);
                assert_eq!(assemble(&text, syntax).unwrap(), program.insns());
            }
        }
    }
    println!(
        "decode fuzz corpus: {} inputs, {decoded} valid programs",
        inputs.len()
    );
    assert!(decoded > 0);
}

#[test]
fn assemble_corpus_replays() {
    let inputs = corpus("assemble");
    let mut assembled = 0;
    for data in &inputs {
        if let Ok(text) = std::str::from_utf8(data) {
            let _ = assemble(text, Syntax::Conformance);
            let _ = assemble(text, Syntax::Llvm);
            if assemble_auto(text).is_ok() {
                assembled += 1;
            }
        }
    }
    println!(
        "assemble fuzz corpus: {} inputs, {assembled} assemble",
        inputs.len()
    );
    assert!(assembled > 0);
}
