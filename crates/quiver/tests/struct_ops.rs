//! struct_ops of a type declared in Rust: implementations load with each
//! member's program verified against that member; attach per device, in
//! order, with BPF_F_BEFORE and a per-device limit; links detach and swap;
//! devices never see each other's programs; the dispatcher delivers while
//! other threads attach and detach; bad objects are refused with reasons.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use quiver::struct_ops::{ArgType, BPF_F_BEFORE, StructOps, StructOpsType};
use quiver::{Bpf, Loader};
use quiver_verifier::host::{BtfStruct, CtxField, CtxFieldKind};
use quiver_vm::{Engine, Region, RunInput};

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/obj")
            .join(name),
    )
    .unwrap()
}

fn field(name: &str, off: u32, write: bool) -> CtxField {
    CtxField {
        name: name.into(),
        off,
        size: 4,
        read: true,
        write,
        kind: CtxFieldKind::Scalar,
    }
}

/// `struct event_ctx { u32 device; u32 size; s32 retval; u32 pad; }`.
fn event_ctx() -> BtfStruct {
    BtfStruct {
        name: "event_ctx".into(),
        size: 16,
        fields: vec![
            field("device", 0, false),
            field("size", 4, false),
            field("retval", 8, true),
        ],
    }
}

fn event_ops(limit: usize) -> Arc<StructOps> {
    let ctx = ArgType::Ptr {
        type_name: "event_ctx",
        nullable: false,
    };
    StructOps::new(
        StructOpsType::new("event_ops")
            .callback(
                "on_event",
                &[ctx.clone(), ArgType::Scalar],
                (-1, 255),
                false,
            )
            .callback("on_request", &[ctx], (0, 0), true)
            .data("dev_id", 4)
            .data("flags", 4)
            .limit_per_device(limit)
            .init(|d| {
                if d.get("flags") != Some(0) {
                    return Err(format!(
                        "flags must be 0, not {}",
                        d.get("flags").unwrap_or(0)
                    ));
                }
                d.get("dev_id").ok_or_else(|| "no dev_id".into())
            }),
    )
}

fn load(ops: &StructOps, name: &str) -> Result<Bpf, String> {
    Loader::new()
        .struct_ops(ops)
        .btf_struct(event_ctx())
        .load(&bytes(name))
        .map_err(|e| e.to_string())
}

/// Delivers on_event(kind) to `device`: (results, retval left in the
/// shared event_ctx).
fn deliver(ops: &StructOps, device: u64, kind: u64) -> (Vec<u64>, i32) {
    let mut ev = [0u8; 16];
    ev[0..4].copy_from_slice(&(device as u32).to_le_bytes());
    ev[8..12].copy_from_slice(&1i32.to_le_bytes());
    let results = ops.dispatch(device, 0, |d| {
        (0..d.len())
            .map(|i| {
                // SAFETY: `ev` outlives the run and nothing else touches it
                // meanwhile.
                let region = unsafe { Region::from_raw("event_ctx", ev.as_mut_ptr(), 16, true) };
                let mut args = [0u8; 16];
                args[0..8].copy_from_slice(&region.addr().to_le_bytes());
                args[8..16].copy_from_slice(&kind.to_le_bytes());
                d.run(
                    i,
                    RunInput::new().context_readonly(&args).raw_region(region),
                )
                .unwrap()
            })
            .collect::<Vec<_>>()
    });
    (results, i32::from_le_bytes(ev[8..12].try_into().unwrap()))
}

#[test]
fn implementations_attach_per_device_in_order() {
    let ops = event_ops(64);
    let bpf = load(&ops, "event_ops.v3.g.o").unwrap();
    let (first, second, other) = (
        bpf.struct_ops("first").unwrap(),
        bpf.struct_ops("second").unwrap(),
        bpf.struct_ops("other_device").unwrap(),
    );
    assert_eq!((first.device(), second.device(), other.device()), (1, 1, 2));
    assert!(first.is_link() && first.implements(0) && !first.implements(1));
    assert!(second.implements(1));
    assert_eq!(deliver(&ops, 1, 7), (vec![], 1));

    let l1 = ops.attach(&first, 0).unwrap();
    let _l2 = ops.attach(&second, 0).unwrap();
    let _l3 = ops.attach(&other, 0).unwrap();
    assert_eq!(ops.attached(1), ["first", "second"]);
    // (1 + 1) * 2: first then second, on the same event.
    assert_eq!(deliver(&ops, 1, 7), (vec![7, 2], 4));
    // Device 2 sees only its own.
    assert_eq!(deliver(&ops, 2, 9), (vec![9], 2));
    assert_eq!(deliver(&ops, 3, 9), (vec![], 1));

    // BPF_F_BEFORE puts a new one first: detach first, attach it before.
    l1.detach().unwrap();
    assert_eq!(deliver(&ops, 1, 7), (vec![2], 2));
    let _l1 = ops.attach(&first, BPF_F_BEFORE).unwrap();
    assert_eq!(ops.attached(1), ["first", "second"]);
    assert_eq!(deliver(&ops, 1, 7), (vec![7, 2], 4));
    assert_eq!(ops.attached(2), ["other_device"]);
    assert_eq!(
        ops.attach(&first, 0).unwrap_err().to_string(),
        "struct_ops first: already attached"
    );
}

