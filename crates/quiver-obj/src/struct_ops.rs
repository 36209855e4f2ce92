//! struct_ops variables: a global of the host's struct type in
//! `.struct_ops` or `.struct_ops.link`, whose function-pointer members are
//! relocated to programs. Parsed here; registering and attaching is the
//! runtime's job.

use crate::btf::{Btf, BtfType, TypeId};
use crate::elf::Elf;
use crate::error::ObjError;

/// One struct_ops variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StructOpsVar {
    pub name: String,
    /// `.struct_ops` or `.struct_ops.link` (attached through a link).
    pub section: String,
    /// The struct type in the object's BTF.
    pub type_id: TypeId,
    pub type_name: String,
    /// The variable's bytes: the data members' initial values.
    pub data: Vec<u8>,
    /// Function-pointer members and the program each names.
    pub funcs: Vec<(String, String)>,
}

impl StructOpsVar {
    /// Whether it is attached through a BPF link.
    pub fn is_link(&self) -> bool {
        self.section == ".struct_ops.link"
    }
}

/// Reads every struct_ops variable of the object.
pub fn read_struct_ops(elf: &Elf, btf: Option<&Btf>) -> Result<Vec<StructOpsVar>, ObjError> {
    let mut out = Vec::new();
    for sec_name in [".struct_ops", ".struct_ops.link"] {
        let Some(sec) = elf.section_named(sec_name) else {
            continue;
        };
        let btf = btf.ok_or_else(|| {
            ObjError::section(
                sec_name,
                "struct_ops needs the object's .BTF: compile with -g",
            )
        })?;
        let vars = btf
            .types()
            .iter()
            .find_map(|t| match t {
                BtfType::Datasec { name, vars, .. } if name == sec_name => Some(vars.clone()),
                _ => None,
            })
            .unwrap_or_default();
        for sym in elf.symbols_in(sec.index) {
            let err = |message: String| ObjError::StructOps {
                var: sym.name.clone(),
                message,
            };
            let type_id = vars
                .iter()
                .find_map(|v| match btf.get(v.ty) {
                    Some(BtfType::Var { name, ty, .. }) if *name == sym.name => {
                        Some(btf.skip_mods(*ty))
                    }
                    _ => None,
                })
                .ok_or_else(|| err(format!("no BTF VAR in DATASEC {sec_name}")))?;
            let Some(BtfType::Struct {
                name: type_name,
                members,
                ..
            }) = btf.get(type_id)
            else {
                return Err(err(format!(
                    "type {} is not a struct",
                    btf.type_name(type_id)
                )));
            };
            let start = sym.value as usize;
            let data = sec
                .data
                .get(start..start.saturating_add(sym.size as usize))
                .ok_or_else(|| {
                    err(format!(
                        "{} bytes at offset {start} overrun the section",
                        sym.size
                    ))
                })?
                .to_vec();
            let mut funcs = Vec::new();
            for rel in elf.relocs_of(sec.index) {
                if rel.offset < sym.value || rel.offset >= sym.value.saturating_add(sym.size) {
                    continue;
                }
                let bit = (rel.offset - sym.value) * 8;
                let member = members
                    .iter()
                    .find(|m| m.bit_offset as u64 == bit)
                    .ok_or_else(|| {
                        err(format!("relocation at byte {} matches no member", bit / 8))
                    })?;
                let target = &elf.symbols[rel.symbol];
                if !target.is_func {
                    return Err(err(format!(
                        "member {} points at {}, which is not a program",
                        member.name, target.name
                    )));
                }
                funcs.push((member.name.clone(), target.name.clone()));
            }
            out.push(StructOpsVar {
                name: sym.name.clone(),
                section: sec_name.to_string(),
                type_id,
                type_name: type_name.clone(),
                data,
                funcs,
            });
        }
    }
    Ok(out)
}
