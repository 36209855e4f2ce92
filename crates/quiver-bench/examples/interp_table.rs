//! Prints the interpreter comparison as a table: ns per run for quiver and
//! rbpf on the same programs and inputs, in one process, with the ratio.
//!
//! `cargo run --release -p quiver-bench --example interp_table`

use std::hint::black_box;
use std::time::{Duration, Instant};

use quiver_bench::programs;
use quiver_vm::{Config, Vm};

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
    println!("| program | quiver interp (checked) ns/run | rbpf interp ns/run | rbpf / quiver |");
    println!("|---|---:|---:|---:|");
    for p in programs() {
        let program = p.program();
        let bytes = program.to_bytes();
        let vm = Vm::new(&program, Config::new()).expect("quiver loads the program");
        let mut mem = p.memory.clone();
        let q = time(|| vm.run(&mut mem).expect("quiver runs"));
        let rbpf_vm = rbpf::EbpfVmRaw::new(Some(&bytes)).expect("rbpf loads the program");
        let mut mem = p.memory.clone();
        let r = time(|| rbpf_vm.execute_program(&mut mem).expect("rbpf runs"));
        println!("| {} | {q:.0} | {r:.0} | {:.2}x |", p.name, r / q);
    }
}
