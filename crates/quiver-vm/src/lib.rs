//! BPF execution: a fast interpreter for RFC 9669 programs (ISA v1 to v4)
//! with a checked and an unchecked memory mode.
//!
//! A [`Vm`] compiles a [`Program`](quiver_isa::Program) once into compact
//! internal ops (branch targets resolved, immediates extended, helpers
//! bound) and then runs it any number of times, from any number of threads.
//!
//! - **Checked mode** ([`Vm::new`]): every load, store and atomic is checked
//!   against the regions valid for the run (the memory or context the host
//!   passed, the packet, the live stack frames, regions helpers add) and a
//!   violation stops the run with [`VmError::MemoryViolation`]. No program
//!   can cause undefined behaviour. Use it for untrusted or unverified code,
//!   tests and fuzzing.
//! - **Unchecked mode** ([`Vm::new_unchecked`], `unsafe`): accesses go
//!   straight to the addresses the program computes, for programs a
//!   verifier accepted.
//!
//! Two engines run a `Vm`, chosen with [`Config::engine`]: the
//! interpreter (the default) and, with the `jit` cargo feature (on by
//! default; x86-64 and aarch64 hosts), native code compiled by Cranelift
//! ([`Engine::Jit`]). Both give the same results, errors and memory
//! effects in both memory modes; traced runs always interpret.
//!
//! Semantics follow Linux: 512 bytes of stack per frame
//! ([`MAX_BPF_STACK`]), at most [`MAX_CALL_FRAMES`] frames, division by
//! zero gives 0, `may_goto` jumps after [`BPF_MAX_LOOPS`] iterations, an
//! out-of-bounds LD_ABS/LD_IND ends the program with 0.
//!
//! ```
//! use quiver_isa::{AluOp, Insn, Program, Reg, Size, Source, Width};
//! use quiver_vm::{Config, Vm, VmError};
//!
//! // r0 = *(u32 *)(r1 + 0) * 3  (r1 = the memory passed to `run`)
//! let program = Program::from_insns(vec![
//!     Insn::Load { size: Size::W, sign_extend: false, dst: Reg::R0, src: Reg::R1, off: 0 },
//!     Insn::Alu { width: Width::W64, op: AluOp::Mul, dst: Reg::R0, src: Source::Imm(3) },
//!     Insn::Exit,
//! ])
//! .unwrap();
//! let vm = Vm::new(&program, Config::new()).unwrap();
//! let mut mem = 14u32.to_le_bytes();
//! assert_eq!(vm.run(&mut mem).unwrap(), 42);
//! // Reading past the memory is refused, naming the instruction:
//! let err = vm.run(&mut [1, 2]).unwrap_err();
//! assert!(matches!(err, VmError::MemoryViolation { pc: 0, size: 4, write: false, .. }));
//! assert!(err.to_string().starts_with("insn 0: invalid read of 4 bytes at 0x"));
//! assert!(err.to_string().ends_with(": crosses the end of region memory"));
//! ```

#![deny(missing_docs)]

mod compile;
mod config;
mod dispatch;
mod error;
mod helpers;
mod input;
mod interp;
#[cfg(feature = "jit")]
mod jit;
mod memory;
mod op;
mod semantics;
mod tail;
mod trace;
mod vm;

pub use config::{ArrayValues, Config, Engine, NativeCall, NativeFn};
pub use dispatch::{DispatchRoute, Dispatcher};
pub use error::{HelperError, LoadError, MemoryError, ViolationReason, VmError};
pub use helpers::{Helper, HelperContext, HelperFn, Helpers, Kfuncs};
pub use input::RunInput;
pub use interp::{BPF_MAX_LOOPS, MAX_TAIL_CALL_CNT};
pub use memory::{MAX_BPF_STACK, MAX_CALL_FRAMES, Region, RegionName};
pub use tail::{NativeTarget, TailMisses, TailTable};
pub use trace::TraceStep;
pub use vm::Vm;
