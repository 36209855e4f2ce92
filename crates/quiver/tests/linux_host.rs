//! The Linux host description against facts checked on a 6.18 kernel:
//! context offsets and access rules, return ranges, packet rules, helper
//! availability and prototypes, kfuncs.

use std::collections::BTreeMap;

use quiver::linux_host::linux_host;
use quiver_isa::Program;
use quiver_isa::asm::{Syntax, assemble};
use quiver_verifier::host::{Arg, CallbackArg, CtxFieldKind, Host, ProgramType, Ret, kf};
use quiver_verifier::{Options, verify};

const TYPES: &[&str] = &[
    "socket_filter",
    "kprobe",
    "sched_cls",
    "sched_act",
    "tracepoint",
    "xdp",
    "perf_event",
    "cgroup_skb",
    "cgroup_sock",
    "sk_skb",
    "raw_tracepoint",
    "syscall",
    "lwt_in",
    "lwt_out",
    "lwt_xmit",
    "flow_dissector",
];

fn ty<'a>(host: &'a Host, name: &str) -> &'a ProgramType {
    host.program_types
        .get(name)
        .unwrap_or_else(|| panic!("no program type {name}"))
}

fn can_read(t: &ProgramType, off: i64, size: u32) -> bool {
    t.ctx_field(off, size).is_some_and(|f| {
        f.read && (f.kind == CtxFieldKind::Scalar || (f.off as i64 == off && f.size == size))
    })
}

fn can_write(t: &ProgramType, off: i64, size: u32) -> bool {
    t.ctx_field(off, size).is_some_and(|f| f.write)
}

/// Verifies `text` as a program of type `ptype`; `Ok` or Linux's message.
fn check(host: &Host, ptype: &str, text: &str) -> Result<(), String> {
    let insns = assemble(text, Syntax::Llvm).expect("assembles");
    let program = Program::from_insns(insns).expect("valid program");
    let kfuncs = BTreeMap::new();
    let input = quiver_verifier::Input {
        program: &program,
        program_type: ptype,
        sleepable: ty(host, ptype).sleepable,
        maps: &[],
        kfuncs: &kfuncs,
        source_line: None,
        func_info: false,
        global_funcs: &[],
    };
    verify(host, &input, &Options::default())
        .map(|_| ())
        .map_err(|r| r.message.clone())
}

#[test]
fn every_type_is_described() {
    let host = linux_host();
    for name in TYPES {
        let t = ty(&host, name);
        assert_eq!(t.name, *name);
        assert!(!t.ctx_fields.is_empty(), "{name} has no context fields");
    }
}

#[test]
fn sk_buff_offsets() {
    let host = linux_host();
    let tc = ty(&host, "sched_cls");
    let at = |off: i64, size| tc.ctx_field(off, size).expect("a field").clone();
    assert_eq!(at(0, 4).name, "len");
    assert_eq!(at(8, 4).name, "mark");
    assert_eq!(at(48, 4).name, "cb");
    assert_eq!(at(72, 4).name, "tc_classid");
    let data = at(76, 4);
    assert_eq!(
        (data.name.as_str(), data.kind),
        ("data", CtxFieldKind::PacketData)
    );
    let end = at(80, 4);
    assert_eq!(
        (end.name.as_str(), end.kind),
        ("data_end", CtxFieldKind::PacketEnd)
    );
    let meta = at(140, 4);
    assert_eq!(meta.kind, CtxFieldKind::PacketMeta);
    assert_eq!(at(152, 8).name, "tstamp");
    assert_eq!(at(168, 8).name, "sk");
    assert_eq!(at(184, 8).name, "hwtstamp");
    // Packet pointers load whole only.
    assert!(can_read(tc, 76, 4));
    assert!(!can_read(tc, 76, 2));
    // cb[] takes 8-byte accesses.
    assert!(can_read(tc, 48, 8) && can_write(tc, 56, 8));
    assert!(!can_read(tc, 192, 1));
}

