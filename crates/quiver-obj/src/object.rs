//! The loaded object: programs linked with their subprograms and relocated
//! to loader-relative map indices, maps, externs, struct_ops variables and
//! debug info.

use std::collections::HashMap;

use quiver_isa::{CallTarget, Insn, Pseudo, decode_at};

use crate::btf::{Btf, BtfExt, BtfType, CoreRelo, FuncLinkage, LineInfo, TypeId, VarLinkage};
use crate::elf::{self, Elf, SecClass};
use crate::error::ObjError;
use crate::maps::{MapOrigin, ObjMap, global_data_map, parse_btf_def, parse_legacy_def};
use crate::section::{SectionKind, classify};
use crate::struct_ops::{StructOpsVar, read_struct_ops};

/// ELF relocation types of BPF.
const R_BPF_64_64: u32 = 1;

/// What a relocated instruction refers to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RelocTarget {
    /// LD_IMM64 of a map (`Pseudo::MapIdx` with the map's index).
    Map { map: usize },
    /// LD_IMM64 of an address inside a global data map
    /// (`Pseudo::MapIdxValue`).
    MapValue { map: usize, offset: u32 },
    /// A kfunc call or a ksym/kconfig load naming an extern.
    Extern { index: usize },
}

/// A relocated instruction of a linked program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InsnReloc {
    /// Slot index in the linked program.
    pub pc: usize,
    pub target: RelocTarget,
}

/// A function of a linked program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subprog {
    pub name: String,
    /// First slot in the linked program.
    pub pc: usize,
    /// Its BTF `FUNC`, from func info.
    pub btf_func: Option<TypeId>,
}

/// A program ready for a verifier: its entry function first, every
/// subprogram it reaches appended, all calls relative to the linked layout.
#[derive(Clone, Debug)]
pub struct ObjProgram {
    pub name: String,
    pub section: String,
    /// What the section name says; `None` when libbpf would not recognise it.
    pub kind: Option<SectionKind>,
    pub insns: Vec<Insn>,
    /// Functions, the entry first.
    pub funcs: Vec<Subprog>,
    pub relocs: Vec<InsnReloc>,
    /// Source lines by slot, when the object has BTF.ext line info.
    pub lines: Vec<(usize, LineInfo)>,
    /// CO-RE relocations by slot, to resolve against a target BTF.
    pub core_relos: Vec<(usize, CoreRelo)>,
}

impl ObjProgram {
    /// The source line of slot `pc`: the last line-info record at or before it.
    pub fn line_at(&self, pc: usize) -> Option<&LineInfo> {
        line_at(&self.lines, pc)
    }

    /// Number of 8-byte slots.
    pub fn slot_count(&self) -> usize {
        self.insns.iter().map(Insn::slots).sum()
    }
}

/// The source line of slot `pc` in line info sorted by slot: the last
/// record at or before it.
pub fn line_at(lines: &[(usize, LineInfo)], pc: usize) -> Option<&LineInfo> {
    let n = lines.partition_point(|(p, _)| *p <= pc);
    n.checked_sub(1).map(|i| &lines[i].1)
}

/// What kind of extern symbol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExternKind {
    /// A kernel (host) function called as a kfunc; its BTF `FUNC_PROTO`.
    Kfunc { proto: Option<TypeId> },
    /// A kernel (host) variable in `.ksyms`.
    Ksym { ty: Option<TypeId> },
    /// A `.kconfig` value (`LINUX_KERNEL_VERSION`, `CONFIG_*`).
    Kconfig { ty: Option<TypeId> },
}

/// An extern the host must resolve by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extern {
    pub name: String,
    pub kind: ExternKind,
    /// Weak externs may be absent: programs test for them.
    pub weak: bool,
}

/// A section, for `inspect`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionSummary {
    pub name: String,
    pub size: u64,
    pub relocations: usize,
}

/// A parsed and linked BPF object.
#[derive(Clone, Debug)]
pub struct Object {
    pub license: Option<String>,
    pub kern_version: Option<u32>,
    pub programs: Vec<ObjProgram>,
    pub maps: Vec<ObjMap>,
    pub externs: Vec<Extern>,
    pub struct_ops: Vec<StructOpsVar>,
    pub btf: Option<Btf>,
    pub btf_ext: Option<BtfExt>,
    pub sections: Vec<SectionSummary>,
}

