//! Prog arrays, tail calls and calls through prog arrays, in the runtime:
//! Linux's semantics (constant and variable index, fall-through, the
//! 33-call limit, frame replacement, tail calls from subprograms), the
//! owner rule in every direction, sleepable programs (which Linux refuses
//! and quiver runs), and the same programs in the kernel.

use std::path::Path;

use quiver::maps::{Array, ProgArray};
use quiver::{Bpf, Engine, Loader, Program};
use quiver_obj::Object;
use quiver_verifier::host::{Arg, Proto, Ret, kf};

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/obj")
            .join(name),
    )
    .unwrap()
}

fn load(name: &str) -> Bpf {
    Loader::new().load(&bytes(name)).unwrap()
}

fn prog<'a>(bpf: &'a Bpf, name: &str) -> &'a Program {
    bpf.program(name).unwrap()
}

fn table(bpf: &Bpf, name: &str) -> ProgArray {
    bpf.map(name).unwrap().try_into().unwrap()
}

fn hops(bpf: &Bpf) -> Vec<u64> {
    let a: Array<u64> = bpf.map("hops").unwrap().try_into().unwrap();
    (0..4).map(|i| a.get(i).unwrap()).collect()
}

#[test]
fn a_constant_index_follows_the_slot_through_updates() {
    let bpf = load("tail_calls.v3.g.o");
    let t = table(&bpf, "jmp_table");
    let entry = prog(&bpf, "entry");
    let mut frame = [0u8; 16];
    // Empty: falls through.
    assert_eq!(entry.run_xdp(&mut frame).unwrap(), 1);
    t.set(0, prog(&bpf, "leaf_a")).unwrap();
    assert_eq!(entry.run_xdp(&mut frame).unwrap(), 3);
    t.set(0, prog(&bpf, "leaf_b")).unwrap();
    assert_eq!(entry.run_xdp(&mut frame).unwrap(), 4);
    assert_eq!(frame[1], 0xab);
    t.clear(0).unwrap();
    assert_eq!(entry.run_xdp(&mut frame).unwrap(), 1);
    assert_eq!(hops(&bpf)[..3], [4, 1, 1]);
}

#[test]
fn a_chain_makes_33_tail_calls_then_falls_through() {
    let bpf = load("tail_calls.v3.g.o");
    table(&bpf, "jmp_table")
        .set(1, prog(&bpf, "chain"))
        .unwrap();
    let mut frame = [0u8; 16];
    assert_eq!(prog(&bpf, "chain").run_xdp(&mut frame).unwrap(), 2);
    assert_eq!(hops(&bpf)[0], 34);
}

#[test]
fn both_engines_make_the_same_tail_calls() {
    let outcomes: Vec<_> = [Engine::Interpreter, Engine::preferred()]
        .into_iter()
        .map(|engine| {
            let bpf = Loader::new()
                .engine(engine)
                .load(&bytes("tail_calls.v3.g.o"))
                .unwrap();
            assert_eq!(prog(&bpf, "chain").owner().engine, engine);
            let t = table(&bpf, "jmp_table");
            t.set(1, prog(&bpf, "chain")).unwrap();
            t.set(0, prog(&bpf, "leaf_b")).unwrap();
            let mut frame = [0u8; 16];
            let chain = prog(&bpf, "chain").run_xdp(&mut frame).unwrap();
            let entry = prog(&bpf, "entry").run_xdp(&mut frame).unwrap();
            (chain, entry, frame, hops(&bpf))
        })
        .collect();
    assert_eq!(outcomes[0].0, 2);
    assert_eq!(outcomes[0].1, 4);
    assert_eq!(outcomes[0].3[0], 35);
    assert_eq!(outcomes[0], outcomes[1]);
}

#[test]
fn a_variable_index_goes_through_the_array() {
    let bpf = load("tail_calls.v3.g.o");
    let t = table(&bpf, "jmp_table");
    t.set(0, prog(&bpf, "leaf_a")).unwrap();
    t.set(2, prog(&bpf, "leaf_b")).unwrap();
    let d = prog(&bpf, "dispatch");
    let run = |first: u8| {
        let mut frame = [first, 0, 0, 0];
        let r0 = d.run_xdp(&mut frame).unwrap();
        (r0, frame[1])
    };
    assert_eq!(run(0), (3, 0));
    assert_eq!(run(2), (4, 0xab));
    // Empty slot and out of range: the caller goes on.
    assert_eq!(run(5), (105, 0xee));
    assert_eq!(run(200), (300, 0xee));
    // Only the two tail calls that happened count.
    assert_eq!(hops(&bpf)[..3], [4, 1, 1]);
}

