//! CO-RE: rewriting field offsets, sizes, existence and type facts that a
//! program compiled against one set of type definitions (the object's
//! BTF) to match another (the host's BTF), as libbpf does against vmlinux.
//!
//! Types match by name with any `___flavor` suffix dropped; members match by
//! name, looking through anonymous structs and unions; arrays by index. A
//! relocation with no match is "poisoned" like libbpf does it: the
//! instruction becomes a call to helper [`POISON_HELPER`], which the
//! verifier refuses only if that instruction is reachable, so programs can
//! guard optional fields with `bpf_core_field_exists`.

use quiver_isa::{AluOp, CallTarget, Insn, Source, Width};

use crate::btf::{Btf, BtfType, CoreRelo, CoreReloKind, TypeId};
use crate::error::ObjError;
use crate::object::ObjProgram;

/// The helper id libbpf writes into a poisoned CO-RE instruction.
pub const POISON_HELPER: i32 = 0xbad2310;

/// One step of an access path, resolved in some BTF.
#[derive(Clone, Debug)]
struct Spec {
    /// Type ids visited: the root, then each member's or element's type.
    types: Vec<TypeId>,
    /// Names of the members on the path (empty for array steps).
    names: Vec<String>,
    /// Bit offset of the final field from the root.
    bit_offset: u64,
    /// Bitfield width of the final member, 0 when not a bitfield.
    bitfield: u8,
}

fn essential_name(name: &str) -> &str {
    match name.find("___") {
        Some(i) => &name[..i],
        None => name,
    }
}

fn parse_access(access: &str) -> Result<Vec<u32>, String> {
    access
        .split(':')
        .map(|p| {
            p.parse::<u32>()
                .map_err(|_| format!("access string {access:?} is malformed"))
        })
        .collect()
}

/// Walks the local access path by member indices.
fn local_spec(btf: &Btf, root: TypeId, access: &[u32]) -> Result<Spec, String> {
    let mut ty = btf.skip_mods(root);
    let first = *access.first().ok_or("empty access string")?;
    let size = btf.size_of(ty).ok_or("root type has no size")? as u64;
    let mut spec = Spec {
        types: vec![ty],
        names: Vec::new(),
        bit_offset: (first as u64).saturating_mul(size).saturating_mul(8),
        bitfield: 0,
    };
    for &idx in &access[1..] {
        match btf.get(ty) {
            Some(BtfType::Struct { members, .. }) | Some(BtfType::Union { members, .. }) => {
                let m = members
                    .get(idx as usize)
                    .ok_or_else(|| format!("member index {idx} out of range"))?;
                spec.bit_offset = spec.bit_offset.saturating_add(m.bit_offset as u64);
                spec.bitfield = m.bitfield_size;
                spec.names.push(m.name.clone());
                ty = btf.skip_mods(m.ty);
            }
            Some(BtfType::Array { elem, .. }) => {
                let esize = btf.size_of(*elem).ok_or("array element has no size")? as u64;
                spec.bit_offset = spec
                    .bit_offset
                    .saturating_add((idx as u64).saturating_mul(esize).saturating_mul(8));
                spec.bitfield = 0;
                spec.names.push(String::new());
                ty = btf.skip_mods(*elem);
            }
            _ => {
                return Err(format!(
                    "access step {idx} into {} which has no members",
                    btf.type_name(ty)
                ));
            }
        }
        spec.types.push(ty);
    }
    Ok(spec)
}

/// Finds a member by name in `ty`, looking into anonymous members; returns
/// its bit offset, type and bitfield width.
fn find_member(btf: &Btf, ty: TypeId, name: &str, depth: usize) -> Option<(u64, TypeId, u8)> {
    if depth > 16 {
        return None;
    }
    for m in btf.members(ty)? {
        if m.name == name {
            return Some((m.bit_offset as u64, btf.skip_mods(m.ty), m.bitfield_size));
        }
        if m.name.is_empty()
            && let Some((off, t, bf)) = find_member(btf, m.ty, name, depth + 1)
        {
            return Some((m.bit_offset as u64).saturating_add(off)).map(|o| (o, t, bf));
        }
    }
    None
}

/// Whether two types are compatible enough for a field relocation.
fn compatible(local: &Btf, l: TypeId, target: &Btf, t: TypeId) -> bool {
    let (lt, tt) = (
        local.get(local.skip_mods(l)),
        target.get(target.skip_mods(t)),
    );
    matches!(
        (lt, tt),
        (
            Some(BtfType::Int { .. } | BtfType::Enum { .. }),
            Some(BtfType::Int { .. } | BtfType::Enum { .. })
        ) | (Some(BtfType::Ptr { .. }), Some(BtfType::Ptr { .. }))
            | (Some(BtfType::Struct { .. }), Some(BtfType::Struct { .. }))
            | (Some(BtfType::Union { .. }), Some(BtfType::Union { .. }))
            | (Some(BtfType::Array { .. }), Some(BtfType::Array { .. }))
            | (Some(BtfType::Float { .. }), Some(BtfType::Float { .. }))
    )
}

