//! Reading a program from a file the user names: raw bytecode, assembly in
//! either syntax, or a bpf_conformance `.data` file.

use std::path::Path;

use anyhow::{Context, Result, bail};
use quiver_isa::Program;
use quiver_isa::asm::{Syntax, assemble, assemble_auto};

/// How to read a program file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Decide from the contents: `.data` files, text, or raw bytecode.
    Auto,
    /// Raw little-endian bytecode, 8 bytes per slot.
    Raw,
    /// Assembly in the bpf_conformance/uBPF syntax (`mov %r0, 1`).
    Conformance,
    /// Assembly in the llvm-objdump / verifier-log syntax (`r0 = 1`).
    Llvm,
    /// A bpf_conformance test file (`-- asm`, `-- mem`, `-- result`).
    Data,
}

/// A program and, for `.data` files, the memory the test gives it.
pub struct Loaded {
    pub program: Program,
    pub mem: Option<Vec<u8>>,
}

/// Whether the file at `path` is an ELF object (by its magic number).
pub fn is_elf(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && &magic == b"\x7fELF"
}

/// Whether bytes look like text rather than bytecode.
fn is_text(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|s| !s.contains('\0'))
}

/// Reads and decodes or assembles the program in `path`.
pub fn load(path: &Path, format: Format) -> Result<Loaded> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let format = match format {
        Format::Auto if path.extension().is_some_and(|e| e == "data") => Format::Data,
        Format::Auto if is_text(&bytes) && !bytes.is_empty() => Format::Auto,
        Format::Auto => Format::Raw,
        f => f,
    };
    let where_ = path.display();
    let text = || std::str::from_utf8(&bytes).with_context(|| format!("{where_}: not UTF-8 text"));
    let insns = match format {
        Format::Raw => {
            let program =
                Program::decode(&bytes).with_context(|| format!("{where_}: invalid bytecode"))?;
            return Ok(Loaded { program, mem: None });
        }
        Format::Data => {
            let case = crate::conformance::parse(&where_.to_string(), text()?)?;
            let program = crate::conformance::build(&case).map_err(anyhow::Error::msg)?;
            return Ok(Loaded {
                program,
                mem: Some(case.mem),
            });
        }
        Format::Auto => assemble_auto(text()?),
        Format::Conformance => assemble(text()?, Syntax::Conformance),
        Format::Llvm => assemble(text()?, Syntax::Llvm),
    }
    .with_context(|| format!("{where_}: cannot assemble"))?;
    if insns.is_empty() {
        bail!("{where_}: no instructions");
    }
    let program =
        Program::from_insns(insns).with_context(|| format!("{where_}: invalid program"))?;
    Ok(Loaded { program, mem: None })
}