#[test]
fn sk_buff_rules_per_type() {
    let host = linux_host();
    let sf = ty(&host, "socket_filter");
    // sk_filter_is_valid_access: no packet pointers, writes to cb[] only.
    assert!(can_read(sf, 0, 4));
    assert!(!can_read(sf, 76, 4));
    assert!(!can_read(sf, 80, 4));
    assert!(!can_read(sf, 72, 4), "tc_classid");
    assert!(can_write(sf, 48, 4));
    assert!(!can_write(sf, 8, 4), "mark");

    let tc = ty(&host, "sched_cls");
    for off in [8, 12, 32, 44, 48, 72] {
        assert!(can_write(tc, off, 4), "sched_cls writes {off}");
    }
    assert!(can_write(tc, 152, 8), "tstamp");
    assert!(!can_write(tc, 0, 4), "len");

    let cg = ty(&host, "cgroup_skb");
    assert!(can_read(cg, 76, 4) && can_read(cg, 80, 4));
    assert!(!can_read(cg, 140, 4), "data_meta");
    assert!(can_write(cg, 8, 4) && can_write(cg, 32, 4) && can_write(cg, 48, 4));
    assert!(!can_write(cg, 72, 4), "tc_classid");
    assert!(!can_write(cg, 44, 4), "tc_index");
    assert!(can_read(cg, 88, 4), "family");

    let sk = ty(&host, "sk_skb");
    assert!(!can_read(sk, 8, 4), "sk_skb cannot read mark");
    assert!(can_write(sk, 32, 4) && can_write(sk, 44, 4));
    assert!(!can_write(sk, 48, 4), "cb is read-only in sk_skb");

    let fd = ty(&host, "flow_dissector");
    assert!(can_read(fd, 76, 4));
    assert!(!can_read(fd, 0, 4));
    let keys = fd.ctx_field(144, 8).unwrap();
    assert!(matches!(
        keys.kind,
        CtxFieldKind::Btf {
            type_name: "bpf_flow_keys",
            ..
        }
    ));
    assert!(host.btf_structs.contains_key("bpf_flow_keys"));
    assert!(host.btf_structs.contains_key("bpf_sock"));
}

#[test]
fn xdp_md() {
    let host = linux_host();
    let x = ty(&host, "xdp");
    assert_eq!(x.ctx_size, 24);
    assert_eq!(x.ctx_field(0, 4).unwrap().kind, CtxFieldKind::PacketData);
    assert_eq!(x.ctx_field(4, 4).unwrap().kind, CtxFieldKind::PacketEnd);
    assert_eq!(x.ctx_field(8, 4).unwrap().kind, CtxFieldKind::PacketMeta);
    assert!(can_read(x, 12, 4) && can_read(x, 16, 4));
    // egress_ifindex: devmap programs only.
    assert!(!can_read(x, 20, 4));
    assert!(x.ctx_fields.iter().all(|f| !f.write));
    assert!(x.packet_write);
    assert!(!x.ld_abs);
}

#[test]
fn bpf_sock_for_cgroup_sock() {
    let host = linux_host();
    let s = ty(&host, "cgroup_sock");
    assert_eq!(s.ret_range, (0, 1));
    for off in [0, 16, 20] {
        assert!(can_write(s, off, 4), "bound_dev_if, mark, priority");
    }
    for off in [4, 8, 12, 48, 52, 56, 72, 76] {
        assert!(
            can_read(s, off, 4) && !can_write(s, off, 4),
            "read-only {off}"
        );
    }
    // src_ip4, src_ip6, src_port: post_bind programs only.
    assert!(!can_read(s, 24, 4) && !can_read(s, 44, 4));
}

#[test]
fn tracing_contexts() {
    let host = linux_host();
    let k = ty(&host, "kprobe");
    assert_eq!(k.ctx_size, 168);
    assert_eq!(k.ctx_field(112, 8).unwrap().name, "di");
    assert_eq!(k.ctx_field(80, 8).unwrap().name, "ax");
    assert!(can_read(k, 160, 8) && can_read(k, 116, 4));
    assert!(!can_read(k, 168, 8) && !can_read(k, 4, 8));
    assert!(k.ctx_fields.iter().all(|f| !f.write));
    assert!(k.may_sleep);

    let pe = ty(&host, "perf_event");
    assert_eq!(pe.ctx_field(168, 8).unwrap().name, "sample_period");
    assert_eq!(pe.ctx_field(176, 8).unwrap().name, "addr");
    assert!(!can_read(pe, 184, 8));

    let rt = ty(&host, "raw_tracepoint");
    assert!(can_read(rt, 88, 8) && !can_read(rt, 96, 8));

    let tp = ty(&host, "tracepoint");
    assert!(!can_read(tp, 0, 8), "the common fields");
    assert!(can_read(tp, 8, 8) && can_read(tp, 8184, 8));
    assert!(!can_read(tp, 8192, 1));

    let sc = ty(&host, "syscall");
    assert!(sc.sleepable);
    assert!(can_read(sc, 0, 8) && can_write(sc, 4096, 4) && can_write(sc, 32760, 8));
    assert!(!can_read(sc, -8, 8));

    for name in ["kprobe", "tracepoint", "perf_event", "raw_tracepoint"] {
        assert_eq!(
            ty(&host, name).spin_lock_refusal.as_deref(),
            Some("tracing progs cannot use bpf_spin_lock yet")
        );
    }
    assert!(ty(&host, "sched_cls").spin_lock_refusal.is_none());
}

