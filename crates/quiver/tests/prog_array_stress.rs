//! Prog array updates while other threads run programs from it: four
//! threads tail-call through a constant and a variable index while
//! another swaps the slot continuously, and a sleepable program that
//! blocks in a host kfunc is replaced — its whole object dropped — while
//! it sleeps. Every call must run entirely on one program (the counters
//! it leaves match its result), none may be lost (the map counters add
//! up), and nothing may be freed under a running program (CI also runs
//! this test under valgrind's memcheck).
//!
//! Bounded in time: QUIVER_STRESS_MS (default 1000) of swapping.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::*};
use std::thread;
use std::time::{Duration, Instant};

use quiver::maps::{Array, ProgArray};
use quiver::{Bpf, Loader};
use quiver_verifier::host::{Arg, Proto, Ret, kf};

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/obj")
            .join(name),
    )
    .unwrap()
}

fn blocking_loader() -> Loader {
    Loader::new().kfunc_with_proto(
        Proto::new("test_block", vec![Arg::Scalar], Ret::Void).flags(kf::SLEEPABLE),
        |_, a| {
            thread::sleep(Duration::from_micros(a[0]));
            Ok(0)
        },
    )
}

fn table(bpf: &Bpf, name: &str) -> ProgArray {
    bpf.map(name).unwrap().try_into().unwrap()
}

fn duration() -> Duration {
    let ms = std::env::var("QUIVER_STRESS_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    Duration::from_millis(ms)
}

#[test]
fn no_call_is_lost_or_torn_while_slots_change() {
    let xdp = Arc::new(Loader::new().load(&bytes("tail_calls.v3.g.o")).unwrap());
    let jmp = table(&xdp, "jmp_table");
    jmp.set(0, xdp.program("leaf_a").unwrap()).unwrap();

    let sleepy_bytes = Arc::new(bytes("sleepable_call.v3.g.o"));
    let sleepy = Arc::new(blocking_loader().load(&sleepy_bytes).unwrap());
    let c_table = table(&sleepy, "c_table");
    let fresh_block = |bytes: &[u8]| {
        // Another copy of c_block, whose own slot 0 holds a leaf.
        let b = blocking_loader().load(bytes).unwrap();
        table(&b, "c_table")
            .set(0, b.program("c_leaf_a").unwrap())
            .unwrap();
        b
    };
    let mut current = fresh_block(&sleepy_bytes);
    c_table.set(1, current.program("c_block").unwrap()).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let calls = Arc::new(AtomicU64::new(0));
    let (to_a, to_b) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));

    let callers: Vec<_> = (0..4)
        .map(|t| {
            let (xdp, stop, calls) = (xdp.clone(), stop.clone(), calls.clone());
            let (to_a, to_b) = (to_a.clone(), to_b.clone());
            thread::spawn(move || {
                let entry = xdp.program("entry").unwrap();
                let dispatch = xdp.program("dispatch").unwrap();
                let mut n = 0u64;
                while !stop.load(Relaxed) || n == 0 {
                    let mut frame = [0u8; 16];
                    let p = if (n + t).is_multiple_of(2) {
                        entry
                    } else {
                        dispatch
                    };
                    let r0 = p.run_xdp(&mut frame).unwrap();
                    match (r0, frame[1]) {
                        (3, 0) => to_a.fetch_add(1, Relaxed),
                        (4, 0xab) => to_b.fetch_add(1, Relaxed),
                        other => panic!("{}: torn or lost call: {other:?}", p.name()),
                    };
                    n += 1;
                }
                calls.fetch_add(n, Relaxed);
            })
        })
        .collect();

    // The sleepable caller: c_call enters slot 1 (c_block), which sleeps
    // 200 µs in the host and then tail-calls its own object's slot 0.
    let sleeper = {
        let (sleepy, stop) = (sleepy.clone(), stop.clone());
        thread::spawn(move || {
            let call = sleepy.program("c_call").unwrap();
            let mut n = 0u64;
            while !stop.load(Relaxed) || n == 0 {
                let mut a = [0u8; 24];
                a[0..4].copy_from_slice(&1u32.to_le_bytes());
                a[4..8].copy_from_slice(&200u32.to_le_bytes());
                let r0 = call.run_context(&mut a).unwrap() as i32;
                let hops = u64::from_le_bytes(a[8..16].try_into().unwrap());
                // c_block (+1) then the leaf (+100) or, when the leaf's
                // object was dropped meanwhile, a fall-through (c_block
                // returns the int -1, which c_call sees as 0xffffffff and
                // turns into 0 as an int); c_call +1.
                match (r0, hops) {
                    (31, 102) | (0, 2) => {}
                    other => panic!("c_call: torn call: {other:?}"),
                }
                n += 1;
            }
            n
        })
    };

    let start = Instant::now();
    let mut last_reload = start;
    let (mut swaps, mut reloads) = (0u64, 0u64);
    let (a, b) = (
        xdp.program("leaf_a").unwrap(),
        xdp.program("leaf_b").unwrap(),
    );
    while start.elapsed() < duration() {
        jmp.set(0, if swaps.is_multiple_of(2) { b } else { a })
            .unwrap();
        if last_reload.elapsed() > duration() / 16 {
            // Replace the sleepable program and drop the object it came
            // from, possibly while it sleeps.
            let next = fresh_block(&sleepy_bytes);
            c_table.set(1, next.program("c_block").unwrap()).unwrap();
            current = next;
            reloads += 1;
            last_reload = Instant::now();
        }
        swaps += 1;
    }
    stop.store(true, Relaxed);
    for c in callers {
        c.join().unwrap();
    }
    let sleeps = sleeper.join().unwrap();
    drop(current);

    let hops: Array<u64> = xdp.map("hops").unwrap().try_into().unwrap();
    let total = calls.load(Relaxed);
    let (na, nb) = (to_a.load(Relaxed), to_b.load(Relaxed));
    assert_eq!(na + nb, total);
    assert_eq!(hops.get(0), Some(total), "entries counted");
    assert_eq!(hops.get(1), Some(na), "leaf_a runs counted");
    assert_eq!(hops.get(2), Some(nb), "leaf_b runs counted");
    println!(
        "prog array stress: {total} calls from 4 threads, {swaps} slot updates, {reloads} sleepable programs replaced under {sleeps} sleepable calls; none lost or torn"
    );
}
