//! The executable form of a program and its entry points.

use std::collections::BTreeMap;
use std::fmt;

use quiver_isa::{Insn, Program};

use crate::compile::{Tables, compile};
use crate::config::{Config, Engine};
use crate::error::{LoadError, VmError};
use crate::helpers::Helper;
use crate::input::RunInput;
use crate::interp::exec;
use crate::memory::{
    Checked, MAX_BPF_STACK, Mode, RegionRef, Unchecked, stack_reach, with_memory,
    with_packet_memory,
};
use crate::op::Op;
use crate::trace::TraceStep;

/// A program ready to run: compiled once, immutable, shareable between
/// threads, each run with its own registers and stack.
#[derive(Clone)]
pub struct Vm {
    pub(crate) ops: Box<[Op]>,
    pub(crate) insns: Box<[Insn]>,
    pub(crate) pcs: Box<[usize]>,
    /// Helpers and kfuncs sorted by id; ops refer to them by slot.
    pub(crate) helpers: Box<[Helper]>,
    pub(crate) kfuncs: Box<[Helper]>,
    /// Entries of `helpers` that form the id-sorted table (call-site
    /// bindings follow).
    pub(crate) table_len: usize,
    pub(crate) budget: Option<u64>,
    /// Set only by the unsafe [`Vm::new_unchecked`]: the memory module
    /// relies on it (see its doc).
    checked: bool,
    /// Bytes below a frame's top the program can reach, which each run
    /// zeroes: the whole frame when checked, as a forged address may land
    /// anywhere in it.
    pub(crate) stack_reach: usize,
    /// [`Config::starts_with_r1_only`].
    #[cfg_attr(not(feature = "jit"), allow(dead_code))]
    pub(crate) starts_with_r1_only: bool,
    /// Tail-call sites bound to a prog array's cells, by op index.
    #[cfg_attr(not(feature = "jit"), allow(dead_code))]
    pub(crate) tail_sites: BTreeMap<usize, crate::tail::TailSite>,
    /// Lookups unchecked JIT code makes inline, by op index.
    #[cfg(feature = "jit")]
    pub(crate) array_sites: BTreeMap<usize, crate::config::ArrayValues>,
    /// Host functions unchecked JIT code calls directly, by op index.
    #[cfg(feature = "jit")]
    pub(crate) native_sites: BTreeMap<usize, crate::config::NativeCall>,
    /// Native code, when built for [`Engine::Jit`].
    #[cfg(feature = "jit")]
    pub(crate) jit: Option<std::sync::Arc<crate::jit::JitCode>>,
}

impl Vm {
    /// Compiles `program` for checked mode: every memory access is checked
    /// against the regions of the run, so no program can touch memory it
    /// was not given, whatever it does.
    pub fn new(program: &Program, config: Config) -> Result<Vm, LoadError> {
        Vm::build(program, config, true)
    }

    /// Compiles `program` for unchecked mode: loads, stores and atomics
    /// dereference the program's addresses directly, without any check.
    /// Legacy packet loads stay bounds-checked, as in Linux; helpers'
    /// accesses through [`HelperContext`](crate::HelperContext) stay
    /// checked.
    ///
    /// # Safety
    ///
    /// Every run must only access memory that is valid for that access: the
    /// regions handed to the run (with their write permissions), the live
    /// stack frames, and regions helpers add; atomic accesses must be
    /// aligned to their size; with [`Config::stack_depth`], no frame is
    /// accessed deeper than that. That is what a BPF verifier establishes:
    /// call this only for programs a verifier accepted, with inputs
    /// matching what it assumed. Otherwise behaviour is undefined.
    pub unsafe fn new_unchecked(program: &Program, config: Config) -> Result<Vm, LoadError> {
        Vm::build(program, config, false)
    }

