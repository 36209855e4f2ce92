//! The embedding API on the fixtures: typed maps, ring buffers, many
//! threads on shared maps, host kfuncs, CO-RE against host types, clear
//! errors for what a host does not provide.

use std::path::Path;
use std::sync::Arc;

use quiver::maps::{Array, HashMap, RingBuf};
use quiver::{Error, Loader};

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/obj")
            .join(name),
    )
    .unwrap()
}

fn sum_args_ctx(n: u32, seed: u32, values: &[u32]) -> Vec<u8> {
    let mut ctx = vec![0u8; 48];
    ctx[0..4].copy_from_slice(&n.to_le_bytes());
    ctx[4..8].copy_from_slice(&seed.to_le_bytes());
    for (i, v) in values.iter().enumerate() {
        ctx[16 + i * 4..20 + i * 4].copy_from_slice(&v.to_le_bytes());
    }
    ctx
}

#[test]
fn ring_buffer_records_reach_the_host() {
    let bpf = Loader::new().load(&bytes("syscall_ctx.v4.g.o")).unwrap();
    let prog = bpf.program("sum_args").unwrap();
    let mut rb: RingBuf = bpf.map("events").unwrap().try_into().unwrap();
    let mut expected = Vec::new();
    for n in 1..=5u32 {
        let mut ctx = sum_args_ctx(n, n, &[1, 2, 3, 4, 5]);
        prog.run_context(&mut ctx).unwrap();
        expected.push(u64::from_le_bytes(ctx[8..16].try_into().unwrap()));
    }
    let mut got = Vec::new();
    let n = rb.consume(|rec| got.push(u64::from_le_bytes(rec.try_into().unwrap())));
    assert_eq!(n, 5);
    assert_eq!(got, expected);
}

#[test]
fn typed_maps_check_their_types() {
    let bpf = Loader::new().load(&bytes("socket_counter.v3.g.o")).unwrap();
    let _: HashMap<u32, u64> = bpf.map("buckets").unwrap().try_into().unwrap();
    let err = HashMap::<u32, u32>::try_from(bpf.map("buckets").unwrap())
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "map buckets: key or value type has 4 bytes, the map has 8"
    );
    let err = Array::<u64>::try_from(bpf.map("buckets").unwrap())
        .err()
        .unwrap();
    assert_eq!(err.to_string(), "map buckets is a hash, not a array");
    assert!(matches!(bpf.map("nope"), Err(Error::NoMap(_))));
    assert!(matches!(bpf.program("nope"), Err(Error::NoProgram(_))));
}

