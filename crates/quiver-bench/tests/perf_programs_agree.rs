//! Every cross-runtime benchmark program (`programs/c/`) computes the same
//! r0 and packet bytes on the quiver runtime's interpreter and JIT (XDP
//! entry), quiver's raw JIT `Vm` and rbpf's interpreter (raw entry), and
//! the kernel (XDP entry; skipped with a message where the kernel refuses
//! BPF): `perf_table` compares times, so the work must be the same.

use quiver::Engine;
use quiver_bench::perf::{
    Outcome, PerfProgram, Reach, load_quiver, perf_programs, raw_memory, raw_outcome, raw_program,
    run_quiver,
};
use quiver_obj::Object;
use quiver_vm::{Config, Vm};

fn quiver(p: &PerfProgram, engine: Engine) -> Outcome {
    let bpf = load_quiver(p, engine)
        .unwrap_or_else(|e| panic!("{}: quiver ({engine:?}) refuses it: {e}", p.name));
    run_quiver(&bpf, p).unwrap_or_else(|e| panic!("{}: quiver ({engine:?}) run: {e}", p.name))
}

fn quiver_raw_jit(p: &PerfProgram) -> Outcome {
    let program = raw_program(p).expect("a raw entry");
    let vm = Vm::new(&program, Config::new().engine(Engine::Jit)).expect("the JIT compiles it");
    let mut mem = raw_memory(&p.packet);
    let r0 = vm.run(&mut mem).expect("the raw JIT runs it");
    raw_outcome(r0, &mem)
}

fn rbpf_interp(p: &PerfProgram) -> Outcome {
    let bytes = raw_program(p).expect("a raw entry").to_bytes();
    let vm = rbpf::EbpfVmRaw::new(Some(&bytes)).expect("rbpf takes the raw entry");
    let mut mem = raw_memory(&p.packet);
    let r0 = vm.execute_program(&mut mem).expect("rbpf runs it");
    raw_outcome(r0, &mem)
}

fn kernel(p: &PerfProgram) -> Outcome {
    let obj = Object::parse(p.xdp_object).expect("the object parses");
    let k = quiver_kernel::object::load_object_programs(&obj, &[p.name], 0)
        .unwrap_or_else(|e| panic!("{}: the kernel refuses it: {e}", p.name));
    if let Reach::TailChain { map, slot } = p.reach {
        let index = obj.maps.iter().position(|m| m.name == map).expect("map");
        k.maps[index]
            .as_ref()
            .expect("prog array created")
            .update(&slot.to_ne_bytes(), &k.progs[0].raw_fd().to_ne_bytes(), 0)
            .expect("slot filled");
    }
    let run = k.progs[0]
        .test_run(&p.packet, None, 1)
        .expect("the kernel runs it");
    Outcome {
        r0: run.retval,
        packet: run.data_out,
    }
}

#[test]
fn every_runtime_computes_the_same() {
    let kernel_ok = quiver_kernel::available();
    if let Err(why) = &kernel_ok {
        println!("kernel comparison skipped, the kernel refuses BPF here: {why}");
    }
    for p in perf_programs() {
        let reference = quiver(&p, Engine::Interpreter);
        println!(
            "{}: r0 {:#x}, result {:#x}",
            p.name,
            reference.r0,
            reference.result()
        );
        match p.reach {
            // The 33-deep chain computes nothing but its return value.
            Reach::TailChain { .. } => assert_eq!(reference.r0, 2, "{}: chain's end", p.name),
            _ => {
                assert_ne!(reference.r0, 0, "{}: r0 is 0", p.name);
                assert_eq!(
                    u64::from(reference.r0),
                    reference.result() & 0xffff_ffff,
                    "{}: r0 is the result's low half",
                    p.name
                );
            }
        }
        assert_eq!(
            quiver(&p, Engine::Jit),
            reference,
            "{}: quiver JIT differs from quiver's interpreter",
            p.name
        );
        if p.reach == Reach::Everywhere {
            assert_eq!(
                quiver_raw_jit(&p),
                reference,
                "{}: quiver's raw JIT Vm differs",
                p.name
            );
            assert_eq!(rbpf_interp(&p), reference, "{}: rbpf differs", p.name);
        }
        if kernel_ok.is_ok() {
            assert_eq!(kernel(&p), reference, "{}: the kernel differs", p.name);
        }
    }
}

