//! The Cranelift JIT against the interpreter: every bpf_conformance vector,
//! thousands of random programs with identical results, errors and
//! memory, helpers and callbacks through the trampoline, and unchecked
//! mode.
#![cfg(feature = "jit")]

mod common;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::generate::*;
use common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};
use quiver_isa::asm::{Syntax, assemble as asm};
use quiver_vm::{Engine, HelperError, Kfuncs, LoadError, Region, RunInput};

fn jit(program: &Program, config: Config) -> Result<Vm, LoadError> {
    Vm::new(program, config.engine(Engine::Jit))
}

fn text_program(text: &str) -> Program {
    Program::from_insns(asm(text, Syntax::Llvm).unwrap()).unwrap()
}

// ---------------------------------------------------------------------------
// bpf_conformance

/// Number of vectors in the suite (as crates/quiver-cli/tests checks).
const EXPECTED_FILES: usize = 313;

fn suite_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/bpf_conformance/tests");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("jit conformance: skipped, {} is absent", dir.display());
        None
    }
}

/// The sections of a `.data` file that matter here.
struct Case {
    asm: String,
    mem: Vec<u8>,
    result: Option<u64>,
    error: bool,
}

fn parse_case(text: &str) -> Case {
    let mut sections: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("-- ") {
            sections.push((name.trim().to_string(), String::new()));
        } else if let Some((_, body)) = sections.last_mut() {
            body.push_str(line.split('#').next().unwrap_or(""));
            body.push('\n');
        }
    }
    let get = |name: &str| sections.iter().find(|(n, _)| n == name).map(|(_, b)| b);
    let mem = get("mem")
        .map(|b| {
            b.split_whitespace()
                .map(|h| u8::from_str_radix(h, 16).expect("hex byte"))
                .collect()
        })
        .unwrap_or_default();
    let result = get("result").map(|r| {
        let r = r.trim();
        match r.strip_prefix("0x") {
            Some(h) => u64::from_str_radix(h, 16).unwrap(),
            None => r
                .parse::<u64>()
                .unwrap_or_else(|_| r.parse::<i64>().unwrap() as u64),
        }
    });
    // The asm section keeps its comments for the assembler.
    let asm = text
        .split("-- asm\n")
        .nth(1)
        .map(|rest| rest.split("\n-- ").next().unwrap_or("").to_string())
        .unwrap_or_default();
    Case {
        asm,
        mem,
        result,
        error: get("error").is_some(),
    }
}

/// Runs one vector with `make`; `None` is a pass.
fn run_vector(case: &Case, make: &dyn Fn(&Program) -> Result<Vm, LoadError>) -> Option<String> {
    let program = match asm(&case.asm, Syntax::Conformance)
        .map_err(|e| e.to_string())
        .and_then(|i| Program::from_insns(i).map_err(|e| e.to_string()))
    {
        Ok(p) => p,
        Err(e) => return (!case.error).then(|| format!("build: {e}")),
    };
    let vm = match make(&program) {
        Ok(vm) => vm,
        Err(e) => return (!case.error).then(|| format!("load: {e}")),
    };
    let mut mem = case.mem.clone();
    match (vm.run(&mut mem), case.result) {
        (Ok(r0), Some(want)) if r0 == want => None,
        (Ok(r0), Some(want)) => Some(format!("r0 = {r0:#x}, expected {want:#x}")),
        (Ok(r0), None) => Some(format!("r0 = {r0:#x}, expected an error")),
        (Err(_), _) if case.error => None,
        (Err(e), _) => Some(format!("error: {e}")),
    }
}

fn vectors() -> Option<Vec<(PathBuf, Case)>> {
    let dir = suite_dir()?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "data"))
        .collect();
    files.sort();
    assert_eq!(files.len(), EXPECTED_FILES, "every vector is there");
    Some(
        files
            .into_iter()
            .map(|p| {
                let case = parse_case(&std::fs::read_to_string(&p).unwrap());
                (p, case)
            })
            .collect(),
    )
}

#[test]
fn jit_passes_every_conformance_vector() {
    let Some(cases) = vectors() else { return };
    let make = |p: &Program| jit(p, Config::new().helpers(Helpers::conformance()));
    let mut failed = 0;
    for (path, case) in &cases {
        if let Some(why) = run_vector(case, &make) {
            println!("jit conformance FAIL {}: {why}", path.display());
            failed += 1;
        }
    }
    println!(
        "jit conformance: {} passed, {failed} failed",
        cases.len() - failed
    );
    assert_eq!(failed, 0);
}

