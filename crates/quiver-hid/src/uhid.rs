//! The uhid protocol (`/dev/uhid`, `<linux/uhid.h>`): a process creates a
//! virtual HID device by writing `struct uhid_event`s and answers the
//! kernel's requests read from the same file. quiver's live mode uses it to
//! expose the fixed device.
//!
//! `struct uhid_event` is packed: a u32 type then the largest request,
//! `uhid_create2_req` (4,372 bytes), so every event is 4,376 bytes; all
//! integers little-endian (the host's order on the machines we run on).

/// Size of `struct uhid_event`.
pub const EVENT_SIZE: usize = 4 + CREATE2_SIZE;
/// Size of `struct uhid_create2_req`.
const CREATE2_SIZE: usize = 128 + 64 + 64 + 2 + 2 + 4 * 4 + DATA_MAX;
/// `UHID_DATA_MAX`.
pub const DATA_MAX: usize = 4096;

/// `enum uhid_event_type` values quiver uses.
pub mod kind {
    pub const DESTROY: u32 = 1;
    pub const START: u32 = 2;
    pub const STOP: u32 = 3;
    pub const OPEN: u32 = 4;
    pub const CLOSE: u32 = 5;
    pub const OUTPUT: u32 = 6;
    pub const GET_REPORT: u32 = 9;
    pub const GET_REPORT_REPLY: u32 = 10;
    pub const CREATE2: u32 = 11;
    pub const INPUT2: u32 = 12;
    pub const SET_REPORT: u32 = 13;
    pub const SET_REPORT_REPLY: u32 = 14;
}

/// What the kernel (or a peer) sends to the device's process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FromKernel {
    Start,
    Stop,
    Open,
    Close,
    /// An output report for the device (`rtype`: `UHID_OUTPUT_REPORT` 1...).
    Output {
        data: Vec<u8>,
        rtype: u8,
    },
    GetReport {
        id: u32,
        rnum: u8,
        rtype: u8,
    },
    SetReport {
        id: u32,
        rnum: u8,
        rtype: u8,
        data: Vec<u8>,
    },
    /// A type quiver does not handle.
    Other(u32),
}

fn put(buf: &mut [u8], off: usize, bytes: &[u8]) {
    buf[off..off + bytes.len()].copy_from_slice(bytes);
}

fn cstr(buf: &mut [u8], off: usize, len: usize, s: &str) {
    let b = s.as_bytes();
    let n = b.len().min(len - 1);
    put(buf, off, &b[..n]);
}

/// `UHID_CREATE2`: the device as the kernel will see it.
pub fn create2(id: &crate::bpf::Identity, rdesc: &[u8]) -> Vec<u8> {
    let mut e = vec![0u8; EVENT_SIZE];
    put(&mut e, 0, &kind::CREATE2.to_le_bytes());
    let b = 4;
    cstr(&mut e, b, 128, &id.name);
    cstr(&mut e, b + 128, 64, &id.phys);
    cstr(&mut e, b + 192, 64, &id.uniq);
    let n = rdesc.len().min(DATA_MAX);
    put(&mut e, b + 256, &(n as u16).to_le_bytes());
    put(&mut e, b + 258, &id.bus.to_le_bytes());
    put(&mut e, b + 260, &id.vendor.to_le_bytes());
    put(&mut e, b + 264, &id.product.to_le_bytes());
    put(&mut e, b + 268, &id.version.to_le_bytes());
    // country (u32) stays 0
    put(&mut e, b + 276, &rdesc[..n]);
    e
}

/// `UHID_INPUT2`: an input report from the device.
pub fn input2(data: &[u8]) -> Vec<u8> {
    let mut e = vec![0u8; EVENT_SIZE];
    put(&mut e, 0, &kind::INPUT2.to_le_bytes());
    let n = data.len().min(DATA_MAX);
    put(&mut e, 4, &(n as u16).to_le_bytes());
    put(&mut e, 6, &data[..n]);
    e
}

/// `UHID_GET_REPORT_REPLY`.
pub fn get_report_reply(id: u32, err: u16, data: &[u8]) -> Vec<u8> {
    let mut e = vec![0u8; EVENT_SIZE];
    put(&mut e, 0, &kind::GET_REPORT_REPLY.to_le_bytes());
    put(&mut e, 4, &id.to_le_bytes());
    put(&mut e, 8, &err.to_le_bytes());
    let n = data.len().min(DATA_MAX);
    put(&mut e, 10, &(n as u16).to_le_bytes());
    put(&mut e, 12, &data[..n]);
    e
}

/// `UHID_SET_REPORT_REPLY`.
pub fn set_report_reply(id: u32, err: u16) -> Vec<u8> {
    let mut e = vec![0u8; EVENT_SIZE];
    put(&mut e, 0, &kind::SET_REPORT_REPLY.to_le_bytes());
    put(&mut e, 4, &id.to_le_bytes());
    put(&mut e, 8, &err.to_le_bytes());
    e
}

