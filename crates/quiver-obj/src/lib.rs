//! BPF ELF objects as clang builds them for Linux: programs by libbpf's
//! section conventions linked with their subprograms, BTF-defined and
//! legacy maps, global data, BTF and BTF.ext (func and line info, CO-RE),
//! externs (kfuncs, ksyms, kconfig) and struct_ops variables.
//!
//! `quiver-obj` takes bytes and does no I/O. Map references are left as
//! loader-relative indices (`LD_IMM64` with `Pseudo::MapIdx` /
//! `Pseudo::MapIdxValue`), kfunc calls as externs to resolve by name: the
//! runtime binds both.

pub mod btf;
pub mod core;
mod elf;
mod error;
pub mod maps;
mod object;
pub mod section;
mod struct_ops;

pub use error::ObjError;
pub use object::{
    Extern, ExternKind, InsnReloc, ObjProgram, Object, RelocTarget, SectionSummary, Subprog,
    line_at,
};
pub use struct_ops::StructOpsVar;
