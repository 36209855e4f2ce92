//! `BPF_MAP_TYPE_RINGBUF`: a multi-producer, single-consumer ring of
//! variable-size records, with Linux's layout and protocol.
//!
//! Each record is an 8-byte header (`u32 len` with [`BPF_RINGBUF_BUSY_BIT`]
//! and [`BPF_RINGBUF_DISCARD_BIT`], `u32 pg_off`) followed by the data,
//! the whole rounded up to 8 bytes. Producers reserve space in order under
//! a lock (which also writes the busy header and publishes the new
//! producer position), fill the data without the lock, and commit by
//! clearing the busy bit (and setting the discard bit for a discard). The
//! consumer reads records in reservation order and stops at the first one
//! still busy, so a slow producer holds back later, already committed
//! records, exactly as in Linux. Records never wrap: the data area is
//! followed by a second copy of its size into which a record's tail may
//! run (Linux maps the data pages twice for the same effect).
//!
//! Wake-ups follow Linux: by default a commit wakes the consumer only if
//! the consumer has caught up to that very record (otherwise the consumer
//! is still busy and will see it); [`BPF_RB_NO_WAKEUP`] never wakes,
//! [`BPF_RB_FORCE_WAKEUP`] always does. A blocked [`RingBufConsumer`]
//! waits on a condition variable.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::*};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crate::def::{MapDef, MapType};
use crate::error::{MapError, errno::EINVAL};
use crate::map::{Map, any_impl};
use crate::storage::{RingMem, ValuePtr};

/// Header bit: the record is reserved and not yet committed.
pub const BPF_RINGBUF_BUSY_BIT: u32 = 1 << 31;
/// Header bit: the record was discarded; consumers skip it.
pub const BPF_RINGBUF_DISCARD_BIT: u32 = 1 << 30;
/// Size of a record header.
pub const BPF_RINGBUF_HDR_SZ: usize = 8;
/// Largest record data size (`RINGBUF_MAX_RECORD_SZ`, `UINT_MAX / 4`).
pub const RINGBUF_MAX_RECORD_SZ: u64 = (u32::MAX / 4) as u64;

/// Submit/discard/output flag: do not wake the consumer.
pub const BPF_RB_NO_WAKEUP: u64 = 1;
/// Submit/discard/output flag: wake the consumer.
pub const BPF_RB_FORCE_WAKEUP: u64 = 2;

/// `bpf_ringbuf_query` flag: bytes not yet consumed.
pub const BPF_RB_AVAIL_DATA: u64 = 0;
/// `bpf_ringbuf_query` flag: size of the data area.
pub const BPF_RB_RING_SIZE: u64 = 1;
/// `bpf_ringbuf_query` flag: consumer position.
pub const BPF_RB_CONS_POS: u64 = 2;
/// `bpf_ringbuf_query` flag: producer position.
pub const BPF_RB_PROD_POS: u64 = 3;

#[repr(align(64))]
struct Padded<T>(T);

/// A BPF ring buffer.
pub struct RingBuf {
    def: MapDef,
    mask: u64,
    mem: RingMem,
    producer_pos: Padded<AtomicU64>,
    consumer_pos: Padded<AtomicU64>,
    reserve_lock: Mutex<()>,
    generation: Mutex<u64>,
    wakeup: Condvar,
    waiters: AtomicUsize,
    has_consumer: AtomicBool,
}

impl RingBuf {
    /// Creates a ring buffer of `def.max_entries` data bytes.
    pub fn new(def: &MapDef) -> Result<RingBuf, MapError> {
        def.validate()?;
        if def.map_type != MapType::Ringbuf {
            return Err(MapError::def(
                "map_type",
                EINVAL,
                format!("{} is not ringbuf", def.map_type),
            ));
        }
        let size = def.max_entries as usize;
        Ok(RingBuf {
            def: def.clone(),
            mask: u64::from(def.max_entries) - 1,
            mem: RingMem::new(size)?,
            producer_pos: Padded(AtomicU64::new(0)),
            consumer_pos: Padded(AtomicU64::new(0)),
            reserve_lock: Mutex::new(()),
            generation: Mutex::new(0),
            wakeup: Condvar::new(),
            waiters: AtomicUsize::new(0),
            has_consumer: AtomicBool::new(false),
        })
    }

    /// Size of the data area in bytes.
    pub fn size(&self) -> u64 {
        self.mask + 1
    }

