//! The Cranelift JIT: a program's ops compiled to one native function.
//!
//! - [`translate`]: ops to Cranelift IR (registers are SSA variables,
//!   every branch target a block, ALU semantics as in `semantics.rs`).
//! - [`access`]: loads, stores, atomics and legacy packet loads, checked
//!   (inline test against the live stack, then the run's regions through
//!   `rt_resolve`) or unchecked (direct native accesses).
//! - [`calls`]: bpf-to-bpf calls (an explicit frame stack inside the native
//!   function, returns through a jump table), helper and kfunc calls
//!   through the trampoline, exits.
//! - [`runtime`]: the run context, the functions native code calls, and the
//!   entry point that `Vm::run*` dispatch to.
//!
//! One native function runs a frame of the program the way the
//! interpreter's `exec_frame` does: from an entry (the first instruction,
//! or a function a helper calls back) until that frame exits. Callbacks
//! re-enter the same function through the trampoline. A program that
//! calls anything is compiled as a `tail` function, with a small entry for
//! the host: a tail call from the frame it was entered in is then a jump
//! (`return_call_indirect`) into the next program's function, which
//! replaces it, so a chain of 33 runs in one native frame.
//!
//! Executable memory comes from `cranelift-jit`'s default
//! `SystemMemoryProvider`: code is written into read-write pages that are
//! switched to read-execute (after an icache flush where the CPU needs one)
//! by `finalize_definitions`, so no page is ever writable and executable at
//! once. The memory is freed when the last clone of the [`Vm`](crate::Vm)
//! drops its `Arc<JitCode>`.

mod access;
mod calls;
mod combine;
mod dispatcher;
mod float_divide;
mod invariant;
mod promote;
mod runtime;
mod select;
mod translate;
mod unroll;

use std::sync::{Mutex, OnceLock};

use cranelift_codegen::ir::{AbiParam, InstBuilder, MemFlagsData, Signature, types::I64};
use cranelift_codegen::isa::CallConv;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Linkage, Module, ModuleReloc, ModuleRelocTarget, default_libcall_names};

use crate::error::LoadError;
use crate::op::Op;
use crate::vm::Vm;

pub(crate) use dispatcher::{DispatchCode, compile as compile_dispatcher};
pub(crate) use runtime::{exec, exec_dispatch, exec_leaf, run_nested};

/// A program's native code, shared by every clone of its `Vm`.
pub(crate) struct JitCode {
    entry: runtime::Entry,
    /// The function a tail call jumps to, in place of its caller's frame
    /// (`CallConv::Tail`, r1 as a value: `body_signature`); 0 for a
    /// program that calls nothing, which is compiled as `entry` alone.
    body: usize,
    /// Op indices native code can start at (sorted): the first op, call
    /// targets, functions loaded with `LD_IMM64`. A run enters at a
    /// position in this list.
    entries: Box<[usize]>,
    /// The native code calls nothing (no runtime function, helper or
    /// other program): a run needs one frame of stack and no `Memory`
    /// (`runtime::exec_leaf`).
    leaf: bool,
    /// Loops the code enters through their exit-free iterations
    /// (`unroll.rs`).
    loops_unrolled: usize,
    /// Owns the executable memory; only touched again to free it.
    _memory: CodeMemory,
}

impl JitCode {
    /// Entry number of op `target`, if native code can start there.
    fn entry_of(&self, target: usize) -> Option<usize> {
        self.entries.binary_search(&target).ok()
    }

    /// The native function, for a native tail call into it.
    pub(crate) fn entry_fn(&self) -> runtime::Entry {
        self.entry
    }

    /// Loops entered unrolled.
    pub(crate) fn loops_unrolled(&self) -> usize {
        self.loops_unrolled
    }

    /// Whether runs may take `runtime::exec_leaf`.
    pub(crate) fn is_leaf(&self) -> bool {
        self.leaf
    }

    /// Entry number of the first instruction.
    pub(crate) fn first_entry(&self) -> Option<usize> {
        self.entry_of(0)
    }

    /// The address of the function a native tail call jumps to (0: none,
    /// call `entry_fn`).
    pub(crate) fn body_addr(&self) -> usize {
        self.body
    }
}

