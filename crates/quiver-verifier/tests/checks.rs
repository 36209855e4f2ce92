//! The checker on small programs against a small host of its own: each
//! case states the verdict and, for rejections, Linux's message.

use std::collections::BTreeMap;

use quiver_isa::Program;
use quiver_isa::asm::{Syntax, assemble};
use quiver_verifier::host::{
    Arg, Callback, CallbackArg, CtxField, CtxFieldKind, Host, ProgramType, Proto, Ret, kf,
};
use quiver_verifier::verify::map_type;
use quiver_verifier::{Facts, MapInfo, Options, verify};

fn field(name: &str, off: u32, size: u32, write: bool, kind: CtxFieldKind) -> CtxField {
    CtxField {
        name: name.into(),
        off,
        size,
        read: true,
        write,
        kind,
    }
}

fn host() -> Host {
    let mut xdp = ProgramType::new("xdp", 24);
    xdp.ctx_fields = vec![
        field("data", 0, 4, false, CtxFieldKind::PacketData),
        field("data_end", 4, 4, false, CtxFieldKind::PacketEnd),
        field("data_meta", 8, 4, false, CtxFieldKind::PacketMeta),
        field("ingress_ifindex", 12, 4, false, CtxFieldKind::Scalar),
    ];
    xdp.helpers = vec![1, 2, 7, 12, 113, 131, 132, 133, 181, 93, 94];
    xdp.kfuncs = vec![
        "bpf_iter_num_new".into(),
        "bpf_iter_num_next".into(),
        "bpf_iter_num_destroy".into(),
        "sleepy".into(),
    ];
    xdp.packet_write = true;
    // This test host lets its programs be loaded sleepable.
    xdp.may_sleep = true;
    let mut sock = ProgramType::new("cgroup_sock", 80);
    sock.ctx_fields = vec![field("mark", 0, 4, true, CtxFieldKind::Scalar)];
    sock.ret_range = (0, 1);
    let iter = || Arg::Iter {
        type_name: "bpf_iter_num".into(),
        size: 8,
    };
    Host::new()
        .program_type(xdp)
        .program_type(sock)
        .helper(
            1,
            Proto::new(
                "bpf_map_lookup_elem",
                vec![Arg::Map, Arg::MapKey { map_arg: 0 }],
                Ret::MapValueOrNull { map_arg: 0 },
            ),
        )
        .helper(
            2,
            Proto::new(
                "bpf_map_update_elem",
                vec![
                    Arg::Map,
                    Arg::MapKey { map_arg: 0 },
                    Arg::MapValue { map_arg: 0 },
                    Arg::Scalar,
                ],
                Ret::Scalar,
            ),
        )
        .helper(7, Proto::new("bpf_get_prandom_u32", vec![], Ret::Scalar))
        .helper(
            113,
            Proto::new(
                "bpf_probe_read_kernel",
                vec![
                    Arg::Mem {
                        size: None,
                        size_arg: Some(1),
                        writable: true,
                        nullable: false,
                    },
                    Arg::Size { zero_ok: true },
                    Arg::Any,
                ],
                Ret::Scalar,
            ),
        )
        .helper(
            12,
            Proto::new(
                "bpf_tail_call",
                vec![Arg::Ctx, Arg::Map, Arg::Scalar],
                Ret::Void,
            ),
        )
        .helper(
            131,
            Proto::new(
                "bpf_ringbuf_reserve",
                vec![
                    Arg::Map,
                    Arg::Const {
                        min: 1,
                        max: 1 << 20,
                    },
                    Arg::Scalar,
                ],
                Ret::MemOrNull { size_arg: 1 },
            )
            .flags(kf::ACQUIRE),
        )
        .helper(
            132,
            Proto::new(
                "bpf_ringbuf_submit",
                vec![Arg::Alloc, Arg::Scalar],
                Ret::Void,
            )
            .flags(kf::RELEASE),
        )
        .helper(
            133,
            Proto::new(
                "bpf_ringbuf_discard",
                vec![Arg::Alloc, Arg::Scalar],
                Ret::Void,
            )
            .flags(kf::RELEASE),
        )
        .helper(
            181,
            Proto::new(
                "bpf_loop",
                vec![
                    Arg::Scalar,
                    Arg::Callback(Callback {
                        args: vec![CallbackArg::Scalar, CallbackArg::SameAs(2)],
                        ret: (0, 1),
                        is_async: false,
                        sleepable: false,
                    }),
                    Arg::Any,
                    Arg::Const { min: 0, max: 0 },
                ],
                Ret::Scalar,
            ),
        )
        .helper(
            93,
            Proto::new("bpf_spin_lock", vec![Arg::SpinLock], Ret::Void),
        )
        .helper(
            94,
            Proto::new("bpf_spin_unlock", vec![Arg::SpinLock], Ret::Void),
        )
        .kfunc(
            Proto::new(
                "bpf_iter_num_new",
                vec![iter(), Arg::Scalar, Arg::Scalar],
                Ret::Scalar,
            )
            .flags(kf::ITER_NEW),
        )
        .kfunc(
            Proto::new(
                "bpf_iter_num_next",
                vec![iter()],
                Ret::Mem {
                    size: Some(4),
                    size_arg: None,
                    nullable: true,
                    rdonly: true,
                },
            )
            .flags(kf::ITER_NEXT | kf::RET_NULL),
        )
        .kfunc(Proto::new("bpf_iter_num_destroy", vec![iter()], Ret::Void).flags(kf::ITER_DESTROY))
        .kfunc(Proto::new("sleepy", vec![], Ret::Scalar).flags(kf::SLEEPABLE))
}

