//! The `quiver` binary as a user runs it: outputs, exit codes, JSON.

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

#[test]
fn readme_main_command_computes_the_checksum() {
    let o = quiver(&[
        "run",
        "examples/ipv4_checksum.s",
        "--mem-file",
        "examples/ipv4_header.bin",
    ]);
    assert!(o.status.success(), "{o:?}");
    let out = stdout(&o);
    assert!(out.contains("r0 = 0xb861 (47201)"), "{out}");
    assert!(
        out.contains("memory: 45 00 00 73 00 00 40 00 40 11 b8 61"),
        "{out}"
    );
}

#[test]
fn inspect_json_describes_the_kitchen_sink() {
    let o = quiver(&["inspect", "--json", "fixtures/obj/kitchen_sink.v3.g.o"]);
    assert!(o.status.success(), "{o:?}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let programs = v["programs"].as_array().unwrap();
    let names: Vec<&str> = programs
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["BPF_PROG_dev_event", "BPF_PROG_dev_request"]);
    assert_eq!(programs[0]["prog_type"], "struct_ops");
    assert_eq!(programs[0]["attach_target"], "dev_event");
    assert_eq!(programs[0]["sleepable"], false);
    assert_eq!(programs[1]["sleepable"], true);
    assert_eq!(programs[0]["subprograms"], serde_json::json!(["add_one"]));
    assert_eq!(programs[0]["core_relocations"], 6);
    let maps: Vec<&str> = v["maps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        maps,
        [
            ".bss",
            ".data",
            ".rodata",
            ".rodata.str1.1",
            ".rodata.cst16"
        ]
    );
    let externs = v["externs"].as_array().unwrap();
    let weak: Vec<&str> = externs
        .iter()
        .filter(|e| e["weak"] == true)
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(weak, ["dev_maybe_missing"]);
    assert!(
        externs
            .iter()
            .any(|e| e["name"] == "dev_get_data" && e["kind"] == "kfunc")
    );
    assert!(
        externs
            .iter()
            .any(|e| e["name"] == "some_host_counter" && e["kind"] == "ksym")
    );
    let so = &v["struct_ops"][0];
    assert_eq!(so["name"], "kitchen_ops");
    assert_eq!(so["type_name"], "dev_ops");
    assert_eq!(so["link"], true);
    assert_eq!(
        so["members"],
        serde_json::json!([
            ["dev_event", "BPF_PROG_dev_event"],
            ["dev_request", "BPF_PROG_dev_request"]
        ])
    );
    let types = v["btf_types"].as_array().unwrap();
    assert!(types.iter().any(|t| t == "struct dev_ctx"));
    let relocs = programs[0]["relocations"].as_array().unwrap();
    assert!(
        relocs
            .iter()
            .any(|r| r["kind"] == "map_value" && r["target"] == ".rodata.str1.1+0")
    );
}

