//! The verifier agreement corpus: every `tests/corpus/*.s` is a small
//! program labelled with the Linux kernel's verdict on it. This harness
//! loads each one into the running kernel and checks the labels still hold;
//! `QUIVER_BLESS=1` rewrites the `; kernel:` and `; kernel-error:` lines
//! from the live kernel instead. See `tests/corpus/README.md`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use quiver_isa::asm::{Syntax, assemble};
use quiver_isa::{Insn, Pseudo};

/// Linux `enum bpf_prog_type` by the names the headers use.
const PROG_TYPES: &[(&str, u32)] = &[
    ("socket_filter", 1),
    ("kprobe", 2),
    ("sched_cls", 3),
    ("sched_act", 4),
    ("tracepoint", 5),
    ("xdp", 6),
    ("perf_event", 7),
    ("cgroup_skb", 8),
    ("cgroup_sock", 9),
    ("lwt_in", 10),
    ("lwt_out", 11),
    ("lwt_xmit", 12),
    ("sock_ops", 13),
    ("sk_skb", 14),
    ("cgroup_device", 15),
    ("sk_msg", 16),
    ("raw_tracepoint", 17),
    ("cgroup_sock_addr", 18),
    ("flow_dissector", 22),
    ("cgroup_sysctl", 23),
    ("cgroup_sockopt", 25),
    ("syscall", 31),
];

/// Linux `enum bpf_map_type` by the names the `; maps:` header uses.
const MAP_TYPES: &[(&str, u32)] = &[
    ("hash", 1),
    ("array", 2),
    ("prog_array", 3),
    ("percpu_hash", 5),
    ("percpu_array", 6),
    ("lru_hash", 9),
    ("lru_percpu_hash", 10),
    ("queue", 22),
    ("stack", 23),
    ("ringbuf", 27),
];

fn lookup(table: &[(&str, u32)], name: &str) -> Option<u32> {
    table.iter().find(|(n, _)| *n == name).map(|&(_, id)| id)
}

/// A map declared in the `; maps:` header.
#[derive(Debug)]
struct MapDecl {
    name: String,
    map_type: u32,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
}

/// The kernel's verdict as the labels state it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    Accept,
    Reject(String),
}

/// One corpus file, parsed.
#[derive(Debug)]
struct Case {
    path: PathBuf,
    text: String,
    prog_type: u32,
    /// `BPF_PROG_LOAD` flags from the optional `; prog_flags:` header.
    prog_flags: u32,
    maps: Vec<MapDecl>,
    /// `None` when the `; kernel:` header is missing (allowed only when
    /// blessing).
    expected: Option<Verdict>,
    insns: Vec<Insn>,
}

/// The `; key: value` lines at the top of a file, up to the first line
/// that is not a comment.
fn headers(text: &str) -> Vec<(&str, &str)> {
    text.lines()
        .map_while(|l| l.trim().strip_prefix(';'))
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

fn parse_maps(spec: &str) -> Result<Vec<MapDecl>, String> {
    spec.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|decl| {
            let (name, rest) = decl
                .split_once('=')
                .ok_or_else(|| format!("map `{decl}`: expected NAME=TYPE:KEY:VALUE:MAX"))?;
            let parts: Vec<&str> = rest.split(':').map(str::trim).collect();
            let [ty, key, value, max] = parts[..] else {
                return Err(format!("map `{decl}`: expected NAME=TYPE:KEY:VALUE:MAX"));
            };
            let num = |s: &str| {
                s.parse::<u32>()
                    .map_err(|e| format!("map `{decl}`: `{s}`: {e}"))
            };
            Ok(MapDecl {
                name: name.trim().to_string(),
                map_type: lookup(MAP_TYPES, ty)
                    .ok_or_else(|| format!("map `{decl}`: unknown map type `{ty}`"))?,
                key_size: num(key)?,
                value_size: num(value)?,
                max_entries: num(max)?,
            })
        })
        .collect()
}