fn maps() -> Vec<MapInfo> {
    vec![
        MapInfo {
            name: "values".into(),
            map_type: map_type::ARRAY,
            key_size: 4,
            value_size: 8,
            max_entries: 4,
            ..MapInfo::default()
        },
        MapInfo {
            name: "hash".into(),
            map_type: map_type::HASH,
            key_size: 8,
            value_size: 16,
            max_entries: 16,
            spin_lock_off: Some(8),
            ..MapInfo::default()
        },
        MapInfo {
            name: "rb".into(),
            map_type: map_type::RINGBUF,
            max_entries: 4096,
            ..MapInfo::default()
        },
        MapInfo {
            name: "jmp".into(),
            map_type: map_type::PROG_ARRAY,
            key_size: 4,
            value_size: 4,
            max_entries: 4,
            ..MapInfo::default()
        },
    ]
}

/// Verifies `text` as `ptype`: what the verifier proved, or the message.
fn verify_as(ptype: &str, sleepable: bool, text: &str) -> Result<Facts, String> {
    let insns = assemble(text, Syntax::Llvm).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let program = Program::from_insns(insns).expect("valid program");
    let kfuncs: BTreeMap<i32, String> = [
        (1, "bpf_iter_num_new"),
        (2, "bpf_iter_num_next"),
        (3, "bpf_iter_num_destroy"),
        (4, "sleepy"),
    ]
    .into_iter()
    .map(|(i, n)| (i, n.to_string()))
    .collect();
    let maps = maps();
    let host = host();
    let input = quiver_verifier::Input {
        program: &program,
        program_type: ptype,
        sleepable,
        maps: &maps,
        kfuncs: &kfuncs,
        source_line: None,
        func_info: true,
        global_funcs: &[],
    };
    let opts = Options {
        log_level: 1,
        ..Options::default()
    };
    match verify(&host, &input, &opts) {
        Ok(a) => Ok(a.facts),
        Err(r) => Err(r.message.clone()),
    }
}

/// Verifies `text` as `ptype`; Ok(()) or the message.
fn check_as(ptype: &str, sleepable: bool, text: &str) -> Result<(), String> {
    verify_as(ptype, sleepable, text).map(|_| ())
}

fn check(text: &str) -> Result<(), String> {
    check_as("xdp", false, text)
}

#[track_caller]
fn accepts(text: &str) {
    if let Err(e) = check(text) {
        panic!("rejected: {e}\n{text}");
    }
}

#[track_caller]
fn rejects(text: &str, msg: &str) {
    match check(text) {
        Ok(()) => panic!("accepted, expected `{msg}`\n{text}"),
        Err(e) => assert_eq!(e, msg, "\n{text}"),
    }
}

#[test]
fn registers() {
    accepts("r0 = 0\nexit");
    rejects("exit", "R0 !read_ok");
    rejects("r0 = r2\nexit", "R2 !read_ok");
    rejects("r10 = 0\nr0 = 0\nexit", "frame pointer is read only");
}

