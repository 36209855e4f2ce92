//! What a [`Vm`](crate::Vm) is built with, besides its program.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::helpers::{Helper, Helpers, Kfuncs};

/// Options of a [`Vm`](crate::Vm). The memory mode is chosen by the
/// constructor ([`Vm::new`](crate::Vm::new) or
/// [`Vm::new_unchecked`](crate::Vm::new_unchecked)).
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub(crate) engine: Engine,
    pub(crate) budget: Option<u64>,
    pub(crate) helpers: Helpers,
    pub(crate) kfuncs: Kfuncs,
    pub(crate) sites: BTreeMap<usize, Helper>,
    pub(crate) stack_depth: Option<usize>,
    pub(crate) starts_with_r1_only: bool,
    pub(crate) tail_sites: BTreeMap<usize, crate::tail::TailSite>,
    pub(crate) array_sites: BTreeMap<usize, ArrayValues>,
    pub(crate) native_sites: BTreeMap<usize, NativeCall>,
}

/// `(data, r1, r2, r3, r4, r5) -> r0`: a host function unchecked JIT code
/// calls directly ([`NativeCall`]).
pub type NativeFn = unsafe extern "C" fn(u64, u64, u64, u64, u64, u64) -> u64;

/// A host function that unchecked JIT code calls directly at a bound
/// helper site ([`Config::bind_native_call`]), in place of the helper
/// machinery (the trampoline, the run context, the helper's checked view
/// of program memory).
#[derive(Clone)]
pub struct NativeCall {
    pub(crate) func: NativeFn,
    pub(crate) data: u64,
    _owner: Arc<dyn Any + Send + Sync>,
}

impl NativeCall {
    /// `func`, called with `data` and the call's argument registers;
    /// `owner` keeps what `data` names alive.
    ///
    /// # Safety
    ///
    /// For as long as `owner` lives, calling `func` with `data` and the
    /// registers any run of a verified program holds at the bound site
    /// must be sound (it may dereference them as the verifier proved them
    /// valid, and must not unwind), and must have the effect and result
    /// of the helper bound there.
    pub unsafe fn new(func: NativeFn, data: u64, owner: Arc<dyn Any + Send + Sync>) -> NativeCall {
        NativeCall {
            func,
            data,
            _owner: owner,
        }
    }
}

impl std::fmt::Debug for NativeCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeCall")
            .field("func", &format_args!("{:p}", self.func as *const ()))
            .field("data", &format_args!("{:#x}", self.data))
            .finish()
    }
}

/// The values of a plain array map as one block, value `i` at `i *
/// stride` bytes: what JIT code reads a bound lookup's result from
/// ([`Config::bind_array_lookup`]).
#[derive(Clone)]
pub struct ArrayValues {
    pub(crate) base: u64,
    pub(crate) stride: u32,
    pub(crate) entries: u32,
    _owner: Arc<dyn Any + Send + Sync>,
}

impl ArrayValues {
    /// The `entries` values of `stride` bytes from `base`, kept alive by
    /// `owner`.
    ///
    /// # Safety
    ///
    /// `base` must point at `entries * stride` bytes that stay allocated,
    /// at that address, for as long as `owner` lives, and value `i` must
    /// be what the lookup helper bound with them returns for key `i`
    /// (unchecked JIT code returns `base + i * stride` instead of calling
    /// it, and the program then dereferences that address).
    pub unsafe fn new(
        base: *mut u8,
        stride: u32,
        entries: u32,
        owner: Arc<dyn Any + Send + Sync>,
    ) -> ArrayValues {
        ArrayValues {
            base: base.expose_provenance() as u64,
            stride,
            entries,
            _owner: owner,
        }
    }
}

impl std::fmt::Debug for ArrayValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArrayValues")
            .field("base", &format_args!("{:#x}", self.base))
            .field("stride", &self.stride)
            .field("entries", &self.entries)
            .finish()
    }
}

impl Config {
    /// No budget, no helpers, no kfuncs.
    pub fn new() -> Self {
        Self::default()
    }

