//! Scores quiver on every bpf_conformance test vector, twice: through the
//! library (assembler + interpreter) and through `quiver
//! conformance-plugin` driven by the upstream runner's protocol.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use quiver_cli::conformance::{Outcome, TestCase, build, run_case, run_dir, test_files};
use quiver_cli::hex;

/// Number of test vectors in the suite we ship against; a test that goes
/// missing must fail, not shrink the denominator.
const EXPECTED_FILES: usize = 313;

fn suite_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/bpf_conformance/tests");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("conformance: skipped, {} is absent", dir.display());
        None
    }
}

fn check(report: &quiver_cli::conformance::Report, label: &str) {
    for (path, why) in &report.failed {
        println!("{label} FAIL {}: {why}", path.display());
    }
    println!(
        "{label}: {} passed, {} failed",
        report.passed.len(),
        report.failed.len()
    );
    assert_eq!(
        report.passed.len() + report.failed.len(),
        EXPECTED_FILES,
        "every test file is counted"
    );
    assert!(
        report.failed.is_empty(),
        "{} conformance failures",
        report.failed.len()
    );
}

#[test]
fn interpreter_passes_every_test() {
    let Some(dir) = suite_dir() else { return };
    assert_eq!(test_files(&dir).unwrap().len(), EXPECTED_FILES);
    let report = run_dir(&dir, &mut run_case).unwrap();
    check(&report, "conformance");
}

/// What the upstream runner does for one test: hex program on stdin,
/// memory as the first argument, r0 in hex on stdout.
fn run_plugin(case: &TestCase) -> Outcome {
    run_plugin_with(case, &[])
}

fn run_plugin_with(case: &TestCase, flags: &[&str]) -> Outcome {
    let program = match build(case) {
        Ok(p) => p,
        Err(e) => return Outcome::Fail(e),
    };
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_quiver"));
    cmd.arg("conformance-plugin").args(flags);
    if !case.mem.is_empty() {
        cmd.arg(hex::encode(&case.mem).replace(' ', ""));
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(hex::encode(&program.to_bytes()).as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    match (out.status.success(), case.result) {
        (true, Some(expected)) => match u64::from_str_radix(stdout.trim(), 16) {
            Ok(r0) if r0 == expected => Outcome::Pass,
            Ok(r0) => Outcome::Fail(format!("r0 {r0:#x}, expected {expected:#x}")),
            Err(_) => Outcome::Fail(format!("unparsable output {stdout:?}")),
        },
        (false, None) => Outcome::Pass,
        (ok, _) => Outcome::Fail(format!(
            "exit ok={ok}, stdout {stdout:?}, stderr {stderr:?}"
        )),
    }
}

#[test]
fn plugin_passes_every_test() {
    let Some(dir) = suite_dir() else { return };
    let report = run_dir(&dir, &mut run_plugin).unwrap();
    check(&report, "conformance-plugin");
}

#[test]
fn plugin_with_jit_passes_every_test() {
    let Some(dir) = suite_dir() else { return };
    let report = run_dir(&dir, &mut |case| run_plugin_with(case, &["--jit"])).unwrap();
    check(&report, "conformance-plugin --jit");
}

#[test]
fn plugin_reports_errors_on_stderr() {
    let run = |stdin: &str, args: &[&str]| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_quiver"))
            .arg("conformance-plugin")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    // An unknown opcode.
    let out = run("ff 00 00 00 00 00 00 00", &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown opcode"));
    // A load outside the memory it was given.
    let out = run("79 10 08 00 00 00 00 00 95 00 00 00 00 00 00 00", &["0102"]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    // Bad hex.
    let out = run("zz", &[]);
    assert!(!out.status.success());
    // Spaced and packed hex give the same answer.
    let a = run("b7 00 00 00 2a 00 00 00 95 00 00 00 00 00 00 00", &[]);
    let b = run("b70000002a00000095000000000000 00", &[]);
    assert_eq!(String::from_utf8_lossy(&a.stdout).trim(), "2a");
    assert_eq!(a.stdout, b.stdout);
}
