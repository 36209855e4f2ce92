//! Program section names as libbpf understands them (`SEC("...")`): the
//! program type, the expected attach type or target, and sleepability.

/// What a program section says about its program.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SectionKind {
    /// Linux's program type name (`socket_filter`, `xdp`, `struct_ops`...).
    pub prog_type: ProgType,
    /// What follows the prefix (`hid_device_event` in
    /// `struct_ops/hid_device_event`, the traced function of `fentry/f`).
    pub target: Option<String>,
    /// A `.s` section (`struct_ops.s/`, `fentry.s/`) or a program type that
    /// is always sleepable (`syscall`).
    pub sleepable: bool,
}

/// Linux program types (`enum bpf_prog_type`), with their numeric ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProgType {
    SocketFilter = 1,
    Kprobe = 2,
    SchedCls = 3,
    SchedAct = 4,
    Tracepoint = 5,
    Xdp = 6,
    PerfEvent = 7,
    CgroupSkb = 8,
    CgroupSock = 9,
    LwtIn = 10,
    SockOps = 13,
    SkSkb = 14,
    CgroupDevice = 15,
    SkMsg = 16,
    RawTracepoint = 17,
    CgroupSockAddr = 18,
    FlowDissector = 22,
    CgroupSysctl = 23,
    CgroupSockopt = 25,
    Tracing = 26,
    StructOps = 27,
    Ext = 28,
    Lsm = 29,
    SkLookup = 30,
    Syscall = 31,
    Netfilter = 32,
}

impl ProgType {
    /// The name bpftool prints.
    pub fn name(self) -> &'static str {
        use ProgType::*;
        match self {
            SocketFilter => "socket_filter",
            Kprobe => "kprobe",
            SchedCls => "sched_cls",
            SchedAct => "sched_act",
            Tracepoint => "tracepoint",
            Xdp => "xdp",
            PerfEvent => "perf_event",
            CgroupSkb => "cgroup_skb",
            CgroupSock => "cgroup_sock",
            LwtIn => "lwt_in",
            SockOps => "sock_ops",
            SkSkb => "sk_skb",
            CgroupDevice => "cgroup_device",
            SkMsg => "sk_msg",
            RawTracepoint => "raw_tracepoint",
            CgroupSockAddr => "cgroup_sock_addr",
            FlowDissector => "flow_dissector",
            CgroupSysctl => "cgroup_sysctl",
            CgroupSockopt => "cgroup_sockopt",
            Tracing => "tracing",
            StructOps => "struct_ops",
            Ext => "ext",
            Lsm => "lsm",
            SkLookup => "sk_lookup",
            Syscall => "syscall",
            Netfilter => "netfilter",
        }
    }
}