#[test]
fn a_tail_call_from_a_subprogram_returns_to_its_caller() {
    let bpf = load("tail_calls.v3.g.o");
    let t = table(&bpf, "jmp_table");
    let v = prog(&bpf, "via_sub");
    let mut frame = [0u8; 16];
    assert_eq!(v.run_xdp(&mut frame).unwrap(), 17);
    assert_eq!(hops(&bpf)[..2], [1, 0]);
    // clang assumes `sub` returns 7 (it knows nothing of tail calls), so
    // the result stays 17; what shows the semantics is that leaf_a ran in
    // sub's place and via_sub went on after the call.
    t.set(3, prog(&bpf, "leaf_a")).unwrap();
    assert_eq!(v.run_xdp(&mut frame).unwrap(), 17);
    assert_eq!(hops(&bpf)[..2], [2, 1]);
}

#[test]
fn userspace_updates_name_programs_by_id() {
    let bpf = load("tail_calls.v3.g.o");
    let raw = bpf.map("jmp_table").unwrap();
    let id = prog(&bpf, "leaf_a").id();
    raw.raw()
        .update(&0u32.to_ne_bytes(), &id.to_ne_bytes(), 0)
        .unwrap();
    assert_eq!(table(&bpf, "jmp_table").get(0), Some(id));
    let mut frame = [0u8; 16];
    assert_eq!(prog(&bpf, "entry").run_xdp(&mut frame).unwrap(), 3);
    let err = raw
        .raw()
        .update(&0u32.to_ne_bytes(), &u32::MAX.to_ne_bytes(), 0)
        .unwrap_err();
    assert_eq!(err.errno(), -9, "{err}");
    assert_eq!(err.to_string(), format!("no program with id {}", u32::MAX));
}

fn args(index: u32, depth: u32) -> [u8; 24] {
    let mut a = [0u8; 24];
    a[0..4].copy_from_slice(&index.to_le_bytes());
    a[4..8].copy_from_slice(&depth.to_le_bytes());
    a
}

fn field(a: &[u8; 24], off: usize) -> u64 {
    u64::from_le_bytes(a[off..off + 8].try_into().unwrap())
}

#[test]
fn sleepable_programs_tail_call_through_a_prog_array() {
    let bpf = load("sleepable_tail.v3.g.o");
    let t = table(&bpf, "s_table");
    let leaf = prog(&bpf, "s_leaf");
    assert!(leaf.sleepable());
    t.set(0, leaf).unwrap();
    let mut a = args(0, 0);
    assert_eq!(prog(&bpf, "s_dispatch").run_context(&mut a).unwrap(), 5);
    assert_eq!((field(&a, 8), field(&a, 16)), (101, 101));
    let mut a = args(3, 0);
    assert_eq!(
        prog(&bpf, "s_dispatch").run_context(&mut a).unwrap() as i32,
        -1
    );
    let mut a = args(0, 0);
    assert_eq!(prog(&bpf, "s_const").run_context(&mut a).unwrap(), 5);
    assert_eq!(t.owner().unwrap().prog_type, "syscall");
    assert!(t.owner().unwrap().sleepable);
}

fn blocking_loader() -> Loader {
    Loader::new().kfunc_with_proto(
        Proto::new("test_block", vec![Arg::Scalar], Ret::Void).flags(kf::SLEEPABLE),
        |_, a| {
            std::thread::sleep(std::time::Duration::from_micros(a[0]));
            Ok(0)
        },
    )
}

#[test]
fn call_and_return_through_a_prog_array() {
    let bpf = blocking_loader()
        .load(&bytes("sleepable_call.v3.g.o"))
        .unwrap();
    let t = table(&bpf, "c_table");
    t.set(0, prog(&bpf, "c_leaf_a")).unwrap();
    let call = prog(&bpf, "c_call");
    let mut a = args(0, 0);
    assert_eq!(call.run_context(&mut a).unwrap(), 31);
    // The callee's effect and the caller's, in that order.
    assert_eq!((field(&a, 8), field(&a, 16)), (101, 30));
    for (index, errno) in [(2u32, -2i64), (9, -7)] {
        let mut a = args(index, 0);
        assert_eq!(call.run_context(&mut a).unwrap() as i32 as i64, errno);
        assert_eq!(field(&a, 16) as i64, errno);
    }
    // Calling itself: one frame per level until none is left.
    t.set(1, prog(&bpf, "c_recurse")).unwrap();
    let mut a = args(1, 0);
    let depth = prog(&bpf, "c_recurse").run_context(&mut a).unwrap();
    assert_eq!(depth, quiver_vm::MAX_CALL_FRAMES as u64);
    assert_eq!(field(&a, 0) >> 32, quiver_vm::MAX_CALL_FRAMES as u64);
}