#[test]
fn unchecked_jit_passes_the_vectors_that_succeed() {
    let Some(cases) = vectors() else { return };
    let make = |p: &Program| {
        let config = Config::new()
            .helpers(Helpers::conformance())
            .engine(Engine::Jit);
        // SAFETY: the vectors expecting a result are valid programs that
        // access only the memory they are given and their stack.
        unsafe { Vm::new_unchecked(p, config) }
    };
    let mut ran = 0;
    for (path, case) in cases.iter().filter(|(_, c)| c.result.is_some() && !c.error) {
        // Unaligned atomics are undefined behaviour unchecked; the
        // vectors' memory comes from a Vec, aligned enough for them.
        assert_eq!(run_vector(case, &make), None, "{}", path.display());
        ran += 1;
    }
    println!("jit unchecked conformance: {ran} passed, 0 failed");
}

// ---------------------------------------------------------------------------
// Differential: interpreter vs JIT on random programs

const BUDGET: u64 = 5_000;

/// Helpers of the differential runs: the conformance one, a callback
/// caller (`bpf_loop`-like), a region adder and a stopper.
fn diff_helpers() -> Helpers {
    static TABLE: [u8; 16] = *b"0123456789abcdef";
    Helpers::conformance()
        .with(6, "call", |ctx, a| {
            let mut sum = 0u64;
            for i in 0..(a[2] & 3) {
                sum = sum.wrapping_add(ctx.call_function(a[0], [i, a[1], 0, 0, 0])?);
            }
            Ok(sum)
        })
        .with(7, "table", |ctx, _| {
            Ok(ctx.add_region(Region::from_static("table", &TABLE)))
        })
        .with(3, "stop", |ctx, a| {
            ctx.stop(a[0]);
            Ok(1)
        })
        .with(2, "fail", |_, a| {
            if a[0] & 1 == 1 {
                Err(HelperError::msg("odd"))
            } else {
                Ok(a[0] / 2)
            }
        })
}

/// Outcome and memory after a run.
type Observed = (Result<u64, VmError>, Vec<u8>, Vec<u8>);

/// Runs `vm` on `mem` and `packet` restored to `init_*` first, twice:
/// `run` and `run_with` (context + packet). The buffers stay in place so
/// that both engines see the same addresses.
fn observe(
    vm: &Vm,
    mem: &mut [u8],
    packet: &mut [u8],
    init_mem: &[u8],
    init_packet: &[u8],
) -> [Observed; 2] {
    mem.copy_from_slice(init_mem);
    packet.copy_from_slice(init_packet);
    let a = vm.run(mem);
    let first = (a, mem.to_vec(), packet.to_vec());
    mem.copy_from_slice(init_mem);
    packet.copy_from_slice(init_packet);
    let addr = mem.as_ptr() as u64;
    let b = vm.run_with(&mut RunInput::new().context(mem).packet(packet).arg(2, addr));
    [first, (b, mem.to_vec(), packet.to_vec())]
}

#[test]
fn jit_matches_the_interpreter_on_random_programs() {
    let config = Config::new()
        .helpers(diff_helpers())
        .kfuncs(kfuncs())
        .budget(Some(BUDGET));
    let (cases, ok, err) = differential(3000, config, any_slot(), assemble);
    println!(
        "jit differential: {cases} programs, {} runs identical ({ok} returned, {err} failed)",
        ok + err
    );
}

/// Without a budget (which counts every instruction, so the JIT keeps
/// each jump), forward jumps over a few ALU ops become selects: programs
/// whose jumps all go forward end without one.
#[test]
fn jit_matches_the_interpreter_on_forward_programs_without_a_budget() {
    // Helper 6 calls back into the program, which could then loop.
    let helpers = diff_helpers().with(6, "call", |_, _| Ok(6));
    let config = Config::new().helpers(helpers).kfuncs(kfuncs());
    let slots = any_slot_mostly_pure();
    let forward = |s| frame_as_base_only(assemble_forward(s, 6));
    let (cases, ok, err) = differential(1500, config, slots, forward);
    println!(
        "jit differential, forward jumps, no budget: {cases} programs, {} runs identical \
         ({ok} returned, {err} failed)",
        ok + err
    );
}

