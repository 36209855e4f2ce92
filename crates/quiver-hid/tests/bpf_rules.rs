//! Linux's HID-BPF rules, with their messages: no sleepable kfunc from
//! hid_device_event, one report descriptor fixup per device, at most 64
//! attachments per device, -EDEADLK for a request made from a request.

use std::path::Path;
use std::sync::Arc;

use quiver_hid::bpf::{HidHost, Identity, Transport, Unplugged};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/obj")
            .join(name),
    )
    .unwrap()
}

fn pen_example() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/hid/obj/pen_pressure.bpf.o"),
    )
    .unwrap()
}

fn pen_rdesc() -> Vec<u8> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/hid/pen.hid.txt"),
    )
    .unwrap();
    let line = text.lines().find(|l| l.starts_with("R: ")).unwrap();
    line.split_whitespace()
        .skip(2)
        .map(|h| u8::from_str_radix(h, 16).unwrap())
        .collect()
}

fn identity() -> Identity {
    Identity {
        bus: 3,
        vendor: 0x1234,
        product: 0x5678,
        ..Identity::default()
    }
}

#[test]
fn a_sleepable_kfunc_is_refused_in_hid_device_event() {
    let host = HidHost::new();
    let mut dev = host.device(identity(), vec![0xc0], 8, Arc::new(Unplugged));
    let err = dev
        .load("sleepy", &fixture("hid_sleepy_event.v3.g.o"))
        .expect_err("refused");
    let msg = err.to_string();
    assert!(
        msg.contains("program must be sleepable to call sleepable kfunc hid_bpf_hw_request"),
        "{msg}"
    );
}

#[test]
fn a_device_has_one_descriptor_fixup() {
    let host = HidHost::new();
    let mut dev = host.device(identity(), pen_rdesc(), 7, Arc::new(Unplugged));
    dev.load("first", &pen_example()).unwrap().unwrap();
    let err = dev.load("second", &pen_example()).expect_err("refused");
    assert_eq!(
        err.to_string(),
        "second: a device has at most one report descriptor fixup; pen_pressure would make a second"
    );
}

#[test]
fn the_65th_attachment_is_refused() {
    let host = HidHost::new();
    let mut dev = host.device(identity(), vec![0xc0], 8, Arc::new(Unplugged));
    let obj = fixture("hid_counter.v3.g.o");
    for i in 0..64 {
        dev.load(&format!("counter{i}"), &obj).unwrap().unwrap();
    }
    let err = dev.load("counter64", &obj).expect_err("refused");
    assert_eq!(
        err.to_string(),
        format!(
            "struct_ops counter: device {} already has 64 hid_bpf_ops implementations attached (the limit)",
            dev.hid_id()
        )
    );
    // All 64 see each event, in order.
    assert_eq!(dev.event(0, &[1, 2, 3]).unwrap(), Some(vec![1, 2, 3]));
    for a in dev.attached() {
        let bss = a.bpf.maps().find(|m| m.name().ends_with(".bss")).unwrap();
        let v = bss.raw().lookup_copy(&0u32.to_ne_bytes()).unwrap();
        assert_eq!(v[..8], 1u64.to_le_bytes());
    }
}

/// Answers every request with 0x42 in byte 1.
struct Answering;

impl Transport for Answering {
    fn raw_request(&self, buf: &mut [u8], _: u64, _: u64) -> i32 {
        if buf.len() > 1 {
            buf[1] = 0x42;
        }
        buf.len() as i32
    }
    fn output_report(&self, buf: &[u8]) -> i32 {
        buf.len() as i32
    }
}

#[test]
fn a_request_made_from_a_request_gets_edeadlk() {
    let host = HidHost::new();
    let mut dev = host.device(identity(), vec![0xc0], 8, Arc::new(Answering));
    dev.load("requests", &fixture("hid_requests.v3.g.o"))
        .unwrap()
        .unwrap();
    let mut buf = vec![5u8, 0, 0, 0];
    // The program answers 0, so the host asks the device itself too.
    assert_eq!(dev.hw_request(&mut buf, 2, 1).unwrap(), 4);
    assert_eq!(buf[1], 0x42);
    let bss = dev.attached()[0]
        .bpf
        .maps()
        .find(|m| m.name().ends_with(".bss"))
        .unwrap();
    let v = bss.raw().lookup_copy(&0u32.to_ne_bytes()).unwrap();
    let (deadlocked, answered) = (
        i64::from_le_bytes(v[0..8].try_into().unwrap()),
        i64::from_le_bytes(v[8..16].try_into().unwrap()),
    );
    assert_eq!((deadlocked, answered, v[16]), (-35, 4, 0x42));
}

#[test]
fn udev_properties_fill_their_globals() {
    let host = HidHost::new();
    let obj = fixture("hid_udev_prop.v3.g.o");
    let mut props = std::collections::BTreeMap::new();
    props.insert("QUIVER_MODE".to_string(), "invert".to_string());
    let mut dev = host.device(identity(), vec![0xc0], 2, Arc::new(Unplugged));
    dev.load_with("udev_prop", &obj, &props).unwrap().unwrap();
    assert_eq!(dev.event(0, &[1, 0x0f]).unwrap(), Some(vec![1, 0xf0]));
    // Without the property the global stays zero.
    let mut plain = host.device(identity(), vec![0xc0], 2, Arc::new(Unplugged));
    plain.load("udev_prop", &obj).unwrap().unwrap();
    assert_eq!(plain.event(0, &[1, 0x0f]).unwrap(), Some(vec![1, 0x0f]));
}

#[test]
fn an_injected_report_goes_through_the_programs_and_cannot_inject_again() {
    let host = HidHost::new();
    let mut dev = host.device(identity(), vec![0xc0], 2, Arc::new(Unplugged));
    dev.load("inject", &fixture("hid_inject.v3.g.o"))
        .unwrap()
        .unwrap();
    assert_eq!(dev.event(0, &[1, 0x7f]).unwrap(), Some(vec![1, 0x7f]));
    assert_eq!(dev.take_injected().unwrap(), [(0, vec![1, 0])]);
    // Initialised globals: .data.
    let bss = dev.attached()[0]
        .bpf
        .maps()
        .find(|m| m.name().ends_with(".data"))
        .unwrap();
    let v = bss.raw().lookup_copy(&0u32.to_ne_bytes()).unwrap();
    let (first, nested) = (
        i32::from_le_bytes(v[0..4].try_into().unwrap()),
        i32::from_le_bytes(v[4..8].try_into().unwrap()),
    );
    assert_eq!((first, nested), (0, -35));
    assert!(dev.take_injected().unwrap().is_empty());
}