/// Follows the local path in the target, by names.
fn target_spec(
    local: &Btf,
    lspec: &Spec,
    access: &[u32],
    target: &Btf,
    troot: TypeId,
) -> Option<Spec> {
    let mut ty = target.skip_mods(troot);
    let size = target.size_of(ty)? as u64;
    let mut spec = Spec {
        types: vec![ty],
        names: Vec::new(),
        bit_offset: (access[0] as u64).saturating_mul(size).saturating_mul(8),
        bitfield: 0,
    };
    for (step, &idx) in access[1..].iter().enumerate() {
        let name = &lspec.names[step];
        if name.is_empty() {
            let Some(BtfType::Array { elem, nelems, .. }) = target.get(ty) else {
                return None;
            };
            // Flexible arrays (nelems 0) accept any index.
            if *nelems != 0 && idx >= *nelems {
                return None;
            }
            spec.bit_offset = spec.bit_offset.saturating_add(
                (idx as u64)
                    .saturating_mul(target.size_of(*elem)? as u64)
                    .saturating_mul(8),
            );
            spec.bitfield = 0;
            ty = target.skip_mods(*elem);
        } else {
            let (off, t, bf) = find_member(target, ty, name, 0)?;
            if !compatible(local, lspec.types[step + 1], target, t) {
                return None;
            }
            spec.bit_offset = spec.bit_offset.saturating_add(off);
            spec.bitfield = bf;
            ty = t;
        }
        spec.names.push(name.clone());
        spec.types.push(ty);
    }
    Some(spec)
}

/// Candidate target types for a local type: same kind, same essential name.
fn candidates(local: &Btf, lroot: TypeId, target: &Btf) -> Vec<TypeId> {
    let lt = match local.get(lroot) {
        Some(t) => t,
        None => return Vec::new(),
    };
    let name = essential_name(lt.name());
    if name.is_empty() {
        return Vec::new();
    }
    let same_kind = |t: &BtfType| std::mem::discriminant(t) == std::mem::discriminant(lt);
    target
        .types()
        .iter()
        .enumerate()
        .filter(|(_, t)| same_kind(t) && essential_name(t.name()) == name)
        .map(|(i, _)| i as TypeId)
        .collect()
}

fn is_signed(btf: &Btf, ty: TypeId) -> bool {
    match btf.get(btf.skip_mods(ty)) {
        Some(BtfType::Int { encoding, .. }) => encoding & crate::btf::INT_SIGNED != 0,
        Some(BtfType::Enum { signed, .. }) => *signed,
        _ => false,
    }
}

