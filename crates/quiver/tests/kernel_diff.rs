//! The same objects in the running Linux kernel (BPF_PROG_TEST_RUN) and in
//! quiver, on the same inputs: r0, the context or packet they leave, and
//! every map's contents must agree. Skips with a message where the kernel
//! refuses BPF (not root, BPF disabled).

use std::collections::BTreeMap;
use std::path::Path;

use quiver::Loader;
use quiver_kernel::object::{KernelProgram, load_object_program};
use quiver_obj::Object;

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/obj")
            .join(name),
    )
    .unwrap()
}

fn kernel() -> bool {
    match quiver_kernel::available() {
        Ok(()) => true,
        Err(why) => {
            println!("kernel differential: skipped, the kernel refuses BPF here: {why}");
            false
        }
    }
}

/// Every (key, value) of every non-global-data map, on each side.
type Dump = BTreeMap<String, BTreeMap<Vec<u8>, Vec<u8>>>;

fn dump_kernel(obj: &Object, k: &KernelProgram) -> Dump {
    let mut out = Dump::new();
    for (i, m) in obj.maps.iter().enumerate() {
        let Some(map) = &k.maps[i] else { continue };
        if m.def.map_type == 27 || m.def.map_type == 6 || m.def.map_type == 5 {
            continue; // ringbuf and per-CPU maps are compared elsewhere
        }
        let mut entries = BTreeMap::new();
        for key in map.keys().unwrap() {
            if let Some(v) = map.lookup(&key).unwrap() {
                entries.insert(key, v);
            }
        }
        out.insert(m.name.clone(), entries);
    }
    out
}

fn dump_quiver(obj: &Object, bpf: &quiver::Bpf) -> Dump {
    let mut out = Dump::new();
    for m in &obj.maps {
        if m.def.map_type == 27 || m.def.map_type == 6 || m.def.map_type == 5 {
            continue;
        }
        let map = bpf.map(&m.name).unwrap();
        let mut entries = BTreeMap::new();
        for key in map.keys() {
            if let Some(v) = map.raw().lookup_copy(&key) {
                entries.insert(key, v);
            }
        }
        out.insert(m.name.clone(), entries);
    }
    out
}

/// Frames of many lengths: IPv4 ones (the kernel's test run wants a whole
/// IP header behind an IPv4 EtherType, so at least 34 bytes) and short
/// frames of a local EtherType.
fn frames() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let sizes = [
        (14usize, 0x88b5u16),
        (20, 0x88b5),
        (34, 0x0800),
        (60, 0x0800),
        (64, 0x0800),
        (80, 0x0800),
        (127, 0x0800),
        (128, 0x0800),
        (129, 0x0800),
        (500, 0x0800),
        (1514, 0x0800),
    ];
    for (i, (len, ethertype)) in sizes.into_iter().enumerate() {
        let mut f: Vec<u8> = (0..len).map(|b| (b * 7 + i * 13) as u8).collect();
        f[12..14].copy_from_slice(&ethertype.to_be_bytes());
        if ethertype == 0x0800 {
            f[14] = 0x45; // version 4, IHL 5
        }
        out.push(f);
    }
    out
}

fn socket_filter_agrees(object: &str, prog: &str) {
    if !kernel() {
        return;
    }
    let raw = bytes(object);
    let obj = Object::parse(&raw).unwrap();
    let k = load_object_program(&obj, prog, 0).unwrap();
    let bpf = Loader::new().load(&raw).unwrap();
    let q = bpf.program(prog).unwrap();
    let mut runs = 0;
    for frame in frames() {
        let kr = k.prog.test_run(&frame, None, 1).unwrap_or_else(|e| {
            panic!(
                "{object}: kernel test run of a {}-byte frame: {e}",
                frame.len()
            )
        });
        let mut qframe = frame.clone();
        let qr = q.run_skb(&mut qframe).unwrap();
        assert_eq!(
            qr,
            kr.retval as u64,
            "{object}: r0 for a {}-byte frame",
            frame.len()
        );
        runs += 1;
    }
    assert_eq!(
        dump_quiver(&obj, &bpf),
        dump_kernel(&obj, &k),
        "{object}: maps differ after {runs} runs"
    );
    println!("kernel differential: {object} {prog}: {runs} runs, r0 and maps agree");
}

