//! Why an object cannot be loaded: always naming the section, symbol or
//! offset at fault.

use crate::btf::BtfError;

/// An object that quiver cannot load.
#[derive(Debug, thiserror::Error)]
pub enum ObjError {
    #[error("not a valid ELF file: {0}")]
    Elf(String),
    #[error("ELF machine is {machine}, expected EM_BPF (247): this is not a BPF object")]
    WrongMachine { machine: u16 },
    #[error(
        "object is big-endian (bpfeb); quiver runs little-endian BPF (compile with -target bpfel or bpf on a little-endian host)"
    )]
    BigEndian,
    #[error("object is 32-bit ELF; BPF objects are ELF64")]
    NotElf64,
    #[error("section {section}: {message}")]
    Section { section: String, message: String },
    #[error("section {section}, offset {offset:#x}: {message}")]
    Reloc {
        section: String,
        offset: u64,
        message: String,
    },
    #[error("symbol {symbol}: {message}")]
    Symbol { symbol: String, message: String },
    #[error("map {map}: {message}")]
    Map { map: String, message: String },
    #[error("program {program}: {message}")]
    Program { program: String, message: String },
    #[error(".BTF: {0}")]
    Btf(BtfError),
    #[error(".BTF.ext: {0}")]
    BtfExt(BtfError),
    #[error("extern {symbol}: {message}")]
    Extern { symbol: String, message: String },
    #[error("struct_ops {var}: {message}")]
    StructOps { var: String, message: String },
    #[error(
        "CO-RE relocation in {program} at insn {insn} ({kind} of {access} in {type_name}): {message}"
    )]
    Core {
        program: String,
        insn: usize,
        kind: &'static str,
        access: String,
        type_name: String,
        message: String,
    },
}

impl ObjError {
    pub(crate) fn section(section: &str, message: impl Into<String>) -> Self {
        ObjError::Section {
            section: section.to_string(),
            message: message.into(),
        }
    }
}