#[test]
fn stack() {
    accepts("r1 = 1\n*(u64 *)(r10 - 8) = r1\nr0 = *(u64 *)(r10 - 8)\nexit");
    accepts("r0 = *(u64 *)(r10 - 8)\nexit");
    rejects(
        "r0 = *(u64 *)(r10 - 520)\nexit",
        "invalid read from stack R10 off=-520 size=8",
    );
    rejects(
        "*(u64 *)(r10 + 0) = 1\nr0 = 0\nexit",
        "invalid write to stack R10 off=0 size=8",
    );
    rejects(
        "r0 = *(u32 *)(r10 - 6)\nexit",
        "misaligned stack access off 0+0+-6 size 4",
    );
    rejects(
        "*(u64 *)(r10 - 8) = r1\nr2 = *(u32 *)(r10 - 8)\nr0 = 0\nexit",
        "invalid size of register fill",
    );
    rejects(
        "*(u64 *)(r10 - 8) = r1\n*(u8 *)(r10 - 8) = 0\nr2 = *(u64 *)(r10 - 8)\nr0 = *(u32 *)(r2 + 0)\nexit",
        "R2 invalid mem access 'scalar'",
    );
    accepts("*(u64 *)(r10 - 8) = r1\nr2 = *(u64 *)(r10 - 8)\nr0 = *(u32 *)(r2 + 12)\nexit");
}

#[test]
fn packets() {
    let ok = "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += 14\nif r4 > r3 goto out\nr0 = *(u8 *)(r2 + 13)\nout:\nr0 = 2\nexit";
    accepts(ok);
    rejects(
        "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += 14\nif r4 > r3 goto out\nr0 = *(u8 *)(r2 + 14)\nout:\nr0 = 2\nexit",
        "invalid access to packet, off=14 size=1, R2(id=0,off=0,r=14)",
    );
    rejects(
        "r2 = *(u32 *)(r1 + 0)\nr0 = *(u8 *)(r2 + 0)\nexit",
        "invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)",
    );
    accepts(
        "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += 8\nif r3 >= r4 goto ok\nr0 = 1\nexit\nok:\nr0 = *(u64 *)(r2 + 0)\nexit",
    );
}

#[test]
fn maps_and_null_checks() {
    let lookup = "r1 = 0\n*(u64 *)(r10 - 8) = r1\nr2 = r10\nr2 += -8\nr1 = map_fd(1) ll\n";
    rejects(
        &format!("{lookup}call bpf_map_lookup_elem#1\nr0 = *(u64 *)(r0 + 0)\nexit"),
        "R0 invalid mem access 'map_value_or_null'",
    );
    accepts(&format!(
        "{lookup}call bpf_map_lookup_elem#1\nif r0 == 0 goto out\nr0 = *(u64 *)(r0 + 0)\nout:\nr0 = 0\nexit"
    ));
    // Array with a constant key in range: no null check needed.
    accepts(
        "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_fd(0) ll\ncall bpf_map_lookup_elem#1\nr0 = *(u64 *)(r0 + 0)\nexit",
    );
    rejects(
        "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_fd(0) ll\ncall bpf_map_lookup_elem#1\nr0 = *(u64 *)(r0 + 8)\nexit",
        "invalid access to map value, value_size=8 off=8 size=8",
    );
    rejects(
        "r1 = 0\nr2 = 0\ncall bpf_map_lookup_elem#1\nr0 = 0\nexit",
        "R1 type=scalar expected=map_ptr",
    );
    rejects(
        "r1 = map_fd(0) ll\nr1 += 8\nr0 = 0\nexit",
        "R1 pointer arithmetic on map_ptr prohibited",
    );
}

