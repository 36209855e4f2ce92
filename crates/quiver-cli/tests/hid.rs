//! `quiver hid`: the README's main command, and errors a user meets.

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

#[test]
fn readme_main_command_replays_the_pen_example() {
    let o = quiver(&[
        "hid",
        "replay",
        "examples/hid/pen.hid.txt",
        "--bpf",
        "examples/hid/obj/pen_pressure.bpf.o",
        "--explain",
    ]);
    assert!(o.status.success(), "{o:?}");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("# report descriptor fixed up: byte 49: 0x03 -> 0x07\n"),
        "{out}"
    );
    assert!(
        out.contains("# Tip Pressure 1023 -> 2046\nE: 000000.056000 7 01 2e 04 0b 04 fe 07\n"),
        "{out}"
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("# device 0: pen_pressure.bpf.o: attached (pen_pressure)"),
        "{err}"
    );
    assert!(
        err.ends_with("# quiver: 13 events in, 0 dropped, 11 changed\n"),
        "{err}"
    );
    // Without --explain the output is the expected recording exactly.
    let o = quiver(&[
        "hid",
        "replay",
        "examples/hid/pen.hid.txt",
        "--bpf",
        "examples/hid/obj/pen_pressure.bpf.o",
    ]);
    let expected = std::fs::read(root().join("examples/hid/pen.expected.hid.txt")).unwrap();
    assert_eq!(o.stdout, expected);
    // Both engines give the same recording.
    for engine in ["interp", "jit"] {
        let o = quiver(&[
            "hid",
            "replay",
            "examples/hid/pen.hid.txt",
            "--bpf",
            "examples/hid/obj/pen_pressure.bpf.o",
            "--engine",
            engine,
        ]);
        assert!(o.status.success(), "{engine}: {o:?}");
        assert_eq!(o.stdout, expected, "{engine}");
    }
}

#[test]
fn an_object_for_another_device_is_reported_not_attached() {
    let o = quiver(&[
        "hid",
        "replay",
        "examples/hid/mouse.hid.txt",
        "--bpf",
        "examples/hid/obj/pen_pressure.bpf.o",
    ]);
    assert!(o.status.success(), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("pen_pressure.bpf.o: not attached: its .hid_bpf_config names bus 0x0003 group 0x0000 vendor 0x1234 product 0x5678"),
        "{err}"
    );
    assert!(err.contains("8 events in, 0 dropped, 0 changed"), "{err}");
}

#[test]
fn bad_inputs_are_errors_with_exit_status_2() {
    let o = quiver(&["hid", "replay", "no-such.hid.txt", "--bpf", "x.o"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read no-such.hid.txt"));
    let o = quiver(&[
        "hid",
        "replay",
        "README.md",
        "--bpf",
        "examples/hid/obj/pen_pressure.bpf.o",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("README.md"),
        "{o:?}"
    );
}

#[test]
fn inspect_lists_devices_callbacks_and_verdicts() {
    let o = quiver(&["hid", "inspect", "examples/hid/obj/led_wq.bpf.o"]);
    assert!(o.status.success(), "{o:?}");
    let out = String::from_utf8_lossy(&o.stdout);
    for want in [
        "device: bus 0xffff group 0x0000 vendor 0x1234 product 0x0002",
        "struct_ops led_wq (hid_bpf_ops, .struct_ops.link):",
        "  hid_device_event: on_press",
        "kfuncs: ",
        "program on_press (struct_ops/hid_device_event): accepted",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
}

#[test]
fn attach_says_what_is_missing() {
    let o = quiver(&[
        "hid",
        "attach",
        "/dev/hidraw-none",
        "--bpf",
        "examples/hid/obj/pen_pressure.bpf.o",
    ]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("cannot read /dev/hidraw-none's descriptor and identity from sysfs"),
        "{o:?}"
    );
}
