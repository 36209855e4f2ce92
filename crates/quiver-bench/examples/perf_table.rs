//! Cross-runtime performance table: the same C programs, on the same
//! packet bytes, in one process, in every runtime that can run them.
//!
//! Method. Each program (`programs/c/*.bpf.c`, built by
//! `programs/c/build.sh`) is one body with two entries around it: an XDP
//! entry (packet pointers from `struct xdp_md`) and a raw entry (one block
//! of memory, `[u64 length][packet]`). Before anything is timed, every
//! runtime runs the program once on fresh state and must produce the same
//! r0 (low 32 bits) and the same packet bytes; a program whose runtimes
//! disagree gets no numbers. The programs never modify what they read, so
//! every later run does the same work on the same bytes. The runtimes are
//! timed in turn, in 7 rounds; a cell is the fastest round, each round the
//! fastest of 3 batches of about 10 ms, batch time divided by its runs
//! (the kernel: `BPF_PROG_TEST_RUN`s of about 10 ms, the kernel's own ns
//! per repeat). On a shared virtual machine the minimum is what is stable:
//! interference only ever adds time. The columns:
//!
//! - quiver interp / quiver JIT: the quiver runtime (`Loader` with
//!   `trust_verifier(true)`, `Engine::Interpreter` / `Engine::Jit`) running
//!   the XDP entry with `Program::run_xdp` (the context is built per run);
//! - quiver JIT raw checked / unchecked: quiver's `Vm` (JIT) on the raw
//!   entry, the same call shape as rbpf's, with and without its checks
//!   (the unchecked one and rbpf's JIT are the like-for-like pair);
//! - rbpf interp / rbpf JIT: rbpf 0.4's `EbpfVmRaw`, `execute_program` and
//!   `jit_compile` + `execute_program_jit`, on the raw entry;
//! - kernel JIT: the Linux kernel running the XDP entry through
//!   `BPF_PROG_TEST_RUN` with a large repeat (skipped, with the reason,
//!   when the kernel refuses BPF here).
//!
//! Programs that need maps or tail calls have no raw entry: n/a for raw
//! VMs. solana-sbpf is not in the table: its dialect gives 32-bit ALU
//! results another meaning (see the note printed at the end).
//! After the table: JIT compile time per 1,000 instructions, and the chart
//! `docs/perf.svg`.
//!
//! `cargo run --release -p quiver-bench --example perf_table`

use std::path::Path;
use std::time::Instant;

use plotters::prelude::*;
use quiver::Engine;
use quiver_bench::perf::{
    Outcome, PerfProgram, Reach, load_quiver, perf_programs, raw_memory, raw_outcome, raw_program,
    run_quiver,
};
use quiver_bench::{fastest_ns, straight_line};
use quiver_kernel::object::{KernelObject, load_object_programs};
use quiver_obj::Object;
use quiver_vm::{Config, Vm};

/// The runtimes, in column order.
const RUNTIMES: [&str; 7] = [
    "quiver interp",
    "quiver JIT",
    "quiver JIT raw checked",
    "quiver JIT raw unchecked",
    "rbpf interp",
    "rbpf JIT",
    "kernel JIT",
];
const Q_INTERP: usize = 0;
const Q_JIT: usize = 1;
const Q_RAW: usize = 2;
const Q_RAW_U: usize = 3;
const R_INTERP: usize = 4;
const R_JIT: usize = 5;
const KERNEL: usize = 6;

/// The ratio columns: numerator and denominator runtimes. Against quiver's
/// JIT through the runtime, and the like-for-like pair of raw JITs (no
/// context set-up, no checks).
const RATIOS: [(usize, usize); 7] = [
    (Q_INTERP, Q_JIT),
    (Q_RAW, Q_JIT),
    (R_INTERP, Q_JIT),
    (R_JIT, Q_JIT),
    (KERNEL, Q_JIT),
    (R_JIT, Q_RAW_U),
    (KERNEL, Q_RAW_U),
];

