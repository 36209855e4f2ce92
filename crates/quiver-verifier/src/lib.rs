//! quiver's verifier: abstract interpretation over a BPF program and a host
//! description, in PREVAIL's shape (instructions to safety assertions,
//! checked over clean domains), reporting in the Linux verifier's
//! vocabulary.
//!
//! [`verify()`] takes a linked program, its program type, maps and the
//! host description, and either accepts it (with statistics, a log and
//! [`Facts`] for the engines) or rejects it with Linux's message, the
//! failing instruction, its C source line and a hint.
//!
//! - [`domain`]: numbers (tnums and bounds, ALU and branch transfer
//!   functions);
//! - [`state`]: what a path knows: register values, stack slots,
//!   references, locks;
//! - `check`: the transfer function of each instruction family (ALU,
//!   memory, jumps, calls), which checks what the instruction needs;
//! - `explore` and `equiv`: path exploration with state pruning, and the
//!   subsumption test it prunes with; `precision`: which numbers a
//!   decision depended on (so others may differ between pruned paths);
//!   `liveness`: registers that matter;
//! - [`cfg`](mod@cfg): structure (subprograms, blocks, loops) and Linux's
//!   structural errors;
//! - [`assertions`]: the safety conditions of each instruction as data,
//!   the specification the checks implement;
//! - [`host`]: program types, contexts, helper and kfunc prototypes.

pub mod assertions;
pub mod cfg;
mod check;
pub mod domain;
mod equiv;
pub mod error;
mod explore;
pub mod host;
mod liveness;
mod precision;
pub mod state;
pub mod verify;

pub use error::{ErrorKind, VerifyError};
pub use verify::{Accepted, Facts, Input, MapInfo, Options, Rejected, Stats, verify};
