//! Any bytes: decoding never panics, and what decodes re-encodes to the same
//! bytes and disassembles to text that assembles back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quiver_isa::Program;
use quiver_isa::asm::{Syntax, assemble, disassemble};

fuzz_target!(|data: &[u8]| {
    if let Ok(program) = Program::decode(data) {
        assert_eq!(program.to_bytes(), data);
        for syntax in [Syntax::Conformance, Syntax::Llvm] {
            let text = disassemble(&program, syntax);
            assert_eq!(assemble(&text, syntax).expect("disassembly assembles"), program.insns());
        }
    }
});
