//! BPF ELF objects as clang builds them for Linux.
//!
//! `quiver-obj` takes bytes and does no I/O.

pub mod btf;