/// A function symbol in a code section.
#[derive(Clone, Debug)]
struct Func {
    name: String,
    section: usize,
    /// Slot range within the section.
    start: usize,
    len: usize,
    global: bool,
}

/// A code section decoded into slots.
struct Code {
    name: String,
    /// Decoded instructions keyed by slot.
    insns: Vec<Option<Insn>>,
}

impl Object {
    /// Parses, relocates and links an object.
    pub fn parse(bytes: &[u8]) -> Result<Object, ObjError> {
        // The ELF reader wants its headers aligned; bytes from anywhere
        // (`include_bytes!`, a slice of a larger buffer) are copied into
        // aligned memory first.
        let mut copy = Vec::new();
        let bytes = if bytes.as_ptr().align_offset(8) != 0 {
            copy.resize(bytes.len() + 7, 0u8);
            let at = copy.as_ptr().align_offset(8).min(7);
            copy[at..at + bytes.len()].copy_from_slice(bytes);
            &copy[at..at + bytes.len()]
        } else {
            bytes
        };
        let elf = elf::read(bytes)?;
        Loader::new(&elf)?.load()
    }

    /// The program with this name.
    pub fn program(&self, name: &str) -> Option<&ObjProgram> {
        self.programs.iter().find(|p| p.name == name)
    }

    /// The map with this name.
    pub fn map(&self, name: &str) -> Option<&ObjMap> {
        self.maps.iter().find(|m| m.name == name)
    }
}

struct Loader<'e> {
    elf: &'e Elf,
    btf: Option<Btf>,
    btf_ext: Option<BtfExt>,
    maps: Vec<ObjMap>,
    /// (section index, symbol offset) of BTF/legacy map symbols -> map index.
    map_syms: HashMap<(usize, u64), usize>,
    /// Section index of a global data section -> map index.
    data_maps: HashMap<usize, usize>,
    externs: Vec<Extern>,
    code: HashMap<usize, Code>,
    funcs: Vec<Func>,
}

impl<'e> Loader<'e> {
    fn new(elf: &'e Elf) -> Result<Self, ObjError> {
        let btf = match elf.section_named(".BTF") {
            Some(s) => Some(Btf::parse(&s.data).map_err(ObjError::Btf)?),
            None => None,
        };
        let btf_ext = match (elf.section_named(".BTF.ext"), &btf) {
            (Some(s), Some(b)) => Some(BtfExt::parse(&s.data, b).map_err(ObjError::BtfExt)?),
            _ => None,
        };
        Ok(Loader {
            elf,
            btf,
            btf_ext,
            maps: Vec::new(),
            map_syms: HashMap::new(),
            data_maps: HashMap::new(),
            externs: Vec::new(),
            code: HashMap::new(),
            funcs: Vec::new(),
        })
    }

    fn load(mut self) -> Result<Object, ObjError> {
        self.collect_maps()?;
        self.collect_code()?;
        let struct_ops = read_struct_ops(self.elf, self.btf.as_ref())?;
        let mut programs = Vec::new();
        let entries: Vec<Func> = self
            .funcs
            .iter()
            .filter(|f| self.code.get(&f.section).is_some_and(|c| c.name != ".text") && f.global)
            .cloned()
            .collect();
        for f in &entries {
            programs.push(self.link(f)?);
        }
        let license = self.elf.section_named("license").map(|s| {
            let end = s.data.iter().position(|&b| b == 0).unwrap_or(s.data.len());
            String::from_utf8_lossy(&s.data[..end]).into_owned()
        });
        let kern_version = self
            .elf
            .section_named("version")
            .filter(|s| s.data.len() == 4)
            .map(|s| u32::from_le_bytes([s.data[0], s.data[1], s.data[2], s.data[3]]));
        let sections = self
            .elf
            .sections
            .iter()
            .filter(|s| !s.name.is_empty())
            .map(|s| SectionSummary {
                name: s.name.clone(),
                size: s.size,
                relocations: self.elf.relocs_of(s.index).len(),
            })
            .collect();
        Ok(Object {
            license,
            kern_version,
            programs,
            maps: self.maps,
            externs: self.externs,
            struct_ops,
            btf: self.btf,
            btf_ext: self.btf_ext,
            sections,
        })
    }

