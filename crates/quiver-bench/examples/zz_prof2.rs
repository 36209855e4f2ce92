use quiver::{Engine, Loader};
fn main() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/obj/xdp_parse.v3.g.o"
    ))
    .unwrap();
    let bpf = Loader::new()
        .engine(Engine::Jit)
        .trust_verifier(true)
        .load(&bytes)
        .unwrap();
    let p = bpf.program("xdp_filter").unwrap();
    let mut frame = [0u8; 64];
    let mut s = 0;
    for _ in 0..100_000 {
        s += p.run_xdp(std::hint::black_box(&mut frame)).unwrap();
    }
    println!("{s}");
}