/// The executable memory of a module, freed when this drops. It is a
/// field of the code's owner only (`JitCode`, which the last `Vm` holding
/// it drops; `DispatchCode`, which its dispatcher drops), and runs borrow
/// that owner: when it drops, no run is inside the code and its entry
/// points are never called again.
struct CodeMemory(Mutex<Option<JITModule>>);

impl CodeMemory {
    fn new(module: JITModule) -> Self {
        CodeMemory(Mutex::new(Some(module)))
    }
}

impl Drop for CodeMemory {
    fn drop(&mut self) {
        let module = self.0.get_mut().map(Option::take);
        if let Ok(Some(module)) = module {
            // SAFETY: see the type's doc: nothing runs or calls into the
            // code any more.
            unsafe { module.free_memory() };
        }
    }
}

fn jit_error(what: impl std::fmt::Display) -> LoadError {
    LoadError::Jit {
        reason: what.to_string(),
    }
}

/// Bytes of the aligned windows the CPU fetches decoded instructions in
/// (x86-64 op caches): a small loop that straddles two windows, or whose
/// first instruction sits late in one, can run at half speed (measured:
/// the checksum benchmark's loop, 1.1 µs placed as Cranelift left it,
/// 0.34 µs starting a window).
const CODE_WINDOW: u32 = 64;

/// Bytes to put before the code (which starts a window) so that its
/// smallest loop, most likely the innermost and hottest, starts a window:
/// Cranelift aligns functions, not loops. `edges` are the machine code's
/// control-flow edges between block starts. A backward one closes a loop
/// only if its target reaches its source without leaving the range
/// between them: the cold blocks Cranelift lays out at the end branch
/// back into hot code (a checked access's slow path to the access), which
/// is no loop. An edge from a block to its own start is a loop only if
/// the block's code ends with a branch there: an empty block (a split
/// edge) shares its offset with the block it falls into.
fn loop_padding(starts: &[u32], edges: &[(u32, u32)], code: &[u8]) -> u32 {
    let len = code.len() as u32;
    let block_end = |from: u32| starts.iter().copied().find(|&s| s > from).unwrap_or(len);
    // Successors by source, for the reachability walks.
    let mut by_source = edges.to_vec();
    by_source.sort_unstable();
    let successors = |at: u32| {
        let first = by_source.partition_point(|&(from, _)| from < at);
        by_source[first..]
            .iter()
            .take_while(move |&&(from, _)| from == at)
            .map(|&(_, to)| to)
    };
    let reaches = |head: u32, tail: u32| {
        let end = block_end(tail);
        let mut seen = std::collections::BTreeSet::from([head]);
        let mut todo = vec![head];
        while let Some(at) = todo.pop() {
            for to in successors(at) {
                if to == tail {
                    return true;
                }
                if to > head && to < end && seen.insert(to) {
                    todo.push(to);
                }
            }
        }
        false
    };
    // Smallest first: the first that closes a loop is the one.
    let mut candidates: Vec<(u32, u32, u32)> = edges
        .iter()
        .filter(|(from, to)| to <= from)
        .map(|&(from, to)| (block_end(from) - to, to, from))
        .collect();
    candidates.sort_unstable();
    candidates
        .into_iter()
        .find(|&(_, to, from)| {
            if from == to {
                branches_back(code, block_end(from), to)
            } else {
                reaches(to, from)
            }
        })
        .map_or(0, |(_, header, _)| {
            (CODE_WINDOW - header % CODE_WINDOW) % CODE_WINDOW
        })
}

/// Whether the x86-64 block ending at `end` ends with a branch to
/// `target` (`jmp rel32` or `jcc rel32`, possibly before a final
/// `jmp rel32`, the forms Cranelift emits). Other targets: never.
fn branches_back(code: &[u8], end: u32, target: u32) -> bool {
    let end = end as usize;
    let lands = |at: usize, rel: &[u8]| {
        let rel = i32::from_le_bytes([rel[0], rel[1], rel[2], rel[3]]);
        at as i64 + i64::from(rel) == i64::from(target)
    };
    let jmp_at = |e: usize| e >= 5 && code.get(e - 5) == Some(&0xe9) && lands(e, &code[e - 4..e]);
    let jcc_at = |e: usize| {
        e >= 6
            && code.get(e - 6) == Some(&0x0f)
            && code.get(e - 5).is_some_and(|b| b & 0xf0 == 0x80)
            && lands(e, &code[e - 4..e])
    };
    if cfg!(not(target_arch = "x86_64")) || end > code.len() {
        return false;
    }
    jmp_at(end) || jcc_at(end) || (end >= 5 && code[end - 5] == 0xe9 && jcc_at(end - 5))
}