#[test]
fn return_ranges_and_packet_rules() {
    let host = linux_host();
    let full = (i64::MIN, i64::MAX);
    for (name, range, write, ld_abs) in [
        ("socket_filter", full, false, true),
        ("sched_cls", full, true, true),
        ("sched_act", full, true, true),
        ("cgroup_skb", (0, 1), false, false),
        ("cgroup_sock", (0, 1), false, false),
        ("xdp", full, true, false),
        ("lwt_in", full, false, false),
        ("lwt_out", full, false, false),
        ("lwt_xmit", full, true, false),
        ("sk_skb", full, true, false),
        ("flow_dissector", full, false, false),
        ("kprobe", full, false, false),
        ("tracepoint", full, false, false),
    ] {
        let t = ty(&host, name);
        assert_eq!(t.ret_range, range, "{name} return range");
        assert_eq!(t.packet_write, write, "{name} packet_write");
        assert_eq!(t.ld_abs, ld_abs, "{name} ld_abs");
    }
}

#[test]
fn every_listed_helper_has_a_prototype() {
    let host = linux_host();
    for t in host.program_types.values() {
        assert!(!t.helpers.is_empty(), "{} lists no helpers", t.name);
        for id in &t.helpers {
            assert!(
                host.helpers.contains_key(id),
                "{} lists helper #{id} without a prototype",
                t.name
            );
        }
        for k in &t.kfuncs {
            assert!(host.kfuncs.contains_key(k), "{} lists kfunc {k}", t.name);
        }
    }
    // Every helper quiver runs is described.
    for (id, _) in quiver::helpers::linux_protos() {
        assert!(host.helpers.contains_key(&id));
    }
}

#[test]
fn helper_availability() {
    let host = linux_host();
    let has = |t: &str, id: u32| ty(&host, t).helpers.contains(&id);
    // bpf_xdp_adjust_head: XDP only.
    assert!(has("xdp", 44) && !has("socket_filter", 44) && !has("sched_cls", 44));
    // bpf_skb_store_bytes: tc, lwt_xmit, sk_skb; not socket filters.
    assert!(has("sched_cls", 9) && has("sk_skb", 9) && !has("socket_filter", 9));
    // bpf_skb_load_bytes: not XDP.
    assert!(has("socket_filter", 26) && !has("xdp", 26));
    // Since Linux 6.10 every type may read the current pid/tgid.
    assert!(has("socket_filter", 14) && has("xdp", 14));
    // bpf_probe_read (the old one): tracing only.
    assert!(has("kprobe", 4) && !has("socket_filter", 4));
    assert!(has("kprobe", 173) && !has("xdp", 173), "bpf_get_func_ip");
    assert!(has("perf_event", 56) && !has("kprobe", 56));
    assert!(has("xdp", 51), "bpf_redirect_map");
    assert!(
        has("lwt_in", 73) && !has("lwt_out", 73),
        "bpf_lwt_push_encap"
    );
    assert!(
        has("cgroup_sock", 187) && !has("cgroup_skb", 187),
        "bpf_set_retval"
    );
    // bpf_ktime_get_coarse_ns: not for tracing programs.
    assert!(has("socket_filter", 160) && !has("kprobe", 160));
    for t in TYPES {
        for id in [1, 2, 3, 5, 7, 12, 93, 94, 130, 131, 132, 133, 181] {
            assert!(has(t, id), "{t} may call #{id}");
        }
        for k in [
            "bpf_iter_num_new",
            "bpf_rcu_read_lock",
            "bpf_rcu_read_unlock",
        ] {
            assert!(ty(&host, t).kfuncs.iter().any(|n| n == k), "{t}: {k}");
        }
    }
}

