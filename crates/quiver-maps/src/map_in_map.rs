//! `BPF_MAP_TYPE_ARRAY_OF_MAPS` and `BPF_MAP_TYPE_HASH_OF_MAPS`.
//!
//! Values are map ids (the runtime's registry owns the maps). A map may be
//! stored only if its definition matches the outer map's template
//! ([`MapDef::check_inner_compatible`], Linux's `bpf_map_meta_equal`), so
//! values go in through [`ArrayOfMaps::set`] / [`HashOfMaps::insert`],
//! which take the inner map's definition; the generic [`Map::update`]
//! cannot check it and refuses with -EINVAL. A program lookup gives a
//! pointer to the stored 4-byte id (the runtime turns it into its map
//! reference); the host lookup copies the id, as Linux returns inner map
//! ids.

use crate::array::array_next_key;
use crate::def::{MapDef, MapType};
use crate::error::{MapError, errno::EINVAL};
use crate::hash::HashMap;
use crate::map::{Map, any_impl};
use crate::prog_array::IdSlots;
use crate::storage::ValuePtr;

const NEEDS_DEF: &str =
    "map-in-map values need the inner map's definition: use ArrayOfMaps::set or HashOfMaps::insert";

fn template(def: &MapDef, want: MapType) -> Result<MapDef, MapError> {
    def.validate()?;
    if def.map_type != want {
        return Err(MapError::def(
            "map_type",
            EINVAL,
            format!("{} is not {want}", def.map_type),
        ));
    }
    // validate() guarantees a template for map-in-map types.
    def.inner
        .as_deref()
        .cloned()
        .ok_or_else(|| MapError::def("inner", EINVAL, "missing inner map template"))
}

/// An array of maps: slot `i` holds the id of a map matching the template.
pub struct ArrayOfMaps {
    def: MapDef,
    template: MapDef,
    slots: IdSlots,
}

impl ArrayOfMaps {
    /// Creates an array of maps; `def.inner` is the template.
    pub fn new(def: &MapDef) -> Result<ArrayOfMaps, MapError> {
        let template = template(def, MapType::ArrayOfMaps)?;
        Ok(ArrayOfMaps {
            def: def.clone(),
            template,
            slots: IdSlots::new(def.max_entries)?,
        })
    }

    /// The inner map template.
    pub fn template(&self) -> &MapDef {
        &self.template
    }

    /// The map id in slot `index`.
    pub fn get(&self, index: u32) -> Option<u32> {
        self.slots.get(index)
    }

    /// Stores map `map_id`, whose definition is `inner`, in slot `index`;
    /// returns the id it replaced. -EINVAL if `inner` does not match the
    /// template, -E2BIG beyond max_entries, -EBADF for id 0.
    pub fn set(&self, index: u32, map_id: u32, inner: &MapDef) -> Result<Option<u32>, MapError> {
        self.template.check_inner_compatible(inner)?;
        self.slots.set(index, map_id)
    }

    /// Empties slot `index`; returns the id it held.
    pub fn clear(&self, index: u32) -> Result<Option<u32>, MapError> {
        self.slots.clear(index)
    }
}

impl Map for ArrayOfMaps {
    any_impl!();

    fn def(&self) -> &MapDef {
        &self.def
    }

    fn lookup(&self, key: &[u8]) -> Option<ValuePtr> {
        self.slots.ptr(IdSlots::index(&self.def, key).ok()?)
    }

    fn update(&self, _key: &[u8], _value: &[u8], _flags: u64) -> Result<(), MapError> {
        Err(MapError::Invalid(NEEDS_DEF))
    }

    fn delete(&self, key: &[u8]) -> Result<(), MapError> {
        self.slots.delete(&self.def, key).map(|_| ())
    }

    fn get_next_key(&self, key: Option<&[u8]>, next: &mut [u8]) -> Result<(), MapError> {
        array_next_key(&self.def, key, next)
    }

    fn lookup_copy(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.slots.lookup_copy(&self.def, key)
    }
}

/// A hash of maps: a hash map whose values are ids of maps matching the
/// template. Update flags (`BPF_ANY`, `BPF_NOEXIST`, `BPF_EXIST`) and
/// errors are the hash map's.
pub struct HashOfMaps {
    template: MapDef,
    table: HashMap,
}

impl HashOfMaps {
    /// Creates a hash of maps; `def.inner` is the template.
    pub fn new(def: &MapDef) -> Result<HashOfMaps, MapError> {
        let template = template(def, MapType::HashOfMaps)?;
        Ok(HashOfMaps {
            template,
            table: HashMap::new(def, 1)?,
        })
    }

    /// The inner map template.
    pub fn template(&self) -> &MapDef {
        &self.template
    }

    /// The map id stored for `key`.
    pub fn get(&self, key: &[u8]) -> Option<u32> {
        let v = self.table.lookup_copy(key)?;
        Some(u32::from_ne_bytes(v.try_into().ok()?))
    }

    /// Stores map `map_id`, whose definition is `inner`, for `key`.
    pub fn insert(
        &self,
        key: &[u8],
        map_id: u32,
        inner: &MapDef,
        flags: u64,
    ) -> Result<(), MapError> {
        self.template.check_inner_compatible(inner)?;
        if map_id == 0 {
            return Err(MapError::BadId);
        }
        self.table.update(key, &map_id.to_ne_bytes(), flags)
    }

    /// Number of inner maps stored.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether no inner map is stored.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

impl Map for HashOfMaps {
    any_impl!();

    fn def(&self) -> &MapDef {
        self.table.def()
    }

    fn lookup(&self, key: &[u8]) -> Option<ValuePtr> {
        self.table.lookup(key)
    }

    fn update(&self, _key: &[u8], _value: &[u8], _flags: u64) -> Result<(), MapError> {
        Err(MapError::Invalid(NEEDS_DEF))
    }

    fn delete(&self, key: &[u8]) -> Result<(), MapError> {
        self.table.delete(key)
    }

    fn get_next_key(&self, key: Option<&[u8]>, next: &mut [u8]) -> Result<(), MapError> {
        self.table.get_next_key(key, next)
    }

    fn lookup_copy(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.table.lookup_copy(key)
    }
}
