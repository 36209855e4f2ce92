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
pub mod domain;
pub mod host;