/// What a relocation evaluates to: (value in the object, value for the host),
/// or `None` for the host when it must be poisoned.
fn evaluate(local: &Btf, relo: &CoreRelo, target: &Btf) -> Result<(u64, Option<u64>), String> {
    use CoreReloKind::*;
    let access = parse_access(&relo.access)?;
    let lroot = local.skip_mods(relo.type_id);
    match relo.kind {
        FieldByteOffset | FieldByteSize | FieldExists | FieldSigned | FieldLShiftU64
        | FieldRShiftU64 => {
            let lspec = local_spec(local, lroot, &access)?;
            let field = |btf: &Btf, spec: &Spec| -> Result<u64, String> {
                let fty = *spec.types.last().unwrap_or(&0);
                let mut byte_sz = btf.size_of(fty).unwrap_or(0) as u64;
                let bit_off = spec.bit_offset;
                let (byte_off, bit_sz) = if spec.bitfield == 0 {
                    (bit_off / 8, byte_sz * 8)
                } else {
                    // A bitfield is read through the smallest naturally
                    // aligned word of at least its type's size holding it.
                    let bit_sz = spec.bitfield as u64;
                    byte_sz = byte_sz.max(1);
                    let mut byte_off = bit_off / 8 / byte_sz * byte_sz;
                    while bit_off
                        .saturating_add(bit_sz)
                        .saturating_sub(byte_off.saturating_mul(8))
                        > byte_sz * 8
                    {
                        if byte_sz >= 8 {
                            return Err("bitfield spans more than 8 bytes".into());
                        }
                        byte_sz *= 2;
                        byte_off = bit_off / 8 / byte_sz * byte_sz;
                    }
                    (byte_off, bit_sz)
                };
                Ok(match relo.kind {
                    FieldByteOffset => byte_off,
                    FieldByteSize => byte_sz,
                    FieldSigned => is_signed(btf, fty) as u64,
                    FieldLShiftU64 => 64u64.wrapping_sub(
                        bit_off
                            .wrapping_add(bit_sz)
                            .wrapping_sub(byte_off.wrapping_mul(8)),
                    ),
                    FieldRShiftU64 => 64u64.wrapping_sub(bit_sz),
                    _ => 1,
                })
            };
            let lval = if relo.kind == FieldExists {
                1
            } else {
                field(local, &lspec)?
            };
            let found = candidates(local, lroot, target)
                .into_iter()
                .find_map(|c| target_spec(local, &lspec, &access, target, c));
            match found {
                Some(tspec) => Ok((lval, Some(field(target, &tspec)?))),
                None if relo.kind == FieldExists => Ok((lval, Some(0))),
                None => Ok((lval, None)),
            }
        }
        TypeIdLocal => Ok((relo.type_id as u64, Some(relo.type_id as u64))),
        TypeIdTarget | TypeExists | TypeSize | TypeMatches => {
            let lval = match relo.kind {
                TypeSize => local.size_of(lroot).unwrap_or(0) as u64,
                TypeIdTarget => relo.type_id as u64,
                _ => 1,
            };
            let found = candidates(local, lroot, target).into_iter().next();
            Ok(match (relo.kind, found) {
                (TypeExists | TypeMatches, f) => (lval, Some(f.is_some() as u64)),
                (TypeSize, Some(t)) => (lval, Some(target.size_of(t).unwrap_or(0) as u64)),
                (TypeIdTarget, Some(t)) => (lval, Some(t as u64)),
                (_, None) => (lval, None),
                _ => (lval, None),
            })
        }
        EnumvalExists | EnumvalValue => {
            let idx = *access.first().ok_or("empty access string")? as usize;
            let Some(BtfType::Enum { values, .. }) = local.get(lroot) else {
                return Err(format!("{} is not an enum", local.type_name(lroot)));
            };
            let ev = values
                .get(idx)
                .ok_or_else(|| format!("enumerator index {idx} out of range"))?;
            let lval = if relo.kind == EnumvalExists {
                1
            } else {
                ev.value as u64
            };
            let found =
                candidates(local, lroot, target)
                    .into_iter()
                    .find_map(|c| match target.get(c) {
                        Some(BtfType::Enum { values, .. }) => values
                            .iter()
                            .find(|v| essential_name(&v.name) == essential_name(&ev.name))
                            .map(|v| v.value),
                        _ => None,
                    });
            Ok(match (relo.kind, found) {
                (EnumvalExists, f) => (lval, Some(f.is_some() as u64)),
                (_, Some(v)) => (lval, Some(v as u64)),
                (_, None) => (lval, None),
            })
        }
    }
}

/// Rewrites every CO-RE relocation of `program` for `target` types.
pub fn apply(program: &mut ObjProgram, local: &Btf, target: &Btf) -> Result<(), ObjError> {
    let relos = program.core_relos.clone();
    let mut index_of_pc = std::collections::HashMap::new();
    let mut pc = 0;
    for (i, insn) in program.insns.iter().enumerate() {
        index_of_pc.insert(pc, i);
        pc += insn.slots();
    }
    for (pc, relo) in relos {
        let err = |message: String| ObjError::Core {
            program: program.name.clone(),
            insn: pc,
            kind: relo.kind.name(),
            access: relo.access.clone(),
            type_name: local.type_name(relo.type_id),
            message,
        };
        let &i = index_of_pc
            .get(&pc)
            .ok_or_else(|| err("does not point at an instruction".into()))?;
        let (lval, tval) = evaluate(local, &relo, target).map_err(err)?;
        let insn = &mut program.insns[i];
        let Some(tval) = tval else {
            *insn = Insn::Call(CallTarget::Helper(POISON_HELPER));
            continue;
        };
        let too_big = |v: u64| err(format!("value {v} does not fit the instruction"));
        match insn {
            Insn::Alu {
                width,
                op: AluOp::Mov | AluOp::Add,
                src: Source::Imm(imm),
                ..
            } => {
                let cur = if *width == Width::W64 {
                    *imm as i64 as u64
                } else {
                    *imm as u32 as u64
                };
                if cur != lval {
                    return Err(err(format!("instruction holds {cur}, expected {lval}")));
                }
                *imm = i32::try_from(tval).map_err(|_| too_big(tval))?;
            }
            Insn::Load { off, .. } | Insn::Store { off, .. } => {
                if *off as i64 as u64 != lval {
                    return Err(err(format!("instruction offset is {off}, expected {lval}")));
                }
                *off = i16::try_from(tval).map_err(|_| too_big(tval))?;
            }
            Insn::LoadImm64 { imm, .. } => *imm = tval,
            other => return Err(err(format!("cannot patch {other:?}"))),
        }
    }
    program.core_relos.clear();
    Ok(())
}
