//! The boundary between native code and Rust: the context a JIT run passes
//! around, the functions native code calls (errors, the checked-memory slow
//! path, frame zeroing, the helper trampoline), and the entry point.
//!
//! Native code gets a `*mut JitCtx` and hands it back unchanged to every
//! runtime function. No Rust reference to the context or to the run's
//! [`Memory`] is held while native code runs, and the trampoline drops its
//! own before calling a helper (which may re-enter native code through a
//! callback), so each runtime function may briefly borrow both.

use std::any::Any;
use std::mem::{ManuallyDrop, MaybeUninit};
use std::ptr;

use quiver_rcu::Borrowed;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use crate::compile::slot_of;
use crate::error::VmError;
use crate::helpers::{After, Callee, Helper, HelperContext};
use crate::interp::{Counters, MAX_TAIL_CALL_CNT, exec_in_frame};
use crate::memory::{MAX_BPF_STACK, MAX_CALL_FRAMES, Memory};
use crate::vm::Vm;

use super::JitCode;

/// What native code returns, and what `rt_call` returns to it.
pub(super) const STATUS_OK: u64 = 0;
/// The run failed: the error (or a helper's panic) is in the context.
pub(super) const STATUS_ERROR: u64 = 1;
/// `rt_call` only: the helper stopped the program, r0 is in `ret`.
pub(super) const STATUS_STOP: u64 = 2;
/// `rt_call` only: the helper tail-called a program, which ran in the
/// calling frame and returned `ret`: the frame exits with it.
pub(super) const STATUS_TAIL: u64 = 3;
/// The helper tail-called a program from the frame native code was
/// entered in: native code returns at once, and whoever entered it runs
/// the program (`JitCtx::pending`) in that frame instead, without a
/// nested run per call of a chain.
pub(super) const STATUS_DEFER: u64 = 4;
/// A dispatcher only: no native program there; nothing ran.
pub(super) const STATUS_MISS: u64 = 5;

/// Error kinds of `rt_error`.
pub(super) const ERR_BUDGET: u64 = 0;
pub(super) const ERR_CALL_DEPTH: u64 = 1;
pub(super) const ERR_UNKNOWN_HELPER: u64 = 2;
pub(super) const ERR_UNKNOWN_KFUNC: u64 = 3;

/// Host-function kinds of `rt_call`.
pub(super) const CALL_HELPER: u64 = 0;
pub(super) const CALL_KFUNC: u64 = 1;
pub(super) const CALL_X: u64 = 2;

/// Fault flags of `rt_fault` (besides the size in the low byte).
pub(super) const FAULT_WRITE: u64 = 1 << 8;
pub(super) const FAULT_ATOMIC: u64 = 1 << 9;

/// The native entry: `(ctx, entry index, base frame, &[r1..r5]) -> status`;
/// r0 is left in `ctx.ret`.
pub(super) type Entry = unsafe extern "C" fn(*mut JitCtx<'_>, u64, u64, *const u64) -> u64;

/// The state of one run shared by native code and the runtime functions.
/// Native code reads and writes the fields before `mem` at fixed offsets.
#[repr(C)]
pub(crate) struct JitCtx<'v> {
    /// One past the top of frame 0 (r10 of the main program).
    pub(super) stack_top: u64,
    /// Frames whose bytes are zeroed (see `Memory::set_depth`).
    pub(super) zeroed: u64,
    /// Instructions left, when the program is budgeted.
    pub(super) budget: u64,
    /// `may_goto` iterations left.
    pub(super) loops: u64,
    /// The packet LD_ABS/LD_IND read (0 and 0 without one).
    pub(super) packet_ptr: u64,
    pub(super) packet_len: u64,
    /// r0 on the way out of native code or of a helper.
    pub(super) ret: u64,
    /// The regions the last two slow-path accesses found, tested inline
    /// before the slow path, newest first: start, length for reads and
    /// for writes (0 when read-only). Regions stay valid for the whole
    /// run.
    pub(super) cache_start: u64,
    pub(super) cache_len_r: u64,
    pub(super) cache_len_w: u64,
    pub(super) cache2_start: u64,
    pub(super) cache2_len_r: u64,
    pub(super) cache2_len_w: u64,
    /// Tail calls made so far in the run.
    pub(super) tail_calls: u64,
    /// Stack bytes per frame the run has zeroed (`Memory::ensure_reach`).
    pub(super) reach: u64,
    /// The run's context buffer (0 and 0 without one).
    pub(super) ctx_start: u64,
    pub(super) ctx_len: u64,
    /// The frame the innermost entry into native code started in.
    pub(super) base: u64,
    mem: *mut Memory,
    /// The program running, which native tail calls switch (native code
    /// stores the addresses a `NativeTarget` holds).
    pub(super) vm: &'v Vm,
    pub(super) code: &'v JitCode,
    /// Dropped by hand (see `Drop`).
    error: ManuallyDrop<Option<VmError>>,
    panic: ManuallyDrop<Option<Box<dyn Any + Send>>>,
    /// A tail call native code left for its caller (`STATUS_DEFER`): the
    /// program and r1..r5.
    pending: ManuallyDrop<Option<(Borrowed<Vm>, [u64; 5])>>,
}

