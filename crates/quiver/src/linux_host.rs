//! Linux as its verifier sees programs: the host description of Linux 6.18
//! for a privileged loader (`CAP_BPF` + `CAP_PERFMON`, or root), for the
//! verifier to act as an oracle of the kernel's verdicts.
//!
//! Program types are named as Linux's `enum bpf_prog_type` without the
//! `BPF_PROG_TYPE_` prefix, in lower case (`socket_filter`, `xdp`, ...).
//! Each gets its context layout with Linux's offsets and per-field
//! read/write rules, the helpers it may call (Linux's `*_func_proto`), its
//! return range (`check_return_code`), and whether it may write packet
//! data or use `BPF_LD_ABS`. Everything here was checked against a live
//! 6.18 kernel by loading probe programs: every context offset and access
//! size, every helper id, the return values.
//!
//! Programs are described as the kernel sees them when loaded with
//! `expected_attach_type` 0, as the verifier corpus loads them. Attach
//! types widen a few rules this description does not model: `cgroup_skb`
//! egress programs may return 0 to 3; `cgroup_sock` programs attached at
//! `post_bind` may read `src_ip4`, `src_ip6` and `src_port`; XDP programs
//! attached to a devmap may read `egress_ifindex`.
//!
//! What the host vocabulary cannot say, and so is looser than Linux:
//!
//! - Linux requires every context access to be aligned to its size; here
//!   a narrow access anywhere inside a field is allowed (`u16` at offset 1
//!   of `__sk_buff.len`).
//! - Some scalar fields allow only full-size access in Linux (the IP
//!   addresses of `__sk_buff`, `tstamp`, `hwtstamp`, `xdp_md`'s ifindexes,
//!   the writable fields of `bpf_sock`, `pt_regs` in `perf_event`, and
//!   every *write* to `__sk_buff` except `cb[]`), and a few allow narrow
//!   loads only at their first byte (`bpf_sock`'s `family`, `type`,
//!   `protocol`, `dst_port`, `state`, `rx_queue_mapping`); here narrower
//!   loads and stores anywhere inside them are allowed.
//! - `tracepoint` contexts are checked by Linux against the size of the
//!   tracepoint the program attaches to, which the loader cannot know:
//!   Linux accepts any read in `[8, 8192)` at load time (8192 is
//!   `PERF_MAX_TRACE_SIZE`; the first 8 bytes, the common fields, are
//!   refused), and so does this description. The 6.18 kernel also accepts
//!   reads at *negative* offsets of a tracepoint context (its lower-bound
//!   check compares as unsigned); fields cannot have negative offsets, so
//!   those are refused here.
//! - `syscall` contexts are user memory of any size (Linux accepts offsets
//!   below `U16_MAX`, read and write); an instruction's offset reaches
//!   32767 at most, so the fields cover `[0, 32768)`.
//! - A helper has one prototype here, while Linux gives a few helpers
//!   different prototypes per program type (`bpf_get_socket_cookie` takes
//!   a BTF socket in `syscall` programs, the context elsewhere). Where a
//!   type's version differs from the one described, the type does not list
//!   the helper (and `bpf_get_cgroup_classid`, whose two versions differ
//!   in arity, is left out).
//! - Helpers that work on socket, task or dynptr objects, or take
//!   constant strings, are not described, nor listed for any type.
//!
//! [`verifier_only_protos`] holds the prototypes of the helpers quiver
//! cannot run; those it runs come from [`crate::helpers::linux_protos`].

use quiver_verifier::host::{
    Arg, BtfStruct, Callback, CallbackArg, CtxField, CtxFieldKind, Host, ProgramType, Proto, Ret,
    kf,
};

/// Linux 6.18 for a privileged loader: the program types listed in the
/// module documentation, their helpers and the common kfuncs.
pub fn linux_host() -> Host {
    let mut host = Host::new();
    for (id, proto) in crate::helpers::linux_protos()
        .into_iter()
        .chain(verifier_only_protos())
    {
        host = host.helper(id, proto);
    }
    for proto in common_kfuncs() {
        host = host.kfunc(proto);
    }
    host = host
        .btf_struct(BtfStruct {
            // `__sk_buff.sk`, Linux's `PTR_TO_SOCK_COMMON`, read through the
            // layout of `struct bpf_sock`; nothing is writable.
            name: "bpf_sock".into(),
            size: 80,
            fields: Vec::new(),
        })
        .btf_struct(BtfStruct {
            // `__sk_buff.flow_keys` (`PTR_TO_FLOW_KEYS`): all 56 bytes may be
            // read and written.
            name: "bpf_flow_keys".into(),
            size: 56,
            fields: vec![field("bpf_flow_keys", 0, 56, true, true)],
        });
    // The tables below name helpers; types list them by id.
    let ids: std::collections::BTreeMap<String, u32> = host
        .helpers
        .iter()
        .map(|(&id, p)| (p.name.clone(), id))
        .collect();
    let kfuncs: Vec<String> = common_kfuncs().into_iter().map(|p| p.name).collect();
    for mut ty in program_types() {
        ty.helpers = helper_names(&ty.name)
            .into_iter()
            .map(|n| {
                *ids.get(n)
                    .unwrap_or_else(|| panic!("{}: no prototype for helper {n}", ty.name))
            })
            .collect();
        ty.helpers.sort_unstable();
        ty.helpers.dedup();
        ty.kfuncs = kfuncs.clone();
        host = host.program_type(ty);
    }
    host
}

