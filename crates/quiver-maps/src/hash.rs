//! `BPF_MAP_TYPE_HASH`, `PERCPU_HASH`, `LRU_HASH` and `LRU_PERCPU_HASH`.
//!
//! # Layout and locking
//!
//! Elements live in slots of an [`Arena`] (stable addresses, 8-byte
//! aligned values); each slot holds a meta word (the element's 32-bit hash
//! and the index of the next slot in its bucket chain), an LRU state word
//! (LRU maps), the key, then the value (per-CPU maps: one value per CPU).
//! Buckets (`roundup_pow_of_two(max_entries)` of them, as in Linux) are
//! split among up to 64 shards, each behind its own `RwLock`: lookups take
//! the read lock of one shard, updates and deletes its write lock. Free
//! slots form a lock-free stack (an ABA-tagged Treiber stack through the
//! meta words); never-used slots are handed out from a counter, and with
//! `BPF_F_NO_PREALLOC` their memory is allocated in doubling chunks on
//! first use.
//!
//! # Memory reuse
//!
//! As in Linux's preallocated hash maps, a deleted (or replaced) element's
//! slot goes straight back to the free list: memory is never freed before
//! the map, so pointers handed to programs stay valid, but a program still
//! holding one may see the slot reused by another key.
//!
//! # Updates
//!
//! An update of an existing key in a plain hash map writes a new slot and
//! swaps it into the chain (readers see the old or the new value, never a
//! mix), like Linux; the map keeps one spare slot per shard for this, so
//! replacing works in a full map. `BPF_F_LOCK` updates and per-CPU maps
//! copy in place instead, as Linux does. LRU maps take their new slot
//! before locking the target shard (eviction locks the victim's shard), so
//! in a full LRU map even an update of an existing key evicts an element,
//! exactly like Linux.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering::*};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::def::{BPF_F_NO_PREALLOC, BPF_F_ZERO_SEED, MapDef, MapType};
use crate::error::{MapError, errno::EINVAL};
use crate::lru::{Clock, LINKED};
use crate::map::{
    BPF_EXIST, BPF_F_LOCK, BPF_NOEXIST, Map, any_impl, check_cpu, check_key, check_value,
};
use crate::storage::{Arena, Region, ValuePtr, WORD, words_for};

const NIL: u32 = u32::MAX;
const LOW: u64 = 0xffff_ffff;

#[repr(align(64))]
struct Shard(RwLock<Box<[u32]>>);

enum Seed {
    Random(u64),
    Zero,
}

