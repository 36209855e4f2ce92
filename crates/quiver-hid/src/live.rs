//! Live mode, for kernels without HID-BPF: reads the real device through
//! hidraw, passes every report through the attached programs, and exposes
//! the fixed device through uhid; output reports the kernel sends to the
//! virtual device go through the programs' `hid_hw_output_report` and on
//! to the real one.
//!
//! The bridge works on packet endpoints ([`Packets`]): the character
//! devices in real use, datagram socket pairs in tests (where a peer plays
//! the kernel's uhid side). Feature-report requests go through the
//! programs' `hid_hw_request`, then to the real device (hidraw's
//! HIDIOCGFEATURE / HIDIOCSFEATURE).

use std::io::{self, Read, Write};
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::bpf::{HidDevice, HidHost, Identity, Transport, abi};
use crate::uhid::{self, FromKernel};

/// A message endpoint: one `recv` gives one whole message (a report, a
/// uhid event); 0 bytes means closed.
pub trait Packets: Send {
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize>;
    fn send(&mut self, buf: &[u8]) -> io::Result<()>;
    /// A feature report: read into `buf` (its first byte the report id)
    /// or, with `set`, write `buf`; the bytes transferred.
    fn feature(&mut self, buf: &mut [u8], set: bool) -> io::Result<usize> {
        let _ = (buf, set);
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }
}

impl Packets for std::fs::File {
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.read(buf)
    }
    fn send(&mut self, buf: &[u8]) -> io::Result<()> {
        self.write_all(buf)
    }
    /// hidraw's HIDIOCGFEATURE / HIDIOCSFEATURE.
    fn feature(&mut self, buf: &mut [u8], set: bool) -> io::Result<usize> {
        crate::hidraw::feature(self, buf, set)
    }
}

impl Packets for UnixDatagram {
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        UnixDatagram::recv(self, buf)
    }
    fn send(&mut self, buf: &[u8]) -> io::Result<()> {
        UnixDatagram::send(self, buf).map(|_| ())
    }
}

/// A device's identity and report descriptor from sysfs
/// (`/sys/class/hidraw/hidrawN/device/{uevent,report_descriptor}`).
pub fn from_sysfs(hidraw: &Path) -> io::Result<(Identity, Vec<u8>)> {
    let name = hidraw
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a hidraw path"))?;
    let dir = Path::new("/sys/class/hidraw").join(name).join("device");
    let rdesc = std::fs::read(dir.join("report_descriptor"))?;
    let uevent = std::fs::read_to_string(dir.join("uevent"))?;
    Ok((parse_uevent(&uevent), rdesc))
}

/// `HID_ID=0003:0000046D:0000C077`, `HID_NAME=...`, `HID_PHYS=...`,
/// `HID_UNIQ=...`.
pub fn parse_uevent(text: &str) -> Identity {
    let mut id = Identity::default();
    for line in text.lines() {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        match k {
            "HID_ID" => {
                let p: Vec<u32> = v
                    .split(':')
                    .filter_map(|x| u32::from_str_radix(x, 16).ok())
                    .collect();
                if let [bus, vendor, product] = p[..] {
                    (id.bus, id.vendor, id.product) = (bus as u16, vendor, product);
                }
            }
            "HID_NAME" => id.name = v.to_string(),
            "HID_PHYS" => id.phys = v.to_string(),
            "HID_UNIQ" => id.uniq = v.to_string(),
            _ => {}
        }
    }
    id
}

/// The real device's output side, as the programs' requests reach it.
struct Device<P: Packets> {
    out: Mutex<P>,
}

impl<P: Packets> Transport for Device<P> {
    fn raw_request(&self, buf: &mut [u8], rtype: u64, reqtype: u64) -> i32 {
        if rtype != abi::HID_FEATURE_REPORT {
            return -5;
        }
        let set = match reqtype {
            abi::HID_REQ_GET_REPORT => false,
            abi::HID_REQ_SET_REPORT => true,
            _ => return -5,
        };
        match self.out.lock().map(|mut o| o.feature(buf, set)) {
            Ok(Ok(n)) => n as i32,
            Ok(Err(e)) => -e.raw_os_error().unwrap_or(5),
            Err(_) => -5,
        }
    }
    fn output_report(&self, buf: &[u8]) -> i32 {
        match self.out.lock().map(|mut o| o.send(buf)) {
            Ok(Ok(())) => buf.len() as i32,
            _ => -5,
        }
    }
}

