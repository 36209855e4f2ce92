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
//! re-enter the same function through the trampoline.
//!
//! Executable memory comes from `cranelift-jit`'s default
//! `SystemMemoryProvider`: code is written into read-write pages that are
//! switched to read-execute (after an icache flush where the CPU needs one)
//! by `finalize_definitions`, so no page is ever writable and executable at
//! once. The memory is freed when the last clone of the [`Vm`](crate::Vm)
//! drops its `Arc<JitCode>`.

mod access;
mod calls;
mod runtime;
mod translate;

use std::sync::{Mutex, OnceLock};

use cranelift_codegen::ir::{AbiParam, types::I64};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Linkage, Module, default_libcall_names};

use crate::error::LoadError;
use crate::vm::Vm;

pub(crate) use runtime::{exec, run_nested};

/// A program's native code, shared by every clone of its `Vm`.
pub(crate) struct JitCode {
    entry: runtime::Entry,
    /// Op indices native code can start at (sorted): the first op, call
    /// targets, functions loaded with `LD_IMM64`. A run enters at a
    /// position in this list.
    entries: Box<[usize]>,
    /// Owns the executable memory; only touched again to free it.
    module: Mutex<Option<JITModule>>,
}

impl JitCode {
    /// Entry number of op `target`, if native code can start there.
    fn entry_of(&self, target: usize) -> Option<usize> {
        self.entries.binary_search(&target).ok()
    }
}

impl Drop for JitCode {
    fn drop(&mut self) {
        let module = self.module.get_mut().map(Option::take);
        if let Ok(Some(module)) = module {
            // SAFETY: the last `Vm` holding this code is being dropped, so
            // no run is executing it (runs borrow the `Vm`) and `entry` is
            // never called again.
            unsafe { module.free_memory() };
        }
    }
}

fn jit_error(what: impl std::fmt::Display) -> LoadError {
    LoadError::Jit {
        reason: what.to_string(),
    }
}

/// The host's target description, built once: probing the CPU and
/// building the ISA costs about as much as compiling a small program.
fn host_isa() -> Result<cranelift_codegen::isa::OwnedTargetIsa, LoadError> {
    static ISA: OnceLock<Result<cranelift_codegen::isa::OwnedTargetIsa, String>> = OnceLock::new();
    ISA.get_or_init(|| {
        let mut flags = settings::builder();
        flags.set("opt_level", "speed").map_err(|e| e.to_string())?;
        // The IR is built by `translate`, not by users: skip re-verifying it.
        flags
            .set("enable_verifier", "false")
            .map_err(|e| e.to_string())?;
        cranelift_native::builder()
            .map_err(|e| e.to_string())?
            .finish(settings::Flags::new(flags))
            .map_err(|e| e.to_string())
    })
    .clone()
    .map_err(jit_error)
}

/// Compiles the ops of `vm` (already built by `compile.rs`) to native code
/// for the host.
pub(crate) fn compile(vm: &Vm) -> Result<JitCode, LoadError> {
    let isa = host_isa()?;
    let mut module = JITModule::new(JITBuilder::with_isa(isa.clone(), default_libcall_names()));

    let mut sig = module.make_signature();
    sig.params.extend([AbiParam::new(I64); 4]);
    sig.returns.push(AbiParam::new(I64));
    let id = module
        .declare_function("quiver_program", Linkage::Local, &sig)
        .map_err(jit_error)?;
    let mut ctx = module.make_context();
    ctx.func.signature = sig;
    let entries = translate::translate(vm, &mut ctx.func, &*isa);
    module.define_function(id, &mut ctx).map_err(jit_error)?;
    module.finalize_definitions().map_err(jit_error)?;
    let ptr = module.get_finalized_function(id);
    // SAFETY: `ptr` is the finalized (read-execute) code of the function
    // just defined with `sig`: four I64 parameters and an I64 result in
    // the host's default calling convention, which is `extern "C"`'s.
    let entry = unsafe { std::mem::transmute::<*const u8, runtime::Entry>(ptr) };
    Ok(JitCode {
        entry,
        entries: entries.into_boxed_slice(),
        module: Mutex::new(Some(module)),
    })
}

/// Lowers the ops of `vm` for another target (`"aarch64"`,
/// `"x86_64-unknown-linux-gnu"`...) without keeping the code: checks that
/// the translation is target-independent. Returns the code's size.
pub(crate) fn lower_for(vm: &Vm, target: &str) -> Result<usize, LoadError> {
    let mut flags = settings::builder();
    flags.set("opt_level", "speed").map_err(jit_error)?;
    let isa = cranelift_codegen::isa::lookup_by_name(target)
        .map_err(jit_error)?
        .finish(settings::Flags::new(flags))
        .map_err(jit_error)?;
    let mut func = cranelift_codegen::ir::Function::new();
    func.signature = cranelift_codegen::ir::Signature::new(isa.default_call_conv());
    func.signature.params.extend([AbiParam::new(I64); 4]);
    func.signature.returns.push(AbiParam::new(I64));
    translate::translate(vm, &mut func, &*isa);
    let mut ctx = cranelift_codegen::Context::for_function(func);
    let code = ctx
        .compile(&*isa, &mut Default::default())
        .map_err(|e| jit_error(format!("{:?}", e.inner)))?;
    Ok(code.code_buffer().len())
}
