//! Every report descriptor in shared/hid/descriptors builds a Device or is
//! refused with a clear error, never a panic; plus facts on specific files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use quiver_hid::{Device, DeviceId, FieldKind, HidError, ReportKind};

fn data_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/hid/descriptors");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipping: {} not found", dir.display());
        None
    }
}

/// `BUS-VID-PID.N.hid.bin` (hex fields) gives the identity; other names
/// give an empty one.
fn id_from_name(name: &str) -> DeviceId {
    let mut parts = name.split(['-', '.']);
    let mut hex = || parts.next().and_then(|p| u32::from_str_radix(p, 16).ok());
    match (hex(), hex(), hex()) {
        (Some(bus), Some(vid), Some(pid)) if bus <= 0xffff => DeviceId::new(bus as u16, vid, pid),
        _ => DeviceId::default(),
    }
}

fn load(dir: &Path, name: &str) -> Device {
    let bytes = std::fs::read(dir.join(name)).unwrap();
    Device::new(id_from_name(name), name, bytes).unwrap()
}

#[test]
fn every_descriptor_builds_or_is_refused() {
    let Some(dir) = data_dir() else { return };
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".hid.bin") || n.ends_with(".rdesc"))
        .collect();
    names.sort();
    let mut built = 0;
    let mut refused: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for name in &names {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        match Device::new(id_from_name(name), name.clone(), bytes) {
            Ok(device) => {
                built += 1;
                assert!(device.bpf_buffer_size() % 64 == 0);
                assert!(device.bpf_buffer_size() >= device.max_report_len());
                for r in &device.reports {
                    assert!(r.len >= usize::from(r.id.is_some()));
                    for f in &r.fields {
                        assert!(
                            f.bit_offset + f.bits() <= r.len * 8,
                            "{name}: field past report end"
                        );
                    }
                }
            }
            Err(e) => {
                let msg = e.to_string();
                assert!(
                    msg.starts_with("invalid report descriptor"),
                    "{name}: {msg}"
                );
                let HidError::Descriptor { reason, .. } = &e else {
                    panic!("{name}: not a descriptor error: {e:?}")
                };
                refused
                    .entry(reason.clone())
                    .or_default()
                    .push(format!("{name}: {msg}"));
            }
        }
    }
    let n_refused: usize = refused.values().map(Vec::len).sum();
    println!("descriptors: {built} built, {n_refused} refused");
    for (reason, files) in &refused {
        println!("  {} x {reason}", files.len());
        for f in files.iter().take(3) {
            println!("    {f}");
        }
    }
    assert_eq!(built + n_refused, names.len());
    assert!(
        built * 10 >= names.len() * 9,
        "only {built} of {} built",
        names.len()
    );
}

#[test]
fn mouse_has_buttons_x_y_wheel() {
    let Some(dir) = data_dir() else { return };
    // Microsoft mouse: 3 buttons, 5 bits padding, X, Y, Wheel (8 bits each,
    // -127..=127), no report IDs; a 1-byte vendor feature report.
    let d = load(&dir, "0003-045E-0040.0004.hid.bin");
    assert_eq!(d.id, DeviceId::new(3, 0x045e, 0x0040));
    assert!(!d.uses_report_ids());
    let input = d.report(ReportKind::Input, 0).expect("an input report");
    let names: Vec<String> = input
        .fields
        .iter()
        .filter(|f| f.kind == FieldKind::Variable)
        .map(|f| f.name())
        .collect();
    assert_eq!(
        names,
        ["Button 1", "Button 2", "Button 3", "X", "Y", "Wheel"]
    );
    let x = input.fields.iter().find(|f| f.name() == "X").unwrap();
    assert_eq!((x.bit_offset, x.bit_size, x.count), (8, 8, 1));
    assert_eq!((x.logical_min, x.logical_max), (-127, 127));
    assert_eq!(x.usage_page, 0x01);
    assert!(x.relative);
    // By hand: 3 + 5 + 3 * 8 = 32 bits = 4 bytes; feature 1 + 7 bits = 1 byte.
    assert_eq!(input.len, 4);
    assert_eq!(d.report(ReportKind::Feature, 0).unwrap().len, 1);
    assert_eq!(d.max_report_len(), 4);
    assert_eq!(d.bpf_buffer_size(), 64);

    // Decoding a movement: buttons 1 and 3, X +5, Y -2, wheel -1.
    let dec = d.decode(&[0b101, 5, 0xfe, 0xff]).unwrap();
    assert_eq!(dec.get("Button 1"), Some(1));
    assert_eq!(dec.get("Button 2"), Some(0));
    assert_eq!(dec.get("X"), Some(5));
    assert_eq!(dec.get("Y"), Some(-2));
    assert_eq!(dec.get("Wheel"), Some(-1));
}

#[test]
fn report_lengths_with_report_ids_match_hand_count() {
    let Some(dir) = data_dir() else { return };
    // Keyboard + consumer control:
    //   ID 3: 8 modifier bits + 6 x 8-bit key array = 7 bytes, + ID = 8
    //   ID 4: one 16-bit consumer usage = 2 bytes, + ID = 3
    let d = load(&dir, "0003-256C-0066.0018.hid.bin");
    assert!(d.uses_report_ids());
    assert_eq!(d.report(ReportKind::Input, 3).unwrap().len, 8);
    assert_eq!(d.report(ReportKind::Input, 4).unwrap().len, 3);
    assert_eq!(d.max_report_len(), 8);
    let keys = &d.report(ReportKind::Input, 3).unwrap().fields;
    let array = keys.iter().find(|f| f.kind == FieldKind::Array).unwrap();
    assert_eq!((array.bit_offset, array.bit_size, array.count), (16, 8, 6));
    assert_eq!(array.usages.len(), 256);
    assert_eq!(array.name(), "Keyboard/Keypad");
    // A key press of 'a' (0x04) in the first slot.
    let dec = d.decode(&[3, 0x02, 0x04, 0, 0, 0, 0, 0]).unwrap();
    assert_eq!(dec.id, Some(3));
    assert_eq!(dec.get("Keyboard LeftShift"), Some(1));
    assert_eq!(dec.get("Keyboard/Keypad[0]"), Some(4));
    assert_eq!(array.array_usage(4).map(|u| u.id), Some(4));
    // Unknown report ID: nothing to decode.
    assert!(d.decode(&[9, 0, 0]).is_none());

    // Vendor report: ID 2, 63 x 8 bits = 63 bytes, + ID = 64: the HID-BPF
    // buffer is exactly 64, not rounded further.
    let d = load(&dir, "0003-056A-0027.000B.hid.bin");
    assert_eq!(d.max_report_len(), 64);
    assert_eq!(d.bpf_buffer_size(), 64);

    // Vendor report: ID 8, one 88-bit field = 11 bytes, + ID = 12.
    let d = load(&dir, "0003-256C-0064.0004.hid.bin");
    assert_eq!(d.report(ReportKind::Input, 8).unwrap().len, 12);
    assert_eq!(d.bpf_buffer_size(), 64);
}

#[test]
fn buffer_size_rounds_up_to_64() {
    let Some(dir) = data_dir() else { return };
    let mut seen_over_64 = false;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let Ok(d) = Device::new(DeviceId::default(), "", std::fs::read(&path).unwrap()) else {
            continue;
        };
        let max = d.max_report_len();
        assert_eq!(
            d.bpf_buffer_size(),
            max.div_ceil(64) * 64,
            "{}",
            path.display()
        );
        seen_over_64 |= max > 64;
    }
    assert!(seen_over_64, "no descriptor with a report over 64 bytes");
}