    /// Maps from `.maps`, `maps` and the global data sections.
    fn collect_maps(&mut self) -> Result<(), ObjError> {
        let elf = self.elf;
        if let Some(sec) = elf.section_named(".maps") {
            let btf = self.btf.as_ref().ok_or_else(|| {
                ObjError::section(
                    ".maps",
                    "BTF-defined maps need the object's .BTF: compile with -g",
                )
            })?;
            let datasec = btf
                .find(".maps", |t| matches!(t, BtfType::Datasec { .. }))
                .and_then(|id| match btf.get(id) {
                    Some(BtfType::Datasec { vars, .. }) => Some(vars.clone()),
                    _ => None,
                })
                .ok_or_else(|| ObjError::section(".maps", "no DATASEC .maps in BTF"))?;
            let syms = elf.symbols_in(sec.index);
            for sym in syms {
                let var = datasec.iter().find_map(|v| match btf.get(v.ty) {
                    Some(BtfType::Var { name, ty, .. }) if *name == sym.name => Some(*ty),
                    _ => None,
                });
                let Some(def_ty) = var else {
                    return Err(ObjError::Map {
                        map: sym.name.clone(),
                        message: "no BTF VAR describes it".into(),
                    });
                };
                let (def, values_off) = parse_btf_def(btf, &sym.name, def_ty, 0)?;
                let mut init_slots = Vec::new();
                if let Some(bit_off) = values_off {
                    let base = sym.value.saturating_add(bit_off as u64 / 8);
                    for rel in elf.relocs_of(sec.index) {
                        if rel.offset >= base && rel.offset < sym.value.saturating_add(sym.size) {
                            let slot = ((rel.offset - base) / 8) as u32;
                            init_slots.push((slot, elf.symbols[rel.symbol].name.clone()));
                        }
                    }
                }
                self.map_syms
                    .insert((sec.index, sym.value), self.maps.len());
                self.maps.push(ObjMap {
                    name: sym.name.clone(),
                    section: ".maps".into(),
                    def,
                    origin: MapOrigin::Btf,
                    initial: Vec::new(),
                    init_slots,
                });
            }
        }
        if let Some(sec) = elf.section_named("maps") {
            let syms = elf.symbols_in(sec.index);
            if !syms.is_empty() {
                let def_size = sec.data.len() / syms.len();
                for sym in syms {
                    let start = sym.value as usize;
                    let bytes = sec
                        .data
                        .get(start..start.saturating_add(def_size))
                        .ok_or_else(|| ObjError::Map {
                            map: sym.name.clone(),
                            message: format!("definition at offset {start} overruns section maps"),
                        })?;
                    let def = parse_legacy_def(&sym.name, bytes)?;
                    self.map_syms
                        .insert((sec.index, sym.value), self.maps.len());
                    self.maps.push(ObjMap {
                        name: sym.name.clone(),
                        section: "maps".into(),
                        def,
                        origin: MapOrigin::Legacy,
                        initial: Vec::new(),
                        init_slots: Vec::new(),
                    });
                }
            }
        }
        for sec in &elf.sections {
            if !matches!(sec.class, SecClass::Data | SecClass::Bss) || sec.size == 0 {
                continue;
            }
            let size = u32::try_from(sec.size).map_err(|_| {
                ObjError::section(
                    &sec.name,
                    format!("global data of {} bytes is too large", sec.size),
                )
            })?;
            let initial = if sec.class == SecClass::Bss {
                vec![0; size as usize]
            } else {
                sec.data.clone()
            };
            self.data_maps.insert(sec.index, self.maps.len());
            self.maps.push(global_data_map(&sec.name, size, initial));
        }
        Ok(())
    }

