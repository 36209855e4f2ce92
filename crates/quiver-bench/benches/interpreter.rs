//! quiver's interpreter against rbpf's on the same programs and inputs.
//! Run with `cargo bench -p quiver-bench`; `cargo run -p quiver-bench
//! --example ratio` prints the side-by-side table with ratios.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use quiver_bench::programs;
use quiver_vm::{Config, Vm};

fn interpreters(c: &mut Criterion) {
    for p in programs() {
        let program = p.program();
        let bytes = program.to_bytes();
        let mut group = c.benchmark_group(p.name);

        let vm = Vm::new(&program, Config::new()).unwrap();
        let mut mem = p.memory.clone();
        group.bench_function(BenchmarkId::new("quiver-interp-checked", p.name), |b| {
            b.iter(|| vm.run(&mut mem).unwrap())
        });

        let rbpf_vm = rbpf::EbpfVmRaw::new(Some(&bytes)).unwrap();
        let mut mem = p.memory.clone();
        group.bench_function(BenchmarkId::new("rbpf-interp", p.name), |b| {
            b.iter(|| rbpf_vm.execute_program(&mut mem).unwrap())
        });
        group.finish();
    }
}

criterion_group!(benches, interpreters);
criterion_main!(benches);
