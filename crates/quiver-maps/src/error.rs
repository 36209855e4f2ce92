//! Map errors and the Linux errno each one stands for.

use crate::def::MapType;

/// Linux errno values (positive, as in `<errno.h>`; [`MapError::errno`]
/// returns them negated, as the kernel does).
pub mod errno {
    /// No such element.
    pub const ENOENT: i32 = 2;
    /// Bad file descriptor (here: an invalid program or map id).
    pub const EBADF: i32 = 9;
    /// Try again (ringbuf output with no room).
    pub const EAGAIN: i32 = 11;
    /// Argument list too long (map full, index out of range, too large).
    pub const E2BIG: i32 = 7;
    /// Out of memory.
    pub const ENOMEM: i32 = 12;
    /// Device or resource busy.
    pub const EBUSY: i32 = 16;
    /// Element exists.
    pub const EEXIST: i32 = 17;
    /// Invalid argument.
    pub const EINVAL: i32 = 22;
    /// No space left on device.
    pub const ENOSPC: i32 = 28;
    /// Result out of range (a CPU index beyond the map's CPUs).
    pub const ERANGE: i32 = 34;
    /// Operation not supported (userspace-visible).
    pub const EOPNOTSUPP: i32 = 95;
    /// Operation not supported (kernel-internal value that BPF returns to
    /// userspace for map operations a map type lacks).
    pub const ENOTSUPP: i32 = 524;
}

/// An error from a map operation or a refused map definition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    /// The map definition was refused; `field` names the offending field
    /// (`map_type`, `key_size`, `value_size`, `max_entries`, `flags`,
    /// `inner`, `spin_lock_off`, `cpus`).
    #[error("invalid map definition: {field}: {reason}")]
    InvalidDef {
        /// The field that was refused.
        field: &'static str,
        /// Why.
        reason: String,
        /// The negative errno Linux gives for it (-EINVAL, -E2BIG, ...).
        errno: i32,
    },
    /// A known map type that this crate does not implement.
    #[error("map type {0} is not implemented")]
    UnsupportedType(MapType),
    /// The key does not have the map's key_size.
    #[error("key has {got} bytes, the map's key_size is {expected}")]
    KeySize {
        /// The map's key size.
        expected: usize,
        /// The size given.
        got: usize,
    },
    /// The value buffer does not have the size the operation needs.
    #[error("value has {got} bytes, expected {expected}")]
    ValueSize {
        /// The size the operation needs.
        expected: usize,
        /// The size given.
        got: usize,
    },
    /// Unknown or not-allowed flags for this operation.
    #[error("invalid flags {0:#x}")]
    Flags(u64),
    /// No element with this key (or an empty queue/stack/slot).
    #[error("no such element")]
    NotFound,
    /// `BPF_NOEXIST` on an existing element (or any update of an array
    /// element with `BPF_NOEXIST`).
    #[error("element exists")]
    Exists,
    /// The map has `max_entries` elements (hash) or is full (queue/stack).
    #[error("map is full")]
    Full,
    /// An array index at or beyond `max_entries`.
    #[error("index {index} is out of range (max_entries {max_entries})")]
    OutOfRange {
        /// The index given.
        index: u32,
        /// The map's max_entries.
        max_entries: u32,
    },
    /// A CPU index at or beyond the map's number of CPUs.
    #[error("cpu {cpu} is out of range (the map has {cpus} cpus)")]
    Cpu {
        /// The CPU index given.
        cpu: usize,
        /// The map's number of CPUs.
        cpus: usize,
    },
    /// A program or map id of 0 (ids start at 1).
    #[error("invalid id 0")]
    BadId,
    /// The inner map does not match the map-in-map's template.
    #[error("inner map does not match the template: {0}")]
    InnerMismatch(String),
    /// An operation this map type refuses with -EINVAL (for example
    /// deleting an array element).
    #[error("{0}")]
    Invalid(&'static str),
    /// An operation this map type does not have.
    #[error("{op} is not supported by {map_type} maps")]
    NotSupported {
        /// The map's type.
        map_type: MapType,
        /// The operation.
        op: &'static str,
    },
    /// Memory could not be allocated, or (LRU) no element could be evicted.
    #[error("out of memory")]
    NoMemory,
    /// The resource is in use (for example a second ringbuf consumer).
    #[error("busy: {0}")]
    Busy(&'static str),
    /// No room right now (ringbuf output).
    #[error("no room in the ring buffer")]
    Again,
    /// No object with this id exists (a program id given to a prog array).
    #[error("no program with id {0}")]
    UnknownId(u32),
    /// The object may not go in this map: the reason says which property
    /// differs (a prog array's owner rule).
    #[error("{0}")]
    Incompatible(String),
}

impl MapError {
    /// The negative Linux errno for this error, as a BPF helper or the
    /// `bpf()` syscall would return it.
    pub fn errno(&self) -> i32 {
        use errno::*;
        -match self {
            MapError::InvalidDef { errno, .. } => return *errno,
            MapError::UnsupportedType(_) => EOPNOTSUPP,
            MapError::KeySize { .. }
            | MapError::ValueSize { .. }
            | MapError::Flags(_)
            | MapError::InnerMismatch(_)
            | MapError::Invalid(_) => EINVAL,
            MapError::NotFound => ENOENT,
            MapError::Exists => EEXIST,
            MapError::Full | MapError::OutOfRange { .. } => E2BIG,
            MapError::Cpu { .. } => ERANGE,
            MapError::BadId | MapError::UnknownId(_) => EBADF,
            MapError::Incompatible(_) => EINVAL,
            MapError::NotSupported { .. } => ENOTSUPP,
            MapError::NoMemory => ENOMEM,
            MapError::Busy(_) => EBUSY,
            MapError::Again => EAGAIN,
        }
    }

    pub(crate) fn def(field: &'static str, errno: i32, reason: impl Into<String>) -> Self {
        MapError::InvalidDef {
            field,
            reason: reason.into(),
            errno: -errno,
        }
    }
}