/// Rounds every runtime is timed in, in turn: on a shared machine the
/// interference moves between rounds, and the minimum keeps the rounds it
/// spared.
const ROUNDS: usize = 7;

/// The kernel's ns per run: the fastest of 3 test runs of about 10 ms.
fn kernel_time(k: &KernelObject, packet: &[u8]) -> std::io::Result<f64> {
    let probe = k.progs[0].test_run(packet, None, 1000)?;
    let per = f64::from(probe.duration_ns.max(1));
    let repeat = (10e6 / per).clamp(1000.0, 10_000_000.0) as u32;
    let mut best = f64::MAX;
    for _ in 0..3 {
        let run = k.progs[0].test_run(packet, None, repeat)?;
        best = best.min(f64::from(run.duration_ns));
    }
    Ok(best)
}

/// A measurement, or why there is none.
enum Cell {
    Ns(f64),
    NotRun,
}

impl Cell {
    fn ns(&self) -> Option<f64> {
        match self {
            Cell::Ns(ns) => Some(*ns),
            Cell::NotRun => None,
        }
    }
}

struct Row {
    name: &'static str,
    insns: usize,
    cells: Vec<Cell>,
}

/// Loads the XDP entry into the kernel, with the verifier's statistics in
/// the log; a tail chain gets its slot filled.
fn load_kernel(p: &PerfProgram) -> Result<KernelObject, String> {
    let obj = Object::parse(p.xdp_object).map_err(|e| e.to_string())?;
    let k = load_object_programs(&obj, &[p.name], 4).map_err(|e| e.to_string())?;
    if let Reach::TailChain { map, slot } = p.reach {
        let index = obj
            .maps
            .iter()
            .position(|m| m.name == map)
            .ok_or_else(|| format!("no map {map}"))?;
        let kmap = k.maps[index].as_ref().ok_or("prog array not created")?;
        kmap.update(&slot.to_ne_bytes(), &k.progs[0].raw_fd().to_ne_bytes(), 0)
            .map_err(|e| e.to_string())?;
    }
    Ok(k)
}

/// The "processed N insns" part of a kernel verifier log.
fn kernel_processed(log: &str) -> String {
    log.lines()
        .find(|l| l.starts_with("processed "))
        .map_or_else(
            || "?".into(),
            |l| l.split(" (").next().unwrap_or(l).to_string(),
        )
}

/// What a runtime made of the program: the first run's outcome, and the
/// timing closure's state.
struct Entry {
    outcome: Result<Outcome, String>,
    time: Option<Box<dyn FnMut() -> f64>>,
}

fn not_run(why: impl Into<String>) -> Entry {
    Entry {
        outcome: Err(why.into()),
        time: None,
    }
}

/// Quiver runtime entry on `engine`.
fn quiver_entry(p: &'static PerfProgram, engine: Engine) -> Entry {
    let bpf = match load_quiver(p, engine) {
        Ok(b) => b,
        Err(e) => return not_run(format!("refused: {e}")),
    };
    let outcome = run_quiver(&bpf, p).map_err(|e| e.to_string());
    let time = move || {
        let prog = bpf.program(p.name).expect("loaded above");
        let mut packet = p.packet.clone();
        fastest_ns(|| prog.run_xdp(&mut packet).expect("it ran above"))
    };
    Entry {
        outcome,
        time: Some(Box::new(time)),
    }
}

