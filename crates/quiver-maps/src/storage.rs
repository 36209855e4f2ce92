//! Value memory: the one module of this crate with `unsafe`.
//!
//! # Model
//!
//! All map memory that BPF programs can point into is made of [`AtomicU64`]
//! words, allocated once and never moved or freed before the map itself is
//! dropped. Values start on a word boundary (8-byte aligned, as programs'
//! 8-byte atomic instructions need) and occupy whole words.
//!
//! Programs read and write that memory through raw pointers ([`ValuePtr`]),
//! concurrently and without locks, exactly as in Linux. Because the memory
//! is atomics (an `UnsafeCell` inside), handing out pointers that are
//! written through while the map holds `&` references is allowed. All
//! host-side copies in this crate use atomic accesses too (whole words with
//! `AtomicU64`; the word holding a `bpf_spin_lock` with `AtomicU32` halves,
//! the size the lock itself uses), so host threads never race
//! non-atomically with one another or with programs using atomic
//! instructions. Word copies are relaxed: a host copy that races with
//! program writes may see a torn value (some words old, some new), as
//! `memcpy` in Linux does; `BPF_F_LOCK` copies under the value's spin lock
//! avoid that for programs that take the lock. Ordering between a writer
//! and a reader comes from the map's locks or, in the ringbuf, from the
//! record header's release/acquire.
//!
//! What is outside Rust's model: a program's plain (non-atomic) or
//! different-size accesses to the same bytes. Those are the BPF program's
//! own memory model (the kernel's), and behave on hardware as they do in
//! Linux.

use std::ptr::NonNull;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::*};

use crate::error::MapError;

/// Bytes per storage word.
pub(crate) const WORD: usize = 8;

/// Words needed for `bytes` bytes.
pub(crate) fn words_for(bytes: usize) -> usize {
    bytes.div_ceil(WORD)
}

/// A raw pointer to a map value (or a ringbuf record), as a BPF program
/// receives it from `bpf_map_lookup_elem` or `bpf_ringbuf_reserve`.
///
/// # Validity
///
/// The pointer is 8-byte aligned and valid for reads and writes of `len`
/// bytes, including with atomic instructions of any width up to 8 bytes at
/// naturally aligned offsets, for as long as the map it came from is alive
/// (while some `Arc` of it exists). Map memory is never moved or freed
/// before the map is dropped.
///
/// It is *not* pinned to the element: after the element is deleted (or a
/// hash element is replaced by an update without `BPF_F_LOCK`), the memory
/// goes back to the map's free list and may be reused by another key, so a
/// holder may observe other values, exactly as with Linux's preallocated
/// hash maps. Array values never change identity. A ringbuf record pointer
/// may be written only until it is submitted or discarded.
///
/// The type is `Send + Sync` because it is only an address; dereferencing
/// it is the caller's (the VM's) `unsafe` business.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ValuePtr {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: a ValuePtr is an address plus a length; it gives no access by
// itself (dereferencing needs `unsafe`), and the memory it names is atomics
// that may be accessed from any thread.
unsafe impl Send for ValuePtr {}
// SAFETY: as for Send: sharing the address is harmless.
unsafe impl Sync for ValuePtr {}

impl ValuePtr {
    /// The address of the first byte.
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// Number of bytes the program may access.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the value has no bytes (never true for map values).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The address as an integer (for tables keyed by address).
    pub fn addr(&self) -> usize {
        self.ptr.as_ptr() as usize
    }
}

/// Allocates `n` zeroed words, reporting allocation failure.
pub(crate) fn alloc_words(n: usize) -> Result<Box<[AtomicU64]>, MapError> {
    let mut v: Vec<AtomicU64> = Vec::new();
    v.try_reserve_exact(n).map_err(|_| MapError::NoMemory)?;
    v.extend((0..n).map(|_| AtomicU64::new(0)));
    Ok(v.into_boxed_slice())
}