fn parse_case(path: &Path) -> Result<Case, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("read: {e}"))?;
    let hs = headers(&text);
    let get = |key: &str| hs.iter().find(|(k, _)| *k == key).map(|&(_, v)| v);
    let ty = get("prog_type").ok_or("missing `; prog_type:` header")?;
    let prog_type = lookup(PROG_TYPES, ty).ok_or_else(|| format!("unknown prog_type `{ty}`"))?;
    if get("what").is_none_or(str::is_empty) {
        return Err("missing `; what:` header".into());
    }
    let maps = get("maps").map_or(Ok(Vec::new()), parse_maps)?;
    let mut prog_flags = 0;
    for flag in get("prog_flags").unwrap_or("").split(',').map(str::trim) {
        prog_flags |= match flag {
            "" => 0,
            "sleepable" => quiver_kernel::F_SLEEPABLE,
            other => return Err(format!("unknown prog_flags `{other}`")),
        };
    }
    let expected = match get("kernel") {
        None => None,
        Some("accept") => Some(Verdict::Accept),
        Some("reject") => Some(Verdict::Reject(
            get("kernel-error")
                .ok_or("`; kernel: reject` without a `; kernel-error:` header")?
                .to_string(),
        )),
        Some(other) => return Err(format!("`; kernel: {other}`: expected accept or reject")),
    };
    let insns = assemble(&text, Syntax::Llvm)
        .map_err(|e| format!("line {}:{}: {}", e.line, e.column, e.message))?;
    for insn in &insns {
        if let Insn::LoadImm64 {
            pseudo: Pseudo::MapFd | Pseudo::MapValue,
            imm,
            ..
        } = insn
            && (*imm & 0xffff_ffff) as usize >= maps.len()
        {
            return Err(format!(
                "refers to map {} but the header declares {}",
                imm & 0xffff_ffff,
                maps.len()
            ));
        }
    }
    Ok(Case {
        path: path.to_path_buf(),
        text,
        prog_type,
        prog_flags,
        maps,
        expected,
        insns,
    })
}

/// The line of a verifier log that says why: the last one that is not
/// blank, the closing statistics or a state dump, and not one of the
/// generic summaries the kernel prints after a more precise message
/// (`R0 min value is outside of the allowed memory range` after
/// `invalid access to map value, value_size=8 off=8 size=8`).
fn reason(log: &str) -> String {
    // Some messages lack their newline and run into the statistics.
    let strip_stats = |l: &str| match l.find("processed ") {
        Some(i) if l[i + 10..].split(' ').nth(1) == Some("insns") => l[..i].trim().to_string(),
        _ => l.trim().to_string(),
    };
    let lines: Vec<String> = log
        .lines()
        .map(strip_stats)
        .filter(|l| {
            !l.is_empty()
                && !l.starts_with("cur state:")
                && !l.starts_with("old state:")
                && !l.starts_with("verification time")
                && !l.starts_with("stack depth")
        })
        .collect();
    let summary = |l: &str| {
        l.starts_with('R')
            && (l.ends_with(" value is outside of the allowed memory range")
                || l.ends_with(" offset is outside of the packet"))
    };
    match lines.as_slice() {
        [.., before, last] if summary(last) => before.clone(),
        [.., last] => last.clone(),
        [] => String::new(),
    }
}

/// Creates the declared maps, patches their fds in and asks the kernel.
fn run_kernel(case: &Case) -> Result<Verdict, String> {
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
                0,
            )
            .map_err(|e| format!("creating map {}: {e}", m.name))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let insns: Vec<Insn> = case
        .insns
        .iter()
        .map(|insn| match *insn {
            Insn::LoadImm64 {
                dst,
                pseudo: pseudo @ (Pseudo::MapFd | Pseudo::MapValue),
                imm,
            } => {
                let fd = maps[(imm & 0xffff_ffff) as usize].raw_fd() as u32;
                Insn::LoadImm64 {
                    dst,
                    pseudo,
                    imm: (imm & !0xffff_ffff) | u64::from(fd),
                }
            }
            other => other,
        })
        .collect();
    // Encoded without `Program`'s checks: jumps out of range and the like
    // are cases for the kernel to refuse.
    let bytes = quiver_isa::encode(&insns);
    let opts = quiver_kernel::LoadOptions {
        log_level: 1,
        prog_flags: case.prog_flags,
        ..Default::default()
    };
    match quiver_kernel::load(case.prog_type, &bytes, "GPL", &opts) {
        Ok(_) => Ok(Verdict::Accept),
        Err(e) => {
            if std::env::var_os("QUIVER_CORPUS_LOG").is_some() {
                println!("--- {}\n{}", case.path.display(), e.log);
            }
            Ok(Verdict::Reject(reason(&e.log)))
        }
    }
}

