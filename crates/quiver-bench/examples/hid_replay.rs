//! HID-BPF throughput and latency: 100,000 pen events through a
//! two-program chain (the pen-pressure example, then an event counter) on
//! quiver's HID-BPF host, in checked mode (the host's default) on each
//! engine; prints events per second and the p50/p99 latency of one
//! event.
//!
//! `cargo run --release -p quiver-bench --example hid_replay`

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use quiver::Engine;
use quiver_hid::bpf::{HidHost, Identity, Unplugged};

const EVENTS: usize = 100_000;

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(rel),
    )
    .expect(rel)
}

fn main() {
    let text = String::from_utf8(read("examples/hid/pen.hid.txt")).unwrap();
    let rdesc: Vec<u8> = text
        .lines()
        .find(|l| l.starts_with("R: "))
        .unwrap()
        .split_whitespace()
        .skip(2)
        .map(|h| u8::from_str_radix(h, 16).unwrap())
        .collect();
    let events: Vec<[u8; 7]> = (0..EVENTS)
        .map(|i| {
            let (x, y, p) = (
                (i * 7 % 32768) as u16,
                (i * 13 % 32768) as u16,
                (i % 1024) as u16,
            );
            let mut e = [1u8, 0, 0, 0, 0, 0, 0];
            e[1..3].copy_from_slice(&x.to_le_bytes());
            e[3..5].copy_from_slice(&y.to_le_bytes());
            e[5..7].copy_from_slice(&p.to_le_bytes());
            e
        })
        .collect();
    println!("| engine | events | events/s | p50 ns | p99 ns | changed |");
    println!("|---|---:|---:|---:|---:|---:|");
    for engine in [Engine::Jit, Engine::Interpreter] {
        let host = HidHost::new().with_engine(engine);
        let id = Identity {
            bus: 3,
            vendor: 0x1234,
            product: 0x5678,
            name: "Quiver Example Pen".into(),
            ..Identity::default()
        };
        let mut dev = host.device(id, rdesc.clone(), 7, Arc::new(Unplugged));
        dev.load("pen_pressure", &read("examples/hid/obj/pen_pressure.bpf.o"))
            .unwrap()
            .unwrap();
        dev.load("counter", &read("fixtures/obj/hid_counter.v3.g.o"))
            .unwrap()
            .unwrap();
        let mut lat = Vec::with_capacity(EVENTS);
        let start = Instant::now();
        let mut changed = 0usize;
        for e in &events {
            let t = Instant::now();
            let out = dev.event(0, e).unwrap();
            lat.push(t.elapsed().as_nanos() as u64);
            if out.as_deref() != Some(&e[..]) {
                changed += 1;
            }
        }
        let total = start.elapsed();
        lat.sort_unstable();
        println!(
            "| {engine} (checked) | {EVENTS} | {:.0} | {} | {} | {changed} |",
            EVENTS as f64 / total.as_secs_f64(),
            lat[EVENTS / 2],
            lat[EVENTS * 99 / 100]
        );
    }
}
