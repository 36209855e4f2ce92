//! BTF for loading corpus programs into the kernel: a minimal program BTF
//! (func info for subprograms, key and value types for maps whose values
//! hold a `bpf_spin_lock`), kfunc ids looked up by name in the running
//! kernel's `/sys/kernel/btf/vmlinux`, and creating a map with BTF, which
//! `quiver_kernel::Map::create` cannot do.

use std::collections::HashMap;
use std::io;

use super::corpus::{Case, MapDecl, ValueField, subprog_starts};

const BTF_MAGIC: u16 = 0xeb9f;
const KIND_INT: u32 = 1;
const KIND_ARRAY: u32 = 3;
const KIND_STRUCT: u32 = 4;
const KIND_FUNC: u32 = 12;
const KIND_FUNC_PROTO: u32 = 13;
/// `BTF_FUNC_STATIC` and `BTF_FUNC_GLOBAL`.
const LINKAGE_STATIC: u32 = 0;
const LINKAGE_GLOBAL: u32 = 1;
/// `BTF_INT_SIGNED`.
const INT_SIGNED: u32 = 1;

/// Writes BTF type and string sections.
#[derive(Default)]
struct Builder {
    types: Vec<u8>,
    strings: Vec<u8>,
    next_id: u32,
}

impl Builder {
    fn new() -> Builder {
        Builder {
            types: Vec::new(),
            strings: vec![0],
            next_id: 1,
        }
    }

    fn name(&mut self, s: &str) -> u32 {
        if s.is_empty() {
            return 0;
        }
        let off = self.strings.len() as u32;
        self.strings.extend_from_slice(s.as_bytes());
        self.strings.push(0);
        off
    }

    fn words(&mut self, words: &[u32]) {
        for w in words {
            self.types.extend_from_slice(&w.to_le_bytes());
        }
    }

    /// Starts a type; returns its id.
    fn ty(&mut self, name: &str, kind: u32, vlen: u32, size_or_type: u32) -> u32 {
        let name = self.name(name);
        self.words(&[name, (kind << 24) | vlen, size_or_type]);
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn int(&mut self, name: &str, bytes: u32, signed: bool) -> u32 {
        let id = self.ty(name, KIND_INT, 0, bytes);
        let encoding = if signed { INT_SIGNED } else { 0 };
        self.words(&[(encoding << 24) | (bytes * 8)]);
        id
    }

    fn array(&mut self, elem: u32, index: u32, n: u32) -> u32 {
        let id = self.ty("", KIND_ARRAY, 0, 0);
        self.words(&[elem, index, n]);
        id
    }

    /// A struct; members are (name, type, byte offset).
    fn structure(&mut self, name: &str, size: u32, members: &[(&str, u32, u32)]) -> u32 {
        let id = self.ty(name, KIND_STRUCT, members.len() as u32, size);
        for &(m, ty, off) in members {
            let m = self.name(m);
            self.words(&[m, ty, off * 8]);
        }
        id
    }

    fn func_proto(&mut self, ret: u32, params: &[(&str, u32)]) -> u32 {
        let id = self.ty("", KIND_FUNC_PROTO, params.len() as u32, ret);
        for &(p, ty) in params {
            let p = self.name(p);
            self.words(&[p, ty]);
        }
        id
    }

    fn func(&mut self, name: &str, proto: u32, linkage: u32) -> u32 {
        self.ty(name, KIND_FUNC, linkage, proto)
    }

    fn finish(self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&BTF_MAGIC.to_le_bytes());
        out.extend_from_slice(&[1, 0]);
        let hdr_len = 24u32;
        let type_len = self.types.len() as u32;
        for w in [hdr_len, 0, type_len, type_len, self.strings.len() as u32] {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out.extend_from_slice(&self.types);
        out.extend_from_slice(&self.strings);
        out
    }
}

/// The BTF a corpus case needs, when it needs any.
#[derive(Debug)]
pub struct CaseBtf {
    /// Raw `.BTF` bytes for `BPF_BTF_LOAD`.
    pub bytes: Vec<u8>,
    /// (slot index, FUNC type id) for each subprogram when the case asks
    /// for func info; empty otherwise.
    pub func_info: Vec<(u32, u32)>,
    /// (key type id, value type id) for each map by header index; `None`
    /// for maps without BTF. A key type id of 0 means no key.
    pub maps: Vec<Option<(u32, u32)>>,
}

/// Builds the BTF for `case`: one `FUNC` per subprogram (named `main`,
/// `f1`, `f2`, ..., returning `int` and taking as many `int` arguments as
/// the header says, 5 by default) when it has `; btf: func_info`, and key
/// and value types for each map declared with BTF. `None` when the case
/// needs no BTF.
pub fn case_btf(case: &Case) -> Option<CaseBtf> {
    if !case.btf.func_info && case.maps.iter().all(|m| m.btf.is_none()) {
        return None;
    }
    let mut b = Builder::new();
    let int = b.int("int", 4, true);
    let uchar = b.int("unsigned char", 1, false);
    let mut func_info = Vec::new();
    if case.btf.func_info {
        let names = ["a", "b", "c", "d", "e"];
        let mut protos: Vec<(u32, u32)> = Vec::new();
        for (i, start) in subprog_starts(&case.insns).into_iter().enumerate() {
            let n = case.btf.nargs(i);
            let proto = match protos.iter().find(|&&(m, _)| m == n) {
                Some(&(_, p)) => p,
                None => {
                    let params: Vec<(&str, u32)> =
                        names.iter().take(n as usize).map(|&a| (a, int)).collect();
                    let p = b.func_proto(int, &params);
                    protos.push((n, p));
                    p
                }
            };
            let name = if i == 0 {
                "main".to_string()
            } else {
                format!("f{i}")
            };
            let linkage = if case.btf.global.contains(&i) {
                LINKAGE_GLOBAL
            } else {
                LINKAGE_STATIC
            };
            let id = b.func(&name, proto, linkage);
            func_info.push((start as u32, id));
        }
    }
    let mut lock = None;
    let mut uint = None;
    let maps = case
        .maps
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let btf = m.btf.as_ref()?;
            // Array maps insist on a 32-bit integer key.
            let key = match m.key_size {
                0 => 0,
                4 => *uint.get_or_insert_with(|| b.int("unsigned int", 4, false)),
                n => b.array(uchar, int, n),
            };
            let mut members = Vec::new();
            let mut names = Vec::new();
            for (j, f) in btf.fields.iter().enumerate() {
                match *f {
                    ValueField::SpinLock(off) => {
                        let val = *uint.get_or_insert_with(|| b.int("unsigned int", 4, false));
                        let l = *lock.get_or_insert_with(|| {
                            b.structure("bpf_spin_lock", 4, &[("val", val, 0)])
                        });
                        names.push(format!("lock{j}"));
                        members.push((l, off));
                    }
                }
            }
            let value = if members.is_empty() {
                b.array(uchar, int, m.value_size)
            } else {
                let members: Vec<(&str, u32, u32)> = names
                    .iter()
                    .zip(&members)
                    .map(|(n, &(t, o))| (n.as_str(), t, o))
                    .collect();
                b.structure(&format!("value{i}"), m.value_size, &members)
            };
            Some((key, value))
        })
        .collect();
    Some(CaseBtf {
        bytes: b.finish(),
        func_info,
        maps,
    })
}