/// The host's target description, built once: probing the CPU and
/// building the ISA costs about as much as compiling a small program.
fn host_isa() -> Result<cranelift_codegen::isa::OwnedTargetIsa, LoadError> {
    static ISA: OnceLock<Result<cranelift_codegen::isa::OwnedTargetIsa, String>> = OnceLock::new();
    ISA.get_or_init(|| {
        let mut flags = settings::builder();
        flags.set("opt_level", "speed").map_err(|e| e.to_string())?;
        // Block offsets and edges, for `loop_padding`.
        flags
            .set("machine_code_cfg_info", "true")
            .map_err(|e| e.to_string())?;
        // The IR is built by `translate`, not by users: skip re-verifying it.
        flags
            .set("enable_verifier", "false")
            .map_err(|e| e.to_string())?;
        // Tail calls (`return_call_indirect`) need frame pointers.
        flags
            .set("preserve_frame_pointers", "true")
            .map_err(|e| e.to_string())?;
        cranelift_native::builder()
            .map_err(|e| e.to_string())?
            .finish(settings::Flags::new(flags))
            .map_err(|e| e.to_string())
    })
    .clone()
    .map_err(jit_error)
}

/// A signature of `params` I64 values, returning one if `ret`: every
/// function native code defines or calls has one.
pub(super) fn signature(call_conv: CallConv, params: usize, ret: bool) -> Signature {
    let mut sig = Signature::new(call_conv);
    sig.params
        .extend(std::iter::repeat_n(AbiParam::new(I64), params));
    if ret {
        sig.returns.push(AbiParam::new(I64));
    }
    sig
}

/// The signature of a program's `tail` function: `(ctx, entry, base, r1,
/// args)`, r1 as a value so that nothing is read from the frame a tail
/// call replaces; r2..r5 at `args` (memory that outlives the call), read
/// only by a program that may use them (`Translator::prologue`). Five
/// parameters: all in registers, none on the stack for each tail call to
/// store and each entry to load.
pub(super) fn tail_signature() -> Signature {
    signature(CallConv::Tail, 5, true)
}

/// Whether `vm` calls anything (helpers, kfuncs, functions, other
/// programs): its native frame then takes part in calls.
pub(super) fn makes_calls(vm: &Vm) -> bool {
    vm.ops.iter().any(|op| {
        matches!(
            op,
            Op::CallLocal { .. } | Op::CallHelper { .. } | Op::CallKfunc { .. } | Op::Callx { .. }
        )
    })
}

/// The signature of a program's native function. A program that calls
/// something is a `tail` function taking `(ctx, entry, base, r1, args)`, so
/// that a tail call into it can replace its caller's frame (the caller
/// must be one too); `entry`, for the host, then wraps it. A program that
/// calls nothing is `entry` itself, `(ctx, entry, base, args)` in the
/// host's convention, with no wrapper to pass through on each run.
pub(super) fn body_signature(vm: &Vm, host: CallConv) -> Signature {
    if makes_calls(vm) {
        tail_signature()
    } else {
        signature(host, 4, true)
    }
}

/// A module for the host with one function declared, `name`, of
/// signature `sig`, and a context for its body.
fn new_function(
    isa: &cranelift_codegen::isa::OwnedTargetIsa,
    name: &str,
    sig: Signature,
) -> Result<
    (
        JITModule,
        cranelift_module::FuncId,
        cranelift_codegen::Context,
    ),
    LoadError,
> {
    let mut module = JITModule::new(JITBuilder::with_isa(isa.clone(), default_libcall_names()));
    let id = module
        .declare_function(name, Linkage::Local, &sig)
        .map_err(jit_error)?;
    let mut ctx = module.make_context();
    ctx.func.signature = sig;
    Ok((module, id, ctx))
}

