//! Async callbacks: `bpf_timer` and `bpf_wq`, and the clock they run on.
//!
//! A timer or work item lives in a map value, next to the data it works
//! on (and usually a `bpf_spin_lock`), as in Linux. quiver keys its state
//! by the field's address, which is stable for the map's lifetime, so
//! copies of the value (map updates) do not disturb it. A program
//! initialises the field with the map, sets a callback — a subprogram of
//! the calling program, which the field keeps alive — and starts it:
//!
//! - a timer fires at a deadline on the host's clock and its callback runs
//!   non-sleepable: on the host's timer thread, or, with a virtual clock,
//!   on the thread that advances time ([`AsyncHost::advance`]);
//! - a work item runs its callback sleepable, on the host's worker thread,
//!   as soon as possible ([`AsyncHost::wait_idle`] waits for it).
//!
//! Both receive `(map, key, value)`. Dropping the [`Bpf`](crate::Bpf) that
//! owns the map cancels its timers and work items (Linux frees them with
//! the map). Deleting a hash element does not cancel them (Linux does):
//! their callbacks then see whatever element reuses the memory.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, Weak};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use quiver_maps::Map;

use crate::program::ProgramCore;

/// Where time comes from, for timers and `bpf_ktime_get_*_ns`.
pub trait Clock: Send + Sync + 'static {
    /// Nanoseconds on a monotonic scale.
    fn now_ns(&self) -> u64;
}

/// The system's monotonic clock (nanoseconds since the process first
/// asked).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ns(&self) -> u64 {
        static START: OnceLock<Instant> = OnceLock::new();
        START.get_or_init(Instant::now).elapsed().as_nanos() as u64
    }
}

/// A clock that moves only when told ([`AsyncHost::advance`]), so tests
/// are deterministic.
#[derive(Debug, Default)]
pub struct VirtualClock {
    now: AtomicU64,
}

impl Clock for VirtualClock {
    fn now_ns(&self) -> u64 {
        self.now.load(Ordering::Acquire)
    }
}

/// Linux errnos the helpers return.
const EINVAL: u64 = (-22i64) as u64;
const EBUSY: u64 = (-16i64) as u64;
const EDEADLK: u64 = (-35i64) as u64;

/// `bpf_timer_start` flags.
pub const BPF_F_TIMER_ABS: u64 = 1;
pub const BPF_F_TIMER_CPU_PIN: u64 = 2;

/// A timer or a work item.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Timer,
    Work,
}

/// A subprogram of a program, to call later.
#[derive(Clone)]
struct Callback {
    program: Arc<ProgramCore>,
    func: u64,
}

/// One `bpf_timer` or `bpf_wq` field.
struct Entry {
    kind: Kind,
    map: Arc<dyn Map>,
    map_handle: u64,
    /// The start of the map value holding the field.
    value: u64,
    callback: Option<Callback>,
    /// Timers: when it fires, and its place in the deadline order.
    deadline: Option<(u64, u64)>,
    /// Work: queued and not yet started.
    queued: bool,
    /// The thread running its callback now.
    running: Option<ThreadId>,
}

struct Inner {
    entries: HashMap<u64, Entry>,
    /// (deadline, sequence, field address) of armed timers.
    due: BTreeSet<(u64, u64, u64)>,
    work: VecDeque<u64>,
    seq: u64,
    timer_thread: bool,
    worker_thread: bool,
}

struct Shared {
    clock: Arc<dyn Clock>,
    virtual_clock: Option<Arc<VirtualClock>>,
    inner: Mutex<Inner>,
    /// Timers armed or time advanced; work queued; a callback finished.
    changed: Condvar,
}

/// Runs timer and work-queue callbacks for the programs of the objects a
/// [`Loader`](crate::Loader) loads with it. Cheap to clone (shared).
#[derive(Clone)]
pub struct AsyncHost {
    shared: Arc<Shared>,
}