impl Drop for JitCtx<'_> {
    /// Inlined, unlike the glue of the fields' drops: a run that went well
    /// pays two tests.
    #[inline(always)]
    fn drop(&mut self) {
        if self.error.is_some() || self.panic.is_some() || self.pending.is_some() {
            self.drop_trouble();
        }
    }
}

impl JitCtx<'_> {
    fn counters(&self) -> Counters {
        Counters {
            budget: self.budget,
            loops: self.loops,
            tail_calls: self.tail_calls as u32,
        }
    }

    fn set_counters(&mut self, k: &Counters) {
        (self.budget, self.loops, self.tail_calls) = (k.budget, k.loops, u64::from(k.tail_calls));
    }
}

impl<'v> JitCtx<'v> {
    fn new(vm: &'v Vm, code: &'v JitCode, mem: &mut Memory, counters: &Counters) -> Self {
        let (stack_top, zeroed, packet, packet_len) = mem.jit_view();
        let stack = (stack_top, zeroed as u64, mem.reach() as u64);
        let packet = (packet.expose_provenance() as u64, packet_len);
        let context = mem.context();
        let seed = mem.jit_seed();
        let mut ctx = Self::fresh(vm, code, mem, stack, packet, context, counters);
        (ctx.cache_start, ctx.cache_len_r, ctx.cache_len_w) = seed[0];
        (ctx.cache2_start, ctx.cache2_len_r, ctx.cache2_len_w) = seed[1];
        ctx
    }

    /// A context for a run on `mem` (null only for leaf code, which calls
    /// no runtime function): `stack` is `(stack_top, zeroed, reach)`,
    /// `packet` and `context` are `(start, len)`.
    #[inline(always)]
    fn fresh(
        vm: &'v Vm,
        code: &'v JitCode,
        mem: *mut Memory,
        (stack_top, zeroed, reach): (u64, u64, u64),
        (packet_ptr, packet_len): (u64, u64),
        (ctx_start, ctx_len): (u64, u64),
        counters: &Counters,
    ) -> Self {
        JitCtx {
            stack_top,
            zeroed,
            budget: counters.budget,
            loops: counters.loops,
            packet_ptr,
            packet_len,
            ret: 0,
            cache_start: 0,
            cache_len_r: 0,
            cache_len_w: 0,
            cache2_start: 0,
            cache2_len_r: 0,
            cache2_len_w: 0,
            mem,
            vm,
            code,
            tail_calls: u64::from(counters.tail_calls),
            reach,
            ctx_start,
            ctx_len,
            base: 0,
            error: ManuallyDrop::new(None),
            panic: ManuallyDrop::new(None),
            pending: ManuallyDrop::new(None),
        }
    }

    #[cold]
    fn drop_trouble(&mut self) {
        // SAFETY: called from `drop` only; none of them is used again.
        unsafe {
            ManuallyDrop::drop(&mut self.error);
            ManuallyDrop::drop(&mut self.panic);
            ManuallyDrop::drop(&mut self.pending);
        }
    }

