//! Loads, stores and atomics of every size, the stack, and what checked
//! mode refuses.

mod common;
use common::*;
use quiver_vm::{RunInput, ViolationReason};

const MEM: [u8; 16] = [
    0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x80, 0xff, 0x00, 0x80, 0x00, 0x00, 0x00, 0x80,
];

#[test]
fn loads_of_every_size() {
    let load = |insn| run_both(vec![insn, exit()], &mut MEM.clone()).unwrap();
    assert_eq!(load(ldx(Size::B, R0, R1, 0)), 0x88);
    assert_eq!(load(ldx(Size::H, R0, R1, 0)), 0x7788);
    assert_eq!(load(ldx(Size::W, R0, R1, 0)), 0x5566_7788);
    assert_eq!(load(ldx(Size::DW, R0, R1, 0)), 0x1122_3344_5566_7788);
    assert_eq!(load(ldx(Size::W, R0, R1, 1)), 0x4455_6677, "unaligned");
    assert_eq!(load(ldx(Size::B, R0, R1, 8)), 0x80);
}

#[test]
fn sign_extending_loads() {
    let load = |insn| run_both(vec![insn, exit()], &mut MEM.clone()).unwrap();
    assert_eq!(load(ldxs(Size::B, R0, R1, 8)), 0xffff_ffff_ffff_ff80);
    assert_eq!(load(ldxs(Size::B, R0, R1, 7)), 0x11);
    assert_eq!(load(ldxs(Size::H, R0, R1, 8)), 0xffff_ffff_ffff_ff80);
    assert_eq!(load(ldxs(Size::H, R0, R1, 10)), 0xffff_ffff_ffff_8000);
    assert_eq!(load(ldxs(Size::W, R0, R1, 12)), 0xffff_ffff_8000_0000);
    assert_eq!(load(ldxs(Size::W, R0, R1, 0)), 0x5566_7788);
}

#[test]
fn loads_use_negative_offsets() {
    let prog = vec![movr(R2, R1), add(R2, 8), ldx(Size::DW, R0, R2, -8), exit()];
    assert_eq!(
        run_both(prog, &mut MEM.clone()).unwrap(),
        0x1122_3344_5566_7788
    );
}

