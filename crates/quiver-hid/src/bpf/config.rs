//! `.hid_bpf_config`: the devices an object is for, encoded by the
//! `HID_BPF_CONFIG(HID_DEVICE(bus, group, vendor, product), ...)` macros as
//! array sizes in BTF (`int (*name___vendor)[0x256c]`), as udev-hid-bpf
//! reads them.

use quiver_obj::Object;
use quiver_obj::btf::{Btf, BtfType, TypeId};

/// `HID_BUS_ANY`, `HID_GROUP_ANY`, `HID_ANY_ID`.
pub const BUS_ANY: u32 = 0xffff;
pub const GROUP_ANY: u32 = 0;
pub const ANY_ID: u32 = u32::MAX;

/// One `HID_DEVICE(bus, group, vendor, product)` entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceMatch {
    pub bus: u32,
    pub group: u32,
    pub vendor: u32,
    pub product: u32,
}

impl DeviceMatch {
    /// Whether a device with this identity matches (the `*_ANY` values
    /// match anything).
    pub fn matches(&self, bus: u16, group: u16, vendor: u32, product: u32) -> bool {
        (self.bus == BUS_ANY || self.bus == u32::from(bus))
            && (self.group == GROUP_ANY || self.group == u32::from(group))
            && (self.vendor == ANY_ID || self.vendor == vendor)
            && (self.product == ANY_ID || self.product == product)
    }
}

impl std::fmt::Display for DeviceMatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "bus {:#06x} group {:#06x} vendor {:#06x} product {:#06x}",
            self.bus, self.group, self.vendor, self.product
        )
    }
}

/// The entries of the object's `.hid_bpf_config` (empty: it names none,
/// and applies to whatever device it is loaded for).
pub fn device_matches(object: &Object) -> Vec<DeviceMatch> {
    let Some(btf) = object.btf.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for t in btf.types() {
        let BtfType::Datasec { name, vars, .. } = t else {
            continue;
        };
        if name != ".hid_bpf_config" {
            continue;
        }
        for v in vars {
            if let Some(BtfType::Var { ty, .. }) = btf.get(v.ty) {
                collect(btf, *ty, &mut out, 0);
            }
        }
    }
    out
}

/// An entry is a struct whose members end in `___bus`, `___group`,
/// `___vendor`, `___product`; entries may sit in unions or structs.
fn collect(btf: &Btf, ty: TypeId, out: &mut Vec<DeviceMatch>, depth: usize) {
    if depth > 8 {
        return;
    }
    let Some(members) = btf.members(ty) else {
        return;
    };
    let mut entry = DeviceMatch {
        bus: BUS_ANY,
        group: GROUP_ANY,
        vendor: ANY_ID,
        product: ANY_ID,
    };
    let mut is_entry = false;
    for m in members {
        let value = array_size(btf, m.ty);
        match (m.name.rsplit_once("___").map(|(_, k)| k), value) {
            (Some("bus"), Some(v)) => (entry.bus, is_entry) = (v, true),
            (Some("group"), Some(v)) => (entry.group, is_entry) = (v, true),
            (Some("vendor"), Some(v)) => (entry.vendor, is_entry) = (v, true),
            (Some("product"), Some(v)) => (entry.product, is_entry) = (v, true),
            _ => collect(btf, m.ty, out, depth + 1),
        }
    }
    if is_entry {
        out.push(entry);
    }
}

/// N in `int (*)[N]`.
fn array_size(btf: &Btf, ty: TypeId) -> Option<u32> {
    let BtfType::Ptr { ty } = btf.get(btf.skip_mods(ty))? else {
        return None;
    };
    match btf.get(btf.skip_mods(*ty))? {
        BtfType::Array { nelems, .. } => Some(*nelems),
        _ => None,
    }
}