/// Which maps' values reach a call: lookups of the others need no region
/// in unchecked mode.
#[test]
fn map_values_that_reach_calls() {
    let passed = |text: &str| -> Vec<u32> {
        let facts = verify_as("xdp", false, text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        facts.map_values_to_calls.into_iter().collect()
    };
    let lookup = "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_fd(0) ll\ncall bpf_map_lookup_elem#1\n";
    // Read by the program only.
    assert_eq!(
        passed(&format!("{lookup}r0 = *(u64 *)(r0 + 0)\nr0 = 0\nexit")),
        Vec::<u32>::new()
    );
    // The value handed back to the update helper as its value argument.
    assert_eq!(
        passed(&format!(
            "{lookup}r3 = r0\nr2 = r10\nr2 += -4\nr1 = map_fd(0) ll\nr4 = 0\ncall bpf_map_update_elem#2\nr0 = 0\nexit"
        )),
        vec![0]
    );
    // A probe read takes any address as a number: every map's values.
    assert_eq!(
        passed(&format!(
            "{lookup}r6 = *(u64 *)(r0 + 0)\nr1 = r10\nr1 += -16\nr2 = 8\nr3 = 0\ncall bpf_probe_read_kernel#113\nr0 = 0\nexit"
        )),
        vec![0, 1, 2, 3]
    );
    // An iterator on the stack is the kfunc's own object: no map's values.
    let iter =
        "r1 = r10\nr1 += -8\nr2 = 0\nr3 = 10\ncall kfunc#1\nr1 = r10\nr1 += -8\ncall kfunc#3\n";
    assert_eq!(
        passed(&format!(
            "{lookup}r6 = *(u64 *)(r0 + 0)\n{iter}r0 = 0\nexit"
        )),
        Vec::<u32>::new()
    );
}

#[test]
fn return_values() {
    assert_eq!(check_as("cgroup_sock", false, "r0 = 1\nexit"), Ok(()));
    assert_eq!(
        check_as("cgroup_sock", false, "r0 = 2\nexit"),
        Err("At program exit the register R0 has smin=2 smax=2 should have been in [0, 1]".into())
    );
    assert_eq!(
        check_as("cgroup_sock", false, "r0 = r10\nexit"),
        Err("At program exit the register R0 is not a known value (fp)".into())
    );
}

#[test]
fn loops() {
    accepts("r1 = 0\nL:\nr1 += 1\nif r1 < 100 goto L\nr0 = 0\nexit");
    rejects(
        "r1 = 0\nL:\nif r1 == 0 goto L\nr0 = 0\nexit",
        "infinite loop detected at insn 1",
    );
    rejects(
        "r2 = *(u32 *)(r1 + 12)\nr1 = 0\nL:\nr1 += 1\nif r1 < r2 goto L\nr0 = 0\nexit",
        "BPF program is too large. Processed 1000001 insn",
    );
}

#[test]
fn references() {
    let reserve = "r1 = map_fd(2) ll\nr2 = 8\nr3 = 0\ncall bpf_ringbuf_reserve#131\n";
    accepts(&format!(
        "{reserve}if r0 == 0 goto out\n*(u64 *)(r0 + 0) = 1\nr1 = r0\nr2 = 0\ncall bpf_ringbuf_submit#132\nout:\nr0 = 0\nexit"
    ));
    rejects(
        &format!("{reserve}if r0 == 0 goto out\nout:\nr0 = 0\nexit"),
        "Unreleased reference id=2 alloc_insn=4",
    );
    rejects(
        &format!(
            "{reserve}if r0 == 0 goto out\nr6 = r0\nr1 = r0\nr2 = 0\ncall bpf_ringbuf_submit#132\nr1 = r6\nr2 = 0\ncall bpf_ringbuf_discard#133\nout:\nr0 = 0\nexit"
        ),
        "R1 type=scalar expected=ringbuf_mem",
    );
    rejects(
        &format!(
            "{reserve}if r0 == 0 goto out\n*(u64 *)(r0 + 4) = 1\nr1 = r0\nr2 = 0\ncall bpf_ringbuf_submit#132\nout:\nr0 = 0\nexit"
        ),
        "invalid access to memory, mem_size=8 off=4 size=8",
    );
}

#[test]
fn iterators() {
    let body = "r1 = r10\nr1 += -8\nr2 = 0\nr3 = 10\ncall kfunc#1\nL:\nr1 = r10\nr1 += -8\ncall kfunc#2\nif r0 == 0 goto done\nr6 = *(u32 *)(r0 + 0)\ngoto L\ndone:\n";
    accepts(&format!(
        "{body}r1 = r10\nr1 += -8\ncall kfunc#3\nr0 = 0\nexit"
    ));
    rejects(
        &format!("{body}r0 = 0\nexit"),
        "Unreleased reference id=1 alloc_insn=4",
    );
    rejects(
        "r1 = r10\nr1 += -8\ncall kfunc#2\nr0 = 0\nexit",
        "expected an initialized iter_num as arg #0",
    );
}

#[test]
fn callbacks() {
    let prog = "r1 = 4\nr2 = func(cb) ll\nr3 = 0\nr4 = 0\ncall bpf_loop#181\nr0 = 0\nexit\ncb:\nr0 = VAL\nexit";
    accepts(&prog.replace("VAL", "0"));
    rejects(
        &prog.replace("VAL", "2"),
        "At callback return the register R0 has smin=2 smax=2 should have been in [0, 1]",
    );
}

#[test]
fn sleepable_kfuncs() {
    rejects(
        "call kfunc#4\nr0 = 0\nexit",
        "program must be sleepable to call sleepable kfunc sleepy",
    );
    assert_eq!(check_as("xdp", true, "call kfunc#4\nr0 = 0\nexit"), Ok(()));
}

#[test]
fn spin_locks() {
    let head = "r1 = 0\n*(u64 *)(r10 - 8) = r1\nr2 = r10\nr2 += -8\nr1 = map_fd(1) ll\ncall bpf_map_lookup_elem#1\nif r0 == 0 goto out\nr6 = r0\nr1 = r0\nr1 += 8\ncall bpf_spin_lock#93\n";
    accepts(&format!(
        "{head}r1 = r6\nr1 += 8\ncall bpf_spin_unlock#94\nout:\nr0 = 0\nexit"
    ));
    rejects(
        &format!("{head}out:\nr0 = 0\nexit"),
        "bpf_spin_unlock is missing",
    );
    rejects(
        &format!(
            "{head}call bpf_get_prandom_u32#7\nr1 = r6\nr1 += 8\ncall bpf_spin_unlock#94\nout:\nr0 = 0\nexit"
        ),
        "function calls are not allowed while holding a lock",
    );
}

/// A program whose two paths join with r7 = `safe` (the first explored,
/// stored at the join) and r7 = `bad`, then run `after` with r9 a map
/// value pointer (8 bytes).
fn joined(safe: i64, bad: i64, after: &str) -> String {
    format!(
        "r6 = r1
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r9 = r0
r0 = *(u32 *)(r6 + 12)
r7 = {safe}
if r0 > 10 goto other
r8 = 1
r8 += 1
r8 += 1
r8 += 1
r8 += 1
r8 += 1
r8 += 1
r8 += 1
goto join
other:
r7 = {bad}
join:
{after}
out:
r0 = 0
exit"
    )
}

#[test]
fn precision() {
    let oob = "invalid access to map value, value_size=8 off=100 size=1";
    // Nothing depends on r7: the second path is pruned at the join.
    accepts(&joined(0, 100, "*(u64 *)(r9 + 0) = r7"));
    // r7 becomes an offset after the join: it is precise there, so the
    // second path is explored and refused.
    rejects(&joined(0, 100, "r9 += r7\nr0 = *(u8 *)(r9 + 0)"), oob);
    // Through a copy, a 32-bit move, a spill and fill, a sum.
    rejects(
        &joined(0, 100, "r3 = r7\nr7 = 0\nr9 += r3\nr0 = *(u8 *)(r9 + 0)"),
        oob,
    );
    rejects(
        &joined(0, 100, "w3 = w7\nr7 = 0\nr9 += r3\nr0 = *(u8 *)(r9 + 0)"),
        oob,
    );
    rejects(
        &joined(
            0,
            100,
            "*(u64 *)(r10 - 16) = r7\nr7 = 0\nr3 = *(u64 *)(r10 - 16)\nr9 += r3\nr0 = *(u8 *)(r9 + 0)",
        ),
        oob,
    );
    rejects(
        &joined(0, 98, "r3 = 2\nr3 += r7\nr9 += r3\nr0 = *(u8 *)(r9 + 0)"),
        oob,
    );
    // A branch decided from r7's value.
    rejects(
        &joined(0, 1, "if r7 == 0 goto out\nr0 = *(u8 *)(r9 + 100)"),
        oob,
    );
    // Into a subprogram and back out of one.
    let through_call = joined(
        0,
        100,
        "r1 = r7\nr7 = 0\ncall sub\nr9 += r0\nr0 = *(u8 *)(r9 + 0)",
    ) + "\nsub:\nr0 = r1\nexit";
    rejects(&through_call, oob);
}

#[test]
fn precision_return_value() {
    // cgroup_sock returns must lie in [0, 1]: the exit check makes r0
    // (and r7 it was copied from) precise.
    let text = "r0 = *(u32 *)(r1 + 0)
r7 = 1
if r0 > 10 goto other
r8 = 1
r8 += 1
r8 += 1
r8 += 1
r8 += 1
r8 += 1
r8 += 1
r8 += 1
goto join
other:
r7 = 5
join:
r0 = r7
exit";
    assert_eq!(
        check_as("cgroup_sock", false, text),
        Err("At program exit the register R0 has smin=5 smax=5 should have been in [0, 1]".into())
    );
}
