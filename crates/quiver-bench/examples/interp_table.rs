//! Prints the interpreter comparison as a table: ns per run for quiver
//! (interpreter, and the Cranelift JIT in both memory modes) and rbpf on the
//! same programs and inputs, in one process, with the ratios; then the
//! JIT's compile time per 1,000 instructions.
//!
//! `cargo run --release -p quiver-bench --example interp_table`

use std::hint::black_box;
use std::time::{Duration, Instant};

use quiver_bench::programs;
use quiver_isa::Program;
use quiver_vm::{Config, Engine, Vm};

/// Median ns per call of `f` over several batches of about 50 ms each.
fn time(mut f: impl FnMut() -> u64) -> f64 {
    let mut n = 1u64;
    loop {
        let start = Instant::now();
        for _ in 0..n {
            black_box(f());
        }
        if start.elapsed() > Duration::from_millis(50) {
            break;
        }
        n *= 2;
    }
    let mut samples: Vec<f64> = (0..9)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..n {
                black_box(f());
            }
            start.elapsed().as_nanos() as f64 / n as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    println!(
        "| program | quiver interp (checked) ns/run | quiver JIT (checked) ns/run | quiver JIT (unchecked) ns/run | rbpf interp ns/run | rbpf / quiver interp | interp / JIT (checked) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let (mut insns, mut compile_ns) = (0usize, 0f64);
    for p in programs() {
        let program = p.program();
        let bytes = program.to_bytes();
        let vm = Vm::new(&program, Config::new()).expect("quiver loads the program");
        let mut mem = p.memory.clone();
        let q = time(|| vm.run(&mut mem).expect("quiver runs"));
        let jit_config = || Config::new().engine(Engine::Jit);
        let start = Instant::now();
        let jit = Vm::new(&program, jit_config()).expect("the JIT compiles the program");
        compile_ns += start.elapsed().as_nanos() as f64;
        insns += program.insns().len();
        let mut mem = p.memory.clone();
        let j = time(|| jit.run(&mut mem).expect("JIT code runs"));
        // SAFETY: the benchmark programs only access the memory they are
        // given and their stack, with aligned atomics.
        let unchecked = unsafe { Vm::new_unchecked(&program, jit_config()) }
            .expect("the JIT compiles the program");
        let mut mem = p.memory.clone();
        let u = time(|| unchecked.run(&mut mem).expect("JIT code runs"));
        let rbpf_vm = rbpf::EbpfVmRaw::new(Some(&bytes)).expect("rbpf loads the program");
        let mut mem = p.memory.clone();
        let r = time(|| rbpf_vm.execute_program(&mut mem).expect("rbpf runs"));
        println!(
            "| {} | {q:.0} | {j:.0} | {u:.0} | {r:.0} | {:.2}x | {:.2}x |",
            p.name,
            r / q,
            q / j
        );
    }
    println!(
        "\nJIT compile time (checked), benchmark programs: {:.0} us per 1,000 instructions ({insns} instructions in all, mostly fixed cost)",
        compile_ns / 1000.0 / insns as f64 * 1000.0
    );
    let size = std::env::var("JIT_COMPILE_INSNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5000);
    let big = quiver_bench::straight_line(size, true).expect("a valid program");
    let n = big.insns().len();
    for (label, make) in [
        ("checked", Vm::new as fn(&Program, Config) -> _),
        ("unchecked", |p: &Program, c: Config| {
            // SAFETY: compiled only, never run.
            unsafe { Vm::new_unchecked(p, c) }
        }),
    ] {
        let start = Instant::now();
        let vm = make(&big, Config::new().engine(Engine::Jit)).expect("the JIT compiles it");
        let us = start.elapsed().as_secs_f64() * 1e6;
        drop(vm);
        println!(
            "JIT compile time ({label}), {n}-instruction program: {:.0} us per 1,000 instructions",
            us / n as f64 * 1000.0
        );
    }
}