    /// Records what a program run from a runtime function gave, for native
    /// code: `ok` with r0 in `ret`, or `STATUS_ERROR` with the error.
    fn settle(&mut self, r: Result<u64, VmError>, ok: u64) -> u64 {
        match r {
            Ok(r0) => {
                self.ret = r0;
                ok
            }
            Err(e) => {
                *self.error = Some(e);
                STATUS_ERROR
            }
        }
    }

    /// What the run of native code that returned `status` amounts to;
    /// a helper's panic goes on unwinding from here.
    fn outcome(&mut self, status: u64) -> Result<u64, VmError> {
        if let Some(p) = self.panic.take() {
            resume_unwind(p);
        }
        match status {
            STATUS_OK => Ok(self.ret),
            _ => Err(self
                .error
                .take()
                .expect("native code reports an error before failing")),
        }
    }
}

/// Runs a program from op `start` (0: its first instruction) as a new run
/// on `mem`, whose frame 0 is live: the path every run from the host takes,
/// kept short.
pub(crate) fn exec(
    vm: &Vm,
    code: &JitCode,
    mem: &mut Memory,
    start: usize,
    args: [u64; 5],
) -> Result<u64, VmError> {
    let mut counters = Counters::new(vm);
    let Some(entry) = code.entry_of(start) else {
        return exec_in_frame(vm, mem, start, 0, args, &mut counters);
    };
    mem.ensure_reach(vm.stack_reach);
    mem.set_depth(0);
    let mut ctx = JitCtx::new(vm, code, mem, &counters);
    // `mem` stays unused while native code runs on `ctx.mem`.
    let status = call_native(&mut ctx, entry, 0, args);
    ctx.outcome(status)
}

/// One frame of stack, for a leaf run.
#[repr(C, align(16))]
struct Frame([MaybeUninit<u8>; MAX_BPF_STACK]);

/// Runs leaf code (`JitCode::is_leaf`: it calls no runtime function, so
/// nothing reads a `Memory` and no frame but the first is ever entered)
/// from its first instruction as a new run: the path of a host calling a
/// self-contained program per packet, which needs no more than the
/// frame, its zeroed bytes and the context. `packet` is what LD_ABS and
/// LD_IND read, `context` the run's context buffer, as `(start, len)`.
#[inline]
pub(crate) fn exec_leaf(
    vm: &Vm,
    code: &JitCode,
    args: [u64; 5],
    packet: (*const u8, u64),
    context: (u64, u64),
) -> Result<u64, VmError> {
    debug_assert!(code.is_leaf());
    let Some(entry) = code.first_entry() else {
        unreachable!("the first instruction is always a native entry");
    };
    let mut frame = Frame([const { MaybeUninit::uninit() }; MAX_BPF_STACK]);
    // As `with_memory` does: debug builds poison what the run does not
    // zero.
    if cfg!(debug_assertions) {
        frame.0.fill(MaybeUninit::new(0xa5));
    }
    let reach = vm.stack_reach.min(MAX_BPF_STACK);
    frame.0[MAX_BPF_STACK - reach..].fill(MaybeUninit::new(0));
    let top = frame.0.as_mut_ptr_range().end.expose_provenance() as u64;
    let packet = (packet.0.expose_provenance() as u64, packet.1);
    let stack = (top, 1, reach as u64);
    let counters = Counters::new(vm);
    let mut ctx = JitCtx::fresh(vm, code, ptr::null_mut(), stack, packet, context, &counters);
    let ctx_ptr: *mut JitCtx<'_> = &mut ctx;
    // SAFETY: `code.entry` was compiled by `jit::compile` with this
    // signature from `vm`, and lives as long as `vm`. Leaf code calls
    // nothing, so the null `mem` is never read; it accesses the context's
    // fields, the frame below `top` (live until the end of this function;
    // a verified program stays within its 512 bytes), and the memory its
    // caller lends (the `Vm`'s contract).
    let status = unsafe { (code.entry)(ctx_ptr, entry as u64, 0, args.as_ptr()) };
    ctx.outcome(status)
}

