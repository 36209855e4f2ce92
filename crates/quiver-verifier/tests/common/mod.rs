//! Code shared by the integration tests: the verifier agreement corpus
//! (`corpus`) and what the kernel harness needs to load it (`btf`).

// Each test binary uses its own part of this module.
#![allow(dead_code)]

pub mod btf;
pub mod corpus;
