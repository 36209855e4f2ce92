//! The hid-recorder text format, in and out.
//!
//! A recording is a sequence of lines:
//!
//! | line | meaning |
//! | --- | --- |
//! | `# ...` | a comment (dropped when parsing) |
//! | `D: <index>` | the device the following lines belong to (decimal) |
//! | `R: <len> <hex bytes>` | the report descriptor: decimal length, then that many 2-digit hex bytes |
//! | `N: <name>` | the device name (the rest of the line) |
//! | `P: <phys>` | the physical path (the rest of the line) |
//! | `I: <bus> <vendor> <product>` | the identity, in hex (`I: 3 056a 0357`) |
//! | `E: <sec>.<usec> <len> <hex bytes>` | an event: time (usec is 6 digits), decimal length, bytes |
//!
//! Lines before any `D:` line belong to device 0. Empty lines are ignored.
//! `N:` and `P:` may be missing (they read as empty strings); `R:` and `I:`
//! are required for every device.
//!
//! # Canonical form
//!
//! [`Recording`]'s `Display` (and [`Recording::write_to`]) writes, for each
//! device in order, the lines in the order hid-recorder uses:
//!
//! ```text
//! D: 0                       (only when there is more than one device or an index other than 0)
//! R: 3 05 01 c0              (lowercase hex, one space between bytes, no trailing space)
//! N: Some Device
//! P: usb-0000:00:14.0-1/input0
//! I: 3 056a 0357             (bus in hex without padding, vendor and product on 4 digits at least)
//! E: 000000.000123 2 01 02   (seconds on 6 digits at least, microseconds on 6)
//! ```
//!
//! then that device's events. Parsing a file written in this form and
//! writing it back gives the same bytes; other files come back in this form
//! (comments dropped, uppercase hex lowercased, a recording whose events
//! alternate between devices regrouped by device, each event keeping its
//! timestamp). For any recording whose names and paths hold no line break
//! (and do not end in `\r`), `parse(write(x)) == x`.

use std::fmt;
use std::io;
use std::str::FromStr;

use crate::descriptor::{Device, DeviceId};
use crate::error::HidError;

/// A hid-recorder file: one or more devices with their events.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Recording {
    /// The devices in the order they first appear.
    pub devices: Vec<RecordedDevice>,
}

/// One device of a recording.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecordedDevice {
    /// The `D:` index (0 when the file has no `D:` line).
    pub index: u32,
    /// `N:`, the device name.
    pub name: String,
    /// `P:`, the physical path.
    pub phys: String,
    /// `I:`, bus, vendor and product (group and version are 0).
    pub id: DeviceId,
    /// `R:`, the report descriptor.
    pub rdesc: Vec<u8>,
    /// `E:` lines, in file order.
    pub events: Vec<Event>,
}

/// One `E:` line: a report as the device sent it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Event {
    /// Seconds and microseconds since the recording started.
    pub time: (u64, u32),
    /// The report bytes (starting with the report ID when there is one).
    pub data: Vec<u8>,
}

impl RecordedDevice {
    /// Builds the device model from the descriptor and identity.
    pub fn device(&self) -> Result<Device, HidError> {
        let mut device = Device::new(self.id, self.name.clone(), self.rdesc.clone())?;
        device.phys = self.phys.clone();
        Ok(device)
    }
}

impl Recording {
    /// A recording of one device (index 0, no events) from a raw report
    /// descriptor, e.g. a `*.hid.bin` file.
    pub fn from_raw_descriptor(
        bytes: impl Into<Vec<u8>>,
        id: DeviceId,
        name: impl Into<String>,
    ) -> Recording {
        Recording {
            devices: vec![RecordedDevice {
                index: 0,
                name: name.into(),
                phys: String::new(),
                id,
                rdesc: bytes.into(),
                events: Vec::new(),
            }],
        }
    }

    /// Parses a hid-recorder file.
    pub fn parse(text: &str) -> Result<Recording, HidError> {
        Parser::default().parse(text)
    }

    /// The device with `D:` index `index`.
    pub fn device(&self, index: u32) -> Option<&RecordedDevice> {
        self.devices.iter().find(|d| d.index == index)
    }

    /// Writes the recording in the canonical form (see the module doc).
    pub fn write_to(&self, out: &mut impl io::Write) -> io::Result<()> {
        write!(out, "{self}")
    }
}

impl FromStr for Recording {
    type Err = HidError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Recording::parse(s)
    }
}

fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    write!(f, "{}", bytes.len())?;
    for b in bytes {
        write!(f, " {b:02x}")?;
    }
    Ok(())
}

impl fmt::Display for Recording {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let with_index = self.devices.len() > 1 || self.devices.iter().any(|d| d.index != 0);
        for d in &self.devices {
            if with_index {
                writeln!(f, "D: {}", d.index)?;
            }
            f.write_str("R: ")?;
            write_hex(f, &d.rdesc)?;
            writeln!(f)?;
            writeln!(f, "N: {}", d.name)?;
            writeln!(f, "P: {}", d.phys)?;
            writeln!(
                f,
                "I: {:x} {:04x} {:04x}",
                d.id.bus, d.id.vendor, d.id.product
            )?;
            for e in &d.events {
                write!(f, "E: {:06}.{:06} ", e.time.0, e.time.1)?;
                write_hex(f, &e.data)?;
                writeln!(f)?;
            }
        }
        Ok(())
    }
}

/// What has been seen of one device while parsing.
#[derive(Default)]
struct Partial {
    device: RecordedDevice,
    first_line: usize,
    has_r: bool,
    has_n: bool,
    has_p: bool,
    has_i: bool,
}

#[derive(Default)]
struct Parser {
    devices: Vec<Partial>,
    current: Option<usize>,
}

impl Parser {
    fn parse(mut self, text: &str) -> Result<Recording, HidError> {
        for (n, raw) in text.split('\n').enumerate() {
            let line = n + 1;
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            if raw.trim().is_empty() || raw.starts_with('#') {
                continue;
            }
            let Some((tag, rest)) = raw.split_once(':') else {
                return Err(HidError::recording(
                    line,
                    format!("expected '<letter>: ...', got {:?}", truncate(raw)),
                ));
            };
            let value = rest.strip_prefix(' ').unwrap_or(rest);
            match tag {
                "D" => self.select(parse_index(line, value)?, line),
                "R" => {
                    let rdesc = parse_bytes(line, value.trim(), "report descriptor")?;
                    let p = self.current_device(line);
                    if p.has_r {
                        return Err(dup(line, "R", p.device.index));
                    }
                    p.has_r = true;
                    p.device.rdesc = rdesc;
                }
                "N" => {
                    let p = self.current_device(line);
                    if p.has_n {
                        return Err(dup(line, "N", p.device.index));
                    }
                    p.has_n = true;
                    p.device.name = value.to_string();
                }
                "P" => {
                    let p = self.current_device(line);
                    if p.has_p {
                        return Err(dup(line, "P", p.device.index));
                    }
                    p.has_p = true;
                    p.device.phys = value.to_string();
                }
                "I" => {
                    let id = parse_id(line, value)?;
                    let p = self.current_device(line);
                    if p.has_i {
                        return Err(dup(line, "I", p.device.index));
                    }
                    p.has_i = true;
                    p.device.id = id;
                }
                "E" => {
                    let event = parse_event(line, value.trim())?;
                    self.current_device(line).device.events.push(event);
                }
                other => {
                    return Err(HidError::recording(
                        line,
                        format!(
                            "unknown line type {:?} (expected D, R, N, P, I, E or a # comment)",
                            truncate(other)
                        ),
                    ));
                }
            }
        }
        let mut devices = Vec::with_capacity(self.devices.len());
        for p in self.devices {
            if !p.has_r {
                return Err(HidError::recording(
                    p.first_line,
                    format!(
                        "missing field: device {} has no R: (report descriptor) line",
                        p.device.index
                    ),
                ));
            }
            if !p.has_i {
                return Err(HidError::recording(
                    p.first_line,
                    format!(
                        "missing field: device {} has no I: (bus vendor product) line",
                        p.device.index
                    ),
                ));
            }
            devices.push(p.device);
        }
        Ok(Recording { devices })
    }

    fn select(&mut self, index: u32, line: usize) {
        let pos = match self.devices.iter().position(|p| p.device.index == index) {
            Some(pos) => pos,
            None => {
                self.devices.push(Partial {
                    device: RecordedDevice {
                        index,
                        ..RecordedDevice::default()
                    },
                    first_line: line,
                    ..Partial::default()
                });
                self.devices.len() - 1
            }
        };
        self.current = Some(pos);
    }