/// Quiver's raw `Vm` with the JIT on the raw entry.
fn quiver_raw_entry(p: &'static PerfProgram, checked: bool) -> Entry {
    let program = match raw_program(p) {
        Ok(prog) => prog,
        Err(e) => return not_run(e.to_string()),
    };
    let config = Config::new().engine(Engine::Jit);
    let vm = if checked {
        Vm::new(&program, config)
    } else {
        // SAFETY: the raw entry is the body of the XDP entry that both
        // verifiers accepted, around a prologue that points it at the
        // memory given here, which holds the whole packet; every runtime
        // (checked quiver among them) ran it on these bytes with the same
        // result before it is timed.
        unsafe { Vm::new_unchecked(&program, config) }
    };
    let vm = match vm {
        Ok(vm) => vm,
        Err(e) => return not_run(format!("refused: {e}")),
    };
    let mut mem = raw_memory(&p.packet);
    let outcome = vm
        .run(&mut mem)
        .map(|r0| raw_outcome(r0, &mem))
        .map_err(|e| e.to_string());
    let time = move || {
        let mut mem = raw_memory(&p.packet);
        fastest_ns(|| vm.run(&mut mem).expect("it ran above"))
    };
    Entry {
        outcome,
        time: Some(Box::new(time)),
    }
}

/// rbpf 0.4 on the raw entry: the interpreter, or the x86-64 JIT.
fn rbpf_entry(p: &'static PerfProgram, jit: bool) -> Entry {
    let program = match raw_program(p) {
        Ok(prog) => prog,
        Err(e) => return not_run(e.to_string()),
    };
    // rbpf borrows the bytecode for the VM's life: the closure owns both.
    let bytes: &'static [u8] = Box::leak(program.to_bytes().into_boxed_slice());
    let mut vm = match rbpf::EbpfVmRaw::new(Some(bytes)) {
        Ok(vm) => vm,
        Err(e) => return not_run(format!("refused: {e}")),
    };
    if jit && let Err(e) = rbpf_jit_compile(&mut vm) {
        return not_run(format!("JIT refused: {e}"));
    }
    let run = move |vm: &rbpf::EbpfVmRaw<'static>, mem: &mut [u8]| {
        if jit {
            // SAFETY: the program was JIT-compiled above; its result is
            // checked against the interpreters (which check every access)
            // before it is timed.
            unsafe { vm.execute_program_jit(mem) }
        } else {
            vm.execute_program(mem)
        }
    };
    let mut mem = raw_memory(&p.packet);
    let outcome = match run(&vm, &mut mem) {
        Ok(r0) => Ok(raw_outcome(r0, &mem)),
        Err(e) => Err(e.to_string()),
    };
    let time = move || {
        let mut mem = raw_memory(&p.packet);
        fastest_ns(|| run(&vm, &mut mem).expect("it ran above"))
    };
    Entry {
        outcome,
        time: Some(Box::new(time)),
    }
}

/// rbpf's `jit_compile`, which panics (an assertion) where the code does
/// not fit its one page of executable memory: that becomes an error.
fn rbpf_jit_compile(vm: &mut rbpf::EbpfVmRaw<'_>) -> Result<(), String> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| vm.jit_compile()));
    std::panic::set_hook(hook);
    match r {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(_) => Err("rbpf's JIT panicked (native code over its 4 KiB page)".into()),
    }
}

/// The kernel on the XDP entry.
fn kernel_entry(p: &'static PerfProgram, kernel: &Result<(), String>) -> (Entry, String) {
    if let Err(why) = kernel {
        return (not_run(format!("kernel unavailable: {why}")), String::new());
    }
    let k = match load_kernel(p) {
        Ok(k) => k,
        Err(e) => return (not_run(format!("refused: {e}")), "refused".into()),
    };
    let processed = kernel_processed(&k.progs[0].log);
    let outcome = k.progs[0]
        .test_run(&p.packet, None, 1)
        .map(|t| Outcome {
            r0: t.retval,
            packet: t.data_out,
        })
        .map_err(|e| e.to_string());
    let time = move || kernel_time(&k, &p.packet).expect("it ran above");
    (
        Entry {
            outcome,
            time: Some(Box::new(time)),
        },
        processed,
    )
}

