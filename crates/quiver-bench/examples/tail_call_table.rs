//! Costs of quiver's prog-array mechanisms, and the same 33-deep tail-call
//! chain in the Linux kernel (BPF_PROG_TEST_RUN with repeat), side by side:
//!
//! - a tail call with a constant index (bound to its slot at load) and with
//!   a variable index (through the array): the time of a 33-deep chain of
//!   one program calling itself, minus the same program with the slot
//!   empty, divided by 33;
//! - a call through `quiver_prog_array_call`: a caller with the callee in
//!   the slot, minus the same caller with the slot empty;
//! - an async callback round trip: a program starts a `bpf_wq` item, the
//!   host's worker runs its callback, the caller sees its effect;
//! - a slot update while another thread tail-calls through the slot;
//! - the lifetime mechanism: entering a slot under an RCU read section
//!   against the alternatives (a reference count per call, a lock).
//!
//! `cargo run --release -p quiver-bench --example tail_call_table`

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread;
use std::time::{Duration, Instant};

use quiver::async_host::AsyncHost;
use quiver::maps::ProgArray;
use quiver::{Bpf, Loader};
use quiver_obj::Object;
use quiver_verifier::host::{Arg, Proto, Ret, kf};

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/obj")
            .join(name),
    )
    .expect("fixture")
}

fn table(bpf: &Bpf, name: &str) -> ProgArray {
    bpf.map(name).unwrap().try_into().unwrap()
}