/// A negative result as the positive errno uhid replies carry.
fn uhid_errno(r: i32) -> u16 {
    r.unsigned_abs().min(u32::from(u16::MAX)) as u16
}

/// Counts of what the bridge passed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BridgeStats {
    pub reports: u64,
    pub dropped: u64,
    pub outputs: u64,
}

/// Runs the bridge until the device or uhid side closes: creates the
/// virtual device with the fixed descriptor, then forwards in both
/// directions. `objects` are loaded for the device first.
#[allow(clippy::too_many_arguments)]
pub fn run_bridge<D: Packets + 'static, U: Packets>(
    host: &HidHost,
    identity: Identity,
    rdesc: Vec<u8>,
    max_report_len: usize,
    objects: &[(String, Vec<u8>)],
    mut device_in: D,
    device_out: D,
    mut uhid_in: U,
    uhid_out: U,
) -> Result<BridgeStats, crate::bpf::HostError> {
    let transport = Arc::new(Device {
        out: Mutex::new(device_out),
    });
    let mut dev: HidDevice<'_> =
        host.device(identity.clone(), rdesc, max_report_len, transport.clone());
    for (name, bytes) in objects {
        if let Err(why) = dev.load(name, bytes)? {
            tracing::info!("{name}: not attached: {why:?}");
        }
    }
    let uhid_out = Mutex::new(uhid_out);
    let send = |e: Vec<u8>| {
        uhid_out
            .lock()
            .map_err(|_| io::Error::other("uhid writer poisoned"))
            .and_then(|mut u| u.send(&e))
    };
    let created = uhid::create2(&identity, dev.rdesc());
    if send(created).is_err() {
        return Ok(BridgeStats::default());
    }
    let dev = Mutex::new(dev);
    let stats = Mutex::new(BridgeStats::default());
    std::thread::scope(|s| {
        // The kernel's side: output reports and requests.
        s.spawn(|| {
            let mut buf = vec![0u8; uhid::EVENT_SIZE];
            loop {
                let n = match uhid_in.recv(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                match uhid::parse(&buf[..n]) {
                    Some(FromKernel::Output { data, .. }) => {
                        if let Ok(mut d) = dev.lock() {
                            let _ = d.output_report(&data);
                        }
                        if let Ok(mut st) = stats.lock() {
                            st.outputs += 1;
                        }
                    }
                    // Requests go through the programs' hid_hw_request
                    // (first non-zero answer wins), then to the device.
                    Some(FromKernel::GetReport { id, rnum, rtype }) => {
                        let mut b = vec![0u8; max_report_len.max(1)];
                        b[0] = rnum;
                        let r = dev.lock().map_or(-5, |mut d| {
                            d.hw_request(&mut b, u64::from(rtype), abi::HID_REQ_GET_REPORT)
                                .unwrap_or(-5)
                        });
                        let reply = if r > 0 {
                            uhid::get_report_reply(id, 0, &b[..(r as usize).min(b.len())])
                        } else {
                            uhid::get_report_reply(id, uhid_errno(r), &[])
                        };
                        let _ = send(reply);
                    }
                    Some(FromKernel::SetReport {
                        id,
                        rtype,
                        mut data,
                        ..
                    }) => {
                        let r = dev.lock().map_or(-5, |mut d| {
                            d.hw_request(&mut data, u64::from(rtype), abi::HID_REQ_SET_REPORT)
                                .unwrap_or(-5)
                        });
                        let err = if r < 0 { uhid_errno(r) } else { 0 };
                        let _ = send(uhid::set_report_reply(id, err));
                    }
                    _ => {}
                }
            }
        });
        // The device's side: reports through the programs, to uhid.
        let mut buf = vec![0u8; uhid::DATA_MAX];
        loop {
            let n = match device_in.recv(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let out = match dev.lock() {
                Ok(mut d) => d.event(abi::HID_INPUT_REPORT, &buf[..n]),
                Err(_) => break,
            };
            let mut st = stats.lock().unwrap_or_else(|p| p.into_inner());
            st.reports += 1;
            match out {
                Ok(Some(r)) => {
                    drop(st);
                    if send(uhid::input2(&r)).is_err() {
                        break;
                    }
                }
                Ok(None) => st.dropped += 1,
                Err(e) => tracing::warn!("hid-bpf: event failed: {e}"),
            }
        }
        // The other thread ends when the uhid side closes.
        let _ = send(uhid::destroy());
    });
    Ok(stats.into_inner().unwrap_or_else(|p| p.into_inner()))
}