/// A pointer to byte `byte_off` of `words`, with provenance over all of
/// `words` (so pointer arithmetic across values stays valid).
fn ptr_into(words: &[AtomicU64], byte_off: usize, len: usize) -> ValuePtr {
    debug_assert!(byte_off + len <= words.len() * WORD);
    let base = words.as_ptr().cast::<u8>().cast_mut();
    let ptr = NonNull::new(base.wrapping_add(byte_off)).expect("map memory is never at address 0");
    ValuePtr { ptr, len }
}

/// A pointer to the 4-byte id `index` of `ids` (prog arrays, map-in-map).
pub(crate) fn id_ptr(ids: &[AtomicU32], index: usize) -> ValuePtr {
    assert!(index < ids.len());
    let base = ids.as_ptr().cast::<u8>().cast_mut();
    let ptr = NonNull::new(base.wrapping_add(index * 4)).expect("map memory is never at address 0");
    ValuePtr { ptr, len: 4 }
}

/// Slots of `words_per_slot` words each, at stable addresses, allocated
/// all at once (`prealloc`) or in doubling chunks as slots are first used.
/// Chunk `k` holds slots `base * (2^k - 1) .. base * (2^(k+1) - 1)`.
pub(crate) struct Arena {
    words_per_slot: usize,
    base: usize,
    capacity: usize,
    chunks: Box<[OnceLock<Box<[AtomicU64]>>]>,
}

impl Arena {
    pub(crate) fn new(
        words_per_slot: usize,
        capacity: usize,
        prealloc: bool,
    ) -> Result<Arena, MapError> {
        let capacity = capacity.max(1);
        let base = if prealloc { capacity } else { capacity.min(64) };
        let mut nchunks = 0;
        let mut start = 0usize;
        while start < capacity {
            start = start.saturating_add(base << nchunks);
            nchunks += 1;
        }
        let chunks: Box<[OnceLock<Box<[AtomicU64]>>]> =
            (0..nchunks).map(|_| OnceLock::new()).collect();
        let arena = Arena {
            words_per_slot,
            base,
            capacity,
            chunks,
        };
        if prealloc {
            let words = capacity
                .checked_mul(words_per_slot)
                .ok_or(MapError::NoMemory)?;
            let _ = arena.chunks[0].set(alloc_words(words)?);
        }
        Ok(arena)
    }

    /// Number of slots.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    fn locate(&self, slot: usize) -> (usize, usize) {
        // The first chunk (all of a preallocated arena) without a division.
        if slot < self.base {
            return (0, slot);
        }
        let q = slot / self.base + 1;
        let k = (usize::BITS - 1 - q.leading_zeros()) as usize;
        (k, slot - self.base * ((1 << k) - 1))
    }

    fn chunk_slots(&self, k: usize) -> usize {
        let start = self.base * ((1 << k) - 1);
        (self.base << k).min(self.capacity - start)
    }

    /// Makes sure the chunk holding `slot` is allocated.
    pub(crate) fn ensure(&self, slot: usize) {
        let (k, _) = self.locate(slot);
        self.chunks[k].get_or_init(|| {
            let n = self.chunk_slots(k) * self.words_per_slot;
            (0..n).map(|_| AtomicU64::new(0)).collect()
        });
    }

    fn chunk(&self, slot: usize) -> (&[AtomicU64], usize) {
        let (k, off) = self.locate(slot);
        let chunk = self.chunks[k]
            .get()
            .expect("map slot used before its memory was allocated");
        (chunk, off * self.words_per_slot)
    }

    /// The words of `slot`.
    pub(crate) fn slot(&self, slot: usize) -> &[AtomicU64] {
        let (chunk, start) = self.chunk(slot);
        &chunk[start..start + self.words_per_slot]
    }

    /// A program pointer to `len` bytes at word `word` of `slot`.
    pub(crate) fn ptr(&self, slot: usize, word: usize, len: usize) -> ValuePtr {
        let (chunk, start) = self.chunk(slot);
        ptr_into(chunk, (start + word) * WORD, len)
    }

    /// The slot whose memory holds address `addr`, if any.
    pub(crate) fn slot_at(&self, addr: usize) -> Option<usize> {
        for (k, chunk) in self.chunks.iter().enumerate() {
            let Some(chunk) = chunk.get() else { continue };
            let start = chunk.as_ptr() as usize;
            let bytes = chunk.len() * WORD;
            if addr >= start && addr < start + bytes {
                let within = (addr - start) / (self.words_per_slot * WORD);
                return Some(self.base * ((1 << k) - 1) + within);
            }
        }
        None
    }

    /// Pointer to the first byte of slot 0, valid over all slots, when the
    /// arena is one chunk (preallocated).
    pub(crate) fn base_ptr(&self) -> Option<ValuePtr> {
        if self.chunks.len() != 1 {
            return None;
        }
        let chunk = self.chunks[0].get()?;
        Some(ptr_into(chunk, 0, chunk.len() * WORD))
    }
}