/// The high and low halves of the 128-bit product, folded: one multiply
/// mixes every input bit into every output bit.
fn fold_mul(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

/// A keyed hash of `key` (as Linux keys jhash with a random seed): a
/// folded multiply per 8 bytes. Several times faster than SipHash on the
/// short keys maps have, and as unpredictable without the seed.
fn hash_bytes(seed: u64, key: &[u8]) -> u64 {
    const K0: u64 = 0xa076_1d64_78bd_642f;
    const K1: u64 = 0xe703_7ed1_a0b4_28db;
    let mut h = fold_mul(seed ^ K0, (key.len() as u64) ^ K1);
    let mut words = key.chunks_exact(8);
    for w in &mut words {
        let mut b = [0u8; 8];
        b.copy_from_slice(w);
        h = fold_mul(h ^ u64::from_le_bytes(b), K1);
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut b = [0u8; 8];
        b[..rest.len()].copy_from_slice(rest);
        h = fold_mul(h ^ u64::from_le_bytes(b), K0);
    }
    fold_mul(h, K1)
}

/// Where a value being stored comes from.
#[derive(Clone, Copy)]
enum Src<'v> {
    /// The host: every CPU's value (per-CPU maps) or the value.
    Host(&'v [u8]),
    /// A program on CPU `.1` of a per-CPU map.
    Cpu(&'v [u8], usize),
}

/// A hash map (plain, per-CPU, LRU or LRU per-CPU; also the storage of
/// hash-of-maps). See the module documentation for the design.
pub struct HashMap {
    def: MapDef,
    cpus: usize,
    percpu: bool,
    lru: Option<Clock>,
    key_size: usize,
    value_size: usize,
    lock: Option<usize>,
    key_word: usize,
    val_word: usize,
    stride: usize,
    mem: Arena,
    shards: Box<[Shard]>,
    shard_bits: u32,
    bucket_mask: u32,
    seed: Seed,
    free_head: AtomicU64,
    fresh: AtomicUsize,
    count: AtomicU32,
}

impl HashMap {
    /// Creates a hash map of any of the four hash types (or the storage of
    /// a hash-of-maps); `cpus` matters for per-CPU types only.
    pub fn new(def: &MapDef, cpus: usize) -> Result<HashMap, MapError> {
        def.validate()?;
        let t = def.map_type;
        if !matches!(
            t,
            MapType::Hash
                | MapType::PercpuHash
                | MapType::LruHash
                | MapType::LruPercpuHash
                | MapType::HashOfMaps
        ) {
            return Err(MapError::def(
                "map_type",
                EINVAL,
                format!("{t} is not a hash map type"),
            ));
        }
        let percpu = t.is_percpu();
        let cpus = if percpu {
            if cpus == 0 {
                return Err(MapError::def("cpus", EINVAL, "need at least one cpu"));
            }
            cpus
        } else {
            1
        };
        let max = def.max_entries as usize;
        let buckets = max.next_power_of_two();
        let nshards = (buckets / 8).clamp(1, 64);
        let per_shard = buckets / nshards;
        let lru = t.is_lru();
        let extra = if percpu || lru { 0 } else { nshards };
        let key_word = 1 + usize::from(lru);
        let key_words = words_for(def.key_size as usize);
        let stride = words_for(def.value_size as usize);
        let val_word = key_word + key_words;
        let words_per_slot = val_word + stride * cpus;
        let capacity = max + extra;
        let prealloc = def.flags & BPF_F_NO_PREALLOC == 0;
        let mut shards = Vec::new();
        shards
            .try_reserve_exact(nshards)
            .map_err(|_| MapError::NoMemory)?;
        for _ in 0..nshards {
            shards.push(Shard(RwLock::new(vec![NIL; per_shard].into_boxed_slice())));
        }
        Ok(HashMap {
            def: def.clone(),
            cpus,
            percpu,
            lru: lru.then(|| Clock::new(capacity)),
            key_size: def.key_size as usize,
            value_size: def.value_size as usize,
            lock: def.spin_lock_off.map(|o| o as usize),
            key_word,
            val_word,
            stride,
            mem: Arena::new(words_per_slot, capacity, prealloc)?,
            shards: shards.into_boxed_slice(),
            shard_bits: nshards.trailing_zeros(),
            bucket_mask: (per_shard - 1) as u32,
            seed: if def.flags & BPF_F_ZERO_SEED != 0 {
                Seed::Zero
            } else {
                Seed::Random(RandomState::new().hash_one(0x5eed_u64))
            },
            free_head: AtomicU64::new(u64::from(NIL)),
            fresh: AtomicUsize::new(0),
            count: AtomicU32::new(0),
        })
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.count.load(Relaxed) as usize
    }

    /// Whether the map has no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A snapshot of the keys, in iteration order (a convenience for the
    /// host; concurrent updates may or may not be seen).
    pub fn keys(&self) -> Vec<Vec<u8>> {
        let mut keys = Vec::new();
        for s in 0..self.shards.len() {
            let heads = self.read(s);
            for &head in heads.iter() {
                let mut cur = head;
                while cur != NIL {
                    let mut k = vec![0; self.key_size];
                    self.key_region(cur).read(&mut k);
                    keys.push(k);
                    cur = self.next_of(cur);
                }
            }
        }
        keys
    }

    // ---- slots ------------------------------------------------------

    fn meta(&self, slot: u32) -> &AtomicU64 {
        &self.mem.slot(slot as usize)[0]
    }

    fn state(&self, slot: u32) -> &AtomicU64 {
        &self.mem.slot(slot as usize)[1]
    }

    fn next_of(&self, slot: u32) -> u32 {
        (self.meta(slot).load(Acquire) & LOW) as u32
    }

    fn hash_of(&self, slot: u32) -> u32 {
        (self.meta(slot).load(Acquire) >> 32) as u32
    }

    fn set_meta(&self, slot: u32, hash: u32, next: u32) {
        self.meta(slot)
            .store((u64::from(hash) << 32) | u64::from(next), Release);
    }

    fn set_next(&self, slot: u32, next: u32) {
        let m = self.meta(slot);
        m.store((m.load(Relaxed) & !LOW) | u64::from(next), Release);
    }

    fn key_region(&self, slot: u32) -> Region<'_> {
        let w = &self.mem.slot(slot as usize)[self.key_word..self.val_word];
        Region::new(w, self.key_size, None)
    }

    fn value_region(&self, slot: u32, cpu: usize) -> Region<'_> {
        let start = self.val_word + cpu * self.stride;
        let w = &self.mem.slot(slot as usize)[start..start + self.stride];
        Region::new(w, self.value_size, self.lock)
    }

    fn value_ptr(&self, slot: u32, cpu: usize) -> ValuePtr {
        self.mem.ptr(
            slot as usize,
            self.val_word + cpu * self.stride,
            self.value_size,
        )
    }

    // ---- free list --------------------------------------------------

    fn free_push(&self, slot: u32) {
        let mut head = self.free_head.load(Acquire);
        loop {
            self.set_next(slot, (head & LOW) as u32);
            let new = ((head >> 32).wrapping_add(1) << 32) | u64::from(slot);
            match self
                .free_head
                .compare_exchange_weak(head, new, AcqRel, Acquire)
            {
                Ok(_) => return,
                Err(h) => head = h,
            }
        }
    }

    fn free_pop(&self) -> Option<u32> {
        let mut head = self.free_head.load(Acquire);
        loop {
            let top = (head & LOW) as u32;
            if top == NIL {
                return None;
            }
            let next = self.next_of(top);
            let new = ((head >> 32).wrapping_add(1) << 32) | u64::from(next);
            match self
                .free_head
                .compare_exchange_weak(head, new, AcqRel, Acquire)
            {
                Ok(_) => return Some(top),
                Err(h) => head = h,
            }
        }
    }

    fn alloc_slot(&self) -> Option<u32> {
        if let Some(s) = self.free_pop() {
            return Some(s);
        }
        let cap = self.mem.capacity();
        let s = self
            .fresh
            .fetch_update(Relaxed, Relaxed, |f| (f < cap).then_some(f + 1))
            .ok()?;
        self.mem.ensure(s);
        Some(s as u32)
    }

    /// A slot for an LRU insert: a free one, or an evicted element's.
    fn lru_slot(&self, clock: &Clock) -> Result<u32, MapError> {
        for _ in 0..4 {
            if let Some(s) = self.alloc_slot() {
                return Ok(s);
            }
            let victim = clock.evict(|i| self.state(i as u32), |i| self.try_evict(i as u32));
            if let Some(v) = victim {
                return Ok(v as u32);
            }
            std::thread::yield_now();
        }
        Err(MapError::NoMemory)
    }

    fn try_evict(&self, slot: u32) -> bool {
        let h = self.hash_of(slot);
        let (s, _) = self.locate(h);
        let mut heads = self.write(s);
        // Under the shard lock the slot cannot be linked or unlinked here;
        // check that it is still an element of this shard.
        if self.state(slot).load(Acquire) & LINKED == 0 {
            return false;
        }
        let h = self.hash_of(slot);
        let (s2, b) = self.locate(h);
        if s2 != s {
            return false;
        }
        let mut pred = NIL;
        let mut cur = heads[b];
        while cur != NIL && cur != slot {
            pred = cur;
            cur = self.next_of(cur);
        }
        if cur != slot {
            return false;
        }
        self.unlink(&mut heads, b, slot, pred);
        self.count.fetch_sub(1, Relaxed);
        true
    }

    // ---- table ------------------------------------------------------

    fn hash(&self, key: &[u8]) -> u32 {
        let h = match &self.seed {
            Seed::Random(seed) => hash_bytes(*seed, key),
            Seed::Zero => hash_bytes(0, key),
        };
        (h ^ (h >> 32)) as u32
    }

    fn locate(&self, h: u32) -> (usize, usize) {
        let shard = if self.shard_bits == 0 {
            0
        } else {
            (h >> (32 - self.shard_bits)) as usize
        };
        (shard, (h & self.bucket_mask) as usize)
    }

    fn read(&self, s: usize) -> RwLockReadGuard<'_, Box<[u32]>> {
        self.shards[s].0.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self, s: usize) -> RwLockWriteGuard<'_, Box<[u32]>> {
        self.shards[s].0.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The slot holding `key` in bucket `b`, with its predecessor (NIL if
    /// it is the bucket head). Call with the shard locked.
    fn find(&self, heads: &[u32], b: usize, h: u32, key: &[u8]) -> Option<(u32, u32)> {
        let mut pred = NIL;
        let mut cur = heads[b];
        while cur != NIL {
            // One slot lookup for the meta word and the key.
            let words = self.mem.slot(cur as usize);
            let m = words[0].load(Acquire);
            let key_words = &words[self.key_word..self.val_word];
            if (m >> 32) as u32 == h && Region::new(key_words, self.key_size, None).eq(key) {
                return Some((cur, pred));
            }
            pred = cur;
            cur = (m & LOW) as u32;
        }
        None
    }

    fn unlink(&self, heads: &mut [u32], b: usize, slot: u32, pred: u32) {
        let next = self.next_of(slot);
        if pred == NIL {
            heads[b] = next;
        } else {
            self.set_next(pred, next);
        }
        if self.lru.is_some() {
            self.state(slot).store(0, Release);
        }
    }

    fn set_linked(&self, slot: u32) {
        if self.lru.is_some() {
            self.state(slot).store(LINKED, Release);
        }
    }

    /// Writes a new element's key and value into a slot nobody links to.
    fn init_slot(&self, slot: u32, h: u32, key: &[u8], src: Src<'_>) {
        self.set_meta(slot, h, NIL);
        self.key_region(slot).write(key);
        let host_stride = self.value_size.next_multiple_of(WORD);
        match src {
            Src::Host(v) if !self.percpu => self.value_region(slot, 0).init(v),
            Src::Host(v) => {
                for cpu in 0..self.cpus {
                    let part = &v[cpu * host_stride..cpu * host_stride + self.value_size];
                    self.value_region(slot, cpu).init(part);
                }
            }
            Src::Cpu(v, c) => {
                for cpu in 0..self.cpus {
                    if cpu == c {
                        self.value_region(slot, cpu).init(v);
                    } else {
                        self.value_region(slot, cpu).zero();
                    }
                }
            }
        }
    }

    /// Copies into a linked element in place (per-CPU maps, BPF_F_LOCK).
    fn write_in_place(&self, slot: u32, src: Src<'_>, locked: bool) {
        let host_stride = self.value_size.next_multiple_of(WORD);
        match src {
            Src::Host(v) if !self.percpu => {
                let r = self.value_region(slot, 0);
                if locked {
                    r.locked(|| r.write(v));
                } else {
                    r.write(v);
                }
            }
            Src::Host(v) => {
                for cpu in 0..self.cpus {
                    let part = &v[cpu * host_stride..cpu * host_stride + self.value_size];
                    self.value_region(slot, cpu).write(part);
                }
            }
            Src::Cpu(v, c) => self.value_region(slot, c).write(v),
        }
    }

    fn copy_out(&self, slot: u32) -> Vec<u8> {
        if !self.percpu {
            let mut out = vec![0; self.value_size];
            self.value_region(slot, 0).read(&mut out);
            return out;
        }
        let host_stride = self.value_size.next_multiple_of(WORD);
        let mut out = vec![0; host_stride * self.cpus];
        for cpu in 0..self.cpus {
            self.value_region(slot, cpu)
                .read(&mut out[cpu * host_stride..]);
        }
        out
    }

    fn check_flags(&self, flags: u64) -> Result<(), MapError> {
        let plain = !self.percpu && self.lru.is_none();
        let rest = if plain { flags & !BPF_F_LOCK } else { flags };
        if rest > BPF_EXIST {
            return Err(MapError::Flags(flags));
        }
        if flags & BPF_F_LOCK != 0 && self.lock.is_none() {
            return Err(MapError::Invalid(
                "BPF_F_LOCK needs a map value with a bpf_spin_lock",
            ));
        }
        Ok(())
    }

    fn update_impl(&self, key: &[u8], src: Src<'_>, flags: u64) -> Result<(), MapError> {
        self.check_flags(flags)?;
        let mode = flags & (BPF_NOEXIST | BPF_EXIST);
        let locked = flags & BPF_F_LOCK != 0;
        let h = self.hash(key);
        let (s, b) = self.locate(h);
        if locked {
            let heads = self.read(s);
            if let Some((slot, _)) = self.find(&heads, b, h, key) {
                if mode == BPF_NOEXIST {
                    return Err(MapError::Exists);
                }
                self.write_in_place(slot, src, true);
                return Ok(());
            }
        }
        let mut spare = match &self.lru {
            Some(clock) if !(self.percpu && mode == BPF_EXIST) => Some(self.lru_slot(clock)?),
            _ => None,
        };
        let mut heads = self.write(s);
        let found = self.find(&heads, b, h, key);
        let result = match (found, mode) {
            (Some(_), BPF_NOEXIST) => Err(MapError::Exists),
            (None, BPF_EXIST) => Err(MapError::NotFound),
            (Some((old, _)), _) if self.percpu || locked => {
                self.write_in_place(old, src, locked);
                if self.lru.is_some() {
                    Clock::mark(self.state(old));
                }
                Ok(())
            }
            (Some((old, pred)), _) => match spare.take().or_else(|| self.alloc_slot()) {
                None => Err(MapError::Full),
                Some(new) => {
                    self.init_slot(new, h, key, src);
                    self.set_meta(new, h, self.next_of(old));
                    if pred == NIL {
                        heads[b] = new;
                    } else {
                        self.set_next(pred, new);
                    }
                    self.set_linked(new);
                    if self.lru.is_some() {
                        self.state(old).store(0, Release);
                    }
                    self.free_push(old);
                    Ok(())
                }
            },
            (None, _) => {
                let over = self.count.fetch_add(1, Relaxed) >= self.def.max_entries;
                let slot = if over && self.lru.is_none() {
                    None
                } else {
                    spare.take().or_else(|| self.alloc_slot())
                };
                match slot {
                    None => {
                        self.count.fetch_sub(1, Relaxed);
                        Err(MapError::Full)
                    }
                    Some(new) => {
                        self.init_slot(new, h, key, src);
                        self.set_meta(new, h, heads[b]);
                        heads[b] = new;
                        self.set_linked(new);
                        Ok(())
                    }
                }
            }
        };
        drop(heads);
        if let Some(s) = spare {
            self.free_push(s);
        }
        result
    }

    fn with_slot<R>(&self, key: &[u8], f: impl FnOnce(u32) -> R) -> Option<R> {
        if key.len() != self.key_size {
            return None;
        }
        let h = self.hash(key);
        let (s, b) = self.locate(h);
        let heads = self.read(s);
        let (slot, _) = self.find(&heads, b, h, key)?;
        Some(f(slot))
    }

    fn remove(&self, key: &[u8], copy: bool) -> Result<Option<Vec<u8>>, MapError> {
        check_key(&self.def, key)?;
        let h = self.hash(key);
        let (s, b) = self.locate(h);
        let mut heads = self.write(s);
        let (slot, pred) = self.find(&heads, b, h, key).ok_or(MapError::NotFound)?;
        let out = copy.then(|| self.copy_out(slot));
        self.unlink(&mut heads, b, slot, pred);
        drop(heads);
        self.free_push(slot);
        self.count.fetch_sub(1, Relaxed);
        Ok(out)
    }

    fn first_key_from(&self, shard: usize, bucket: usize, next: &mut [u8]) -> Result<(), MapError> {
        let mut bucket = bucket;
        for s in shard..self.shards.len() {
            let heads = self.read(s);
            for &head in &heads[bucket..] {
                if head != NIL {
                    self.key_region(head).read(next);
                    return Ok(());
                }
            }
            bucket = 0;
        }
        Err(MapError::NotFound)
    }
}