/// Runs `cases` generated programs (QUIVER_JIT_CASES overrides it) in
/// both engines under `config`, programs assembled by `assemble`; every
/// run must be identical (`slot` makes the instructions). Returns the cases and the runs that returned
/// and failed.
fn differential(
    cases: u32,
    config: Config,
    slot: impl Strategy<Value = Slot>,
    assemble: impl Fn(Vec<Slot>) -> Vec<Insn>,
) -> (u32, usize, usize) {
    let cases = std::env::var("QUIVER_JIT_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    let mut runner = TestRunner::new(RunnerConfig {
        cases,
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    let strategy = (
        proptest::collection::vec(slot, 0..48),
        proptest::collection::vec(any::<u8>(), 0..64),
        proptest::collection::vec(any::<u8>(), 0..16),
    );
    let (ok, err) = (AtomicUsize::new(0), AtomicUsize::new(0));
    runner
        .run(&strategy, |(slots, init_mem, init_packet)| {
            let insns = assemble(slots);
            let program = Program::from_insns(insns).expect("generated program is valid");
            let interp = Vm::new(&program, config.clone()).expect("loads");
            let native = jit(&program, config.clone()).expect("compiles");
            let mut mem = Box::new(Aligned([0u8; 64]));
            let mut packet = [0u8; 16];
            let (m, p) = (
                &mut mem.0[..init_mem.len()],
                &mut packet[..init_packet.len()],
            );
            let want = observe(&interp, m, p, &init_mem, &init_packet);
            let got = observe(&native, m, p, &init_mem, &init_packet);
            for (w, g) in want.iter().zip(&got) {
                prop_assert_eq!(w, g, "program {:?}", program.insns());
                match w.0 {
                    Ok(_) => ok.fetch_add(1, Ordering::Relaxed),
                    Err(_) => err.fetch_add(1, Ordering::Relaxed),
                };
            }
            Ok(())
        })
        .unwrap();
    (cases, ok.into_inner(), err.into_inner())
}

// ---------------------------------------------------------------------------
// Helpers and callbacks through the trampoline

#[test]
fn callbacks_run_in_native_code() {
    let vm = jit(
        &text_program(CALLBACK_PROGRAM),
        Config::new().helpers(looper()),
    )
    .unwrap();
    assert_eq!(vm.engine(), Engine::Jit);
    assert_eq!(vm.run(&mut []).unwrap(), 4014 + 7);
    // A budget shared with callbacks.
    let config = Config::new().helpers(looper()).budget(Some(20));
    let vm = jit(&text_program(CALLBACK_PROGRAM), config).unwrap();
    assert!(matches!(
        vm.run(&mut []).unwrap_err(),
        VmError::HelperFailed { .. }
    ));
}

#[test]
fn callback_errors_match_the_interpreter() {
    let nesting = "
        r1 = func(again) ll
        r3 = 1
        call 100
        exit
    again:
        r1 = func(again) ll
        r3 = 1
        call 100
        exit
    ";
    for text in [nesting, "r1 = 0x1234\nr3 = 1\ncall 100\nexit\n"] {
        let program = text_program(text);
        let config = Config::new().helpers(looper());
        let want = Vm::new(&program, config.clone()).unwrap().run(&mut []);
        let got = jit(&program, config).unwrap().run(&mut []);
        assert!(want.is_err());
        assert_eq!(want, got);
    }
}

#[test]
fn forged_function_addresses_fall_back_to_the_interpreter() {
    // r1 = the address of `square` plus one op: the callback starts in
    // the middle of the function, where native code has no entry.
    let text = "
        r1 = func(square) ll
        r1 += 1
        r2 = 5
        r3 = 1
        call 100
        exit
    square:
        r0 = 1
        r0 = r2
        r0 *= 3
        exit
    ";
    let program = text_program(text);
    let config = Config::new().helpers(looper());
    let want = Vm::new(&program, config.clone()).unwrap().run(&mut []);
    assert_eq!(want, Ok(15));
    assert_eq!(jit(&program, config).unwrap().run(&mut []), want);
}

#[test]
fn helpers_see_memory_regions_and_stop() {
    static VALUE: [u8; 8] = 42u64.to_le_bytes();
    let helpers = Helpers::new()
        .with(1, "lookup", |ctx, _| {
            Ok(ctx.add_region(Region::from_static("value", &VALUE)))
        })
        .with(2, "copy", |ctx, a| {
            let v = ctx.read_vec(a[0], 8)?;
            ctx.write_bytes(a[1], &v)?;
            Ok(0)
        })
        .with(3, "stop", |ctx, a| {
            ctx.stop(a[0] + 1);
            Ok(0)
        });
    let text = "
        call 1
        r6 = *(u64 *)(r0 + 0)
        r1 = r0
        r2 = r10
        r2 += -8
        call 2
        r0 = *(u64 *)(r10 - 8)
        r0 += r6
        r1 = r0
        call 3
        r0 = 7
        exit
    ";
    let program = text_program(text);
    let config = Config::new().helpers(helpers);
    let vm = jit(&program, config.clone()).unwrap();
    assert_eq!(vm.run(&mut []), Ok(85));
    // A write through the helper to the read-only region fails the same
    // way in both engines.
    let bad = "call 1\nr2 = r0\nr1 = r10\nr1 += -8\ncall 2\nexit\n";
    let program = text_program(bad);
    let want = Vm::new(&program, config.clone()).unwrap().run(&mut []);
    assert!(matches!(want, Err(VmError::HelperFailed { .. })));
    assert_eq!(jit(&program, config).unwrap().run(&mut []), want);
}

#[test]
fn kfuncs_and_unknown_calls() {
    let kfuncs = Kfuncs::new().with(9, "triple", |_, a| Ok(a[0] * 3));
    let config = Config::new().kfuncs(kfuncs);
    let program = Program::from_insns(vec![
        mov(R1, 14),
        Insn::Call(CallTarget::Kfunc {
            btf_id: 9,
            module: 0,
        }),
        exit(),
    ])
    .unwrap();
    assert_eq!(jit(&program, config.clone()).unwrap().run(&mut []), Ok(42));
    for insns in [
        vec![call(77), exit()],
        vec![
            Insn::Call(CallTarget::Kfunc {
                btf_id: 8,
                module: 0,
            }),
            exit(),
        ],
        vec![
            mov(R3, 77),
            Insn::Callx {
                reg: R3,
                form: CallxForm::Dst,
            },
            exit(),
        ],
    ] {
        let program = program_of(insns);
        let want = Vm::new(&program, config.clone()).unwrap().run(&mut []);
        assert!(want.is_err());
        assert_eq!(jit(&program, config.clone()).unwrap().run(&mut []), want);
    }
}

/// Checked native code starts a run with the run's first two regions in
/// its region cache, so that first touching the context or an argument
/// takes no slow path. The cache must hold their bounds and permissions:
/// each access is allowed or refused as the interpreter does it.
#[test]
fn first_regions_keep_their_bounds_and_permissions() {
    let cases = [
        // Reads the read-only context, writes the writable region (r2).
        ("r0 = *(u32 *)(r1 + 4)\n*(u32 *)(r2 + 12) = r0\nexit", true),
        // Writes the read-only context.
        ("*(u32 *)(r1 + 0) = r1\nr0 = 0\nexit", false),
        // Past the end of either.
        ("r0 = *(u32 *)(r1 + 6)\nexit", false),
        ("*(u32 *)(r2 + 14) = r1\nr0 = 0\nexit", false),
    ];
    for (text, ok) in cases {
        let program = text_program(text);
        let run = |engine| {
            let vm = Vm::new(&program, Config::new().engine(engine)).unwrap();
            let ctx = [1u8, 2, 3, 4, 5, 6, 7, 8];
            let mut data = [0u8; 16];
            let addr = data.as_ptr() as u64;
            let input = RunInput::new()
                .context_readonly(&ctx)
                .region("data", &mut data)
                .arg(2, addr);
            let r = vm.run_with(&mut { input });
            (r, data)
        };
        let want = run(Engine::Interpreter);
        assert_eq!(want.0.is_ok(), ok, "{text}: {want:?}");
        assert_eq!(run(Engine::Jit), want, "{text}");
    }
}

fn program_of(insns: Vec<Insn>) -> Program {
    Program::from_insns(insns).unwrap()
}

#[test]
fn helper_panics_propagate_through_native_code() {
    let helpers = Helpers::new().with(1, "boom", |_, _| panic!("boom"));
    let vm = jit(
        &program_of(vec![call(1), exit()]),
        Config::new().helpers(helpers),
    )
    .unwrap();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| vm.run(&mut [])));
    assert!(caught.is_err());
    // The Vm still works afterwards.
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| vm.run(&mut [])));
    assert!(caught.is_err());
}

