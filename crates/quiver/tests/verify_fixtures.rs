//! Every program of every fixture object through the verifier, with
//! quiver's Linux host: the ones Linux accepts are accepted, and the
//! rejections are the expected ones, with Linux's message.

use std::path::Path;

use quiver::Loader;
use quiver_verifier::Options;

/// Programs refused on purpose: (object file prefix, program, message).
/// A struct_ops program's type is the struct_ops type a host registers
/// (its members' contexts and prototypes); Linux's host description has
/// none, so without one the programs cannot be verified, and do not load.
const EXPECTED_REJECTIONS: &[(&str, &str, &str)] = &[
    (
        "kitchen_sink",
        "BPF_PROG_dev_event",
        "unknown program type struct_ops",
    ),
    (
        "kitchen_sink",
        "BPF_PROG_dev_request",
        "unknown program type struct_ops",
    ),
    // The struct_ops tests' event_ops type (any program of those objects).
    ("event_ops", "*", "unknown program type struct_ops"),
    ("dispatch_bench_ops", "*", "unknown program type struct_ops"),
    // HID-BPF objects: their type is quiver-hid's hid_bpf_ops.
    ("hid_", "*", "unknown program type struct_ops"),
    // Calls a kfunc the tail-call tests provide (test_block), which
    // Linux's host has not.
    (
        "sleepable_call",
        "c_block",
        "calling kernel function test_block is not allowed",
    ),
];

#[test]
fn fixtures_verify() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/obj");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "o"))
        .collect();
    files.sort();
    let (mut accepted, mut rejected) = (0, 0);
    let mut unexpected = Vec::new();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        let Ok(object) = quiver_obj::Object::parse(&bytes) else {
            println!("{name}: does not parse (a bad-object fixture)");
            continue;
        };
        let options = Options {
            log_level: 1,
            ..Options::default()
        };
        let verdicts = Loader::new().verify_object(&object, &options).unwrap();
        for v in verdicts {
            match &v.result {
                Ok(a) => {
                    accepted += 1;
                    assert!(
                        a.log.contains("processed ") && a.log.contains("insns (limit 1000000)"),
                        "{name} {}: the log lacks Linux's statistics line",
                        v.name
                    );
                    println!(
                        "{name} {}: accepted, {} insns, {} states",
                        v.name, a.stats.insns_processed, a.stats.total_states
                    );
                }
                Err(r) => {
                    rejected += 1;
                    println!("{name} {}: rejected: {}", v.name, r.message);
                    let expected = EXPECTED_REJECTIONS.iter().any(|(file, prog, msg)| {
                        name.starts_with(file)
                            && (v.name == *prog || *prog == "*")
                            && r.message == *msg
                    });
                    if !expected {
                        unexpected.push(format!("{name} {}: {r}", v.name));
                    }
                }
            }
        }
    }
    println!("fixtures: {accepted} programs accepted, {rejected} rejected");
    assert!(
        unexpected.is_empty(),
        "unexpected rejections:\n{}",
        unexpected.join("\n")
    );
}
