//! What one run costs besides the program's own instructions: a
//! two-instruction program through the raw `Vm` (interpreter and JIT,
//! checked and unchecked), an XDP program through the runtime against
//! the kernel's BPF_PROG_TEST_RUN loop on the same XDP program, and an
//! XDP program that calls nothing (which JIT runs enter as a leaf, with
//! one frame and no memory of the run to build).
//!
//! `cargo run --release -p quiver-bench --example run_overhead`

use std::path::Path;

use quiver::{Engine, Loader};
use quiver_bench::fastest_ns;
use quiver_isa::asm::{Syntax, assemble};
use quiver_vm::{Config, Vm};

fn main() {
    let program =
        quiver_isa::Program::from_insns(assemble("r0 = 2\nexit", Syntax::Llvm).expect("asm"))
            .expect("program");
    println!("| what | ns/run |\n|---|---:|");
    for engine in [Engine::Interpreter, Engine::Jit] {
        let vm = Vm::new(&program, Config::new().engine(engine)).expect("vm");
        let mut mem = [0u8; 64];
        let ns = fastest_ns(|| vm.run(&mut mem).expect("run"));
        println!("| raw Vm, {engine}, checked, `r0 = 2; exit` | {ns:.1} |");
    }
    let bytes = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/obj/tail_calls.v3.g.o"),
    )
    .expect("fixture");
    for (engine, trust) in [
        (Engine::Interpreter, false),
        (Engine::Interpreter, true),
        (Engine::Jit, false),
        (Engine::Jit, true),
    ] {
        let bpf = Loader::new()
            .engine(engine)
            .trust_verifier(trust)
            .load(&bytes)
            .expect("load");
        let p = bpf.program("bare_chain").expect("program");
        let mut frame = [0u8; 64];
        let ns = fastest_ns(|| p.run_xdp(&mut frame).expect("run"));
        let mode = if trust { "unchecked" } else { "checked" };
        println!(
            "| runtime run_xdp, {engine}, {mode}, `bare_chain` with an empty slot | {ns:.1} |"
        );
    }
    // A program that calls nothing: the JIT's leaf runs build no memory
    // of the run. memcpy_1k told to copy no words: 16 instructions.
    let programs = quiver_bench::perf::perf_programs();
    let memcpy = programs
        .iter()
        .find(|p| p.name == "memcpy_1k")
        .expect("memcpy_1k is a perf program");
    let mut frame = memcpy.packet.clone();
    frame[8..10].copy_from_slice(&0u16.to_le_bytes());
    for engine in [Engine::Interpreter, Engine::Jit] {
        let bpf = quiver_bench::perf::load_quiver(memcpy, engine).expect("load");
        let p = bpf.program(memcpy.name).expect("program");
        let ns = fastest_ns(|| p.run_xdp(&mut frame).expect("run"));
        println!(
            "| runtime run_xdp, {engine}, unchecked, `memcpy_1k` of 0 words (calls nothing) | {ns:.1} |"
        );
    }
}