/// `len` bytes stored in whole words, with an optional 4-byte
/// `bpf_spin_lock` at byte `lock` that copies skip (they leave it alone
/// when writing and read it as zero), as Linux's `copy_map_value` does.
#[derive(Clone, Copy)]
pub(crate) struct Region<'a> {
    words: &'a [AtomicU64],
    len: usize,
    lock: Option<usize>,
}

impl<'a> Region<'a> {
    pub(crate) fn new(words: &'a [AtomicU64], len: usize, lock: Option<usize>) -> Region<'a> {
        debug_assert!(words.len() * WORD >= len);
        debug_assert!(lock.is_none_or(|l| l % 4 == 0 && l + 4 <= len));
        Region { words, len, lock }
    }

    /// The `AtomicU32` covering bytes `4 * half .. 4 * half + 4` of word `w`.
    fn half(&self, w: usize, half: usize) -> &'a AtomicU32 {
        assert!(half < 2 && w < self.words.len());
        let p = self.words[w].as_ptr().cast::<u32>().wrapping_add(half);
        // SAFETY: `p` points inside the 8-byte, 8-aligned word `w` (half is
        // 0 or 1), so it is 4-aligned and valid for 4 bytes for 'a (the
        // words are borrowed for 'a and live in an allocation that is never
        // freed while borrowed). The word is an UnsafeCell, so atomic writes
        // through a pointer derived from a shared reference are allowed.
        // In this crate these 4 bytes are only accessed as AtomicU32 (the
        // spin lock word and its neighbour), never as the AtomicU64 word.
        unsafe { AtomicU32::from_ptr(p) }
    }

