//! Prints quiver's verifier against the running kernel's on the fixture
//! objects (`fixtures/obj/*.g.o`): verification time (the median of
//! several runs each: quiver's `Stats::time`, the kernel's `verification
//! time N usec`) and instructions processed, with the ratios. Without a
//! kernel that loads BPF (not root, BPF disabled), only quiver's columns
//! are filled; programs the kernel refuses show its reason instead.
//!
//! `cargo run --release -p quiver-bench --example verify_table`

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use quiver::Loader;
use quiver::verify::{map_infos, verify_program};
use quiver_kernel::object::{KernelLoadError, load_object_program};
use quiver_obj::{ObjProgram, Object};
use quiver_verifier::Options;

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
}
