//! Replaying a recording through HID-BPF objects: every device of the
//! recording gets the objects that match it (config, probe), its report
//! descriptor fixed up, and every event passed through the attached
//! programs; the result is a recording in the same format.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::bpf::{HidHost, Identity, Skipped, abi};
use crate::descriptor::Device;
use crate::error::HidError;
use crate::recording::{Event, RecordedDevice, Recording};

/// Why a replay could not run.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error(transparent)]
    Hid(#[from] HidError),
    #[error("device {device} ({name}): {source}")]
    Bpf {
        device: u32,
        name: String,
        source: Box<crate::bpf::HostError>,
    },
}

/// What happened to one object on one device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ObjectOutcome {
    /// Attached: these struct_ops variables.
    Attached(Vec<String>),
    /// Not attached, and why.
    Skipped(Skipped),
}

/// One event's fate, with its decoded changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventReport {
    pub device: u32,
    /// Index of the event in its device's recording.
    pub index: usize,
    pub time: (u64, u32),
    pub dropped: bool,
    /// Fields whose values differ: (name, before, after), decoded with the
    /// original descriptor before and the fixed one after.
    pub changes: Vec<(String, i64, i64)>,
    /// Whether the bytes differ (also when no decoded field does).
    pub bytes_changed: bool,
}

/// The result of a replay.
#[derive(Clone, Debug)]
pub struct Replay {
    /// The recording after the programs.
    pub output: Recording,
    /// Per device index: per object (name), its outcome.
    pub objects: Vec<(u32, Vec<(String, ObjectOutcome)>)>,
    /// Every event, in order per device.
    pub events: Vec<EventReport>,
    /// Output reports the programs sent to each device (by device index),
    /// in order, once their work items had run.
    pub outputs: Vec<(u32, Vec<u8>)>,
}

impl Replay {
    /// Events in, dropped, changed.
    pub fn summary(&self) -> (usize, usize, usize) {
        let dropped = self.events.iter().filter(|e| e.dropped).count();
        let changed = self
            .events
            .iter()
            .filter(|e| !e.dropped && e.bytes_changed)
            .count();
        (self.events.len(), dropped, changed)
    }
}

/// Replays `recording` through `objects` (name, ELF bytes).
pub fn replay(recording: &Recording, objects: &[(String, Vec<u8>)]) -> Result<Replay, ReplayError> {
    replay_with(recording, objects, &BTreeMap::new())
}

/// [`replay`], with the udev properties objects' `UDEV_PROP_*` globals
/// get.
pub fn replay_with(
    recording: &Recording,
    objects: &[(String, Vec<u8>)],
    udev: &BTreeMap<String, String>,
) -> Result<Replay, ReplayError> {
    replay_full(recording, objects, udev, &BTreeMap::new())
}

/// A recorded device answering what programs ask of it: feature reports
/// by report id (GET_REPORT gets the stored bytes), other requests and
/// output reports -EIO... output reports are kept (in order) and succeed.
struct Answers {
    features: BTreeMap<u8, Vec<u8>>,
    outputs: std::sync::Mutex<Vec<Vec<u8>>>,
}

impl crate::bpf::Transport for Answers {
    fn raw_request(&self, buf: &mut [u8], rtype: u64, reqtype: u64) -> i32 {
        let id = buf.first().copied().unwrap_or(0);
        match self.features.get(&id) {
            Some(f) if rtype == abi::HID_FEATURE_REPORT && reqtype == abi::HID_REQ_GET_REPORT => {
                let n = f.len().min(buf.len());
                buf[..n].copy_from_slice(&f[..n]);
                n as i32
            }
            _ => -5,
        }
    }

    fn output_report(&self, buf: &[u8]) -> i32 {
        if let Ok(mut o) = self.outputs.lock() {
            o.push(buf.to_vec());
        }
        buf.len() as i32
    }
}

/// [`replay_with`], with the feature reports the recorded device answers
/// (by report id, the bytes including the id).
pub fn replay_full(
    recording: &Recording,
    objects: &[(String, Vec<u8>)],
    udev: &BTreeMap<String, String>,
    features: &BTreeMap<u8, Vec<u8>>,
) -> Result<Replay, ReplayError> {
    replay_on(&HidHost::new(), recording, objects, udev, features)
}

