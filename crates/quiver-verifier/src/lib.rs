//! quiver's verifier: abstract interpretation over a BPF program and a host
//! description, in PREVAIL's shape (instructions to safety assertions,
//! checked over clean domains), reporting in the Linux verifier's
//! vocabulary.
//!
//! This crate is being built up: today it holds
//!
//! - [`cfg`](mod@cfg): the control-flow structure of a linked program (subprograms,
//!   basic blocks, call graph, loops) and Linux's structural errors;
//! - [`assertions`]: the safety conditions each instruction needs, as data
//!   for the checker to evaluate;
//! - [`domain`]: the abstract domains (tnums, scalar bounds, ALU and branch
//!   transfer functions);
//! - [`host`]: the host description ([`host::Host`]: program types, helper
//!   and kfunc prototypes) that the analysis checks programs against.

pub mod assertions;
pub mod cfg;
mod check;
pub mod domain;
mod equiv;
pub mod error;
mod explore;
pub mod host;
mod liveness;
pub mod state;
pub mod verify;

pub use error::{ErrorKind, VerifyError};
pub use verify::{Accepted, Facts, Input, MapInfo, Options, Rejected, Stats, verify};
