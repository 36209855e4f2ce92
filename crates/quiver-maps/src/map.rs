//! The operations every map has (`struct bpf_map_ops`), and update flags.

use std::any::Any;
use std::sync::Arc;

use crate::def::MapDef;
use crate::error::MapError;
use crate::storage::ValuePtr;

/// `BPF_ANY`: create a new element or update an existing one.
pub const BPF_ANY: u64 = 0;
/// `BPF_NOEXIST`: create a new element only.
pub const BPF_NOEXIST: u64 = 1;
/// `BPF_EXIST`: update an existing element only (queue/stack push: replace
/// the oldest element when full).
pub const BPF_EXIST: u64 = 2;
/// `BPF_F_LOCK`: copy the value under its `bpf_spin_lock`.
pub const BPF_F_LOCK: u64 = 4;

/// A BPF map.
///
/// Two sides use a map, as in Linux: BPF programs (helpers such as
/// `bpf_map_lookup_elem`, which get raw value pointers) and the host (the
/// `bpf()` syscall's commands, which copy values in and out). Methods whose
/// program and host semantics differ say so; for per-CPU maps the program
/// side names its CPU (the host worker slot it runs on) with the `*_percpu`
/// methods, and the host side sees every CPU's value at once.
///
/// All methods may be called from many threads at once.
pub trait Map: Send + Sync + 'static {
    /// The definition the map was created from.
    fn def(&self) -> &MapDef;

    /// Number of CPU slots of a per-CPU map (1 for other maps).
    fn cpus(&self) -> usize {
        1
    }

    /// Size of the host-side value buffer for [`Map::update`] and
    /// [`Map::lookup_copy`]: `value_size`, or for per-CPU maps every CPU's
    /// value each rounded up to 8 bytes.
    fn host_value_size(&self) -> usize {
        self.def().host_value_size(self.cpus())
    }

    /// `self` as `Any`, to downcast to the concrete map type.
    fn as_any(&self) -> &dyn Any;

    /// `self` as `Arc<dyn Any>`, to downcast an `Arc<dyn Map>`.
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;

    /// Program side: a pointer to the value for `key` (per-CPU maps: CPU
    /// 0's value), or `None` if there is none, the key has the wrong size,
    /// or programs may not look up this map type. See [`ValuePtr`] for how
    /// long the pointer stays valid.
    fn lookup(&self, key: &[u8]) -> Option<ValuePtr>;

    /// Program side: the value of CPU `cpu` of a per-CPU map (also
    /// `bpf_map_lookup_percpu_elem`); other maps ignore `cpu`.
    fn lookup_percpu(&self, key: &[u8], cpu: usize) -> Option<ValuePtr> {
        let _ = cpu;
        self.lookup(key)
    }

    /// Host side (and program side for maps that are not per-CPU): sets
    /// the value of `key`. `value` has [`Map::host_value_size`] bytes.
    /// Queue and stack maps push (`key` is empty), as the syscall does.
    fn update(&self, key: &[u8], value: &[u8], flags: u64) -> Result<(), MapError>;

    /// Program side of `bpf_map_update_elem` on CPU `cpu`: per-CPU maps set
    /// only that CPU's value (`value_size` bytes); other maps are
    /// [`Map::update`].
    fn update_percpu(
        &self,
        key: &[u8],
        value: &[u8],
        flags: u64,
        cpu: usize,
    ) -> Result<(), MapError> {
        let _ = cpu;
        self.update(key, value, flags)
    }

    /// Deletes the element for `key`.
    fn delete(&self, key: &[u8]) -> Result<(), MapError>;

    /// Writes into `next` the key after `key` in iteration order, or the
    /// first key if `key` is `None` or not in the map (Linux semantics);
    /// `Err(NotFound)` after the last key.
    fn get_next_key(&self, key: Option<&[u8]>, next: &mut [u8]) -> Result<(), MapError>;

    /// Host side: a copy of the value for `key` (per-CPU maps: every CPU's
    /// value, each rounded up to 8 bytes; prog arrays and map-in-maps: the
    /// 4-byte id; queue and stack: the element a pop would return). The
    /// copy may be torn by concurrent program writes; see
    /// [`Map::lookup_copy_flags`] with [`BPF_F_LOCK`].
    fn lookup_copy(&self, key: &[u8]) -> Option<Vec<u8>>;

    /// The key of the element whose value memory holds address `addr` (a
    /// pointer a program got from a lookup, or into it), for maps whose
    /// values carry timers and work items: their callbacks receive the
    /// key. `None` for other maps or addresses.
    fn key_at(&self, addr: u64) -> Option<Vec<u8>> {
        let _ = addr;
        None
    }

    /// Host side `BPF_MAP_LOOKUP_ELEM` with flags: 0 or [`BPF_F_LOCK`]
    /// (copy under the value's spin lock; only maps with a spin lock).
    fn lookup_copy_flags(&self, key: &[u8], flags: u64) -> Result<Vec<u8>, MapError> {
        if flags != 0 {
            return Err(MapError::Flags(flags));
        }
        self.lookup_copy(key).ok_or(MapError::NotFound)
    }

    /// Host side `BPF_MAP_LOOKUP_AND_DELETE_ELEM`: queue and stack pop,
    /// hash maps copy and delete.
    fn lookup_and_delete(&self, key: &[u8]) -> Result<Vec<u8>, MapError> {
        let _ = key;
        Err(MapError::NotSupported {
            map_type: self.def().map_type,
            op: "lookup_and_delete",
        })
    }

    /// `bpf_map_push_elem` (queue and stack).
    fn push(&self, value: &[u8], flags: u64) -> Result<(), MapError> {
        let _ = (value, flags);
        Err(MapError::NotSupported {
            map_type: self.def().map_type,
            op: "push",
        })
    }

    /// `bpf_map_pop_elem` (queue and stack): copies into `out`.
    fn pop(&self, out: &mut [u8]) -> Result<(), MapError> {
        let _ = out;
        Err(MapError::NotSupported {
            map_type: self.def().map_type,
            op: "pop",
        })
    }

    /// `bpf_map_peek_elem` (queue and stack): copies into `out`.
    fn peek(&self, out: &mut [u8]) -> Result<(), MapError> {
        let _ = out;
        Err(MapError::NotSupported {
            map_type: self.def().map_type,
            op: "peek",
        })
    }
}