/// Runs, as a new run on `mem` (frame 0 live, as much stack zeroed as
/// any of the dispatcher's programs reaches), the program a generated
/// dispatcher finds for `(key, callback, position)`; None if it has none
/// there. `vm` and `code` are any of its programs': the context must
/// point at one before the dispatcher points it at the right one.
pub(crate) fn exec_dispatch(
    vm: &Vm,
    code: &JitCode,
    dispatcher: &super::dispatcher::DispatchCode,
    mem: &mut Memory,
    (key, callback, position): (u64, u64, u64),
    args: [u64; 5],
) -> Option<Result<u64, VmError>> {
    mem.set_depth(0);
    let mut ctx = JitCtx::new(vm, code, mem, &Counters::new(vm));
    let ctx_ptr: *mut JitCtx<'_> = &mut ctx;
    let status = keeping_program(ctx_ptr, || {
        // SAFETY: the dispatcher's code was compiled by
        // `jit::dispatcher::compile` with this signature, from targets
        // that outlive it (`Dispatcher::compile`'s contract); it points
        // the context at a program and calls its native entry as
        // `call_native` does, or returns `STATUS_MISS` having run nothing.
        let status = unsafe { (dispatcher.entry)(ctx_ptr, key, callback, position, args.as_ptr()) };
        if status == STATUS_MISS {
            return status;
        }
        run_pending(ctx_ptr, 0, status)
    });
    (status != STATUS_MISS).then(|| ctx.outcome(status))
}

/// Runs `vm` from op `start` in frame `base` of a run with `counters`:
/// natively where the JIT made an entry there, else in the interpreter
/// (a function address a program forged).
pub(crate) fn run_nested(
    vm: &Vm,
    code: &JitCode,
    mem: &mut Memory,
    start: usize,
    base: usize,
    args: [u64; 5],
    counters: &mut Counters,
) -> Result<u64, VmError> {
    let Some(entry) = code.entry_of(start) else {
        return exec_in_frame(vm, mem, start, base, args, counters);
    };
    mem.ensure_reach(vm.stack_reach);
    let mut ctx = JitCtx::new(vm, code, mem, counters);
    let r = run_frame(&mut ctx, mem, entry, base, args);
    *counters = ctx.counters();
    r
}

/// Runs any program in frame `base` of the run `ctx` belongs to, on its
/// counters.
fn run_program(
    ctx: *mut JitCtx<'_>,
    vm: &Vm,
    mem: &mut Memory,
    start: usize,
    base: usize,
    args: [u64; 5],
) -> Result<u64, VmError> {
    let mut counters = ctx_only(ctx, |c| c.counters());
    let r = match &vm.jit {
        Some(code) => run_nested(vm, code, mem, start, base, args, &mut counters),
        None => exec_in_frame(vm, mem, start, base, args, &mut counters),
    };
    ctx_only(ctx, |c| c.set_counters(&counters));
    r
}

/// Runs native code from entry `entry` (an index into `JitCode::entries`)
/// in frame `base` until that frame exits.
fn run_frame(
    ctx: *mut JitCtx<'_>,
    mem: *mut Memory,
    entry: usize,
    base: usize,
    args: [u64; 5],
) -> Result<u64, VmError> {
    let outer_mem = with_ctx(ctx, |c, _| std::mem::replace(&mut c.mem, mem));
    with_ctx(ctx, |c, m| {
        m.set_depth(base);
        c.zeroed = m.zeroed_frames() as u64;
    });
    let status = call_native(ctx, entry, base, args);
    with_ctx(ctx, |c, _| {
        c.mem = outer_mem;
        c.outcome(status)
    })
}