// ---------------------------------------------------------------------------
// Frames, shared code, unchecked mode

#[test]
fn bpf_to_bpf_calls_keep_frames_and_stop_at_the_limit() {
    // Each level stores its depth on its own stack, recurses, and adds
    // what it stored after the return.
    let text = "
        r1 = 0
        call rec
        exit
    rec:
        *(u64 *)(r10 - 8) = r1
        r0 = 0
        if r1 > 5 goto out
        r1 += 1
        call rec
    out:
        r1 = *(u64 *)(r10 - 8)
        r0 += r1
        exit
    ";
    let program = text_program(text);
    let want = Vm::new(&program, Config::new()).unwrap().run(&mut []);
    assert_eq!(want, Ok(21));
    assert_eq!(jit(&program, Config::new()).unwrap().run(&mut []), want);
    let deeper = text.replace("r1 > 5", "r1 > 6");
    let program = text_program(&deeper);
    let want = Vm::new(&program, Config::new()).unwrap().run(&mut []);
    assert!(matches!(want, Err(VmError::CallDepthExceeded { .. })));
    assert_eq!(jit(&program, Config::new()).unwrap().run(&mut []), want);
}

#[test]
fn jit_code_is_shared_between_threads() {
    let vm = jit(
        &text_program(CALLBACK_PROGRAM),
        Config::new().helpers(looper()),
    )
    .unwrap();
    let clone = vm.clone();
    drop(vm);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..100 {
                    assert_eq!(clone.run(&mut []).unwrap(), 4021);
                }
            });
        }
    });
}

