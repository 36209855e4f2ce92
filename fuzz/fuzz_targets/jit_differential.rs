//! Any bytes that decode: the JIT (checked) and the interpreter give the
//! same outcome — the same r0 and memory, or an error at the same place.
//! The ordinary tests run the same comparison on generated programs
//! (`crates/quiver-vm/tests/jit.rs`, `QUIVER_JIT_CASES`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use quiver_isa::Program;
use quiver_vm::{Config, Engine, Helpers, Vm};

fuzz_target!(|data: &[u8]| {
    if data.len() < 16 {
        return;
    }
    let (mem, code) = data.split_at(16);
    let Ok(program) = Program::decode(code) else {
        return;
    };
    let config = |engine| {
        Config::new()
            .helpers(Helpers::conformance())
            .budget(Some(10_000))
            .engine(engine)
    };
    let (Ok(interp), Ok(jit)) = (
        Vm::new(&program, config(Engine::Interpreter)),
        Vm::new(&program, config(Engine::Jit)),
    ) else {
        return;
    };
    // One buffer, so that both runs see the same addresses.
    let mut buf = mem.to_vec();
    let r1 = interp.run(&mut buf);
    let m1 = buf.clone();
    buf.copy_from_slice(mem);
    let r2 = jit.run(&mut buf);
    let m2 = buf;
    assert_eq!(
        r1.as_ref().map_err(ToString::to_string),
        r2.as_ref().map_err(ToString::to_string),
        "engines disagree"
    );
    assert_eq!(m1, m2, "memory differs");
});