/// The programs do what their sources say, not merely the same wrong
/// thing everywhere: results checked against Rust on the same input.
#[test]
fn results_match_a_rust_model() {
    let programs = perf_programs();
    let get = |name: &str| {
        let p = programs
            .iter()
            .find(|p| p.name == name)
            .expect("program listed");
        (p, quiver(p, Engine::Jit).result())
    };

    // primes below 500: 95; the loop stops at 500.
    let (_, r) = get("primes");
    assert_eq!(r, (500 << 32) | 95);

    // memcpy: 128 words copied, the destination equals the source.
    let (p, _) = get("memcpy_1k");
    let out = quiver(p, Engine::Jit);
    assert_eq!(out.result(), (128 << 48) ^ fnv_words(&p.packet[16..1040]));
    assert_eq!(out.packet[16..1040], out.packet[1040..2064]);

    // strcmp: equal strings, stopped at the NUL (index 999), difference 0.
    let (_, r) = get("strcmp_long");
    assert_eq!(r, (1000 << 32) | 0x100);

    // checksum: RFC 1071 over the 1,500 payload bytes.
    let (p, r) = get("checksum");
    let sum: u64 = p.packet[16..1516]
        .chunks(2)
        .map(|w| u64::from(u16::from_le_bytes([w[0], w[1]])))
        .sum();
    let mut folded = sum;
    while folded > 0xffff {
        folded = (folded & 0xffff) + (folded >> 16);
    }
    assert_eq!(r, (sum << 16) | (!folded & 0xffff));

    // HID fix-up: each report's fields fixed as the source says.
    let (p, _) = get("hid_fixup");
    let out = quiver(p, Engine::Jit);
    let (mut changed, mut sum) = (0u64, 0u64);
    for (i, r) in p.packet[16..16 + 64 * 8].chunks(8).enumerate() {
        let b = u32::from(r[0]);
        let buttons = (b & 1) | ((b & 2) << 1) | ((b & 4) >> 1);
        let x = u32::from(u16::from_le_bytes([r[1], r[2]])).min(20_000);
        let y = u32::from(u16::from_le_bytes([r[3], r[4]]));
        let y = 15_000_u32.saturating_sub(y);
        let mut pressure = u32::from(u16::from_le_bytes([r[5], r[6]]));
        if pressure != 0 {
            let doubled = (pressure * 2).min(2047);
            changed += u64::from(doubled != pressure);
            pressure = doubled;
        }
        sum += u64::from(buttons + x + y + pressure);
        let o = &out.packet[16 + 1024 + i * 8..16 + 1024 + i * 8 + 8];
        assert_eq!(o[0], buttons as u8, "report {i} buttons");
        assert_eq!(u16::from_le_bytes([o[1], o[2]]), x as u16, "report {i} X");
        assert_eq!(u16::from_le_bytes([o[3], o[4]]), y as u16, "report {i} Y");
        assert_eq!(
            u16::from_le_bytes([o[5], o[6]]),
            pressure as u16,
            "report {i} pressure"
        );
        assert_eq!(o[7], r[7], "report {i} spare byte");
    }
    assert_eq!(out.result(), (changed << 32) | sum);
    assert!(changed > 0);

    // log2: the same generator and log2 in Rust.
    let (_, r) = get("log2_int");
    let mut x: u64 = 0x9e37_79b9 | 1;
    let mut sum = 0u64;
    for _ in 0..1000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let v = x >> (x & 63);
        sum += u64::from(63 - v.max(1).leading_zeros());
    }
    assert_eq!(r, sum);
}

/// The hash the memcpy program folds over the words it copies.
fn fnv_words(bytes: &[u8]) -> u64 {
    bytes.chunks(8).fold(0u64, |h, w| {
        let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
        (h ^ w).wrapping_mul(0x100_0000_01b3)
    })
}
