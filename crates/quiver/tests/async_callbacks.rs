//! bpf_timer and bpf_wq in map values next to a bpf_spin_lock: timers fire
//! at their deadline on the host's clock (a virtual one here, so every
//! step is deterministic), re-arm from their own callback, cancel; work
//! items run sleepable on the host's worker, also when a non-sleepable
//! program defers them; dropping the object cancels what it armed.

use std::path::Path;
use std::time::{Duration, Instant};

use quiver::async_host::AsyncHost;
use quiver::{Bpf, Loader};

fn load(host: &AsyncHost) -> Bpf {
    load_with(Loader::new().async_host(host.clone()))
}

fn load_with(loader: Loader) -> Bpf {
    let bytes = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/obj/async_callbacks.v3.g.o"),
    )
    .unwrap();
    loader.load(&bytes).unwrap()
}

fn args(key: u32, delay: u64) -> [u8; 16] {
    let mut a = [0u8; 16];
    a[0..4].copy_from_slice(&key.to_le_bytes());
    a[8..16].copy_from_slice(&delay.to_le_bytes());
    a
}

fn run(bpf: &Bpf, prog: &str, key: u32, delay: u64) -> i64 {
    let mut a = args(key, delay);
    bpf.program(prog).unwrap().run_context(&mut a).unwrap() as i32 as i64
}

/// (fired, worked, last_ns) of element `key`; the value is
/// lock(4) pad(4) timer(16) wq(16) fired worked last_ns period.
fn elem(bpf: &Bpf, key: u32) -> (u64, u64, u64) {
    let v = bpf
        .map("store")
        .unwrap()
        .raw()
        .lookup_copy(&key.to_ne_bytes())
        .unwrap();
    let at = |o: usize| u64::from_le_bytes(v[o..o + 8].try_into().unwrap());
    (at(40), at(48), at(56))
}

#[test]
fn a_periodic_timer_fires_at_its_deadlines_on_a_virtual_clock() {
    let host = AsyncHost::virtual_time();
    let bpf = load(&host);
    assert_eq!(run(&bpf, "arm_timer", 0, 1000), 0);
    assert_eq!(host.armed_timers(), 1);
    assert_eq!(host.advance(999), 0);
    assert_eq!(elem(&bpf, 0), (0, 0, 0));
    assert_eq!(host.advance(1), 1);
    assert_eq!(elem(&bpf, 0), (1, 0, 1000));
    // It re-armed itself: two more shots, at 2000 and 3000, then stops.
    assert_eq!(host.advance(10_000), 2);
    assert_eq!(elem(&bpf, 0), (3, 0, 3000));
    assert_eq!(host.armed_timers(), 0);
    assert_eq!(host.now_ns(), 11_000);
    // Initialised already: arming again reuses it.
    assert_eq!(run(&bpf, "arm_timer", 0, 500), 0);
    assert_eq!(host.advance(500), 1);
    assert_eq!(elem(&bpf, 0).0, 4);
}

/// Unchecked code dereferences map values natively, but the timer and work
/// queue calls find theirs among the run's regions: lookups whose values
/// reach such a call must still make them regions.
#[test]
fn unchecked_programs_hand_looked_up_values_to_calls() {
    let host = AsyncHost::virtual_time();
    let bpf = load_with(Loader::new().async_host(host.clone()).trust_verifier(true));
    assert_eq!(run(&bpf, "arm_timer", 0, 1000), 0);
    assert_eq!(host.advance(1000), 1);
    assert_eq!(elem(&bpf, 0), (1, 0, 1000));
    let mut frame = [0u8; 32];
    assert_eq!(
        bpf.program("defer_from_xdp")
            .unwrap()
            .run_xdp(&mut frame)
            .unwrap(),
        2
    );
    assert!(host.wait_idle(Duration::from_secs(10)));
    assert_eq!(elem(&bpf, 1).1, 2);
}

#[test]
fn a_cancelled_timer_does_not_fire() {
    let host = AsyncHost::virtual_time();
    let bpf = load(&host);
    // Not initialised yet.
    assert_eq!(run(&bpf, "cancel_timer", 1, 0), -22);
    assert_eq!(run(&bpf, "arm_timer", 1, 100), 0);
    assert_eq!(run(&bpf, "cancel_timer", 1, 0), 1);
    assert_eq!(run(&bpf, "cancel_timer", 1, 0), 0);
    assert_eq!(host.advance(1000), 0);
    assert_eq!(elem(&bpf, 1).0, 0);
}

#[test]
fn work_runs_on_the_worker_also_when_a_non_sleepable_program_defers_it() {
    let host = AsyncHost::virtual_time();
    let bpf = load(&host);
    assert_eq!(run(&bpf, "arm_work", 0, 0), 0);
    assert!(host.wait_idle(Duration::from_secs(10)));
    assert_eq!(elem(&bpf, 0).1, 1);
    let mut frame = [0u8; 32];
    let xdp = bpf.program("defer_from_xdp").unwrap();
    assert!(!xdp.sleepable());
    assert_eq!(xdp.run_xdp(&mut frame).unwrap(), 2);
    assert!(host.wait_idle(Duration::from_secs(10)));
    assert_eq!(elem(&bpf, 1).1, 2);
}

#[test]
fn dropping_the_object_cancels_its_timers() {
    let host = AsyncHost::virtual_time();
    let bpf = load(&host);
    assert_eq!(run(&bpf, "arm_timer", 0, 100), 0);
    assert_eq!(host.armed_timers(), 1);
    drop(bpf);
    assert_eq!(host.armed_timers(), 0);
    assert_eq!(host.advance(1000), 0);
}

#[test]
fn timers_fire_on_the_system_clock_too() {
    let host = AsyncHost::default();
    let bpf = load(&host);
    let start = host.now_ns();
    assert_eq!(run(&bpf, "arm_timer", 0, 200_000), 0);
    let end = Instant::now() + Duration::from_secs(10);
    while elem(&bpf, 0).0 < 3 && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(1));
    }
    let (fired, _, last) = elem(&bpf, 0);
    assert_eq!(fired, 3);
    assert!(
        last - start >= 600_000,
        "third shot {} ns after arming",
        last - start
    );
}