    /// Decodes code sections and finds their functions.
    fn collect_code(&mut self) -> Result<(), ObjError> {
        for sec in self
            .elf
            .sections
            .iter()
            .filter(|s| s.class == SecClass::Code)
        {
            if sec.data.len() % 8 != 0 {
                return Err(ObjError::section(
                    &sec.name,
                    format!("size {} is not a multiple of 8", sec.data.len()),
                ));
            }
            let slots: Vec<[u8; 8]> = sec
                .data
                .chunks_exact(8)
                .map(|c| [c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])
                .collect();
            let mut insns = vec![None; slots.len()];
            let mut pc = 0;
            while pc < slots.len() {
                let insn = decode_at(&slots, pc).map_err(|e| {
                    ObjError::section(&sec.name, format!("offset {:#x}: {}", e.pc * 8, e.kind))
                })?;
                insns[pc] = Some(insn);
                pc += insn.slots();
            }
            self.code.insert(
                sec.index,
                Code {
                    name: sec.name.clone(),
                    insns,
                },
            );
        }
        for sym in &self.elf.symbols {
            let Some(section) = sym.section else { continue };
            if !sym.is_func || !self.code.contains_key(&section) {
                continue;
            }
            if sym.value % 8 != 0 || sym.size % 8 != 0 || sym.size == 0 {
                return Err(ObjError::Symbol {
                    symbol: sym.name.clone(),
                    message: format!(
                        "function at offset {:#x} of size {} is not instruction-aligned",
                        sym.value, sym.size
                    ),
                });
            }
            let len = self.code[&section].insns.len();
            let (start, n) = ((sym.value / 8) as usize, (sym.size / 8) as usize);
            if start + n > len {
                return Err(ObjError::Symbol {
                    symbol: sym.name.clone(),
                    message: format!("function extends past the end of its section ({len} slots)"),
                });
            }
            self.funcs.push(Func {
                name: sym.name.clone(),
                section,
                start,
                len: n,
                global: sym.is_global,
            });
        }
        self.funcs.sort_by_key(|f| (f.section, f.start));
        Ok(())
    }

    fn func_at(&self, section: usize, slot: usize) -> Option<&Func> {
        self.funcs
            .iter()
            .find(|f| f.section == section && f.start == slot)
    }