/// `UHID_DESTROY`.
pub fn destroy() -> Vec<u8> {
    let mut e = vec![0u8; EVENT_SIZE];
    put(&mut e, 0, &kind::DESTROY.to_le_bytes());
    e
}

fn u16_at(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(off..off + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(off..off + 4)?.try_into().ok()?))
}

/// Decodes an event read from uhid; `None` when it is too short to be one.
pub fn parse(b: &[u8]) -> Option<FromKernel> {
    let t = u32_at(b, 0)?;
    Some(match t {
        kind::START => FromKernel::Start,
        kind::STOP => FromKernel::Stop,
        kind::OPEN => FromKernel::Open,
        kind::CLOSE => FromKernel::Close,
        // uhid_output_req: data[4096], size u16, rtype u8
        kind::OUTPUT => {
            let size = usize::from(u16_at(b, 4 + DATA_MAX)?).min(DATA_MAX);
            FromKernel::Output {
                data: b.get(4..4 + size)?.to_vec(),
                rtype: *b.get(4 + DATA_MAX + 2)?,
            }
        }
        // uhid_get_report_req: id u32, rnum u8, rtype u8
        kind::GET_REPORT => FromKernel::GetReport {
            id: u32_at(b, 4)?,
            rnum: *b.get(8)?,
            rtype: *b.get(9)?,
        },
        // uhid_set_report_req: id u32, rnum u8, rtype u8, size u16, data
        kind::SET_REPORT => {
            let size = usize::from(u16_at(b, 10)?).min(DATA_MAX);
            FromKernel::SetReport {
                id: u32_at(b, 4)?,
                rnum: *b.get(8)?,
                rtype: *b.get(9)?,
                data: b.get(12..12 + size)?.to_vec(),
            }
        }
        other => FromKernel::Other(other),
    })
}

/// Decodes an event a process wrote (what a uhid peer receives): the
/// created device or an input report. For tests and tools that play the
/// kernel's side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FromDevice {
    Create2 {
        name: String,
        bus: u16,
        vendor: u32,
        product: u32,
        rdesc: Vec<u8>,
    },
    Input2(Vec<u8>),
    GetReportReply {
        id: u32,
        err: u16,
        data: Vec<u8>,
    },
    SetReportReply {
        id: u32,
        err: u16,
    },
    Destroy,
    Other(u32),
}

fn cstr_at(b: &[u8], off: usize, len: usize) -> Option<String> {
    let s = b.get(off..off + len)?;
    let end = s.iter().position(|&c| c == 0).unwrap_or(len);
    Some(String::from_utf8_lossy(&s[..end]).into_owned())
}

/// Decodes what a device process wrote.
pub fn parse_from_device(b: &[u8]) -> Option<FromDevice> {
    let t = u32_at(b, 0)?;
    Some(match t {
        kind::CREATE2 => {
            let base = 4;
            let n = usize::from(u16_at(b, base + 256)?).min(DATA_MAX);
            FromDevice::Create2 {
                name: cstr_at(b, base, 128)?,
                bus: u16_at(b, base + 258)?,
                vendor: u32_at(b, base + 260)?,
                product: u32_at(b, base + 264)?,
                rdesc: b.get(base + 276..base + 276 + n)?.to_vec(),
            }
        }
        kind::INPUT2 => {
            let n = usize::from(u16_at(b, 4)?).min(DATA_MAX);
            FromDevice::Input2(b.get(6..6 + n)?.to_vec())
        }
        kind::GET_REPORT_REPLY => {
            let n = usize::from(u16_at(b, 10)?).min(DATA_MAX);
            FromDevice::GetReportReply {
                id: u32_at(b, 4)?,
                err: u16_at(b, 8)?,
                data: b.get(12..12 + n)?.to_vec(),
            }
        }
        kind::SET_REPORT_REPLY => FromDevice::SetReportReply {
            id: u32_at(b, 4)?,
            err: u16_at(b, 8)?,
        },
        kind::DESTROY => FromDevice::Destroy,
        other => FromDevice::Other(other),
    })
}

/// `UHID_OUTPUT` as the kernel sends it (for peers and tests).
pub fn output(data: &[u8], rtype: u8) -> Vec<u8> {
    let mut e = vec![0u8; EVENT_SIZE];
    put(&mut e, 0, &kind::OUTPUT.to_le_bytes());
    let n = data.len().min(DATA_MAX);
    put(&mut e, 4, &data[..n]);
    put(&mut e, 4 + DATA_MAX, &(n as u16).to_le_bytes());
    e[4 + DATA_MAX + 2] = rtype;
    e
}

/// `UHID_GET_REPORT` as the kernel sends it (for peers and tests).
pub fn get_report(id: u32, rnum: u8, rtype: u8) -> Vec<u8> {
    let mut e = vec![0u8; EVENT_SIZE];
    put(&mut e, 0, &kind::GET_REPORT.to_le_bytes());
    put(&mut e, 4, &id.to_le_bytes());
    e[8] = rnum;
    e[9] = rtype;
    e
}
