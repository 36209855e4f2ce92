//! The eviction policy of LRU hash maps: CLOCK (second chance).
//!
//! Linux's LRU hash is itself approximate: elements carry a reference bit
//! that lookups from programs set, and the shrinker moves referenced
//! elements back to the active list and evicts unreferenced ones from the
//! inactive tail. CLOCK keeps the same idea with less machinery: every
//! slot has a state word (`LINKED`: the slot holds an element; `REF`: a
//! program looked it up since the hand last passed). When an insert finds
//! no free slot, the hand sweeps the slots in order: a referenced element
//! loses its bit and is spared, the first unreferenced element is evicted.
//! So an element survives eviction while programs keep looking it up, and
//! among idle elements the one the hand reaches first (roughly the one
//! idle for longest) goes. Host-side lookups do not set the bit, as in
//! Linux (`lookup_elem_sys` does not mark). `BPF_F_NO_COMMON_LRU` (per-CPU
//! LRU lists) is accepted and uses the same shared clock.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::*};

/// State bit: the slot is linked into the table.
pub(crate) const LINKED: u64 = 1;
/// State bit: a program looked the element up since the hand passed.
pub(crate) const REF: u64 = 2;

/// The clock hand over `cap` slots.
pub(crate) struct Clock {
    hand: AtomicUsize,
    cap: usize,
}

impl Clock {
    pub(crate) fn new(cap: usize) -> Clock {
        Clock {
            hand: AtomicUsize::new(0),
            cap: cap.max(1),
        }
    }

    /// Records a program lookup of the element whose state word is `state`
    /// (writes only when the bit is not yet set, to keep hot elements'
    /// cache lines shared).
    pub(crate) fn mark(state: &AtomicU64) {
        if state.load(Relaxed) & REF == 0 {
            state.fetch_or(REF, Relaxed);
        }
    }

    /// Sweeps at most two turns for a victim: slots whose state is not
    /// `LINKED` are skipped, referenced ones lose their bit, and the first
    /// unreferenced one for which `try_evict` succeeds (it unlinks the
    /// element, under its shard's lock) is returned, now owned by the
    /// caller.
    pub(crate) fn evict<'a>(
        &self,
        state: impl Fn(usize) -> &'a AtomicU64,
        mut try_evict: impl FnMut(usize) -> bool,
    ) -> Option<usize> {
        for _ in 0..2 * self.cap + 1 {
            let i = self.hand.fetch_add(1, Relaxed) % self.cap;
            let s = state(i);
            let st = s.load(Acquire);
            if st & LINKED == 0 {
                continue;
            }
            if st & REF != 0 {
                s.fetch_and(!REF, Relaxed);
                continue;
            }
            if try_evict(i) {
                return Some(i);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_chance() {
        let states: Vec<AtomicU64> = [LINKED | REF, LINKED, 0, LINKED]
            .into_iter()
            .map(AtomicU64::new)
            .collect();
        let clock = Clock::new(4);
        let victim = clock.evict(|i| &states[i], |_| true);
        assert_eq!(victim, Some(1));
        assert_eq!(states[0].load(Relaxed), LINKED);
        // Next sweep continues after the last victim.
        assert_eq!(clock.evict(|i| &states[i], |_| true), Some(3));
        // Nothing evictable.
        assert_eq!(clock.evict(|i| &states[i], |_| false), None);
    }
}
