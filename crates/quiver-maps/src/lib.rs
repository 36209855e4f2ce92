//! BPF maps with Linux semantics, safe for BPF programs running on many
//! host threads at once.
//!
//! A map is created from a [`MapDef`] (checked with the kernel's rules and
//! error codes) by [`create`], which returns an `Arc<dyn Map>`; the
//! [`Map`] trait has the operations of both sides that use a map: BPF
//! programs (helpers get raw [`ValuePtr`]s into value memory, which stays
//! at the same address for the map's whole life) and the host (the
//! `bpf()` syscall commands, which copy). Concrete types give the extra
//! operations of their map type: [`ArrayMap`], [`HashMap`] (plain,
//! per-CPU and LRU), [`ProgArray`], [`ArrayOfMaps`], [`HashOfMaps`],
//! [`QueueMap`] and [`RingBuf`] with its [`RingBufConsumer`].
//!
//! Errors are [`MapError`]s; [`MapError::errno`] gives the negative errno a
//! BPF helper returns. Per-CPU maps have a number of CPU slots fixed at
//! creation (the host's worker slots); programs name theirs with
//! [`Map::lookup_percpu`] and [`Map::update_percpu`].
//!
//! ```
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use quiver_maps::{BPF_ANY, BPF_NOEXIST, MapDef, MapType, create};
//!
//! let map = create(&MapDef::new(MapType::Hash, 4, 8, 16), 1)?;
//! let key = 7u32.to_ne_bytes();
//! map.update(&key, &1u64.to_ne_bytes(), BPF_ANY)?;
//! assert_eq!(map.update(&key, &2u64.to_ne_bytes(), BPF_NOEXIST).unwrap_err().errno(), -17);
//!
//! // What bpf_map_lookup_elem gives a program: a stable pointer.
//! let value = map.lookup(&key).expect("present");
//! // SAFETY: the pointer is 8-byte aligned, valid for 8 bytes while `map`
//! // lives, and the element is not deleted meanwhile.
//! let counter = unsafe { AtomicU64::from_ptr(value.as_ptr().cast()) };
//! counter.fetch_add(41, Ordering::Relaxed);
//!
//! assert_eq!(map.lookup_copy(&key), Some(42u64.to_ne_bytes().to_vec()));
//! # Ok::<(), quiver_maps::MapError>(())
//! ```
//!
//! # Design
//!
//! - **Value memory** is `AtomicU64` words allocated once per map (or per
//!   chunk, for `BPF_F_NO_PREALLOC` hash maps, in doubling chunks that
//!   never move), so every value is 8-byte aligned and its address is
//!   stable until the map is dropped. Programs write through raw pointers
//!   without locks, as in Linux; host copies use atomic word accesses and
//!   may be torn by concurrent program writes unless `BPF_F_LOCK` is used
//!   (copies under the value's `bpf_spin_lock`; see [`spin_lock`]). See
//!   [`ValuePtr`] for exactly how long a pointer stays valid.
//! - **Hash maps** split `roundup_pow_of_two(max_entries)` buckets among up
//!   to 64 `RwLock`ed shards (lookups share, updates exclude per shard).
//!   Elements are preallocated slots recycled through a lock-free free
//!   list: like Linux's preallocated hash maps, a deleted or replaced
//!   element's memory is reused at once, never freed, so a program still
//!   holding its pointer reads valid (possibly reused) memory. Replacing
//!   an existing key swaps in a new slot (readers never see a half-written
//!   value); per-CPU maps and `BPF_F_LOCK` update in place, as in Linux.
//! - **LRU hash maps** evict with CLOCK (second chance): program lookups
//!   set a reference bit, and an insert into a full map sweeps the slots,
//!   sparing (and clearing) referenced elements and evicting the first
//!   unreferenced one. This approximates LRU the way Linux's
//!   active/inactive lists with reference bits do. Like Linux, an update
//!   takes its new slot before looking for the key, so an update of an
//!   existing key in a full map evicts some element, and under heavy
//!   contention on a tiny map an insert may fail with -ENOMEM.
//! - **Ring buffers** use Linux's record format and protocol (8-byte
//!   headers with busy/discard bits, reservation order, a consumer that
//!   stops at the first uncommitted record, Linux's wake-up rules); the
//!   data area is followed by room for wrapped record tails, so records
//!   are contiguous without double mapping.

mod array;
mod def;
mod error;
mod hash;
mod lru;
mod map;
mod map_in_map;
mod prog_array;
mod queue;
mod ringbuf;
mod storage;

use std::sync::Arc;

pub use array::ArrayMap;
pub use def::*;
pub use error::{MapError, errno};
pub use hash::HashMap;
pub use map::{BPF_ANY, BPF_EXIST, BPF_F_LOCK, BPF_NOEXIST, Map, downcast_arc};
pub use map_in_map::{ArrayOfMaps, HashOfMaps};
pub use prog_array::ProgArray;
pub use queue::QueueMap;
pub use ringbuf::*;
pub use storage::{ValuePtr, spin_lock, spin_unlock};

/// Creates the map `def` describes. `cpus` is the number of CPU slots of
/// per-CPU maps (other maps ignore it).
///
/// Errors: the definition's refusal ([`MapError::InvalidDef`], with the
/// field, the reason and Linux's errno), [`MapError::UnsupportedType`] for
/// map types this crate does not implement, [`MapError::NoMemory`].
pub fn create(def: &MapDef, cpus: usize) -> Result<Arc<dyn Map>, MapError> {
    def.validate()?;
    Ok(match def.map_type {
        MapType::Array | MapType::PercpuArray => Arc::new(ArrayMap::new(def, cpus)?),
        MapType::Hash | MapType::PercpuHash | MapType::LruHash | MapType::LruPercpuHash => {
            Arc::new(HashMap::new(def, cpus)?)
        }
        MapType::ProgArray => Arc::new(ProgArray::new(def)?),
        MapType::ArrayOfMaps => Arc::new(ArrayOfMaps::new(def)?),
        MapType::HashOfMaps => Arc::new(HashOfMaps::new(def)?),
        MapType::Queue | MapType::Stack => Arc::new(QueueMap::new(def)?),
        MapType::Ringbuf => Arc::new(RingBuf::new(def)?),
        other => return Err(MapError::UnsupportedType(other)),
    })
}
