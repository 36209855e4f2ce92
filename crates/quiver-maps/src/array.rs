//! `BPF_MAP_TYPE_ARRAY` and `BPF_MAP_TYPE_PERCPU_ARRAY`.

use crate::def::{MapDef, MapType};
use crate::error::MapError;
use crate::map::{
    BPF_EXIST, BPF_F_LOCK, BPF_NOEXIST, Map, any_impl, check_cpu, check_key, check_value,
};
use crate::storage::{Arena, Region, ValuePtr, WORD, words_for};

/// An array map: `max_entries` zero-initialised values at fixed addresses,
/// indexed by a native-endian `u32` key. Elements always exist: they can be
/// overwritten but not deleted. Per-CPU arrays keep one value per CPU; the
/// values of one CPU are contiguous (CPU-major layout).
pub struct ArrayMap {
    def: MapDef,
    cpus: usize,
    lock: Option<usize>,
    mem: Arena,
}

impl ArrayMap {
    /// Creates an array (or, with `cpus` CPU slots, a per-CPU array).
    pub fn new(def: &MapDef, cpus: usize) -> Result<ArrayMap, MapError> {
        def.validate()?;
        if !matches!(def.map_type, MapType::Array | MapType::PercpuArray) {
            return Err(MapError::def(
                "map_type",
                crate::error::errno::EINVAL,
                format!("{} is not an array map type", def.map_type),
            ));
        }
        let cpus = if def.map_type.is_percpu() {
            if cpus == 0 {
                return Err(MapError::def(
                    "cpus",
                    crate::error::errno::EINVAL,
                    "need at least one cpu",
                ));
            }
            cpus
        } else {
            1
        };
        let stride = words_for(def.value_size as usize);
        let slots = (def.max_entries as usize)
            .checked_mul(cpus)
            .ok_or(MapError::NoMemory)?;
        Ok(ArrayMap {
            def: def.clone(),
            cpus,
            lock: def.spin_lock_off.map(|o| o as usize),
            mem: Arena::new(stride, slots, true)?,
        })
    }

    /// `max_entries`.
    pub fn len(&self) -> usize {
        self.def.max_entries as usize
    }

    /// Never true (arrays have at least one element).
    pub fn is_empty(&self) -> bool {
        false
    }

    fn region(&self, index: usize, cpu: usize) -> Region<'_> {
        let slot = cpu * self.len() + index;
        Region::new(self.mem.slot(slot), self.def.value_size as usize, self.lock)
    }

    /// A pointer to element `index` of CPU `cpu` (0 for plain arrays).
    pub fn value_ptr(&self, index: u32, cpu: usize) -> Option<ValuePtr> {
        if index >= self.def.max_entries || cpu >= self.cpus {
            return None;
        }
        let slot = cpu * self.len() + index as usize;
        Some(self.mem.ptr(slot, 0, self.def.value_size as usize))
    }

    /// All values of a plain array as one block (value `i` at byte
    /// `i * round_up(value_size, 8)`), as `BPF_F_MMAPABLE` arrays and
    /// global data sections (`.data`, `.bss`, `.rodata`) expose them.
    /// `None` for per-CPU arrays.
    pub fn data_ptr(&self) -> Option<ValuePtr> {
        if self.cpus != 1 {
            return None;
        }
        self.mem.base_ptr()
    }

    fn index(&self, key: &[u8]) -> Result<u32, MapError> {
        check_key(&self.def, key)?;
        let index = u32::from_ne_bytes(key.try_into().unwrap_or([0; 4]));
        if index >= self.def.max_entries {
            return Err(MapError::OutOfRange {
                index,
                max_entries: self.def.max_entries,
            });
        }
        Ok(index)
    }

    fn check_update_flags(&self, flags: u64, lock_ok: bool) -> Result<(), MapError> {
        let allowed = if lock_ok { flags & !BPF_F_LOCK } else { flags };
        if allowed > BPF_EXIST {
            return Err(MapError::Flags(flags));
        }
        Ok(())
    }

    fn write_one(
        &self,
        index: usize,
        cpu: usize,
        value: &[u8],
        flags: u64,
    ) -> Result<(), MapError> {
        let r = self.region(index, cpu);
        if flags & BPF_F_LOCK != 0 {
            if self.lock.is_none() {
                return Err(MapError::Invalid(
                    "BPF_F_LOCK needs a map value with a bpf_spin_lock",
                ));
            }
            r.locked(|| r.write(value));
        } else {
            r.write(value);
        }
        Ok(())
    }
}

