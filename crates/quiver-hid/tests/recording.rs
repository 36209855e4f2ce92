//! hid-recorder files: round trips, errors with line numbers, no panics.

use proptest::prelude::*;
use quiver_hid::{DeviceId, Event, HidError, RecordedDevice, Recording};

const MOUSE_RDESC: &str = "R: 72 05 01 09 02 a1 01 09 01 a1 00 05 09 19 01 29 03 15 00 25 01 75 01 95 03 81 02 75 05 95 01 81 01 05 01 09 30 09 31 09 38 15 81 25 7f 75 08 95 03 81 06 c0 05 ff 09 02 15 00 25 01 75 01 95 01 b1 22 75 07 95 01 b1 01 c0";

fn single() -> String {
    format!(
        "{MOUSE_RDESC}\n\
         N: Microsoft Microsoft 3-Button Mouse with IntelliEye(TM)\n\
         P: usb-0000:00:14.0-2/input0\n\
         I: 3 045e 0040\n\
         E: 000000.000000 4 00 01 00 00\n\
         E: 000000.008012 4 00 02 ff 00\n\
         E: 000001.500000 4 01 00 00 ff\n"
    )
}

fn multi() -> String {
    format!(
        "D: 0\n\
         {MOUSE_RDESC}\n\
         N: Mouse\n\
         P: usb-1/input0\n\
         I: 3 045e 0040\n\
         E: 000000.000100 4 00 01 00 00\n\
         D: 1\n\
         R: 3 05 01 c0\n\
         N: Other\n\
         P: \n\
         I: 18 056a 0357\n\
         E: 000000.000200 2 0a 0b\n\
         E: 000123.999999 0\n"
    )
}

#[test]
fn single_device_round_trip_is_byte_exact() {
    let text = single();
    let rec = Recording::parse(&text).unwrap();
    assert_eq!(rec.devices.len(), 1);
    let d = &rec.devices[0];
    assert_eq!(d.index, 0);
    assert_eq!(
        d.name,
        "Microsoft Microsoft 3-Button Mouse with IntelliEye(TM)"
    );
    assert_eq!(d.phys, "usb-0000:00:14.0-2/input0");
    assert_eq!(d.id, DeviceId::new(3, 0x045e, 0x0040));
    assert_eq!(d.rdesc.len(), 72);
    assert_eq!(d.rdesc[..4], [0x05, 0x01, 0x09, 0x02]);
    assert_eq!(d.events.len(), 3);
    assert_eq!(
        d.events[1],
        Event {
            time: (0, 8012),
            data: vec![0, 2, 0xff, 0]
        }
    );
    assert_eq!(d.events[2].time, (1, 500_000));
    assert_eq!(rec.to_string(), text);

    let mut out = Vec::new();
    rec.write_to(&mut out).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), text);

    // The device model comes with the recording.
    let dev = d.device().unwrap();
    assert_eq!(dev.max_report_len(), 4);
    assert_eq!(dev.phys, d.phys);
    let lines: Vec<String> = dev
        .diff(&d.events[0].data, &d.events[1].data)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(lines, ["X 1 -> 2", "Y 0 -> -1"]);
}

#[test]
fn multi_device_round_trip_is_byte_exact() {
    let text = multi();
    let rec = Recording::parse(&text).unwrap();
    assert_eq!(rec.devices.len(), 2);
    let other = rec.device(1).unwrap();
    assert_eq!(other.name, "Other");
    assert_eq!(other.phys, "");
    assert_eq!(other.id, DeviceId::new(0x18, 0x056a, 0x0357));
    assert_eq!(other.rdesc, [0x05, 0x01, 0xc0]);
    assert_eq!(other.events.len(), 2);
    assert_eq!(
        other.events[1],
        Event {
            time: (123, 999_999),
            data: vec![]
        }
    );
    assert_eq!(rec.device(0).unwrap().events.len(), 1);
    assert_eq!(rec.to_string(), text);
}

#[test]
fn comments_blank_lines_crlf_and_interleaving_are_normalised() {
    let text = "# hid-recorder output\r\n\
                D: 0\r\n\
                R: 2 A1 C0\r\n\
                N: A\r\n\
                I: 3 1 2\r\n\
                \r\n\
                D: 1\r\n\
                R: 2 a1 c0\r\n\
                N: B\r\n\
                P: p\r\n\
                I: 3 3 4\r\n\
                # ReportID: 1 / X: 1\r\n\
                D: 0\r\n\
                E: 1.000001 1 01 \r\n\
                D: 1\r\n\
                E: 2.000002 1 02\r\n\
                D: 0\r\n\
                E: 3.000003 1 03\r\n";
    let rec = Recording::parse(text).unwrap();
    assert_eq!(rec.devices[0].rdesc, [0xa1, 0xc0]);
    assert_eq!(rec.devices[0].phys, "");
    assert_eq!(rec.devices[0].events.len(), 2);
    assert_eq!(rec.devices[1].events[0].time, (2, 2));
    let canonical = "D: 0\nR: 2 a1 c0\nN: A\nP: \nI: 3 0001 0002\n\
                     E: 000001.000001 1 01\nE: 000003.000003 1 03\n\
                     D: 1\nR: 2 a1 c0\nN: B\nP: p\nI: 3 0003 0004\n\
                     E: 000002.000002 1 02\n";
    assert_eq!(rec.to_string(), canonical);
    assert_eq!(Recording::parse(canonical).unwrap(), rec);
}