fn main() {
    let programs: &'static [PerfProgram] = Box::leak(perf_programs().into_boxed_slice());
    let kernel = quiver_kernel::available();
    if let Err(why) = &kernel {
        println!("kernel columns skipped: the kernel refuses BPF here: {why}\n");
    }
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    let mut verifier = Vec::new();
    for p in programs {
        let insns = Object::parse(p.xdp_object)
            .ok()
            .and_then(|o| {
                o.programs
                    .iter()
                    .find(|q| q.name == p.name)
                    .map(|q| q.insns.len())
            })
            .unwrap_or(0);
        let quiver_stats = quiver_verifier_stats(p);
        let (k, kernel_processed) = kernel_entry(p, &kernel);
        verifier.push((p.name, quiver_stats, kernel_processed));
        let mut entries = [
            quiver_entry(p, Engine::Interpreter),
            quiver_entry(p, Engine::Jit),
            quiver_raw_entry(p, true),
            quiver_raw_entry(p, false),
            rbpf_entry(p, false),
            rbpf_entry(p, true),
            k,
        ];
        // Every runtime that ran must agree with the first that did.
        let ran: Vec<(usize, &Outcome)> = entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.outcome.as_ref().ok().map(|o| (i, o)))
            .collect();
        let disagree: Vec<String> = match ran.first() {
            None => vec!["no runtime ran it".into()],
            Some(&(first, reference)) => ran
                .iter()
                .filter(|(_, o)| *o != reference)
                .map(|&(i, o)| {
                    format!(
                        "{} (r0 {:#x}, result {:#x}) vs {} (r0 {:#x}, result {:#x})",
                        RUNTIMES[i],
                        o.r0,
                        o.result(),
                        RUNTIMES[first],
                        reference.r0,
                        reference.result()
                    )
                })
                .collect(),
        };
        if !disagree.is_empty() {
            notes.push(format!(
                "{}: no numbers, the runtimes disagree: {}",
                p.name,
                disagree.join("; ")
            ));
            continue;
        }
        let result = ran[0].1.result();
        eprintln!(
            "{}: {} runtimes agree (r0 {:#x}, result {result:#x}); timing",
            p.name,
            ran.len(),
            ran[0].1.r0
        );
        // Each runtime once per round, in turn; the fastest round counts.
        let mut best = [f64::MAX; RUNTIMES.len()];
        for _ in 0..ROUNDS {
            for (i, e) in entries.iter_mut().enumerate() {
                if let (Ok(_), Some(t)) = (&e.outcome, e.time.as_mut()) {
                    best[i] = best[i].min(t());
                }
            }
        }
        let cells = entries
            .iter_mut()
            .enumerate()
            .map(|(i, e)| match (&e.outcome, e.time.as_mut()) {
                (Ok(_), Some(_)) => Cell::Ns(best[i]),
                (Err(why), _) => {
                    if i != KERNEL || kernel.is_ok() {
                        notes.push(format!("{} on {}: {why}", p.name, RUNTIMES[i]));
                    }
                    Cell::NotRun
                }
                (Ok(_), None) => Cell::NotRun,
            })
            .collect();
        rows.push(Row {
            name: p.name,
            insns,
            cells,
        });
    }

    print_table(programs, &rows);
    println!(
        "\nquiver interp / JIT: the quiver runtime (trust_verifier, XDP entry, run_xdp); \
         quiver JIT raw: quiver's Vm, JIT, checked or unchecked memory, raw entry (the call \
         shape of rbpf's); rbpf: rbpf 0.4 \
         EbpfVmRaw, raw entry; kernel JIT: BPF_PROG_TEST_RUN on the XDP entry. A ratio \
         above 1 means slower than quiver's JIT."
    );
    println!();
    println!("Verifiers on the XDP entries (instructions processed):\n");
    println!("| program | quiver verifier | kernel verifier |");
    println!("|---|---|---|");
    for (name, q, k) in &verifier {
        println!("| {name} | {q} | {k} |");
    }
    if !notes.is_empty() {
        println!("\nNot run / notes (n/a in the table):");
        for n in &notes {
            println!("- {n}");
        }
    }
    println!(
        "- solana-sbpf: not run. The programs are -mcpu=v3 code and every one uses 32-bit ALU \
         and JMP32 instructions; no SBPF version runs those with eBPF's meaning (SBPF v0 and \
         v3 sign-extend 32-bit ALU results where eBPF zero-extends, only v3+ has JMP32, v2 \
         re-encodes loads and stores), so it would run different bytecode (a v1 build) or \
         compute different results."
    );
    println!();
    compile_times();

    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/perf.svg");
    match chart(&out, &rows) {
        Ok(()) => println!("\nchart: {}", out.display()),
        Err(e) => eprintln!("chart not drawn: {e}"),
    }
}