/// Median ns per call of `f`, over batches of about 20 ms.
fn ns_per(mut f: impl FnMut()) -> f64 {
    let mut batch = 1u64;
    loop {
        let t = Instant::now();
        for _ in 0..batch {
            f();
        }
        if t.elapsed() > Duration::from_millis(20) {
            break;
        }
        batch *= 2;
    }
    let mut samples: Vec<f64> = (0..9)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..batch {
                f();
            }
            t.elapsed().as_nanos() as f64 / batch as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

struct Row {
    what: &'static str,
    ns: f64,
    note: String,
}

fn xdp_chain(bpf: &Bpf, prog: &str, slot: u32, first: u8) -> (f64, f64) {
    let t = table(bpf, "jmp_table");
    let p = bpf.program(prog).unwrap();
    let mut frame = [first; 64];
    t.set(slot, p).unwrap();
    let full = ns_per(|| {
        frame[0] = first;
        std::hint::black_box(p.run_xdp(&mut frame).unwrap());
    });
    t.clear(slot).unwrap();
    let empty = ns_per(|| {
        frame[0] = first;
        std::hint::black_box(p.run_xdp(&mut frame).unwrap());
    });
    (full, empty)
}

fn main() {
    let mut rows = Vec::new();
    let xdp_bytes = bytes("tail_calls.v3.g.o");
    let xdp = Loader::new().load(&xdp_bytes).unwrap();

    // Constant index: `bare_chain` calls slot 4.
    let (full, empty) = xdp_chain(&xdp, "bare_chain", 4, 0);
    rows.push(Row {
        what: "tail call, constant index",
        ns: (full - empty) / 33.0,
        note: format!("33-deep chain {full:.0} ns, one program {empty:.0} ns"),
    });
    let (quiver_chain, quiver_single) = (full, empty);
    // Variable index: `bare_dispatch` calls slot data[0] = 5.
    let (full, empty) = xdp_chain(&xdp, "bare_dispatch", 5, 5);
    rows.push(Row {
        what: "tail call, variable index",
        ns: (full - empty) / 33.0,
        note: format!("33-deep chain {full:.0} ns, one program {empty:.0} ns"),
    });

    // Call and return: c_call with c_leaf_a in slot 0, minus an empty slot.
    let block = Loader::new().kfunc_with_proto(
        Proto::new("test_block", vec![Arg::Scalar], Ret::Void).flags(kf::SLEEPABLE),
        |_, a| {
            thread::sleep(Duration::from_micros(a[0]));
            Ok(0)
        },
    );
    let host = AsyncHost::virtual_time();
    let calls = block
        .clone()
        .async_host(host.clone())
        .load(&bytes("sleepable_call.v3.g.o"))
        .unwrap();
    let c_table = table(&calls, "c_table");
    let call = calls.program("c_call").unwrap();
    let mut args = [0u8; 24];
    c_table.set(0, calls.program("c_leaf_a").unwrap()).unwrap();
    let with = ns_per(|| {
        std::hint::black_box(call.run_context(&mut args).unwrap());
    });
    c_table.clear(0).unwrap();
    let without = ns_per(|| {
        std::hint::black_box(call.run_context(&mut args).unwrap());
    });
    rows.push(Row {
        what: "call and return (quiver_prog_array_call)",
        ns: with - without,
        note: format!("caller with callee {with:.0} ns, with an empty slot {without:.0} ns"),
    });

    // Async round trip: arm_work starts a bpf_wq item; the worker runs it.
    let asyncs = Loader::new()
        .async_host(host.clone())
        .load(&bytes("async_callbacks.v3.g.o"))
        .unwrap();
    let arm = asyncs.program("arm_work").unwrap();
    let store = asyncs.map("store").unwrap();
    let worked = || {
        let v = store.raw().lookup_copy(&0u32.to_ne_bytes()).unwrap();
        u64::from_le_bytes(v[48..56].try_into().unwrap())
    };
    let mut a = [0u8; 16];
    let trip = ns_per(|| {
        let before = worked();
        arm.run_context(&mut a).unwrap();
        while worked() == before {
            std::hint::spin_loop();
        }
    });
    rows.push(Row {
        what: "async callback round trip (bpf_wq)",
        ns: trip,
        note: "start in a program, callback on the host's worker, effect seen".into(),
    });

    // Slot updates while another thread tail-calls through the slot.
    let xdp = Arc::new(xdp);
    let t = table(&xdp, "jmp_table");
    t.set(0, xdp.program("leaf_a").unwrap()).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let runner = {
        let (xdp, stop) = (xdp.clone(), stop.clone());
        thread::spawn(move || {
            let entry = xdp.program("entry").unwrap();
            let mut frame = [0u8; 64];
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                entry.run_xdp(&mut frame).unwrap();
                n += 1;
            }
            n
        })
    };
    let (a, b) = (
        xdp.program("leaf_a").unwrap(),
        xdp.program("leaf_b").unwrap(),
    );
    let mut flip = false;
    let update = ns_per(|| {
        flip = !flip;
        t.set(0, if flip { a } else { b }).unwrap();
    });
    stop.store(true, Ordering::Relaxed);
    let runs = runner.join().unwrap();
    rows.push(Row {
        what: "slot update under load",
        ns: update,
        note: format!("while another thread ran {runs} tail-calling programs"),
    });

    // The lifetime mechanism, per entered slot.
    let cell = quiver_rcu::RcuCell::new(quiver_rcu::global(), Some(Arc::new(7u64)));
    let section = quiver_rcu::pin().unwrap();
    let rcu_nested = ns_per(|| {
        std::hint::black_box(cell.load(&section));
    });
    drop(section);
    let rcu_pin = ns_per(|| {
        let s = quiver_rcu::pin().unwrap();
        std::hint::black_box(cell.load(&s));
    });
    let shared = Arc::new(7u64);
    let arc = ns_per(|| {
        std::hint::black_box(shared.clone());
    });
    let mutex = Mutex::new(Some(Arc::new(7u64)));
    let locked = ns_per(|| {
        std::hint::black_box(mutex.lock().unwrap().clone());
    });
    let rw = RwLock::new(Some(Arc::new(7u64)));
    let rwlocked = ns_per(|| {
        std::hint::black_box(rw.read().unwrap().clone());
    });

    println!("| operation | quiver ns | note |");
    println!("|---|---:|---|");
    for r in &rows {
        println!("| {} | {:.1} | {} |", r.what, r.ns, r.note);
    }

    println!();
    println!("| entering a slot, per call (one thread) | ns |");
    println!("|---|---:|");
    println!("| RCU load inside the run's section (quiver's tail call) | {rcu_nested:.1} |");
    println!("| RCU section entered and left + load (a top-level run) | {rcu_pin:.1} |");
    println!("| Arc clone + drop (a reference count per call) | {arc:.1} |");
    println!("| Mutex<Option<Arc>>: lock + clone + drop | {locked:.1} |");
    println!("| RwLock<Option<Arc>>: read + clone + drop | {rwlocked:.1} |");

    // The kernel: the same chain through BPF_PROG_TEST_RUN with repeat.
    println!();
    match quiver_kernel::available() {
        Err(why) => println!("kernel: skipped, the kernel refuses BPF here: {why}"),
        Ok(()) => {
            let obj = Object::parse(&xdp_bytes).unwrap();
            let k = quiver_kernel::object::load_object_programs(&obj, &["bare_chain"], 0).unwrap();
            let jmp = obj.maps.iter().position(|m| m.name == "jmp_table").unwrap();
            let kmap = k.maps[jmp].as_ref().unwrap();
            let frame = [0u8; 64];
            let kernel_ns = |repeat| {
                let mut runs: Vec<f64> = (0..9)
                    .map(|_| {
                        k.progs[0]
                            .test_run(&frame, None, repeat)
                            .unwrap()
                            .duration_ns as f64
                    })
                    .collect();
                runs.sort_by(f64::total_cmp);
                runs[runs.len() / 2]
            };
            kmap.update(&4u32.to_ne_bytes(), &k.progs[0].raw_fd().to_ne_bytes(), 0)
                .unwrap();
            let k_full = kernel_ns(100_000);
            kmap.delete(&4u32.to_ne_bytes()).unwrap();
            let k_empty = kernel_ns(100_000);
            println!("| 33-deep tail-call chain | quiver ns | kernel ns | quiver / kernel |");
            println!("|---|---:|---:|---:|");
            println!(
                "| whole chain (34 programs) | {quiver_chain:.0} | {k_full:.0} | {:.2}x |",
                quiver_chain / k_full
            );
            println!(
                "| one program, empty slot | {quiver_single:.0} | {k_empty:.0} | {:.2}x |",
                quiver_single / k_empty
            );
            let q_per = rows[0].ns;
            let k_per = (k_full - k_empty) / 33.0;
            println!(
                "| per tail call | {q_per:.1} | {k_per:.1} | {:.2}x |",
                q_per / k_per
            );
        }
    }
}
