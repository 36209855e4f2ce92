//! From a parsed object to the verifier's input: each program's maps as
//! the verifier sees them (with the lock, timer and work-queue fields its
//! BTF declares), kfunc calls bound to names, global functions, source
//! lines; then the verdict.

use std::collections::BTreeMap;

use quiver_isa::{CallTarget, Insn, Program as IsaProgram, Pseudo};
use quiver_obj::btf::{Btf, BtfType, FuncLinkage};
use quiver_obj::{ExternKind, ObjProgram, Object, RelocTarget};
use quiver_verifier::host::Host;
use quiver_verifier::{Accepted, Input, MapInfo, Options, Rejected};

use crate::error::Error;

/// The verifier's answer for one program of an object.
#[derive(Debug)]
pub struct ProgramVerdict {
    pub name: String,
    pub section: String,
    /// The program type the section names, if quiver's host knows it.
    pub program_type: Option<String>,
    pub result: Result<Accepted, Box<Rejected>>,
}

/// The maps of an object as the verifier needs them.
pub fn map_infos(object: &Object) -> Vec<MapInfo> {
    object
        .maps
        .iter()
        .map(|m| {
            let mut info = MapInfo {
                name: m.name.clone(),
                map_type: m.def.map_type,
                key_size: m.def.key_size,
                value_size: m.def.value_size,
                max_entries: m.def.max_entries,
                map_flags: m.def.map_flags,
                rdonly_prog: m.def.map_flags & quiver_obj::maps::F_RDONLY_PROG != 0,
                ..MapInfo::default()
            };
            if let (Some(btf), Some(vt)) = (object.btf.as_ref(), m.def.value_type) {
                for (name, off) in special_fields(btf, vt) {
                    match name.as_str() {
                        "bpf_spin_lock" => info.spin_lock_off = Some(off),
                        "bpf_timer" => info.timer_off = Some(off),
                        "bpf_wq" => info.wq_off = Some(off),
                        _ => {}
                    }
                }
            }
            info
        })
        .collect()
}

/// Top-level members of a value struct whose type is a struct, by that
/// struct's name, with their byte offsets.
fn special_fields(btf: &Btf, value: quiver_obj::btf::TypeId) -> Vec<(String, u32)> {
    let id = btf.skip_mods(value);
    let Some(members) = btf.members(id) else {
        return Vec::new();
    };
    members
        .iter()
        .filter_map(|m| {
            let ty = btf.skip_mods(m.ty);
            match btf.get(ty) {
                Some(BtfType::Struct { name, .. }) => Some((name.clone(), m.bit_offset / 8)),
                _ => None,
            }
        })
        .collect()
}

/// The program's instructions with kfunc calls numbered for the
/// verifier (`kfunc#N` for the object's N-th extern, plus one) and the
/// names behind the numbers. Addresses of kfuncs (weak-symbol tests)
/// become a non-zero constant when the host has the kfunc, else zero.
fn bind_kfuncs(object: &Object, p: &ObjProgram, host: &Host) -> (Vec<Insn>, BTreeMap<i32, String>) {
    let mut by_pc = BTreeMap::new();
    for r in &p.relocs {
        by_pc.insert(r.pc, &r.target);
    }
    let mut names = BTreeMap::new();
    let mut pc = 0;
    let insns = p
        .insns
        .iter()
        .map(|insn| {
            let out = match (insn, by_pc.get(&pc)) {
                (_, Some(RelocTarget::Extern { index })) => {
                    let ext = &object.externs[*index];
                    let id = *index as i32 + 1;
                    let known = host.kfuncs.contains_key(&ext.name);
                    match (insn, &ext.kind) {
                        (Insn::Call(_), ExternKind::Kfunc { .. }) => {
                            names.insert(id, ext.name.clone());
                            Insn::Call(CallTarget::Kfunc {
                                btf_id: id,
                                module: 0,
                            })
                        }
                        (Insn::LoadImm64 { dst, .. }, _) => Insn::LoadImm64 {
                            dst: *dst,
                            pseudo: Pseudo::Imm,
                            imm: u64::from(known),
                        },
                        _ => *insn,
                    }
                }
                _ => *insn,
            };
            pc += insn.slots();
            out
        })
        .collect();
    (insns, names)
}

/// Verifies one program of `object` against `host`.
pub fn verify_program(
    host: &Host,
    object: &Object,
    maps: &[MapInfo],
    p: &ObjProgram,
    options: &Options,
) -> Result<ProgramVerdict, Error> {
    verify_program_as(host, object, maps, p, options, None)
}

/// [`verify_program`] as a program of type `program_type` (a struct_ops
/// member's) instead of the one its section names.
pub fn verify_program_as(
    host: &Host,
    object: &Object,
    maps: &[MapInfo],
    p: &ObjProgram,
    options: &Options,
    program_type: Option<&str>,
) -> Result<ProgramVerdict, Error> {
    let (insns, kfuncs) = bind_kfuncs(object, p, host);
    let program = IsaProgram::from_insns(insns).map_err(|e| Error::Program {
        name: p.name.clone(),
        message: e.to_string(),
    })?;
    let btf = object.btf.as_ref();
    let func_info = p.funcs.iter().any(|f| f.btf_func.is_some());
    let global_funcs: Vec<(usize, u32)> = p
        .funcs
        .iter()
        .skip(1)
        .filter_map(|f| {
            let btf = btf?;
            let BtfType::Func { proto, linkage, .. } = btf.get(f.btf_func?)? else {
                return None;
            };
            if *linkage != FuncLinkage::Global {
                return None;
            }
            let nargs = match btf.get(*proto) {
                Some(BtfType::FuncProto { params, .. }) => params.len() as u32,
                _ => 5,
            };
            Some((program.index_at(f.pc)?, nargs))
        })
        .collect();
    let lines = |pc: usize| {
        p.line_at(pc)
            .map(|l| format!("{} @ {}:{}", l.text.trim(), l.file, l.line))
    };
    let program_type = program_type
        .map(str::to_string)
        .or_else(|| p.kind.as_ref().map(|k| k.prog_type.name().to_string()));
    let sleepable = p.kind.as_ref().is_some_and(|k| k.sleepable);
    let input = Input {
        program: &program,
        program_type: program_type.as_deref().unwrap_or(""),
        sleepable,
        maps,
        kfuncs: &kfuncs,
        source_line: Some(&lines),
        func_info,
        global_funcs: &global_funcs,
    };
    let result = quiver_verifier::verify(host, &input, options);
    Ok(ProgramVerdict {
        name: p.name.clone(),
        section: p.section.clone(),
        program_type,
        result,
    })
}
