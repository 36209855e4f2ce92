//! What the host provides: helpers, kfuncs, run inputs, packets, tracing.

mod common;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use common::*;
use quiver_vm::{Engine, HelperError, Kfuncs, Region, RunInput, TraceStep, ViolationReason};

#[test]
fn vm_is_send_sync_and_clone() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Vm>();
    assert_send_sync::<Config>();
    assert_send_sync::<Helpers>();
}

#[test]
fn helpers_get_r1_to_r5_and_set_r0() {
    let helpers = Helpers::new().with(7, "sum", |_, a| Ok(a.iter().sum::<u64>() * 10));
    let prog = vec![
        mov(R1, 1),
        mov(R2, 2),
        mov(R3, 3),
        mov(R4, 4),
        mov(R5, 5),
        call(7),
        exit(),
    ];
    assert_eq!(
        run_both_with(prog, Config::new().helpers(helpers), &mut []),
        Ok(150)
    );
}

#[test]
fn helpers_read_and_write_program_memory_checked() {
    // memcpy(dst = r1, src = r2, len = r3)
    let helpers = Helpers::new().with(1, "memcpy", |ctx, a| {
        let bytes = ctx.read_vec(a[1], a[2] as usize)?;
        ctx.write_bytes(a[0], &bytes)?;
        Ok(0)
    });
    let prog = vec![
        st(Size::DW, R10, -8, 0x0403_0201),
        movr(R2, R10),
        add(R2, -8),
        mov(R3, 4),
        call(1),
        ldx(Size::W, R0, R1, 0),
        exit(),
    ];
    let mut mem = [0u8; 8];
    let config = Config::new().helpers(helpers.clone());
    assert_eq!(
        run_both_with(prog.clone(), config, &mut mem),
        Ok(0x0403_0201)
    );
    assert_eq!(mem, [1, 2, 3, 4, 0, 0, 0, 0]);

    // Checked even when the program runs unchecked.
    let mut prog = prog;
    prog[3] = mov(R3, 9);
    let mut small = [0u8; 4];
    let err = unchecked(prog, Config::new().helpers(helpers))
        .run(&mut small)
        .unwrap_err();
    let VmError::HelperFailed {
        pc: 4,
        id: 1,
        name,
        error: HelperError::Memory(m),
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(name, "memcpy");
    assert_eq!((m.size, m.write), (9, false));
    assert_eq!(
        m.reason,
        ViolationReason::CrossesEnd {
            region: "stack".into()
        }
    );
    assert!(
        err.to_string()
            .starts_with("insn 4: helper memcpy (id 1) failed: invalid read of 9 bytes at 0x")
    );
}

#[test]
fn helper_errors_and_unknown_helpers_name_the_pc() {
    let helpers = Helpers::new().with(2, "fail", |_, _| Err(HelperError::msg("no luck")));
    let err = checked(
        vec![mov(R0, 0), call(2), exit()],
        Config::new().helpers(helpers),
    )
    .run(&mut []);
    assert_eq!(
        err.unwrap_err().to_string(),
        "insn 1: helper fail (id 2) failed: no luck"
    );

    let err = run_checked(vec![mov(R0, 0), call(99), exit()], &mut []).unwrap_err();
    assert_eq!(err, VmError::UnknownHelper { pc: 1, id: 99 });
    assert_eq!(err.to_string(), "insn 1: call to unknown helper 99");
}

#[test]
fn conformance_unwind_helper() {
    // call_unwind_fail.data: a non-zero argument just comes back.
    let prog = || vec![mov(R1, -1), call(5), mov(R0, 2), exit()];
    assert_eq!(run_both(prog(), &mut []), Ok(2));
    // Zero stops the program with r0 = 0, even from a subprogram.
    let prog = vec![
        mov(R0, 7),
        call_local(2),
        mov(R0, 2),
        exit(),
        mov(R1, 0),
        call(5),
        mov(R0, 3),
        exit(),
    ];
    assert_eq!(run_both(prog, &mut []), Ok(0));
}

#[test]
fn callx_calls_the_helper_whose_id_is_in_the_register() {
    for form in [CallxForm::Dst, CallxForm::Imm] {
        // callx.data
        let prog = vec![
            mov(R1, -1),
            mov(R2, 5),
            Insn::Callx { reg: R2, form },
            mov(R0, 2),
            exit(),
        ];
        assert_eq!(run_both(prog, &mut []), Ok(2));
    }
    let prog = vec![
        mov(R1, 0),
        mov(R8, 5),
        Insn::Callx {
            reg: R8,
            form: CallxForm::Dst,
        },
        mov(R0, 2),
        exit(),
    ];
    assert_eq!(run_both(prog, &mut []), Ok(0));
    let prog = vec![
        lddw(R2, 0x1_0000_0005),
        Insn::Callx {
            reg: R2,
            form: CallxForm::Dst,
        },
        exit(),
    ];
    assert_eq!(
        run_checked(prog, &mut []),
        Err(VmError::UnknownHelper {
            pc: 2,
            id: 0x1_0000_0005
        })
    );
}

#[test]
fn kfuncs_are_called_by_btf_id() {
    let kfuncs = Kfuncs::new().with(1234, "bpf_double", |_, a| Ok(a[0] * 2));
    let kfunc = |btf_id| Insn::Call(CallTarget::Kfunc { btf_id, module: 0 });
    let config = Config::new().kfuncs(kfuncs);
    assert_eq!(
        run_both_with(
            vec![mov(R1, 21), kfunc(1234), exit()],
            config.clone(),
            &mut []
        ),
        Ok(42)
    );
    let err = checked(vec![kfunc(1235), exit()], config.clone())
        .run(&mut [])
        .unwrap_err();
    assert_eq!(
        err,
        VmError::UnknownKfunc {
            pc: 0,
            btf_id: 1235
        }
    );
    // Kfunc ids are not helper ids.
    let err = checked(vec![call(1234), exit()], config)
        .run(&mut [])
        .unwrap_err();
    assert_eq!(err, VmError::UnknownHelper { pc: 0, id: 1234 });
}

static MAP_VALUE: &[u8] = b"\x2a\0\0\0\0\0\0\0";

#[test]
fn helpers_can_add_regions() {
    let helpers = Helpers::new().with(1, "lookup", |ctx, _| {
        Ok(ctx.add_region(Region::from_static("map value", MAP_VALUE)))
    });
    let prog = vec![call(1), ldx(Size::DW, R0, R0, 0), exit()];
    let config = Config::new().helpers(helpers);
    assert_eq!(run_both_with(prog, config.clone(), &mut []), Ok(42));
    let prog = vec![call(1), st(Size::B, R0, 0, 1), exit()];
    let err = checked(prog, config).run(&mut []).unwrap_err();
    assert!(
        err.to_string().ends_with("region map value is read-only"),
        "{err}"
    );
}

/// Forty 8-byte cells, cell k holding 1 << k (little endian).
static CELLS: [u8; 320] = {
    let mut c = [0u8; 320];
    let mut k = 0;
    while k < 40 {
        c[8 * k + k / 8] = 1 << (k % 8);
        k += 1;
    }
    c
};

/// A run that gains more regions than a `Memory` holds inline, then more
/// than it scans linearly (one per helper call, as map lookups add them),
/// and reads through each: in both engines, checked, every region stays
/// reachable, and one added twice is found again.
#[test]
fn regions_past_the_inline_ones_and_past_the_scan_stay_reachable() {
    let helpers = Helpers::new().with(1, "cell", |ctx, a| {
        let k = a[0] as usize % 40;
        Ok(ctx.add_region(Region::from_static("cell", &CELLS[8 * k..8 * k + 8])))
    });
    let mut prog = vec![mov(R6, 0)];
    // Cells 0..30, then 3 again.
    for k in (0..30).chain([3]) {
        prog.extend([
            mov(R1, k),
            call(1),
            ldx(Size::DW, R2, R0, 0),
            alu64(AluOp::Add, R6, reg(R2)),
        ]);
    }
    prog.extend([movr(R0, R6), exit()]);
    let want = (1u64 << 30) - 1 + 8;
    for engine in [Engine::Interpreter, Engine::Jit] {
        let config = Config::new().helpers(helpers.clone()).engine(engine);
        assert_eq!(
            checked(prog.clone(), config).run(&mut []),
            Ok(want),
            "{engine}"
        );
    }
}

#[test]
fn run_with_context_arguments_and_extra_regions() {
    let mut ctx = [7u8, 0, 0, 0];
    let mut extra = [0u8; 8];
    let extra_addr = extra.as_ptr() as u64;
    let prog = vec![
        ldx(Size::W, R0, R1, 0),
        alu64(AluOp::Add, R0, reg(R3)),
        stx(Size::DW, R2, 0, R0),
        exit(),
    ];
    for vm in [
        checked(prog.clone(), Config::new()),
        unchecked(prog.clone(), Config::new()),
    ] {
        let mut input = RunInput::new()
            .context(&mut ctx)
            .region("out", &mut extra)
            .arg(2, extra_addr)
            .arg(3, 35);
        assert_eq!(vm.run_with(&mut input), Ok(42));
        drop(input);
        assert_eq!(u64::from_le_bytes(extra), 42);
        extra = [0; 8];
    }
}

#[test]
#[should_panic(expected = "argument registers are r1 to r5")]
fn run_input_refuses_r6() {
    let _ = RunInput::new().arg(6, 1);
}

fn ld_abs(size: Size, imm: i32) -> Insn {
    Insn::LoadPacket {
        mode: PacketMode::Abs,
        size,
        imm,
    }
}
fn ld_ind(size: Size, src: Reg, imm: i32) -> Insn {
    Insn::LoadPacket {
        mode: PacketMode::Ind(src),
        size,
        imm,
    }
}

fn run_packet(prog: Vec<Insn>, packet: &[u8]) -> Result<u64, VmError> {
    let a =
        checked(prog.clone(), Config::new()).run_with(&mut RunInput::new().packet_readonly(packet));
    let b = unchecked(prog, Config::new()).run_with(&mut RunInput::new().packet_readonly(packet));
    assert_eq!(a, b);
    a
}

#[test]
fn legacy_packet_loads_are_big_endian() {
    let packet = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66];
    let load = |insn| run_packet(vec![mov(R0, 0), mov(R6, 1), insn, exit()], &packet).unwrap();
    assert_eq!(load(ld_abs(Size::B, 0)), 0x11);
    assert_eq!(load(ld_abs(Size::H, 1)), 0x2233);
    assert_eq!(load(ld_abs(Size::W, 2)), 0x3344_5566);
    assert_eq!(load(ld_ind(Size::B, R6, 4)), 0x66);
    assert_eq!(load(ld_ind(Size::H, R6, 0)), 0x2233);
    assert_eq!(load(ld_ind(Size::W, R6, -1)), 0x1122_3344);
}