#[test]
fn stores_of_every_size() {
    let store = |insn| {
        let mut mem = [0u8; 8];
        run_both(
            vec![lddw(R2, 0x0102_0304_0506_0708), insn, mov(R0, 0), exit()],
            &mut mem,
        )
        .unwrap();
        mem
    };
    assert_eq!(store(stx(Size::B, R1, 0, R2)), [8, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(store(stx(Size::H, R1, 2, R2)), [0, 0, 8, 7, 0, 0, 0, 0]);
    assert_eq!(store(stx(Size::W, R1, 4, R2)), [0, 0, 0, 0, 8, 7, 6, 5]);
    assert_eq!(store(stx(Size::DW, R1, 0, R2)), [8, 7, 6, 5, 4, 3, 2, 1]);
    assert_eq!(
        store(st(Size::B, R1, 1, 0x1ff)),
        [0, 0xff, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(
        store(st(Size::H, R1, 0, -2)),
        [0xfe, 0xff, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(
        store(st(Size::W, R1, 3, 0x1234_5678)),
        [0, 0, 0, 0x78, 0x56, 0x34, 0x12, 0]
    );
    // A 64-bit store of an immediate sign-extends it.
    assert_eq!(
        store(st(Size::DW, R1, 0, -2)),
        [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
    );
}

#[test]
fn r2_is_the_memory_length_and_r1_zero_without_memory() {
    assert_eq!(
        run_both(vec![movr(R0, R2), exit()], &mut [0; 13]).unwrap(),
        13
    );
    assert_eq!(
        run_both(vec![movr(R0, R1), add(R0, 1), exit()], &mut []).unwrap(),
        1
    );
}

#[test]
fn stack_is_512_zeroed_bytes_below_r10() {
    let prog = vec![
        ldx(Size::DW, R0, R10, -512),
        ldx(Size::DW, R1, R10, -8),
        alu64(AluOp::Or, R0, reg(R1)),
        st(Size::DW, R10, -512, 7),
        ldx(Size::DW, R1, R10, -512),
        alu64(AluOp::Add, R0, reg(R1)),
        exit(),
    ];
    assert_eq!(run_both(prog, &mut []).unwrap(), 7);
}

/// Runs `op` on 8 bytes of memory holding `old` with `src` in r2 and r0 =
/// `r0`; returns (memory, r2, r0).
fn atomic_run(size: Size, op: AtomicOp, old: u64, src: u64, r0_in: u64) -> (u64, u64, u64) {
    let mut mem = Aligned([0u8; 24]);
    let mem = &mut mem.0;
    mem[..8].copy_from_slice(&old.to_le_bytes());
    let prog = vec![
        lddw(R2, src),
        lddw(R0, r0_in),
        atomic(size, op, R1, R2, 0),
        stx(Size::DW, R1, 8, R2),
        stx(Size::DW, R1, 16, R0),
        exit(),
    ];
    run_both(prog, mem).unwrap();
    let word = |i: usize| u64::from_le_bytes(mem[i * 8..i * 8 + 8].try_into().unwrap());
    (word(0), word(1), word(2))
}

#[test]
fn atomics_64() {
    use AtomicOp::*;
    let (old, src) = (0x0f0f_0000_0000_00f0, 0x00ff_0000_0000_000f);
    for (fetch, op) in [(false, Add { fetch: false }), (true, Add { fetch: true })] {
        let (m, s, _) = atomic_run(Size::DW, op, old, src, 0);
        assert_eq!(m, old + src);
        assert_eq!(s, if fetch { old } else { src });
    }
    assert_eq!(
        atomic_run(Size::DW, Or { fetch: true }, old, src, 0),
        (old | src, old, 0)
    );
    assert_eq!(
        atomic_run(Size::DW, And { fetch: true }, old, src, 0),
        (old & src, old, 0)
    );
    assert_eq!(
        atomic_run(Size::DW, Xor { fetch: true }, old, src, 0),
        (old ^ src, old, 0)
    );
    assert_eq!(
        atomic_run(Size::DW, Or { fetch: false }, old, src, 0),
        (old | src, src, 0)
    );
    assert_eq!(
        atomic_run(Size::DW, And { fetch: false }, old, src, 0),
        (old & src, src, 0)
    );
    assert_eq!(
        atomic_run(Size::DW, Xor { fetch: false }, old, src, 0),
        (old ^ src, src, 0)
    );
    assert_eq!(atomic_run(Size::DW, Xchg, old, src, 0), (src, old, 0));
    // cmpxchg: success stores src; r0 always receives the old value.
    assert_eq!(
        atomic_run(Size::DW, Cmpxchg, old, src, old),
        (src, src, old)
    );
    assert_eq!(
        atomic_run(Size::DW, Cmpxchg, old, src, old + 1),
        (old, src, old)
    );
}

#[test]
fn atomics_32_touch_the_low_word_and_zero_extend() {
    use AtomicOp::*;
    const HI: u64 = 0xaaaa_aaaa_0000_0000;
    let old = HI | 0xffff_fff0;
    let src = 0x5555_5555_0000_0020;
    // The add wraps within 32 bits and leaves the high word of memory.
    assert_eq!(
        atomic_run(Size::W, Add { fetch: false }, old, src, 0),
        (HI | 0x10, src, 0)
    );
    assert_eq!(
        atomic_run(Size::W, Add { fetch: true }, old, src, 0),
        (HI | 0x10, 0xffff_fff0, 0)
    );
    assert_eq!(
        atomic_run(Size::W, Or { fetch: true }, old, src, 0),
        (old, 0xffff_fff0, 0)
    );
    assert_eq!(
        atomic_run(Size::W, And { fetch: true }, old, src, 0),
        (HI | 0x20, 0xffff_fff0, 0)
    );
    assert_eq!(
        atomic_run(Size::W, Xor { fetch: true }, old, src, 0),
        (HI | 0xffff_ffd0, 0xffff_fff0, 0)
    );
    assert_eq!(
        atomic_run(Size::W, Or { fetch: false }, old, src, 0),
        (old, src, 0)
    );
    assert_eq!(
        atomic_run(Size::W, And { fetch: false }, old, src, 0),
        (HI | 0x20, src, 0)
    );
    assert_eq!(
        atomic_run(Size::W, Xor { fetch: false }, old, src, 0),
        (HI | 0xffff_ffd0, src, 0)
    );
    assert_eq!(
        atomic_run(Size::W, Xchg, old, src, 0),
        (HI | 0x20, 0xffff_fff0, 0)
    );
    // cmpxchg32 compares the low half of r0 and zero-extends the old value.
    assert_eq!(
        atomic_run(Size::W, Cmpxchg, old, src, 0x1234_5678_ffff_fff0),
        (HI | 0x20, src, 0xffff_fff0)
    );
    assert_eq!(
        atomic_run(Size::W, Cmpxchg, old, src, 0xffff_fff1),
        (old, src, 0xffff_fff0)
    );
}

#[test]
fn load_acquire_and_store_release_of_every_size() {
    for (size, bytes) in [(Size::B, 1), (Size::H, 2), (Size::W, 4), (Size::DW, 8)] {
        let mut mem = Aligned([0u8; 16]);
        let mem = &mut mem.0;
        mem[..8].copy_from_slice(&0x8877_6655_4433_2211u64.to_le_bytes());
        let prog = vec![
            atomic(size, AtomicOp::LoadAcquire, R0, R1, 0),
            lddw(R2, u64::MAX),
            atomic(size, AtomicOp::StoreRelease, R1, R2, 8),
            exit(),
        ];
        let v = run_both(prog, mem).unwrap();
        let mask = if bytes == 8 {
            u64::MAX
        } else {
            (1u64 << (bytes * 8)) - 1
        };
        assert_eq!(v, 0x8877_6655_4433_2211 & mask, "{size:?}");
        assert!(mem[8..8 + bytes].iter().all(|&b| b == 0xff));
        assert!(mem[8 + bytes..].iter().all(|&b| b == 0));
    }
}

fn violation(result: Result<u64, VmError>) -> (usize, u64, usize, bool, ViolationReason) {
    match result {
        Err(VmError::MemoryViolation {
            pc,
            addr,
            size,
            write,
            reason,
        }) => (pc, addr, size, write, reason),
        other => panic!("expected a memory violation, got {other:?}"),
    }
}

#[test]
fn reads_outside_every_region_are_refused() {
    let mut mem = [0u8; 8];
    let base = mem.as_ptr() as u64;
    let (pc, addr, size, write, reason) = violation(run_checked(
        vec![mov(R0, 0), ldx(Size::DW, R0, R1, 8), exit()],
        &mut mem,
    ));
    assert_eq!((pc, addr, size, write), (1, base + 8, 8, false));
    assert_eq!(reason, ViolationReason::NoRegion);
    let (_, addr, _, _, reason) = violation(run_checked(
        vec![ldx(Size::B, R0, R1, -1), exit()],
        &mut mem,
    ));
    assert_eq!((addr, reason), (base - 1, ViolationReason::NoRegion));
}

#[test]
fn an_access_crossing_the_end_of_a_region_is_refused() {
    let mut mem = [0u8; 8];
    let (_, _, size, write, reason) = violation(run_checked(
        vec![stx(Size::DW, R1, 4, R1), exit()],
        &mut mem,
    ));
    assert_eq!((size, write), (8, true));
    assert_eq!(
        reason,
        ViolationReason::CrossesEnd {
            region: "memory".into()
        }
    );
    assert_eq!(mem, [0; 8], "nothing was written");
}

#[test]
fn wild_pointers_and_a_clobbered_r10_are_refused() {
    let e = run_checked(
        vec![lddw(R1, 0xdead_beef), ldx(Size::W, R0, R1, 0), exit()],
        &mut [],
    );
    assert_eq!(violation(e).4, ViolationReason::NoRegion);
    let e = run_checked(vec![mov(R10, 0), st(Size::DW, R10, -8, 1), exit()], &mut []);
    assert_eq!(violation(e).1, -8i64 as u64);
    let e = run_checked(
        vec![lddw(R1, u64::MAX), ldx(Size::DW, R0, R1, 0), exit()],
        &mut [0; 8],
    );
    assert_eq!(violation(e).4, ViolationReason::NoRegion);
}

#[test]
fn stack_overflow_and_underflow_are_refused() {
    // Above the top of the stack.
    let e = violation(run_checked(
        vec![ldx(Size::DW, R0, R10, 0), exit()],
        &mut [],
    ));
    assert_eq!(e.4, ViolationReason::NoRegion);
    let e = violation(run_checked(
        vec![ldx(Size::DW, R0, R10, -4), exit()],
        &mut [],
    ));
    assert_eq!(
        e.4,
        ViolationReason::CrossesEnd {
            region: "stack".into()
        }
    );
    // Below the 512 bytes of the frame.
    let e = violation(run_checked(
        vec![st(Size::B, R10, -513, 1), exit()],
        &mut [],
    ));
    assert_eq!(e.4, ViolationReason::OutsideLiveFrames);
    assert_eq!(e.2, 1);
}

#[test]
fn writes_to_a_read_only_region_are_refused() {
    let data = Aligned([1u8, 2, 3, 4]);
    let data = &data.0;
    let vm = checked(
        vec![ldx(Size::W, R0, R1, 0), stx(Size::B, R1, 0, R0), exit()],
        Config::new(),
    );
    let mut input = RunInput::new()
        .region_readonly("rodata", data)
        .arg(1, data.as_ptr() as u64);
    let e = violation(vm.run_with(&mut input));
    assert_eq!((e.0, e.3), (1, true));
    assert_eq!(
        e.4,
        ViolationReason::ReadOnly {
            region: "rodata".into()
        }
    );
    // Atomics need write access too, even those that end up not writing.
    let vm = checked(
        vec![
            mov(R0, 0),
            atomic(Size::W, AtomicOp::Cmpxchg, R1, R1, 0),
            exit(),
        ],
        Config::new(),
    );
    let mut input = RunInput::new()
        .region_readonly("rodata", data)
        .arg(1, data.as_ptr() as u64);
    assert_eq!(
        violation(vm.run_with(&mut input)).4,
        ViolationReason::ReadOnly {
            region: "rodata".into()
        }
    );
}

#[test]
fn misaligned_atomics_are_refused() {
    let e = violation(run_checked(
        vec![
            atomic(Size::DW, AtomicOp::Add { fetch: false }, R10, R1, -12),
            exit(),
        ],
        &mut [],
    ));
    assert_eq!(e.4, ViolationReason::Misaligned { align: 8 });
    let e = violation(run_checked(
        vec![atomic(Size::H, AtomicOp::LoadAcquire, R0, R10, -3), exit()],
        &mut [],
    ));
    assert_eq!(e.4, ViolationReason::Misaligned { align: 2 });
    // Aligned ones on the stack are fine.
    let prog = vec![
        st(Size::DW, R10, -16, 40),
        mov(R1, 2),
        atomic(Size::DW, AtomicOp::Add { fetch: false }, R10, R1, -16),
        ldx(Size::DW, R0, R10, -16),
        exit(),
    ];
    assert_eq!(run_both(prog, &mut []).unwrap(), 42);
}

#[test]
fn violation_messages_name_pc_access_address_and_reason() {
    let prog = vec![
        lddw(R1, 0x1000),
        mov(R0, 0),
        stx(Size::DW, R1, 0, R0),
        exit(),
    ];
    let err = run_checked(prog, &mut []).unwrap_err();
    // The lddw takes two slots: the store is insn 3.
    assert_eq!(
        err.to_string(),
        "insn 3: invalid write of 8 bytes at 0x1000: no region"
    );
    assert_eq!(err.pc(), 3);
    let mut mem = [0u8; 2];
    let err = run_checked(vec![ldx(Size::W, R0, R1, 0), exit()], &mut mem).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "insn 0: invalid read of 4 bytes at {:#x}: crosses the end of region memory",
            mem.as_ptr() as u64
        )
    );
}

#[test]
fn every_run_starts_with_the_reachable_stack_zeroed() {
    use quiver_isa::asm::{Syntax, assemble};
    use quiver_vm::{Config, Engine, Vm};
    // Reads the 8 bytes at its stack depth (64) through a copy of r10
    // before writing them: each run must find zeros there, whatever the
    // previous run or the host left (debug builds poison the stack).
    let text = "
        r1 = r10
        r0 = *(u64 *)(r1 - 64)
        r2 = -1
        *(u64 *)(r1 - 64) = r2
        exit
    ";
    let program = quiver_isa::Program::from_insns(assemble(text, Syntax::Llvm).unwrap()).unwrap();
    for engine in [Engine::Interpreter, Engine::Jit] {
        for depth in [None, Some(64)] {
            let mut config = Config::new().engine(engine);
            if let Some(d) = depth {
                config = config.stack_depth(d);
            }
            // SAFETY: the program accesses its own frame, 64 bytes down,
            // within the depth it declares.
            let vm = unsafe { Vm::new_unchecked(&program, config) }.unwrap();
            for _ in 0..3 {
                assert_eq!(vm.run(&mut []).unwrap(), 0, "{engine}, depth {depth:?}");
            }
        }
    }
}