/// [`replay_full`] on a host the caller configured (its engine, say).
pub fn replay_on(
    host: &HidHost,
    recording: &Recording,
    objects: &[(String, Vec<u8>)],
    udev: &BTreeMap<String, String>,
    features: &BTreeMap<u8, Vec<u8>>,
) -> Result<Replay, ReplayError> {
    let mut out = Recording::default();
    let mut outcomes = Vec::new();
    let mut reports = Vec::new();
    let mut outputs = Vec::new();
    for rd in &recording.devices {
        let (device, per_object, events, sent) = replay_device(host, rd, objects, udev, features)?;
        out.devices.push(device);
        outcomes.push((rd.index, per_object));
        reports.extend(events);
        outputs.extend(sent.into_iter().map(|o| (rd.index, o)));
    }
    Ok(Replay {
        output: out,
        objects: outcomes,
        events: reports,
        outputs,
    })
}

type DeviceReplay = (
    RecordedDevice,
    Vec<(String, ObjectOutcome)>,
    Vec<EventReport>,
    Vec<Vec<u8>>,
);

fn replay_device(
    host: &HidHost,
    rd: &RecordedDevice,
    objects: &[(String, Vec<u8>)],
    udev: &BTreeMap<String, String>,
    features: &BTreeMap<u8, Vec<u8>>,
) -> Result<DeviceReplay, ReplayError> {
    let model = rd.device()?;
    let identity = Identity {
        bus: rd.id.bus,
        group: rd.id.group,
        vendor: rd.id.vendor,
        product: rd.id.product,
        version: rd.id.version,
        name: rd.name.clone(),
        phys: rd.phys.clone(),
        uniq: String::new(),
    };
    let answers = Arc::new(Answers {
        features: features.clone(),
        outputs: Default::default(),
    });
    let mut dev = host.device(
        identity,
        rd.rdesc.clone(),
        model.max_report_len(),
        answers.clone(),
    );
    let bpf_err = |source| ReplayError::Bpf {
        device: rd.index,
        name: rd.name.clone(),
        source: Box::new(source),
    };
    let mut per_object = Vec::new();
    for (name, bytes) in objects {
        let outcome = match dev.load_with(name, bytes, udev).map_err(bpf_err)? {
            Ok(()) => ObjectOutcome::Attached(
                dev.attached()
                    .last()
                    .map(|a| a.implementations())
                    .unwrap_or_default(),
            ),
            Err(why) => ObjectOutcome::Skipped(why),
        };
        per_object.push((name.clone(), outcome));
    }
    // Decode the results with the descriptor the programs left.
    let fixed = if dev.rdesc() == &rd.rdesc[..] {
        model.clone()
    } else {
        Device::new(rd.id, &rd.name, dev.rdesc().to_vec())?
    };
    let mut device = RecordedDevice {
        index: rd.index,
        name: rd.name.clone(),
        phys: rd.phys.clone(),
        id: rd.id,
        rdesc: dev.rdesc().to_vec(),
        events: Vec::with_capacity(rd.events.len()),
    };
    let mut reports = Vec::with_capacity(rd.events.len());
    for (index, e) in rd.events.iter().enumerate() {
        let result = dev.event(abi::HID_INPUT_REPORT, &e.data).map_err(bpf_err)?;
        let (dropped, changes, bytes_changed) = match &result {
            None => (true, Vec::new(), true),
            Some(after) => (
                false,
                changes(&model, &fixed, &e.data, after),
                after != &e.data,
            ),
        };
        reports.push(EventReport {
            device: rd.index,
            index,
            time: e.time,
            dropped,
            changes,
            bytes_changed,
        });
        if let Some(data) = result {
            device.events.push(Event { time: e.time, data });
        }
        // Reports the programs injected come right after, at the same time.
        for (rtype, data) in dev.take_injected().map_err(bpf_err)? {
            if rtype == abi::HID_INPUT_REPORT {
                device.events.push(Event { time: e.time, data });
            }
        }
    }
    // Work items the events started run on the host's worker: let them.
    host.async_host()
        .wait_idle(std::time::Duration::from_secs(10));
    let sent = answers
        .outputs
        .lock()
        .map(|o| o.clone())
        .unwrap_or_default();
    Ok((device, per_object, reports, sent))
}

/// Values that differ between `before` (decoded with `old`) and `after`
/// (decoded with `new`), by usage name and position.
fn changes(old: &Device, new: &Device, before: &[u8], after: &[u8]) -> Vec<(String, i64, i64)> {
    let (Some(b), Some(a)) = (old.decode(before), new.decode(after)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for va in &a.values {
        let same_name: Vec<_> = b.values.iter().filter(|v| v.name == va.name).collect();
        let nth = a
            .values
            .iter()
            .filter(|v| v.name == va.name)
            .position(|v| std::ptr::eq(v, va))
            .unwrap_or(0);
        match same_name.get(nth) {
            Some(vb) if vb.value != va.value => out.push((va.name.clone(), vb.value, va.value)),
            None if va.value != 0 => out.push((va.name.clone(), 0, va.value)),
            _ => {}
        }
    }
    out
}