#[test]
fn unchecked_jit_equals_checked_on_valid_programs() {
    // Atomics, sign-extending loads, byte swaps, may_goto and division
    // edges on memory the programs own.
    let text = "
        r6 = r1
        r2 = 5
        lock *(u64 *)(r6 + 0) += r2
        r3 = 3
        r3 = atomic_fetch_or((u64 *)(r6 + 8), r3)
        r0 = 77
        r4 = 9
        r0 = cmpxchg_64(r6 + 16, r0, r4)
        r5 = *(s8 *)(r6 + 24)
        r5 = be32 r5
        r7 = -1
        r8 = 0x8000000000000000 ll
        r8 s/= r7
        r9 = 0
        r7 %= r9
        r0 += r3
        r0 += r5
        r0 += r8
        r0 += r7
        exit
    ";
    let program = text_program(text);
    let run = |vm: &Vm| {
        let mut mem = Box::new(Aligned([0u8; 32]));
        mem.0[16] = 77;
        mem.0[24] = 0xf0;
        mem.0[8] = 4;
        let r = vm.run(&mut mem.0);
        (r, mem.0)
    };
    let interp = run(&Vm::new(&program, Config::new()).unwrap());
    let checked = run(&jit(&program, Config::new()).unwrap());
    // SAFETY: the program only accesses its 32 aligned bytes of memory.
    let unchecked_vm = unsafe { Vm::new_unchecked(&program, Config::new().engine(Engine::Jit)) };
    let unchecked = run(&unchecked_vm.unwrap());
    assert!(interp.0.is_ok());
    assert_eq!(interp, checked);
    assert_eq!(checked, unchecked);
}

#[test]
fn may_goto_and_packet_loads_match() {
    let program = program_of(vec![
        movr(R6, R1),
        mov(R0, 0),
        add(R0, 1),
        Insn::MayGoto { off: 1 },
        ja(-3),
        Insn::LoadPacket {
            mode: PacketMode::Abs,
            size: Size::H,
            imm: 0,
        },
        alu64(AluOp::Add, R0, reg(R6)),
        Insn::LoadPacket {
            mode: PacketMode::Ind(R6),
            size: Size::W,
            imm: 2,
        },
        exit(),
    ]);
    let mut packet = [0x12, 0x34, 0x56];
    let mut ctx = [0u8; 4];
    for r1 in [0u64, u64::MAX] {
        let mut input = RunInput::new()
            .context(&mut ctx)
            .packet(&mut packet)
            .arg(1, r1);
        let want = Vm::new(&program, Config::new())
            .unwrap()
            .run_with(&mut input);
        let got = jit(&program, Config::new()).unwrap().run_with(&mut input);
        // Out of bounds: the program ends with 0.
        assert_eq!(want, Ok(0));
        assert_eq!(want, got);
    }
}

/// Replays the corpus of the `jit_differential` fuzz target with its
/// check: 16 bytes of memory, then a program; both engines agree.
#[test]
fn jit_differential_corpus_replays() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/jit_differential");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        if data.len() < 16 {
            continue;
        }
        let (mem, code) = data.split_at(16);
        let Ok(program) = Program::decode(code) else {
            continue;
        };
        let config = |engine| {
            Config::new()
                .helpers(Helpers::conformance())
                .budget(Some(10_000))
                .engine(engine)
        };
        let (Ok(interp), Ok(native)) = (
            Vm::new(&program, config(Engine::Interpreter)),
            Vm::new(&program, config(Engine::Jit)),
        ) else {
            continue;
        };
        // One buffer, so that both runs see the same addresses.
        let mut buf = mem.to_vec();
        let r1 = interp.run(&mut buf);
        let m1 = buf.clone();
        buf.copy_from_slice(mem);
        let r2 = native.run(&mut buf);
        let m2 = buf;
        assert_eq!(
            r1.as_ref().map_err(ToString::to_string),
            r2.as_ref().map_err(ToString::to_string),
            "{}",
            path.display()
        );
        assert_eq!(m1, m2, "{}", path.display());
        replayed += 1;
    }
    assert!(replayed > 0, "no corpus input in {}", dir.display());
}

/// The translation is the same for every target: each conformance
/// program also lowers for aarch64 (compiled, not run: this host is
/// x86-64), checked and unchecked code alike.
#[test]
fn every_conformance_program_lowers_for_aarch64() {
    let Some(vectors) = vectors() else { return };
    let mut lowered = 0;
    for (path, case) in &vectors {
        let Ok(program) = asm(&case.asm, Syntax::Conformance)
            .map_err(|e| e.to_string())
            .and_then(|i| Program::from_insns(i).map_err(|e| e.to_string()))
        else {
            continue;
        };
        for checked in [true, false] {
            let config = Config::new().helpers(Helpers::conformance());
            match Vm::jit_code_size_for(&program, config, "aarch64", checked) {
                Ok(size) => assert!(size > 0, "{}", path.display()),
                // What the interpreter also refuses to load.
                Err(e) if !matches!(e, LoadError::Jit { .. }) => continue,
                Err(e) => panic!("{}: {e}", path.display()),
            }
        }
        lowered += 1;
    }
    assert!(lowered > 300, "only {lowered} programs lowered");
}

