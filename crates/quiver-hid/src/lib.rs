//! quiver-hid: run Linux HID-BPF programs unchanged, without a kernel.
//!
//! - [`descriptor`]: a device model from a report descriptor and identity
//!   (bus, vendor, product, name), with report sizes and usages.
//! - [`recording`]: the hid-recorder text format (`R:`, `N:`, `P:`, `I:`,
//!   `E:` lines) in and out.
//! - [`replay`]: a recording through HID-BPF objects, into a recording.
//! - [`bpf`]: HID-BPF itself — `hid_bpf_ops`, the HID kfuncs, the
//!   `.hid_bpf_config` match, probes, and Linux's dispatch semantics.

pub mod bpf;
pub mod descriptor;
pub mod error;
mod hidraw;
pub mod live;
pub mod recording;
pub mod replay;
pub mod uhid;

pub use descriptor::{
    Decoded, DecodedValue, Device, DeviceId, FieldChange, FieldInfo, FieldKind, ReportInfo,
    ReportKind, UsageInfo,
};
pub use error::HidError;
pub use recording::{Event, RecordedDevice, Recording};