#[test]
fn prototypes() {
    let host = linux_host();
    let reserve = &host.helpers[&131];
    assert_eq!(reserve.ret, Ret::MemOrNull { size_arg: 1 });
    assert_ne!(reserve.flags & kf::ACQUIRE, 0);
    for id in [132, 133] {
        let p = &host.helpers[&id];
        assert_eq!(p.args[0], Arg::Alloc);
        assert_ne!(p.flags & kf::RELEASE, 0);
        assert_eq!(p.ret, Ret::Void);
    }
    let tail = &host.helpers[&12];
    assert_eq!(tail.name, "bpf_tail_call");
    assert_eq!(tail.args, vec![Arg::Ctx, Arg::Map, Arg::Scalar]);
    assert_eq!(tail.ret, Ret::Void);
    let Arg::Callback(cb) = &host.helpers[&181].args[1] else {
        panic!("bpf_loop takes a callback");
    };
    assert_eq!(cb.args, vec![CallbackArg::Scalar, CallbackArg::SameAs(2)]);
    assert_eq!(cb.ret, (0, 1));
    assert!(!cb.is_async);
    let Arg::Callback(timer) = &host.helpers[&170].args[1] else {
        panic!("bpf_timer_set_callback takes a callback");
    };
    assert!(timer.is_async);
    assert_eq!(timer.ret, (0, 0));
    assert_eq!(host.helpers[&93].args, vec![Arg::SpinLock]);
    assert_eq!(host.helpers[&169].args[0], Arg::Timer);
    // Packet-moving helpers invalidate packet pointers; others do not.
    for id in [9, 39, 44, 54, 65] {
        assert_ne!(host.helpers[&id].flags & kf::CHANGES_PKT_DATA, 0, "#{id}");
    }
    for id in [26, 32, 46] {
        assert_eq!(host.helpers[&id].flags & kf::CHANGES_PKT_DATA, 0, "#{id}");
    }
    assert!(host.helpers[&148].is_sleepable(), "bpf_copy_from_user");
    let next = &host.kfuncs["bpf_iter_num_next"];
    assert_eq!(next.flags, kf::ITER_NEXT | kf::RET_NULL);
    assert_eq!(
        next.ret,
        Ret::Mem {
            size: Some(4),
            size_arg: None,
            nullable: true,
            rdonly: true
        }
    );
}

#[test]
fn verdicts_through_the_verifier() {
    let host = linux_host();
    // socket filters cannot read __sk_buff.data.
    assert_eq!(
        check(
            &host,
            "socket_filter",
            "r2 = *(u32 *)(r1 + 76)\nr0 = 0\nexit\n"
        ),
        Err("invalid bpf_context access off=76 size=4".into())
    );
    assert_eq!(
        check(
            &host,
            "socket_filter",
            "r2 = 0\ncall bpf_xdp_adjust_head#44\nr0 = 0\nexit\n"
        ),
        Err("program of this type cannot use helper bpf_xdp_adjust_head#44".into())
    );
    // A bounds-checked packet write in XDP; invalid after adjust_head.
    let xdp_write = "r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += 1\n\
                     if r4 > r3 goto out\n*(u8 *)(r2 + 0) = 0\nout:\nr0 = 2\nexit\n";
    assert_eq!(check(&host, "xdp", xdp_write), Ok(()));
    let after_adjust = "r6 = r1\nr2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\n\
                        r4 += 1\nif r4 > r3 goto out\nr7 = r2\nr1 = r6\nr2 = 0\n\
                        call bpf_xdp_adjust_head#44\nr0 = *(u8 *)(r7 + 0)\nout:\nr0 = 0\nexit\n";
    assert_eq!(
        check(&host, "xdp", after_adjust),
        Err("R7 invalid mem access 'scalar'".into())
    );
    // cgroup_sock returns 0 or 1.
    assert!(check(&host, "cgroup_sock", "r0 = 2\nexit\n").is_err());
    assert_eq!(check(&host, "cgroup_sock", "r0 = 1\nexit\n"), Ok(()));
    // cgroup_skb may read packets but not write them.
    let cg_write = "r2 = *(u32 *)(r1 + 76)\nr3 = *(u32 *)(r1 + 80)\nr4 = r2\nr4 += 1\n\
                    if r4 > r3 goto out\n*(u8 *)(r2 + 0) = 0\nout:\nr0 = 1\nexit\n";
    assert_eq!(
        check(&host, "cgroup_skb", cg_write),
        Err("cannot write into packet".into())
    );
    // kprobe contexts are read-only.
    assert_eq!(
        check(
            &host,
            "kprobe",
            "r2 = 0\n*(u64 *)(r1 + 80) = r2\nr0 = 0\nexit\n"
        ),
        Err("invalid bpf_context access off=80 size=8".into())
    );
    assert_eq!(
        check(&host, "kprobe", "call bpf_get_func_ip#173\nr0 = 0\nexit\n"),
        Ok(())
    );
}