    fn build(program: &Program, config: Config, checked: bool) -> Result<Vm, LoadError> {
        // Call-site bindings come after the table, which stays sorted by id
        // for `callx`.
        let table_len = config.helpers.len();
        let helpers: Box<[Helper]> = config
            .helpers
            .iter()
            .chain(config.sites.values())
            .cloned()
            .collect();
        let kfuncs: Box<[Helper]> = config.kfuncs.iter().cloned().collect();
        let sites = config
            .sites
            .keys()
            .enumerate()
            .map(|(n, &pc)| (pc, (table_len + n) as u32))
            .collect();
        let tables = Tables {
            helpers: &helpers[..table_len],
            kfuncs: &kfuncs,
            sites: &sites,
        };
        let ops = compile(program, &tables)?.into_boxed_slice();
        let tail_sites = by_index(program, &config.tail_sites);
        #[cfg(feature = "jit")]
        let array_sites = by_index(program, &config.array_sites);
        #[cfg(feature = "jit")]
        let native_sites = by_index(program, &config.native_sites);
        let vm = Vm {
            ops,
            insns: program.insns().into(),
            pcs: program.iter().map(|(pc, _)| pc).collect(),
            helpers,
            kfuncs,
            table_len,
            budget: config.budget,
            checked,
            stack_reach: if checked {
                MAX_BPF_STACK
            } else {
                let proven = config.stack_depth.unwrap_or(MAX_BPF_STACK);
                stack_reach(program.insns()).min(proven.next_multiple_of(16))
            },
            starts_with_r1_only: config.starts_with_r1_only,
            tail_sites,
            #[cfg(feature = "jit")]
            array_sites,
            #[cfg(feature = "jit")]
            native_sites,
            #[cfg(feature = "jit")]
            jit: None,
        };
        vm.with_engine(config.engine)
    }

    // --- JIT engine selection (kept apart for merges) ---

    #[cfg(feature = "jit")]
    fn with_engine(mut self, engine: Engine) -> Result<Vm, LoadError> {
        if engine == Engine::Jit {
            self.jit = Some(std::sync::Arc::new(crate::jit::compile(&self)?));
        }
        Ok(self)
    }

    #[cfg(not(feature = "jit"))]
    fn with_engine(self, engine: Engine) -> Result<Vm, LoadError> {
        match engine {
            Engine::Interpreter => Ok(self),
            Engine::Jit => Err(LoadError::Jit {
                reason: "quiver-vm was built without its `jit` feature".into(),
            }),
        }
    }

    /// The native code a run enters without a `Memory`, if the program's
    /// calls nothing (see `jit::exec_leaf`).
    #[cfg(feature = "jit")]
    #[inline(always)]
    fn leaf_code(&self) -> Option<&crate::jit::JitCode> {
        self.jit.as_deref().filter(|c| c.is_leaf())
    }

    /// The engine runs use (traced runs always interpret).
    pub fn engine(&self) -> Engine {
        #[cfg(feature = "jit")]
        if self.jit.is_some() {
            return Engine::Jit;
        }
        Engine::Interpreter
    }

    /// Compiles `program` with the JIT for `target` (a target triple or
    /// architecture name such as `"aarch64"`), in checked or unchecked
    /// mode, and discards the code: shows that it lowers there, and how
    /// large it is (bytes). Nothing runs, so unchecked mode is safe here.
    #[cfg(feature = "jit")]
    pub fn jit_code_size_for(
        program: &Program,
        config: Config,
        target: &str,
        checked: bool,
    ) -> Result<usize, LoadError> {
        let vm = Vm::build(program, config.engine(Engine::Interpreter), checked)?;
        crate::jit::lower_for(&vm, target)
    }

    /// How many loops the native code enters through the iterations none of
    /// their exits can be taken in, run unrolled and without tests (a
    /// counted loop's fast path); `None` for the interpreter. What a host
    /// can log, and what tests check the JIT still finds.
    #[cfg(feature = "jit")]
    pub fn jit_loops_unrolled(&self) -> Option<usize> {
        self.jit.as_deref().map(crate::jit::JitCode::loops_unrolled)
    }