/// The quiver verifier's verdict on the XDP entry, with its statistics.
fn quiver_verifier_stats(p: &PerfProgram) -> String {
    let obj = match Object::parse(p.xdp_object) {
        Ok(obj) => obj,
        Err(e) => return format!("object does not parse: {e}"),
    };
    let loader = quiver_bench::perf::quiver_loader(Engine::Interpreter);
    match loader.verify_object(&obj, &quiver_verifier::Options::default()) {
        Err(e) => format!("error: {e}"),
        Ok(verdicts) => match verdicts.iter().find(|v| v.name == p.name) {
            None => "not found".into(),
            Some(v) => match &v.result {
                Ok(a) => format!(
                    "accepted, {} insns, {} states, {:.1} ms",
                    a.stats.insns_processed,
                    a.stats.total_states,
                    a.stats.time.as_secs_f64() * 1e3
                ),
                Err(r) => format!("refused at {}: {}", r.pc, r.message),
            },
        },
    }
}

fn print_table(programs: &[PerfProgram], rows: &[Row]) {
    let mut head = "| program | what | insns |".to_string();
    let mut rule = "|---|---|---:|".to_string();
    for r in RUNTIMES {
        head.push_str(&format!(" {r} ns/run |"));
        rule.push_str("---:|");
    }
    for (n, d) in RATIOS {
        head.push_str(&format!(" {} / {} |", RUNTIMES[n], RUNTIMES[d]));
        rule.push_str("---:|");
    }
    println!("{head}\n{rule}");
    for row in rows {
        let what = programs
            .iter()
            .find(|p| p.name == row.name)
            .map_or("", |p| p.what);
        let mut line = format!("| {} | {what} | {} |", row.name, row.insns);
        for c in &row.cells {
            match c {
                Cell::Ns(ns) if *ns >= 100.0 => line.push_str(&format!(" {ns:.0} |")),
                Cell::Ns(ns) => line.push_str(&format!(" {ns:.1} |")),
                Cell::NotRun => line.push_str(" n/a |"),
            }
        }
        for (n, d) in RATIOS {
            match (row.cells[n].ns(), row.cells[d].ns()) {
                (Some(x), Some(j)) => line.push_str(&format!(" {:.2}x |", x / j)),
                _ => line.push_str(" n/a |"),
            }
        }
        println!("{line}");
    }
}

/// Median of 5 compile times of `compile`, in us per 1,000 instructions.
fn compile_us_per_k(insns: usize, mut compile: impl FnMut() -> Result<(), String>) -> String {
    let mut samples = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        if let Err(e) = compile() {
            return format!("refused: {e}");
        }
        samples.push(start.elapsed().as_secs_f64() * 1e6);
    }
    samples.sort_by(f64::total_cmp);
    format!("{:.0} us", samples[2] / insns as f64 * 1000.0)
}