/// The kfuncs Linux registers for every program type (its common set)
/// that this description covers: the number iterator, RCU sections and
/// two string kfuncs. (`bpf_preempt_disable`/`bpf_preempt_enable` are left
/// out: Linux refuses to exit or sleep inside their section, which their
/// prototypes cannot say.)
pub fn common_kfuncs() -> Vec<Proto> {
    let iter = || Arg::Iter {
        type_name: "bpf_iter_num".into(),
        size: 8,
    };
    vec![
        Proto::new(
            "bpf_iter_num_new",
            vec![iter(), Arg::Scalar, Arg::Scalar],
            Ret::Scalar,
        )
        .flags(kf::ITER_NEW),
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
        Proto::new("bpf_iter_num_destroy", vec![iter()], Ret::Void).flags(kf::ITER_DESTROY),
        Proto::new("bpf_rcu_read_lock", vec![], Ret::Void),
        Proto::new("bpf_rcu_read_unlock", vec![], Ret::Void),
        // `(void *dst, u32 dst__sz, const void *unsafe_ptr__ign, u64 flags)`.
        Proto::new(
            "bpf_copy_from_user_str",
            vec![sized(1, true), size(true), Arg::Any, Arg::Scalar],
            Ret::Scalar,
        )
        .flags(kf::SLEEPABLE),
        // `(const char *s__ign)`: any pointer, checked at run time.
        Proto::new("bpf_strlen", vec![Arg::Any], Ret::Scalar),
    ]
}

/// Readable (or writable, with `write`) memory whose size is in argument
/// `size_arg`.
fn sized(size_arg: u8, writable: bool) -> Arg {
    Arg::Mem {
        size: None,
        size_arg: Some(size_arg),
        writable,
        nullable: false,
    }
}

/// Like [`sized`], or NULL (`ARG_PTR_TO_MEM | PTR_MAYBE_NULL`).
fn sized_or_null(size_arg: u8, writable: bool) -> Arg {
    Arg::Mem {
        size: None,
        size_arg: Some(size_arg),
        writable,
        nullable: true,
    }
}

/// `ARG_CONST_SIZE` (`zero_ok: false`) or `ARG_CONST_SIZE_OR_ZERO`.
fn size(zero_ok: bool) -> Arg {
    Arg::Size { zero_ok }
}

/// Writable memory of a fixed size (`ARG_PTR_TO_FIXED_SIZE_MEM`).
fn fixed(bytes: u32) -> Arg {
    Arg::Mem {
        size: Some(bytes),
        size_arg: None,
        writable: true,
        nullable: false,
    }
}

/// An async callback: `(map, key, value)`, returning 0, run later; a
/// work queue's sleepable, a timer's not.
pub(crate) fn async_callback(sleepable: bool) -> Callback {
    Callback {
        args: vec![
            CallbackArg::MapOf(0),
            CallbackArg::KeyOf(0),
            CallbackArg::ValueOf(0),
        ],
        ret: (0, 0),
        is_async: true,
        sleepable,
    }
}