#[test]
fn socket_counter_agrees_with_the_kernel() {
    for cpu in ["v2", "v3", "v4"] {
        socket_filter_agrees(&format!("socket_counter.{cpu}.g.o"), "count_packets");
    }
}

#[test]
fn legacy_maps_agree_with_the_kernel() {
    for name in ["legacy_maps.v2.o", "legacy_maps.v3.g.o", "legacy_maps.v4.o"] {
        socket_filter_agrees(name, "legacy_count");
    }
}

#[test]
fn syscall_program_agrees_with_the_kernel() {
    if !kernel() {
        return;
    }
    for cpu in ["v2", "v3", "v4"] {
        let object = format!("syscall_ctx.{cpu}.g.o");
        let raw = bytes(&object);
        let obj = Object::parse(&raw).unwrap();
        let k = load_object_program(&obj, "sum_args", 0).unwrap();
        let bpf = Loader::new().load(&raw).unwrap();
        let q = bpf.program("sum_args").unwrap();
        for n in 0..=9u32 {
            let mut ctx = vec![0u8; 48];
            ctx[0..4].copy_from_slice(&n.to_le_bytes());
            ctx[4..8].copy_from_slice(&(n * 1000 + 7).to_le_bytes());
            for i in 0..8 {
                ctx[16 + i * 4..20 + i * 4]
                    .copy_from_slice(&((i as u32 + 1) * 0x01010101 * (n + 1)).to_le_bytes());
            }
            let mut kctx = ctx.clone();
            let kr = k.prog.test_run_syscall(&mut kctx).unwrap();
            let qr = q.run_context(&mut ctx).unwrap();
            assert_eq!(qr, kr as u64, "{object}: r0 for n = {n}");
            assert_eq!(ctx, kctx, "{object}: context after the run, n = {n}");
        }
        assert_eq!(
            dump_quiver(&obj, &bpf),
            dump_kernel(&obj, &k),
            "{object}: maps differ"
        );
        println!("kernel differential: {object}: 10 runs, r0, context and maps agree");
    }
}

/// Per-CPU values summed over CPUs (the kernel and quiver count CPUs
/// differently; the totals must agree).
fn percpu_sums(values: &[u8], value_size: usize) -> u64 {
    let stride = value_size.div_ceil(8) * 8;
    values
        .chunks(stride)
        .map(|c| u64::from_le_bytes(c[..8].try_into().unwrap()))
        .sum()
}

