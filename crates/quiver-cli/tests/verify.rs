//! `quiver verify` as a user runs it: verdicts, statistics, errors with
//! their source line and hint, JSON, directories, exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn quiver(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_quiver"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh directory of its own for one test.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("quiver-verify-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// socket_counter.v3.g.o with its first instruction, `r6 = r1`, turned
/// into `r6 = r2`: r2 is read before it is written.
fn uninit_register_object() -> Vec<u8> {
    let mut bytes = std::fs::read(root().join("fixtures/obj/socket_counter.v3.g.o")).unwrap();
    let u16_at = |b: &[u8], o: usize| u16::from_le_bytes([b[o], b[o + 1]]) as usize;
    let u32_at = |b: &[u8], o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap()) as usize;
    let u64_at = |b: &[u8], o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap()) as usize;
    let shoff = u64_at(&bytes, 0x28);
    let shentsize = u16_at(&bytes, 0x3a);
    let shnum = u16_at(&bytes, 0x3c);
    let shstrndx = u16_at(&bytes, 0x3e);
    let strtab = u64_at(&bytes, shoff + shstrndx * shentsize + 0x18);
    let text = (0..shnum)
        .map(|i| shoff + i * shentsize)
        .find(|&h| {
            let n = strtab + u32_at(&bytes, h);
            bytes[n..].starts_with(b"socket\0")
        })
        .map(|h| u64_at(&bytes, h + 0x18))
        .expect("a socket section");
    assert_eq!(bytes[text..text + 2], [0xbf, 0x16], "r6 = r1");
    bytes[text + 1] = 0x26;
    bytes
}

