//! Map helpers that unchecked JIT code calls directly at call sites whose
//! map the verifier proved constant, as Linux's JIT calls a map's own
//! lookup and update functions: no trampoline, no run context, no map
//! handle to resolve, and keys and values read straight from the
//! addresses the verifier proved hold them; and the array values its
//! inline lookups address.

use std::sync::Arc;

use quiver_maps::{ArrayMap, Map, MapType};
use quiver_vm::{ArrayValues, NativeCall, NativeFn};

use crate::helpers::{program_delete, program_lookup, program_update};

/// What a bound site calls with: its map and the sizes it reads.
struct Site {
    map: Arc<dyn Map>,
    key_size: usize,
    value_size: usize,
}

/// Map types whose program-side lookup, update and delete are the
/// map's own (the map-in-map, socket and device maps are not bound).
pub(crate) fn plain(map: &dyn Map) -> bool {
    matches!(
        map.def().map_type,
        MapType::Hash
            | MapType::Array
            | MapType::PercpuHash
            | MapType::PercpuArray
            | MapType::LruHash
            | MapType::LruPercpuHash
    )
}

/// `bpf_map_lookup_elem` on `map`, for a site whose values only the
/// program dereferences (so no region is made for the result).
pub(crate) fn lookup(map: &Arc<dyn Map>) -> NativeCall {
    bind(map, native_lookup)
}

/// `bpf_map_update_elem` on `map`.
pub(crate) fn update(map: &Arc<dyn Map>) -> NativeCall {
    bind(map, native_update)
}

/// `bpf_map_delete_elem` on `map`.
pub(crate) fn delete(map: &Arc<dyn Map>) -> NativeCall {
    bind(map, native_delete)
}

/// A plain array's values as one block, for JIT code to look up inline.
pub(crate) fn array_values(map: &Arc<dyn Map>) -> Option<ArrayValues> {
    let def = map.def();
    let array = map.clone().into_any().downcast::<ArrayMap>().ok()?;
    let data = array.data_ptr()?;
    let stride = def.value_size.next_multiple_of(8);
    // SAFETY: an array's values are one preallocated block that never
    // moves or shrinks while the map lives (the Arc kept here), value `i`
    // at `i * round_up(value_size, 8)` (`ArrayMap::data_ptr`), which is
    // where the lookup helper bound with it points for key `i`.
    Some(unsafe { ArrayValues::new(data.as_ptr(), stride, def.max_entries, Arc::new(array)) })
}

fn bind(map: &Arc<dyn Map>, func: NativeFn) -> NativeCall {
    let def = map.def();
    let site = Arc::new(Site {
        map: map.clone(),
        key_size: def.key_size as usize,
        value_size: def.value_size as usize,
    });
    let data = Arc::as_ptr(&site).expose_provenance() as u64;
    // SAFETY: `data` is the address of `site`, which the call keeps alive
    // (`owner`); the functions below read the key and value the verifier
    // proved readable for this site's map (its key and value sizes) and
    // do what the helpers do (`helpers::linux_helpers`), without
    // unwinding: map operations report failure as errors.
    unsafe { NativeCall::new(func, data, site) }
}

/// The site `data` names.
///
/// # Safety
///
/// `data` must come from [`bind`], whose `NativeCall` is still alive.
unsafe fn site<'a>(data: u64) -> &'a Site {
    // SAFETY: the caller's contract: `data` is the exposed address of a
    // live `Site`.
    unsafe { &*std::ptr::with_exposed_provenance::<Site>(data as usize) }
}

/// Calls `f` with a copy of the `len` program bytes at `addr` (other
/// programs may be writing a map value they point into, so they are
/// copied, as the helpers do, not borrowed).
///
/// # Safety
///
/// `addr..addr + len` must be readable program memory.
unsafe fn with_copy<R>(addr: u64, len: usize, f: impl FnOnce(&[u8]) -> R) -> R {
    let src = std::ptr::with_exposed_provenance::<u8>(addr as usize);
    let mut small = [0u8; 32];
    let mut large = Vec::new();
    let buf: &mut [u8] = if len <= small.len() {
        &mut small[..len]
    } else {
        large.resize(len, 0);
        &mut large
    };
    // SAFETY: the caller's contract; `ptr::copy` tolerates a source that
    // overlaps nothing of ours.
    unsafe { std::ptr::copy(src, buf.as_mut_ptr(), len) };
    f(buf)
}

unsafe extern "C" fn native_lookup(data: u64, _: u64, key: u64, _: u64, _: u64, _: u64) -> u64 {
    // SAFETY: bound by `bind`, whose call is alive while code calls it.
    let s = unsafe { site(data) };
    // SAFETY: at a lookup site `key` points at the map's key, proved
    // readable by the verifier.
    let value = unsafe { with_copy(key, s.key_size, |key| program_lookup(&*s.map, key)) };
    value.map_or(0, |v| v.as_ptr().expose_provenance() as u64)
}

unsafe extern "C" fn native_update(
    data: u64,
    _: u64,
    key: u64,
    value: u64,
    flags: u64,
    _: u64,
) -> u64 {
    // SAFETY: bound by `bind`, whose call is alive while code calls it.
    let s = unsafe { site(data) };
    // SAFETY: at an update site `key` and `value` point at the map's key
    // and value, proved readable by the verifier.
    unsafe {
        with_copy(key, s.key_size, |key| {
            with_copy(value, s.value_size, |value| {
                program_update(&*s.map, key, value, flags)
            })
        })
    }
}

unsafe extern "C" fn native_delete(data: u64, _: u64, key: u64, _: u64, _: u64, _: u64) -> u64 {
    // SAFETY: bound by `bind`, whose call is alive while code calls it.
    let s = unsafe { site(data) };
    // SAFETY: at a delete site `key` points at the map's key, proved
    // readable by the verifier.
    unsafe { with_copy(key, s.key_size, |key| program_delete(&*s.map, key)) }
}
