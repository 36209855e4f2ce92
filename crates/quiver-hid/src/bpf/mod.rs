//! HID-BPF: the Linux ABI and the host that runs programs on devices.

pub mod abi;
pub mod config;
mod host;
pub mod udev;

pub use host::{Attached, HidDevice, HidHost, HostError, Identity, Skipped, Transport, Unplugged};
