//! Loops the JIT enters through their exit-free iterations, unrolled
//! (`jit/unroll.rs`), against the interpreter: counters, 64- and 32-bit,
//! that start, step and stop anywhere in their range (wrapping included),
//! every exit test
//! the unrolling accepts, in every order within the loop, and loops that
//! walk and sum memory (and write it back), in checked and unchecked mode.
#![cfg(feature = "jit")]

mod common;

use common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};
use quiver_isa::asm::{Syntax, assemble};
use quiver_vm::Engine;

/// A runner of `default` cases (`QUIVER_JIT_CASES` overrides).
fn runner(default: u32) -> TestRunner {
    let cases = std::env::var("QUIVER_JIT_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default);
    TestRunner::new(RunnerConfig {
        cases,
        failure_persistence: None,
        ..RunnerConfig::default()
    })
}

/// A loop that sums the `size`-byte words at `first`, `first + step`, ...
/// of the memory in r1 (`len` bytes), `words` of them at most, and
/// returns where it stopped: the pointer (<< 40), the count (<< 20) and
/// the sum, XORed. With `store`, it also writes each word back XORed with
/// 0x5a, after reading it.
fn walk(
    len: usize,
    words: u64,
    first: usize,
    size: u32,
    step: u64,
    latch: &str,
    store: bool,
) -> String {
    let store = if store {
        format!(
            "r6 ^= 0x5a\n *(u{bits} *)(r0 - {size}) = r6",
            bits = size * 8
        )
    } else {
        String::new()
    };
    format!(
        "r2 = r1
         r2 += {len}
         r4 = {words}
         r3 = 0
         r5 = 0
         r0 = r1
         r0 += {first}
       loop:
         if r0 > r2 goto out
         r6 = *(u{bits} *)(r0 - {size})
         r3 += r6
         {store}
         r0 += {step}
         r5 += 1
         {latch}
       out:
         r0 -= r1
         r0 <<= 40
         r5 <<= 20
         r0 ^= r5
         r0 ^= r3
         exit",
        bits = size * 8
    )
}

fn program_of(text: &str) -> Program {
    Program::from_insns(assemble(text, Syntax::Llvm).expect("assembles")).expect("valid")
}

/// Runs `text`, whose one loop the JIT must enter unrolled, in the
/// interpreter and in the JIT (checked and, where `unchecked`, unchecked)
/// on copies of `mem`, and asserts they agree.
fn agree(text: &str, mem: &[u8], unchecked: bool) -> Result<u64, TestCaseError> {
    let program = program_of(text);
    let interp = Vm::new(&program, Config::new()).expect("loads");
    let jit = Vm::new(&program, Config::new().engine(Engine::Jit)).expect("compiles");
    prop_assert_eq!(jit.jit_loops_unrolled(), Some(1), "program:\n{}", text);
    let mut want_mem = mem.to_vec();
    let want = interp.run(&mut want_mem).expect("runs");
    let mut got_mem = mem.to_vec();
    let got = jit.run(&mut got_mem).expect("runs");
    prop_assert_eq!(want, got, "checked JIT, program:\n{}", text);
    prop_assert_eq!(&want_mem, &got_mem);
    if unchecked {
        // SAFETY: the memory programs read only inside the memory they are
        // given (their pointer stays below the end they test it against),
        // and the counter programs access nothing.
        let raw = unsafe { Vm::new_unchecked(&program, Config::new().engine(Engine::Jit)) }
            .expect("compiles");
        prop_assert_eq!(raw.jit_loops_unrolled(), Some(1));
        let mut raw_mem = mem.to_vec();
        let got = raw.run(&mut raw_mem).expect("runs");
        prop_assert_eq!(want, got, "unchecked JIT, program:\n{}", text);
        prop_assert_eq!(&want_mem, &raw_mem);
    }
    Ok(want)
}

/// A u64 from a mix that reaches the ends of the range.
fn edge_u64() -> impl Strategy<Value = u64> {
    prop_oneof![
        0u64..64,
        0u64..4096,
        (0u64..4096).prop_map(|d| u64::MAX - d),
        (0u64..4096).prop_map(|d| (1 << 63) - d),
        (0u64..4096).prop_map(|d| (1 << 32) - d),
        (0u64..4096).prop_map(|d| (1 << 31) - d),
        any::<u64>(),
    ]
}

fn step() -> impl Strategy<Value = u64> {
    prop_oneof![
        1u64..10,
        Just(16),
        Just(1 << 20),
        Just(i32::MAX as u64),
        1u64..100_000
    ]
}

/// An exit test on r1 (the counter) and r2 (its bound) that fires when
/// the counter is past, at or equal to the bound, written either way.
const EXITS: [&str; 6] = [
    "if r1 > r2 goto out",
    "if r2 < r1 goto out",
    "if r1 >= r2 goto out",
    "if r2 <= r1 goto out",
    "if r1 == r2 goto out",
    "if r2 == r1 goto out",
];

/// Latches on r5 (the trip counter) and r4 (its limit).
const LATCHES: [&str; 6] = [
    "if r5 < r4 goto loop",
    "if r4 > r5 goto loop",
    "if r5 <= r4 goto loop",
    "if r4 >= r5 goto loop",
    "if r5 != r4 goto loop",
    "if r4 != r5 goto loop",
];

#[test]
fn counters_anywhere_in_the_range_leave_where_the_interpreter_does() {
    let mut runner = runner(1500);
    let strategy = (
        (edge_u64(), edge_u64(), step()),
        (0usize..6, 0usize..6, 0u64..300, edge_u64()),
        Just(["exit", "sum", "step", "trip", "mix", "guard"]).prop_shuffle(),
        (any::<bool>(), any::<bool>()),
    );
    runner
        .run(
            &strategy,
            |((start, bound, step), (exit, latch, trips, trip_start), order, narrow)| {
                // 32-bit adds and tests (on w1 and w2, w5 and w4) or 64-bit.
                let (exit_w, trip_w) = (
                    if narrow.0 { "w" } else { "r" },
                    if narrow.1 { "w" } else { "r" },
                );
                // A `!=` latch from above its limit would run 2^64 times.
                let trip_start = if latch >= 4 {
                    trip_start % (trips + 1)
                } else {
                    trip_start
                };
                let trip_start = if latch >= 4 && trip_start == trips {
                    0
                } else {
                    trip_start
                };
                let trips = if latch >= 4 && trips == 0 { 1 } else { trips };
                let body: Vec<String> = order
                    .iter()
                    .map(|part| match *part {
                        "exit" => EXITS[exit].replace('r', exit_w),
                        "sum" => "r3 += r7".to_string(),
                        "step" => format!("{exit_w}1 += {step}"),
                        "trip" => format!("{trip_w}5 += 1"),
                        // Ends a loop that ran past its latch (a wrong count
                        // would otherwise run a `!=` latch 2^64 times).
                        "guard" => "if r8 > 100000 goto out\n r8 += 1".to_string(),
                        _ => "r7 ^= r5".to_string(),
                    })
                    .collect();
                let text = format!(
                    "r1 = {start} ll
                 r2 = {bound} ll
                 r4 = {trips} ll
                 r5 = {trip_start} ll
                 r3 = 11
                 r8 = 0
                 r7 = 3
               loop:
                 {}
                 {}
               out:
                 r0 = r3
                 r1 *= 3
                 r0 ^= r1
                 r5 *= 7
                 r0 ^= r5
                 r0 ^= r7
                 exit",
                    body.join("\n"),
                    LATCHES[latch].replace('r', trip_w)
                );
                agree(&text, &[], true)?;
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn loops_that_walk_and_sum_memory_match_in_both_modes() {
    let mut runner = runner(600);
    let strategy = (
        proptest::collection::vec(any::<u8>(), 0..700),
        prop_oneof![Just(1u32), Just(2), Just(4), Just(8)],
        0u64..4,
        0u64..400,
        0usize..4,
        any::<bool>(),
    );
    runner
        .run(&strategy, |(mem, size, extra_step, words, first, store)| {
            let len = mem.len();
            let step = size as u64 + extra_step;
            // The first pointer is `size` bytes in, or a few more.
            let first = size as usize + first;
            let text = walk(len, words, first, size, step, "if r5 < r4 goto loop", store);
            let r0 = agree(&text, &mem, true)?;
            // What the loop computes, for the record: the sum of the words
            // it read.
            let mut p = first;
            let (mut sum, mut n) = (0u64, 0u64);
            loop {
                if p > len {
                    break;
                }
                let mut word = [0u8; 8];
                word[..size as usize].copy_from_slice(&mem[p - size as usize..p]);
                sum = sum.wrapping_add(u64::from_le_bytes(word));
                p += step as usize;
                n += 1;
                if n >= words {
                    break;
                }
            }
            let want = (((p as u64) << 40) ^ (n << 20)) ^ sum;
            prop_assert_eq!(r0, want, "program:\n{}", text);
            Ok(())
        })
        .unwrap();
}

/// The unrolled code lowers for aarch64 too (compiled, not run: this host
/// is x86-64): a power-of-two step (a shift) and another (a division),
/// checked and unchecked.
#[test]
fn unrolled_loops_lower_for_aarch64() {
    for step in [2, 3] {
        let text = walk(64, 10, 2, 2, step, "if r4 != r5 goto loop", step == 3);
        let program = program_of(&text);
        for checked in [true, false] {
            let size = Vm::jit_code_size_for(&program, Config::new(), "aarch64", checked)
                .expect("lowers for aarch64");
            assert!(size > 0);
        }
    }
}
