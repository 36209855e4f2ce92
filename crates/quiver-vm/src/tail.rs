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
    /// The stack a run must have zeroed for a tail call to enter the
    /// program natively: `reach`, or `u64::MAX` (no run has) when every
    /// call must go through the helper, so that one comparison decides
    /// both.
    pub(crate) tail_reach: u64,
    /// Instructions a run of it may execute (a dispatcher starts runs).
    pub(crate) budget: u64,
    /// The function a native tail call from an entry frame jumps to,
    /// passing r1 alone (0: none, such calls call `entry`; so for a
    /// program not declared to read only r1 at its start).
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
                tail_reach: if host_must_see {
                    u64::MAX
                } else {
                    vm.stack_reach as u64
                },
                budget: vm.budget.unwrap_or(u64::MAX),
                body: if vm.starts_with_r1_only {
                    code.body_addr() as u64
                } else {
                    0
                },
            })
        }
        #[cfg(not(feature = "jit"))]
        {
            let _ = (vm, min_ctx, host_must_see);
            None
        }
    }
}

/// One slot's cell: the program JIT code enters there; null (the site's
/// helper decides); or [`EMPTY_CELL`] (no program).
#[derive(Debug, Default)]
#[repr(transparent)]
struct TailCell(AtomicPtr<NativeTarget>);

/// What an empty cell holds: an address no `NativeTarget` has (the
/// smallest aligned one, never dereferenced), so that JIT code tells a
/// program, no program and "ask the helper" apart with one comparison on
/// the path that enters a program.
pub(crate) const EMPTY_CELL: usize = std::mem::align_of::<NativeTarget>();

/// The r0 a tail call answers without a program to enter: the helper's,
/// which native code gives in its place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TailMisses {
    /// The slot is empty (Linux's helper contract: -ENOENT).
    pub empty: u64,
    /// The index is past the end of the array (-E2BIG).
    pub out_of_range: u64,
}

/// The cells of a prog array, one per slot, side by side so that JIT code
/// finds a slot's cell from its index.
#[derive(Debug)]
pub struct TailTable {
    cells: Box<[TailCell]>,
    misses: Option<TailMisses>,
}

impl TailTable {
    /// `len` cells that send every call to the site's helper until a
    /// program is published.
    pub fn new(len: usize) -> TailTable {
        TailTable {
            cells: (0..len).map(|_| TailCell::default()).collect(),
            misses: None,
        }
    }

    /// `len` empty cells, for a host whose helper answers a call that finds
    /// no program with `misses` and does nothing else: native code answers
    /// such calls itself.
    pub fn answering(len: usize, misses: TailMisses) -> TailTable {
        let table = TailTable {
            misses: Some(misses),
            ..TailTable::new(len)
        };
        for i in 0..len {
            table.publish_empty(i);
        }
        table
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// What native code answers for the helper, if the table says.
    #[cfg(feature = "jit")]
    pub(crate) fn misses(&self) -> Option<TailMisses> {
        self.misses
    }

    /// Marks cell `index` empty: native code answers a call there as the
    /// helper would for an empty slot, in a table made
    /// [`answering`](Self::answering); in others, calls there go to the
    /// helper. Does nothing past the end.
    pub fn publish_empty(&self, index: usize) {
        let p = if self.misses.is_some() {
            std::ptr::without_provenance_mut(EMPTY_CELL)
        } else {
            std::ptr::null_mut()
        };
        if let Some(cell) = self.cells.get(index) {
            cell.0.store(p, Ordering::Release);
        }
    }

    /// Publishes `target` in cell `index` (None: the slot's program is one
    /// native code cannot enter, and calls there go to the helper). Does
    /// nothing past the end.
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
        if let Some(cell) = self.cells.get(index) {
            cell.0.store(p, Ordering::Release);
        }
    }

    /// The address of the first cell, which native code indexes.
    #[cfg(feature = "jit")]
    pub(crate) fn addr(&self) -> u64 {
        self.cells.as_ptr().addr() as u64
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