/// Prototypes of the Linux helpers the verifier must know but quiver
/// cannot run (they need a kernel: task state, sockets, packets in a
/// network stack, perf events). Programs calling them verify, and fail to
/// load in quiver's runtime. Arguments Linux types `ARG_ANYTHING` are
/// [`Arg::Scalar`] (initialised; pointers only for privileged loaders).
pub fn verifier_only_protos() -> Vec<(u32, Proto)> {
    use Arg::{Ctx, Map, Scalar};
    let p = Proto::new;
    let s = || Scalar;
    let int = || Ret::Scalar;
    let protos = vec![
        // Control flow, locks, timers.
        (12, p("bpf_tail_call", vec![Ctx, Map, s()], Ret::Void)),
        (93, p("bpf_spin_lock", vec![Arg::SpinLock], Ret::Void)),
        (94, p("bpf_spin_unlock", vec![Arg::SpinLock], Ret::Void)),
        (169, p("bpf_timer_init", vec![Arg::Timer, Map, s()], int())),
        (
            170,
            p(
                "bpf_timer_set_callback",
                vec![Arg::Timer, Arg::Callback(async_callback(false))],
                int(),
            ),
        ),
        (171, p("bpf_timer_start", vec![Arg::Timer, s(), s()], int())),
        (172, p("bpf_timer_cancel", vec![Arg::Timer], int())),
        (
            164,
            p(
                "bpf_for_each_map_elem",
                vec![
                    Map,
                    Arg::Callback(Callback {
                        args: vec![
                            CallbackArg::MapOf(0),
                            CallbackArg::KeyOf(0),
                            CallbackArg::ValueOf(0),
                            CallbackArg::SameAs(2),
                        ],
                        ret: (0, 1),
                        is_async: false,
                        sleepable: false,
                    }),
                    Arg::Stack { nullable: true },
                    s(),
                ],
                int(),
            ),
        ),
        (
            195,
            p(
                "bpf_map_lookup_percpu_elem",
                vec![Map, Arg::MapKey { map_arg: 0 }, s()],
                Ret::MapValueOrNull { map_arg: 0 },
            ),
        ),
        // The current task and its context.
        (14, p("bpf_get_current_pid_tgid", vec![], int())),
        (15, p("bpf_get_current_uid_gid", vec![], int())),
        (
            16,
            p(
                "bpf_get_current_comm",
                vec![sized(1, true), size(false)],
                int(),
            ),
        ),
        (35, p("bpf_get_current_task", vec![], int())),
        (
            158,
            p(
                "bpf_get_current_task_btf",
                vec![],
                Ret::Btf {
                    type_name: "task_struct".into(),
                    nullable: false,
                },
            ),
        ),
        (80, p("bpf_get_current_cgroup_id", vec![], int())),
        (
            123,
            p("bpf_get_current_ancestor_cgroup_id", vec![s()], int()),
        ),
        (
            120,
            p(
                "bpf_get_ns_current_pid_tgid",
                vec![s(), s(), sized(3, true), size(false)],
                int(),
            ),
        ),
        (
            37,
            p("bpf_current_task_under_cgroup", vec![Map, s()], int()),
        ),
        (109, p("bpf_send_signal", vec![s()], int())),
        (117, p("bpf_send_signal_thread", vec![s()], int())),
        (42, p("bpf_get_numa_node_id", vec![], int())),
        (118, p("bpf_jiffies64", vec![], int())),
        // Reading memory.
        (
            45,
            p(
                "bpf_probe_read_str",
                vec![sized(1, true), size(true), s()],
                int(),
            ),
        ),
        (
            112,
            p(
                "bpf_probe_read_user",
                vec![sized(1, true), size(true), s()],
                int(),
            ),
        ),
        (
            114,
            p(
                "bpf_probe_read_user_str",
                vec![sized(1, true), size(true), s()],
                int(),
            ),
        ),
        (
            148,
            p(
                "bpf_copy_from_user",
                vec![sized(1, true), size(true), s()],
                int(),
            )
            .flags(kf::SLEEPABLE),
        ),
        (
            105,
            p(
                "bpf_strtol",
                vec![sized(1, false), size(false), s(), fixed(8)],
                int(),
            ),
        ),
        (
            106,
            p(
                "bpf_strtoul",
                vec![sized(1, false), size(false), s(), fixed(8)],
                int(),
            ),
        ),
        // Tracing.
        (27, p("bpf_get_stackid", vec![Ctx, Map, s()], int())),
        (
            67,
            p(
                "bpf_get_stack",
                vec![Ctx, sized(2, true), size(true), s()],
                int(),
            ),
        ),
        (
            176,
            p(
                "bpf_get_branch_snapshot",
                vec![sized(1, true), size(true), s()],
                int(),
            ),
        ),
        (173, p("bpf_get_func_ip", vec![Ctx], int())),
        (174, p("bpf_get_attach_cookie", vec![Ctx], int())),
        (22, p("bpf_perf_event_read", vec![Map, s()], int())),
        (
            55,
            p(
                "bpf_perf_event_read_value",
                vec![Map, s(), sized(3, true), size(false)],
                int(),
            ),
        ),
        (
            56,
            p(
                "bpf_perf_prog_read_value",
                vec![Ctx, sized(2, true), size(false)],
                int(),
            ),
        ),
        (
            119,
            p(
                "bpf_read_branch_records",
                vec![Ctx, sized_or_null(2, true), size(true), s()],
                int(),
            ),
        ),
        (
            25,
            p(
                "bpf_perf_event_output",
                vec![Ctx, Map, s(), sized(4, false), size(true)],
                int(),
            ),
        ),
        // Socket buffers.
        (
            26,
            p(
                "bpf_skb_load_bytes",
                vec![Ctx, s(), sized(3, true), size(false)],
                int(),
            ),
        ),
        (
            68,
            p(
                "bpf_skb_load_bytes_relative",
                vec![Ctx, s(), sized(3, true), size(false), s()],
                int(),
            ),
        ),
        (
            9,
            p(
                "bpf_skb_store_bytes",
                vec![Ctx, s(), sized(3, false), size(false), s()],
                int(),
            ),
        ),
        (
            10,
            p("bpf_l3_csum_replace", vec![Ctx, s(), s(), s(), s()], int()),
        ),
        (
            11,
            p("bpf_l4_csum_replace", vec![Ctx, s(), s(), s(), s()], int()),
        ),
        (
            28,
            p(
                "bpf_csum_diff",
                vec![
                    sized_or_null(1, false),
                    size(true),
                    sized_or_null(3, false),
                    size(true),
                    s(),
                ],
                int(),
            ),
        ),
        (40, p("bpf_csum_update", vec![Ctx, s()], int())),
        (135, p("bpf_csum_level", vec![Ctx, s()], int())),
        (13, p("bpf_clone_redirect", vec![Ctx, s(), s()], int())),
        (18, p("bpf_skb_vlan_push", vec![Ctx, s(), s()], int())),
        (19, p("bpf_skb_vlan_pop", vec![Ctx], int())),
        (
            20,
            p(
                "bpf_skb_get_tunnel_key",
                vec![Ctx, sized(2, true), size(false), s()],
                int(),
            ),
        ),
        (
            21,
            p(
                "bpf_skb_set_tunnel_key",
                vec![Ctx, sized(2, false), size(false), s()],
                int(),
            ),
        ),
        (
            29,
            p(
                "bpf_skb_get_tunnel_opt",
                vec![Ctx, sized(2, true), size(false)],
                int(),
            ),
        ),
        (
            30,
            p(
                "bpf_skb_set_tunnel_opt",
                vec![Ctx, sized(2, false), size(false)],
                int(),
            ),
        ),
        (24, p("bpf_get_route_realm", vec![Ctx], int())),
        (31, p("bpf_skb_change_proto", vec![Ctx, s(), s()], int())),
        (32, p("bpf_skb_change_type", vec![Ctx, s()], int())),
        (33, p("bpf_skb_under_cgroup", vec![Ctx, Map, s()], int())),
        (34, p("bpf_get_hash_recalc", vec![Ctx], int())),
        (38, p("bpf_skb_change_tail", vec![Ctx, s(), s()], int())),
        (39, p("bpf_skb_pull_data", vec![Ctx, s()], int())),
        (41, p("bpf_set_hash_invalid", vec![Ctx], int())),
        (43, p("bpf_skb_change_head", vec![Ctx, s(), s()], int())),
        (46, p("bpf_get_socket_cookie", vec![Ctx], int())),
        (47, p("bpf_get_socket_uid", vec![Ctx], int())),
        (48, p("bpf_set_hash", vec![Ctx, s()], int())),
        (
            50,
            p("bpf_skb_adjust_room", vec![Ctx, s(), s(), s()], int()),
        ),
        (
            66,
            p(
                "bpf_skb_get_xfrm_state",
                vec![Ctx, s(), sized(3, true), size(false), s()],
                int(),
            ),
        ),
        (
            69,
            p(
                "bpf_fib_lookup",
                vec![Ctx, sized(2, true), size(false), s()],
                int(),
            ),
        ),
        (
            73,
            p(
                "bpf_lwt_push_encap",
                vec![Ctx, s(), sized(3, false), size(false)],
                int(),
            ),
        ),
        (79, p("bpf_skb_cgroup_id", vec![Ctx], int())),
        (83, p("bpf_skb_ancestor_cgroup_id", vec![Ctx, s()], int())),
        (97, p("bpf_skb_ecn_set_ce", vec![Ctx], int())),
        (151, p("bpf_skb_cgroup_classid", vec![Ctx], int())),
        (192, p("bpf_skb_set_tstamp", vec![Ctx, s(), s()], int())),
        (
            163,
            p("bpf_check_mtu", vec![Ctx, s(), fixed(4), s(), s()], int()),
        ),
        (23, p("bpf_redirect", vec![s(), s()], int())),
        (155, p("bpf_redirect_peer", vec![s(), s()], int())),
        (
            152,
            p(
                "bpf_redirect_neigh",
                vec![s(), sized_or_null(2, false), size(true), s()],
                int(),
            ),
        ),
        (51, p("bpf_redirect_map", vec![Map, s(), s()], int())),
        (
            52,
            p("bpf_sk_redirect_map", vec![Ctx, Map, s(), s()], int()),
        ),
        (
            72,
            p(
                "bpf_sk_redirect_hash",
                vec![Ctx, Map, Arg::MapKey { map_arg: 1 }, s()],
                int(),
            ),
        ),
        // XDP.
        (44, p("bpf_xdp_adjust_head", vec![Ctx, s()], int())),
        (54, p("bpf_xdp_adjust_meta", vec![Ctx, s()], int())),
        (65, p("bpf_xdp_adjust_tail", vec![Ctx, s()], int())),
        (188, p("bpf_xdp_get_buff_len", vec![Ctx], int())),
        (
            189,
            p(
                "bpf_xdp_load_bytes",
                vec![Ctx, s(), sized(3, true), size(false)],
                int(),
            ),
        ),
        (
            190,
            p(
                "bpf_xdp_store_bytes",
                vec![Ctx, s(), sized(3, false), size(false)],
                int(),
            ),
        ),
        // cgroup hooks.
        (186, p("bpf_get_retval", vec![], int())),
        (187, p("bpf_set_retval", vec![s()], int())),
    ];
    protos
        .into_iter()
        .map(|(id, proto)| {
            if CHANGES_PKT_DATA.contains(&proto.name.as_str()) {
                let flags = proto.flags | kf::CHANGES_PKT_DATA;
                (id, proto.flags(flags))
            } else {
                (id, proto)
            }
        })
        .collect()
}