#[test]
fn inspect_json_describes_btf_maps() {
    let o = quiver(&["inspect", "--json", "fixtures/obj/socket_counter.v4.g.o"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let buckets = &v["maps"][0];
    assert_eq!(buckets["name"], "buckets");
    assert_eq!(buckets["origin"], "btf");
    assert_eq!(buckets["map_type"], 1);
    assert_eq!(
        (buckets["key_size"].as_u64(), buckets["value_size"].as_u64()),
        (Some(4), Some(8))
    );
    assert_eq!(buckets["key_type"], "__u32");
    assert_eq!(v["programs"][0]["prog_type"], "socket_filter");
}

#[test]
fn run_object_on_a_context_shows_r0_and_map_changes() {
    let dir = std::env::temp_dir().join(format!("quiver-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ctx = dir.join("ctx.bin");
    let mut bytes = vec![0u8; 48];
    bytes[0] = 1;
    bytes[16] = 9;
    std::fs::write(&ctx, &bytes).unwrap();
    let o = quiver(&[
        "run",
        "fixtures/obj/syscall_ctx.v3.g.o",
        "--ctx",
        ctx.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{o:?}");
    let out = stdout(&o);
    assert!(out.contains("r0 = 0x9 (9)"), "{out}");
    assert!(
        out.contains(
            "map results[01 00 00 00]: 00 00 00 00 00 00 00 00 -> 09 00 00 00 00 00 00 00"
        ),
        "{out}"
    );
}

#[test]
fn disasm_interleaves_source_lines() {
    let o = quiver(&[
        "disasm",
        "fixtures/obj/socket_counter.v3.g.o",
        "--prog",
        "count_packets",
    ]);
    assert!(o.status.success(), "{o:?}");
    let out = stdout(&o);
    assert!(
        out.contains("; socket_counter.c:37: v = bpf_map_lookup_elem(&buckets, &key);"),
        "{out}"
    );
    assert!(out.contains("bucket_of:"), "{out}");
}

#[test]
fn bad_input_exits_2_with_a_message() {
    let o = quiver(&["run", "no/such/file.s"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read no/such/file.s"));
    let o = quiver(&["inspect", "examples/ipv4_checksum.s"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("ELF"));
    let o = quiver(&["run", "--bogus"]);
    assert_eq!(o.status.code(), Some(2));
    let o = quiver(&[
        "run",
        "fixtures/obj/socket_counter.v3.g.o",
        "--prog",
        "nope",
        "--packet",
        "examples/ipv4_header.bin",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no program named \"nope\""));
}

#[test]
fn a_faulting_program_exits_1() {
    let dir = std::env::temp_dir().join(format!("quiver-cli-fault-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let prog = dir.join("fault.s");
    std::fs::write(&prog, "r0 = *(u64 *)(r1 + 0x100)\nexit\n").unwrap();
    let o = quiver(&["run", prog.to_str().unwrap(), "--mem", "00"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("invalid read of 8 bytes"),
        "{o:?}"
    );
}

#[test]
fn run_xdp_object_on_a_frame() {
    let dir = std::env::temp_dir().join(format!("quiver-cli-xdp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // IPv4 UDP to port 9: the fixture drops it.
    let mut frame = vec![0u8; 64];
    frame[12..14].copy_from_slice(&[0x08, 0x00]);
    frame[14] = 0x45;
    frame[23] = 17;
    frame[36..38].copy_from_slice(&9u16.to_be_bytes());
    let path = dir.join("frame.bin");
    std::fs::write(&path, &frame).unwrap();
    let o = quiver(&[
        "run",
        "fixtures/obj/xdp_parse.v3.g.o",
        "--packet",
        path.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{o:?}");
    let out = stdout(&o);
    assert!(out.contains("r0 = 0x1 (1)"), "{out}");
    assert!(out.contains("map protocols[11 00 00 00]"), "{out}");
    // On either engine, and unchecked on the verifier's proof: the same run.
    for engine in ["interp", "jit"] {
        for unchecked in [&[][..], &["--unchecked"]] {
            let mut args = vec![
                "run",
                "fixtures/obj/xdp_parse.v3.g.o",
                "--packet",
                path.to_str().unwrap(),
                "--engine",
                engine,
            ];
            args.extend_from_slice(unchecked);
            assert_eq!(stdout(&quiver(&args)), out, "{args:?}");
        }
    }
    let o = quiver(&["run", "fixtures/obj/xdp_parse.v3.g.o", "--engine", "fast"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let o = quiver(&["run", "examples/ipv4_checksum.s", "--unchecked"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("--unchecked are for ELF objects"));
}

/// A fixture's expected description: object stem, its programs as
/// (name, type, sleepable), its maps.
type Expected = (
    &'static str,
    &'static [(&'static str, &'static str, bool)],
    &'static [&'static str],
);

/// What `inspect --json` must say about each fixture, at every -mcpu level
/// it is built for.
#[test]
fn inspect_json_describes_every_fixture() {
    let table: &[Expected] = &[
        (
            "socket_counter",
            &[("count_packets", "socket_filter", false)],
            &["buckets", "totals", ".rodata", ".bss"],
        ),
        ("xdp_parse", &[("xdp_filter", "xdp", false)], &["protocols"]),
        (
            "syscall_ctx",
            &[("sum_args", "syscall", true)],
            &["results", "events"],
        ),
        (
            "legacy_maps",
            &[("legacy_count", "socket_filter", false)],
            &["legacy_counts"],
        ),
        ("loop_callback", &[("run_loop", "syscall", true)], &["seen"]),
        (
            "big_program",
            &[("mix", "syscall", true)],
            &["mixes", ".rodata", ".bss"],
        ),
        (
            "kitchen_sink",
            &[
                ("BPF_PROG_dev_event", "struct_ops", false),
                ("BPF_PROG_dev_request", "struct_ops", true),
            ],
            &[
                ".bss",
                ".data",
                ".rodata",
                ".rodata.str1.1",
                ".rodata.cst16",
            ],
        ),
    ];
    let dir = root().join("fixtures/obj");
    let mut checked = 0;
    for (stem, programs, maps) in table {
        for cpu in ["v2", "v3", "v4"] {
            for suffix in [".g.o", ".o"] {
                let name = format!("{stem}.{cpu}{suffix}");
                if !dir.join(&name).exists() {
                    continue;
                }
                let o = quiver(&["inspect", "--json", &format!("fixtures/obj/{name}")]);
                if !o.status.success() {
                    // Only objects without BTF may fail, and only over BTF maps.
                    assert_eq!(suffix, ".o", "{name}: {o:?}");
                    assert!(
                        String::from_utf8_lossy(&o.stderr).contains("compile with -g"),
                        "{name}: {o:?}"
                    );
                    continue;
                }
                let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
                let got: Vec<(String, String, bool)> = v["programs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| {
                        (
                            p["name"].as_str().unwrap().to_string(),
                            p["prog_type"].as_str().unwrap().to_string(),
                            p["sleepable"].as_bool().unwrap(),
                        )
                    })
                    .collect();
                let want: Vec<(String, String, bool)> = programs
                    .iter()
                    .map(|(n, t, s)| (n.to_string(), t.to_string(), *s))
                    .collect();
                assert_eq!(got, want, "{name}");
                let got_maps: Vec<&str> = v["maps"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| m["name"].as_str().unwrap())
                    .collect();
                assert_eq!(&got_maps, maps, "{name}");
                assert_eq!(v["license"], "GPL", "{name}");
                checked += 1;
            }
        }
    }
    println!("inspect: {checked} fixture objects described as expected");
    assert!(checked >= 24, "{checked}");
}
