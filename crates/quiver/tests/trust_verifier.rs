//! Unchecked mode for verified programs (`Loader::trust_verifier`): the
//! fixtures give the same results, contexts, packets and maps as in
//! checked mode on many random inputs, also where unchecked JIT code
//! looks arrays up inline and calls maps directly.

use std::collections::BTreeMap;
use std::path::Path;

use proptest::prelude::*;
use quiver::{Bpf, Loader};

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/obj")
            .join(name),
    )
    .unwrap()
}

fn maps(bpf: &Bpf) -> BTreeMap<String, BTreeMap<Vec<u8>, Vec<u8>>> {
    bpf.maps()
        // Prog arrays hold program ids, which differ between loads.
        .filter(|m| m.raw().def().map_type != quiver_maps::MapType::ProgArray)
        .map(|m| {
            let entries = m
                .keys()
                .into_iter()
                .filter_map(|k| m.raw().lookup_copy(&k).map(|v| (k, v)))
                .collect();
            (m.name().to_string(), entries)
        })
        .collect()
}

/// How a program runs.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Context(usize),
    Xdp,
    Skb,
}

const CASES: &[(&str, &str, Kind)] = &[
    ("syscall_ctx.v3.g.o", "sum_args", Kind::Context(48)),
    ("xdp_parse.v3.g.o", "xdp_filter", Kind::Xdp),
    ("socket_counter.v3.g.o", "count_packets", Kind::Skb),
    ("loop_callback.v3.g.o", "run_loop", Kind::Context(64)),
    ("big_program.v3.g.o", "mix", Kind::Context(64)),
    ("tail_calls.v3.g.o", "dispatch", Kind::Xdp),
    // Inline array lookups and direct map calls in unchecked code.
    ("value_to_helper.v3.g.o", "update_flags", Kind::Xdp),
    ("value_to_helper.v3.g.o", "count_byte", Kind::Xdp),
    ("value_to_helper.v3.g.o", "copy_value", Kind::Xdp),
];

fn run(bpf: &Bpf, prog: &str, kind: Kind, input: &[u8]) -> (Result<u64, String>, Vec<u8>) {
    let p = bpf.program(prog).unwrap();
    let mut buf = input.to_vec();
    let r = match kind {
        Kind::Context(n) => {
            buf.resize(n, 0);
            p.run_context(&mut buf)
        }
        Kind::Xdp => p.run_xdp(&mut buf),
        Kind::Skb => p.run_skb(&mut buf),
    };
    (r.map_err(|e| e.to_string()), buf)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    #[test]
    fn unchecked_runs_equal_checked_runs(inputs in prop::collection::vec(prop::collection::vec(any::<u8>(), 14..120), 1..8)) {
        for &(file, prog, kind) in CASES {
            let obj = bytes(file);
            let checked = Loader::new().load(&obj).unwrap();
            let unchecked = Loader::new().trust_verifier(true).load(&obj).unwrap();
            if file.starts_with("tail_calls") {
                for bpf in [&checked, &unchecked] {
                    let t: quiver::maps::ProgArray = bpf.map("jmp_table").unwrap().try_into().unwrap();
                    t.set(0, bpf.program("leaf_a").unwrap()).unwrap();
                    t.set(2, bpf.program("leaf_b").unwrap()).unwrap();
                }
            }
            for input in &inputs {
                let mut small = input.clone();
                if let Some(b) = small.first_mut() { *b %= 4; }
                let a = run(&checked, prog, kind, &small);
                let b = run(&unchecked, prog, kind, &small);
                prop_assert_eq!(&a, &b, "{} {}", file, prog);
            }
            prop_assert_eq!(maps(&checked), maps(&unchecked), "{} maps", file);
        }
    }
}

#[test]
fn a_context_smaller_than_the_program_reads_is_refused() {
    let bpf = Loader::new()
        .trust_verifier(true)
        .load(&bytes("syscall_ctx.v3.g.o"))
        .unwrap();
    let err = bpf
        .program("sum_args")
        .unwrap()
        .run_context(&mut [0u8; 8])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "program sum_args: the context has 8 bytes; the program reads up to byte 48"
    );
}

/// `obj` loaded on both engines, checked and unchecked, each named.
fn every_mode(obj: &[u8]) -> Vec<(String, Bpf)> {
    let mut all = Vec::new();
    for engine in [quiver::Engine::Interpreter, quiver::Engine::Jit] {
        for trust in [false, true] {
            let bpf = Loader::new()
                .engine(engine)
                .trust_verifier(trust)
                .load(obj)
                .unwrap();
            all.push((format!("{engine:?}, trust_verifier({trust})"), bpf));
        }
    }
    all
}

