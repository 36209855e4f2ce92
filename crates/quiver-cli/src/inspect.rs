//! What `quiver inspect` reports about an object, as a serialisable model
//! (the text and `--json` outputs are two views of it).

use serde::Serialize;

use quiver_obj::btf::BtfType;
use quiver_obj::{ExternKind, Object, RelocTarget};

#[derive(Serialize)]
pub struct Report {
    pub license: Option<String>,
    pub sections: Vec<Section>,
    pub programs: Vec<Program>,
    pub maps: Vec<Map>,
    pub externs: Vec<Extern>,
    pub struct_ops: Vec<StructOps>,
    /// Named BTF types the programs and maps refer to (structs, unions,
    /// enums, typedefs), by kind and name.
    pub btf_types: Vec<String>,
}

#[derive(Serialize)]
pub struct Section {
    pub name: String,
    pub size: u64,
    pub relocations: usize,
}

#[derive(Serialize)]
pub struct Program {
    pub name: String,
    pub section: String,
    pub prog_type: Option<String>,
    pub attach_target: Option<String>,
    pub sleepable: bool,
    /// Instructions (an LD_IMM64 counts once).
    pub insns: usize,
    pub subprograms: Vec<String>,
    pub relocations: Vec<Relocation>,
    pub core_relocations: usize,
    pub line_info: usize,
}

#[derive(Serialize)]
pub struct Relocation {
    pub insn: usize,
    pub kind: &'static str,
    pub target: String,
}

#[derive(Serialize)]
pub struct Map {
    pub name: String,
    pub section: String,
    pub map_type: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub flags: u32,
    pub origin: &'static str,
    pub key_type: Option<String>,
    pub value_type: Option<String>,
}

#[derive(Serialize)]
pub struct Extern {
    pub name: String,
    pub kind: &'static str,
    pub weak: bool,
}

#[derive(Serialize)]
pub struct StructOps {
    pub name: String,
    pub section: String,
    pub type_name: String,
    pub link: bool,
    pub members: Vec<(String, String)>,
    pub data_size: usize,
}

/// Builds the report of an object.
pub fn report(obj: &Object) -> Report {
    let btf = obj.btf.as_ref();
    let type_name = |id: Option<u32>| id.and_then(|id| btf.map(|b| b.type_name(id)));
    let programs = obj
        .programs
        .iter()
        .map(|p| Program {
            name: p.name.clone(),
            section: p.section.clone(),
            prog_type: p.kind.as_ref().map(|k| k.prog_type.name().to_string()),
            attach_target: p.kind.as_ref().and_then(|k| k.target.clone()),
            sleepable: p.kind.as_ref().is_some_and(|k| k.sleepable),
            insns: p.insns.len(),
            subprograms: p.funcs.iter().skip(1).map(|f| f.name.clone()).collect(),
            relocations: p
                .relocs
                .iter()
                .map(|r| match &r.target {
                    RelocTarget::Map { map } => Relocation {
                        insn: r.pc,
                        kind: "map",
                        target: obj.maps[*map].name.clone(),
                    },
                    RelocTarget::MapValue { map, offset } => Relocation {
                        insn: r.pc,
                        kind: "map_value",
                        target: format!("{}+{offset}", obj.maps[*map].name),
                    },
                    RelocTarget::Extern { index } => Relocation {
                        insn: r.pc,
                        kind: "extern",
                        target: obj.externs[*index].name.clone(),
                    },
                })
                .collect(),
            core_relocations: p.core_relos.len(),
            line_info: p.lines.len(),
        })
        .collect();
    let maps = obj
        .maps
        .iter()
        .map(|m| Map {
            name: m.name.clone(),
            section: m.section.clone(),
            map_type: m.def.map_type,
            key_size: m.def.key_size,
            value_size: m.def.value_size,
            max_entries: m.def.max_entries,
            flags: m.def.map_flags,
            origin: match m.origin {
                quiver_obj::maps::MapOrigin::Btf => "btf",
                quiver_obj::maps::MapOrigin::Legacy => "legacy",
                quiver_obj::maps::MapOrigin::GlobalData => "global_data",
            },
            key_type: type_name(m.def.key_type),
            value_type: type_name(m.def.value_type),
        })
        .collect();
    let externs = obj
        .externs
        .iter()
        .map(|e| Extern {
            name: e.name.clone(),
            kind: match e.kind {
                ExternKind::Kfunc { .. } => "kfunc",
                ExternKind::Ksym { .. } => "ksym",
                ExternKind::Kconfig { .. } => "kconfig",
            },
            weak: e.weak,
        })
        .collect();
    let struct_ops = obj
        .struct_ops
        .iter()
        .map(|s| StructOps {
            name: s.name.clone(),
            section: s.section.clone(),
            type_name: s.type_name.clone(),
            link: s.is_link(),
            members: s.funcs.clone(),
            data_size: s.data.len(),
        })
        .collect();
    let mut btf_types: Vec<String> = btf
        .map(|b| {
            b.types()
                .iter()
                .enumerate()
                .filter(|(_, t)| {
                    !t.name().is_empty()
                        && matches!(
                            t,
                            BtfType::Struct { .. }
                                | BtfType::Union { .. }
                                | BtfType::Enum { .. }
                                | BtfType::Typedef { .. }
                        )
                })
                .map(|(i, _)| b.type_name(i as u32))
                .collect()
        })
        .unwrap_or_default();
    btf_types.sort();
    btf_types.dedup();
    Report {
        license: obj.license.clone(),
        sections: obj
            .sections
            .iter()
            .map(|s| Section {
                name: s.name.clone(),
                size: s.size,
                relocations: s.relocations,
            })
            .collect(),
        programs,
        maps,
        externs,
        struct_ops,
        btf_types,
    }
}