#[test]
fn the_owner_rule_holds_in_every_direction() {
    let bpf = load("owner_rule.v3.g.o");
    let plain = table(&bpf, "plain_table");
    let sleepy = table(&bpf, "sleepy_table");
    let err = plain.set(0, prog(&bpf, "sleepy_leaf")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "map plain_table: a sleepable program cannot share a prog array with non-sleepable ones"
    );
    let err = sleepy.set(0, prog(&bpf, "plain_leaf")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "map sleepy_table: a non-sleepable program cannot share a prog array with sleepable ones"
    );
    plain.set(0, prog(&bpf, "plain_leaf")).unwrap();
    sleepy.set(0, prog(&bpf, "sleepy_leaf")).unwrap();
    let mut regs = [0u8; 168];
    assert_eq!(prog(&bpf, "plain").run_context(&mut regs).unwrap(), 10);
    assert_eq!(prog(&bpf, "sleepy").run_context(&mut regs).unwrap(), 20);
    // Another program type entirely.
    let xdp = load("tail_calls.v3.g.o");
    let err = plain.set(1, prog(&xdp, "leaf_a")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "map plain_table: program type xdp differs from the array's kprobe"
    );
    // Another engine: a tail call never switches between native code and
    // the interpreter.
    let interpreted = Loader::new()
        .engine(Engine::Interpreter)
        .load(&bytes("owner_rule.v3.g.o"))
        .unwrap();
    let err = plain.set(1, prog(&interpreted, "plain_leaf")).unwrap_err();
    if Engine::preferred() == Engine::Jit {
        assert_eq!(
            err.to_string(),
            "map plain_table: an interpreted program cannot share a prog array with JIT-compiled ones"
        );
    }
    // A program that uses an array owned by another kind is refused at load.
    let err = Loader::new()
        .load(&bytes("owner_conflict.v3.g.o"))
        .err()
        .expect("refused");
    assert_eq!(
        err.to_string(),
        "program second: uses prog array shared: a sleepable program cannot share a prog array with non-sleepable ones"
    );
}

fn kernel() -> bool {
    match quiver_kernel::available() {
        Ok(()) => true,
        Err(why) => {
            println!("tail calls in the kernel: skipped, the kernel refuses BPF here: {why}");
            false
        }
    }
}

#[test]
fn the_kernel_refuses_the_sleepable_programs_that_quiver_runs() {
    if !kernel() {
        return;
    }
    let obj = Object::parse(&bytes("sleepable_tail.v3.g.o")).unwrap();
    for name in ["s_dispatch", "s_const"] {
        let err = quiver_kernel::object::load_object_program(&obj, name, 1).unwrap_err();
        assert!(
            err.to_string().contains(
                "Sleepable programs can only use array, hash, ringbuf and local storage maps"
            ),
            "{name}: {err}"
        );
    }
    println!("tail calls in the kernel: sleepable prog array refused by Linux, run by quiver");
}

/// Every XDP entry program of tail_calls with the same slots and frames in
/// the kernel (BPF_PROG_TEST_RUN) and in quiver: r0, the frame and the
/// counters agree.
#[test]
fn tail_calls_agree_with_the_kernel() {
    if !kernel() {
        return;
    }
    let bytes = bytes("tail_calls.v3.g.o");
    let obj = Object::parse(&bytes).unwrap();
    // Slot assignments: (slot, program).
    let layouts: &[&[(u32, &str)]] = &[
        &[],
        &[(0, "leaf_a"), (1, "chain"), (2, "leaf_b"), (3, "leaf_a")],
        &[(0, "leaf_b"), (3, "leaf_b"), (1, "chain")],
        &[(1, "chain"), (2, "dispatch")],
    ];
    let entries = ["entry", "chain", "dispatch", "via_sub"];
    let frames: Vec<Vec<u8>> = (0..6u8)
        .map(|first| {
            let mut f = vec![0u8; 64];
            f[0] = first;
            f
        })
        .collect();
    let mut compared = 0;
    for layout in layouts {
        let names: Vec<&str> = obj.programs.iter().map(|p| p.name.as_str()).collect();
        let k = quiver_kernel::object::load_object_programs(&obj, &names, 0).unwrap();
        let q = Loader::new().load(&bytes).unwrap();
        let jmp = obj.maps.iter().position(|m| m.name == "jmp_table").unwrap();
        let kmap = k.maps[jmp].as_ref().unwrap();
        for &(slot, name) in *layout {
            let i = names.iter().position(|n| *n == name).unwrap();
            kmap.update(&slot.to_ne_bytes(), &k.progs[i].raw_fd().to_ne_bytes(), 0)
                .unwrap();
            table(&q, "jmp_table").set(slot, prog(&q, name)).unwrap();
        }
        for entry in entries {
            let i = names.iter().position(|n| *n == entry).unwrap();
            for frame in &frames {
                let kr = k.progs[i].test_run(frame, None, 1).unwrap();
                let mut qf = frame.clone();
                let qr = prog(&q, entry).run_xdp(&mut qf).unwrap();
                assert_eq!(
                    (kr.retval as u64, &kr.data_out),
                    (qr, &qf),
                    "{entry} with {layout:?} on frame {}",
                    frame[0]
                );
                compared += 1;
            }
        }
        let hops = obj.maps.iter().position(|m| m.name == "hops").unwrap();
        let kh = k.maps[hops].as_ref().unwrap();
        for key in 0..4u32 {
            let kv = kh.lookup(&key.to_ne_bytes()).unwrap().unwrap();
            let qv = q
                .map("hops")
                .unwrap()
                .raw()
                .lookup_copy(&key.to_ne_bytes())
                .unwrap();
            assert_eq!(kv, qv, "hops[{key}] with {layout:?}");
        }
    }
    println!("tail calls in the kernel: {compared} runs agree with quiver");
}