/// Prefix table: (prefix, program type, sleepable, takes a `/target`).
/// Order matters: longer prefixes first where one is a prefix of another.
const PREFIXES: &[(&str, ProgType, bool, bool)] = {
    use ProgType::*;
    &[
        ("socket", SocketFilter, false, false),
        ("sk_reuseport", SocketFilter, false, false),
        ("kprobe.multi", Kprobe, false, true),
        ("kretprobe.multi", Kprobe, false, true),
        ("uprobe.multi.s", Kprobe, true, true),
        ("uprobe.multi", Kprobe, false, true),
        ("uretprobe.multi.s", Kprobe, true, true),
        ("uretprobe.multi", Kprobe, false, true),
        ("kprobe", Kprobe, false, true),
        ("kretprobe", Kprobe, false, true),
        ("uprobe.s", Kprobe, true, true),
        ("uprobe", Kprobe, false, true),
        ("uretprobe.s", Kprobe, true, true),
        ("uretprobe", Kprobe, false, true),
        ("ksyscall", Kprobe, false, true),
        ("kretsyscall", Kprobe, false, true),
        ("usdt", Kprobe, false, true),
        ("tc/ingress", SchedCls, false, false),
        ("tc/egress", SchedCls, false, false),
        ("tcx/ingress", SchedCls, false, false),
        ("tcx/egress", SchedCls, false, false),
        ("netkit/primary", SchedCls, false, false),
        ("netkit/peer", SchedCls, false, false),
        ("tc", SchedCls, false, false),
        ("classifier", SchedCls, false, false),
        ("action", SchedAct, false, false),
        ("tracepoint", Tracepoint, false, true),
        ("tp", Tracepoint, false, true),
        ("raw_tracepoint.w", RawTracepoint, false, true),
        ("raw_tracepoint", RawTracepoint, false, true),
        ("raw_tp.w", RawTracepoint, false, true),
        ("raw_tp", RawTracepoint, false, true),
        ("tp_btf", Tracing, false, true),
        ("fentry.s", Tracing, true, true),
        ("fentry", Tracing, false, true),
        ("fmod_ret.s", Tracing, true, true),
        ("fmod_ret", Tracing, false, true),
        ("fexit.s", Tracing, true, true),
        ("fexit", Tracing, false, true),
        ("freplace", Ext, false, true),
        ("lsm.s", Lsm, true, true),
        ("lsm_cgroup", Lsm, false, true),
        ("lsm", Lsm, false, true),
        ("iter.s", Tracing, true, true),
        ("iter", Tracing, false, true),
        ("syscall", Syscall, true, false),
        ("xdp.frags/devmap", Xdp, false, false),
        ("xdp/devmap", Xdp, false, false),
        ("xdp.frags/cpumap", Xdp, false, false),
        ("xdp/cpumap", Xdp, false, false),
        ("xdp.frags", Xdp, false, false),
        ("xdp", Xdp, false, false),
        ("perf_event", PerfEvent, false, false),
        ("lwt_in", LwtIn, false, false),
        ("sockops", SockOps, false, false),
        ("sk_skb", SkSkb, false, true),
        ("sk_msg", SkMsg, false, false),
        ("flow_dissector", FlowDissector, false, false),
        ("cgroup_skb", CgroupSkb, false, true),
        ("cgroup/skb", CgroupSkb, false, false),
        ("cgroup/dev", CgroupDevice, false, false),
        ("cgroup/sysctl", CgroupSysctl, false, false),
        ("cgroup/getsockopt", CgroupSockopt, false, false),
        ("cgroup/setsockopt", CgroupSockopt, false, false),
        ("cgroup/sock_create", CgroupSock, false, false),
        ("cgroup/sock_release", CgroupSock, false, false),
        ("cgroup/sock", CgroupSock, false, false),
        ("cgroup/post_bind4", CgroupSock, false, false),
        ("cgroup/post_bind6", CgroupSock, false, false),
        ("cgroup", CgroupSockAddr, false, true),
        ("sk_lookup", SkLookup, false, false),
        ("struct_ops.s", StructOps, true, true),
        ("struct_ops", StructOps, false, true),
        ("netfilter", Netfilter, false, false),
    ]
};

/// Classifies a program section name; `None` when libbpf would not know it
/// either.
pub fn classify(section: &str) -> Option<SectionKind> {
    for &(prefix, prog_type, sleepable, takes_target) in PREFIXES {
        let Some(rest) = section.strip_prefix(prefix) else {
            continue;
        };
        let target = if rest.is_empty() {
            None
        } else if let Some(t) = rest.strip_prefix('/') {
            if !takes_target
                && !t.is_empty()
                && !matches!(prog_type, ProgType::SchedCls | ProgType::SocketFilter)
            {
                continue;
            }
            Some(t.to_string())
        } else {
            // `socketfoo` is not `socket`.
            continue;
        };
        return Some(SectionKind {
            prog_type,
            target,
            sleepable,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_libbpf_names() {
        let k = classify("struct_ops.s/hid_hw_request").unwrap();
        assert_eq!(
            (k.prog_type, k.sleepable, k.target.as_deref()),
            (ProgType::StructOps, true, Some("hid_hw_request"))
        );
        let k = classify("struct_ops/hid_device_event").unwrap();
        assert_eq!((k.prog_type, k.sleepable), (ProgType::StructOps, false));
        assert_eq!(
            classify("syscall").unwrap(),
            SectionKind {
                prog_type: ProgType::Syscall,
                target: None,
                sleepable: true
            }
        );
        assert_eq!(
            classify("socket").unwrap().prog_type,
            ProgType::SocketFilter
        );
        assert_eq!(classify("xdp").unwrap().prog_type, ProgType::Xdp);
        assert_eq!(classify("xdp.frags").unwrap().prog_type, ProgType::Xdp);
        assert!(classify("fentry.s/do_sys_open").unwrap().sleepable);
        assert_eq!(classify("tc").unwrap().prog_type, ProgType::SchedCls);
        assert_eq!(classify("socketfoo"), None);
        assert_eq!(classify("bogus"), None);
    }
}
