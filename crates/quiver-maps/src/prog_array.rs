//! `BPF_MAP_TYPE_PROG_ARRAY`: slots of program ids for tail calls.

use std::sync::atomic::{AtomicU32, Ordering::*};

use crate::array::array_next_key;
use crate::def::{MapDef, MapType};
use crate::error::{MapError, errno::EINVAL};
use crate::map::{BPF_ANY, Map, any_impl, check_key, check_value};
use crate::storage::{ValuePtr, id_ptr};

/// `max_entries` slots holding an id (non-zero) or nothing (0), read
/// lock-free. Shared by prog arrays and arrays of maps.
pub(crate) struct IdSlots {
    ids: Box<[AtomicU32]>,
}

impl IdSlots {
    pub(crate) fn new(n: u32) -> Result<IdSlots, MapError> {
        let mut v = Vec::new();
        v.try_reserve_exact(n as usize)
            .map_err(|_| MapError::NoMemory)?;
        v.extend((0..n).map(|_| AtomicU32::new(0)));
        Ok(IdSlots {
            ids: v.into_boxed_slice(),
        })
    }

    fn max(&self) -> u32 {
        self.ids.len() as u32
    }

    fn slot(&self, index: u32) -> Result<&AtomicU32, MapError> {
        self.ids.get(index as usize).ok_or(MapError::OutOfRange {
            index,
            max_entries: self.max(),
        })
    }

    pub(crate) fn get(&self, index: u32) -> Option<u32> {
        let id = self.ids.get(index as usize)?.load(Acquire);
        (id != 0).then_some(id)
    }

    pub(crate) fn set(&self, index: u32, id: u32) -> Result<Option<u32>, MapError> {
        if id == 0 {
            return Err(MapError::BadId);
        }
        let old = self.slot(index)?.swap(id, AcqRel);
        Ok((old != 0).then_some(old))
    }

    pub(crate) fn clear(&self, index: u32) -> Result<Option<u32>, MapError> {
        let old = self.slot(index)?.swap(0, AcqRel);
        Ok((old != 0).then_some(old))
    }

    /// A pointer to the id in slot `index`, if the slot is filled.
    pub(crate) fn ptr(&self, index: u32) -> Option<ValuePtr> {
        self.get(index)?;
        Some(id_ptr(&self.ids, index as usize))
    }

    pub(crate) fn index(def: &MapDef, key: &[u8]) -> Result<u32, MapError> {
        check_key(def, key)?;
        Ok(u32::from_ne_bytes(key.try_into().unwrap_or([0; 4])))
    }

    /// `update` of an fd array: flags must be BPF_ANY, the value is an id.
    pub(crate) fn update(
        &self,
        def: &MapDef,
        key: &[u8],
        value: &[u8],
        flags: u64,
    ) -> Result<Option<u32>, MapError> {
        let index = Self::index(def, key)?;
        check_value(4, value)?;
        if flags != BPF_ANY {
            return Err(MapError::Flags(flags));
        }
        self.set(
            index,
            u32::from_ne_bytes(value.try_into().unwrap_or([0; 4])),
        )
    }

    /// `delete` of an fd array: -E2BIG out of range, -ENOENT if empty.
    pub(crate) fn delete(&self, def: &MapDef, key: &[u8]) -> Result<u32, MapError> {
        self.clear(Self::index(def, key)?)?
            .ok_or(MapError::NotFound)
    }

    pub(crate) fn lookup_copy(&self, def: &MapDef, key: &[u8]) -> Option<Vec<u8>> {
        let id = self.get(Self::index(def, key).ok()?)?;
        Some(id.to_ne_bytes().to_vec())
    }
}

/// A prog array: slot `i` holds the id of a program (set by the host after
/// it has checked the program's compatibility). Programs reach it only
/// through tail calls (the runtime reads [`ProgArray::get`]):
/// `bpf_map_lookup_elem` on it gives `None`, as Linux refuses it.
pub struct ProgArray {
    def: MapDef,
    slots: IdSlots,
}

impl ProgArray {
    /// Creates a prog array (key_size 4, value_size 4).
    pub fn new(def: &MapDef) -> Result<ProgArray, MapError> {
        def.validate()?;
        if def.map_type != MapType::ProgArray {
            return Err(MapError::def(
                "map_type",
                EINVAL,
                format!("{} is not prog_array", def.map_type),
            ));
        }
        Ok(ProgArray {
            def: def.clone(),
            slots: IdSlots::new(def.max_entries)?,
        })
    }

    /// The program id in slot `index` (None: empty or out of range); this
    /// is what a tail call reads.
    pub fn get(&self, index: u32) -> Option<u32> {
        self.slots.get(index)
    }

    /// Puts program `prog_id` in slot `index`; returns the id it replaced.
    /// -E2BIG beyond max_entries, -EBADF for id 0.
    pub fn set(&self, index: u32, prog_id: u32) -> Result<Option<u32>, MapError> {
        self.slots.set(index, prog_id)
    }

    /// Empties slot `index`; returns the id it held.
    pub fn clear(&self, index: u32) -> Result<Option<u32>, MapError> {
        self.slots.clear(index)
    }

    /// `max_entries`.
    pub fn len(&self) -> usize {
        self.def.max_entries as usize
    }

    /// Never true.
    pub fn is_empty(&self) -> bool {
        false
    }
}

impl Map for ProgArray {
    any_impl!();

    fn def(&self) -> &MapDef {
        &self.def
    }

    fn lookup(&self, _key: &[u8]) -> Option<ValuePtr> {
        None
    }

    fn update(&self, key: &[u8], value: &[u8], flags: u64) -> Result<(), MapError> {
        self.slots.update(&self.def, key, value, flags).map(|_| ())
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