    /// Links one entry program with every subprogram it reaches.
    fn link(&mut self, entry: &Func) -> Result<ObjProgram, ObjError> {
        let prog_name = entry.name.clone();
        let perr = |message: String| ObjError::Program {
            program: prog_name.clone(),
            message,
        };
        let mut pieces: Vec<Func> = vec![entry.clone()];
        let mut out: Vec<Insn> = Vec::new();
        let mut piece_pc: Vec<usize> = Vec::new();
        // (index into `out`, piece index of the target, offset of the
        // target within that piece) for branches to fix once laid out.
        let mut calls: Vec<(usize, usize, usize)> = Vec::new();
        let mut relocs = Vec::new();
        let mut slot = 0usize;
        let mut i = 0;
        while i < pieces.len() {
            let piece = pieces[i].clone();
            piece_pc.push(slot);
            let sec_name = self.code[&piece.section].name.clone();
            let rels: HashMap<u64, elf::Rel> = self
                .elf
                .relocs_of(piece.section)
                .iter()
                .filter(|r| {
                    r.offset / 8 >= piece.start as u64
                        && r.offset / 8 < (piece.start + piece.len) as u64
                })
                .map(|r| (r.offset, r.clone()))
                .collect();
            let mut s = piece.start;
            while s < piece.start + piece.len {
                let Some(mut insn) = self.code[&piece.section].insns[s] else {
                    return Err(perr(format!(
                        "function {} ends inside an LD_IMM64",
                        piece.name
                    )));
                };
                let off = s as u64 * 8;
                let rel = rels.get(&off);
                let reloc_err = |message: String| ObjError::Reloc {
                    section: sec_name.clone(),
                    offset: off,
                    message,
                };
                // Where a call or function address goes, as (section, slot).
                let mut branch: Option<(usize, usize)> = None;
                match (&mut insn, rel) {
                    // clang emits calls to extern functions (kfuncs) as
                    // pc-relative calls relocated against the undefined symbol.
                    (Insn::Call(CallTarget::Local(_) | CallTarget::Helper(_)), Some(r))
                        if self.elf.symbols[r.symbol].section.is_none() =>
                    {
                        let index = self.extern_for(r.symbol, true).map_err(reloc_err)?;
                        insn = Insn::Call(CallTarget::Kfunc {
                            btf_id: 0,
                            module: 0,
                        });
                        relocs.push(InsnReloc {
                            pc: slot,
                            target: RelocTarget::Extern { index },
                        });
                    }
                    (Insn::Call(CallTarget::Local(imm)), r) => {
                        let target = match r {
                            Some(r) => {
                                let sym = &self.elf.symbols[r.symbol];
                                let sec = sym.section.ok_or_else(|| {
                                    reloc_err(format!("call to undefined {}", sym.name))
                                })?;
                                (sec, (sym.value / 8) as i64 + *imm as i64 + 1)
                            }
                            None => (piece.section, s as i64 + *imm as i64 + 1),
                        };
                        branch = Some((
                            target.0,
                            usize::try_from(target.1)
                                .map_err(|_| reloc_err("call before the section start".into()))?,
                        ));
                    }
                    (Insn::LoadImm64 { dst, imm, .. }, Some(r)) if r.r_type == R_BPF_64_64 => {
                        let sym = &self.elf.symbols[r.symbol];
                        let dst = *dst;
                        let addend = *imm as u32 as i32 as i64;
                        match sym.section {
                            None => {
                                let index = self.extern_for(r.symbol, false).map_err(reloc_err)?;
                                insn = Insn::LoadImm64 {
                                    dst,
                                    pseudo: Pseudo::BtfId,
                                    imm: 0,
                                };
                                relocs.push(InsnReloc {
                                    pc: slot,
                                    target: RelocTarget::Extern { index },
                                });
                            }
                            Some(sec) if self.code.contains_key(&sec) => {
                                // A function's address (callbacks for bpf_loop,
                                // timers, work queues): the addend is in bytes.
                                let byte = sym.value as i64 + addend;
                                if byte % 8 != 0 || byte < 0 {
                                    return Err(reloc_err(format!(
                                        "function address {byte:#x} is not an instruction"
                                    )));
                                }
                                insn = Insn::LoadImm64 {
                                    dst,
                                    pseudo: Pseudo::Func,
                                    imm: 0,
                                };
                                branch = Some((sec, (byte / 8) as usize));
                            }
                            Some(sec) => {
                                if let Some(&map) = self.data_maps.get(&sec) {
                                    let offset = sym.value as i64 + addend;
                                    let offset = u32::try_from(offset).map_err(|_| {
                                        reloc_err(format!(
                                            "offset {offset} into {} is negative",
                                            sym.name
                                        ))
                                    })?;
                                    insn = Insn::LoadImm64 {
                                        dst,
                                        pseudo: Pseudo::MapIdxValue,
                                        imm: map as u64 | ((offset as u64) << 32),
                                    };
                                    relocs.push(InsnReloc {
                                        pc: slot,
                                        target: RelocTarget::MapValue { map, offset },
                                    });
                                } else if let Some(&map) = self.map_syms.get(&(sec, sym.value)) {
                                    insn = Insn::LoadImm64 {
                                        dst,
                                        pseudo: Pseudo::MapIdx,
                                        imm: map as u64,
                                    };
                                    relocs.push(InsnReloc {
                                        pc: slot,
                                        target: RelocTarget::Map { map },
                                    });
                                } else {
                                    let sname =
                                        self.elf.section(sec).map_or("?", |s| s.name.as_str());
                                    return Err(reloc_err(format!(
                                        "LD_IMM64 refers to {} in section {sname}, which is neither a map nor global data",
                                        sym.name
                                    )));
                                }
                            }
                        }
                    }
                    (_, Some(r)) => {
                        return Err(reloc_err(format!(
                            "relocation type {} against {} on an instruction that cannot take it ({insn:?})",
                            r.r_type, self.elf.symbols[r.symbol].name
                        )));
                    }
                    _ => {}
                }
                if let Some((sec, target)) = branch {
                    let callee = self.func_at(sec, target).cloned().ok_or_else(|| {
                        reloc_err(format!("call target slot {target} in section {} is not the start of a function", self.code.get(&sec).map_or("?", |c| c.name.as_str())))
                    })?;
                    let idx = match pieces
                        .iter()
                        .position(|p| p.section == callee.section && p.start == callee.start)
                    {
                        Some(i) => i,
                        None => {
                            pieces.push(callee);
                            pieces.len() - 1
                        }
                    };
                    calls.push((out.len(), idx, 0));
                }
                slot += insn.slots();
                s += insn.slots();
                out.push(insn);
            }
            i += 1;
        }
        // Fix branch offsets now that every piece has its place.
        let mut pcs = Vec::with_capacity(out.len());
        let mut p = 0;
        for insn in &out {
            pcs.push(p);
            p += insn.slots();
        }
        for (at, piece, within) in calls {
            let target = piece_pc[piece] + within;
            let rel = target as i64 - (pcs[at] as i64 + 1);
            let rel = i32::try_from(rel).map_err(|_| perr("call offset overflows".into()))?;
            match &mut out[at] {
                Insn::Call(CallTarget::Local(imm)) => *imm = rel,
                Insn::LoadImm64 { imm, .. } => *imm = rel as u32 as u64,
                _ => {}
            }
        }
        let mut funcs = Vec::new();
        let mut lines = Vec::new();
        let mut core_relos = Vec::new();
        for (k, piece) in pieces.iter().enumerate() {
            let sec_name = &self.code[&piece.section].name;
            let base = piece_pc[k];
            let in_piece = |insn_off: u32| {
                let s = insn_off as usize / 8;
                (s >= piece.start && s < piece.start + piece.len).then(|| base + s - piece.start)
            };
            let mut btf_func = None;
            if let Some(ext) = &self.btf_ext {
                for fi in ext.funcs(sec_name) {
                    if fi.insn_off as usize / 8 == piece.start {
                        btf_func = Some(fi.type_id);
                    }
                }
                for l in ext.lines(sec_name) {
                    if let Some(pc) = in_piece(l.insn_off) {
                        lines.push((pc, l.clone()));
                    }
                }
                for r in ext.relos(sec_name) {
                    if let Some(pc) = in_piece(r.insn_off) {
                        core_relos.push((pc, r.clone()));
                    }
                }
            }
            funcs.push(Subprog {
                name: piece.name.clone(),
                pc: base,
                btf_func,
            });
        }
        lines.sort_by_key(|(pc, _)| *pc);
        let section = self.code[&entry.section].name.clone();
        Ok(ObjProgram {
            name: entry.name.clone(),
            kind: classify(&section),
            section,
            insns: out,
            funcs,
            relocs,
            lines,
            core_relos,
        })
    }