/// The helpers that may move packet data, after which Linux invalidates
/// every packet pointer (its `bpf_helper_changes_pkt_data`; checked on the
/// 6.18 kernel for every helper described here that a program type with
/// packet pointers may call).
const CHANGES_PKT_DATA: &[&str] = &[
    "bpf_skb_store_bytes",
    "bpf_l3_csum_replace",
    "bpf_l4_csum_replace",
    "bpf_clone_redirect",
    "bpf_skb_vlan_push",
    "bpf_skb_vlan_pop",
    "bpf_skb_change_proto",
    "bpf_skb_change_tail",
    "bpf_skb_change_head",
    "bpf_skb_pull_data",
    "bpf_skb_adjust_room",
    "bpf_lwt_push_encap",
    "bpf_xdp_adjust_head",
    "bpf_xdp_adjust_meta",
    "bpf_xdp_adjust_tail",
];

/// What every program type may call (Linux's `bpf_base_func_proto` for a
/// privileged loader, less what no type here lists).
const BASE: &[&str] = &[
    "bpf_map_lookup_elem",
    "bpf_map_update_elem",
    "bpf_map_delete_elem",
    "bpf_map_push_elem",
    "bpf_map_pop_elem",
    "bpf_map_peek_elem",
    "bpf_map_lookup_percpu_elem",
    "bpf_for_each_map_elem",
    "bpf_ktime_get_ns",
    "bpf_ktime_get_boot_ns",
    "bpf_ktime_get_tai_ns",
    "bpf_jiffies64",
    "bpf_get_prandom_u32",
    "bpf_get_smp_processor_id",
    "bpf_get_numa_node_id",
    "bpf_tail_call",
    "bpf_spin_lock",
    "bpf_spin_unlock",
    "bpf_timer_init",
    "bpf_timer_set_callback",
    "bpf_timer_start",
    "bpf_timer_cancel",
    "bpf_loop",
    "bpf_strtol",
    "bpf_strtoul",
    "bpf_ringbuf_output",
    "bpf_ringbuf_reserve",
    "bpf_ringbuf_submit",
    "bpf_ringbuf_discard",
    "bpf_ringbuf_query",
    "bpf_trace_printk",
    "bpf_trace_vprintk",
    "bpf_snprintf",
    "bpf_probe_read_kernel",
    "bpf_probe_read_kernel_str",
    "bpf_probe_read_user",
    "bpf_probe_read_user_str",
    "bpf_copy_from_user",
    "bpf_get_current_pid_tgid",
    "bpf_get_current_uid_gid",
    "bpf_get_current_comm",
    "bpf_get_current_task",
    "bpf_get_current_task_btf",
    "bpf_get_current_cgroup_id",
    "bpf_get_current_ancestor_cgroup_id",
    "bpf_get_ns_current_pid_tgid",
    "bpf_current_task_under_cgroup",
    "bpf_send_signal",
    "bpf_send_signal_thread",
    "bpf_perf_event_read",
    "bpf_perf_event_read_value",
    "bpf_get_branch_snapshot",
];

