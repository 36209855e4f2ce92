//! Read sections and grace periods.
//!
//! Every thread that reads registers a [`Reader`] with a [`Domain`]. A
//! reader's `state` word is its sequence number shifted left by one, with
//! the low bit set while it is inside a read section. An updater that
//! unpublished an object snapshots the state of every reader that is inside
//! a section; the object may be freed once each of them has moved on (its
//! state differs from the snapshot). Readers never wait and never write
//! shared lines other than their own; updaters never wait either: they
//! hand the object to the domain, which frees it at a later update or on
//! [`Domain::synchronize`].
//!
//! Ordering: entering a section stores the state and then issues a SeqCst
//! fence before any protected load; an update swaps the pointer and issues
//! a SeqCst fence before it reads reader states. The two fences are
//! ordered, so either the updater sees the reader inside its section, or
//! the reader loads the new pointer.

use std::cell::Cell;
use std::marker::PhantomData;

use crate::sync::{Arc, AtomicU64, Mutex, fence, spin};
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release, SeqCst};

const ACTIVE: u64 = 1;

/// One reading thread's published state.
struct Record {
    state: AtomicU64,
}

/// An object waiting for the readers that may still see it.
struct Retired {
    waits_for: Vec<(Arc<Record>, u64)>,
    // Dropped with the entry.
    _object: Box<dyn Send>,
}

impl Retired {
    fn ready(&self) -> bool {
        self.waits_for
            .iter()
            .all(|(r, seen)| r.state.load(Acquire) != *seen)
    }
}

/// A set of readers and the objects retired under them.
pub struct Domain {
    readers: Mutex<Vec<Arc<Record>>>,
    retired: Mutex<Vec<Retired>>,
}

impl Default for Domain {
    fn default() -> Self {
        Self::new()
    }
}

impl Domain {
    /// An empty domain.
    pub fn new() -> Domain {
        Domain {
            readers: Mutex::new(Vec::new()),
            retired: Mutex::new(Vec::new()),
        }
    }

    /// Registers a reader (one per thread).
    pub fn register(&self) -> Reader<'_> {
        let record = Arc::new(Record {
            state: AtomicU64::new(0),
        });
        lock(&self.readers).push(record.clone());
        Reader {
            domain: self,
            record,
            depth: Cell::new(0),
            _not_sync: PhantomData,
        }
    }

    /// The states of the readers that are inside a section now. Call after
    /// a SeqCst fence that follows the unpublishing store.
    fn snapshot(&self) -> Vec<(Arc<Record>, u64)> {
        lock(&self.readers)
            .iter()
            .filter_map(|r| {
                let s = r.state.load(Acquire);
                (s & ACTIVE != 0).then(|| (r.clone(), s))
            })
            .collect()
    }

    /// Frees `object` once every read section that may have seen it has
    /// ended; `object` must already be unreachable for new readers (e.g.
    /// swapped out of an [`RcuCell`](crate::RcuCell)). Never waits; also
    /// frees earlier objects whose grace period has passed.
    pub fn retire<T: Send + 'static>(&self, object: T) {
        fence(SeqCst);
        let waits_for = self.snapshot();
        if waits_for.is_empty() {
            drop(object);
        } else {
            lock(&self.retired).push(Retired {
                waits_for,
                _object: Box::new(object),
            });
        }
        self.reclaim();
    }

    /// Frees the retired objects whose readers have all moved on; returns
    /// how many are still waiting.
    pub fn reclaim(&self) -> usize {
        let done: Vec<Retired> = {
            let mut retired = lock(&self.retired);
            let (done, waiting) = std::mem::take(&mut *retired)
                .into_iter()
                .partition(Retired::ready);
            *retired = waiting;
            done
        };
        let left = lock(&self.retired).len();
        // Dropped outside the lock: a destructor may retire more.
        drop(done);
        left
    }

    /// Objects retired and not yet freed.
    pub fn pending(&self) -> usize {
        lock(&self.retired).len()
    }

    /// Waits until every read section that was running when it was called
    /// has ended, then frees what that allows. Must not be called from
    /// inside a read section of this domain (it would wait for itself).
    pub fn synchronize(&self) {
        fence(SeqCst);
        let waits_for = self.snapshot();
        for (r, seen) in waits_for {
            while r.state.load(Acquire) == seen {
                spin();
            }
        }
        self.reclaim();
    }

    fn unregister(&self, record: &Arc<Record>) {
        lock(&self.readers).retain(|r| !Arc::ptr_eq(r, record));
    }
}

impl Drop for Domain {
    fn drop(&mut self) {
        // No reader can outlive the domain (they borrow it): every retired
        // object is unreachable now.
        let retired = std::mem::take(&mut *lock(&self.retired));
        drop(retired);
    }
}

fn lock<T>(m: &Mutex<T>) -> crate::sync::MutexGuard<'_, T> {
    // A panic while holding these locks leaves the lists consistent (each
    // critical section is a single push, retain or swap).
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// A thread's handle for entering read sections. Sections nest; only the
/// outermost one publishes anything.
pub struct Reader<'d> {
    domain: &'d Domain,
    record: Arc<Record>,
    depth: Cell<u32>,
    // One thread's: the state word has a single writer.
    _not_sync: PhantomData<*const ()>,
}

// SAFETY: a Reader may move to another thread as a whole (nothing in it is
// tied to the creating thread); it is !Sync, so one thread at a time uses it.
unsafe impl Send for Reader<'_> {}

impl<'d> Reader<'d> {
    /// Enters a read section: until the guard drops, objects loaded from
    /// cells of this domain stay alive.
    pub fn pin(&self) -> Guard<'_, 'd> {
        self.enter();
        Guard { reader: self }
    }

    /// Whether this reader is inside a section.
    pub fn is_pinned(&self) -> bool {
        self.depth.get() > 0
    }

    /// The domain this reader belongs to.
    pub fn domain(&self) -> &'d Domain {
        self.domain
    }

    pub(crate) fn enter(&self) {
        let d = self.depth.get();
        if d == 0 {
            let s = self.record.state.load(Relaxed);
            self.record.state.store(s | ACTIVE, Relaxed);
            fence(SeqCst);
        }
        self.depth.set(d + 1);
    }

    pub(crate) fn exit(&self) {
        let d = self.depth.get() - 1;
        self.depth.set(d);
        if d == 0 {
            let s = self.record.state.load(Relaxed);
            // A new sequence number: an updater that saw the section
            // starts no longer waits for it.
            self.record
                .state
                .store((s & !ACTIVE).wrapping_add(2), Release);
        }
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        self.domain.unregister(&self.record);
    }
}

/// A read section; see [`Reader::pin`].
pub struct Guard<'r, 'd> {
    reader: &'r Reader<'d>,
}

impl<'d> Guard<'_, 'd> {
    /// The domain whose objects this section protects.
    pub fn domain(&self) -> &'d Domain {
        self.reader.domain
    }
}

impl Drop for Guard<'_, '_> {
    fn drop(&mut self) {
        self.reader.exit();
    }
}
