//! The pen-pressure example on the HID-BPF host: config match, probe,
//! report descriptor fixup, event rewrite, state in .bss.

use std::path::Path;
use std::sync::Arc;

use quiver_hid::bpf::{HidHost, Identity, Skipped, Unplugged};

fn example(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/hid")
            .join(name),
    )
    .unwrap()
}

/// The descriptor in examples/hid/pen.hid.txt.
fn pen_rdesc() -> Vec<u8> {
    let text = String::from_utf8(example("pen.hid.txt")).unwrap();
    let line = text.lines().find(|l| l.starts_with("R: ")).unwrap();
    line.split_whitespace()
        .skip(2)
        .map(|h| u8::from_str_radix(h, 16).unwrap())
        .collect()
}

fn pen() -> Identity {
    Identity {
        bus: 3,
        vendor: 0x1234,
        product: 0x5678,
        name: "Quiver Example Pen".into(),
        ..Identity::default()
    }
}

fn event(tip: u8, x: u16, y: u16, pressure: u16) -> Vec<u8> {
    let mut e = vec![tip];
    for v in [x, y, pressure] {
        e.extend_from_slice(&v.to_le_bytes());
    }
    e
}

#[test]
fn the_pen_example_fixes_descriptor_and_events() {
    let host = HidHost::new();
    let rdesc = pen_rdesc();
    let mut dev = host.device(pen(), rdesc.clone(), 7, Arc::new(Unplugged));
    assert_eq!(dev.allocated_size(), 64);
    let obj = example("obj/pen_pressure.bpf.o");
    dev.load("pen_pressure", &obj).unwrap().unwrap();
    assert_eq!(dev.attached()[0].implementations(), ["pen_pressure"]);
    // Logical Maximum 1023 of Tip Pressure became 2047: one byte.
    let changed: Vec<usize> = (0..rdesc.len())
        .filter(|&i| rdesc[i] != dev.rdesc()[i])
        .collect();
    assert_eq!(changed.len(), 1);
    assert_eq!((rdesc[changed[0]], dev.rdesc()[changed[0]]), (0x03, 0x07));
    // Pressure doubles, capped at 2047; no pressure passes unchanged.
    assert_eq!(
        dev.event(0, &event(1, 10, 20, 511)).unwrap(),
        Some(event(1, 10, 20, 1022))
    );
    assert_eq!(
        dev.event(0, &event(1, 10, 20, 1023)).unwrap(),
        Some(event(1, 10, 20, 2046))
    );
    assert_eq!(
        dev.event(0, &event(1, 10, 20, 1500)).unwrap(),
        Some(event(1, 10, 20, 2047))
    );
    assert_eq!(
        dev.event(0, &event(0, 10, 20, 0)).unwrap(),
        Some(event(0, 10, 20, 0))
    );
    let bpf = &dev.attached()[0].bpf;
    let bss = bpf
        .maps()
        .find(|m| m.name().ends_with(".bss"))
        .expect("a .bss map");
    let v = bss.raw().lookup_copy(&0u32.to_ne_bytes()).unwrap();
    assert_eq!(u64::from_le_bytes(v[..8].try_into().unwrap()), 3);
}

#[test]
fn an_object_for_another_device_is_not_attached() {
    let host = HidHost::new();
    let mut other = pen();
    other.product = 0x9999;
    let mut dev = host.device(other, pen_rdesc(), 7, Arc::new(Unplugged));
    let r = dev
        .load("pen_pressure", &example("obj/pen_pressure.bpf.o"))
        .unwrap();
    match r {
        Err(Skipped::NotMatched(m)) => assert_eq!(
            m[0].to_string(),
            "bus 0x0003 group 0x0000 vendor 0x1234 product 0x5678"
        ),
        other => panic!("{:?}", other.err()),
    }
    assert!(dev.attached().is_empty());
}

#[test]
fn the_probe_can_refuse_a_device() {
    let host = HidHost::new();
    let mut rdesc = pen_rdesc();
    rdesc.push(0xc0);
    let mut dev = host.device(pen(), rdesc, 7, Arc::new(Unplugged));
    let r = dev
        .load("pen_pressure", &example("obj/pen_pressure.bpf.o"))
        .unwrap();
    assert_eq!(r.err(), Some(Skipped::ProbeRefused(-22)));
}

#[test]
fn the_mouse_example_replaces_the_descriptor_and_remaps_events() {
    let host = HidHost::new();
    let text = String::from_utf8(example("mouse.hid.txt")).unwrap();
    let line = text.lines().find(|l| l.starts_with("R: ")).unwrap();
    let rdesc: Vec<u8> = line
        .split_whitespace()
        .skip(2)
        .map(|h| u8::from_str_radix(h, 16).unwrap())
        .collect();
    let id = Identity {
        bus: 3,
        vendor: 0x1234,
        product: 0x0001,
        ..Identity::default()
    };
    let mut dev = host.device(id, rdesc.clone(), 3, Arc::new(Unplugged));
    dev.load("mouse_remap", &example("obj/mouse_remap.bpf.o"))
        .unwrap()
        .unwrap();
    // The whole descriptor replaced: 5 buttons, X, Y, wheel.
    assert_eq!(dev.rdesc().len(), 52);
    assert_ne!(dev.rdesc(), &rdesc[..]);
    // [buttons, y, x] -> [buttons, x, y, wheel 0]: the event grows.
    assert_eq!(
        dev.event(0, &[1, 0xfd, 4]).unwrap(),
        Some(vec![1, 4, 0xfd, 0])
    );
    // Other report types pass untouched.
    assert_eq!(dev.event(1, &[1, 2, 3]).unwrap(), Some(vec![1, 2, 3]));
}