#[test]
fn many_threads_share_maps_and_global_data() {
    let bpf = Arc::new(
        Loader::new()
            .cpus(4)
            .load(&bytes("socket_counter.v4.g.o"))
            .unwrap(),
    );
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let bpf = bpf.clone();
            std::thread::spawn(move || {
                let prog = bpf.program("count_packets").unwrap();
                for i in 0..500u32 {
                    let mut frame = vec![0u8; 14 + 64 * (((i + t) % 3) as usize) + 10];
                    prog.run_skb(&mut frame).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let buckets: HashMap<u32, u64> = bpf.map("buckets").unwrap().try_into().unwrap();
    let total: u64 = buckets.iter().iter().map(|(_, v)| v).sum();
    // A bucket's first packet may race another thread's insert (NOEXIST
    // fails, as in Linux), losing at most one count per bucket per thread.
    assert!((2000 - 3 * 4..=2000).contains(&total), "{total}");
    // Every packet was counted in .bss with an unlocked `packets++`, like
    // the C source says, so racing increments may be lost; bytes_seen too.
    let bss = bpf
        .map(".bss")
        .unwrap()
        .raw()
        .lookup_copy(&0u32.to_le_bytes())
        .unwrap();
    let packets = u64::from_le_bytes(bss[0..8].try_into().unwrap());
    assert!(packets > 0 && packets <= 2000, "{packets}");
}

#[test]
fn kfuncs_bind_by_name_and_absent_ones_are_named() {
    // kitchen_sink needs dev_get_data (strong) and may use dev_maybe_missing (weak).
    let err = Loader::new()
        .load(&bytes("kitchen_sink.v3.g.o"))
        .err()
        .unwrap();
    assert!(err.to_string().contains("CO-RE"), "{err}");
    let host = {
        let mut b = quiver_obj::btf::Btf::default();
        let int = b.add_int("int", 4, true);
        let uint = b.add_int("unsigned int", 4, false);
        let ull = b.add_int("unsigned long long", 8, false);
        let ch = b.add_int("char", 1, true);
        let name = b.add_array(ch, 16);
        let info = b.add_struct_c(
            "dev_info",
            &[
                ("quirks", ull),
                ("id", int),
                ("flags", uint),
                ("name", name),
            ],
        );
        let p = b.add_ptr(info);
        b.add_struct_c(
            "dev_ctx",
            &[("dev", p), ("allocated_size", uint), ("retval", int)],
        );
        b
    };
    let err = Loader::new()
        .host_btf(host.clone())
        .load(&bytes("kitchen_sink.v3.g.o"))
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "extern dev_get_data: the host provides no kfunc of that name (declare it __weak to make it optional)"
    );
    let loaded = Loader::new()
        .host_btf(host)
        .kfunc("dev_get_data", |_, _| Ok(0))
        .kfunc("bpf_iter_num_new", |_, _| Ok(0))
        .kfunc("bpf_iter_num_next", |_, _| Ok(0))
        .kfunc("bpf_iter_num_destroy", |_, _| Ok(0))
        .load(&bytes("kitchen_sink.v3.g.o"));
    // The ksym variable is the one extern no host provides today.
    assert_eq!(
        loaded.err().unwrap().to_string(),
        "extern some_host_counter: the host provides no kernel variables or kconfig values"
    );
}

#[test]
fn a_host_kfunc_is_called_with_the_programs_arguments() {
    // The sleepable member only needs CO-RE for its type size.
    let mut host = quiver_obj::btf::Btf::default();
    let int = host.add_int("int", 4, true);
    host.add_struct_c("dev_info", &[("id", int), ("flags", int)]);
    host.add_struct_c("dev_ctx", &[("retval", int)]);
    let obj = quiver_obj::Object::parse(&bytes("kitchen_sink.v4.g.o")).unwrap();
    let mut obj = obj;
    obj.programs.retain(|p| p.name == "BPF_PROG_dev_request");
    obj.externs.clear();
    // The host describes the struct_ops context: two u64 arguments.
    let mut ty = quiver_verifier::host::ProgramType::new("struct_ops", 16);
    ty.may_sleep = true;
    ty.ctx_fields = (0..2)
        .map(|i| quiver_verifier::host::CtxField {
            name: format!("args[{i}]"),
            off: 8 * i,
            size: 8,
            read: true,
            write: false,
            kind: quiver_verifier::host::CtxFieldKind::Scalar,
        })
        .collect();
    let bpf = Loader::new()
        .host_btf(host)
        .program_type(ty)
        .load_object(obj)
        .unwrap();
    let prog = bpf.program("BPF_PROG_dev_request").unwrap();
    assert!(prog.kind().unwrap().sleepable);
    // args[1] + sizeof(struct dev_info) on the host (8 bytes).
    let mut args = [0u8; 16];
    args[8..16].copy_from_slice(&100u64.to_le_bytes());
    assert_eq!(prog.run_context(&mut args).unwrap(), 108);
}

#[test]
fn the_host_description_lists_helpers_and_declared_kfuncs() {
    use quiver_verifier::host::{Arg, Proto, Ret, kf};
    let proto = Proto::new(
        "dev_get_data",
        vec![
            Arg::Ctx,
            Arg::Const { min: 0, max: 4096 },
            Arg::Const { min: 1, max: 4096 },
        ],
        Ret::MemOrNull { size_arg: 2 },
    )
    .flags(kf::RET_NULL);
    let loader = Loader::new().kfunc_with_proto(proto.clone(), |_, _| Ok(0));
    let host = loader.host();
    assert_eq!(host.kfuncs["dev_get_data"], proto);
    assert_eq!(host.helpers[&1].name, "bpf_map_lookup_elem");
    assert_eq!(host.helpers[&131].ret, Ret::MemOrNull { size_arg: 1 });
    assert!(!host.kfuncs["dev_get_data"].is_sleepable());
}

/// What loop_callback.c computes, written again in Rust: (r0, sum,
/// loops_done, per-slot additions to the `seen` map).
fn loop_model(nr: u32, stop_at: u32, seen: &mut [u64; 64]) -> (u64, u64, i64) {
    if nr > 1 << 23 {
        // -E2BIG, zero-extended from 32 bits as Linux's inlined bpf_loop gives it.
        return (1, 1, (-7i32) as u32 as i64);
    }
    let mut sum: u64 = 1;
    let mut done = nr as i64;
    for i in 0..nr {
        seen[(i & 63) as usize] += i as u64;
        sum = sum.wrapping_mul(3).wrapping_add(i as u64);
        if i + 1 == stop_at {
            done = i as i64 + 1;
            break;
        }
    }
    (sum & 0xffff, sum, done)
}

#[test]
fn bpf_loop_runs_callbacks_in_their_own_frame() {
    // Against a model of the C source (the kernel comparison is in
    // kernel_diff.rs); this one also checks the per-slot map sums.
    for cpu in ["v2", "v3", "v4"] {
        let bpf = Loader::new()
            .load(&bytes(&format!("loop_callback.{cpu}.g.o")))
            .unwrap();
        let prog = bpf.program("run_loop").unwrap();
        let mut seen = [0u64; 64];
        for (nr, stop_at) in [
            (10u32, 0u32),
            (100, 37),
            (0, 0),
            (1, 1),
            (70, 64),
            ((1 << 23) + 1, 0),
        ] {
            let mut ctx = vec![0u8; 24];
            ctx[0..4].copy_from_slice(&nr.to_le_bytes());
            ctx[4..8].copy_from_slice(&stop_at.to_le_bytes());
            let r0 = prog.run_context(&mut ctx).unwrap();
            let (m_r0, m_sum, m_done) = loop_model(nr, stop_at, &mut seen);
            assert_eq!(r0, m_r0, "nr {nr} stop {stop_at}");
            assert_eq!(u64::from_le_bytes(ctx[8..16].try_into().unwrap()), m_sum);
            assert_eq!(i64::from_le_bytes(ctx[16..24].try_into().unwrap()), m_done);
        }
        let map: Array<u64> = bpf.map("seen").unwrap().try_into().unwrap();
        for (i, want) in seen.iter().enumerate() {
            assert_eq!(map.get(i as u32), Some(*want), "seen[{i}]");
        }
    }
}

#[test]
fn maps_the_kernel_would_refuse_are_refused_with_their_name() {
    let err = Loader::new()
        .load(&bytes("bad_map_type.v3.g.o"))
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.starts_with("map mystery:") && err.contains("unknown map type 99"),
        "{err}"
    );
    let err = Loader::new()
        .load(&bytes("bad_map_def.v3.g.o"))
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.starts_with("map empty:") && err.contains("max_entries"),
        "{err}"
    );
    // The kernel refuses the same definition.
    if quiver_kernel::available().is_ok() {
        assert!(quiver_kernel::Map::create("empty", 1, 4, 8, 0, 0).is_err());
    }
}
