//! The verifier agreement corpus: every `tests/corpus/*.s` is a small
//! program labelled with the Linux kernel's verdict on it. This harness
//! loads each one into the running kernel and checks the labels still hold;
//! `QUIVER_BLESS=1` rewrites the `; kernel:` and `; kernel-error:` lines
//! from the live kernel instead. See `tests/corpus/README.md`.

mod common;

use std::fmt::Write as _;
use std::sync::OnceLock;

use common::btf::{VmlinuxFuncs, case_btf, create_map_with_btf};
use common::corpus::{Case, Verdict, load_corpus};
use quiver_isa::{CallTarget, Insn, Pseudo};

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

/// The running kernel's function ids, read once.
fn vmlinux() -> Result<&'static VmlinuxFuncs, String> {
    static FUNCS: OnceLock<Result<VmlinuxFuncs, String>> = OnceLock::new();
    FUNCS
        .get_or_init(|| VmlinuxFuncs::load().map_err(|e| format!("/sys/kernel/btf/vmlinux: {e}")))
        .as_ref()
        .map_err(Clone::clone)
}

/// Creates the declared maps (and the BTF the case needs), patches map
/// fds and kfunc ids in and asks the kernel.
fn run_kernel(case: &Case) -> Result<Verdict, String> {
    let btf = case_btf(case);
    let kernel_btf = btf
        .as_ref()
        .map(|b| {
            quiver_kernel::KernelBtf::load(&b.bytes)
                .map_err(|e| format!("loading the case's BTF: {}: {}", e.errno, e.log.trim()))
        })
        .transpose()?;
    let maps = case
        .maps
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let typed = btf
                .as_ref()
                .and_then(|b| b.maps[i])
                .zip(kernel_btf.as_ref());
            match typed {
                Some(((key, value), kb)) => create_map_with_btf(m, kb, key, value),
                None => quiver_kernel::Map::create(
                    &m.name,
                    m.map_type,
                    m.key_size,
                    m.value_size,
                    m.max_entries,
                    m.flags,
                ),
            }
            .map_err(|e| format!("creating map {}: {e}", m.name))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut insns = Vec::with_capacity(case.insns.len());
    for insn in &case.insns {
        insns.push(match *insn {
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
            Insn::Call(CallTarget::Kfunc { btf_id, module }) => {
                let name = &case.kfuncs[btf_id as usize];
                let id = vmlinux()?
                    .id(name)
                    .ok_or_else(|| format!("kfunc `{name}` is not in this kernel's BTF"))?;
                Insn::Call(CallTarget::Kfunc {
                    btf_id: id as i32,
                    module,
                })
            }
            other => other,
        });
    }
    // Encoded without `Program`'s checks: jumps out of range and the like
    // are cases for the kernel to refuse.
    let bytes = quiver_isa::encode(&insns);
    let opts = quiver_kernel::LoadOptions {
        log_level: 1,
        prog_flags: case.prog_flags,
        ..Default::default()
    };
    let func_info = btf.as_ref().map_or(&[][..], |b| b.func_info.as_slice());
    let prog_btf = kernel_btf
        .as_ref()
        .filter(|_| !func_info.is_empty())
        .map(|kb| (kb, func_info));
    let loaded = quiver_kernel::load_with_btf(case.prog_type_id, &bytes, "GPL", &opts, prog_btf);
    drop(maps);
    match loaded {
        Ok(_) => Ok(Verdict::Accept),
        Err(e) => {
            if std::env::var_os("QUIVER_CORPUS_LOG").is_some() {
                println!("--- {}\n{}", case.path.display(), e.log);
            }
            let why = reason(&e.log);
            if why.is_empty() {
                // Refused before the verifier ran (bad attributes).
                return Ok(Verdict::Reject(format!("no verifier log: {}", e.errno)));
            }
            Ok(Verdict::Reject(why))
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

fn show(v: &Verdict) -> String {
    match v {
        Verdict::Accept => "accept".into(),
        Verdict::Reject(why) => format!("reject: {why}"),
    }
}

#[test]
fn kernel_corpus() {
    let bless = std::env::var_os("QUIVER_BLESS").is_some_and(|v| v == "1");
    let files = load_corpus();
    assert!(!files.is_empty(), "the corpus is empty");
    // `QUIVER_CORPUS_FILTER=spill-` runs only the files whose name
    // contains the string (handy while writing new cases).
    let filter = std::env::var("QUIVER_CORPUS_FILTER").unwrap_or_default();
    let mut problems = Vec::new();
    let mut cases = Vec::new();
    for (path, parsed) in files {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if !name.contains(filter.as_str()) {
            continue;
        }
        match parsed {
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
        let name = case.name();
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

#[test]
fn case_btf_has_one_func_per_subprogram() {
    let text = "; prog_type: socket_filter\n; maps: m=array:4:8:1:rdonly_prog:spin_lock@0\n\
                ; btf: func_info, global=2:1, args=1:0\n; what: x\n\
                r1 = func(cb) ll\ncall f\nexit\nf:\nr0 = 0\nexit\ncb:\nr0 = 0\nexit\n";
    let dir = std::env::temp_dir().join(format!("quiver-corpus-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("x.s");
    std::fs::write(&path, text).unwrap();
    let case = common::corpus::parse_case(&path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(case.maps[0].flags, 1 << 7);
    assert_eq!(
        [0, 1, 2].map(|i| case.btf.nargs(i)),
        [common::corpus::BtfSpec::DEFAULT_ARGS, 0, 1]
    );
    assert_eq!(common::corpus::subprog_starts(&case.insns), [0, 4, 6]);
    let btf = case_btf(&case).unwrap();
    let funcs = VmlinuxFuncs::parse(&btf.bytes).unwrap();
    let ids: Vec<u32> = btf.func_info.iter().map(|&(_, id)| id).collect();
    assert_eq!(
        ["main", "f1", "f2"].map(|n| funcs.id(n).unwrap()).to_vec(),
        ids
    );
    assert_eq!(
        btf.func_info.iter().map(|&(pc, _)| pc).collect::<Vec<_>>(),
        [0, 4, 6]
    );
    assert!(btf.maps[0].is_some());
}