/// Defines, in `module`, the host's entry into the `tail` function at
/// `body`: `(ctx, entry, base, args)` in the host's convention, r1 read
/// from `args` and passed on with it.
fn define_entry(
    module: &mut JITModule,
    isa: &cranelift_codegen::isa::OwnedTargetIsa,
    body: *const u8,
) -> Result<cranelift_module::FuncId, LoadError> {
    let sig = signature(isa.default_call_conv(), 4, true);
    let id = module
        .declare_function("quiver_entry", Linkage::Local, &sig)
        .map_err(jit_error)?;
    let mut ctx = module.make_context();
    ctx.func.signature = sig;
    let mut fctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
    let body_sig = b.import_signature(tail_signature());
    let start = b.create_block();
    b.append_block_params_for_function_params(start);
    b.switch_to_block(start);
    b.seal_block(start);
    let &[jctx, entry, base, args] = b.block_params(start) else {
        unreachable!("the signature has four parameters");
    };
    let r1 = b.ins().load(I64, MemFlagsData::trusted(), args, 0);
    let params = [jctx, entry, base, r1, args];
    let callee = b.ins().iconst(I64, body.expose_provenance() as u64 as i64);
    let call = b.ins().call_indirect(body_sig, callee, &params);
    let status = b.inst_results(call)[0];
    b.ins().return_(&[status]);
    b.finalize(isa.frontend_config());
    module.define_function(id, &mut ctx).map_err(jit_error)?;
    Ok(id)
}

/// Compiles the ops of `vm` (already built by `compile.rs`) to native code
/// for the host.
pub(crate) fn compile(vm: &Vm) -> Result<JitCode, LoadError> {
    let isa = host_isa()?;
    let sig = body_signature(vm, isa.default_call_conv());
    let tail = sig.call_conv == CallConv::Tail;
    let (mut module, id, mut ctx) = new_function(&isa, "quiver_program", sig)?;
    let (entries, loops_unrolled) = translate::translate(vm, &mut ctx.func, &*isa);
    let (pad, bytes, mach_relocs) = {
        let code = ctx
            .compile(&*isa, &mut Default::default())
            .map_err(|e| jit_error(format!("{:?}", e.inner)))?;
        let pad = loop_padding(&code.bb_starts, &code.bb_edges, code.code_buffer());
        // Never executed: only moves the code.
        let mut bytes = vec![0; pad as usize];
        bytes.extend_from_slice(code.code_buffer());
        (pad, bytes, code.buffer.relocs().to_vec())
    };
    // After compiling, which removed the blocks nothing reaches (the
    // shared error exits of a program that cannot fail).
    let leaf = calls_nothing(&ctx.func);
    let relocs: Vec<ModuleReloc> = mach_relocs
        .iter()
        .map(|r| {
            let mut r = ModuleReloc::from_mach_reloc(r, &ctx.func, id);
            r.offset += pad;
            if let ModuleRelocTarget::FunctionOffset(_, off) = &mut r.name {
                *off += pad;
            }
            r
        })
        .collect();
    module
        .define_function_bytes(id, CODE_WINDOW as u64, &bytes, &relocs)
        .map_err(jit_error)?;
    module.finalize_definitions().map_err(jit_error)?;
    let body = module.get_finalized_function(id).wrapping_add(pad as usize);
    let ptr = if tail {
        let entry = define_entry(&mut module, &isa, body)?;
        module.finalize_definitions().map_err(jit_error)?;
        module.get_finalized_function(entry)
    } else {
        body
    };
    // SAFETY: `ptr` is the finalized (read-execute) code of a function
    // with four I64 parameters and an I64 result in the host's default
    // calling convention, which is `extern "C"`'s: the program's function
    // (`body_signature`) or the entry `define_entry` made for it.
    let entry = unsafe { std::mem::transmute::<*const u8, runtime::Entry>(ptr) };
    Ok(JitCode {
        entry,
        body: if tail { body.expose_provenance() } else { 0 },
        entries: entries.into_boxed_slice(),
        leaf,
        loops_unrolled,
        _memory: CodeMemory::new(module),
    })
}