/// Programs that call nothing run natively without the run's `Memory`:
/// the same results, packet and context bytes, and a zeroed stack, by
/// `run`, `run_with` and `run_packet`, as in the interpreter and as with
/// a helper call added (which takes the general path).
#[test]
fn programs_that_call_nothing_run_alike_by_every_entry() {
    let bodies = [
        // Reads stack it never wrote: zero in every run.
        "r0 = *(u64 *)(r10 - 8)\nr1 = *(u64 *)(r10 - 512)\nr0 |= r1",
        // Writes the context and reads it back through r1.
        "*(u32 *)(r1 + 4) = 0x1234\nr0 = *(u32 *)(r1 + 4)",
        // Legacy packet loads, in and out of bounds.
        "r6 = r1\nr0 = *(u16 *)skb[0]\nr2 = r0\nr0 = *(u8 *)skb[40]\nr0 += r2",
        // A may_goto loop over the stack.
        "r0 = 0\nr2 = 0\n*(u64 *)(r10 - 16) = r2\nr2 = *(u64 *)(r10 - 16)\n\
         r2 += 3\n*(u64 *)(r10 - 16) = r2\nr0 += r2\nmay_goto +1\ngoto -5\nr0 += 1",
    ];
    let helpers = Helpers::new().with(1, "seven", |_, _| Ok(7));
    for body in bodies {
        for call in ["", "call 1\n"] {
            let text = format!("r7 = r1\n{call}r1 = r7\n{body}\nexit\n");
            let program = text_program(&text);
            let config = Config::new().helpers(helpers.clone());
            let engines = [
                Vm::new(&program, config.clone()).unwrap(),
                jit(&program, config.clone()).unwrap(),
                // SAFETY: every access is to the context (16 bytes from
                // r1), the packet through legacy loads, or the stack.
                unsafe { Vm::new_unchecked(&program, config.clone().engine(Engine::Jit)) }.unwrap(),
            ];
            let mut seen = Vec::new();
            for vm in &engines {
                let mut ctx = Box::new(Aligned([0u8; 16]));
                let mut packet = [0xab_u8, 0xcd, 3, 4];
                let by_run = vm.run(&mut ctx.0);
                let with =
                    vm.run_with(&mut RunInput::new().context(&mut ctx.0).packet(&mut packet));
                let by_packet = vm.run_packet(&mut ctx.0, &mut packet, &[]);
                seen.push((by_run, with, by_packet, ctx.0, packet));
            }
            assert!(seen[0].1.is_ok(), "{text}: {:?}", seen[0]);
            assert_eq!(seen[0].1, seen[0].2, "{text}");
            assert_eq!(seen[0], seen[1], "{text}: interpreter against checked JIT");
            assert_eq!(
                seen[0], seen[2],
                "{text}: interpreter against unchecked JIT"
            );
        }
    }
}

/// One generated read of two bytes, shaped like (or nearly like) the
/// 16-bit little-endian field reads the JIT merges into one load.
#[derive(Debug, Clone)]
struct PairRead {
    base: Reg,
    high: Reg,
    low: Reg,
    low_off: i16,
    /// Added to `low_off + 1` for the high byte: 0 makes a little-endian
    /// field, -2 one in network order.
    high_skew: i16,
    /// 0: high load, shift, low load; 1: low, high, shift; 2: high, low,
    /// shift; 3: shift before the high load.
    order: u8,
    shift: i32,
    shift_64: bool,
    or_64: bool,
    into_low: bool,
    /// A jump ahead of the read that lands on its op 1, 2 or 3 (0: none).
    landing: u8,
    start: (i32, i32),
}

fn pair_read() -> impl Strategy<Value = PairRead> {
    // r1 holds the memory throughout; the read's registers are others.
    let regs = prop::sample::subsequence(vec![R0, R2, R3, R4, R5, R6, R7, R8], 3)
        .prop_shuffle()
        .prop_flat_map(|r| (Just(r), any::<bool>()))
        .prop_map(|(r, same)| (if same { R1 } else { r[0] }, r[1], r[2]));
    (
        regs,
        0i16..62,
        prop_oneof![4 => Just(0i16), 3 => Just(-2i16), 1 => Just(-1i16), 1 => Just(1i16), 1 => Just(-3i16)],
        prop_oneof![3 => 0u8..3, 1 => Just(3u8)],
        prop_oneof![6 => Just(8), 1 => Just(16), 1 => Just(7)],
        (any::<bool>(), any::<bool>(), any::<bool>()),
        prop_oneof![4 => Just(0u8), 1 => 1u8..4],
        (any::<i32>(), any::<i32>()),
        any::<bool>(),
    )
        .prop_map(
            |((base, high, low), low_off, high_skew, order, shift, wide, landing, start, same)| {
                PairRead {
                    base,
                    high,
                    // Sometimes one register for both bytes.
                    low: if same && start.0 % 4 == 0 { high } else { low },
                    low_off,
                    high_skew,
                    order,
                    shift,
                    shift_64: wide.0,
                    or_64: wide.1,
                    into_low: wide.2,
                    landing,
                    start,
                }
            },
        )
}