#[test]
fn from_raw_descriptor() {
    let rec = Recording::from_raw_descriptor(
        vec![0x05, 0x01, 0xc0],
        DeviceId::new(5, 0x57e, 0x2009),
        "Pro Controller",
    );
    assert_eq!(
        rec.to_string(),
        "R: 3 05 01 c0\nN: Pro Controller\nP: \nI: 5 057e 2009\n"
    );
    assert_eq!(Recording::parse(&rec.to_string()).unwrap(), rec);
}

fn error(text: &str) -> (usize, String) {
    match Recording::parse(text) {
        Ok(r) => panic!("accepted: {r:?}"),
        Err(HidError::Recording { line, reason }) => (line, reason),
        Err(e) => panic!("unexpected error {e}"),
    }
}

#[test]
fn errors_carry_line_numbers_and_say_what_is_wrong() {
    let (line, reason) = error("# c\nR: 2 05 0g\nI: 3 1 2\n");
    assert_eq!(line, 2);
    assert!(reason.contains("bad hex byte \"0g\" (byte 2"), "{reason}");

    let (line, reason) = error("R: 3 05 01\nI: 3 1 2\n");
    assert_eq!(line, 1);
    assert!(
        reason.contains("length mismatch") && reason.contains("says 3"),
        "{reason}"
    );

    let (line, reason) = error("R: 1 05\nI: 3 1 2\nE: 0.000001 2 01\n");
    assert_eq!(line, 3);
    assert!(reason.contains("length mismatch"), "{reason}");

    let (line, reason) = error("R: 1 05\nI: 3 1\n");
    assert_eq!(line, 2);
    assert_eq!(reason, "missing field: product");

    let (line, reason) = error("R: 1 05\nI: 3 zz 1\n");
    assert_eq!(line, 2);
    assert!(reason.contains("bad hex vendor"), "{reason}");

    let (line, reason) = error("N: x\nI: 3 1 2\n");
    assert_eq!(line, 1);
    assert!(
        reason.contains("missing field") && reason.contains("R:"),
        "{reason}"
    );

    let (line, reason) = error("D: 0\nR: 1 05\nI: 3 1 2\nD: 4\nR: 1 05\n");
    assert_eq!(line, 4);
    assert!(reason.contains("device 4 has no I:"), "{reason}");

    let (line, reason) = error("R: 1 05\nI: 3 1 2\nE: 1.5 1 00\n");
    assert_eq!(line, 3);
    assert!(reason.contains("6 digits"), "{reason}");

    let (line, reason) = error("R: 1 05\nI: 3 1 2\nE: 1 1 00\n");
    assert_eq!(line, 3);
    assert!(reason.contains("<sec>.<usec>"), "{reason}");

    let (line, reason) = error("R: 1 05\nR: 1 05\n");
    assert_eq!(line, 2);
    assert_eq!(reason, "second R: line for device 0");

    let (line, reason) = error("R: 1 05\nI: 3 1 2\nX: 1\n");
    assert_eq!(line, 3);
    assert!(reason.contains("unknown line type \"X\""), "{reason}");

    let (line, reason) = error("R: 1 05\nhello\n");
    assert_eq!(line, 2);
    assert!(reason.contains("expected"), "{reason}");

    let (line, reason) = error("D: one\n");
    assert_eq!(line, 1);
    assert!(reason.contains("bad device index"), "{reason}");

    let e = Recording::parse("R: x\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "hid-recorder file, line 1: bad report descriptor length \"x\" (expected a decimal number)"
    );
}

fn device_strategy() -> impl Strategy<Value = RecordedDevice> {
    (
        "[ -~]{0,30}",
        "[!-~][ -~]{0,20}",
        any::<(u16, u16, u16)>(),
        proptest::collection::vec(any::<u8>(), 0..40),
        proptest::collection::vec(
            (
                any::<u64>(),
                0u32..1_000_000,
                proptest::collection::vec(any::<u8>(), 0..20),
            ),
            0..5,
        ),
    )
        .prop_map(
            |(name, phys, (bus, vid, pid), rdesc, events)| RecordedDevice {
                index: 0,
                name,
                phys,
                id: DeviceId::new(bus, u32::from(vid), u32::from(pid)),
                rdesc,
                events: events
                    .into_iter()
                    .map(|(s, us, data)| Event {
                        time: (s, us),
                        data,
                    })
                    .collect(),
            },
        )
}

proptest! {
    #[test]
    fn parse_write_round_trip(mut devices in proptest::collection::vec(device_strategy(), 1..4)) {
        for (i, d) in devices.iter_mut().enumerate() {
            d.index = i as u32 * 2;
        }
        let rec = Recording { devices };
        let text = rec.to_string();
        let back = Recording::parse(&text).unwrap();
        prop_assert_eq!(&back, &rec);
        prop_assert_eq!(back.to_string(), text);
    }

    #[test]
    fn random_text_never_panics(text in "\\PC{0,200}") {
        let _ = Recording::parse(&text);
    }

    #[test]
    fn random_recording_lines_never_panic(
        lines in proptest::collection::vec(
            ("[DRNPIEX#]", "[:]?", "[ 0-9a-fA-F.:x-]{0,30}"),
            0..12,
        ),
    ) {
        let text: String = lines.iter().map(|(a, b, c)| format!("{a}{b}{c}\n")).collect();
        if let Ok(rec) = Recording::parse(&text) {
            let again = Recording::parse(&rec.to_string()).unwrap();
            prop_assert_eq!(again, rec);
        }
    }
}
