//! The ELF layer: sections, symbols and relocations of a BPF object,
//! gathered once with `object` into plain tables the rest of the crate reads.

use std::collections::HashMap;

use object::elf;
use object::read::elf::{ElfFile64, FileHeader, SectionHeader};
use object::{
    Endianness, Object, ObjectSection, ObjectSymbol, RelocationFlags, RelocationTarget,
    SectionIndex,
};

use crate::error::ObjError;

/// What a section holds, as far as loading is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecClass {
    /// Executable instructions.
    Code,
    /// Initialised data (`.data*`, `.rodata*`).
    Data,
    /// Zero-initialised data (`.bss*`).
    Bss,
    /// Anything else (BTF, debug info, license, `.maps`...).
    Other,
}

/// One section.
#[derive(Clone, Debug)]
pub struct Sec {
    pub index: usize,
    pub name: String,
    pub class: SecClass,
    pub size: u64,
    pub data: Vec<u8>,
}

/// One symbol.
#[derive(Clone, Debug)]
pub struct Sym {
    pub name: String,
    /// Section index, `None` for undefined (extern) symbols.
    pub section: Option<usize>,
    pub value: u64,
    pub size: u64,
    pub is_func: bool,
    pub is_section: bool,
    pub is_global: bool,
    pub is_weak: bool,
}

/// One relocation: the byte offset it patches and the symbol it names.
#[derive(Clone, Debug)]
pub struct Rel {
    pub offset: u64,
    pub symbol: usize,
    pub r_type: u32,
}

/// The tables of an ELF file.
#[derive(Debug, Default)]
pub struct Elf {
    pub sections: Vec<Sec>,
    pub symbols: Vec<Sym>,
    /// Relocations by the index of the section they patch.
    pub relocs: HashMap<usize, Vec<Rel>>,
}

impl Elf {
    /// The section with this name.
    pub fn section_named(&self, name: &str) -> Option<&Sec> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// The section with this index.
    pub fn section(&self, index: usize) -> Option<&Sec> {
        self.sections.iter().find(|s| s.index == index)
    }

    /// The named (non-section) symbols defined in section `index`, by
    /// offset.
    pub fn symbols_in(&self, index: usize) -> Vec<&Sym> {
        let mut syms: Vec<&Sym> = self
            .symbols
            .iter()
            .filter(|s| s.section == Some(index) && !s.is_section)
            .collect();
        syms.sort_by_key(|s| s.value);
        syms
    }

    /// The relocations that patch section `index`, by offset.
    pub fn relocs_of(&self, index: usize) -> &[Rel] {
        self.relocs.get(&index).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// Reads the tables of a BPF ELF object.
pub fn read(bytes: &[u8]) -> Result<Elf, ObjError> {
    // Check the identification bytes ourselves, so that a 32-bit or
    // big-endian object gets its own message rather than a parse error.
    if bytes.len() < 20 || &bytes[..4] != b"\x7fELF" {
        return Err(ObjError::Elf("missing ELF magic (\\x7fELF)".into()));
    }
    if bytes[4] != elf::ELFCLASS64 {
        return Err(ObjError::NotElf64);
    }
    if bytes[5] == elf::ELFDATA2MSB {
        return Err(ObjError::BigEndian);
    }
    let file = ElfFile64::<Endianness>::parse(bytes).map_err(|e| ObjError::Elf(e.to_string()))?;
    let endian = file.endian();
    let machine = file.elf_header().e_machine(endian);
    if machine != elf::EM_BPF {
        return Err(ObjError::WrongMachine { machine });
    }
    let mut out = Elf::default();
    for section in file.sections() {
        let name = section
            .name()
            .map_err(|e| ObjError::Elf(format!("section {}: bad name: {e}", section.index().0)))?;
        let header = section.elf_section_header();
        let sh_type = header.sh_type(endian);
        let sh_flags = header.sh_flags(endian);
        let class = if sh_type == elf::SHT_PROGBITS && sh_flags & elf::SHF_EXECINSTR as u64 != 0 {
            SecClass::Code
        } else if sh_type == elf::SHT_NOBITS && (name == ".bss" || name.starts_with(".bss.")) {
            SecClass::Bss
        } else if sh_type == elf::SHT_PROGBITS
            && sh_flags & elf::SHF_ALLOC as u64 != 0
            && (name == ".data"
                || name.starts_with(".data.")
                || name == ".rodata"
                || name.starts_with(".rodata."))
        {
            SecClass::Data
        } else {
            SecClass::Other
        };
        // Debug info is large and nothing here reads it: skip copying it
        // and its relocations.
        let debug = name.starts_with(".debug")
            || name.starts_with(".rel.debug")
            || name.starts_with(".llvm");
        let data = if sh_type == elf::SHT_NOBITS || debug {
            Vec::new()
        } else {
            section
                .data()
                .map_err(|e| ObjError::section(name, format!("contents out of bounds: {e}")))?
                .to_vec()
        };
        out.sections.push(Sec {
            index: section.index().0,
            name: name.to_string(),
            class,
            size: section.size(),
            data,
        });
        if debug {
            continue;
        }
        let mut rels = Vec::new();
        for (offset, rel) in section.relocations() {
            let RelocationTarget::Symbol(sym) = rel.target() else {
                return Err(ObjError::Reloc {
                    section: name.to_string(),
                    offset,
                    message: "relocation does not name a symbol".into(),
                });
            };
            let r_type = match rel.flags() {
                RelocationFlags::Elf { r_type } => r_type,
                _ => 0,
            };
            rels.push(Rel {
                offset,
                symbol: sym.0,
                r_type,
            });
        }
        if !rels.is_empty() {
            out.relocs.insert(section.index().0, rels);
        }
    }
    // Symbol index 0 is the null symbol; keep indices equal to ELF's.
    let count = file.symbols().map(|s| s.index().0 + 1).max().unwrap_or(1);
    out.symbols = vec![
        Sym {
            name: String::new(),
            section: None,
            value: 0,
            size: 0,
            is_func: false,
            is_section: false,
            is_global: false,
            is_weak: false,
        };
        count
    ];
    for sym in file.symbols() {
        let name = sym
            .name()
            .map_err(|e| ObjError::Elf(format!("symbol {}: bad name: {e}", sym.index().0)))?;
        let section = sym.section_index().map(|SectionIndex(i)| i);
        out.symbols[sym.index().0] = Sym {
            name: name.to_string(),
            section,
            value: sym.address(),
            size: sym.size(),
            is_func: sym.kind() == object::SymbolKind::Text,
            is_section: sym.kind() == object::SymbolKind::Section,
            is_global: sym.is_global(),
            is_weak: sym.is_weak(),
        };
    }
    // Section symbols carry no name of their own: give them their section's.
    for i in 0..out.symbols.len() {
        if out.symbols[i].is_section
            && out.symbols[i].name.is_empty()
            && let Some(sec) = out.symbols[i].section.and_then(|s| out.section(s))
        {
            out.symbols[i].name = sec.name.clone();
        }
    }
    for (section, rels) in &out.relocs {
        for rel in rels {
            if rel.symbol >= out.symbols.len() {
                let name = out.section(*section).map_or("?", |s| s.name.as_str());
                return Err(ObjError::Reloc {
                    section: name.to_string(),
                    offset: rel.offset,
                    message: format!(
                        "relocation names symbol {} which does not exist",
                        rel.symbol
                    ),
                });
            }
        }
    }
    Ok(out)
}
