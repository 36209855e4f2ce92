//! Live mode against an in-process peer that speaks uhid over a datagram
//! socket pair (the kernel's side), with the real device played by another
//! socket pair: the virtual device is created with the fixed descriptor,
//! reports come out fixed, output reports reach the device.

use std::os::unix::net::UnixDatagram;
use std::path::Path;

use quiver_hid::bpf::{HidHost, Identity};
use quiver_hid::live::{parse_uevent, run_bridge};
use quiver_hid::uhid::{self, FromDevice};

fn example(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/hid")
            .join(name),
    )
    .unwrap()
}

fn pen_rdesc() -> Vec<u8> {
    let text = String::from_utf8(example("pen.hid.txt")).unwrap();
    let line = text.lines().find(|l| l.starts_with("R: ")).unwrap();
    line.split_whitespace()
        .skip(2)
        .map(|h| u8::from_str_radix(h, 16).unwrap())
        .collect()
}

fn recv(s: &UnixDatagram) -> FromDevice {
    let mut buf = vec![0u8; uhid::EVENT_SIZE];
    let n = s.recv(&mut buf).unwrap();
    assert_eq!(n, uhid::EVENT_SIZE);
    uhid::parse_from_device(&buf[..n]).unwrap()
}

#[test]
fn the_bridge_speaks_uhid_with_the_fixed_device() {
    let (dev_side, real_device) = UnixDatagram::pair().unwrap();
    let (uhid_side, kernel) = UnixDatagram::pair().unwrap();
    let identity = Identity {
        bus: 3,
        vendor: 0x1234,
        product: 0x5678,
        name: "Quiver Example Pen".into(),
        ..Identity::default()
    };
    let objects = vec![(
        "pen_pressure".to_string(),
        example("obj/pen_pressure.bpf.o"),
    )];
    let bridge = std::thread::spawn(move || {
        let host = HidHost::new();
        run_bridge(
            &host,
            identity,
            pen_rdesc(),
            7,
            &objects,
            dev_side.try_clone().unwrap(),
            dev_side,
            uhid_side.try_clone().unwrap(),
            uhid_side,
        )
        .unwrap()
    });
    match recv(&kernel) {
        FromDevice::Create2 {
            name,
            bus,
            vendor,
            product,
            rdesc,
        } => {
            assert_eq!(
                (name.as_str(), bus, vendor, product),
                ("Quiver Example Pen", 3, 0x1234, 0x5678)
            );
            assert_eq!(rdesc.len(), 56);
            assert_eq!(rdesc[49], 0x07, "the fixed descriptor");
        }
        other => panic!("{other:?}"),
    }
    // A report from the device comes out with its pressure doubled.
    real_device.send(&[1, 10, 0, 20, 0, 0xff, 0x01]).unwrap();
    assert_eq!(
        recv(&kernel),
        FromDevice::Input2(vec![1, 10, 0, 20, 0, 0xfe, 0x03])
    );
    // An output report from the kernel reaches the device.
    kernel.send(&uhid::output(&[2, 1], 1)).unwrap();
    let mut buf = [0u8; 64];
    let n = real_device.recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], &[2, 1]);
    // Feature requests are refused with -EIO for now.
    kernel.send(&uhid::get_report(7, 5, 2)).unwrap();
    assert_eq!(
        recv(&kernel),
        FromDevice::GetReportReply {
            id: 7,
            err: 5,
            data: vec![]
        }
    );
    // The device goes away (an empty message: what a read at end of file
    // gives): the bridge destroys the virtual device and ends.
    real_device.send(&[]).unwrap();
    assert_eq!(recv(&kernel), FromDevice::Destroy);
    kernel.send(&[]).unwrap();
    let stats = bridge.join().unwrap();
    assert_eq!((stats.reports, stats.dropped, stats.outputs), (1, 0, 1));
}

#[test]
fn uevent_gives_the_identity() {
    let id = parse_uevent(
        "DRIVER=hid-generic\nHID_ID=0003:0000046D:0000C077\nHID_NAME=Logitech USB Optical Mouse\nHID_PHYS=usb-0000:00:14.0-2/input0\nHID_UNIQ=\n",
    );
    assert_eq!((id.bus, id.vendor, id.product), (3, 0x046d, 0xc077));
    assert_eq!(id.name, "Logitech USB Optical Mouse");
    assert_eq!(id.phys, "usb-0000:00:14.0-2/input0");
}