    /// How runs execute: the interpreter (the default) or native code
    /// compiled by the Cranelift JIT (feature `jit`).
    pub fn engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self
    }

    /// Stops every run after `limit` executed instructions with
    /// [`VmError::BudgetExhausted`](crate::VmError::BudgetExhausted);
    /// `None` (the default) runs without limit.
    pub fn budget(mut self, limit: Option<u64>) -> Self {
        self.budget = limit;
        self
    }

    /// The helper table.
    pub fn helpers(mut self, helpers: Helpers) -> Self {
        self.helpers = helpers;
        self
    }

    /// The kfunc table.
    pub fn kfuncs(mut self, kfuncs: Kfuncs) -> Self {
        self.kfuncs = kfuncs;
        self
    }

    /// The most stack, in bytes below its frame pointer, that any frame of
    /// the program uses, as a verifier established (Linux's "stack depth",
    /// the largest over subprograms). An unchecked `Vm` then zeroes only
    /// that much of each frame per run, and relies on it as on the rest
    /// of the verifier's proof (see [`Vm::new_unchecked`](crate::Vm::new_unchecked));
    /// a checked `Vm` ignores it and zeroes whole frames.
    pub fn stack_depth(mut self, bytes: usize) -> Self {
        self.stack_depth = Some(bytes);
        self
    }

    /// Declares that the program, run from its first instruction, reads
    /// no argument register but r1 before writing it: what a verifier that
    /// starts programs as Linux does (r1 the context, r2..r5 not
    /// initialized) proves. A native tail call into the program then
    /// passes r1 alone, in a register; into one without the declaration
    /// it passes r1..r5 through memory, as the helper does. Where the
    /// declaration is wrong, the program reads zeros there instead of the
    /// caller's registers (in checked mode its accesses stay checked).
    pub fn starts_with_r1_only(mut self) -> Self {
        self.starts_with_r1_only = true;
        self
    }

    /// Binds the tail call at slot `pc` to `helper` (as
    /// [`bind_call`](Self::bind_call)) and, for JIT code, to the cells of
    /// `table`: cell `index`, or when `None` the cell r3 names at the call.
    /// The call enters the program published there natively, answers a
    /// call that finds no program (an empty cell, an index out of range)
    /// itself when the table is [`answering`](crate::TailTable::answering),
    /// and otherwise goes through `helper` (no answers, a cell that
    /// defers, a program that needs the host). `helper` must make the same
    /// call (through the prog array whose cells these are).
    pub fn bind_tail_call(
        mut self,
        pc: usize,
        helper: Helper,
        table: std::sync::Arc<crate::TailTable>,
        index: Option<u32>,
    ) -> Self {
        self.tail_sites
            .insert(pc, crate::tail::TailSite { table, index });
        self.bind_call(pc, helper)
    }

    /// Has unchecked JIT code look up the `bpf_map_lookup_elem` call at
    /// slot `pc` in `values` itself: a bounds test of the 4-byte key r2
    /// points at and an address computation, as Linux's JIT does for
    /// arrays. The interpreter and checked code still call the helper,
    /// which must return the same address (see [`ArrayValues::new`]).
    /// The verifier must have proved that r2 points at 4 readable bytes
    /// there (unchecked mode's contract), and that the map's values reach
    /// no helper: no region is made for them.
    pub fn bind_array_lookup(mut self, pc: usize, values: ArrayValues) -> Self {
        self.array_sites.insert(pc, values);
        self
    }

    /// Has unchecked JIT code call `native` directly for the helper call
    /// at slot `pc`; the interpreter and checked code still call the
    /// helper (the table's, or one [`bind_call`](Self::bind_call) binds).
    pub fn bind_native_call(mut self, pc: usize, native: NativeCall) -> Self {
        self.native_sites.insert(pc, native);
        self
    }

    /// Binds the helper call at slot `pc` to `helper` instead of the table
    /// entry of its id: a host specializes one call site, e.g. a tail call
    /// whose map and index the verifier proved constant goes straight to
    /// the slot, with no map or index resolution on the way. Ignored when
    /// the instruction at `pc` is not a helper call.
    pub fn bind_call(mut self, pc: usize, helper: Helper) -> Self {
        self.sites.insert(pc, helper);
        self
    }
}

/// The execution engine of a [`Vm`](crate::Vm).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Engine {
    /// The interpreter: compiles fast, runs everywhere.
    #[default]
    Interpreter,
    /// Native code compiled with Cranelift when the `Vm` is built (x86-64
    /// and aarch64 hosts, cargo feature `jit`, on by default). Same
    /// results, errors and memory modes as the interpreter. Traced runs
    /// ([`Vm::run_traced`](crate::Vm::run_traced)) use the interpreter.
    Jit,
}

impl Engine {
    /// The JIT where this build has it and the host CPU is one it
    /// targets (x86-64, aarch64), else the interpreter: what a host that
    /// wants speed picks.
    pub const fn preferred() -> Engine {
        if cfg!(all(
            feature = "jit",
            any(target_arch = "x86_64", target_arch = "aarch64")
        )) {
            Engine::Jit
        } else {
            Engine::Interpreter
        }
    }
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Engine::Interpreter => "interpreted",
            Engine::Jit => "JIT-compiled",
        })
    }
}
