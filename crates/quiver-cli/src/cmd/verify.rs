//! `quiver verify OBJ`: runs quiver's verifier over the programs of an ELF
//! object (or of every object in a directory) and reports the verdicts,
//! what verification cost, and why a program was refused.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use quiver::Loader;
use quiver::verify::{ProgramVerdict, map_infos, verify_program};
use quiver_obj::Object;
use quiver_verifier::host::Host;
use quiver_verifier::{Options, Stats};
use serde::Serialize;

/// Exit statuses of `quiver verify`.
pub const EXIT_CODES: &str = "\
Exit status:
  0  every selected program was accepted (in a directory: and every object
     parsed)
  1  a program was rejected (in a directory: or an object failed to parse
     or to link; the others are still verified and listed)
  2  bad arguments or unusable input: an unreadable file, not an ELF object,
     an unknown --prog; in a directory: no object in it could be verified";

#[derive(clap::Args)]
pub struct Args {
    /// A BPF ELF object, or a directory: then every `*.o` in it, sorted, one
    /// line per program.
    path: PathBuf,
    /// Verify only this program.
    #[arg(long)]
    prog: Option<String>,
    /// Print the verifier log of every program: 1 the path to an error,
    /// 2 the state at every instruction. Without it, a rejected program's
    /// log is printed at level 1.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=2))]
    log_level: Option<u32>,
    /// Print a JSON array (one object per program) instead of text. In a
    /// directory, objects that failed to parse are entries with verdict
    /// "error" and a message.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    if args.path.is_dir() {
        if args.log_level.is_some() {
            bail!("--log-level needs one object, not a directory");
        }
        return run_dir(&args);
    }
    let object = parse(&args.path)?;
    let host = Loader::new().host();
    let maps = map_infos(&object);
    let programs: Vec<_> = object
        .programs
        .iter()
        .filter(|p| args.prog.as_deref().is_none_or(|n| p.name == n))
        .collect();
    if programs.is_empty() {
        let names: Vec<&str> = object.programs.iter().map(|p| p.name.as_str()).collect();
        match &args.prog {
            Some(name) => bail!(
                "{} has no program {name} (it has: {})",
                args.path.display(),
                names.join(", ")
            ),
            None => bail!("{} has no programs", args.path.display()),
        }
    }
    let file = file_name(&args.path);
    // Text shows a rejected program's log even unasked; JSON only when
    // asked.
    let shown = if args.log_level.is_some() {
        LogShown::Always
    } else if args.json {
        LogShown::Never
    } else {
        LogShown::OnRejection
    };
    let mut reports = Vec::new();
    for p in programs {
        let verdict = verify_one(&host, &object, &maps, p, args.log_level, shown)
            .with_context(|| format!("{}: program {}", args.path.display(), p.name))?;
        reports.push(Report::new(&file, verdict, shown));
    }
    let rejected = reports.iter().any(|r| r.verdict != "accepted");
    if args.json {
        quiver_cli::out::print(&(serde_json::to_string_pretty(&reports)? + "\n"))?;
    } else {
        let blocks: Vec<String> = reports.iter().map(Report::render).collect();
        quiver_cli::out::print(&blocks.join("\n"))?;
    }
    Ok(if rejected {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn parse(path: &Path) -> Result<Object> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Object::parse(&bytes).with_context(|| format!("{}", path.display()))
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Verifies one program. The log costs time, so without a log level the
/// verdict and statistics come from a run without one, and a rejected
/// program is verified again at level 1 when its log is to be shown.
fn verify_one(
    host: &Host,
    object: &Object,
    maps: &[quiver_verifier::MapInfo],
    p: &quiver_obj::ObjProgram,
    log_level: Option<u32>,
    shown: LogShown,
) -> Result<ProgramVerdict> {
    let options = Options {
        log_level: log_level.unwrap_or(0),
        ..Options::default()
    };
    let mut verdict = verify_program(host, object, maps, p, &options)?;
    if log_level.is_none()
        && shown == LogShown::OnRejection
        && let Err(rejected) = &mut verdict.result
    {
        let again = Options {
            log_level: 1,
            ..options
        };
        if let Err(logged) = verify_program(host, object, maps, p, &again)?.result {
            rejected.log = logged.log;
        }
    }
    Ok(verdict)
}

/// Which verifier logs a report keeps.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LogShown {
    Never,
    OnRejection,
    Always,
}

/// One program's verdict, as printed (and as the JSON fields).
#[derive(Serialize)]
struct Report {
    file: String,
    name: String,
    section: String,
    program_type: Option<String>,
    verdict: &'static str,
    pc: Option<usize>,
    insn: Option<String>,
    kind: Option<String>,
    message: Option<String>,
    source_line: Option<String>,
    hint: Option<String>,
    insns_processed: u64,
    total_states: u64,
    peak_states: u64,
    max_states_per_insn: u64,
    stack_depth: Vec<u32>,
    time_us: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    log: Option<String>,
}

impl Report {
    fn new(file: &str, v: ProgramVerdict, shown: LogShown) -> Report {
        let (stats, log) = match &v.result {
            Ok(a) => (&a.stats, a.log.clone()),
            Err(r) => (&r.stats, r.log.clone()),
        };
        let stats: Stats = stats.clone();
        let mut report = Report {
            file: file.to_string(),
            name: v.name,
            section: v.section,
            program_type: v.program_type,
            verdict: "accepted",
            pc: None,
            insn: None,
            kind: None,
            message: None,
            source_line: None,
            hint: None,
            insns_processed: stats.insns_processed,
            total_states: stats.total_states,
            peak_states: stats.peak_states,
            max_states_per_insn: stats.max_states_per_insn,
            stack_depth: stats.stack_depth,
            time_us: stats.time.as_micros() as u64,
            log: (shown == LogShown::Always).then(|| log.clone()),
        };
        if let Err(r) = v.result {
            report.verdict = "rejected";
            report.pc = Some(r.pc);
            report.insn = Some(r.insn);
            report.kind = Some(format!("{:?}", r.kind));
            report.message = Some(r.message);
            report.source_line = r.source_line;
            report.hint = r.hint;
            if shown == LogShown::OnRejection {
                report.log = Some(log);
            }
        }
        report
    }

    /// The text block of one program.
    fn render(&self) -> String {
        let mut out = format!(
            "{} (section {}, type {}): {}\n",
            self.name,
            self.section,
            self.program_type.as_deref().unwrap_or("unknown"),
            self.verdict
        );
        if let (Some(pc), Some(insn), Some(message)) = (self.pc, &self.insn, &self.message) {
            out += &format!("  error:       {pc}: {insn}: {message}\n");
            if let Some(line) = &self.source_line {
                out += &format!("  source:      {line}\n");
            }
            if let Some(hint) = &self.hint {
                out += &format!("  hint:        {hint}\n");
            }
        }
        let depths: Vec<String> = self.stack_depth.iter().map(u32::to_string).collect();
        out += &format!(
            "  insns:       {} processed\n  states:      {} total, {} peak, {} max per insn\n  stack depth: {}\n  time:        {} µs\n",
            self.insns_processed,
            self.total_states,
            self.peak_states,
            self.max_states_per_insn,
            if depths.is_empty() {
                "0".to_string()
            } else {
                depths.join("+")
            },
            self.time_us
        );
        if let Some(log) = self.log.as_deref().filter(|l| !l.is_empty()) {
            out += "  log:\n";
            for line in log.lines() {
                out += &format!("    {line}\n");
            }
        }
        out
    }
}

/// An object of a directory that could not be verified (or one of its
/// programs).
#[derive(Serialize)]
struct Failure {
    file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    verdict: &'static str,
    message: String,
}

/// An element of a directory's JSON array.
#[derive(Serialize)]
#[serde(untagged)]
enum Entry<'a> {
    Program(&'a Report),
    Failure(&'a Failure),
}

/// `quiver verify DIR`: every `*.o`, one line per program.
fn run_dir(args: &Args) -> Result<ExitCode> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(&args.path)
        .with_context(|| format!("cannot read {}", args.path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "o"))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("{}: no *.o objects in the directory", args.path.display());
    }
    let host = Loader::new().host();
    let mut reports = Vec::new();
    let mut failures = Vec::new();
    let mut objects = 0usize;
    for path in &files {
        let file = file_name(path);
        let object = match parse(path) {
            Ok(o) => o,
            Err(e) => {
                failures.push(Failure {
                    file,
                    name: None,
                    verdict: "error",
                    message: format!("{:#}", e.root_cause()),
                });
                continue;
            }
        };
        objects += 1;
        let maps = map_infos(&object);
        for p in &object.programs {
            if args.prog.as_deref().is_some_and(|n| p.name != n) {
                continue;
            }
            match verify_one(&host, &object, &maps, p, None, LogShown::Never) {
                Ok(v) => reports.push(Report::new(&file, v, LogShown::Never)),
                Err(e) => failures.push(Failure {
                    file: file.clone(),
                    name: Some(p.name.clone()),
                    verdict: "error",
                    message: format!("{e:#}"),
                }),
            }
        }
    }
    if let Some(name) = &args.prog
        && reports.is_empty()
        && failures.iter().all(|f| f.name.is_none())
    {
        bail!("no object in {} has a program {name}", args.path.display());
    }
    if reports.is_empty() && objects == 0 {
        // Say why before giving up.
        for f in &failures {
            eprintln!("quiver: {}: {}", f.file, f.message);
        }
        bail!("{}: no object could be verified", args.path.display());
    }
    let rejected = reports.iter().filter(|r| r.verdict != "accepted").count();
    if args.json {
        let all: Vec<Entry> = reports
            .iter()
            .map(Entry::Program)
            .chain(failures.iter().map(Entry::Failure))
            .collect();
        quiver_cli::out::print(&(serde_json::to_string_pretty(&all)? + "\n"))?;
    } else {
        let mut lines = quiver_cli::out::Lines::default();
        let header = [
            "FILE", "PROGRAM", "VERDICT", "INSNS", "STATES", "PEAK", "TIME_US",
        ]
        .map(String::from);
        let rows: Vec<[String; 7]> = std::iter::once(header)
            .chain(reports.iter().map(|r| {
                [
                    r.file.clone(),
                    r.name.clone(),
                    r.verdict.to_string(),
                    r.insns_processed.to_string(),
                    r.total_states.to_string(),
                    r.peak_states.to_string(),
                    r.time_us.to_string(),
                ]
            }))
            .collect();
        let mut width = [0usize; 7];
        for row in &rows {
            for (w, cell) in width.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        for row in &rows {
            // Names left, numbers right.
            let cells: Vec<String> = row
                .iter()
                .zip(width)
                .enumerate()
                .map(|(i, (cell, w))| {
                    if i < 3 {
                        format!("{cell:<w$}")
                    } else {
                        format!("{cell:>w$}")
                    }
                })
                .collect();
            lines.line(cells.join("  ").trim_end());
        }
        lines.line("");
        let unparsed = failures.iter().filter(|f| f.name.is_none()).count();
        let unlinked = failures.len() - unparsed;
        let mut summary = format!(
            "{} programs in {} objects: {} accepted, {} rejected; {} objects failed to parse",
            reports.len(),
            objects,
            reports.len() - rejected,
            rejected,
            unparsed
        );
        if unlinked > 0 {
            summary += &format!("; {unlinked} programs failed to link");
        }
        lines.line(&summary);
        for r in reports.iter().filter(|r| r.verdict != "accepted") {
            lines.line(&format!(
                "rejected {} {}: {}: {}: {}",
                r.file,
                r.name,
                r.pc.unwrap_or(0),
                r.insn.as_deref().unwrap_or(""),
                r.message.as_deref().unwrap_or("")
            ));
        }
        for f in &failures {
            match &f.name {
                Some(name) => lines.line(&format!("error {} {name}: {}", f.file, f.message)),
                None => lines.line(&format!("error {}: {}", f.file, f.message)),
            }
        }
        lines.finish()?;
    }
    Ok(if rejected > 0 || !failures.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