/// The ids of the kernel functions in the running kernel's BTF.
#[derive(Debug)]
pub struct VmlinuxFuncs {
    ids: HashMap<String, u32>,
}

impl VmlinuxFuncs {
    /// Reads `/sys/kernel/btf/vmlinux`.
    pub fn load() -> io::Result<VmlinuxFuncs> {
        let data = std::fs::read("/sys/kernel/btf/vmlinux")?;
        parse_funcs(&data).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    /// Every `FUNC` of a raw BTF blob.
    pub fn parse(data: &[u8]) -> Result<VmlinuxFuncs, String> {
        parse_funcs(data)
    }

    /// The BTF id of the `FUNC` called `name`.
    pub fn id(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }
}

fn u32_at(data: &[u8], off: usize) -> Result<u32, String> {
    data.get(off..off + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| format!("BTF truncated at byte {off}"))
}

/// Every `FUNC` of a BTF blob by name.
fn parse_funcs(data: &[u8]) -> Result<VmlinuxFuncs, String> {
    if data.len() < 24 || u16::from_le_bytes([data[0], data[1]]) != BTF_MAGIC {
        return Err("not little-endian BTF".into());
    }
    let hdr_len = u32_at(data, 4)? as usize;
    let type_off = hdr_len + u32_at(data, 8)? as usize;
    let type_len = u32_at(data, 12)? as usize;
    let str_off = hdr_len + u32_at(data, 16)? as usize;
    let str_len = u32_at(data, 20)? as usize;
    let strings = data
        .get(str_off..str_off + str_len)
        .ok_or("BTF string section out of range")?;
    let name_at = |off: usize| -> Option<&str> {
        let s = strings.get(off..)?;
        let end = s.iter().position(|&b| b == 0)?;
        std::str::from_utf8(&s[..end]).ok()
    };
    let mut ids = HashMap::new();
    let mut pos = type_off;
    let end = type_off + type_len;
    let mut id = 1u32;
    while pos < end {
        let name_off = u32_at(data, pos)? as usize;
        let info = u32_at(data, pos + 4)?;
        let kind = (info >> 24) & 0x1f;
        let vlen = (info & 0xffff) as usize;
        let extra = match kind {
            1 | 14 | 17 => 4,   // INT, VAR, DECL_TAG
            3 => 12,            // ARRAY
            4 | 5 => 12 * vlen, // STRUCT, UNION
            6 => 8 * vlen,      // ENUM
            13 => 8 * vlen,     // FUNC_PROTO
            15 => 12 * vlen,    // DATASEC
            19 => 12 * vlen,    // ENUM64
            2 | 7..=12 | 16 | 18 => 0,
            other => return Err(format!("unknown BTF kind {other} at type {id}")),
        };
        if kind == KIND_FUNC
            && let Some(name) = name_at(name_off)
        {
            ids.insert(name.to_string(), id);
        }
        pos += 12 + extra;
        id += 1;
    }
    Ok(VmlinuxFuncs { ids })
}

/// Creates `decl` as a map whose key and value have the given types in
/// the loaded BTF `btf`.
pub fn create_map_with_btf(
    decl: &MapDecl,
    btf: &quiver_kernel::KernelBtf,
    key_type: u32,
    value_type: u32,
) -> io::Result<quiver_kernel::Map> {
    quiver_kernel::Map::create_with_btf(
        &decl.name,
        decl.map_type,
        decl.key_size,
        decl.value_size,
        decl.max_entries,
        decl.flags,
        btf,
        key_type,
        value_type,
    )
}