    /// The spin lock's atomic, if the region has one.
    pub(crate) fn lock_word(&self) -> Option<&'a AtomicU32> {
        self.lock.map(|l| self.half(l / WORD, (l % WORD) / 4))
    }

    /// Runs `f` holding the region's bpf_spin_lock.
    pub(crate) fn locked<R>(&self, f: impl FnOnce() -> R) -> R {
        let lock = self
            .lock_word()
            .expect("locked copy of a value without a spin lock");
        spin_lock(lock);
        let r = f();
        spin_unlock(lock);
        r
    }

    /// Copies the region into `out[..len]`; spin lock bytes read as zero.
    pub(crate) fn read(&self, out: &mut [u8]) {
        let out = &mut out[..self.len];
        for (w, chunk) in out.chunks_mut(WORD).enumerate() {
            if let Some(l) = self.lock.filter(|l| l / WORD == w) {
                let lock_half = (l % WORD) / 4;
                let mut bytes = [0u8; WORD];
                for h in 0..2 {
                    if h != lock_half {
                        let v = self.half(w, h).load(Relaxed);
                        bytes[h * 4..h * 4 + 4].copy_from_slice(&v.to_ne_bytes());
                    }
                }
                chunk.copy_from_slice(&bytes[..chunk.len()]);
            } else {
                let v = self.words[w].load(Relaxed).to_ne_bytes();
                chunk.copy_from_slice(&v[..chunk.len()]);
            }
        }
    }

    /// Copies `src` (exactly `len` bytes) into the region, leaving the spin
    /// lock bytes unchanged. Bytes of a partial last word beyond `len` are
    /// preserved too.
    pub(crate) fn write(&self, src: &[u8]) {
        assert_eq!(src.len(), self.len, "value copy of the wrong size");
        for (w, chunk) in src.chunks(WORD).enumerate() {
            if let Some(l) = self.lock.filter(|l| l / WORD == w) {
                let lock_half = (l % WORD) / 4;
                for h in 0..2 {
                    let lo = h * 4;
                    if h == lock_half || lo >= chunk.len() {
                        continue;
                    }
                    let part = &chunk[lo..chunk.len().min(lo + 4)];
                    let a = self.half(w, h);
                    if part.len() == 4 {
                        a.store(
                            u32::from_ne_bytes(part.try_into().unwrap_or([0; 4])),
                            Relaxed,
                        );
                    } else {
                        let _ = a.fetch_update(Relaxed, Relaxed, |old| {
                            let mut b = old.to_ne_bytes();
                            b[..part.len()].copy_from_slice(part);
                            Some(u32::from_ne_bytes(b))
                        });
                    }
                }
            } else if chunk.len() == WORD {
                let v = u64::from_ne_bytes(chunk.try_into().unwrap_or([0; WORD]));
                self.words[w].store(v, Relaxed);
            } else {
                let _ = self.words[w].fetch_update(Relaxed, Relaxed, |old| {
                    let mut b = old.to_ne_bytes();
                    b[..chunk.len()].copy_from_slice(chunk);
                    Some(u64::from_ne_bytes(b))
                });
            }
        }
    }

    /// Writes `src` and sets the spin lock to unlocked: a new element.
    pub(crate) fn init(&self, src: &[u8]) {
        self.write(src);
        if let Some(l) = self.lock_word() {
            l.store(0, Relaxed);
        }
    }

    /// Sets every byte of the region (spin lock included) to zero.
    pub(crate) fn zero(&self) {
        for w in 0..words_for(self.len) {
            if self.lock.is_some_and(|l| l / WORD == w) {
                self.half(w, 0).store(0, Relaxed);
                self.half(w, 1).store(0, Relaxed);
            } else {
                self.words[w].store(0, Relaxed);
            }
        }
    }

    /// Whether the region holds exactly `bytes` (used for keys, which have
    /// no spin lock and are only written before an element is published).
    pub(crate) fn eq(&self, bytes: &[u8]) -> bool {
        debug_assert!(self.lock.is_none());
        bytes.len() == self.len
            && bytes.chunks(WORD).enumerate().all(|(w, chunk)| {
                let v = self.words[w].load(Relaxed).to_ne_bytes();
                v[..chunk.len()] == *chunk
            })
    }
}