impl PairRead {
    fn emit(&self, code: &mut Vec<Insn>) {
        let high_off = (self.low_off + 1 + self.high_skew).clamp(0, 63);
        let high = ldx(Size::B, self.high, self.base, high_off);
        let low = ldx(Size::B, self.low, self.base, self.low_off);
        let width = |wide| if wide { Width::W64 } else { Width::W32 };
        let shift = Insn::Alu {
            width: width(self.shift_64),
            op: AluOp::Lsh,
            dst: self.high,
            src: imm(self.shift),
        };
        let (dst, src) = if self.into_low {
            (self.low, self.high)
        } else {
            (self.high, self.low)
        };
        let or = Insn::Alu {
            width: width(self.or_64),
            op: AluOp::Or,
            dst,
            src: reg(src),
        };
        let ops = match self.order {
            0 => [high, shift, low, or],
            1 => [low, high, shift, or],
            2 => [high, low, shift, or],
            _ => [shift, high, low, or],
        };
        if self.base != R1 {
            code.push(movr(self.base, R1));
        }
        code.push(mov(self.high, self.start.0));
        code.push(mov(self.low, self.start.1));
        if self.landing > 0 {
            // Taken or not, by a byte of the memory.
            code.push(ldx(Size::B, R9, R1, 63));
            code.push(jmp(
                Width::W64,
                JmpCond::Gt,
                R9,
                imm(0x80),
                self.landing as i16,
            ));
        }
        code.extend(ops);
    }
}

