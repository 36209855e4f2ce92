//! quiver's verifier: abstract interpretation over a BPF program and a host
//! description, in PREVAIL's shape (instructions to safety assertions,
//! checked over clean domains), reporting in the Linux verifier's
//! vocabulary.
//!
//! This crate is being built up: today it holds the abstract domains
//! (tnums, scalar bounds, ALU and branch transfer functions) and the host
//! description ([`host::Host`]: program types, helper and kfunc
//! prototypes) that the analysis will check programs against.

pub mod domain;
pub mod host;