#[test]
fn out_of_bounds_packet_loads_end_the_program_with_0() {
    let packet = [0x11, 0x22, 0x33, 0x44];
    let oob = |insn| {
        run_packet(
            vec![mov(R0, 9), mov(R6, 2), insn, mov(R0, 7), exit()],
            &packet,
        )
        .unwrap()
    };
    assert_eq!(oob(ld_abs(Size::W, 1)), 0);
    assert_eq!(oob(ld_abs(Size::B, 4)), 0);
    assert_eq!(oob(ld_abs(Size::B, -1)), 0);
    assert_eq!(oob(ld_ind(Size::H, R6, 1)), 0);
    assert_eq!(oob(ld_ind(Size::B, R6, -3)), 0);
    assert_eq!(
        oob(ld_ind(Size::B, R6, 1)),
        7,
        "in bounds, the program goes on"
    );
    // No packet at all.
    assert_eq!(
        run_both(vec![mov(R0, 9), ld_abs(Size::B, 0), exit()], &mut [1, 2]),
        Ok(0)
    );
}

#[test]
fn the_packet_is_also_a_region() {
    let mut packet = [1u8, 2, 3, 4];
    let addr = packet.as_ptr() as u64;
    let vm = checked(
        vec![ldx(Size::B, R0, R2, 3), stx(Size::B, R2, 0, R0), exit()],
        Config::new(),
    );
    assert_eq!(
        vm.run_with(&mut RunInput::new().packet(&mut packet).arg(2, addr)),
        Ok(4)
    );
    assert_eq!(packet, [4, 2, 3, 4]);
    let err = vm
        .run_with(&mut RunInput::new().packet_readonly(&packet).arg(2, addr))
        .unwrap_err();
    assert!(
        err.to_string().ends_with("region packet is read-only"),
        "{err}"
    );
}

