//! Jumps, bpf-to-bpf calls, may_goto and the instruction budget.

mod common;
use common::*;
use quiver_vm::{BPF_MAX_LOOPS, MAX_BPF_STACK, ViolationReason};

/// Reference truth of a condition, written out independently of the VM.
fn holds(cond: JmpCond, width: Width, a: u64, b: u64) -> bool {
    let (ua, ub, sa, sb) = match width {
        Width::W64 => (a, b, a as i64, b as i64),
        Width::W32 => (
            a as u32 as u64,
            b as u32 as u64,
            a as i32 as i64,
            b as i32 as i64,
        ),
    };
    match cond {
        JmpCond::Eq => ua == ub,
        JmpCond::Ne => ua != ub,
        JmpCond::Gt => ua > ub,
        JmpCond::Ge => ua >= ub,
        JmpCond::Lt => ua < ub,
        JmpCond::Le => ua <= ub,
        JmpCond::Set => ua & ub != 0,
        JmpCond::Sgt => sa > sb,
        JmpCond::Sge => sa >= sb,
        JmpCond::Slt => sa < sb,
        JmpCond::Sle => sa <= sb,
    }
}

/// 1 if the jump is taken, else 0.
fn taken(cond: JmpCond, width: Width, a: u64, src: Source, b: u64) -> u64 {
    r0(vec![
        lddw(R1, a),
        lddw(R2, b),
        mov(R0, 0),
        jmp(width, cond, R1, src, 1),
        exit(),
        mov(R0, 1),
        exit(),
    ])
}

#[test]
fn every_condition_both_widths_both_sources() {
    let values: [u64; 10] = [
        0,
        1,
        5,
        u64::MAX,
        i32::MAX as u64,
        i32::MIN as i64 as u64,
        0xffff_ffff,
        0x1_0000_0000,
        0x1_0000_0005,
        i64::MIN as u64,
    ];
    for cond in JmpCond::ALL {
        for width in [Width::W64, Width::W32] {
            for &a in &values {
                for &b in &values {
                    let want = holds(cond, width, a, b) as u64;
                    let got = taken(cond, width, a, reg(R2), b);
                    assert_eq!(got, want, "{cond:?} {width:?} {a:#x} {b:#x} (reg)");
                    let fits = i32::try_from(b as i64).is_ok() || width == Width::W32;
                    if fits {
                        let got = taken(cond, width, a, imm(b as i32), b);
                        assert_eq!(got, want, "{cond:?} {width:?} {a:#x} {b:#x} (imm)");
                    }
                }
            }
        }
    }
}

#[test]
fn hand_picked_conditions() {
    let t = |cond, width, a: i64, b: i64| taken(cond, width, a as u64, reg(R2), b as u64);
    assert_eq!(t(JmpCond::Gt, Width::W64, -1, 1), 1);
    assert_eq!(t(JmpCond::Sgt, Width::W64, -1, 1), 0);
    assert_eq!(t(JmpCond::Eq, Width::W32, 0x1_0000_0005, 5), 1);
    assert_eq!(t(JmpCond::Eq, Width::W64, 0x1_0000_0005, 5), 0);
    assert_eq!(t(JmpCond::Set, Width::W32, 0x1_0000_0000, 0x1_0000_0000), 0);
    assert_eq!(t(JmpCond::Set, Width::W64, 0x1_0000_0000, 0x1_0000_0000), 1);
    assert_eq!(t(JmpCond::Slt, Width::W32, 0xffff_ffff, 0), 1);
    assert_eq!(t(JmpCond::Slt, Width::W64, 0xffff_ffff, 0), 0);
    // A 64-bit immediate compare sees the immediate sign-extended.
    assert_eq!(taken(JmpCond::Eq, Width::W64, u64::MAX, imm(-1), 0), 1);
}

#[test]
fn ja_backwards_and_ja32_beyond_16_bits() {
    // r0 counts down a loop closed by a backward ja.
    let prog = vec![
        mov(R0, 0),
        mov(R1, 10),
        jmp(Width::W64, JmpCond::Eq, R1, imm(0), 3),
        add(R0, 3),
        add(R1, -1),
        ja(-4),
        exit(),
    ];
    assert_eq!(r0(prog), 30);

    let skipped = 40_000;
    let mut prog = vec![
        mov(R0, 1),
        Insn::Ja {
            off: skipped,
            long: true,
        },
    ];
    prog.extend(std::iter::repeat_n(add(R0, 1), skipped as usize));
    prog.extend([add(R0, 41), exit()]);
    assert_eq!(r0(prog), 42);
}

#[test]
fn bpf_to_bpf_call_passes_r1_to_r5_and_preserves_r6_to_r9() {
    let prog = vec![
        mov(R1, 1),
        mov(R2, 2),
        mov(R3, 3),
        mov(R4, 4),
        mov(R5, 5),
        mov(R6, 6),
        mov(R7, 7),
        mov(R8, 8),
        mov(R9, 9),
        call_local(7),
        // r0 = r0 * 10000 + r6 + r7 + r8 + r9 (= 150030 if all is well)
        alu64(AluOp::Mul, R0, imm(10_000)),
        alu64(AluOp::Add, R0, reg(R6)),
        alu64(AluOp::Add, R0, reg(R7)),
        alu64(AluOp::Add, R0, reg(R8)),
        alu64(AluOp::Add, R0, reg(R9)),
        exit(),
        exit(),
        // func: r0 = r1 + .. + r5, then clobbers r6..r9
        movr(R0, R1),
        alu64(AluOp::Add, R0, reg(R2)),
        alu64(AluOp::Add, R0, reg(R3)),
        alu64(AluOp::Add, R0, reg(R4)),
        alu64(AluOp::Add, R0, reg(R5)),
        mov(R6, 0),
        mov(R7, 0),
        mov(R8, 0),
        mov(R9, 0),
        exit(),
    ];
    assert_eq!(r0(prog), 150_030);
}

