//! Map definitions (`union bpf_attr` for `BPF_MAP_CREATE`) and the kernel's
//! rules for accepting them.

use std::fmt;

use crate::error::{MapError, errno::*};

/// `BPF_F_NO_PREALLOC`: hash maps allocate elements on demand.
pub const BPF_F_NO_PREALLOC: u32 = 1 << 0;
/// `BPF_F_NO_COMMON_LRU`: LRU maps keep one LRU list per CPU.
pub const BPF_F_NO_COMMON_LRU: u32 = 1 << 1;
/// `BPF_F_NUMA_NODE`: allocate on a given NUMA node (accepted, ignored).
pub const BPF_F_NUMA_NODE: u32 = 1 << 2;
/// `BPF_F_RDONLY`: the syscall side may only read.
pub const BPF_F_RDONLY: u32 = 1 << 3;
/// `BPF_F_WRONLY`: the syscall side may only write.
pub const BPF_F_WRONLY: u32 = 1 << 4;
/// `BPF_F_STACK_BUILD_ID` (stack trace maps).
pub const BPF_F_STACK_BUILD_ID: u32 = 1 << 5;
/// `BPF_F_ZERO_SEED`: hash with a zero seed (deterministic layout).
pub const BPF_F_ZERO_SEED: u32 = 1 << 6;
/// `BPF_F_RDONLY_PROG`: programs may only read (enforced by the verifier).
pub const BPF_F_RDONLY_PROG: u32 = 1 << 7;
/// `BPF_F_WRONLY_PROG`: programs may only write (enforced by the verifier).
pub const BPF_F_WRONLY_PROG: u32 = 1 << 8;
/// `BPF_F_CLONE` (socket storage).
pub const BPF_F_CLONE: u32 = 1 << 9;
/// `BPF_F_MMAPABLE`: the array's values may be mapped by the host.
pub const BPF_F_MMAPABLE: u32 = 1 << 10;
/// `BPF_F_PRESERVE_ELEMS` (perf event arrays).
pub const BPF_F_PRESERVE_ELEMS: u32 = 1 << 11;
/// `BPF_F_INNER_MAP`: an array used as inner map may differ in max_entries.
pub const BPF_F_INNER_MAP: u32 = 1 << 12;

/// `BPF_F_ACCESS_MASK`: the four access flags.
pub const BPF_F_ACCESS_MASK: u32 =
    BPF_F_RDONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY | BPF_F_WRONLY_PROG;

const ARRAY_CREATE_FLAG_MASK: u32 =
    BPF_F_NUMA_NODE | BPF_F_MMAPABLE | BPF_F_ACCESS_MASK | BPF_F_PRESERVE_ELEMS | BPF_F_INNER_MAP;
const HTAB_CREATE_FLAG_MASK: u32 =
    BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK | BPF_F_ZERO_SEED;
const QUEUE_STACK_CREATE_FLAG_MASK: u32 = BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK;
const RINGBUF_CREATE_FLAG_MASK: u32 = BPF_F_NUMA_NODE;

/// Linux's `KMALLOC_MAX_SIZE` with 4 KiB pages (`MAX_PAGE_ORDER` 10).
pub const KMALLOC_MAX_SIZE: u64 = 1 << 22;
/// Linux's `PCPU_MIN_UNIT_SIZE`: the largest per-CPU value (rounded to 8).
pub const PCPU_MIN_UNIT_SIZE: u64 = 32 << 10;
/// The page size ringbuf sizes must be a multiple of.
pub const PAGE_SIZE: u32 = 4096;
/// `sizeof(struct htab_elem)` on 64-bit Linux, part of the hash size limit.
const HTAB_ELEM_SIZE: u64 = 48;
/// `sizeof(struct bucket)`: Linux refuses more than `U32_MAX / 16` buckets.
const MAX_HASH_BUCKETS: u64 = u32::MAX as u64 / 16;