/// IPv4 frames for the XDP fixture: UDP to the dropped port, UDP elsewhere,
/// TCP, ICMP with options, a non-IP frame and truncated headers.
fn xdp_frames() -> Vec<Vec<u8>> {
    let ip = |proto: u8, ihl: u8, dport: u16, total: usize| {
        let mut f = vec![0u8; total];
        f[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
        f[14] = 0x40 | ihl;
        if total > 23 {
            f[23] = proto;
        }
        let l4 = 14 + ihl as usize * 4;
        if l4 + 4 <= total {
            f[l4 + 2..l4 + 4].copy_from_slice(&dport.to_be_bytes());
        }
        f
    };
    let mut arp = vec![0u8; 60];
    arp[12..14].copy_from_slice(&0x0806u16.to_be_bytes());
    vec![
        ip(17, 5, 9, 64),
        ip(17, 5, 53, 64),
        ip(6, 5, 9, 80),
        ip(1, 6, 0, 98),
        ip(17, 7, 9, 70),
        arp,
        ip(17, 5, 9, 30), // UDP header cut short
        ip(6, 5, 0, 20),  // IPv4 header cut short
    ]
}

#[test]
fn xdp_program_agrees_with_the_kernel() {
    if !kernel() {
        return;
    }
    for cpu in ["v2", "v3", "v4"] {
        let object = format!("xdp_parse.{cpu}.g.o");
        let raw = bytes(&object);
        let obj = Object::parse(&raw).unwrap();
        let k = load_object_program(&obj, "xdp_filter", 0).unwrap();
        let bpf = Loader::new().cpus(3).load(&raw).unwrap();
        let q = bpf.program("xdp_filter").unwrap();
        let mut actions = Vec::new();
        for frame in xdp_frames() {
            let kr = k
                .prog
                .test_run(&frame, None, 1)
                .unwrap_or_else(|e| panic!("{object}: kernel run of {} bytes: {e}", frame.len()));
            let mut qframe = frame.clone();
            let qr = q.run_xdp(&mut qframe).unwrap();
            assert_eq!(
                qr,
                kr.retval as u64,
                "{object}: action for a {}-byte frame",
                frame.len()
            );
            if kr.retval == 2 || kr.retval == 3 {
                assert_eq!(qframe, kr.data_out, "{object}: packet after the run");
            }
            actions.push(qr);
        }
        // Every outcome is exercised: aborted, drop and pass.
        for a in [0, 1, 2] {
            assert!(
                actions.contains(&a),
                "{object}: no frame gave action {a}: {actions:?}"
            );
        }
        let kmap = k.maps[0].as_ref().unwrap();
        let qmap = bpf.map("protocols").unwrap();
        for proto in 0u32..256 {
            let key = proto.to_le_bytes();
            let kv = percpu_sums(&kmap.lookup(&key).unwrap().unwrap(), 8);
            let qv = percpu_sums(&qmap.raw().lookup_copy(&key).unwrap(), 8);
            assert_eq!(qv, kv, "{object}: protocol {proto} count");
        }
        println!(
            "kernel differential: {object}: {} frames, actions {actions:?}, packets and per-CPU counts agree",
            actions.len()
        );
    }
}

#[test]
fn bpf_loop_callbacks_agree_with_the_kernel() {
    if !kernel() {
        return;
    }
    for cpu in ["v2", "v3", "v4"] {
        let object = format!("loop_callback.{cpu}.g.o");
        let raw = bytes(&object);
        let obj = Object::parse(&raw).unwrap();
        let k = load_object_program(&obj, "run_loop", 0).unwrap();
        let bpf = Loader::new().load(&raw).unwrap();
        let q = bpf.program("run_loop").unwrap();
        // (nr, stop_at): full runs, early stops, none, and past the limit.
        let cases = [
            (10u32, 0u32),
            (100, 37),
            (0, 0),
            (1, 1),
            (70, 64),
            (1 << 20, 5),
            ((1 << 23) + 1, 0),
        ];
        for (nr, stop_at) in cases {
            let mut ctx = vec![0u8; 24];
            ctx[0..4].copy_from_slice(&nr.to_le_bytes());
            ctx[4..8].copy_from_slice(&stop_at.to_le_bytes());
            let mut kctx = ctx.clone();
            let kr = k.prog.test_run_syscall(&mut kctx).unwrap();
            let qr = q.run_context(&mut ctx).unwrap();
            assert_eq!(qr, kr as u64, "{object}: r0 for nr {nr}, stop at {stop_at}");
            assert_eq!(
                ctx, kctx,
                "{object}: context for nr {nr}, stop at {stop_at}"
            );
        }
        assert_eq!(
            dump_quiver(&obj, &bpf),
            dump_kernel(&obj, &k),
            "{object}: maps differ"
        );
        println!(
            "kernel differential: {object}: bpf_loop callbacks, {} runs, r0, context and maps agree",
            cases.len()
        );
    }
}