/// Linux's array `get_next_key`: no key or an out-of-range key gives 0,
/// the last index gives `NotFound`, otherwise `index + 1`.
pub(crate) fn array_next_key(
    def: &MapDef,
    key: Option<&[u8]>,
    next: &mut [u8],
) -> Result<(), MapError> {
    check_key(def, next)?;
    let index = match key {
        Some(k) => {
            check_key(def, k)?;
            u32::from_ne_bytes(k.try_into().unwrap_or([0; 4]))
        }
        None => u32::MAX,
    };
    let n = if index >= def.max_entries {
        0
    } else if index == def.max_entries - 1 {
        return Err(MapError::NotFound);
    } else {
        index + 1
    };
    next.copy_from_slice(&n.to_ne_bytes());
    Ok(())
}

impl Map for ArrayMap {
    any_impl!();

    fn def(&self) -> &MapDef {
        &self.def
    }

    fn cpus(&self) -> usize {
        self.cpus
    }

    fn lookup(&self, key: &[u8]) -> Option<ValuePtr> {
        self.lookup_percpu(key, 0)
    }

    fn key_at(&self, addr: u64) -> Option<Vec<u8>> {
        let slot = self.mem.slot_at(usize::try_from(addr).ok()?)?;
        let index = (slot % self.len()) as u32;
        Some(index.to_ne_bytes().to_vec())
    }

    fn lookup_percpu(&self, key: &[u8], cpu: usize) -> Option<ValuePtr> {
        let cpu = if self.cpus == 1 { 0 } else { cpu };
        self.value_ptr(self.index(key).ok()?, cpu)
    }

    fn update(&self, key: &[u8], value: &[u8], flags: u64) -> Result<(), MapError> {
        check_key(&self.def, key)?;
        let percpu = self.def.map_type.is_percpu();
        check_value(self.host_value_size(), value)?;
        self.check_update_flags(flags, !percpu)?;
        let index = self.index(key)? as usize;
        if flags & BPF_NOEXIST != 0 {
            return Err(MapError::Exists);
        }
        if !percpu {
            return self.write_one(index, 0, value, flags);
        }
        let vs = self.def.value_size as usize;
        let stride = vs.next_multiple_of(WORD);
        for cpu in 0..self.cpus {
            self.region(index, cpu)
                .write(&value[cpu * stride..cpu * stride + vs]);
        }
        Ok(())
    }

    fn update_percpu(
        &self,
        key: &[u8],
        value: &[u8],
        flags: u64,
        cpu: usize,
    ) -> Result<(), MapError> {
        if !self.def.map_type.is_percpu() {
            return self.update(key, value, flags);
        }
        check_key(&self.def, key)?;
        check_value(self.def.value_size as usize, value)?;
        self.check_update_flags(flags, true)?;
        let index = self.index(key)? as usize;
        if flags & BPF_NOEXIST != 0 {
            return Err(MapError::Exists);
        }
        check_cpu(cpu, self.cpus)?;
        self.write_one(index, cpu, value, flags)
    }

    fn delete(&self, key: &[u8]) -> Result<(), MapError> {
        check_key(&self.def, key)?;
        Err(MapError::Invalid("array map elements cannot be deleted"))
    }

    fn get_next_key(&self, key: Option<&[u8]>, next: &mut [u8]) -> Result<(), MapError> {
        array_next_key(&self.def, key, next)
    }

    fn lookup_copy(&self, key: &[u8]) -> Option<Vec<u8>> {
        let index = self.index(key).ok()? as usize;
        let vs = self.def.value_size as usize;
        if !self.def.map_type.is_percpu() {
            let mut out = vec![0; vs];
            self.region(index, 0).read(&mut out);
            return Some(out);
        }
        let stride = vs.next_multiple_of(WORD);
        let mut out = vec![0; stride * self.cpus];
        for cpu in 0..self.cpus {
            self.region(index, cpu).read(&mut out[cpu * stride..]);
        }
        Some(out)
    }

    fn lookup_copy_flags(&self, key: &[u8], flags: u64) -> Result<Vec<u8>, MapError> {
        if flags & !BPF_F_LOCK != 0 {
            return Err(MapError::Flags(flags));
        }
        // The syscall's lookup of a missing index is -ENOENT.
        let index = match self.index(key) {
            Err(MapError::OutOfRange { .. }) => return Err(MapError::NotFound),
            r => r? as usize,
        };
        if flags & BPF_F_LOCK == 0 {
            return self.lookup_copy(key).ok_or(MapError::NotFound);
        }
        if self.lock.is_none() {
            return Err(MapError::Invalid(
                "BPF_F_LOCK needs a map value with a bpf_spin_lock",
            ));
        }
        let mut out = vec![0; self.def.value_size as usize];
        let r = self.region(index, 0);
        r.locked(|| r.read(&mut out));
        Ok(out)
    }
}