    // --- end of JIT engine selection ---

    /// Whether memory accesses are checked (built with [`Vm::new`]).
    pub fn is_checked(&self) -> bool {
        self.checked
    }

    /// The instruction budget of each run, if any.
    pub fn budget(&self) -> Option<u64> {
        self.budget
    }

    /// Runs with the bpf_conformance convention: `r1` = address of `mem` (0
    /// if empty), `r2` = its length; `mem` is the writable region "memory".
    /// Returns `r0`.
    pub fn run(&self, mem: &mut [u8]) -> Result<u64, VmError> {
        self.run_mem(mem, None)
    }

    /// [`run`](Self::run), calling `trace` after every executed
    /// instruction.
    pub fn run_traced(
        &self,
        mem: &mut [u8],
        trace: &mut dyn FnMut(&TraceStep<'_>),
    ) -> Result<u64, VmError> {
        self.run_mem(mem, Some(trace))
    }

    /// Runs with a general input: argument registers, context, packet and
    /// extra regions. Returns `r0`.
    pub fn run_with(&self, input: &mut RunInput<'_>) -> Result<u64, VmError> {
        self.run_input(input, None)
    }

    /// Runs on a context buffer (`r1` points to it) and a packet, both
    /// writable, the packet also what LD_ABS and LD_IND read, plus `extra`
    /// regions: what [`run_with`](Self::run_with) does for
    /// `RunInput::new().context(context).packet(packet)` with `extra` as
    /// raw regions, without building the input. XDP-style hosts call it
    /// on every packet. Returns `r0`.
    #[inline]
    pub fn run_packet(
        &self,
        context: &mut [u8],
        packet: &mut [u8],
        extra: &[crate::memory::Region],
    ) -> Result<u64, VmError> {
        let start = context.as_mut_ptr().expose_provenance() as u64;
        let len = context.len() as u64;
        let args = [start, 0, 0, 0, 0];
        #[cfg(feature = "jit")]
        if let Some(code) = self.leaf_code() {
            // Programs reach the packet through addresses in the context:
            // its bytes are exposed for writing, as a region's are.
            let packet_ptr = packet.as_mut_ptr();
            packet_ptr.expose_provenance();
            let packet = (packet_ptr.cast_const(), packet.len() as u64);
            return crate::jit::exec_leaf(self, code, args, packet, (start, len));
        }
        with_packet_memory(context, packet, extra, self.stack_reach, |m| {
            m.set_context(start, len);
            self.dispatch(m, 0, args, None)
        })
    }

    /// [`run_with`](Self::run_with), calling `trace` after every executed
    /// instruction.
    pub fn run_with_traced(
        &self,
        input: &mut RunInput<'_>,
        trace: &mut dyn FnMut(&TraceStep<'_>),
    ) -> Result<u64, VmError> {
        self.run_input(input, Some(trace))
    }

    /// Runs the subprogram at `func` — the address `LD_IMM64` of a function
    /// gave the program, as a timer or work-queue callback receives it —
    /// with `args` in r1..r5 on `input`'s memory, as the outermost frame:
    /// what a host does when an async callback fires. Returns r0.
    pub fn call_function(
        &self,
        func: u64,
        args: [u64; 5],
        input: &mut RunInput<'_>,
    ) -> Result<u64, VmError> {
        let start = self.function_at(func, 0)?;
        with_memory(
            input.all_regions(),
            input.packet_region(),
            self.stack_reach,
            |m| self.dispatch(m, start, args, None),
        )
    }

    /// The op a function address (`LD_IMM64` of a function) names;
    /// `BadCallback` at `pc` when it names none of this program's.
    pub(crate) fn function_at(&self, func: u64, pc: usize) -> Result<usize, VmError> {
        func.checked_sub(crate::interp::FUNC_BASE)
            .and_then(|t| usize::try_from(t).ok())
            .filter(|&t| t < self.ops.len())
            .ok_or(VmError::BadCallback { pc, addr: func })
    }

    fn run_mem(
        &self,
        mem: &mut [u8],
        trace: Option<&mut dyn FnMut(&TraceStep<'_>)>,
    ) -> Result<u64, VmError> {
        let len = mem.len() as u64;
        if mem.is_empty() {
            return with_memory([], None, self.stack_reach, |m| {
                self.dispatch(m, 0, [0, 0, 0, 0, 0], trace)
            });
        }
        let region = RegionRef::writable("memory".into(), mem);
        let args = [region.addr(), len, 0, 0, 0];
        #[cfg(feature = "jit")]
        if let (Some(code), None) = (self.leaf_code(), &trace) {
            return crate::jit::exec_leaf(self, code, args, (std::ptr::null(), 0), (0, 0));
        }
        with_memory([&region], None, self.stack_reach, |m| {
            self.dispatch(m, 0, args, trace)
        })
    }

    fn run_input(
        &self,
        input: &mut RunInput<'_>,
        trace: Option<&mut dyn FnMut(&TraceStep<'_>)>,
    ) -> Result<u64, VmError> {
        let args = input.registers();
        let context = (
            input.context_addr().unwrap_or(0),
            input.context_len().unwrap_or(0) as u64,
        );
        #[cfg(feature = "jit")]
        if let (Some(code), None) = (self.leaf_code(), &trace) {
            let packet = input
                .packet_region()
                .map_or((std::ptr::null(), 0), RegionRef::bounds);
            return crate::jit::exec_leaf(self, code, args, packet, context);
        }
        with_memory(
            input.all_regions(),
            input.packet_region(),
            self.stack_reach,
            |m| {
                m.set_context(context.0, context.1);
                self.dispatch(m, 0, args, trace)
            },
        )
    }

    fn dispatch(
        &self,
        mem: &mut crate::memory::Memory,
        start: usize,
        args: [u64; 5],
        trace: Option<&mut dyn FnMut(&TraceStep<'_>)>,
    ) -> Result<u64, VmError> {
        // Traced runs interpret.
        #[cfg(feature = "jit")]
        if let (Some(code), None) = (&self.jit, &trace) {
            return crate::jit::exec(self, code, mem, start, args);
        }
        if self.checked {
            self.dispatch_mode::<Checked>(mem, start, args, trace)
        } else {
            self.dispatch_mode::<Unchecked>(mem, start, args, trace)
        }
    }

    fn dispatch_mode<M: Mode>(
        &self,
        mem: &mut crate::memory::Memory,
        start: usize,
        args: [u64; 5],
        trace: Option<&mut dyn FnMut(&TraceStep<'_>)>,
    ) -> Result<u64, VmError> {
        match (trace, self.budget.is_some()) {
            (Some(t), _) => exec::<M, true, true>(self, mem, start, args, t),
            (None, true) => exec::<M, false, true>(self, mem, start, args, &mut |_| {}),
            (None, false) => exec::<M, false, false>(self, mem, start, args, &mut |_| {}),
        }
    }
}

impl fmt::Debug for Vm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vm")
            .field("insns", &self.insns.len())
            .field("checked", &self.checked)
            .field("budget", &self.budget)
            .field("engine", &self.engine())
            .field("helpers", &self.helpers)
            .field("kfuncs", &self.kfuncs)
            .finish()
    }
}

/// Bindings made by slot position, keyed by op index instead (ops run by
/// index).
fn by_index<T: Clone>(program: &Program, sites: &BTreeMap<usize, T>) -> BTreeMap<usize, T> {
    program
        .iter()
        .enumerate()
        .filter_map(|(idx, (pc, _))| Some((idx, sites.get(&pc)?.clone())))
        .collect()
}
