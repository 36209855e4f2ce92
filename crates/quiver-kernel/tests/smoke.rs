//! The oracle itself works: fixtures load into the running kernel and run.
//! Skips (with a message) where the kernel refuses BPF.

use std::path::Path;

use quiver_kernel::object::load_object_program;
use quiver_obj::Object;

fn fixture(name: &str) -> Object {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/obj")
        .join(name);
    Object::parse(&std::fs::read(path).unwrap()).unwrap()
}

fn kernel() -> bool {
    match quiver_kernel::available() {
        Ok(()) => true,
        Err(why) => {
            println!("kernel differential: skipped, the kernel refuses BPF here: {why}");
            false
        }
    }
}

#[test]
fn socket_filter_runs_in_the_kernel() {
    if !kernel() {
        return;
    }
    let obj = fixture("socket_counter.v3.g.o");
    let k = load_object_program(&obj, "count_packets", 0).unwrap();
    for _ in 0..3 {
        // skb->len excludes the 14-byte Ethernet header the kernel pulls.
        let run = k.prog.test_run(&[0u8; 80], None, 1).unwrap();
        assert_eq!(run.retval, 66);
    }
    // Three packets of 66 bytes: bucket 66 >> 6 = 1.
    let buckets = k.maps[0].as_ref().unwrap();
    assert_eq!(
        buckets.lookup(&1u32.to_le_bytes()).unwrap(),
        Some(3u64.to_le_bytes().to_vec())
    );
}

#[test]
fn syscall_program_runs_on_a_context() {
    if !kernel() {
        return;
    }
    let obj = fixture("syscall_ctx.v3.g.o");
    let k = load_object_program(&obj, "sum_args", 0).unwrap();
    let mut ctx = vec![0u8; 48];
    ctx[0..4].copy_from_slice(&3u32.to_le_bytes());
    ctx[4..8].copy_from_slice(&5u32.to_le_bytes());
    for (i, v) in [7u32, 11, 13].iter().enumerate() {
        ctx[16 + i * 4..20 + i * 4].copy_from_slice(&v.to_le_bytes());
    }
    let retval = k.prog.test_run_syscall(&mut ctx).unwrap();
    let expect = ((5u64 * 31 + 7) * 31 + 11) * 31 + 13;
    assert_eq!(retval as u64, expect & 0x7fff_ffff);
    assert_eq!(u64::from_le_bytes(ctx[8..16].try_into().unwrap()), expect);
}