/// Tracing programs (`kprobe`, `tracepoint`, `raw_tracepoint`,
/// `perf_event`): Linux's `bpf_tracing_func_proto` adds these.
const TRACING: &[&str] = &[
    "bpf_probe_read",
    "bpf_probe_read_str",
    "bpf_perf_event_output",
    "bpf_get_stackid",
    "bpf_get_stack",
    "bpf_get_func_ip",
    "bpf_get_attach_cookie",
];

/// Networking programs all get `bpf_ktime_get_coarse_ns` (tracing ones
/// do not).
const NET: &[&str] = &["bpf_ktime_get_coarse_ns"];

const SOCKET_FILTER: &[&str] = &[
    "bpf_skb_load_bytes",
    "bpf_skb_load_bytes_relative",
    "bpf_get_socket_cookie",
    "bpf_get_socket_uid",
    "bpf_perf_event_output",
];

/// `sched_cls` and `sched_act` (`tc_cls_act_func_proto`).
const TC: &[&str] = &[
    "bpf_skb_store_bytes",
    "bpf_skb_load_bytes",
    "bpf_skb_load_bytes_relative",
    "bpf_skb_pull_data",
    "bpf_csum_diff",
    "bpf_csum_update",
    "bpf_csum_level",
    "bpf_l3_csum_replace",
    "bpf_l4_csum_replace",
    "bpf_clone_redirect",
    "bpf_skb_vlan_push",
    "bpf_skb_vlan_pop",
    "bpf_skb_change_proto",
    "bpf_skb_change_type",
    "bpf_skb_adjust_room",
    "bpf_skb_change_tail",
    "bpf_skb_change_head",
    "bpf_skb_get_tunnel_key",
    "bpf_skb_set_tunnel_key",
    "bpf_skb_get_tunnel_opt",
    "bpf_skb_set_tunnel_opt",
    "bpf_redirect",
    "bpf_redirect_neigh",
    "bpf_redirect_peer",
    "bpf_get_route_realm",
    "bpf_get_hash_recalc",
    "bpf_set_hash_invalid",
    "bpf_set_hash",
    "bpf_perf_event_output",
    "bpf_get_socket_cookie",
    "bpf_get_socket_uid",
    "bpf_skb_get_xfrm_state",
    "bpf_skb_cgroup_classid",
    "bpf_skb_cgroup_id",
    "bpf_skb_ancestor_cgroup_id",
    "bpf_skb_under_cgroup",
    "bpf_fib_lookup",
    "bpf_skb_ecn_set_ce",
    "bpf_check_mtu",
    "bpf_skb_set_tstamp",
];

const XDP: &[&str] = &[
    "bpf_perf_event_output",
    "bpf_csum_diff",
    "bpf_xdp_adjust_head",
    "bpf_xdp_adjust_meta",
    "bpf_xdp_adjust_tail",
    "bpf_xdp_get_buff_len",
    "bpf_xdp_load_bytes",
    "bpf_xdp_store_bytes",
    "bpf_fib_lookup",
    "bpf_check_mtu",
    "bpf_redirect",
    "bpf_redirect_map",
];

const CGROUP_SKB: &[&str] = &[
    "bpf_skb_load_bytes",
    "bpf_skb_load_bytes_relative",
    "bpf_get_socket_cookie",
    "bpf_get_socket_uid",
    "bpf_perf_event_output",
    "bpf_skb_cgroup_id",
    "bpf_skb_ancestor_cgroup_id",
    "bpf_skb_ecn_set_ce",
];

