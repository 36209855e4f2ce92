//! Native tail calls: what JIT code reads at a tail-call site the host
//! bound to one prog-array slot, so that the call is a load and an
//! indirect call instead of a trip through the helper trampoline (Linux
//! patches a direct jump there instead).
//!
//! The host keeps a [`TailTable`] per prog array, a cell per slot, and
//! publishes in a slot's cell the [`NativeTarget`] of the program it puts
//! there; JIT code reads the cell at each call (the slot fixed at load, or
//! the index in r3). Anything the native path cannot decide (a program whose
//! run the host must see, a context it cannot measure, a program reaching
//! more stack than the run zeroed) goes through the site's helper as
//! before.

use std::sync::atomic::{AtomicPtr, Ordering};

use crate::vm::Vm;

/// What JIT code needs to enter a program natively. Fields are read by
/// native code at fixed offsets.
#[derive(Debug)]
#[repr(C)]
pub struct NativeTarget {
    /// The program's native entry function and the entry number of its
    /// first instruction.
    pub(crate) entry: u64,
    pub(crate) index: u64,
    /// The `Vm` and its `JitCode`, for the run context.
    pub(crate) vm: u64,
    pub(crate) code: u64,
    /// Stack bytes per frame the program may reach.
    pub(crate) reach: u64,
    /// Context bytes the program reads (0: any context will do).
    pub(crate) min_ctx: u64,
    /// Nonzero: every call must go through the helper.
    pub(crate) slow: u64,
    /// Instructions a run of it may execute (a dispatcher starts runs).
    pub(crate) budget: u64,
    /// The function a native tail call from an entry frame jumps to (0:
    /// none; such calls call `entry`).
    pub(crate) body: u64,
}

impl NativeTarget {
    /// The native target of `vm`, if it has JIT code: a tail call checks
    /// that the caller's context (r1) holds at least `min_ctx` bytes, and
    /// goes through the helper when `host_must_see` (e.g. the host adds
    /// the program's global data to the run).
    ///
    /// The value refers to `vm` by address: see [`TailTable::publish`].
    pub fn new(vm: &Vm, min_ctx: u64, host_must_see: bool) -> Option<NativeTarget> {
        #[cfg(feature = "jit")]
        {
            let code = vm.jit.as_deref()?;
            Some(NativeTarget {
                entry: code.entry_fn() as usize as u64,
                index: code.first_entry()? as u64,
                vm: std::ptr::from_ref(vm).expose_provenance() as u64,
                code: std::ptr::from_ref(code).expose_provenance() as u64,
                reach: vm.stack_reach as u64,
                min_ctx,
                slow: u64::from(host_must_see),
                budget: vm.budget.unwrap_or(u64::MAX),
                body: code.body_addr() as u64,
            })
        }
        #[cfg(not(feature = "jit"))]
        {
            let _ = (vm, min_ctx, host_must_see);
            None
        }
    }
}

/// One slot's cell: the program JIT code enters there, or none.
#[derive(Debug, Default)]
#[repr(transparent)]
struct TailCell(AtomicPtr<NativeTarget>);

/// The cells of a prog array, one per slot, side by side so that JIT code
/// finds a slot's cell from its index.
#[derive(Debug)]
pub struct TailTable(Box<[TailCell]>);

impl TailTable {
    /// `len` empty cells.
    pub fn new(len: usize) -> TailTable {
        TailTable((0..len).map(|_| TailCell::default()).collect())
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Publishes `target` in cell `index` (None: the slot is empty for
    /// native code). Does nothing past the end.
    ///
    /// # Safety
    ///
    /// `target`, and the `Vm` it was made from, must stay valid and in
    /// place until every run that may have read it from this cell has
    /// ended: publish a new target before retiring the old program, and
    /// retire it only once runs that started before have finished (an RCU
    /// grace period, with every run a read section).
    pub unsafe fn publish(&self, index: usize, target: Option<&NativeTarget>) {
        let p = target.map_or(std::ptr::null_mut(), |t| std::ptr::from_ref(t).cast_mut());
        if let Some(cell) = self.0.get(index) {
            cell.0.store(p, Ordering::Release);
        }
    }

    /// The address of the first cell, which native code indexes.
    #[cfg(feature = "jit")]
    pub(crate) fn addr(&self) -> u64 {
        self.0.as_ptr().addr() as u64
    }
}

/// Where a bound tail-call site finds its program's cell.
#[derive(Clone, Debug)]
// Only native code reads it.
#[cfg_attr(not(feature = "jit"), allow(dead_code))]
pub(crate) struct TailSite {
    pub(crate) table: std::sync::Arc<TailTable>,
    /// The slot, when the verifier proved it constant; else r3 names it.
    pub(crate) index: Option<u32>,
}