fn compile_times() {
    println!("JIT compile time per 1,000 instructions (median of 5 compiles):\n");
    println!("| program | insns | quiver JIT (checked) | quiver JIT (unchecked) | rbpf JIT |");
    println!("|---|---:|---:|---:|---:|");
    for (label, size, signed) in [
        ("straight_line, signed division (v4)", 5000, true),
        ("straight_line, unsigned division (v1)", 5000, false),
        ("straight_line, unsigned division (v1)", 300, false),
    ] {
        let program = straight_line(size, signed).expect("a valid program");
        let n = program.insns().len();
        let config = || Config::new().engine(Engine::Jit);
        let checked = compile_us_per_k(n, || {
            Vm::new(&program, config())
                .map(drop)
                .map_err(|e| e.to_string())
        });
        let unchecked = compile_us_per_k(n, || {
            // SAFETY: compiled only, never run.
            unsafe { Vm::new_unchecked(&program, config()) }
                .map(drop)
                .map_err(|e| e.to_string())
        });
        let bytes = program.to_bytes();
        let rbpf = compile_us_per_k(n, || {
            let mut vm = rbpf::EbpfVmRaw::new(Some(&bytes)).map_err(|e| e.to_string())?;
            rbpf_jit_compile(&mut vm)
        });
        println!("| {label} | {n} | {checked} | {unchecked} | {rbpf} |");
    }
}

/// "YYYY-MM-DD" of today (UTC), from the system clock.
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut days = (secs / 86_400) as i64;
    let mut year = 1970;
    loop {
        let len = if is_leap(year) { 366 } else { 365 };
        if days < len {
            break;
        }
        days -= len;
        year += 1;
    }
    let months = [
        31,
        if is_leap(year) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let mut month = 1;
    for m in months {
        if days < m {
            break;
        }
        days -= m;
        month += 1;
    }
    format!("{year}-{month:02}-{:02}", days + 1)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// The CPU's model name from /proc/cpuinfo.
fn machine() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

fn chart(path: &Path, rows: &[Row]) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let all: Vec<f64> = rows
        .iter()
        .flat_map(|r| r.cells.iter().filter_map(Cell::ns))
        .collect();
    // A decade and more of headroom above the tallest bar for the legend.
    let max = all.iter().copied().fold(1.0, f64::max) * 40.0;
    let min = all.iter().copied().fold(f64::MAX, f64::min).max(1.0) / 2.0;
    let root = SVGBackend::new(path, (1200, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let names: Vec<&str> = rows.iter().map(|r| r.name).collect();
    let mut c = ChartBuilder::on(&root)
        .caption(
            format!(
                "ns per run (log scale), same programs and bytes: {}, {}",
                today(),
                machine()
            ),
            ("sans-serif", 18),
        )
        .margin(14)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d(0f64..rows.len() as f64, (min..max).log_scale())?;
    c.configure_mesh()
        .disable_x_mesh()
        .x_labels(rows.len() * 2 + 1)
        .x_label_formatter(&|x| {
            let i = x.floor() as usize;
            if (x - x.floor() - 0.5).abs() < 1e-6 {
                names.get(i).map_or_else(String::new, |n| n.to_string())
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|y| format!("{y:.0}"))
        .y_desc("ns per run")
        .draw()?;
    let colors = [
        RGBColor(230, 159, 0),
        RGBColor(213, 94, 0),
        RGBColor(204, 121, 167),
        RGBColor(120, 60, 140),
        RGBColor(86, 180, 233),
        RGBColor(0, 114, 178),
        RGBColor(0, 158, 115),
    ];
    let width = 0.8 / RUNTIMES.len() as f64;
    for (r, (&name, &color)) in RUNTIMES.iter().zip(colors.iter()).enumerate() {
        let bars: Vec<Rectangle<(f64, f64)>> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, row)| {
                row.cells[r].ns().map(|ns| {
                    let x0 = i as f64 + 0.1 + r as f64 * width;
                    Rectangle::new([(x0, min), (x0 + width * 0.9, ns)], color.filled())
                })
            })
            .collect();
        c.draw_series(bars)?
            .label(name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
    }
    c.configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .label_font(("sans-serif", 12))
        .draw()?;
    root.present()?;
    Ok(())
}