#[test]
fn a_sleepable_member_mixes_with_non_sleepable_ones() {
    let ops = event_ops(64);
    let bpf = load(&ops, "event_ops.v3.g.o").unwrap();
    let request = bpf.program("request").unwrap();
    assert!(request.sleepable());
    assert!(!bpf.program("double_it").unwrap().sleepable());
    let second = bpf.struct_ops("second").unwrap();
    let _l = ops.attach(&second, 0).unwrap();
    let mut ev = [0u8; 16];
    // SAFETY: `ev` outlives the run.
    let region = unsafe { Region::from_raw("event_ctx", ev.as_mut_ptr(), 16, true) };
    let args = region.addr().to_le_bytes();
    let r = ops.dispatch(1, 1, |d| {
        d.run(
            0,
            RunInput::new()
                .context_readonly(&args)
                .raw_region(region.clone()),
        )
        .unwrap()
    });
    assert_eq!(r, 0);
    assert_eq!(i32::from_le_bytes(ev[8..12].try_into().unwrap()), 99);
}

#[test]
fn the_per_device_limit_holds() {
    let ops = event_ops(1);
    let bpf = load(&ops, "event_ops.v3.g.o").unwrap();
    let _l = ops.attach(&bpf.struct_ops("first").unwrap(), 0).unwrap();
    assert_eq!(
        ops.attach(&bpf.struct_ops("second").unwrap(), 0)
            .unwrap_err()
            .to_string(),
        "struct_ops second: device 1 already has 1 event_ops implementations attached (the limit)"
    );
    // Another device has its own room.
    ops.attach(&bpf.struct_ops("other_device").unwrap(), 0)
        .unwrap();
}

#[test]
fn a_link_swaps_its_implementation_in_place() {
    let ops = event_ops(64);
    let a = load(&ops, "event_ops.v3.g.o").unwrap();
    let b = load(&ops, "event_ops.v3.g.o").unwrap();
    let mut link = ops.attach(&a.struct_ops("first").unwrap(), 0).unwrap();
    let _l2 = ops.attach(&a.struct_ops("second").unwrap(), 0).unwrap();
    // The replacement takes first's place, before second.
    link.update(&b.struct_ops("second").unwrap()).unwrap();
    assert_eq!(deliver(&ops, 1, 7), (vec![2, 2], 4));
    assert!(
        link.update(&b.struct_ops("other_device").unwrap())
            .unwrap_err()
            .to_string()
            .contains("another device")
    );
}

#[test]
fn with_the_jit_deliveries_go_through_the_native_dispatcher() {
    let native = |ops: &StructOps, device| ops.dispatch(device, 0, |d| d.is_native());
    let jit = event_ops(64);
    let interp = event_ops(64);
    let indirect =
        StructOps::with_dispatch_capacity(event_ops(64).struct_ops_type().as_ref().clone(), 0);
    let mut links = Vec::new();
    let mut objects = Vec::new();
    for (ops, engine) in [
        (&jit, Engine::Jit),
        (&interp, Engine::Interpreter),
        (&indirect, Engine::Jit),
    ] {
        let bpf = Loader::new()
            .engine(engine)
            .struct_ops(ops)
            .btf_struct(event_ctx())
            .load(&bytes("event_ops.v3.g.o"))
            .unwrap();
        for var in ["first", "second", "other_device"] {
            links.push(ops.attach(&bpf.struct_ops(var).unwrap(), 0).unwrap());
        }
        objects.push(bpf);
    }
    assert!(native(&jit, 1) && native(&jit, 2));
    assert!(!native(&interp, 1) && !native(&indirect, 1));
    for (device, kind) in [(1, 7), (2, 9), (1, 300), (3, 1)] {
        let want = deliver(&interp, device, kind);
        assert_eq!(deliver(&jit, device, kind), want, "device {device}");
        assert_eq!(deliver(&indirect, device, kind), want, "device {device}");
    }
    // A context shorter than the programs read: the native dispatcher
    // runs nothing and the Rust path refuses it, naming the program.
    let err = jit.dispatch(1, 0, |d| {
        d.run(0, RunInput::new().context_readonly(&[0; 4]))
    });
    let err = err.unwrap_err().to_string();
    assert_eq!(
        err,
        "program add_one: the context has 4 bytes; the program reads up to byte 16"
    );
}