    /// The extern for an undefined symbol, added on first use.
    fn extern_for(&mut self, symbol: usize, is_call: bool) -> Result<usize, String> {
        let sym = &self.elf.symbols[symbol];
        if sym.section.is_some() {
            return Err(format!(
                "{} is defined in this object, not an extern",
                sym.name
            ));
        }
        if let Some(i) = self.externs.iter().position(|e| e.name == sym.name) {
            return Ok(i);
        }
        let btf = self.btf.as_ref();
        let func_proto = btf.and_then(|b| {
            b.types().iter().find_map(|t| match t {
                BtfType::Func {
                    name,
                    proto,
                    linkage: FuncLinkage::Extern,
                } if *name == sym.name => Some(*proto),
                _ => None,
            })
        });
        // A weak kfunc is also loaded by address (`if (kfunc)`) to test
        // whether the host has it: BTF says it is a function either way.
        let kind = if is_call || func_proto.is_some() {
            ExternKind::Kfunc { proto: func_proto }
        } else {
            let var = btf.and_then(|b| {
                b.types().iter().find_map(|t| match t {
                    BtfType::Var {
                        name,
                        ty,
                        linkage: VarLinkage::Extern,
                    } if *name == sym.name => Some(*ty),
                    _ => None,
                })
            });
            let in_kconfig = btf.is_some_and(|b| {
                b.types().iter().any(|t| match t {
                    BtfType::Datasec { name, vars, .. } if name == ".kconfig" => vars
                        .iter()
                        .any(|v| matches!(b.get(v.ty), Some(BtfType::Var { name, .. }) if *name == sym.name)),
                    _ => false,
                })
            });
            if in_kconfig {
                ExternKind::Kconfig { ty: var }
            } else {
                ExternKind::Ksym { ty: var }
            }
        };
        self.externs.push(Extern {
            name: sym.name.clone(),
            kind,
            weak: sym.is_weak,
        });
        Ok(self.externs.len() - 1)
    }
}
