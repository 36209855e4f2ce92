//! Map definitions: BTF-defined maps in `.maps`, the legacy `maps` section
//! (`struct bpf_map_def`), and global data sections turned into
//! single-entry array maps as libbpf does.

use crate::btf::{Btf, BtfType, TypeId};
use crate::error::ObjError;

/// `BPF_MAP_TYPE_ARRAY`.
pub const MAP_TYPE_ARRAY: u32 = 2;
/// `BPF_F_RDONLY_PROG`: programs may not write the map.
pub const F_RDONLY_PROG: u32 = 1 << 7;
/// `BPF_F_MMAPABLE`.
pub const F_MMAPABLE: u32 = 1 << 10;

/// A map definition as the object declares it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MapDef {
    /// Linux's `enum bpf_map_type` value.
    pub map_type: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub map_flags: u32,
    pub pinning: u32,
    pub numa_node: u32,
    pub map_extra: u64,
    /// BTF type of the key, when declared with `__type(key, T)`.
    pub key_type: Option<TypeId>,
    /// BTF type of the value, when declared with `__type(value, T)`.
    pub value_type: Option<TypeId>,
    /// The inner map template of a map-in-map (`__array(values, ...)`).
    pub inner: Option<Box<MapDef>>,
}

/// Where a map came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MapOrigin {
    /// Declared in `.maps` with BTF.
    Btf,
    /// Declared in the legacy `maps` section.
    Legacy,
    /// A global data section (`.data`, `.rodata*`, `.bss`, `.data.*`).
    GlobalData,
}

/// One map of an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjMap {
    pub name: String,
    /// The ELF section it was declared in.
    pub section: String,
    pub def: MapDef,
    pub origin: MapOrigin,
    /// Initial contents of a global data map (its single value).
    pub initial: Vec<u8>,
    /// Initial slots of a prog array or map-in-map (`.values = { [i] = &x }`):
    /// slot index and the program or map symbol named there.
    pub init_slots: Vec<(u32, String)>,
}

/// Reads a `__uint(name, N)` member: a pointer to an array of N elements.
fn uint_member(btf: &Btf, ty: TypeId) -> Option<u32> {
    match btf.get(btf.skip_mods(ty))? {
        BtfType::Ptr { ty } => match btf.get(btf.skip_mods(*ty))? {
            BtfType::Array { nelems, .. } => Some(*nelems),
            _ => None,
        },
        _ => None,
    }
}

/// Reads a `__type(name, T)` member: a pointer to T.
fn type_member(btf: &Btf, ty: TypeId) -> Option<TypeId> {
    match btf.get(btf.skip_mods(ty))? {
        BtfType::Ptr { ty } => Some(*ty),
        _ => None,
    }
}

/// Parses the definition struct of a BTF-defined map. Returns the definition
/// and the bit offset of its `values` member, if any.
pub fn parse_btf_def(
    btf: &Btf,
    name: &str,
    struct_id: TypeId,
    depth: usize,
) -> Result<(MapDef, Option<u32>), ObjError> {
    let err = |message: String| ObjError::Map {
        map: name.to_string(),
        message,
    };
    if depth > 2 {
        return Err(err("map-in-map nesting is too deep".into()));
    }
    let members = btf.members(struct_id).ok_or_else(|| {
        err(format!(
            "definition type {} is not a struct",
            btf.type_name(struct_id)
        ))
    })?;
    let mut def = MapDef::default();
    let mut values_off = None;
    for m in members {
        let uint = || {
            uint_member(btf, m.ty)
                .ok_or_else(|| err(format!("member {:?} is not __uint(...)", m.name)))
        };
        match m.name.as_str() {
            "type" => def.map_type = uint()?,
            "max_entries" => def.max_entries = uint()?,
            "map_flags" => def.map_flags = uint()?,
            "numa_node" => def.numa_node = uint()?,
            "pinning" => def.pinning = uint()?,
            "map_extra" => def.map_extra = uint()? as u64,
            "key_size" => def.key_size = uint()?,
            "value_size" => def.value_size = uint()?,
            "key" | "value" => {
                let t = type_member(btf, m.ty)
                    .ok_or_else(|| err(format!("member {:?} is not __type(...)", m.name)))?;
                let size = btf.size_of(t).ok_or_else(|| {
                    err(format!(
                        "{} type {} has no known size",
                        m.name,
                        btf.type_name(t)
                    ))
                })?;
                if m.name == "key" {
                    def.key_size = size;
                    def.key_type = Some(t);
                } else {
                    def.value_size = size;
                    def.value_type = Some(t);
                }
            }
            "values" => {
                // `__array(values, T)`: T *values[]; for map-in-map T is the
                // inner map's definition struct, for prog arrays a function.
                values_off = Some(m.bit_offset);
                let elem = match btf.get(btf.skip_mods(m.ty)) {
                    Some(BtfType::Array { elem, .. }) => *elem,
                    _ => return Err(err("member \"values\" is not __array(...)".into())),
                };
                let target = type_member(btf, elem)
                    .ok_or_else(|| err("\"values\" elements are not pointers".into()))?;
                if let Some(BtfType::Struct { .. }) = btf.get(btf.skip_mods(target)) {
                    let (inner, _) =
                        parse_btf_def(btf, &format!("{name}.inner"), target, depth + 1)?;
                    def.inner = Some(Box::new(inner));
                    // Map-in-map values are map ids: 4 bytes.
                    if def.value_size == 0 {
                        def.value_size = 4;
                    }
                }
            }
            other => return Err(err(format!("unknown map definition member {other:?}"))),
        }
    }
    if def.map_type == 0 {
        return Err(err("no map type given (__uint(type, ...))".into()));
    }
    Ok((def, values_off))
}

/// Parses a legacy `struct bpf_map_def` (`type, key_size, value_size,
/// max_entries, map_flags` as u32, possibly followed by fields we ignore).
pub fn parse_legacy_def(name: &str, bytes: &[u8]) -> Result<MapDef, ObjError> {
    if bytes.len() < 16 {
        return Err(ObjError::Map {
            map: name.to_string(),
            message: format!(
                "legacy map definition is {} bytes, needs at least 16",
                bytes.len()
            ),
        });
    }
    let u = |i: usize| {
        bytes
            .get(i * 4..i * 4 + 4)
            .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    Ok(MapDef {
        map_type: u(0),
        key_size: u(1),
        value_size: u(2),
        max_entries: u(3),
        map_flags: if bytes.len() >= 20 { u(4) } else { 0 },
        ..MapDef::default()
    })
}

/// The single-entry array map backing a global data section.
pub fn global_data_map(section: &str, size: u32, initial: Vec<u8>) -> ObjMap {
    let read_only = section == ".rodata" || section.starts_with(".rodata.");
    let flags = F_MMAPABLE | if read_only { F_RDONLY_PROG } else { 0 };
    ObjMap {
        name: section.to_string(),
        section: section.to_string(),
        def: MapDef {
            map_type: MAP_TYPE_ARRAY,
            key_size: 4,
            value_size: size,
            max_entries: 1,
            map_flags: flags,
            ..MapDef::default()
        },
        origin: MapOrigin::GlobalData,
        initial,
        init_slots: Vec::new(),
    }
}