    fn current_device(&mut self, line: usize) -> &mut Partial {
        let pos = match self.current {
            Some(pos) => pos,
            None => {
                self.select(0, line);
                self.devices.len() - 1
            }
        };
        &mut self.devices[pos]
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

fn dup(line: usize, tag: &str, index: u32) -> HidError {
    HidError::recording(line, format!("second {tag}: line for device {index}"))
}

fn parse_index(line: usize, value: &str) -> Result<u32, HidError> {
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(HidError::recording(
            line,
            format!(
                "bad device index {:?} (expected a decimal number)",
                truncate(value)
            ),
        ));
    }
    value.parse().map_err(|_| {
        HidError::recording(
            line,
            format!("device index {:?} is too large", truncate(value)),
        )
    })
}

fn parse_decimal<T: FromStr>(line: usize, value: &str, what: &str) -> Result<T, HidError> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(HidError::recording(
            line,
            format!(
                "bad {what} {:?} (expected a decimal number)",
                truncate(value)
            ),
        ));
    }
    value.parse().map_err(|_| {
        HidError::recording(line, format!("{what} {:?} is too large", truncate(value)))
    })
}

/// `<len> <hex> <hex> ...`
fn parse_bytes(line: usize, value: &str, what: &str) -> Result<Vec<u8>, HidError> {
    let mut words = value.split_ascii_whitespace();
    let Some(len) = words.next() else {
        return Err(HidError::recording(
            line,
            format!("missing field: {what} length"),
        ));
    };
    let len: usize = parse_decimal(line, len, &format!("{what} length"))?;
    let mut bytes = Vec::with_capacity(len.min(1 << 16));
    for (i, word) in words.enumerate() {
        if word.is_empty() || word.len() > 2 || !word.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(HidError::recording(
                line,
                format!(
                    "bad hex byte {:?} (byte {} of the {what})",
                    truncate(word),
                    i + 1
                ),
            ));
        }
        // Cannot fail: one or two hex digits.
        bytes.push(u8::from_str_radix(word, 16).unwrap_or_default());
    }
    if bytes.len() != len {
        return Err(HidError::recording(
            line,
            format!(
                "length mismatch: {what} length says {len} bytes but {} follow",
                bytes.len()
            ),
        ));
    }
    Ok(bytes)
}

fn parse_hex<T>(
    line: usize,
    word: Option<&str>,
    what: &str,
    from: fn(&str, u32) -> Result<T, std::num::ParseIntError>,
) -> Result<T, HidError> {
    let Some(word) = word else {
        return Err(HidError::recording(line, format!("missing field: {what}")));
    };
    if !word.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(HidError::recording(
            line,
            format!("bad hex {what} {:?}", truncate(word)),
        ));
    }
    from(word, 16)
        .map_err(|_| HidError::recording(line, format!("{what} {:?} is too large", truncate(word))))
}

/// `<bus> <vendor> <product>`, all hex.
fn parse_id(line: usize, value: &str) -> Result<DeviceId, HidError> {
    let mut words = value.split_ascii_whitespace();
    let bus = parse_hex(line, words.next(), "bus", u16::from_str_radix)?;
    let vendor = parse_hex(line, words.next(), "vendor", u32::from_str_radix)?;
    let product = parse_hex(line, words.next(), "product", u32::from_str_radix)?;
    if let Some(extra) = words.next() {
        return Err(HidError::recording(
            line,
            format!(
                "unexpected {:?} after I: bus vendor product",
                truncate(extra)
            ),
        ));
    }
    Ok(DeviceId::new(bus, vendor, product))
}

/// `<sec>.<usec> <len> <hex> ...`
fn parse_event(line: usize, value: &str) -> Result<Event, HidError> {
    let (time, rest) = value.split_once(' ').unwrap_or((value, ""));
    if time.is_empty() {
        return Err(HidError::recording(line, "missing field: event timestamp"));
    }
    let Some((sec, usec)) = time.split_once('.') else {
        return Err(HidError::recording(
            line,
            format!("bad timestamp {:?} (expected <sec>.<usec>)", truncate(time)),
        ));
    };
    let sec: u64 = parse_decimal(line, sec, "timestamp seconds")?;
    if usec.len() != 6 {
        return Err(HidError::recording(
            line,
            format!(
                "bad timestamp {:?}: microseconds must have 6 digits",
                truncate(time)
            ),
        ));
    }
    let usec: u32 = parse_decimal(line, usec, "timestamp microseconds")?;
    let data = parse_bytes(line, rest.trim(), "event")?;
    Ok(Event {
        time: (sec, usec),
        data,
    })
}