    /// `bpf_ringbuf_reserve`: reserves `size` bytes and returns a pointer
    /// to them (8-byte aligned, contiguous), or `None` when `flags` is not
    /// 0, the record is too large, or there is no room. The record must be
    /// passed to [`RingBuf::submit`] or [`RingBuf::discard`] exactly once.
    pub fn reserve(&self, size: u64, flags: u64) -> Option<ValuePtr> {
        if flags != 0 || size > RINGBUF_MAX_RECORD_SZ {
            return None;
        }
        let len = (size + BPF_RINGBUF_HDR_SZ as u64).next_multiple_of(8);
        if len > self.size() {
            return None;
        }
        let _guard = self.reserve_lock.lock().unwrap_or_else(|e| e.into_inner());
        let cons = self.consumer_pos.0.load(Acquire);
        let prod = self.producer_pos.0.load(Relaxed);
        let new_prod = prod + len;
        if new_prod - cons > self.mask {
            return None;
        }
        let off = (prod & self.mask) as usize;
        self.mem
            .header_len(off)
            .store(size as u32 | BPF_RINGBUF_BUSY_BIT, Relaxed);
        // Linux stores the record's page offset from the ring; consumers
        // ignore it. Keep the record's offset in 8-byte units.
        self.mem.header_pg_off(off).store((off / 8) as u32, Relaxed);
        self.producer_pos.0.store(new_prod, Release);
        Some(self.mem.ptr(off + BPF_RINGBUF_HDR_SZ, size as usize))
    }

    /// `bpf_ringbuf_submit`: commits a reserved record.
    pub fn submit(&self, sample: *const u8, flags: u64) -> Result<(), MapError> {
        self.commit(sample, flags, false)
    }

    /// `bpf_ringbuf_discard`: releases a reserved record unpublished.
    pub fn discard(&self, sample: *const u8, flags: u64) -> Result<(), MapError> {
        self.commit(sample, flags, true)
    }

    /// `bpf_ringbuf_output`: reserve, copy `data`, submit. -EINVAL for bad
    /// flags, -EAGAIN when there is no room.
    pub fn output(&self, data: &[u8], flags: u64) -> Result<(), MapError> {
        if flags & !(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP) != 0 {
            return Err(MapError::Flags(flags));
        }
        let rec = self.reserve(data.len() as u64, 0).ok_or(MapError::Again)?;
        let off = self
            .mem
            .offset_of(rec.as_ptr())
            .ok_or(MapError::Invalid("record outside the ring"))?;
        self.mem.write(off, data);
        self.commit(rec.as_ptr(), flags, false)
    }

    /// `bpf_ringbuf_query`: [`BPF_RB_AVAIL_DATA`], [`BPF_RB_RING_SIZE`],
    /// [`BPF_RB_CONS_POS`], [`BPF_RB_PROD_POS`]; 0 for other flags.
    pub fn query(&self, flags: u64) -> u64 {
        match flags {
            BPF_RB_AVAIL_DATA => self.avail_data(),
            BPF_RB_RING_SIZE => self.size(),
            BPF_RB_CONS_POS => self.consumer_pos.0.load(Acquire),
            BPF_RB_PROD_POS => self.producer_pos.0.load(Acquire),
            _ => 0,
        }
    }

    /// Bytes reserved but not yet consumed.
    pub fn avail_data(&self) -> u64 {
        let cons = self.consumer_pos.0.load(Acquire);
        let prod = self.producer_pos.0.load(Acquire);
        prod - cons
    }

    /// Whether `ptr` points into this ring's data (to find the ring of a
    /// record passed to `bpf_ringbuf_submit`).
    pub fn contains(&self, ptr: *const u8) -> bool {
        self.mem.offset_of(ptr).is_some()
    }

    /// Wakes a blocked consumer (for example to let it shut down).
    pub fn notify(&self) {
        let mut g = self.generation.lock().unwrap_or_else(|e| e.into_inner());
        *g += 1;
        self.wakeup.notify_all();
    }

    fn commit(&self, sample: *const u8, flags: u64, discard: bool) -> Result<(), MapError> {
        let off = self
            .mem
            .offset_of(sample)
            .and_then(|o| o.checked_sub(BPF_RINGBUF_HDR_SZ))
            .filter(|o| o % 8 == 0 && (*o as u64) <= self.mask)
            .ok_or(MapError::Invalid("not a record of this ring buffer"))?;
        let hdr = self.mem.header_len(off);
        let len = hdr.load(Relaxed);
        if len & BPF_RINGBUF_BUSY_BIT == 0 {
            return Err(MapError::Invalid("record is not reserved"));
        }
        let mut new_len = len & !BPF_RINGBUF_BUSY_BIT;
        if discard {
            new_len |= BPF_RINGBUF_DISCARD_BIT;
        }
        // SeqCst pairs with the consumer's position store and header load:
        // either it sees this commit or we see it parked on this record.
        hdr.swap(new_len, SeqCst);
        let cons_off = self.consumer_pos.0.load(SeqCst) & self.mask;
        let wake = if flags & BPF_RB_FORCE_WAKEUP != 0 {
            true
        } else {
            flags & BPF_RB_NO_WAKEUP == 0 && cons_off == off as u64
        };
        if wake && self.waiters.load(SeqCst) > 0 {
            self.notify();
        }
        Ok(())
    }

    /// Whether the record at the consumer position is committed.
    fn ready(&self) -> bool {
        let cons = self.consumer_pos.0.load(SeqCst);
        let prod = self.producer_pos.0.load(Acquire);
        cons < prod
            && self
                .mem
                .header_len((cons & self.mask) as usize)
                .load(SeqCst)
                & BPF_RINGBUF_BUSY_BIT
                == 0
    }
}