/// A looked-up value the program hands to a helper (the update's value
/// argument) stays a region of the run in unchecked mode, where the other
/// lookups skip that (their values reach no call): the update reads it
/// through the region, on both engines.
#[test]
fn a_looked_up_value_handed_to_a_helper_stays_readable() {
    let obj = bytes("value_to_helper.v3.g.o");
    for (mode, bpf) in every_mode(&obj) {
        let p = bpf.program("copy_value").unwrap();
        for _ in 0..3 {
            assert_eq!(p.run_xdp(&mut [0u8; 32]).unwrap(), 2, "{mode}");
        }
        let dst = maps(&bpf)["dst"].clone();
        let key = 1u32.to_ne_bytes().to_vec();
        assert_eq!(dst[&key], 15u64.to_ne_bytes().to_vec(), "{mode}");
        assert_eq!(maps(&bpf)["counts"][&key], 3u64.to_ne_bytes().to_vec());
    }
}

/// Unchecked JIT code looks up a plain array inline (the bounds test and
/// the address, as Linux's JIT): the same pointers, NULLs past the end and
/// counts as the helper gives the interpreter and checked code.
#[test]
fn inline_array_lookups_match_the_helper() {
    let obj = bytes("value_to_helper.v3.g.o");
    let mut seen = Vec::new();
    for (_, bpf) in every_mode(&obj) {
        let p = bpf.program("count_byte").unwrap();
        let verdicts: Vec<u64> = [0u8, 3, 4, 200, 255, 1, 3]
            .iter()
            .map(|&b| p.run_xdp(&mut [b; 16]).unwrap())
            .collect();
        seen.push((verdicts, maps(&bpf)["counts"].clone()));
    }
    let (verdicts, counts) = &seen[0];
    assert_eq!(verdicts, &[2, 2, 1, 1, 1, 2, 2]);
    let at = |k: u32| counts[&k.to_ne_bytes().to_vec()].clone();
    assert_eq!(at(3), 8u64.to_ne_bytes().to_vec());
    assert_eq!(at(0), 1u64.to_ne_bytes().to_vec());
    assert!(seen.iter().all(|s| s == &seen[0]), "{seen:?}");
}

/// Unchecked JIT code calls a hash map's own update, lookup and delete
/// directly: the same errnos (an existing key under BPF_NOEXIST, a full
/// map, a missing key), values and final contents as through the helpers.
#[test]
fn direct_map_calls_match_the_helpers() {
    let obj = bytes("value_to_helper.v3.g.o");
    let packets: [[u8; 3]; 9] = [
        [0, 10, 0],
        [0, 11, 0],
        [1, 12, 3],
        [2, 13, 0],
        [3, 14, 0],
        [4, 15, 0],
        [5, 16, 0],
        [0, 17, 2],
        [6, 18, 0],
    ];
    let mut seen = Vec::new();
    for (_, bpf) in every_mode(&obj) {
        let p = bpf.program("update_flags").unwrap();
        let results: Vec<u64> = packets
            .iter()
            .map(|pkt| {
                let mut frame = [0u8; 16];
                frame[..3].copy_from_slice(pkt);
                p.run_xdp(&mut frame).unwrap()
            })
            .collect();
        seen.push((results, maps(&bpf)["dst"].clone()));
    }
    let (results, dst) = &seen[0];
    let eexist = (-17i64 as u64) & 0xff;
    let enoent = (-2i64 as u64) & 0xff;
    let e2big = (-7i64 as u64) & 0xff;
    let v = |v: u64| v << 24;
    // Key 0 inserted, then refused: it exists; its value stays 10.
    assert_eq!(results[0], v(10));
    assert_eq!(results[1], eexist | v(10));
    // Key 1 deleted twice: the second finds nothing.
    assert_eq!(results[2], (enoent << 16) | v(12));
    // Keys 0, 2, 3, 4 fill the map: key 5 does not fit, nor is it found.
    assert_eq!(results[6], e2big | v(0xee));
    // Key 0 refused again, then deleted: key 6 fits.
    assert_eq!(results[7], eexist | v(10));
    assert_eq!(results[8], v(18));
    let keys: Vec<u32> = dst
        .keys()
        .map(|k| u32::from_ne_bytes(k[..4].try_into().unwrap()))
        .collect();
    assert_eq!(keys.len(), 4, "{dst:?}");
    assert!(!keys.contains(&0) && keys.contains(&6), "{keys:?}");
    assert!(seen.iter().all(|s| s == &seen[0]), "{seen:?}");
}
