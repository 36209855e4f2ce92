//! Prints quiver's verifier against the running kernel's on the fixture
//! objects (`fixtures/obj/*.g.o`): verification time (the median of
//! several runs each: quiver's `Stats::time`, the kernel's `verification
//! time N usec`) and instructions processed, with the ratios. Without a
//! kernel that loads BPF (not root, BPF disabled), only quiver's columns
//! are filled; programs the kernel refuses show its reason instead.
//!
//! Then the same for the agreement corpus (`crates/quiver-verifier/tests/
//! corpus/*.s`, loaded in the kernel as its harness does, without BTF:
//! cases needing BTF or kfuncs are skipped) and a summary: how many
//! programs both accept, how many of those are within 10% of the
//! kernel's instruction count, and the furthest off.
//!
//! `cargo run --release -p quiver-bench --example verify_table`

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[path = "../../quiver-verifier/tests/common/corpus.rs"]
#[allow(dead_code)]
mod corpus;

use quiver::Loader;
use quiver::verify::{map_infos, verify_program};
use quiver_isa::{Insn, Program, Pseudo};
use quiver_kernel::object::{KernelLoadError, load_object_program};
use quiver_obj::{ObjProgram, Object};
use quiver_verifier::{MapInfo, Options};

/// `BPF_LOG_STATS`: the kernel's closing statistics, without the
/// instruction trace.
const BPF_LOG_STATS: u32 = 4;

/// Kernel loads per program (each creates the maps again).
const KERNEL_RUNS: usize = 7;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// What quiver's verifier said and what it cost.
struct QuiverRun {
    verdict: Result<(), String>,
    /// Median of `Stats::time`, in µs.
    us: f64,
    insns: u64,
}

fn quiver(host: &quiver_verifier::host::Host, obj: &Object, p: &ObjProgram) -> QuiverRun {
    let maps = map_infos(obj);
    let options = Options::default();
    let once = || verify_program(host, obj, &maps, p, &options).map_err(|e| e.to_string());
    let first = match once() {
        Ok(v) => v,
        Err(e) => {
            return QuiverRun {
                verdict: Err(format!("load error: {e}")),
                us: f64::NAN,
                insns: 0,
            };
        }
    };
    let (verdict, insns) = match &first.result {
        Ok(a) => (Ok(()), a.stats.insns_processed),
        Err(r) => (Err(r.to_string()), r.stats.insns_processed),
    };
    // At least 11 runs, and about 200 ms for the fast ones.
    let mut times = Vec::new();
    let start = Instant::now();
    while times.len() < 11 || (start.elapsed() < Duration::from_millis(200) && times.len() < 1001) {
        let v = once().expect("verified once already");
        let stats = match &v.result {
            Ok(a) => &a.stats,
            Err(r) => &r.stats,
        };
        times.push(stats.time.as_secs_f64() * 1e6);
    }
    QuiverRun {
        verdict,
        us: median(times),
        insns,
    }
}

/// The number after `key` in a verifier log line (`processed 85 insns`,
/// `verification time 31 usec`).
fn number_after(log: &str, key: &str) -> Option<u64> {
    log.lines().find_map(|l| {
        let rest = &l[l.find(key)? + key.len()..];
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// The kernel's reason for not loading a program: the last line of its log
/// before the statistics.
fn refusal(e: KernelLoadError) -> String {
    match e {
        KernelLoadError::Load(l) => {
            let last = l
                .log
                .lines()
                .rfind(|l| {
                    !l.is_empty()
                        && !l.starts_with("processed ")
                        && !l.starts_with("verification time")
                        && !l.starts_with("stack depth")
                })
                .unwrap_or("");
            format!("refused ({}): {last}", l.errno)
        }
        KernelLoadError::Externs(_) => {
            "not loaded: uses externs (kfuncs, ksyms), which the oracle does not resolve".into()
        }
        other => format!("not loaded: {other}"),
    }
}

/// What the kernel said: (median µs, insns processed), or why it refused.
fn kernel(obj: &Object, name: &str) -> Result<(f64, u64), String> {
    let mut times = Vec::new();
    let mut insns = 0;
    for _ in 0..KERNEL_RUNS {
        let k = load_object_program(obj, name, BPF_LOG_STATS).map_err(refusal)?;
        let log = &k.prog.log;
        let us = number_after(log, "verification time ")
            .ok_or_else(|| format!("no verification time in the log: {log}"))?;
        insns = number_after(log, "processed ")
            .ok_or_else(|| format!("no processed insns in the log: {log}"))?;
        times.push(us as f64);
    }
    Ok((median(times), insns))
}

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/obj");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures/obj")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".g.o"))
        .collect();
    files.sort();
    files
}

