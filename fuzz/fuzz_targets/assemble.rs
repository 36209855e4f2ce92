//! Any text: assembling never panics in either syntax.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quiver_isa::asm::{Syntax, assemble, assemble_auto};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = assemble(text, Syntax::Conformance);
        let _ = assemble(text, Syntax::Llvm);
        let _ = assemble_auto(text);
    }
});
