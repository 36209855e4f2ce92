//! How programs name maps: `LD_IMM64` of a map loads an opaque handle, an
//! address in a range no process maps, so a program that dereferences it
//! faults instead of reading the map's internals.

/// Base of the handle range (the upper half of the address space, where
/// user space never has memory).
pub const MAP_HANDLE_BASE: u64 = 0xffff_9000_0000_0000;

/// The handle of map `index`.
pub const fn encode(index: usize) -> u64 {
    MAP_HANDLE_BASE + index as u64 * 0x1000
}

/// The map index a handle names, if it is one.
pub fn decode(handle: u64, maps: usize) -> Option<usize> {
    let off = handle.checked_sub(MAP_HANDLE_BASE)?;
    if off % 0x1000 != 0 {
        return None;
    }
    let index = usize::try_from(off / 0x1000).ok()?;
    (index < maps).then_some(index)
}