#[test]
fn delivery_is_safe_while_other_threads_attach_and_detach() {
    let ops = event_ops(64);
    let bpf = Arc::new(load(&ops, "event_ops.v3.g.o").unwrap());
    let stop = Arc::new(AtomicBool::new(false));
    let callers: Vec<_> = (0..3)
        .map(|_| {
            let (ops, stop) = (ops.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) || n == 0 {
                    let got = deliver(&ops, 1, 5);
                    // Nothing, first, second, or both in order: never torn.
                    assert!(
                        [(vec![], 1), (vec![5], 2), (vec![2], 2), (vec![5, 2], 4)].contains(&got),
                        "{got:?}"
                    );
                    n += 1;
                }
                n
            })
        })
        .collect();
    let (first, second) = (
        bpf.struct_ops("first").unwrap(),
        bpf.struct_ops("second").unwrap(),
    );
    for round in 0..2000 {
        let l1 = ops.attach(&first, 0).unwrap();
        let l2 = ops.attach(&second, 0).unwrap();
        if round % 2 == 0 {
            l1.detach().unwrap();
            l2.detach().unwrap();
        } else {
            l2.detach().unwrap();
            l1.detach().unwrap();
        }
    }
    stop.store(true, Ordering::Relaxed);
    let delivered: u64 = callers.into_iter().map(|c| c.join().unwrap()).sum();
    assert!(delivered > 0);
}

#[test]
fn bad_objects_are_refused_with_the_reason() {
    let ops = event_ops(64);
    let cases = [
        (
            "event_ops_bad_sleep.v3.g.o",
            "struct_ops bad: program sleepy_event is sleepable (struct_ops.s/) but member on_event may not sleep: load it from a struct_ops/ section",
        ),
        (
            "event_ops_bad_member.v3.g.o",
            "struct_ops bad: member on_unknown is not a member of the host's event_ops",
        ),
        (
            "event_ops_bad_signature.v3.g.o",
            "struct_ops bad: member on_event takes 3 arguments in the object, 2 in the host's event_ops",
        ),
        (
            "event_ops_bad_data.v3.g.o",
            "struct_ops bad: the host refuses its data: flags must be 0, not 4",
        ),
    ];
    for (file, want) in cases {
        let err = load(&ops, file).err().expect(file);
        assert_eq!(err, want, "{file}");
    }
}

#[test]
fn the_loader_sets_data_before_load_and_hooks_see_attach_and_detach() {
    use std::sync::atomic::AtomicUsize;
    let regs = Arc::new(AtomicUsize::new(0));
    let unregs = Arc::new(AtomicUsize::new(0));
    let (r, u) = (regs.clone(), unregs.clone());
    let ctx = ArgType::Ptr {
        type_name: "event_ctx",
        nullable: false,
    };
    let ops = StructOps::new(
        StructOpsType::new("event_ops")
            .callback(
                "on_event",
                &[ctx.clone(), ArgType::Scalar],
                (-1, 255),
                false,
            )
            .callback("on_request", &[ctx], (0, 0), true)
            .data("dev_id", 4)
            .data("flags", 4)
            .init(|d| d.get("dev_id").ok_or_else(|| "no dev_id".into()))
            .validate(|i| {
                if i.implements(0) {
                    Ok(())
                } else {
                    Err("on_event is required".into())
                }
            })
            .reg(move |i| {
                if i.device() == 13 {
                    return Err("device 13 is gone".into());
                }
                r.fetch_add(1, Ordering::SeqCst);
                Ok(())
            })
            .unreg(move |_| {
                u.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }),
    );
    let mut obj = quiver_obj::Object::parse(&bytes("event_ops.v3.g.o")).unwrap();
    quiver::struct_ops::set_data(&mut obj, "first", "dev_id", 13).unwrap();
    quiver::struct_ops::set_data(&mut obj, "second", "dev_id", 5).unwrap();
    assert_eq!(
        quiver::struct_ops::set_data(&mut obj, "first", "dev_id", 1 << 40)
            .unwrap_err()
            .to_string(),
        "struct_ops first: 1099511627776 does not fit member dev_id (4 bytes)"
    );
    let bpf = Loader::new()
        .struct_ops(&ops)
        .btf_struct(event_ctx())
        .load_object(obj)
        .unwrap();
    let (first, second) = (
        bpf.struct_ops("first").unwrap(),
        bpf.struct_ops("second").unwrap(),
    );
    assert_eq!((first.device(), second.device()), (13, 5));
    assert_eq!(first.data("dev_id"), Some(13));
    assert_eq!(
        ops.attach(&first, 0).unwrap_err().to_string(),
        "struct_ops first: the host refuses to attach it: device 13 is gone"
    );
    let link = ops.attach(&second, 0).unwrap();
    assert_eq!(deliver(&ops, 5, 3), (vec![2], 2));
    link.detach().unwrap();
    assert_eq!(
        (regs.load(Ordering::SeqCst), unregs.load(Ordering::SeqCst)),
        (1, 1)
    );
}