impl Default for AsyncHost {
    fn default() -> Self {
        AsyncHost::new(Arc::new(SystemClock))
    }
}

impl std::fmt::Debug for AsyncHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncHost")
            .field("virtual", &self.shared.virtual_clock.is_some())
            .finish()
    }
}

fn lock(m: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl AsyncHost {
    /// A host on `clock`; timers fire on a thread of their own.
    pub fn new(clock: Arc<dyn Clock>) -> AsyncHost {
        AsyncHost::build(clock, None)
    }

    /// A host on a virtual clock starting at 0: timers fire only inside
    /// [`advance`](Self::advance), on its caller's thread.
    pub fn virtual_time() -> AsyncHost {
        let clock = Arc::new(VirtualClock::default());
        AsyncHost::build(clock.clone(), Some(clock))
    }

    fn build(clock: Arc<dyn Clock>, virtual_clock: Option<Arc<VirtualClock>>) -> AsyncHost {
        AsyncHost {
            shared: Arc::new(Shared {
                clock,
                virtual_clock,
                inner: Mutex::new(Inner {
                    entries: HashMap::new(),
                    due: BTreeSet::new(),
                    work: VecDeque::new(),
                    seq: 0,
                    timer_thread: false,
                    worker_thread: false,
                }),
                changed: Condvar::new(),
            }),
        }
    }

    /// The host's clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.shared.clock
    }

    /// The time now, in ns.
    pub fn now_ns(&self) -> u64 {
        self.shared.clock.now_ns()
    }

    /// Moves a virtual clock forward by `ns` and runs, on this thread and
    /// in deadline order, every timer callback due by then (including
    /// timers those callbacks arm within the window). Returns how many ran.
    /// Does nothing on a host with a real clock.
    pub fn advance(&self, ns: u64) -> usize {
        let Some(clock) = &self.shared.virtual_clock else {
            return 0;
        };
        let target = clock.now_ns().saturating_add(ns);
        let mut ran = 0;
        loop {
            let next = {
                let inner = lock(&self.shared.inner);
                inner.due.first().copied()
            };
            match next {
                Some((deadline, _, addr)) if deadline <= target => {
                    clock.now.fetch_max(deadline, Ordering::AcqRel);
                    if self.shared.fire_timer(addr, deadline) {
                        ran += 1;
                    }
                }
                _ => break,
            }
        }
        clock.now.fetch_max(target, Ordering::AcqRel);
        ran
    }

    /// Waits until no work item is queued or running (and, with a real
    /// clock, no timer is due), or `timeout` passes; returns whether idle.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let end = Instant::now() + timeout;
        let mut inner = lock(&self.shared.inner);
        loop {
            let now = self.shared.clock.now_ns();
            let busy = !inner.work.is_empty()
                || inner.entries.values().any(|e| e.running.is_some())
                || (self.shared.virtual_clock.is_none()
                    && inner.due.first().is_some_and(|d| d.0 <= now));
            if !busy {
                return true;
            }
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            inner = self
                .shared
                .changed
                .wait_timeout(inner, left.min(Duration::from_millis(10)))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Timers armed now.
    pub fn armed_timers(&self) -> usize {
        lock(&self.shared.inner).due.len()
    }

    /// Forgets every timer and work item in `maps` (their object is gone).
    pub(crate) fn forget_maps(&self, maps: &[(String, Arc<dyn Map>)]) {
        let dropped: Vec<Entry> = {
            let mut inner = lock(&self.shared.inner);
            let gone: Vec<u64> = inner
                .entries
                .iter()
                .filter(|(_, e)| maps.iter().any(|(_, m)| Arc::ptr_eq(m, &e.map)))
                .map(|(&a, _)| a)
                .collect();
            let mut out = Vec::new();
            for a in gone {
                if let Some(e) = inner.entries.remove(&a) {
                    if let Some((d, s)) = e.deadline {
                        inner.due.remove(&(d, s, a));
                    }
                    out.push(e);
                }
            }
            let Inner { entries, work, .. } = &mut *inner;
            work.retain(|a| entries.contains_key(a));
            out
        };
        // Programs dropped outside the lock.
        drop(dropped);
    }

    // ---- the helpers' side ---------------------------------------------

    /// `bpf_timer_init` / `bpf_wq_init`.
    pub(crate) fn init(
        &self,
        kind: Kind,
        field: u64,
        field_off: Option<u32>,
        map: &Arc<dyn Map>,
        map_handle: u64,
    ) -> u64 {
        let Some(off) = field_off else {
            return EINVAL;
        };
        let mut inner = lock(&self.shared.inner);
        if inner.entries.contains_key(&field) {
            return EBUSY;
        }
        inner.entries.insert(
            field,
            Entry {
                kind,
                map: map.clone(),
                map_handle,
                value: field - u64::from(off),
                callback: None,
                deadline: None,
                queued: false,
                running: None,
            },
        );
        0
    }

    /// `bpf_timer_set_callback` / `bpf_wq_set_callback_impl`.
    pub(crate) fn set_callback(
        &self,
        kind: Kind,
        field: u64,
        program: Option<Arc<ProgramCore>>,
        func: u64,
    ) -> u64 {
        let Some(program) = program else {
            return EINVAL;
        };
        let old = {
            let mut inner = lock(&self.shared.inner);
            match inner.entries.get_mut(&field) {
                Some(e) if e.kind == kind => e.callback.replace(Callback { program, func }),
                _ => return EINVAL,
            }
        };
        drop(old);
        0
    }

    /// `bpf_timer_start`.
    pub(crate) fn start_timer(&self, field: u64, nsecs: u64, flags: u64) -> u64 {
        if flags & !(BPF_F_TIMER_ABS | BPF_F_TIMER_CPU_PIN) != 0 {
            return EINVAL;
        }
        let now = self.shared.clock.now_ns();
        let deadline = if flags & BPF_F_TIMER_ABS != 0 {
            nsecs
        } else {
            now.saturating_add(nsecs)
        };
        let mut inner = lock(&self.shared.inner);
        inner.seq += 1;
        let seq = inner.seq;
        let Some(e) = inner.entries.get_mut(&field) else {
            return EINVAL;
        };
        if e.kind != Kind::Timer || e.callback.is_none() {
            return EINVAL;
        }
        let old = e.deadline.replace((deadline, seq));
        if let Some((d, s)) = old {
            inner.due.remove(&(d, s, field));
        }
        inner.due.insert((deadline, seq, field));
        if self.shared.virtual_clock.is_none() && !inner.timer_thread {
            inner.timer_thread = true;
            spawn(
                "quiver-timers",
                Arc::downgrade(&self.shared),
                Shared::timer_loop,
            );
        }
        self.shared.changed.notify_all();
        0
    }

    /// `bpf_timer_cancel`: 1 if it was armed, 0 if not; waits for a
    /// callback running on another thread to finish.
    pub(crate) fn cancel_timer(&self, field: u64) -> u64 {
        let me = thread::current().id();
        let mut inner = lock(&self.shared.inner);
        loop {
            let Some(e) = inner.entries.get_mut(&field) else {
                return EINVAL;
            };
            if e.kind != Kind::Timer {
                return EINVAL;
            }
            match e.running {
                Some(t) if t == me => return EDEADLK,
                Some(_) => {
                    inner = self
                        .shared
                        .changed
                        .wait(inner)
                        .unwrap_or_else(|p| p.into_inner());
                }
                None => {
                    let armed = e.deadline.take();
                    if let Some((d, s)) = armed {
                        inner.due.remove(&(d, s, field));
                    }
                    return u64::from(armed.is_some());
                }
            }
        }
    }

    /// `bpf_wq_start`: queues the work (once, if already queued).
    pub(crate) fn start_work(&self, field: u64, flags: u64) -> u64 {
        if flags != 0 {
            return EINVAL;
        }
        let mut inner = lock(&self.shared.inner);
        let Some(e) = inner.entries.get_mut(&field) else {
            return EINVAL;
        };
        if e.kind != Kind::Work || e.callback.is_none() {
            return EINVAL;
        }
        if !e.queued {
            e.queued = true;
            inner.work.push_back(field);
        }
        if !inner.worker_thread {
            inner.worker_thread = true;
            spawn("quiver-wq", Arc::downgrade(&self.shared), Shared::work_loop);
        }
        self.shared.changed.notify_all();
        0
    }
}

/// Runs `body` on a named thread for as long as the host lives.
fn spawn(name: &str, shared: Weak<Shared>, body: fn(&Arc<Shared>) -> bool) {
    let spawned = thread::Builder::new().name(name.into()).spawn(move || {
        while let Some(s) = shared.upgrade() {
            if !body(&s) {
                break;
            }
        }
    });
    if let Err(e) = spawned {
        tracing::error!("cannot start the {name} thread: {e}");
    }
}

impl Shared {
    /// One round of the timer thread: fire what is due, then wait for the
    /// next deadline or a change. Returns false to stop.
    fn timer_loop(self: &Arc<Self>) -> bool {
        let now = self.clock.now_ns();
        let next = lock(&self.inner).due.first().copied();
        match next {
            Some((deadline, _, addr)) if deadline <= now => {
                self.fire_timer(addr, deadline);
            }
            next => {
                let wait = next.map_or(Duration::from_millis(100), |(d, _, _)| {
                    Duration::from_nanos(d - now).min(Duration::from_millis(100))
                });
                let inner = lock(&self.inner);
                let _ = self.changed.wait_timeout(inner, wait);
            }
        }
        true
    }

    /// One round of the worker: run the next work item or wait.
    fn work_loop(self: &Arc<Self>) -> bool {
        let next = lock(&self.inner).work.pop_front();
        match next {
            Some(addr) => {
                self.run(addr, Kind::Work, |e| e.queued = false);
            }
            None => {
                let inner = lock(&self.inner);
                if inner.work.is_empty() {
                    let _ = self.changed.wait_timeout(inner, Duration::from_millis(100));
                }
            }
        }
        true
    }

    /// Fires the timer at `addr` if it is still armed for `deadline`.
    fn fire_timer(self: &Arc<Self>, addr: u64, deadline: u64) -> bool {
        {
            let mut inner = lock(&self.inner);
            let Some(&(d, s, a)) = inner.due.first() else {
                return false;
            };
            if (d, a) != (deadline, addr) {
                return false;
            }
            inner.due.remove(&(d, s, a));
        }
        self.run(addr, Kind::Timer, |e| e.deadline = None)
    }

    /// Runs the callback of entry `addr` on this thread; `start` updates the
    /// entry as the run begins. Returns whether a callback ran.
    fn run(self: &Arc<Self>, addr: u64, kind: Kind, start: impl FnOnce(&mut Entry)) -> bool {
        let me = thread::current().id();
        let job = {
            let mut inner = lock(&self.inner);
            let Some(e) = inner.entries.get_mut(&addr) else {
                return false;
            };
            if e.kind != kind {
                return false;
            }
            start(e);
            let Some(cb) = e.callback.clone() else {
                return false;
            };
            e.running = Some(me);
            (cb, e.map.clone(), e.map_handle, e.value)
        };
        let (cb, map, handle, value) = job;
        let key = map.key_at(value).unwrap_or_default();
        if let Err(e) = cb.program.run_callback(cb.func, &map, handle, key, value) {
            tracing::warn!(
                "{} callback of program {} failed: {e}",
                if kind == Kind::Timer {
                    "timer"
                } else {
                    "work-queue"
                },
                cb.program.name
            );
        }
        let mut inner = lock(&self.inner);
        if let Some(e) = inner.entries.get_mut(&addr) {
            e.running = None;
        }
        self.changed.notify_all();
        true
    }
}