#[test]
fn tracing_reports_every_instruction_with_registers() {
    let prog = vec![
        lddw(R0, 5),
        call_local(2),
        add(R0, 1),
        exit(),
        mov(R1, 3),
        exit(),
    ];
    let vm = checked(prog, Config::new());
    let mut steps = Vec::new();
    let r = vm.run_traced(&mut [], &mut |s: &TraceStep<'_>| {
        steps.push((s.pc, *s.insn, s.changed().collect::<Vec<_>>()));
    });
    assert_eq!(r, Ok(6));
    let pcs: Vec<usize> = steps.iter().map(|s| s.0).collect();
    assert_eq!(pcs, [0, 2, 5, 6, 3, 4], "slot indices, lddw taking two");
    assert_eq!(steps[0].2, [(0, 5)]);
    assert_eq!(steps[1].1, call_local(2));
    assert_eq!(
        steps[1].2.len(),
        1,
        "a call changes r10 only: {:?}",
        steps[1].2
    );
    assert_eq!(steps[1].2[0].0, 10);
    assert_eq!(steps[2].2, [(1, 3)]);
    assert_eq!(steps[3].2.len(), 1, "return restores r10");
    assert_eq!(steps[4].2, [(0, 6)]);
    assert!(steps[5].2.is_empty());
    // The same program untraced gives the same result.
    assert_eq!(vm.run(&mut []), Ok(6));
}