impl dyn Map {
    /// The concrete map, if it is a `T`.
    pub fn downcast_ref<T: Map>(&self) -> Option<&T> {
        self.as_any().downcast_ref()
    }
}

/// The concrete map behind `map`, if it is a `T`.
pub fn downcast_arc<T: Map>(map: Arc<dyn Map>) -> Option<Arc<T>> {
    map.into_any().downcast().ok()
}

pub(crate) fn check_key(def: &MapDef, key: &[u8]) -> Result<(), MapError> {
    if key.len() != def.key_size as usize {
        return Err(MapError::KeySize {
            expected: def.key_size as usize,
            got: key.len(),
        });
    }
    Ok(())
}

pub(crate) fn check_value(expected: usize, value: &[u8]) -> Result<(), MapError> {
    if value.len() != expected {
        return Err(MapError::ValueSize {
            expected,
            got: value.len(),
        });
    }
    Ok(())
}

pub(crate) fn check_cpu(cpu: usize, cpus: usize) -> Result<(), MapError> {
    if cpu >= cpus {
        return Err(MapError::Cpu { cpu, cpus });
    }
    Ok(())
}

/// Implements the `Any` plumbing of [`Map`].
macro_rules! any_impl {
    () => {
        fn as_any(&self) -> &dyn ::std::any::Any {
            self
        }

        fn into_any(
            self: ::std::sync::Arc<Self>,
        ) -> ::std::sync::Arc<dyn ::std::any::Any + Send + Sync> {
            self
        }
    };
}
pub(crate) use any_impl;