const CGROUP_SOCK: &[&str] = &[
    "bpf_get_socket_cookie",
    "bpf_perf_event_output",
    "bpf_get_retval",
    "bpf_set_retval",
];

/// `lwt_in` and `lwt_out` (`lwt_out_func_proto`); `lwt_in` adds
/// `bpf_lwt_push_encap`.
const LWT: &[&str] = &[
    "bpf_skb_load_bytes",
    "bpf_skb_pull_data",
    "bpf_csum_diff",
    "bpf_get_route_realm",
    "bpf_get_hash_recalc",
    "bpf_perf_event_output",
    "bpf_skb_under_cgroup",
];

const LWT_XMIT: &[&str] = &[
    "bpf_lwt_push_encap",
    "bpf_skb_get_tunnel_key",
    "bpf_skb_set_tunnel_key",
    "bpf_skb_get_tunnel_opt",
    "bpf_skb_set_tunnel_opt",
    "bpf_redirect",
    "bpf_clone_redirect",
    "bpf_skb_change_tail",
    "bpf_skb_change_head",
    "bpf_skb_store_bytes",
    "bpf_csum_update",
    "bpf_csum_level",
    "bpf_l3_csum_replace",
    "bpf_l4_csum_replace",
    "bpf_set_hash_invalid",
];

const SK_SKB: &[&str] = &[
    "bpf_skb_store_bytes",
    "bpf_skb_load_bytes",
    "bpf_skb_pull_data",
    "bpf_skb_change_tail",
    "bpf_skb_change_head",
    "bpf_skb_adjust_room",
    "bpf_get_socket_cookie",
    "bpf_get_socket_uid",
    "bpf_sk_redirect_map",
    "bpf_sk_redirect_hash",
    "bpf_perf_event_output",
];

/// `bpf_skb_load_bytes` is `bpf_flow_dissector_load_bytes` there.
const FLOW_DISSECTOR: &[&str] = &["bpf_skb_load_bytes"];

const PERF_EVENT: &[&str] = &["bpf_perf_prog_read_value", "bpf_read_branch_records"];

/// Syscall programs get the tracing helpers, except the attach cookie; their
/// `bpf_get_socket_cookie` and `bpf_xdp_get_buff_len` take BTF objects, so
/// they are not listed.
const SYSCALL: &[&str] = &[
    "bpf_probe_read",
    "bpf_probe_read_str",
    "bpf_perf_event_output",
    "bpf_get_stackid",
    "bpf_get_stack",
    "bpf_get_func_ip",
];

/// The helper names a program type may call.
fn helper_names(ty: &str) -> Vec<&'static str> {
    let groups: &[&[&str]] = match ty {
        "socket_filter" => &[NET, SOCKET_FILTER],
        "kprobe" | "tracepoint" | "raw_tracepoint" => &[TRACING],
        "perf_event" => &[TRACING, PERF_EVENT],
        "sched_cls" | "sched_act" => &[NET, TC],
        "xdp" => &[NET, XDP],
        "cgroup_skb" => &[NET, CGROUP_SKB],
        "cgroup_sock" => &[NET, CGROUP_SOCK],
        "lwt_in" => &[NET, LWT, &["bpf_lwt_push_encap"]],
        "lwt_out" => &[NET, LWT],
        "lwt_xmit" => &[NET, LWT, LWT_XMIT],
        "sk_skb" => &[NET, SK_SKB],
        "flow_dissector" => &[NET, FLOW_DISSECTOR],
        "syscall" => &[SYSCALL],
        _ => &[],
    };
    BASE.iter()
        .chain(groups.iter().flat_map(|g| g.iter()))
        .copied()
        .collect()
}

fn field(name: &str, off: u32, size: u32, read: bool, write: bool) -> CtxField {
    CtxField {
        name: name.into(),
        off,
        size,
        read,
        write,
        kind: CtxFieldKind::Scalar,
    }
}

/// `struct __sk_buff` (192 bytes): name, offset, size, what a load gives.
const SKB_FIELDS: &[(&str, u32, u32, CtxFieldKind)] = {
    use CtxFieldKind::*;
    &[
        ("len", 0, 4, Scalar),
        ("pkt_type", 4, 4, Scalar),
        ("mark", 8, 4, Scalar),
        ("queue_mapping", 12, 4, Scalar),
        ("protocol", 16, 4, Scalar),
        ("vlan_present", 20, 4, Scalar),
        ("vlan_tci", 24, 4, Scalar),
        ("vlan_proto", 28, 4, Scalar),
        ("priority", 32, 4, Scalar),
        ("ingress_ifindex", 36, 4, Scalar),
        ("ifindex", 40, 4, Scalar),
        ("tc_index", 44, 4, Scalar),
        ("cb", 48, 20, Scalar),
        ("hash", 68, 4, Scalar),
        ("tc_classid", 72, 4, Scalar),
        ("data", 76, 4, PacketData),
        ("data_end", 80, 4, PacketEnd),
        ("napi_id", 84, 4, Scalar),
        ("family", 88, 4, Scalar),
        ("remote_ip4", 92, 4, Scalar),
        ("local_ip4", 96, 4, Scalar),
        ("remote_ip6[0]", 100, 4, Scalar),
        ("remote_ip6[1]", 104, 4, Scalar),
        ("remote_ip6[2]", 108, 4, Scalar),
        ("remote_ip6[3]", 112, 4, Scalar),
        ("local_ip6[0]", 116, 4, Scalar),
        ("local_ip6[1]", 120, 4, Scalar),
        ("local_ip6[2]", 124, 4, Scalar),
        ("local_ip6[3]", 128, 4, Scalar),
        ("remote_port", 132, 4, Scalar),
        ("local_port", 136, 4, Scalar),
        ("data_meta", 140, 4, PacketMeta),
        (
            "flow_keys",
            144,
            8,
            Btf {
                type_name: "bpf_flow_keys",
                nullable: false,
            },
        ),
        ("tstamp", 152, 8, Scalar),
        ("wire_len", 160, 4, Scalar),
        ("gso_segs", 164, 4, Scalar),
        (
            "sk",
            168,
            8,
            Btf {
                type_name: "bpf_sock",
                nullable: true,
            },
        ),
        ("gso_size", 176, 4, Scalar),
        ("tstamp_type", 180, 1, Scalar),
        ("hwtstamp", 184, 8, Scalar),
    ]
};

