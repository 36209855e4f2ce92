//! A hand-built pen descriptor: sizes, decode, diff; refused descriptors;
//! random bytes never panic.

use proptest::prelude::*;
use quiver_hid::{Device, DeviceId, FieldKind, HidError, ReportKind};

/// A pen, report ID 2: Tip Switch, Barrel Switch, 6 bits padding, X, Y
/// (16 bits, 0..=32767), Tip Pressure (16 bits, 0..=4095), X Tilt (8 bits,
/// -60..=60).
#[rustfmt::skip]
const PEN: &[u8] = &[
    0x05, 0x0d,             // Usage Page (Digitizers)
    0x09, 0x02,             // Usage (Pen)
    0xa1, 0x01,             // Collection (Application)
    0x85, 0x02,             //   Report ID (2)
    0x09, 0x20,             //   Usage (Stylus)
    0xa1, 0x00,             //   Collection (Physical)
    0x09, 0x42,             //     Usage (Tip Switch)
    0x09, 0x44,             //     Usage (Barrel Switch)
    0x15, 0x00,             //     Logical Minimum (0)
    0x25, 0x01,             //     Logical Maximum (1)
    0x75, 0x01,             //     Report Size (1)
    0x95, 0x02,             //     Report Count (2)
    0x81, 0x02,             //     Input (Data,Var,Abs)
    0x95, 0x06,             //     Report Count (6)
    0x81, 0x03,             //     Input (Cnst,Var,Abs)
    0x05, 0x01,             //     Usage Page (Generic Desktop)
    0x09, 0x30,             //     Usage (X)
    0x09, 0x31,             //     Usage (Y)
    0x26, 0xff, 0x7f,       //     Logical Maximum (32767)
    0x75, 0x10,             //     Report Size (16)
    0x95, 0x02,             //     Report Count (2)
    0x81, 0x02,             //     Input (Data,Var,Abs)
    0x05, 0x0d,             //     Usage Page (Digitizers)
    0x09, 0x30,             //     Usage (Tip Pressure)
    0x26, 0xff, 0x0f,       //     Logical Maximum (4095)
    0x95, 0x01,             //     Report Count (1)
    0x81, 0x02,             //     Input (Data,Var,Abs)
    0x09, 0x3d,             //     Usage (X Tilt)
    0x15, 0xc4,             //     Logical Minimum (-60)
    0x25, 0x3c,             //     Logical Maximum (60)
    0x75, 0x08,             //     Report Size (8)
    0x81, 0x02,             //     Input (Data,Var,Abs)
    0xc0,                   //   End Collection
    0xc0,                   // End Collection
];

fn pen() -> Device {
    Device::new(DeviceId::new(3, 0x056a, 0x0357), "Test Pen", PEN).unwrap()
}

fn report(tip: bool, x: u16, y: u16, pressure: u16, tilt: i8) -> Vec<u8> {
    let mut r = vec![2, u8::from(tip)];
    r.extend(x.to_le_bytes());
    r.extend(y.to_le_bytes());
    r.extend(pressure.to_le_bytes());
    r.push(tilt as u8);
    r
}

#[test]
fn pen_layout() {
    let d = pen();
    assert_eq!(d.name, "Test Pen");
    assert!(d.uses_report_ids());
    assert_eq!(d.reports.len(), 1);
    let r = d.report(ReportKind::Input, 2).unwrap();
    assert_eq!(r.id, Some(2));
    // 8 (ID) + 2 + 6 + 2 * 16 + 16 + 8 = 72 bits.
    assert_eq!(r.len, 9);
    assert_eq!(d.max_report_len(), 9);
    assert_eq!(d.bpf_buffer_size(), 64);
    let p = r
        .fields
        .iter()
        .find(|f| f.name() == "Tip Pressure")
        .unwrap();
    assert_eq!(p.kind, FieldKind::Variable);
    assert_eq!((p.bit_offset, p.bit_size, p.count), (48, 16, 1));
    assert_eq!((p.logical_min, p.logical_max), (0, 4095));
    assert_eq!((p.usage_page, p.usages[0].id), (0x0d, 0x30));
    let tilt = r.fields.iter().find(|f| f.name() == "X Tilt").unwrap();
    assert!(tilt.is_signed());
    assert_eq!(r.fields[2].kind, FieldKind::Constant);
}

#[test]
fn pen_decode_and_diff() {
    let d = pen();
    let before = report(true, 1000, 2000, 1023, -5);
    let after = report(true, 1000, 2000, 2046, -5);
    let dec = d.decode(&before).unwrap();
    assert_eq!(dec.id, Some(2));
    assert_eq!(dec.get("Tip Switch"), Some(1));
    assert_eq!(dec.get("Barrel Switch"), Some(0));
    assert_eq!(dec.get("X"), Some(1000));
    assert_eq!(dec.get("Y"), Some(2000));
    assert_eq!(dec.get("Tip Pressure"), Some(1023));
    assert_eq!(dec.get("X Tilt"), Some(-5));
    assert!(dec.get("Padding").is_none());

    let changes = d.diff(&before, &after);
    let lines: Vec<String> = changes.iter().map(ToString::to_string).collect();
    assert_eq!(lines, ["Tip Pressure 1023 -> 2046"]);

    let moved = report(false, 1001, 2000, 0, 7);
    let lines: Vec<String> = d
        .diff(&before, &moved)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        lines,
        [
            "Tip Switch 1 -> 0",
            "X 1000 -> 1001",
            "Tip Pressure 1023 -> 0",
            "X Tilt -5 -> 7"
        ]
    );
    assert!(d.diff(&before, &before).is_empty());
}