/// The file with its `; kernel:` and `; kernel-error:` lines replaced by
/// `verdict`, where the old `; kernel:` line was or else at the end of the
/// header block.
fn blessed(text: &str, verdict: &Verdict) -> String {
    let mut labels = String::new();
    match verdict {
        Verdict::Accept => labels.push_str("; kernel: accept\n"),
        Verdict::Reject(why) => {
            let _ = write!(labels, "; kernel: reject\n; kernel-error: {why}\n");
        }
    }
    let is_label = |l: &str| {
        let l = l.trim_start().trim_start_matches(';').trim_start();
        l.starts_with("kernel:") || l.starts_with("kernel-error:")
    };
    let header_len = text
        .lines()
        .take_while(|l| l.trim_start().starts_with(';'))
        .count();
    let first_label = text.lines().take(header_len).position(is_label);
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if Some(i) == first_label || (first_label.is_none() && i == header_len) {
            out.push_str(&labels);
        }
        if i < header_len && is_label(line) {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    if first_label.is_none() && header_len == text.lines().count() {
        out.push_str(&labels);
    }
    out
}

fn corpus_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("reading the corpus directory").path())
        .filter(|p| p.extension().is_some_and(|x| x == "s"))
        .collect();
    files.sort();
    files
}

fn show(v: &Verdict) -> String {
    match v {
        Verdict::Accept => "accept".into(),
        Verdict::Reject(why) => format!("reject: {why}"),
    }
}

#[test]
fn kernel_corpus() {
    let bless = std::env::var_os("QUIVER_BLESS").is_some_and(|v| v == "1");
    let files = corpus_files();
    assert!(!files.is_empty(), "the corpus is empty");
    let mut problems = Vec::new();
    let mut cases = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        match parse_case(path) {
            Ok(case) if case.expected.is_none() && !bless => {
                problems.push(format!(
                    "{name}: missing `; kernel:` header (bless to fill)"
                ));
            }
            Ok(case) => cases.push(case),
            Err(e) => problems.push(format!("{name}: {e}")),
        }
    }
    if let Err(why) = quiver_kernel::available() {
        println!("kernel corpus: skipped: {why}");
        for p in &problems {
            println!("{p}");
        }
        assert!(
            problems.is_empty(),
            "{} malformed corpus files",
            problems.len()
        );
        return;
    }
    let (mut accept, mut reject, mut disagree) = (0, 0, 0);
    for case in &cases {
        let name = case.path.file_name().unwrap_or_default().to_string_lossy();
        let got = match run_kernel(case) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("{name}: {e}"));
                continue;
            }
        };
        match got {
            Verdict::Accept => accept += 1,
            Verdict::Reject(_) => reject += 1,
        }
        if case.expected.as_ref() == Some(&got) {
            continue;
        }
        if bless {
            std::fs::write(&case.path, blessed(&case.text, &got))
                .unwrap_or_else(|e| panic!("{}: {e}", case.path.display()));
            println!("blessed {name}: {}", show(&got));
        } else {
            disagree += 1;
            let want = case.expected.as_ref().map_or("?".into(), show);
            println!(
                "disagree {name}: labelled {want}; kernel says {}",
                show(&got)
            );
        }
    }
    for p in &problems {
        println!("{p}");
    }
    println!(
        "kernel corpus: {} programs, {accept} accept, {reject} reject, {disagree} disagree",
        cases.len()
    );
    assert!(
        problems.is_empty(),
        "{} malformed corpus files",
        problems.len()
    );
    assert_eq!(disagree, 0, "the kernel disagrees with {disagree} labels");
}

#[test]
fn bless_rewrites_only_the_labels() {
    let text = "; prog_type: xdp\n; kernel: accept\n; what: x\nr0 = 0\nexit\n";
    let want = "; prog_type: xdp\n; kernel: reject\n; kernel-error: R0 !read_ok\n; what: x\nr0 = 0\nexit\n";
    assert_eq!(blessed(text, &Verdict::Reject("R0 !read_ok".into())), want);
    let text = "; prog_type: xdp\n; what: x\nexit\n";
    assert_eq!(
        blessed(text, &Verdict::Accept),
        "; prog_type: xdp\n; what: x\n; kernel: accept\nexit\n"
    );
}

#[test]
fn reason_skips_statistics_and_summaries() {
    let stats = "processed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n";
    assert_eq!(
        reason(&format!("0: (95) exit\nR0 !read_ok\n{stats}")),
        "R0 !read_ok"
    );
    assert_eq!(
        reason(&format!("expected prog array map for tail call{stats}")),
        "expected prog array map for tail call"
    );
    assert_eq!(
        reason(&format!(
            "infinite loop detected at insn 1\ncur state: R1=0\nold state: R1=0\n{stats}"
        )),
        "infinite loop detected at insn 1"
    );
    assert_eq!(
        reason(
            "invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)\nR2 offset is outside of the packet\n"
        ),
        "invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)"
    );
}
