//! quiver-hid: run Linux HID-BPF programs unchanged, without a kernel.
//!
//! - [`descriptor`]: a device model from a report descriptor and identity
//!   (bus, vendor, product, name), with report sizes and usages.
//! - [`recording`]: the hid-recorder text format (`R:`, `N:`, `P:`, `I:`,
//!   `E:` lines) in and out.

pub mod descriptor;
pub mod error;
pub mod recording;

pub use descriptor::{
    Decoded, DecodedValue, Device, DeviceId, FieldChange, FieldInfo, FieldKind, ReportInfo,
    ReportKind, UsageInfo,
};
pub use error::HidError;
pub use recording::{Event, RecordedDevice, Recording};