impl Map for RingBuf {
    any_impl!();

    fn def(&self) -> &MapDef {
        &self.def
    }

    fn lookup(&self, _key: &[u8]) -> Option<ValuePtr> {
        None
    }

    fn update(&self, _key: &[u8], _value: &[u8], _flags: u64) -> Result<(), MapError> {
        Err(MapError::NotSupported {
            map_type: MapType::Ringbuf,
            op: "update",
        })
    }

    fn delete(&self, _key: &[u8]) -> Result<(), MapError> {
        Err(MapError::NotSupported {
            map_type: MapType::Ringbuf,
            op: "delete",
        })
    }

    fn get_next_key(&self, _key: Option<&[u8]>, _next: &mut [u8]) -> Result<(), MapError> {
        Err(MapError::NotSupported {
            map_type: MapType::Ringbuf,
            op: "get_next_key",
        })
    }

    fn lookup_copy(&self, _key: &[u8]) -> Option<Vec<u8>> {
        None
    }
}

/// The host's consumer of a [`RingBuf`] (at most one at a time, as a ring
/// buffer has one consumer position).
pub struct RingBufConsumer {
    rb: Arc<RingBuf>,
    buf: Vec<u8>,
}

impl RingBufConsumer {
    /// Attaches the consumer; -EBUSY if the ring already has one.
    pub fn new(rb: Arc<RingBuf>) -> Result<RingBufConsumer, MapError> {
        if rb.has_consumer.swap(true, AcqRel) {
            return Err(MapError::Busy("the ring buffer already has a consumer"));
        }
        Ok(RingBufConsumer {
            rb,
            buf: Vec::new(),
        })
    }

    /// The ring buffer.
    pub fn ring(&self) -> &Arc<RingBuf> {
        &self.rb
    }

    /// Calls `f` with each committed record's data in order (a copy made
    /// with atomic loads into a reused buffer), skipping discarded records, until the ring is empty or a
    /// record is still being written. Returns the number of records
    /// passed to `f`.
    pub fn consume(&mut self, mut f: impl FnMut(&[u8])) -> usize {
        let rb = &*self.rb;
        let buf = &mut self.buf;
        let mut cons = rb.consumer_pos.0.load(Relaxed);
        let mut count = 0;
        loop {
            let prod = rb.producer_pos.0.load(Acquire);
            if cons >= prod {
                return count;
            }
            while cons < prod {
                let off = (cons & rb.mask) as usize;
                let len = rb.mem.header_len(off).load(SeqCst);
                if len & BPF_RINGBUF_BUSY_BIT != 0 {
                    return count;
                }
                let size = (len & !BPF_RINGBUF_DISCARD_BIT) as usize;
                if len & BPF_RINGBUF_DISCARD_BIT == 0 {
                    // The header was read (SeqCst, so acquire) without the
                    // busy bit: the producer's data writes are visible, and
                    // no producer can reuse these bytes before the
                    // consumer position moves past them below.
                    buf.resize(size, 0);
                    rb.mem.read(off + BPF_RINGBUF_HDR_SZ, buf);
                    f(buf);
                    count += 1;
                }
                cons += (size as u64 + BPF_RINGBUF_HDR_SZ as u64).next_multiple_of(8);
                rb.consumer_pos.0.store(cons, SeqCst);
            }
        }
    }

    /// Blocks until a committed record is available (true) or `timeout`
    /// passes (false); `None` waits without limit. A commit with
    /// [`BPF_RB_NO_WAKEUP`] does not end the wait (the next check does).
    pub fn wait(&self, timeout: Option<Duration>) -> bool {
        let rb = &*self.rb;
        if rb.ready() {
            return true;
        }
        rb.waiters.fetch_add(1, SeqCst);
        let g = rb.generation.lock().unwrap_or_else(|e| e.into_inner());
        let seen = *g;
        // Checked after registering as a waiter and under the lock: a
        // commit either is visible here or will bump the generation.
        let g = if rb.ready() {
            g
        } else {
            match timeout {
                None => rb
                    .wakeup
                    .wait_while(g, |g| *g == seen)
                    .unwrap_or_else(|e| e.into_inner()),
                Some(t) => {
                    rb.wakeup
                        .wait_timeout_while(g, t, |g| *g == seen)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            }
        };
        drop(g);
        rb.waiters.fetch_sub(1, SeqCst);
        rb.ready()
    }

    /// Waits up to `timeout` for data (see [`RingBufConsumer::wait`]),
    /// then consumes what is available; returns the number of records.
    pub fn poll(&mut self, timeout: Duration, f: impl FnMut(&[u8])) -> usize {
        self.wait(Some(timeout));
        self.consume(f)
    }
}

impl Drop for RingBufConsumer {
    fn drop(&mut self) {
        self.rb.has_consumer.store(false, Release);
    }
}
