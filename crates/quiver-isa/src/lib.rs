//! The BPF instruction set of RFC 9669 (ISA v1 to v4) as Rust types.
//!
//! Bytes are decoded once into [`Insn`], a typed instruction that cannot hold
//! a reserved field; [`encode`] is its exact inverse. [`Program`] adds the
//! whole-program structural rules (branch targets, LD_IMM64 pairs, no
//! falling off the end). The `asm` module reads and writes both text
//! syntaxes that BPF users meet: the bpf_conformance/uBPF one and the
//! llvm-objdump/Linux verifier-log one.
//!
//! ```
//! use quiver_isa::{Insn, Program};
//! let bytes = [0xb7, 0x00, 0, 0, 7, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0];
//! let prog = Program::decode(&bytes).unwrap();
//! assert_eq!(prog.insns()[1], Insn::Exit);
//! assert_eq!(prog.to_bytes(), bytes);
//! ```

pub mod asm;
pub mod decode;
pub mod encode;
mod error;
mod insn;

pub mod opcode;
mod program;

pub use decode::{RawInsn, decode_at};
pub use encode::{encode, encode_into};
pub use error::{DecodeError, DecodeErrorKind, Field};
pub use insn::*;
pub use program::Program;
