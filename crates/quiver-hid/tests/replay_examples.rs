//! Every HID-BPF example verifies, and replaying its recording through it
//! gives the committed expected recording, byte for byte.

use std::path::{Path, PathBuf};

use quiver_hid::bpf::HidHost;
use quiver_hid::recording::Recording;
use quiver_hid::replay::{ObjectOutcome, replay_full};
use quiver_obj::Object;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/hid")
}

#[test]
fn every_example_object_verifies() {
    let host = HidHost::new();
    let mut n = 0;
    for entry in std::fs::read_dir(examples().join("obj")).unwrap() {
        let path = entry.unwrap().path();
        let object = Object::parse(&std::fs::read(&path).unwrap()).unwrap();
        for v in host
            .loader()
            .verify_object(&object, &quiver_verifier::Options::default())
            .unwrap()
        {
            assert!(
                v.result.is_ok(),
                "{}: {}: {:?}",
                path.display(),
                v.name,
                v.result.err()
            );
            n += 1;
        }
    }
    println!("hid examples: {n} programs verified");
    assert!(n >= 8);
}

#[test]
fn replays_match_the_expected_recordings() {
    // The buttons' probe asks for feature report 5, which the replay
    // answers as the device would.
    let mut firmware = std::collections::BTreeMap::new();
    firmware.insert(5u8, vec![5u8, 0x42, 0, 0]);
    let none = std::collections::BTreeMap::new();
    for (recording, object, features) in [
        ("pen", "pen_pressure", &none),
        ("mouse", "mouse_remap", &none),
        ("buttons", "probe_feature", &firmware),
        ("led", "led_wq", &none),
    ] {
        let text =
            std::fs::read_to_string(examples().join(format!("{recording}.hid.txt"))).unwrap();
        let input = Recording::parse(&text).unwrap();
        let bytes = std::fs::read(examples().join(format!("obj/{object}.bpf.o"))).unwrap();
        let result = replay_full(
            &input,
            &[(object.to_string(), bytes)],
            &Default::default(),
            features,
        )
        .unwrap();
        assert_eq!(
            result.objects[0].1[0].1,
            ObjectOutcome::Attached(vec![object.to_string()])
        );
        let mut out = Vec::new();
        result.output.write_to(&mut out).unwrap();
        let expected =
            std::fs::read(examples().join(format!("{recording}.expected.hid.txt"))).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            String::from_utf8(expected).unwrap(),
            "{recording}"
        );
        let (n, dropped, changed) = result.summary();
        println!("hid replay {recording}: {n} events in, {dropped} dropped, {changed} changed");
        if recording == "led" {
            // Its effect: the output report a work item sent.
            assert_eq!(result.outputs, [(0, vec![2u8, 1])]);
        } else {
            assert!(changed > 0);
        }
    }
}