fn main() {
    let kernel_ok = match quiver_kernel::available() {
        Ok(()) => true,
        Err(why) => {
            eprintln!("kernel columns left empty: the kernel refuses BPF here: {why}");
            false
        }
    };
    let host = Loader::new().host();
    println!(
        "| program | quiver µs | kernel µs | kernel / quiver | quiver insns | kernel insns | kernel / quiver insns |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for path in fixtures() {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let obj = match Object::parse(&std::fs::read(&path).unwrap()) {
            Ok(o) => o,
            Err(e) => {
                println!("| {file} | not parsed: {e} | | | | | |");
                continue;
            }
        };
        for p in &obj.programs {
            let q = quiver(&host, &obj, p);
            let q_us = match &q.verdict {
                Ok(()) => format!("{:.1}", q.us),
                Err(why) => format!("{:.1} (rejected: {why})", q.us),
            };
            let label = format!("{file} {}", p.name);
            if !kernel_ok {
                println!("| {label} | {q_us} | | | {} | | |", q.insns);
                continue;
            }
            match kernel(&obj, &p.name) {
                Ok((k_us, k_insns)) => println!(
                    "| {label} | {q_us} | {k_us:.0} | {:.2}x | {} | {k_insns} | {:.2}x |",
                    k_us / q.us,
                    q.insns,
                    k_insns as f64 / q.insns as f64
                ),
                Err(why) => println!("| {label} | {q_us} | {why} | | {} | | |", q.insns),
            }
        }
    }
    if kernel_ok {
        corpus_table(&host);
    }
}

/// `BPF_F_RDONLY_PROG`.
const F_RDONLY_PROG: u32 = 1 << 7;

/// quiver's instruction count on an accepted corpus case.
fn quiver_case(host: &quiver_verifier::host::Host, case: &corpus::Case) -> Option<u64> {
    let program = Program::from_insns(case.insns.clone()).ok()?;
    let maps: Vec<MapInfo> = case
        .maps
        .iter()
        .map(|m| MapInfo {
            name: m.name.clone(),
            map_type: m.map_type,
            key_size: m.key_size,
            value_size: m.value_size,
            max_entries: m.max_entries,
            map_flags: m.flags,
            rdonly_prog: m.flags & F_RDONLY_PROG != 0,
            ..Default::default()
        })
        .collect();
    let kfuncs = Default::default();
    let input = quiver_verifier::Input {
        program: &program,
        program_type: &case.prog_type,
        sleepable: case.sleepable,
        maps: &maps,
        kfuncs: &kfuncs,
        source_line: None,
        func_info: false,
        global_funcs: &[],
    };
    quiver_verifier::verify(host, &input, &Options::default())
        .ok()
        .map(|a| a.stats.insns_processed)
}

/// The kernel's instruction count on a corpus case it accepts (maps
/// created and their fds patched in, as the corpus harness does).
fn kernel_case(case: &corpus::Case) -> Option<u64> {
    let maps = case
        .maps
        .iter()
        .map(|m| {
            quiver_kernel::Map::create(
                &m.name,
                m.map_type,
                m.key_size,
                m.value_size,
                m.max_entries,
                m.flags,
            )
        })
        .collect::<Result<Vec<_>, _>>()
        .ok()?;
    let insns: Vec<Insn> = case
        .insns
        .iter()
        .map(|insn| match *insn {
            Insn::LoadImm64 {
                dst,
                pseudo: pseudo @ (Pseudo::MapFd | Pseudo::MapValue),
                imm,
            } => Insn::LoadImm64 {
                dst,
                pseudo,
                imm: (imm & !0xffff_ffff)
                    | u64::from(maps[(imm & 0xffff_ffff) as usize].raw_fd() as u32),
            },
            other => other,
        })
        .collect();
    let opts = quiver_kernel::LoadOptions {
        log_level: BPF_LOG_STATS,
        prog_flags: case.prog_flags,
        ..Default::default()
    };
    let bytes = quiver_isa::encode(&insns);
    let loaded =
        quiver_kernel::load_with_btf(case.prog_type_id, &bytes, "GPL", &opts, None).ok()?;
    number_after(&loaded.log, "processed ")
}

/// Instruction counts on the corpus programs both verifiers accept.
fn corpus_table(host: &quiver_verifier::host::Host) {
    println!();
    println!("| corpus program | quiver insns | kernel insns | kernel / quiver |");
    println!("|---|---:|---:|---:|");
    let mut both = Vec::new();
    let mut skipped = 0;
    for (path, case) in corpus::load_corpus() {
        let Ok(case) = case else { continue };
        if case.expected != Some(corpus::Verdict::Accept) {
            continue;
        }
        let needs_btf = case.btf.func_info
            || !case.btf.global.is_empty()
            || case.maps.iter().any(|m| m.btf.is_some());
        if needs_btf || !case.kfuncs.is_empty() {
            skipped += 1;
            continue;
        }
        let (Some(q), Some(k)) = (quiver_case(host, &case), kernel_case(&case)) else {
            continue;
        };
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        println!("| {name} | {q} | {k} | {:.2}x |", k as f64 / q as f64);
        both.push((name, q, k));
    }
    let off = |q: u64, k: u64| (q as f64 - k as f64).abs() / k as f64;
    let within = both.iter().filter(|(_, q, k)| off(*q, *k) <= 0.10).count();
    both.sort_by(|a, b| off(b.1, b.2).total_cmp(&off(a.1, a.2)));
    let worst: Vec<String> = both
        .iter()
        .take(5)
        .map(|(n, q, k)| format!("{n} {q}/{k}"))
        .collect();
    println!();
    println!(
        "corpus: {} programs both accept, {within} within 10% of the kernel's insn count ({} skipped: they need BTF or kfuncs); furthest off (quiver/kernel): {}",
        both.len(),
        skipped,
        worst.join(", ")
    );
}
