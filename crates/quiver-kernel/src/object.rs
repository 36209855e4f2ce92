//! Loading a [`quiver_obj::Object`] program into the kernel the way libbpf
//! would: create its maps (global data maps filled with their initial
//! contents), turn loader-relative map references into map fds.

use quiver_isa::{Insn, Pseudo, encode};
use quiver_obj::{ObjError, Object};

use quiver_obj::btf::{Btf, BtfType, VarSecinfo};

use crate::{KernelBtf, LoadError, LoadOptions, Map, Prog, load_with_btf};

/// A program loaded in the kernel with the maps it uses, by object index.
#[derive(Debug)]
pub struct KernelProgram {
    pub prog: Prog,
    /// Kernel maps, by the object's map index (None where not created).
    pub maps: Vec<Option<Map>>,
    /// The program's BTF, kept loaded as long as the program.
    _btf: Option<KernelBtf>,
}

/// Why an object program could not be loaded into the kernel.
#[derive(Debug, thiserror::Error)]
pub enum KernelLoadError {
    #[error("{0}")]
    Object(#[from] ObjError),
    #[error("program {0} not found")]
    NoProgram(String),
    #[error("program {0} has no program type the kernel can load")]
    NoType(String),
    #[error("map {name}: kernel refused to create it: {err}")]
    Map { name: String, err: std::io::Error },
    #[error("program uses externs ({0}), which this loader does not resolve")]
    Externs(String),
    #[error(transparent)]
    Load(#[from] LoadError),
}

/// Loads program `name` of `obj` with fresh maps.
pub fn load_object_program(
    obj: &Object,
    name: &str,
    log_level: u32,
) -> Result<KernelProgram, KernelLoadError> {
    check_loadable(obj)?;
    let maps = create_maps(obj)?;
    let (prog, btf) = load_with_maps(obj, name, &maps, log_level)?;
    Ok(KernelProgram {
        prog,
        maps,
        _btf: btf,
    })
}

/// Several programs of one object sharing one set of maps, as libbpf
/// loads an object (needed where programs meet in a prog array).
#[derive(Debug)]
pub struct KernelObject {
    /// The programs, in the order asked for.
    pub progs: Vec<Prog>,
    /// Kernel maps, by the object's map index.
    pub maps: Vec<Option<Map>>,
    _btf: Vec<KernelBtf>,
}

/// Loads programs `names` of `obj` with one set of fresh maps.
pub fn load_object_programs(
    obj: &Object,
    names: &[&str],
    log_level: u32,
) -> Result<KernelObject, KernelLoadError> {
    check_loadable(obj)?;
    let maps = create_maps(obj)?;
    let mut progs = Vec::with_capacity(names.len());
    let mut btfs = Vec::new();
    for name in names {
        let (prog, btf) = load_with_maps(obj, name, &maps, log_level)?;
        progs.push(prog);
        btfs.extend(btf);
    }
    Ok(KernelObject {
        progs,
        maps,
        _btf: btfs,
    })
}

fn check_loadable(obj: &Object) -> Result<(), KernelLoadError> {
    if !obj.externs.is_empty() {
        let names: Vec<&str> = obj.externs.iter().map(|e| e.name.as_str()).collect();
        return Err(KernelLoadError::Externs(names.join(", ")));
    }
    Ok(())
}

fn create_maps(obj: &Object) -> Result<Vec<Option<Map>>, KernelLoadError> {
    let mut maps = Vec::with_capacity(obj.maps.len());
    for m in &obj.maps {
        let map = Map::create(
            &m.name,
            m.def.map_type,
            m.def.key_size,
            m.def.value_size,
            m.def.max_entries,
            m.def.map_flags,
        )
        .map_err(|err| KernelLoadError::Map {
            name: m.name.clone(),
            err,
        })?;
        if !m.initial.is_empty() {
            map.update(&0u32.to_le_bytes(), &m.initial, 0)
                .map_err(|err| KernelLoadError::Map {
                    name: m.name.clone(),
                    err,
                })?;
        }
        maps.push(Some(map));
    }
    Ok(maps)
}

fn load_with_maps(
    obj: &Object,
    name: &str,
    maps: &[Option<Map>],
    log_level: u32,
) -> Result<(Prog, Option<KernelBtf>), KernelLoadError> {
    let p = obj
        .program(name)
        .ok_or_else(|| KernelLoadError::NoProgram(name.into()))?;
    let kind = p
        .kind
        .as_ref()
        .ok_or_else(|| KernelLoadError::NoType(name.into()))?;
    let fd_of = |i: u64| {
        maps.get(i as usize)
            .and_then(|m| m.as_ref())
            .map_or(-1, |m| m.raw_fd()) as u32 as u64
    };
    let insns: Vec<Insn> = p
        .insns
        .iter()
        .map(|insn| match *insn {
            Insn::LoadImm64 {
                dst,
                pseudo: Pseudo::MapIdx,
                imm,
            } => Insn::LoadImm64 {
                dst,
                pseudo: Pseudo::MapFd,
                imm: fd_of(imm),
            },
            Insn::LoadImm64 {
                dst,
                pseudo: Pseudo::MapIdxValue,
                imm,
            } => Insn::LoadImm64 {
                dst,
                pseudo: Pseudo::MapValue,
                imm: fd_of(imm & 0xffff_ffff) | (imm & !0xffff_ffff),
            },
            other => other,
        })
        .collect();
    let opts = LoadOptions {
        prog_flags: if kind.sleepable {
            crate::F_SLEEPABLE
        } else {
            0
        },
        log_level,
        name: name.to_string(),
        ..Default::default()
    };
    // Func info, when every function has its BTF FUNC (the kernel wants it
    // for callbacks and global functions).
    let kernel_btf = match (&obj.btf, p.funcs.iter().all(|f| f.btf_func.is_some())) {
        (Some(btf), true) => Some(KernelBtf::load(&kernel_acceptable(btf).to_bytes())?),
        _ => None,
    };
    let func_info: Vec<(u32, u32)> = p
        .funcs
        .iter()
        .filter_map(|f| f.btf_func.map(|t| (f.pc as u32, t)))
        .collect();
    let license = obj.license.as_deref().unwrap_or("GPL");
    let prog = load_with_btf(
        kind.prog_type as u32,
        &encode(&insns),
        license,
        &opts,
        kernel_btf.as_ref().map(|b| (b, func_info.as_slice())),
    )?;
    Ok((prog, kernel_btf))
}

/// clang leaves DATASEC sizes (and offsets) for the loader to fill in from
/// the ELF file; the kernel refuses size 0. Only func info is passed here,
/// so each section's variables are laid out back to back, which the kernel
/// accepts and nothing reads.
fn kernel_acceptable(btf: &Btf) -> Btf {
    let mut out = btf.clone();
    for ty in out.types_mut() {
        if let BtfType::Datasec { size, vars, .. } = ty {
            let mut off = 0u32;
            for v in vars.iter_mut() {
                *v = VarSecinfo {
                    ty: v.ty,
                    offset: off,
                    size: v.size,
                };
                off += v.size;
            }
            *size = off;
        }
    }
    out
}