/// Merged byte reads: the unchecked JIT (which merges the fields it
/// recognises) against the interpreter, on reads that are fields (in
/// either byte order) and on near misses (bytes not adjacent, another shift, one register for
/// both, a jump landing inside, the shift first).
#[test]
fn byte_reads_merged_into_one_load_give_what_the_bytes_give() {
    let mut runner = TestRunner::new(RunnerConfig {
        cases: 1000,
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    let strategy = (
        proptest::collection::vec(pair_read(), 1..4),
        proptest::collection::vec(any::<u8>(), 64),
    );
    runner
        .run(&strategy, |(reads, init)| {
            let mut code = Vec::new();
            for (k, read) in reads.iter().enumerate() {
                read.emit(&mut code);
                // Each register a read wrote, into memory after the bytes.
                let out = 64 + 16 * k as i16;
                code.push(stx(Size::DW, R1, out, read.high));
                code.push(stx(Size::DW, R1, out + 8, read.low));
            }
            // Every access is at r1 + 0..112.
            unchecked_agrees(code, &init)
        })
        .unwrap();
}

/// Runs `code` (which must access only r1 + 0..128, and never write r1)
/// in the interpreter and unchecked in the JIT, on 128 bytes that start
/// with `init`; asserts the same result and memory.
fn unchecked_agrees(mut code: Vec<Insn>, init: &[u8]) -> Result<(), TestCaseError> {
    code.push(mov(R0, 1));
    code.push(exit());
    let program = Program::from_insns(code).expect("generated program is valid");
    let interp = Vm::new(&program, Config::new()).expect("loads");
    // SAFETY: as the caller promises, every access is inside the memory
    // given, through r1, which nothing writes.
    let native = unsafe { Vm::new_unchecked(&program, Config::new().engine(Engine::Jit)) }
        .expect("compiles");
    let mut want = Box::new(Aligned([0u8; 128]));
    let mut got = Box::new(Aligned([0u8; 128]));
    want.0[..init.len()].copy_from_slice(init);
    got.0[..init.len()].copy_from_slice(init);
    let a = interp.run(&mut want.0);
    let b = native.run(&mut got.0);
    prop_assert_eq!(&a, &b, "program {:?}", program.insns());
    prop_assert_eq!(&want.0[..], &got.0[..], "program {:?}", program.insns());
    Ok(())
}

/// One generated field write, byte by byte from one register, shaped like
/// (or nearly like) the runs the JIT merges into one store.
#[derive(Debug, Clone)]
struct ByteWrite {
    value: u64,
    off: i16,
    /// Bytes stored, 1 to 9.
    len: usize,
    /// Per shift: 64-bit (else 32-bit).
    shift_64: Vec<bool>,
    /// A near miss at store `k` (0: none): the wrong offset, the wrong
    /// shift, or a jump that lands on that store.
    miss: (usize, u8),
}

fn byte_write() -> impl Strategy<Value = ByteWrite> {
    (
        any::<u64>(),
        0i16..48,
        1usize..10,
        prop_oneof![2 => Just(None), 1 => any::<bool>().prop_map(Some)],
        proptest::collection::vec(any::<bool>(), 9),
        prop_oneof![3 => Just((0usize, 0u8)), 1 => (1usize..9, 0u8..3)],
    )
        .prop_map(|(value, off, len, same, mixed, miss)| ByteWrite {
            value,
            off,
            len,
            // One width throughout (merged), or mixed.
            shift_64: match same {
                Some(w) => vec![w; 9],
                None => mixed,
            },
            miss,
        })
}

impl ByteWrite {
    fn emit(&self, code: &mut Vec<Insn>) {
        code.push(lddw(R3, self.value));
        for k in 0..self.len {
            let missed = self.miss.0 == k && k > 0;
            if k > 0 {
                let wrong_shift = missed && self.miss.1 == 1;
                code.push(Insn::Alu {
                    width: if self.shift_64[k] {
                        Width::W64
                    } else {
                        Width::W32
                    },
                    op: AluOp::Rsh,
                    dst: R3,
                    src: imm(if wrong_shift { 7 } else { 8 }),
                });
                if missed && self.miss.1 == 2 {
                    // Taken or not, by a byte of the memory: lands on the
                    // store.
                    code.push(ldx(Size::B, R9, R1, 63));
                    code.push(jmp(Width::W64, JmpCond::Gt, R9, imm(0x80), 0));
                }
            }
            let skew = i16::from(missed && self.miss.1 == 0);
            code.push(stx(Size::B, R1, self.off + k as i16 + skew, R3));
        }
    }
}

/// Merged byte stores: the unchecked JIT (which merges the runs it
/// recognises into stores of 2, 4 or 8 bytes) against the interpreter,
/// memory and the register's final value, on runs of 1 to 9 bytes, with
/// 32- and 64-bit shifts, and near misses (a gap, another shift, a jump
/// landing inside).
#[test]
fn byte_writes_merged_into_one_store_give_what_the_bytes_give() {
    let mut runner = TestRunner::new(RunnerConfig {
        cases: 1000,
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    let strategy = (
        proptest::collection::vec(byte_write(), 1..4),
        proptest::collection::vec(any::<u8>(), 64),
    );
    runner
        .run(&strategy, |(writes, init)| {
            let mut code = Vec::new();
            for (k, write) in writes.iter().enumerate() {
                write.emit(&mut code);
                // The register as the run left it, after the bytes.
                code.push(stx(Size::DW, R1, 64 + 8 * k as i16, R3));
            }
            // Every access is at r1 + 0..88.
            unchecked_agrees(code, &init)
        })
        .unwrap();
}

// ---------------------------------------------------------------------------
// Division on the FPU

/// A u32 division or remainder that only a jump tests runs through doubles
/// on x86-64 (`jit/float_divide.rs`): its result, seen through the jump
/// against the right value and the one below, must be the integer one,
/// for edge operands and random ones, by zero included.
#[test]
fn tested_only_divisions_are_exact() {
    let program = |op: &str| {
        text_program(&format!(
            "w2 = *(u32 *)(r1 + 0)
             w3 = *(u32 *)(r1 + 4)
             w4 = *(u32 *)(r1 + 8)
             w0 = 0
             w2 {op}= w3
             w5 = 1
             if w2 > w4 goto more
             exit
           more:
             w0 = 1
             exit"
        ))
    };
    let engines = |op: &str| {
        let p = program(op);
        [Engine::Interpreter, Engine::Jit].map(|e| Vm::new(&p, Config::new().engine(e)).unwrap())
    };
    let [div_i, div_j] = engines("/");
    let [mod_i, mod_j] = engines("%");
    let check = |a: u32, b: u32| {
        let want_div = a.checked_div(b).unwrap_or(0);
        let want_mod = a.checked_rem(b).unwrap_or(a);
        for (interp, jit, want) in [(&div_i, &div_j, want_div), (&mod_i, &mod_j, want_mod)] {
            for c in [want, want.wrapping_sub(1)] {
                let mut mem = [a, b, c].map(u32::to_le_bytes).concat();
                let expect = u64::from(want > c);
                assert_eq!(interp.run(&mut mem), Ok(expect), "{a} {b} {c}");
                assert_eq!(jit.run(&mut mem), Ok(expect), "{a} {b} {c}");
            }
        }
    };
    let edges = [
        0,
        1,
        2,
        3,
        7,
        1 << 16,
        (1 << 31) - 1,
        1 << 31,
        (1 << 31) + 1,
        u32::MAX - 1,
        u32::MAX,
    ];
    for a in edges {
        for b in edges {
            check(a, b);
        }
    }
    let mut runner = TestRunner::new(RunnerConfig {
        cases: 10_000,
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    let operand = || prop_oneof![any::<u32>(), 0u32..64, (u32::MAX - 64)..=u32::MAX];
    runner
        .run(&(operand(), operand()), |(a, b)| {
            check(a, b);
            // Quotients next to an integer: a = q * b - 1, + 0, + 1.
            let near = b.wrapping_mul(a % 1024);
            for a in [near.wrapping_sub(1), near, near.wrapping_add(1)] {
                check(a, b);
            }
            Ok(())
        })
        .unwrap();
}
