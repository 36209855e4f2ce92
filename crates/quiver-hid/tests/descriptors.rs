//! Every report descriptor in shared/hid/descriptors builds a Device or is
//! refused with a clear error, never a panic; plus facts on specific files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use quiver_hid::{Device, DeviceId, FieldKind, HidError, ReportKind};

fn data_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/hid/descriptors");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipping: {} not found", dir.display());
        None
    }
}

/// `BUS-VID-PID.N.hid.bin` (hex fields) gives the identity; other names
/// give an empty one.
fn id_from_name(name: &str) -> DeviceId {
    let mut parts = name.split(['-', '.']);
    let mut hex = || parts.next().and_then(|p| u32::from_str_radix(p, 16).ok());
    match (hex(), hex(), hex()) {
        (Some(bus), Some(vid), Some(pid)) if bus <= 0xffff => DeviceId::new(bus as u16, vid, pid),
        _ => DeviceId::default(),
    }
}

fn load(dir: &Path, name: &str) -> Device {
    let bytes = std::fs::read(dir.join(name)).unwrap();
    Device::new(id_from_name(name), name, bytes).unwrap()
}

#[test]
fn every_descriptor_builds_or_is_refused() {
    let Some(dir) = data_dir() else { return };
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".hid.bin") || n.ends_with(".rdesc"))
        .collect();
    names.sort();
    let mut built = 0;
    let mut refused: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for name in &names {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        match Device::new(id_from_name(name), name.clone(), bytes) {
            Ok(device) => {
                built += 1;
                assert!(device.bpf_buffer_size() % 64 == 0);
                assert!(device.bpf_buffer_size() >= device.max_report_len());
                for r in &device.reports {
                    assert!(r.len >= usize::from(r.id.is_some()));
                    for f in &r.fields {
                        assert!(
                            f.bit_offset + f.bits() <= r.len * 8,
                            "{name}: field past report end"
                        );
                    }
                }
            }
            Err(e) => {
                let msg = e.to_string();
                assert!(
                    msg.starts_with("invalid report descriptor"),
                    "{name}: {msg}"
                );
                let HidError::Descriptor { reason, .. } = &e else {
                    panic!("{name}: not a descriptor error: {e:?}")
                };
                refused
                    .entry(reason.clone())
                    .or_default()
                    .push(format!("{name}: {msg}"));
            }
        }
    }
    let n_refused: usize = refused.values().map(Vec::len).sum();
    println!("descriptors: {built} built, {n_refused} refused");
    for (reason, files) in &refused {
        println!("  {} x {reason}", files.len());
        for f in files.iter().take(3) {
            println!("    {f}");
        }
    }
    assert_eq!(built + n_refused, names.len());
    assert!(
        built * 10 >= names.len() * 9,
        "only {built} of {} built",
        names.len()
    );
}