#[test]
fn an_accepted_program_shows_its_verdict_and_statistics() {
    let o = quiver(&["verify", "fixtures/obj/socket_counter.v3.g.o"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let out = stdout(&o);
    assert!(
        out.starts_with("count_packets (section socket, type socket_filter): accepted\n"),
        "{out}"
    );
    for field in [
        "insns:",
        "processed",
        "states:",
        "peak",
        "stack depth:",
        "time:",
    ] {
        assert!(out.contains(field), "{field} missing: {out}");
    }
    // No log unless asked for, or rejected.
    assert!(!out.contains("log:"), "{out}");
}

#[test]
fn log_level_prints_the_log_of_an_accepted_program() {
    let o = quiver(&[
        "verify",
        "fixtures/obj/xdp_parse.v3.g.o",
        "--log-level",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let out = stdout(&o);
    assert!(out.contains("  log:\n"), "{out}");
    assert!(out.contains("R1=ctx()"), "level 2 shows states: {out}");
}

#[test]
fn json_has_every_field() {
    let o = quiver(&["verify", "--json", "fixtures/obj/syscall_ctx.v3.g.o"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let programs = v.as_array().unwrap();
    assert_eq!(programs.len(), 1);
    let p = &programs[0];
    assert_eq!(p["name"], "sum_args");
    assert_eq!(p["section"], "syscall");
    assert_eq!(p["program_type"], "syscall");
    assert_eq!(p["verdict"], "accepted");
    for field in ["pc", "insn", "kind", "message", "source_line", "hint"] {
        assert!(p[field].is_null(), "{field}: {p}");
    }
    for field in [
        "insns_processed",
        "total_states",
        "peak_states",
        "max_states_per_insn",
        "time_us",
    ] {
        assert!(p[field].is_u64(), "{field}: {p}");
    }
    assert!(p["insns_processed"].as_u64().unwrap() > 0);
    assert!(p["stack_depth"].is_array());
    assert!(p.get("log").is_none(), "no log unless asked for: {p}");

    let o = quiver(&[
        "verify",
        "--json",
        "--log-level",
        "1",
        "fixtures/obj/syscall_ctx.v3.g.o",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v[0]["log"].as_str().unwrap().contains("processed"), "{v}");
}

#[test]
fn a_rejected_program_shows_where_why_and_the_log() {
    let dir = scratch("rejected");
    let bad = dir.join("bad.o");
    std::fs::write(&bad, uninit_register_object()).unwrap();
    let o = quiver(&["verify", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let out = stdout(&o);
    assert!(out.contains("count_packets"), "{out}");
    assert!(out.contains(": rejected\n"), "{out}");
    assert!(
        out.contains("error:       0: r6 = r2: R2 !read_ok"),
        "{out}"
    );
    assert!(
        out.contains("source:      int count_packets(struct __sk_buff *skb)"),
        "{out}"
    );
    assert!(out.contains("hint:"), "{out}");
    // The log, at level 1, though none was asked for.
    assert!(out.contains("  log:\n"), "{out}");
    assert!(out.contains("0: (bf) r6 = r2"), "{out}");

    let o = quiver(&["verify", "--json", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let p = &v[0];
    assert_eq!(p["verdict"], "rejected");
    assert_eq!(p["pc"], 0);
    assert_eq!(p["insn"], "r6 = r2");
    assert_eq!(p["kind"], "UninitRegister");
    assert_eq!(p["message"], "R2 !read_ok");
    assert!(p["source_line"].as_str().unwrap().contains("count_packets"));
    assert!(p["hint"].is_string());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn usage_and_input_errors_exit_2() {
    let o = quiver(&[
        "verify",
        "fixtures/obj/socket_counter.v3.g.o",
        "--prog",
        "nope",
    ]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(stderr(&o).contains("no program nope"), "{}", stderr(&o));
    assert!(stderr(&o).contains("count_packets"), "{}", stderr(&o));

    let o = quiver(&["verify", "README.md"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(stderr(&o).contains("ELF"), "{}", stderr(&o));

    let o = quiver(&["verify", "fixtures/obj/no_such.o"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(stderr(&o).contains("cannot read"), "{}", stderr(&o));

    let o = quiver(&[
        "verify",
        "--log-level",
        "3",
        "fixtures/obj/socket_counter.v3.g.o",
    ]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");

    let o = quiver(&["verify", "--log-level", "1", "fixtures/obj"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
}

#[test]
fn prog_selects_one_program() {
    let o = quiver(&[
        "verify",
        "--json",
        "fixtures/obj/kitchen_sink.v3.g.o",
        "--prog",
        "BPF_PROG_dev_event",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["BPF_PROG_dev_event"]);
}

#[test]
fn a_directory_gives_one_line_per_program_and_a_summary() {
    let o = quiver(&["verify", "fixtures/obj"]);
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        [
            "FILE", "PROGRAM", "VERDICT", "INSNS", "STATES", "PEAK", "TIME_US"
        ]
    );
    // Aligned: every row starts its PROGRAM column where the header does.
    let col = lines[0].find("PROGRAM").unwrap();
    let row = lines
        .iter()
        .find(|l| l.starts_with("socket_counter.v3.g.o "))
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(&row[col..col + "count_packets".len()], "count_packets");
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[2], "accepted", "{row}");
    assert!(cells[3].parse::<u64>().unwrap() > 0, "{row}");
    // Objects are sorted.
    let files: Vec<&str> = lines[1..]
        .iter()
        .take_while(|l| !l.is_empty())
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted);
    // The objects built without -g cannot be parsed (BTF-defined maps need
    // BTF): listed with the reason, and the exit status says so.
    assert!(
        out.contains("error socket_counter.v3.o: section .maps"),
        "{out}"
    );
    let summary = lines
        .iter()
        .find(|l| l.contains(" programs in "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(summary.contains("objects failed to parse"), "{summary}");
    assert_eq!(o.status.code(), Some(1), "{o:?}");
}

#[test]
fn directory_exit_codes() {
    // Only accepted programs: 0.
    let dir = scratch("dir-ok");
    std::fs::copy(
        root().join("fixtures/obj/socket_counter.v3.g.o"),
        dir.join("a.o"),
    )
    .unwrap();
    std::fs::copy(
        root().join("fixtures/obj/xdp_parse.v3.g.o"),
        dir.join("b.o"),
    )
    .unwrap();
    std::fs::write(dir.join("notes.txt"), "not an object").unwrap();
    let o = quiver(&["verify", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let out = stdout(&o);
    assert!(
        out.contains("2 programs in 2 objects: 2 accepted, 0 rejected; 0 objects failed to parse"),
        "{out}"
    );

    // A rejected program: 1, and the summary says where and why.
    std::fs::write(dir.join("c.o"), uninit_register_object()).unwrap();
    let o = quiver(&["verify", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let out = stdout(&o);
    assert!(
        out.contains("rejected c.o count_packets: 0: r6 = r2: R2 !read_ok"),
        "{out}"
    );
    let o = quiver(&["verify", "--json", dir.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let verdicts: Vec<(&str, &str)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["file"].as_str().unwrap(), p["verdict"].as_str().unwrap()))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("a.o", "accepted"),
            ("b.o", "accepted"),
            ("c.o", "rejected")
        ]
    );

    // An object that does not parse: listed, and 1.
    std::fs::remove_file(dir.join("c.o")).unwrap();
    std::fs::write(dir.join("junk.o"), "not an object").unwrap();
    let o = quiver(&["verify", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(stdout(&o).contains("error junk.o: "), "{}", stdout(&o));

    // Nothing could be verified: 2.
    std::fs::remove_file(dir.join("a.o")).unwrap();
    std::fs::remove_file(dir.join("b.o")).unwrap();
    let o = quiver(&["verify", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(stderr(&o).contains("junk.o"), "{}", stderr(&o));
    std::fs::remove_file(dir.join("junk.o")).unwrap();
    let o = quiver(&["verify", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
