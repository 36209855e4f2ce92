//! quiver's verifier: abstract interpretation over a BPF program and a host
//! description, in PREVAIL's shape (instructions to safety assertions,
//! checked over clean domains), reporting in the Linux verifier's
//! vocabulary.
//!
//! This crate is being built up domain by domain; today it holds the tnum
//! domain that scalar tracking stands on.

pub mod domain;