/// Whether `func` has no call instruction: read from the IR itself, so
/// that no way the translator finds to call out escapes it.
fn calls_nothing(func: &cranelift_codegen::ir::Function) -> bool {
    func.layout.blocks().all(|b| {
        func.layout
            .block_insts(b)
            .all(|i| !func.dfg.insts[i].opcode().is_call())
    })
}

/// Lowers the ops of `vm` for another target (`"aarch64"`,
/// `"x86_64-unknown-linux-gnu"`...) without keeping the code: checks that
/// the translation is target-independent. Returns the code's size.
pub(crate) fn lower_for(vm: &Vm, target: &str) -> Result<usize, LoadError> {
    let mut flags = settings::builder();
    flags.set("opt_level", "speed").map_err(jit_error)?;
    flags
        .set("preserve_frame_pointers", "true")
        .map_err(jit_error)?;
    let isa = cranelift_codegen::isa::lookup_by_name(target)
        .map_err(jit_error)?
        .finish(settings::Flags::new(flags))
        .map_err(jit_error)?;
    let mut func = cranelift_codegen::ir::Function::new();
    func.signature = body_signature(vm, isa.default_call_conv());
    translate::translate(vm, &mut func, &*isa);
    let mut ctx = cranelift_codegen::Context::for_function(func);
    let code = ctx
        .compile(&*isa, &mut Default::default())
        .map_err(|e| jit_error(format!("{:?}", e.inner)))?;
    Ok(code.code_buffer().len())
}

#[cfg(test)]
mod tests {
    use super::loop_padding;

    #[test]
    fn the_smallest_loop_starts_a_window() {
        // Blocks at 0, 10, 40, 70, 90; loops 10..70 (from the block at 40)
        // and 70..100 (from the block at 90, the last one).
        let starts = [0, 10, 40, 70, 90];
        let edges = [(0, 10), (40, 10), (10, 40), (90, 70), (40, 70), (70, 90)];
        let code = [0x90; 100];
        // The smaller loop (70..100, 30 bytes) wins: 70 + 58 = 128.
        assert_eq!(loop_padding(&starts, &edges, &code), 58);
        // No backward edge: no padding.
        assert_eq!(loop_padding(&starts, &[(0, 10), (10, 40)], &code), 0);
    }

    #[test]
    fn branches_from_cold_code_and_empty_blocks_are_no_loops() {
        // A loop 20..60 whose block at 20 checks an access: hit, on to 40;
        // miss, to the cold block at 90 (laid out at the end), which
        // returns to 40. 40 loops back to 20 or leaves to 60. The edge
        // 90 -> 40 is backward, but 40 never reaches 90.
        let starts = [0, 20, 40, 60, 90];
        let edges = [(0, 20), (20, 40), (20, 90), (90, 40), (40, 20), (40, 60)];
        let code = [0x90; 100];
        // Only 20..60 counts: 20 + 44 = 64.
        assert_eq!(loop_padding(&starts, &edges, &code), 44);
        // An empty block at 20 falling into the block at 20 is no loop.
        let starts = [0, 20, 20, 50];
        let edges = [(0, 20), (20, 20), (20, 50)];
        assert_eq!(loop_padding(&starts, &edges, &code), 0);
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn a_block_that_branches_to_itself_is_a_loop() {
        // A block at 64..80 ending with `jb 64` (0f 82, rel32 -22 from 80),
        // and one at 16..32 ending with `jne 16`, then `jmp 48`.
        let mut code = vec![0x90u8; 96];
        code[74..80].copy_from_slice(&[0x0f, 0x82, 0xc0, 0xff, 0xff, 0xff]);
        assert_eq!(loop_padding(&[0, 64, 80], &[(64, 64), (64, 80)], &code), 0);
        code[21..27].copy_from_slice(&[0x0f, 0x85, 0xf5, 0xff, 0xff, 0xff]);
        code[27..32].copy_from_slice(&[0xe9, 0x10, 0x00, 0x00, 0x00]);
        assert_eq!(loop_padding(&[0, 16, 32], &[(16, 16), (16, 48)], &code), 48);
    }
}