/// Enters the context's native code at `entry` in frame `base` (live),
/// then makes the tail calls it leaves pending from that frame, each
/// program replacing the last, and puts the context's program back.
/// Returns the last status: `STATUS_OK` or `STATUS_ERROR`.
fn call_native(ctx: *mut JitCtx<'_>, entry: usize, base: usize, args: [u64; 5]) -> u64 {
    keeping_program(ctx, || {
        let code = ctx_only(ctx, |c| {
            c.base = base as u64;
            c.code
        });
        // SAFETY: `code.entry` was compiled by `jit::compile` with exactly
        // this signature, from the context's program, and lives as long as
        // its Vm. It reads `args` (five u64) and accesses `ctx` and the
        // memory it points to as the module doc of `jit` describes; it
        // returns normally (helpers' panics are caught in `rt_call`).
        let status = unsafe { (code.entry)(ctx, entry as u64, base as u64, args.as_ptr()) };
        run_pending(ctx, base, status)
    })
}

/// Runs `f`, then points the context back at the program and frame it
/// named before (tail calls in `f` point it elsewhere).
fn keeping_program<R>(ctx: *mut JitCtx<'_>, f: impl FnOnce() -> R) -> R {
    let (vm, code, base) = ctx_only(ctx, |c| (c.vm, c.code, c.base));
    let r = f();
    ctx_only(ctx, |c| (c.vm, c.code, c.base) = (vm, code, base));
    r
}

/// While `status` says a tail call is pending, makes it in frame `base`
/// (each program replacing the last). The context points at the last
/// program run: the caller puts its own back. Returns the last status.
fn run_pending(ctx: *mut JitCtx<'_>, base: usize, mut status: u64) -> u64 {
    // The program running now, kept borrowed while the context points at
    // it.
    let mut current: Option<Borrowed<Vm>> = None;
    ctx_only(ctx, |c| c.base = base as u64);
    while status == STATUS_DEFER {
        let Some((target, args)) = ctx_only(ctx, |c| c.pending.take()) else {
            unreachable!("a deferred tail call leaves its program");
        };
        status = run_replacing(ctx, &target, base, args);
        current = Some(target);
    }
    // Whoever reads the context next points it elsewhere first.
    drop(current);
    status
}

/// Native code's way to make the tail call a program it entered natively
/// (from frame `depth`) left pending: `STATUS_OK` (r0 in `ret`) or
/// `STATUS_ERROR`. A panic is kept for the caller of native code.
pub(super) extern "C" fn rt_run_pending(ctx: *mut JitCtx<'_>, depth: u64) -> u64 {
    keeping_program(ctx, || {
        let run = || run_pending(ctx, depth as usize, STATUS_DEFER);
        match catch_unwind(AssertUnwindSafe(run)) {
            Ok(status) => status,
            Err(panic) => {
                ctx_only(ctx, |c| *c.panic = Some(panic));
                STATUS_ERROR
            }
        }
    })
}

/// Runs `target` from its start in frame `base`, in place of the
/// context's program; the context points at `target` afterwards.
fn run_replacing(ctx: *mut JitCtx<'_>, target: &Vm, base: usize, args: [u64; 5]) -> u64 {
    let native = target
        .jit
        .as_deref()
        .and_then(|code| Some((code, code.entry_of(0)?)));
    let Some((code, entry)) = native else {
        // A program without native code: interpreted, on the run's counters.
        return with_ctx(ctx, |c, m| {
            let mut counters = c.counters();
            let r = exec_in_frame(target, m, 0, base, args, &mut counters);
            c.set_counters(&counters);
            c.settle(r, STATUS_OK)
        });
    };
    with_ctx(ctx, |c, m| {
        m.ensure_reach(target.stack_reach);
        m.set_depth(base);
        c.zeroed = m.zeroed_frames() as u64;
        c.reach = m.reach() as u64;
        // SAFETY: the context's references outlive none of their uses:
        // `run_pending` keeps `target` borrowed until the context points
        // at the next program or `keeping_program` has put its own back, and
        // only runtime functions called while this program runs read them.
        (c.vm, c.code) = unsafe { (&*(target as *const Vm), &*(code as *const JitCode)) };
    });
    // SAFETY: as in `call_native`, for `target`'s code.
    unsafe { (code.entry)(ctx, entry as u64, base as u64, args.as_ptr()) }
}

