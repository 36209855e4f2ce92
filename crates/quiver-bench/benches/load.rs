//! Load time of a 1,013-instruction object with BTF and BTF.ext
//! (fixtures/obj/big_program.v3.g.o): parsing, relocating and linking
//! alone (`quiver-obj`), and the whole load with map creation and
//! interpreter compilation (`quiver::Loader`). No verification.

use criterion::{Criterion, criterion_group, criterion_main};

fn load(c: &mut Criterion) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/obj/big_program.v3.g.o"
    );
    let bytes = std::fs::read(path).expect("fixture");
    let obj = quiver_obj::Object::parse(&bytes).expect("parses");
    assert_eq!(obj.programs[0].insns.len(), 1013);
    c.bench_function("parse+relocate+link (1013 insns, BTF)", |b| {
        b.iter(|| quiver_obj::Object::parse(std::hint::black_box(&bytes)).unwrap())
    });
    let loader = quiver::Loader::new().cpus(2);
    c.bench_function("full load incl. maps and compile (1013 insns)", |b| {
        b.iter(|| loader.load(std::hint::black_box(&bytes)).unwrap())
    });
}

criterion_group!(benches, load);
criterion_main!(benches);
