//! `UDEV_PROP_*` globals: a HID-BPF object may declare `char
//! UDEV_PROP_NAME[N]` in `.bss`/`.data`, and the loader writes the value of
//! the udev property NAME there before loading (udev-hid-bpf does). Here
//! the values come from the caller (`quiver hid replay --udev-prop`).

use std::collections::BTreeMap;

use object::{Object as _, ObjectSection, ObjectSymbol};
use quiver_obj::Object;

/// Sets every `UDEV_PROP_<NAME>` global of `object` (parsed from `elf`)
/// whose NAME is in `props`: the value's bytes, NUL-terminated, truncated
/// to the variable's size. Returns the properties set; a variable whose
/// property is not given stays as compiled (zero).
pub fn set_udev_properties(
    elf: &[u8],
    object: &mut Object,
    props: &BTreeMap<String, String>,
) -> Vec<String> {
    let Ok(file) = object::File::parse(elf) else {
        return Vec::new();
    };
    let mut set = Vec::new();
    for sym in file.symbols() {
        let Ok(name) = sym.name() else { continue };
        let Some(prop) = name.strip_prefix("UDEV_PROP_") else {
            continue;
        };
        let Some(value) = props.get(prop) else {
            continue;
        };
        let Some(section) = sym
            .section_index()
            .and_then(|i| file.section_by_index(i).ok())
            .and_then(|s| s.name().ok().map(str::to_string))
        else {
            continue;
        };
        let Some(map) = object.maps.iter_mut().find(|m| m.section == section) else {
            continue;
        };
        let size = map.def.value_size as usize;
        if map.initial.len() < size {
            map.initial.resize(size, 0);
        }
        let (off, len) = (sym.address() as usize, sym.size() as usize);
        let Some(dst) = map.initial.get_mut(off..off.saturating_add(len)) else {
            continue;
        };
        dst.fill(0);
        let n = value.len().min(len.saturating_sub(1));
        dst[..n].copy_from_slice(&value.as_bytes()[..n]);
        set.push(prop.to_string());
    }
    set
}