/// The human-readable view.
pub fn render_text(r: &Report) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "license: {}", r.license.as_deref().unwrap_or("(none)"));
    let _ = writeln!(s, "sections:");
    for sec in &r.sections {
        let _ = writeln!(
            s,
            "  {:<28} {:>8} bytes {:>4} relocations",
            sec.name, sec.size, sec.relocations
        );
    }
    let _ = writeln!(s, "programs:");
    for p in &r.programs {
        let _ = writeln!(
            s,
            "  {} (section {}, type {}{}{}): {} insns{}",
            p.name,
            p.section,
            p.prog_type.as_deref().unwrap_or("unknown"),
            p.attach_target
                .as_deref()
                .map(|t| format!(", target {t}"))
                .unwrap_or_default(),
            if p.sleepable { ", sleepable" } else { "" },
            p.insns,
            if p.subprograms.is_empty() {
                String::new()
            } else {
                format!(", calls {}", p.subprograms.join(", "))
            }
        );
        for rel in &p.relocations {
            let _ = writeln!(s, "    insn {:>4}: {} {}", rel.insn, rel.kind, rel.target);
        }
        if p.core_relocations > 0 {
            let _ = writeln!(s, "    {} CO-RE relocations", p.core_relocations);
        }
    }
    let _ = writeln!(s, "maps:");
    for m in &r.maps {
        let _ = writeln!(
            s,
            "  {} ({}, type {}): key {} value {} max_entries {} flags {:#x}{}",
            m.name,
            m.origin,
            m.map_type,
            m.key_size,
            m.value_size,
            m.max_entries,
            m.flags,
            match (&m.key_type, &m.value_type) {
                (Some(k), Some(v)) => format!(" <{k}, {v}>"),
                _ => String::new(),
            }
        );
    }
    if !r.externs.is_empty() {
        let _ = writeln!(s, "externs:");
        for e in &r.externs {
            let _ = writeln!(
                s,
                "  {} {}{}",
                e.kind,
                e.name,
                if e.weak { " (weak)" } else { "" }
            );
        }
    }
    if !r.struct_ops.is_empty() {
        let _ = writeln!(s, "struct_ops:");
        for so in &r.struct_ops {
            let _ = writeln!(
                s,
                "  {} (struct {}, {}{}):",
                so.name,
                so.type_name,
                so.section,
                if so.link { ", link" } else { "" }
            );
            for (member, prog) in &so.members {
                let _ = writeln!(s, "    .{member} = {prog}");
            }
        }
    }
    if !r.btf_types.is_empty() {
        let _ = writeln!(s, "btf types: {}", r.btf_types.join(", "));
    }
    s
}