/// The `__sk_buff` fields from `len` to `tc_index`, which every socket
/// buffer program reads (`sk_skb` all but `mark`).
const SKB_HEAD: &[&str] = &[
    "len",
    "pkt_type",
    "mark",
    "queue_mapping",
    "protocol",
    "vlan_present",
    "vlan_tci",
    "vlan_proto",
    "priority",
    "ingress_ifindex",
    "ifindex",
    "tc_index",
];

/// The socket fields of `__sk_buff` (`family` to `local_port`).
const SKB_SOCKET: &[&str] = &[
    "family",
    "remote_ip4",
    "local_ip4",
    "remote_ip6[0]",
    "remote_ip6[1]",
    "remote_ip6[2]",
    "remote_ip6[3]",
    "local_ip6[0]",
    "local_ip6[1]",
    "local_ip6[2]",
    "local_ip6[3]",
    "remote_port",
    "local_port",
];

/// The `__sk_buff` fields a program type reads and writes (Linux's
/// `sk_filter_is_valid_access`, `tc_cls_act_is_valid_access`,
/// `cg_skb_is_valid_access`, `lwt_is_valid_access`,
/// `sk_skb_is_valid_access`, `flow_dissector_is_valid_access`).
fn skb_rules(ty: &str) -> (Vec<&'static str>, &'static [&'static str]) {
    let head = || SKB_HEAD.to_vec();
    let with = |mut v: Vec<&'static str>, more: &[&'static str]| {
        v.extend_from_slice(more);
        v
    };
    match ty {
        "socket_filter" => (
            with(
                head(),
                &["cb", "hash", "napi_id", "gso_segs", "sk", "gso_size"],
            ),
            &["cb"],
        ),
        "sched_cls" | "sched_act" => (
            with(
                head(),
                &[
                    "cb",
                    "hash",
                    "tc_classid",
                    "data",
                    "data_end",
                    "napi_id",
                    "data_meta",
                    "tstamp",
                    "wire_len",
                    "gso_segs",
                    "sk",
                    "gso_size",
                    "tstamp_type",
                    "hwtstamp",
                ],
            ),
            &[
                "mark",
                "queue_mapping",
                "priority",
                "tc_index",
                "cb",
                "tc_classid",
                "tstamp",
            ],
        ),
        "cgroup_skb" => (
            with(
                with(head(), &["cb", "hash", "data", "data_end", "napi_id"]),
                &with(
                    SKB_SOCKET.to_vec(),
                    &["tstamp", "gso_segs", "sk", "gso_size", "hwtstamp"],
                ),
            ),
            &["mark", "priority", "cb", "tstamp"],
        ),
        "lwt_in" | "lwt_out" | "lwt_xmit" => (
            with(
                head(),
                &[
                    "cb", "hash", "data", "data_end", "napi_id", "gso_segs", "sk", "gso_size",
                ],
            ),
            &["mark", "priority", "cb"],
        ),
        "sk_skb" => (
            with(
                with(
                    head().into_iter().filter(|f| *f != "mark").collect(),
                    &["cb", "hash", "data", "data_end", "napi_id"],
                ),
                &with(SKB_SOCKET.to_vec(), &["gso_segs", "sk", "gso_size"]),
            ),
            &["priority", "tc_index"],
        ),
        "flow_dissector" => (vec!["data", "data_end", "flow_keys"], &[]),
        _ => (Vec::new(), &[]),
    }
}

/// A program type whose context is `struct __sk_buff`.
fn skb_type(name: &str) -> ProgramType {
    let mut ty = ProgramType::new(name, 192);
    ty.full_size_fields = SKB_FIELDS
        .iter()
        .map(|f| f.0)
        .filter(|n| n.contains("_ip") || *n == "tstamp" || *n == "hwtstamp")
        .map(String::from)
        .collect();
    let (read, write) = skb_rules(name);
    for &(fname, off, size, kind) in SKB_FIELDS {
        let (r, w) = (read.contains(&fname), write.contains(&fname));
        if r || w {
            ty.ctx_fields.push(CtxField {
                name: fname.into(),
                off,
                size,
                read: r,
                write: w,
                kind,
            });
        }
    }
    ty
}