/// Tail calls into an empty slot do not use up the 33 a run may make, in
/// quiver as in Linux 6.18 (checked live).
#[test]
fn empty_slots_do_not_use_up_the_count_here_or_in_linux() {
    let bpf = load("tail_calls.v3.g.o");
    table(&bpf, "jmp_table")
        .set(1, prog(&bpf, "chain"))
        .unwrap();
    let mut frame = [0u8; 16];
    assert_eq!(
        prog(&bpf, "empty_then_chain").run_xdp(&mut frame).unwrap(),
        2
    );
    assert_eq!(hops(&bpf)[0], 33, "the chain ran 33 times");
    if !kernel() {
        return;
    }
    let bytes = bytes("tail_calls.v3.g.o");
    let obj = Object::parse(&bytes).unwrap();
    let k = quiver_kernel::object::load_object_programs(&obj, &["empty_then_chain", "chain"], 0)
        .unwrap();
    let jmp = obj.maps.iter().position(|m| m.name == "jmp_table").unwrap();
    k.maps[jmp]
        .as_ref()
        .unwrap()
        .update(&1u32.to_ne_bytes(), &k.progs[1].raw_fd().to_ne_bytes(), 0)
        .unwrap();
    let r = k.progs[0].test_run(&[0u8; 64], None, 1).unwrap();
    println!(
        "tail calls in the kernel: 40 empty-slot tail calls then a chain: r0 = {} (quiver: 2)",
        r.retval
    );
    assert_eq!(
        r.retval, 2,
        "the kernel's chain ran after the empty-slot calls"
    );
    let hops = obj.maps.iter().position(|m| m.name == "hops").unwrap();
    let kv = k.maps[hops]
        .as_ref()
        .unwrap()
        .lookup(&0u32.to_ne_bytes())
        .unwrap()
        .unwrap();
    assert_eq!(kv, 33u64.to_ne_bytes(), "33 chain runs in the kernel too");
}

/// A program entered by a tail call brings its global data into the run:
/// the helper it passes a pointer into its `.data` finds the key there,
/// in checked and unchecked mode, interpreted and native.
#[test]
fn a_tail_called_program_finds_its_own_global_data() {
    for engine in [Engine::Interpreter, Engine::Jit] {
        for trust in [false, true] {
            let bpf = Loader::new()
                .engine(engine)
                .trust_verifier(trust)
                .load(&bytes("tail_data.v3.g.o"))
                .unwrap();
            table(&bpf, "progs")
                .set(0, prog(&bpf, "with_data"))
                .unwrap();
            let entry = prog(&bpf, "entry");
            let mut frame = [0u8; 16];
            let what = format!("{engine}, trust_verifier({trust})");
            assert_eq!(entry.run_xdp(&mut frame).unwrap(), 2, "{what}");
            assert_eq!(entry.run_xdp(&mut frame).unwrap(), 2, "{what}");
            let counts: Array<u64> = bpf.map("counts").unwrap().try_into().unwrap();
            assert_eq!(counts.get(2).unwrap(), 2, "{what}");
            // The key is read from the global at every run.
            let data: Array<u32> = bpf.map(".data").unwrap().try_into().unwrap();
            data.set(0, 9).unwrap();
            assert_eq!(entry.run_xdp(&mut frame).unwrap(), 7, "{what}");
        }
    }
}