macro_rules! map_types {
    ($($(#[$m:meta])* $variant:ident = $id:literal, $name:literal;)*) => {
        /// `enum bpf_map_type`, with Linux's numeric ids.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum MapType {
            $($(#[$m])* $variant = $id,)*
        }

        impl MapType {
            /// The type with Linux id `id`, if there is one.
            pub fn from_u32(id: u32) -> Option<MapType> {
                match id {
                    $($id => Some(MapType::$variant),)*
                    _ => None,
                }
            }

            /// Linux's id for this type.
            pub fn as_u32(self) -> u32 {
                self as u32
            }

            /// The name bpftool and libbpf use ("hash", "array", ...).
            pub fn name(self) -> &'static str {
                match self {
                    $(MapType::$variant => $name,)*
                }
            }

            /// The type named `name` (as [`MapType::name`] spells it).
            pub fn from_name(name: &str) -> Option<MapType> {
                match name {
                    $($name => Some(MapType::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

map_types! {
    /// `BPF_MAP_TYPE_UNSPEC` (never valid).
    Unspec = 0, "unspec";
    /// `BPF_MAP_TYPE_HASH`.
    Hash = 1, "hash";
    /// `BPF_MAP_TYPE_ARRAY`.
    Array = 2, "array";
    /// `BPF_MAP_TYPE_PROG_ARRAY`.
    ProgArray = 3, "prog_array";
    /// `BPF_MAP_TYPE_PERF_EVENT_ARRAY`.
    PerfEventArray = 4, "perf_event_array";
    /// `BPF_MAP_TYPE_PERCPU_HASH`.
    PercpuHash = 5, "percpu_hash";
    /// `BPF_MAP_TYPE_PERCPU_ARRAY`.
    PercpuArray = 6, "percpu_array";
    /// `BPF_MAP_TYPE_STACK_TRACE`.
    StackTrace = 7, "stack_trace";
    /// `BPF_MAP_TYPE_CGROUP_ARRAY`.
    CgroupArray = 8, "cgroup_array";
    /// `BPF_MAP_TYPE_LRU_HASH`.
    LruHash = 9, "lru_hash";
    /// `BPF_MAP_TYPE_LRU_PERCPU_HASH`.
    LruPercpuHash = 10, "lru_percpu_hash";
    /// `BPF_MAP_TYPE_LPM_TRIE`.
    LpmTrie = 11, "lpm_trie";
    /// `BPF_MAP_TYPE_ARRAY_OF_MAPS`.
    ArrayOfMaps = 12, "array_of_maps";
    /// `BPF_MAP_TYPE_HASH_OF_MAPS`.
    HashOfMaps = 13, "hash_of_maps";
    /// `BPF_MAP_TYPE_DEVMAP`.
    Devmap = 14, "devmap";
    /// `BPF_MAP_TYPE_SOCKMAP`.
    Sockmap = 15, "sockmap";
    /// `BPF_MAP_TYPE_CPUMAP`.
    Cpumap = 16, "cpumap";
    /// `BPF_MAP_TYPE_XSKMAP`.
    Xskmap = 17, "xskmap";
    /// `BPF_MAP_TYPE_SOCKHASH`.
    Sockhash = 18, "sockhash";
    /// `BPF_MAP_TYPE_CGROUP_STORAGE`.
    CgroupStorage = 19, "cgroup_storage";
    /// `BPF_MAP_TYPE_REUSEPORT_SOCKARRAY`.
    ReuseportSockarray = 20, "reuseport_sockarray";
    /// `BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE`.
    PercpuCgroupStorage = 21, "percpu_cgroup_storage";
    /// `BPF_MAP_TYPE_QUEUE`.
    Queue = 22, "queue";
    /// `BPF_MAP_TYPE_STACK`.
    Stack = 23, "stack";
    /// `BPF_MAP_TYPE_SK_STORAGE`.
    SkStorage = 24, "sk_storage";
    /// `BPF_MAP_TYPE_DEVMAP_HASH`.
    DevmapHash = 25, "devmap_hash";
    /// `BPF_MAP_TYPE_STRUCT_OPS`.
    StructOps = 26, "struct_ops";
    /// `BPF_MAP_TYPE_RINGBUF`.
    Ringbuf = 27, "ringbuf";
    /// `BPF_MAP_TYPE_INODE_STORAGE`.
    InodeStorage = 28, "inode_storage";
    /// `BPF_MAP_TYPE_TASK_STORAGE`.
    TaskStorage = 29, "task_storage";
    /// `BPF_MAP_TYPE_BLOOM_FILTER`.
    BloomFilter = 30, "bloom_filter";
    /// `BPF_MAP_TYPE_USER_RINGBUF`.
    UserRingbuf = 31, "user_ringbuf";
    /// `BPF_MAP_TYPE_CGRP_STORAGE`.
    CgrpStorage = 32, "cgrp_storage";
    /// `BPF_MAP_TYPE_ARENA`.
    Arena = 33, "arena";
}

impl MapType {
    /// Per-CPU value types (percpu array, percpu hash, LRU percpu hash).
    pub fn is_percpu(self) -> bool {
        matches!(
            self,
            MapType::PercpuArray | MapType::PercpuHash | MapType::LruPercpuHash
        )
    }

    /// LRU hash types.
    pub fn is_lru(self) -> bool {
        matches!(self, MapType::LruHash | MapType::LruPercpuHash)
    }

    /// Map-in-map types.
    pub fn is_map_in_map(self) -> bool {
        matches!(self, MapType::ArrayOfMaps | MapType::HashOfMaps)
    }

    fn is_array_like(self) -> bool {
        matches!(
            self,
            MapType::Array
                | MapType::PercpuArray
                | MapType::ProgArray
                | MapType::PerfEventArray
                | MapType::CgroupArray
                | MapType::ArrayOfMaps
        )
    }

    fn is_hash_like(self) -> bool {
        matches!(
            self,
            MapType::Hash
                | MapType::PercpuHash
                | MapType::LruHash
                | MapType::LruPercpuHash
                | MapType::HashOfMaps
        )
    }
}

impl fmt::Display for MapType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A map definition: what `BPF_MAP_CREATE` receives.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MapDef {
    /// The map type.
    pub map_type: MapType,
    /// Key size in bytes.
    pub key_size: u32,
    /// Value size in bytes.
    pub value_size: u32,
    /// Number of elements (ringbuf: data size in bytes).
    pub max_entries: u32,
    /// `BPF_F_*` creation flags.
    pub flags: u32,
    /// The template inner map of a map-in-map.
    pub inner: Option<Box<MapDef>>,
    /// Offset of a `struct bpf_spin_lock` (4 bytes) in the value, as BTF
    /// declares it; required by `BPF_F_LOCK`.
    pub spin_lock_off: Option<u32>,
}

impl MapDef {
    /// A definition without flags, inner map or spin lock.
    pub fn new(map_type: MapType, key_size: u32, value_size: u32, max_entries: u32) -> MapDef {
        MapDef {
            map_type,
            key_size,
            value_size,
            max_entries,
            flags: 0,
            inner: None,
            spin_lock_off: None,
        }
    }

    /// This definition with `flags`.
    pub fn with_flags(mut self, flags: u32) -> MapDef {
        self.flags = flags;
        self
    }

    /// This definition with the map-in-map template `inner`.
    pub fn with_inner(mut self, inner: MapDef) -> MapDef {
        self.inner = Some(Box::new(inner));
        self
    }

    /// This definition with a `bpf_spin_lock` at byte `off` of the value.
    pub fn with_spin_lock(mut self, off: u32) -> MapDef {
        self.spin_lock_off = Some(off);
        self
    }

    /// Checks the definition with the kernel's rules (the `map_alloc_check`
    /// of each map type plus `map_create`'s common checks).
    pub fn validate(&self) -> Result<(), MapError> {
        let t = self.map_type;
        let name = t.name();
        if self.flags & BPF_F_RDONLY != 0 && self.flags & BPF_F_WRONLY != 0 {
            return Err(MapError::def(
                "flags",
                EINVAL,
                "BPF_F_RDONLY and BPF_F_WRONLY exclude each other",
            ));
        }
        match t {
            _ if t.is_array_like() => self.check_array()?,
            _ if t.is_hash_like() => self.check_hash()?,
            MapType::Queue | MapType::Stack => self.check_queue()?,
            MapType::Ringbuf => self.check_ringbuf()?,
            MapType::Unspec => {
                return Err(MapError::def(
                    "map_type",
                    EINVAL,
                    "BPF_MAP_TYPE_UNSPEC is not a map type",
                ));
            }
            _ => {}
        }
        if t.is_map_in_map() {
            self.check_inner()?;
        } else if self.inner.is_some() {
            return Err(MapError::def(
                "inner",
                EINVAL,
                format!("{name} maps have no inner map"),
            ));
        }
        if let Some(off) = self.spin_lock_off {
            if !matches!(t, MapType::Hash | MapType::Array) {
                return Err(MapError::def(
                    "spin_lock_off",
                    EOPNOTSUPP,
                    format!("bpf_spin_lock is only allowed in hash and array values, not {name}"),
                ));
            }
            if !off.is_multiple_of(4) || u64::from(off) + 4 > u64::from(self.value_size) {
                return Err(MapError::def(
                    "spin_lock_off",
                    EINVAL,
                    format!(
                        "a bpf_spin_lock at {off} must be 4-aligned and inside the {}-byte value",
                        self.value_size
                    ),
                ));
            }
        }
        Ok(())
    }

    fn check_flags(&self, mask: u32) -> Result<(), MapError> {
        let bad = self.flags & !mask;
        if bad != 0 {
            return Err(MapError::def(
                "flags",
                EINVAL,
                format!("flags {bad:#x} are not allowed for {} maps", self.map_type),
            ));
        }
        // bpf_map_flags_access_ok()
        if self.flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)
            == BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG
        {
            return Err(MapError::def(
                "flags",
                EINVAL,
                "BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG exclude each other",
            ));
        }
        Ok(())
    }

    fn check_nonzero(&self, field: &'static str, v: u32) -> Result<(), MapError> {
        if v == 0 {
            return Err(MapError::def(
                field,
                EINVAL,
                format!("{} maps need {field} > 0", self.map_type),
            ));
        }
        Ok(())
    }

    fn check_array(&self) -> Result<(), MapError> {
        let t = self.map_type;
        self.check_nonzero("max_entries", self.max_entries)?;
        if self.key_size != 4 {
            return Err(MapError::def(
                "key_size",
                EINVAL,
                format!("{t} maps need key_size 4, not {}", self.key_size),
            ));
        }
        self.check_nonzero("value_size", self.value_size)?;
        self.check_flags(ARRAY_CREATE_FLAG_MASK)?;
        if t != MapType::Array && self.flags & (BPF_F_MMAPABLE | BPF_F_INNER_MAP) != 0 {
            return Err(MapError::def(
                "flags",
                EINVAL,
                format!("BPF_F_MMAPABLE and BPF_F_INNER_MAP are for array maps only, not {t}"),
            ));
        }
        if t != MapType::PerfEventArray && self.flags & BPF_F_PRESERVE_ELEMS != 0 {
            return Err(MapError::def(
                "flags",
                EINVAL,
                "BPF_F_PRESERVE_ELEMS is for perf_event_array maps only",
            ));
        }
        if self.value_size > i32::MAX as u32 {
            return Err(MapError::def(
                "value_size",
                E2BIG,
                format!("value_size {} is above INT_MAX", self.value_size),
            ));
        }
        if t.is_percpu() && u64::from(self.value_size).next_multiple_of(8) > PCPU_MIN_UNIT_SIZE {
            return Err(MapError::def(
                "value_size",
                E2BIG,
                format!(
                    "per-cpu values are limited to {PCPU_MIN_UNIT_SIZE} bytes, not {}",
                    self.value_size
                ),
            ));
        }
        // fd_array_map_alloc_check()
        if matches!(
            t,
            MapType::ProgArray
                | MapType::PerfEventArray
                | MapType::CgroupArray
                | MapType::ArrayOfMaps
        ) {
            if self.value_size != 4 {
                return Err(MapError::def(
                    "value_size",
                    EINVAL,
                    format!("{t} values are 4-byte ids, not {} bytes", self.value_size),
                ));
            }
            if self.flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG) != 0 {
                return Err(MapError::def(
                    "flags",
                    EINVAL,
                    format!("{t} maps take neither BPF_F_RDONLY_PROG nor BPF_F_WRONLY_PROG"),
                ));
            }
        }
        Ok(())
    }

    fn check_hash(&self) -> Result<(), MapError> {
        let t = self.map_type;
        self.check_flags(HTAB_CREATE_FLAG_MASK)?;
        if !t.is_lru() && self.flags & BPF_F_NO_COMMON_LRU != 0 {
            return Err(MapError::def(
                "flags",
                EINVAL,
                format!("BPF_F_NO_COMMON_LRU is for LRU maps only, not {t}"),
            ));
        }
        if t.is_lru() && self.flags & BPF_F_NO_PREALLOC != 0 {
            return Err(MapError::def(
                "flags",
                ENOTSUPP,
                "LRU maps are always preallocated: BPF_F_NO_PREALLOC is not supported",
            ));
        }
        self.check_nonzero("max_entries", self.max_entries)?;
        self.check_nonzero("key_size", self.key_size)?;
        self.check_nonzero("value_size", self.value_size)?;
        if t == MapType::HashOfMaps && self.value_size != 4 {
            return Err(MapError::def(
                "value_size",
                EINVAL,
                format!(
                    "hash_of_maps values are 4-byte ids, not {} bytes",
                    self.value_size
                ),
            ));
        }
        if u64::from(self.key_size) + u64::from(self.value_size)
            >= KMALLOC_MAX_SIZE - HTAB_ELEM_SIZE
        {
            return Err(MapError::def(
                "value_size",
                E2BIG,
                format!(
                    "key_size + value_size ({}) is too large",
                    u64::from(self.key_size) + u64::from(self.value_size)
                ),
            ));
        }
        if t.is_percpu() && u64::from(self.value_size).next_multiple_of(8) > PCPU_MIN_UNIT_SIZE {
            return Err(MapError::def(
                "value_size",
                E2BIG,
                format!(
                    "per-cpu values are limited to {PCPU_MIN_UNIT_SIZE} bytes, not {}",
                    self.value_size
                ),
            ));
        }
        if u64::from(self.max_entries).next_power_of_two() > MAX_HASH_BUCKETS {
            return Err(MapError::def(
                "max_entries",
                E2BIG,
                format!(
                    "max_entries {} needs too many hash buckets",
                    self.max_entries
                ),
            ));
        }
        Ok(())
    }

    fn check_queue(&self) -> Result<(), MapError> {
        self.check_nonzero("max_entries", self.max_entries)?;
        if self.key_size != 0 {
            return Err(MapError::def(
                "key_size",
                EINVAL,
                format!("{} maps have no key: key_size must be 0", self.map_type),
            ));
        }
        self.check_nonzero("value_size", self.value_size)?;
        self.check_flags(QUEUE_STACK_CREATE_FLAG_MASK)?;
        if u64::from(self.value_size) > KMALLOC_MAX_SIZE {
            return Err(MapError::def(
                "value_size",
                E2BIG,
                format!("value_size {} is above KMALLOC_MAX_SIZE", self.value_size),
            ));
        }
        Ok(())
    }

    fn check_ringbuf(&self) -> Result<(), MapError> {
        self.check_flags(RINGBUF_CREATE_FLAG_MASK)?;
        if self.key_size != 0 {
            return Err(MapError::def(
                "key_size",
                EINVAL,
                "ringbuf maps have no key: key_size must be 0",
            ));
        }
        if self.value_size != 0 {
            return Err(MapError::def(
                "value_size",
                EINVAL,
                "ringbuf maps have no value: value_size must be 0",
            ));
        }
        let n = self.max_entries;
        if !n.is_power_of_two() || !n.is_multiple_of(PAGE_SIZE) {
            return Err(MapError::def(
                "max_entries",
                EINVAL,
                format!("ringbuf size {n} must be a power of 2 and a multiple of {PAGE_SIZE}"),
            ));
        }
        Ok(())
    }

    fn check_inner(&self) -> Result<(), MapError> {
        let Some(inner) = &self.inner else {
            return Err(MapError::def(
                "inner",
                EINVAL,
                format!("{} maps need an inner map template", self.map_type),
            ));
        };
        if inner.map_type.is_map_in_map() {
            return Err(MapError::def(
                "inner",
                EINVAL,
                "map-in-map nests one level only",
            ));
        }
        if matches!(
            inner.map_type,
            MapType::ProgArray
                | MapType::StructOps
                | MapType::CgroupStorage
                | MapType::PercpuCgroupStorage
        ) {
            return Err(MapError::def(
                "inner",
                ENOTSUPP,
                format!("{} maps cannot be inner maps", inner.map_type),
            ));
        }
        inner.validate().map_err(|e| match e {
            MapError::InvalidDef {
                field,
                reason,
                errno,
            } => MapError::InvalidDef {
                field: "inner",
                reason: format!("{field}: {reason}"),
                errno,
            },
            other => other,
        })
    }

    /// Checks that a map with definition `inner` may be stored in a
    /// map-in-map whose template is `self` (Linux `bpf_map_meta_equal`):
    /// same type, key size, value size, flags and spin lock; arrays also
    /// need the same max_entries unless the template has `BPF_F_INNER_MAP`.
    pub fn check_inner_compatible(&self, inner: &MapDef) -> Result<(), MapError> {
        let mismatch = |what: &str, want: String, got: String| {
            Err(MapError::InnerMismatch(format!(
                "{what} is {got}, the template has {want}"
            )))
        };
        if inner.map_type != self.map_type {
            return mismatch(
                "map_type",
                self.map_type.to_string(),
                inner.map_type.to_string(),
            );
        }
        if inner.key_size != self.key_size {
            return mismatch(
                "key_size",
                self.key_size.to_string(),
                inner.key_size.to_string(),
            );
        }
        if inner.value_size != self.value_size {
            return mismatch(
                "value_size",
                self.value_size.to_string(),
                inner.value_size.to_string(),
            );
        }
        if inner.flags != self.flags {
            return mismatch(
                "flags",
                format!("{:#x}", self.flags),
                format!("{:#x}", inner.flags),
            );
        }
        if inner.spin_lock_off != self.spin_lock_off {
            return mismatch(
                "spin_lock_off",
                format!("{:?}", self.spin_lock_off),
                format!("{:?}", inner.spin_lock_off),
            );
        }
        let array = matches!(self.map_type, MapType::Array | MapType::PercpuArray);
        if array && self.flags & BPF_F_INNER_MAP == 0 && inner.max_entries != self.max_entries {
            return mismatch(
                "max_entries",
                self.max_entries.to_string(),
                inner.max_entries.to_string(),
            );
        }
        Ok(())
    }

    /// Bytes a host-side value buffer has for this map with `cpus` CPUs:
    /// per-CPU maps hold every CPU's value, each rounded up to 8 bytes.
    pub fn host_value_size(&self, cpus: usize) -> usize {
        if self.map_type.is_percpu() {
            (self.value_size as usize).next_multiple_of(8) * cpus
        } else {
            self.value_size as usize
        }
    }
}