/// x86-64 `struct pt_regs`, in order: 21 registers of 8 bytes.
const PT_REGS: &[&str] = &[
    "r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax", "cx", "dx", "si", "di",
    "orig_ax", "ip", "cs", "flags", "sp", "ss",
];

fn pt_regs_fields() -> Vec<CtxField> {
    PT_REGS
        .iter()
        .enumerate()
        .map(|(i, r)| field(r, i as u32 * 8, 8, true, false))
        .collect()
}

/// 8-byte scalar fields over `[from, to)`, for contexts without a fixed
/// layout.
fn words(prefix: &str, from: u32, to: u32, write: bool) -> Vec<CtxField> {
    (from..to)
        .step_by(8)
        .map(|off| field(&format!("{prefix}+{off}"), off, 8, true, write))
        .collect()
}

/// Every program type this description covers, helpers not yet listed.
fn program_types() -> Vec<ProgramType> {
    let mut types = Vec::new();

    let mut t = skb_type("socket_filter");
    t.ld_abs = true;
    t.spin_lock_refusal = Some("socket filter progs cannot use bpf_spin_lock yet".into());
    types.push(t);

    for name in ["sched_cls", "sched_act"] {
        let mut t = skb_type(name);
        t.ld_abs = true;
        t.packet_write = true;
        types.push(t);
    }

    let mut t = skb_type("cgroup_skb");
    // Ingress (`expected_attach_type` 0): 0 drops, 1 passes.
    t.ret_range = (0, 1);
    types.push(t);

    for name in ["lwt_in", "lwt_out"] {
        types.push(skb_type(name));
    }
    let mut t = skb_type("lwt_xmit");
    t.packet_write = true;
    types.push(t);

    let mut t = skb_type("sk_skb");
    t.packet_write = true;
    types.push(t);

    types.push(skb_type("flow_dissector"));

    // `struct xdp_md`; `egress_ifindex` (20) only for devmap programs.
    let mut t = ProgramType::new("xdp", 24);
    let ptr = |name: &str, off, kind| CtxField {
        name: name.into(),
        off,
        size: 4,
        read: true,
        write: false,
        kind,
    };
    t.ctx_fields = vec![
        ptr("data", 0, CtxFieldKind::PacketData),
        ptr("data_end", 4, CtxFieldKind::PacketEnd),
        ptr("data_meta", 8, CtxFieldKind::PacketMeta),
        field("ingress_ifindex", 12, 4, true, false),
        field("rx_queue_index", 16, 4, true, false),
    ];
    t.full_size_fields = vec!["ingress_ifindex".into(), "rx_queue_index".into()];
    t.packet_write = true;
    types.push(t);

    // `struct bpf_sock` as `cgroup_sock` programs (`sock_create`) see it.
    let mut t = ProgramType::new("cgroup_sock", 80);
    t.ctx_fields = vec![
        field("bound_dev_if", 0, 4, true, true),
        field("family", 4, 4, true, false),
        field("type", 8, 4, true, false),
        field("protocol", 12, 4, true, false),
        field("mark", 16, 4, true, true),
        field("priority", 20, 4, true, true),
        // `__be16 dst_port` and its padding: Linux reads 4 bytes, or 1 or 2
        // at its start.
        field("dst_port", 48, 4, true, false),
        field("dst_ip4", 52, 4, true, false),
        field("dst_ip6[0]", 56, 4, true, false),
        field("dst_ip6[1]", 60, 4, true, false),
        field("dst_ip6[2]", 64, 4, true, false),
        field("dst_ip6[3]", 68, 4, true, false),
        field("state", 72, 4, true, false),
        field("rx_queue_mapping", 76, 4, true, false),
    ];
    t.ret_range = (0, 1);
    types.push(t);

    // Tracing programs may not use maps holding a `bpf_spin_lock`.
    let tracing = |name: &str, ctx_size| {
        let mut t = ProgramType::new(name, ctx_size);
        t.spin_lock_refusal = Some("tracing progs cannot use bpf_spin_lock yet".into());
        t
    };

    let mut t = tracing("kprobe", 168);
    t.ctx_fields = pt_regs_fields();
    // Loaded sleepable, a kprobe program may only attach as a uprobe.
    t.may_sleep = true;
    types.push(t);

    // `struct bpf_perf_event_data`: the registers (8-byte loads only in
    // Linux), `sample_period`, `addr`.
    let mut t = tracing("perf_event", 184);
    t.ctx_fields = pt_regs_fields();
    t.ctx_fields
        .push(field("sample_period", 168, 8, true, false));
    t.ctx_fields.push(field("addr", 176, 8, true, false));
    types.push(t);

    let mut t = tracing("tracepoint", 8192);
    t.ctx_fields = words("data", 8, 8192, false);
    types.push(t);

    // `u64 args[12]` (`MAX_BPF_FUNC_ARGS`).
    let mut t = tracing("raw_tracepoint", 96);
    t.ctx_fields = (0..12)
        .map(|i| field(&format!("args[{i}]"), i * 8, 8, true, false))
        .collect();
    types.push(t);

    // Syscall programs must be loaded sleepable.
    let mut t = ProgramType::new("syscall", u16::MAX as u32);
    t.ctx_fields = words("ctx", 0, 32768, true);
    t.sleepable = true;
    types.push(t);

    types
}
