//! quiver's verifier against the Linux kernel's verdicts: every program
//! of the agreement corpus (`crates/quiver-verifier/tests/corpus`,
//! labelled by the kernel) is verified with quiver's Linux host
//! description, and the verdicts compared.
//!
//! Every disagreement must be listed, with its reason, in
//! `tests/corpus/DISAGREEMENTS.md`; a listed case that now agrees must be
//! removed from it. The agreement figure is printed and must stay at or
//! above 95%.

#[path = "../../quiver-verifier/tests/common/corpus.rs"]
#[allow(dead_code)]
mod corpus;

use std::collections::{BTreeMap, BTreeSet};

use corpus::{Case, ValueField, Verdict};
use quiver_isa::Program;
use quiver_verifier::{MapInfo, Options, verify};

/// `BPF_F_RDONLY_PROG`.
const F_RDONLY_PROG: u32 = 1 << 7;

fn map_infos(case: &Case) -> Vec<MapInfo> {
    case.maps
        .iter()
        .map(|m| MapInfo {
            name: m.name.clone(),
            map_type: m.map_type,
            key_size: m.key_size,
            value_size: m.value_size,
            max_entries: m.max_entries,
            map_flags: m.flags,
            rdonly_prog: m.flags & F_RDONLY_PROG != 0,
            spin_lock_off: m
                .btf
                .as_ref()
                .and_then(|b| b.fields.iter().map(|ValueField::SpinLock(off)| *off).next()),
            timer_off: None,
            wq_off: None,
        })
        .collect()
}

/// quiver's verdict on a case.
fn quiver_verdict(host: &quiver_verifier::host::Host, case: &Case) -> Verdict {
    let program = match Program::from_insns(case.insns.clone()) {
        Ok(p) => p,
        Err(e) => return Verdict::Reject(e.to_string()),
    };
    let kfuncs: BTreeMap<i32, String> = case
        .kfuncs
        .iter()
        .enumerate()
        .map(|(i, n)| (i as i32, n.clone()))
        .collect();
    let maps = map_infos(case);
    let starts = corpus::subprog_starts(&case.insns);
    let global_funcs: Vec<(usize, u32)> = case
        .btf
        .global
        .iter()
        .filter_map(|&n| Some((program.index_at(*starts.get(n)?)?, case.btf.nargs(n))))
        .collect();
    let input = quiver_verifier::Input {
        program: &program,
        program_type: &case.prog_type,
        sleepable: case.sleepable,
        maps: &maps,
        kfuncs: &kfuncs,
        source_line: None,
        func_info: case.btf.func_info,
        global_funcs: &global_funcs,
    };
    match verify(host, &input, &Options::default()) {
        Ok(_) => Verdict::Accept,
        Err(r) => Verdict::Reject(r.message.clone()),
    }
}

/// The file names `DISAGREEMENTS.md` lists.
fn listed() -> BTreeSet<String> {
    let path = corpus::corpus_dir().join("DISAGREEMENTS.md");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    // Every `name.s` in backquotes names a listed case.
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|t| t.ends_with(".s"))
        .map(str::to_string)
        .collect()
}

#[test]
fn agreement_with_linux() {
    let host = quiver::linux_host::linux_host();
    let (mut same, mut same_msg, mut total) = (0usize, 0usize, 0usize);
    let mut differ = Vec::new();
    for (path, case) in corpus::load_corpus() {
        let case = case.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let Some(expected) = case.expected.clone() else {
            panic!("{}: no `; kernel:` label", case.name());
        };
        total += 1;
        let got = quiver_verdict(&host, &case);
        match (&expected, &got) {
            (Verdict::Accept, Verdict::Accept) => {
                same += 1;
                same_msg += 1;
            }
            (Verdict::Reject(a), Verdict::Reject(b)) => {
                same += 1;
                if a == b {
                    same_msg += 1;
                }
            }
            _ => differ.push((case.name(), expected, got)),
        }
    }
    let listed = listed();
    let mut unlisted = Vec::new();
    for (name, expected, got) in &differ {
        let show = |v: &Verdict| match v {
            Verdict::Accept => "accept".to_string(),
            Verdict::Reject(m) => format!("reject ({m})"),
        };
        println!(
            "disagree: {name}: kernel {}, quiver {}",
            show(expected),
            show(got)
        );
        if !listed.contains(name) {
            unlisted.push(name.clone());
        }
    }
    let names: BTreeSet<&String> = differ.iter().map(|(n, _, _)| n).collect();
    let stale: Vec<&String> = listed.iter().filter(|n| !names.contains(n)).collect();
    let pct = 100.0 * same as f64 / total.max(1) as f64;
    println!(
        "verifier agreement with Linux: {same}/{total} verdicts ({pct:.1}%), {same_msg}/{total} with the same message"
    );
    assert!(pct >= 95.0, "agreement {pct:.1}% is below 95%");
    assert!(
        unlisted.is_empty(),
        "disagreements not in DISAGREEMENTS.md: {unlisted:?}"
    );
    assert!(
        stale.is_empty(),
        "DISAGREEMENTS.md lists cases that now agree: {stale:?}"
    );
}