#[test]
fn each_frame_has_its_own_stack() {
    let prog = vec![
        movr(R6, R10),
        st(Size::DW, R10, -8, 111),
        call_local(5),
        // r0 = (caller's r10 - callee's r10) * 1000 + caller's [r10-8]
        alu64(AluOp::Sub, R6, reg(R0)),
        ldx(Size::DW, R0, R10, -8),
        alu64(AluOp::Mul, R6, imm(1000)),
        alu64(AluOp::Add, R0, reg(R6)),
        exit(),
        // callee: its [r10-8] is fresh (0), then returns its r10.
        ldx(Size::DW, R1, R10, -8),
        jmp(Width::W64, JmpCond::Ne, R1, imm(0), 2),
        st(Size::DW, R10, -8, 222),
        movr(R0, R10),
        exit(),
    ];
    assert_eq!(r0(prog), MAX_BPF_STACK as u64 * 1000 + 111);
}

#[test]
fn a_callee_can_use_its_callers_stack_but_not_after_returning_its_own() {
    let prog = vec![
        st(Size::DW, R10, -8, 5),
        movr(R1, R10),
        add(R1, -8),
        call_local(3),
        ldx(Size::DW, R2, R10, -8),
        alu64(AluOp::Add, R0, reg(R2)),
        exit(),
        // callee: reads and writes through the caller's pointer
        ldx(Size::DW, R0, R1, 0),
        st(Size::DW, R1, 0, 9),
        exit(),
    ];
    assert_eq!(r0(prog), 14);

    let dangling = vec![
        call_local(2),
        ldx(Size::DW, R0, R0, -8),
        exit(),
        movr(R0, R10),
        exit(),
    ];
    match run_checked(dangling, &mut []) {
        Err(VmError::MemoryViolation {
            pc: 1,
            reason: ViolationReason::OutsideLiveFrames,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
}

/// main calls f(n); f(n) calls f(n - 1) until n is 0: n + 2 frames.
fn recursion(n: i32) -> Vec<Insn> {
    vec![
        mov(R1, n),
        call_local(1),
        exit(),
        jmp(Width::W64, JmpCond::Eq, R1, imm(0), 3),
        add(R1, -1),
        call_local(-3),
        add(R0, 1),
        exit(),
    ]
}

#[test]
fn call_depth_is_limited_to_8_frames() {
    assert_eq!(r0(recursion(6)), 6, "8 frames are allowed");
    for n in [7, 100] {
        match run_checked(recursion(n), &mut []) {
            Err(e @ VmError::CallDepthExceeded { pc: 5, limit: 8 }) => {
                assert_eq!(
                    e.to_string(),
                    "insn 5: call would exceed the maximum of 8 call frames"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn may_goto_jumps_once_the_loop_budget_is_spent() {
    let prog = vec![
        mov(R0, 0),
        Insn::MayGoto { off: 2 },
        add(R0, 1),
        ja(-3),
        // The budget is per run: this one jumps at once.
        Insn::MayGoto { off: 1 },
        add(R0, 1000),
        exit(),
    ];
    let vm = checked(prog, Config::new());
    assert_eq!(vm.run(&mut []).unwrap(), BPF_MAX_LOOPS);
    assert_eq!(
        vm.run(&mut []).unwrap(),
        BPF_MAX_LOOPS,
        "and starts afresh on every run"
    );
}

#[test]
fn budget_counts_executed_instructions() {
    let prog = || vec![lddw(R0, 1), add(R0, 1), add(R0, 1), exit()];
    assert_eq!(
        checked(prog(), Config::new().budget(Some(4))).run(&mut []),
        Ok(3)
    );
    let err = checked(prog(), Config::new().budget(Some(3)))
        .run(&mut [])
        .unwrap_err();
    // The exit is slot 4 (lddw takes two).
    assert_eq!(err, VmError::BudgetExhausted { pc: 4, limit: 3 });
    assert_eq!(err.to_string(), "insn 4: instruction budget of 3 exhausted");

    let forever = || vec![mov(R0, 0), ja(-1), exit()];
    let err = checked(forever(), Config::new().budget(Some(1000))).run(&mut []);
    assert_eq!(err, Err(VmError::BudgetExhausted { pc: 1, limit: 1000 }));
    let err = unchecked(forever(), Config::new().budget(Some(1000))).run(&mut []);
    assert_eq!(err, Err(VmError::BudgetExhausted { pc: 1, limit: 1000 }));
}

#[test]
fn exit_in_a_subprogram_returns_to_the_caller_not_the_host() {
    let prog = vec![call_local(2), add(R0, 1), exit(), mov(R0, 41), exit()];
    assert_eq!(r0(prog), 42);
}