/// Takes a `bpf_spin_lock` (a `u32`: 0 unlocked, 1 locked). This is the
/// protocol `BPF_F_LOCK` copies use; the runtime's `bpf_spin_lock` helper
/// must use it too (`AtomicU32::from_ptr` on the lock's address).
pub fn spin_lock(lock: &AtomicU32) {
    let mut spins = 0u32;
    loop {
        if lock.compare_exchange_weak(0, 1, Acquire, Relaxed).is_ok() {
            return;
        }
        while lock.load(Relaxed) != 0 {
            spins = spins.wrapping_add(1);
            if spins.is_multiple_of(64) {
                std::thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
        }
    }
}

/// Releases a `bpf_spin_lock` taken with [`spin_lock`].
pub fn spin_unlock(lock: &AtomicU32) {
    lock.store(0, Release);
}

/// A ring buffer's data memory: `2 * size` bytes of words, where bytes
/// `size..2*size` hold the tails of records that wrap past the end, so
/// every record is contiguous (what Linux gets by mapping the data pages
/// twice).
pub(crate) struct RingMem {
    words: Box<[AtomicU64]>,
}

impl RingMem {
    pub(crate) fn new(size: usize) -> Result<RingMem, MapError> {
        let words = size.checked_mul(2).ok_or(MapError::NoMemory)? / WORD;
        Ok(RingMem {
            words: alloc_words(words)?,
        })
    }

    /// The `len` word (with busy/discard bits) of the header at byte `off`
    /// (8-aligned).
    pub(crate) fn header_len(&self, off: usize) -> &AtomicU32 {
        Region::new(&self.words[off / WORD..=off / WORD], WORD, None).half(0, 0)
    }

    /// The `pg_off` word of the header at byte `off`.
    pub(crate) fn header_pg_off(&self, off: usize) -> &AtomicU32 {
        Region::new(&self.words[off / WORD..=off / WORD], WORD, None).half(0, 1)
    }

    /// A program pointer to `len` bytes at byte `off` (8-aligned).
    pub(crate) fn ptr(&self, off: usize, len: usize) -> ValuePtr {
        ptr_into(&self.words, off, len)
    }

    /// Copies `src` to byte `off` (8-aligned).
    pub(crate) fn write(&self, off: usize, src: &[u8]) {
        let w = off / WORD;
        Region::new(&self.words[w..w + words_for(src.len())], src.len(), None).write(src);
    }

    /// The byte offset of `ptr` in the ring memory, if it points into it.
    pub(crate) fn offset_of(&self, ptr: *const u8) -> Option<usize> {
        let base = self.words.as_ptr() as usize;
        let addr = ptr as usize;
        (addr >= base && addr < base + self.words.len() * WORD).then(|| addr - base)
    }

    /// Copies the `out.len()` bytes at byte `off` (8-aligned) into `out`.
    pub(crate) fn read(&self, off: usize, out: &mut [u8]) {
        let w = off / WORD;
        Region::new(&self.words[w..w + words_for(out.len())], out.len(), None).read(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_round_trips_and_skips_lock() {
        let words = alloc_words(3).unwrap();
        let r = Region::new(&words, 20, Some(12));
        let src: Vec<u8> = (1..=20).collect();
        r.init(&src);
        let mut out = vec![0xff; 20];
        r.read(&mut out);
        let mut want = src.clone();
        want[12..16].fill(0);
        assert_eq!(out, want);
        // The lock bytes are neither written nor read.
        r.lock_word().unwrap().store(1, Relaxed);
        r.write(&[7; 20]);
        assert_eq!(r.lock_word().unwrap().load(Relaxed), 1);
        r.read(&mut out);
        assert_eq!(&out[12..16], &[0; 4]);
        assert_eq!(&out[16..20], &[7; 4]);
        r.zero();
        assert_eq!(r.lock_word().unwrap().load(Relaxed), 0);
    }

    #[test]
    fn partial_words_keep_trailing_bytes() {
        let words = alloc_words(2).unwrap();
        words[1].store(u64::MAX, Relaxed);
        let r = Region::new(&words, 11, None);
        r.write(&[1; 11]);
        let b = words[1].load(Relaxed).to_ne_bytes();
        assert_eq!(&b[..3], &[1; 3]);
        assert_eq!(&b[3..], &[0xff; 5]);
        assert!(r.eq(&[1; 11]));
        assert!(!r.eq(&[1; 10]));
    }

    #[test]
    fn lock_in_last_partial_word() {
        let words = alloc_words(2).unwrap();
        let r = Region::new(&words, 14, Some(8));
        r.init(&[9; 14]);
        let mut out = [0u8; 14];
        r.read(&mut out);
        assert_eq!(out, [9, 9, 9, 9, 9, 9, 9, 9, 0, 0, 0, 0, 9, 9]);
        r.locked(|| r.write(&[3; 14]));
        assert_eq!(r.lock_word().unwrap().load(Relaxed), 0);
    }

    #[test]
    fn arena_chunks_are_stable_and_cover_capacity() {
        let a = Arena::new(2, 1000, false).unwrap();
        let mut ptrs = Vec::new();
        for s in 0..1000 {
            a.ensure(s);
            ptrs.push(a.ptr(s, 1, 8).addr());
        }
        for (s, &p) in ptrs.iter().enumerate() {
            assert_eq!(a.ptr(s, 1, 8).addr(), p);
            assert_eq!(a.slot(s).len(), 2);
            assert_eq!(p % 8, 0);
        }
        let p = Arena::new(3, 10, true).unwrap();
        assert_eq!(p.slot(9).len(), 3);
        assert!(p.base_ptr().is_some());
    }
}