#[test]
fn decode_short_empty_and_foreign_reports() {
    let d = pen();
    assert!(d.decode(&[]).is_none());
    assert!(d.decode(&[7, 0, 0]).is_none());
    // Short report: only the fields that fit are decoded.
    let dec = d.decode(&[2, 1, 0x10, 0x00]).unwrap();
    assert_eq!(dec.get("Tip Switch"), Some(1));
    assert_eq!(dec.get("X"), Some(16));
    assert!(dec.get("Y").is_none());
    assert!(dec.get("Tip Pressure").is_none());
    // Different reports do not diff.
    assert!(d.diff(&[], &report(true, 0, 0, 0, 0)).is_empty());
}

fn refused(bytes: &[u8]) -> (Option<usize>, String) {
    match Device::new(DeviceId::default(), "bad", bytes.to_vec()) {
        Ok(_) => panic!("{bytes:02x?} was accepted"),
        Err(HidError::Descriptor { offset, reason }) => (offset, reason),
        Err(e) => panic!("unexpected error {e}"),
    }
}

#[test]
fn invalid_descriptors_are_refused_with_where_and_why() {
    assert_eq!(refused(&[]), (None, "empty report descriptor".into()));

    // Truncated item: Usage Page announces 2 data bytes, has 1.
    let (offset, _) = refused(&[0x05, 0x01, 0x06, 0x01]);
    assert_eq!(offset, Some(2));

    // A usage with no Usage Page before it (hidreport would panic).
    let (offset, reason) = refused(&[0x09, 0x02, 0xa1, 0x01, 0xc0]);
    assert_eq!(offset, Some(2));
    assert!(reason.contains("Usage Page"), "{reason}");

    // Report ID 0 is reserved.
    let (offset, reason) = refused(&[0x05, 0x01, 0x85, 0x00]);
    assert_eq!(offset, Some(2));
    assert!(reason.contains("Report ID 0"), "{reason}");

    // Report Size 257.
    let (offset, reason) = refused(&[0x05, 0x01, 0x76, 0x01, 0x01]);
    assert_eq!(offset, Some(2));
    assert!(reason.contains("Report Size 257"), "{reason}");

    // Report Count 12289.
    let (offset, reason) = refused(&[0x96, 0x01, 0x30]);
    assert_eq!(offset, Some(0));
    assert!(reason.contains("Report Count 12289"), "{reason}");

    // Pop without Push; End Collection without Collection; unclosed.
    assert_eq!(refused(&[0x05, 0x01, 0xb4]).0, Some(2));
    assert_eq!(refused(&[0xc0]).0, Some(0));
    let (offset, reason) = refused(&[0x05, 0x01, 0x09, 0x02, 0xa1, 0x01]);
    assert_eq!(offset, Some(6));
    assert!(reason.contains("not closed"), "{reason}");

    // A huge Usage Minimum..Maximum range.
    let (offset, reason) = refused(&[
        0x05, 0x09, 0x19, 0x00, 0x2b, 0xff, 0xff, 0xff, 0xff, 0x75, 0x01, 0x95, 0x01, 0x81, 0x00,
    ]);
    assert_eq!(offset, Some(13));
    assert!(reason.contains("Usage Maximum"), "{reason}");

    // The Display says what, where and why.
    let e = Device::new(DeviceId::default(), "bad", vec![0x05, 0x01, 0x85, 0x00]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid report descriptor at byte 2 (0x2): Report ID 0 is invalid (must be 1 to 255)"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(d) = Device::new(DeviceId::default(), "random", bytes.clone()) {
            let _ = d.bpf_buffer_size();
            let _ = d.decode(&bytes);
            let _ = d.diff(&bytes, &[]);
        }
    }

    /// Random bytes built from valid-looking items (main, global, local
    /// tags with 0 to 4 data bytes) reach deeper into the parser.
    #[test]
    fn random_items_never_panic(
        items in proptest::collection::vec(
            (prop::sample::select(vec![
                0x04u8, 0x08, 0x14, 0x18, 0x24, 0x28, 0x74, 0x84, 0x94, 0xa4, 0xb4,
                0x80, 0x90, 0xb0, 0xa0, 0xc0,
            ]), 0u8..4, proptest::collection::vec(any::<u8>(), 4)),
            0..48,
        ),
        report in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut bytes = Vec::new();
        for (tag, size, data) in items {
            bytes.push(tag | size);
            let n = [0, 1, 2, 4][usize::from(size)];
            bytes.extend(&data[..n]);
        }
        if let Ok(d) = Device::new(DeviceId::default(), "random", bytes) {
            let _ = d.decode(&report);
            let _ = d.diff(&report, &report);
        }
    }
}