impl Map for HashMap {
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
        let mut key = vec![0u8; self.key_size];
        self.key_region(u32::try_from(slot).ok()?).read(&mut key);
        Some(key)
    }

    fn lookup_percpu(&self, key: &[u8], cpu: usize) -> Option<ValuePtr> {
        let cpu = if self.percpu { cpu } else { 0 };
        if cpu >= self.cpus {
            return None;
        }
        self.with_slot(key, |slot| {
            if self.lru.is_some() {
                Clock::mark(self.state(slot));
            }
            self.value_ptr(slot, cpu)
        })
    }

    fn update(&self, key: &[u8], value: &[u8], flags: u64) -> Result<(), MapError> {
        check_key(&self.def, key)?;
        check_value(self.host_value_size(), value)?;
        self.update_impl(key, Src::Host(value), flags)
    }

    fn update_percpu(
        &self,
        key: &[u8],
        value: &[u8],
        flags: u64,
        cpu: usize,
    ) -> Result<(), MapError> {
        if !self.percpu {
            return self.update(key, value, flags);
        }
        check_key(&self.def, key)?;
        check_value(self.value_size, value)?;
        check_cpu(cpu, self.cpus)?;
        self.update_impl(key, Src::Cpu(value, cpu), flags)
    }

    fn delete(&self, key: &[u8]) -> Result<(), MapError> {
        self.remove(key, false).map(|_| ())
    }

    fn get_next_key(&self, key: Option<&[u8]>, next: &mut [u8]) -> Result<(), MapError> {
        check_key(&self.def, next)?;
        let Some(key) = key else {
            return self.first_key_from(0, 0, next);
        };
        check_key(&self.def, key)?;
        let h = self.hash(key);
        let (s, b) = self.locate(h);
        {
            let heads = self.read(s);
            match self.find(&heads, b, h, key) {
                None => {
                    drop(heads);
                    return self.first_key_from(0, 0, next);
                }
                Some((slot, _)) => {
                    let n = self.next_of(slot);
                    if n != NIL {
                        self.key_region(n).read(next);
                        return Ok(());
                    }
                }
            }
        }
        // No more elements in this chain: the next non-empty bucket.
        self.first_key_from(s, b + 1, next)
    }

    fn lookup_copy(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.with_slot(key, |slot| self.copy_out(slot))
    }

    fn lookup_copy_flags(&self, key: &[u8], flags: u64) -> Result<Vec<u8>, MapError> {
        if flags & !BPF_F_LOCK != 0 {
            return Err(MapError::Flags(flags));
        }
        check_key(&self.def, key)?;
        if flags & BPF_F_LOCK == 0 {
            return self.lookup_copy(key).ok_or(MapError::NotFound);
        }
        if self.lock.is_none() {
            return Err(MapError::Invalid(
                "BPF_F_LOCK needs a map value with a bpf_spin_lock",
            ));
        }
        self.with_slot(key, |slot| {
            let mut out = vec![0; self.value_size];
            let r = self.value_region(slot, 0);
            r.locked(|| r.read(&mut out));
            out
        })
        .ok_or(MapError::NotFound)
    }

    fn lookup_and_delete(&self, key: &[u8]) -> Result<Vec<u8>, MapError> {
        Ok(self.remove(key, true)?.unwrap_or_default())
    }
}