/// Borrows the context (not the memory) for the duration of `f`.
fn ctx_only<'v, R>(ctx: *mut JitCtx<'v>, f: impl FnOnce(&mut JitCtx<'v>) -> R) -> R {
    // SAFETY: as in `with_ctx`; the memory is not touched, so a caller may
    // hold its own reference to it.
    f(unsafe { &mut *ctx })
}

/// Borrows the context and the run's memory for the duration of `f`.
fn with_ctx<'v, R>(ctx: *mut JitCtx<'v>, f: impl FnOnce(&mut JitCtx<'v>, &mut Memory) -> R) -> R {
    // SAFETY: `ctx` is the pointer `exec` made from its local context, and
    // `ctx.mem` points at the run's `Memory` (or the helper's reborrow of
    // it during a callback); both outlive the run. Native code passes the
    // pointer back unchanged and, per the module doc, no other reference
    // to either is live while a runtime function runs.
    let (c, m) = unsafe { (&mut *ctx, &mut *(*ctx).mem) };
    f(c, m)
}

/// Checked-mode slow path: the host address for an access outside the
/// live stack, or 0 if the regions of the run refuse it.
pub(super) extern "C" fn rt_resolve(
    ctx: *mut JitCtx<'_>,
    addr: u64,
    size: u64,
    write: u64,
    depth: u64,
) -> u64 {
    with_ctx(ctx, |c, m| {
        m.set_depth(depth as usize);
        let write = write != 0;
        let (p, region) = m.resolve_jit(addr, size, write)?;
        if let Some(region) = region {
            (c.cache2_start, c.cache2_len_r, c.cache2_len_w) =
                (c.cache_start, c.cache_len_r, c.cache_len_w);
            (c.cache_start, c.cache_len_r, c.cache_len_w) = region;
        }
        Some(p.expose_provenance() as u64)
    })
    .unwrap_or(0)
}

/// Records the memory violation of instruction `idx`.
pub(super) extern "C" fn rt_fault(
    ctx: *mut JitCtx<'_>,
    idx: u64,
    addr: u64,
    flags: u64,
    depth: u64,
) {
    with_ctx(ctx, |c, m| {
        m.set_depth(depth as usize);
        let (size, write, atomic) = (
            flags & 0xff,
            flags & FAULT_WRITE != 0,
            flags & FAULT_ATOMIC != 0,
        );
        *c.error = Some(c.vm.violation(m, idx as usize, addr, size, write, atomic));
    })
}

/// Records any other error of instruction `idx`.
pub(super) extern "C" fn rt_error(ctx: *mut JitCtx<'_>, kind: u64, idx: u64, value: u64) {
    with_ctx(ctx, |c, _| {
        let idx = idx as usize;
        *c.error = Some(match kind {
            ERR_BUDGET => c.vm.budget_exhausted(idx),
            ERR_CALL_DEPTH => c.vm.call_depth_exceeded(idx),
            ERR_UNKNOWN_HELPER => c.vm.unknown_helper(idx, value),
            _ => c.vm.unknown_kfunc(idx, value as u32),
        });
    })
}

/// Makes frame `depth` live, zeroing it if it never was.
pub(super) extern "C" fn rt_zero(ctx: *mut JitCtx<'_>, depth: u64) {
    with_ctx(ctx, |c, m| {
        m.set_depth(depth as usize);
        c.zeroed = m.zeroed_frames() as u64;
    })
}

/// The helper trampoline: calls a helper or kfunc with the same
/// `HelperContext` the interpreter gives. Returns `STATUS_OK` (r0 in
/// `ret`), `STATUS_STOP` (the program ends with r0 = `ret`) or
/// `STATUS_ERROR`. A panicking helper is caught here and resumed once
/// native code has returned.
#[allow(clippy::too_many_arguments)]
pub(super) extern "C" fn rt_call(
    ctx: *mut JitCtx<'_>,
    kind: u64,
    value: u64,
    idx: u64,
    depth: u64,
    a1: u64,
    a2: u64,
    a3: u64,
    a4: u64,
    a5: u64,
) -> u64 {
    let args = [a1, a2, a3, a4, a5];
    let call = || call_host(ctx, kind, value, idx as usize, depth as usize, args);
    match catch_unwind(AssertUnwindSafe(call)) {
        Ok(status) => status,
        Err(panic) => {
            with_ctx(ctx, |c, _| *c.panic = Some(panic));
            STATUS_ERROR
        }
    }
}

