//! hid_bpf_allocate_context: a probe that asks the device for a feature
//! report before attaching, and a work item (sleepable, on the host's
//! worker) that sends an output report a device event asked for.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use quiver_hid::bpf::{HidHost, Identity, Skipped, Transport};

fn example(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/hid")
            .join(name),
    )
    .unwrap()
}

/// Answers feature report 5 with `marker` in byte 1; records output
/// reports.
struct Buttons {
    marker: u8,
    outputs: Mutex<Vec<Vec<u8>>>,
}

impl Transport for Buttons {
    fn raw_request(&self, buf: &mut [u8], rtype: u64, reqtype: u64) -> i32 {
        if rtype == 2 && reqtype == 1 && buf.first() == Some(&5) && buf.len() > 1 {
            buf[1] = self.marker;
            return buf.len() as i32;
        }
        -5
    }
    fn output_report(&self, buf: &[u8]) -> i32 {
        self.outputs.lock().unwrap().push(buf.to_vec());
        buf.len() as i32
    }
}

fn buttons() -> Identity {
    Identity {
        bus: 3,
        vendor: 0x1234,
        product: 0x0002,
        ..Identity::default()
    }
}

#[test]
fn a_probe_asks_the_device_before_attaching() {
    let host = HidHost::new();
    for (marker, attached) in [(0x42u8, true), (0x41, false)] {
        let t = Arc::new(Buttons {
            marker,
            outputs: Mutex::new(Vec::new()),
        });
        let mut dev = host.device(buttons(), vec![0xc0], 2, t);
        let r = dev
            .load("probe_feature", &example("obj/probe_feature.bpf.o"))
            .unwrap();
        assert_eq!(r.is_ok(), attached, "marker {marker:#x}");
        if attached {
            // Buttons 1 and 2 swapped.
            assert_eq!(dev.event(0, &[1, 0b01]).unwrap(), Some(vec![1, 0b10]));
        } else {
            assert_eq!(r.err(), Some(Skipped::ProbeRefused(-22)));
        }
    }
}

#[test]
fn a_device_event_defers_an_output_report_to_a_work_item() {
    let host = HidHost::new();
    let t = Arc::new(Buttons {
        marker: 0,
        outputs: Mutex::new(Vec::new()),
    });
    let mut dev = host.device(buttons(), vec![0xc0], 2, t.clone());
    dev.load("led_wq", &example("obj/led_wq.bpf.o"))
        .unwrap()
        .unwrap();
    assert_eq!(dev.event(0, &[1, 0]).unwrap(), Some(vec![1, 0]));
    assert_eq!(dev.event(0, &[1, 1]).unwrap(), Some(vec![1, 1]));
    // The worker sends it, some time after the event returned.
    let mut waited = 0;
    while t.outputs.lock().unwrap().is_empty() && waited < 10_000 {
        std::thread::sleep(Duration::from_millis(1));
        waited += 1;
    }
    assert_eq!(*t.outputs.lock().unwrap(), [vec![2u8, 1]]);
    let leds = dev.attached()[0].bpf.map("leds").unwrap();
    let v = leds.raw().lookup_copy(&0u32.to_ne_bytes()).unwrap();
    // lock(4) hid(4) work(16) presses(4) last_result(4)
    assert_eq!(u32::from_le_bytes(v[24..28].try_into().unwrap()), 1);
    let mut last = 0;
    for _ in 0..10_000 {
        let v = leds.raw().lookup_copy(&0u32.to_ne_bytes()).unwrap();
        last = i32::from_le_bytes(v[28..32].try_into().unwrap());
        if last != 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(last, 2);
}