#[test]
fn tracing_stops_with_the_error() {
    let vm = checked(
        vec![mov(R0, 1), ldx(Size::B, R0, R0, 0), exit()],
        Config::new().budget(Some(100)),
    );
    let mut n = 0;
    let r = vm.run_traced(&mut [], &mut |_| n += 1);
    assert!(matches!(r, Err(VmError::MemoryViolation { pc: 1, .. })));
    assert_eq!(n, 1);
}

#[test]
fn one_vm_runs_on_many_threads_with_real_atomics() {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prog = vec![
        mov(R2, 1),
        mov(R3, 1000),
        atomic(Size::DW, AtomicOp::Add { fetch: false }, R1, R2, 0),
        add(R3, -1),
        jmp(Width::W64, JmpCond::Ne, R3, imm(0), -3),
        mov(R0, 0),
        exit(),
    ];
    let vm = Arc::new(checked(prog, Config::new()));
    let failures = Arc::new(Mutex::new(Vec::new()));
    std::thread::scope(|s| {
        for _ in 0..4 {
            let vm = Arc::clone(&vm);
            let failures = Arc::clone(&failures);
            s.spawn(move || {
                for _ in 0..10 {
                    // SAFETY: a static atomic: valid forever, and every access
                    // to it (the program's and this test's) is atomic.
                    let region =
                        unsafe { Region::from_raw("counter", COUNTER.as_ptr().cast(), 8, true) };
                    let addr = region.addr();
                    let mut input = RunInput::new().raw_region(region).arg(1, addr);
                    if let Err(e) = vm.run_with(&mut input) {
                        failures.lock().unwrap().push(e);
                    }
                }
            });
        }
    });
    assert!(failures.lock().unwrap().is_empty());
    assert_eq!(COUNTER.load(Ordering::SeqCst), 4 * 10 * 1000);
}