fn call_host(
    ctx: *mut JitCtx<'_>,
    kind: u64,
    value: u64,
    idx: usize,
    depth: usize,
    args: [u64; 5],
) -> u64 {
    let (vm, code, mem) = with_ctx(ctx, |c, m| {
        m.set_depth(depth);
        (c.vm, c.code, c.mem)
    });
    let (h, kfunc): (&Helper, bool) = match kind {
        CALL_HELPER => (&vm.helpers[value as usize], false),
        CALL_KFUNC => (&vm.kfuncs[value as usize], true),
        _ => {
            debug_assert_eq!(kind, CALL_X);
            let slot = u32::try_from(value)
                .ok()
                .and_then(|id| slot_of(&vm.helpers[..vm.table_len], id));
            match slot {
                Some(slot) => (&vm.helpers[slot as usize], false),
                None => {
                    with_ctx(ctx, |c, _| *c.error = Some(vm.unknown_helper(idx, value)));
                    return STATUS_ERROR;
                }
            }
        }
    };
    let pc = vm.pcs[idx];
    let mut callback =
        |m: &mut Memory, callee: Callee<'_>, args: [u64; 5]| -> Result<u64, VmError> {
            if depth + 1 >= MAX_CALL_FRAMES {
                return Err(vm.call_depth_exceeded(idx));
            }
            let r = match callee {
                // Another program (a call through a prog array), on the same
                // memory and counters.
                Callee::Program(p) => run_program(ctx, p, m, 0, depth + 1, args),
                Callee::Function(func) => {
                    let target = vm.function_at(func, pc)?;
                    match code.entry_of(target) {
                        Some(entry) => run_frame(ctx, m, entry, depth + 1, args),
                        // A function address the program forged.
                        None => run_program(ctx, vm, m, target, depth + 1, args),
                    }
                }
            };
            m.set_depth(depth);
            r
        };
    // SAFETY: `mem` is `ctx.mem`, valid for the run (see `with_ctx`); the
    // context borrow above has ended, and the only way back into the run
    // is `callback`, which hands native code the helper's reborrow.
    let mem = unsafe { &mut *mem };
    let mut hctx = HelperContext::new(mem, pc, Some(&mut callback));
    let result = (h.func())(&mut hctx, args);
    let after = hctx.take_after();
    drop(hctx);
    let after = match (result.is_ok(), after) {
        (true, Some(After::TailCall(target))) => {
            let (counted, defer) = ctx_only(ctx, |c| {
                let ok = c.tail_calls < u64::from(MAX_TAIL_CALL_CNT);
                c.tail_calls += u64::from(ok);
                (ok, c.base == depth as u64)
            });
            // Past the limit the caller goes on with the helper's result.
            if counted && defer {
                // From the frame native code was entered in: its caller
                // runs the program, with no nested run.
                ctx_only(ctx, |c| *c.pending = Some((target, args)));
                return STATUS_DEFER;
            }
            if counted {
                // From a deeper frame: the callee takes the calling frame,
                // so what it returns is what the frame returns.
                let r = run_program(ctx, &target, mem, 0, depth, args);
                mem.set_depth(depth);
                return ctx_only(ctx, |c| c.settle(r, STATUS_TAIL));
            }
            None
        }
        (_, after) => after,
    };
    with_ctx(ctx, |c, _| match result {
        Ok(v) => match after {
            Some(After::Stop(r0)) => {
                c.ret = r0;
                STATUS_STOP
            }
            _ => {
                c.ret = v;
                STATUS_OK
            }
        },
        Err(e) => {
            *c.error = Some(if kfunc {
                vm.kfunc_failed(idx, h, e)
            } else {
                vm.helper_failed(idx, h, e)
            });
            STATUS_ERROR
        }
    })
}
