//! `.BTF.ext`: per-section function info, line info and CO-RE relocations.
//! Instruction offsets in object files are byte offsets from the start of
//! the ELF section named by each block.

use std::collections::HashMap;
use std::sync::Arc;

use super::parse::Reader;
use super::{Btf, BtfError, TypeId};

/// `bpf_func_info`: which BTF `FUNC` starts at an instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FuncInfo {
    /// Byte offset in the section.
    pub insn_off: u32,
    pub type_id: TypeId,
}

/// `bpf_line_info`: the source line an instruction came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineInfo {
    /// Byte offset in the section.
    pub insn_off: u32,
    /// Shared: an object has few files and each line repeats for several
    /// instructions.
    pub file: Arc<str>,
    /// The source line's text, as clang recorded it.
    pub text: Arc<str>,
    pub line: u32,
    pub column: u32,
}

/// CO-RE relocation kinds (`enum bpf_core_relo_kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CoreReloKind {
    FieldByteOffset,
    FieldByteSize,
    FieldExists,
    FieldSigned,
    FieldLShiftU64,
    FieldRShiftU64,
    TypeIdLocal,
    TypeIdTarget,
    TypeExists,
    TypeSize,
    EnumvalExists,
    EnumvalValue,
    TypeMatches,
}

impl CoreReloKind {
    fn from_u32(v: u32) -> Option<Self> {
        use CoreReloKind::*;
        Some(match v {
            0 => FieldByteOffset,
            1 => FieldByteSize,
            2 => FieldExists,
            3 => FieldSigned,
            4 => FieldLShiftU64,
            5 => FieldRShiftU64,
            6 => TypeIdLocal,
            7 => TypeIdTarget,
            8 => TypeExists,
            9 => TypeSize,
            10 => EnumvalExists,
            11 => EnumvalValue,
            12 => TypeMatches,
            _ => return None,
        })
    }

    /// The name libbpf prints.
    pub fn name(self) -> &'static str {
        use CoreReloKind::*;
        match self {
            FieldByteOffset => "byte_off",
            FieldByteSize => "byte_sz",
            FieldExists => "field_exists",
            FieldSigned => "signed",
            FieldLShiftU64 => "lshift_u64",
            FieldRShiftU64 => "rshift_u64",
            TypeIdLocal => "local_type_id",
            TypeIdTarget => "target_type_id",
            TypeExists => "type_exists",
            TypeSize => "type_size",
            EnumvalExists => "enumval_exists",
            EnumvalValue => "enumval_value",
            TypeMatches => "type_matches",
        }
    }
}

/// `bpf_core_relo`: patch the instruction at `insn_off` with a property of
/// the local type `type_id` reached through the `access` path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoreRelo {
    /// Byte offset in the section.
    pub insn_off: u32,
    pub type_id: TypeId,
    /// The access string, e.g. `0:1:0` (first index into the root type, then
    /// member indices).
    pub access: String,
    pub kind: CoreReloKind,
}

/// `.BTF.ext` records grouped by the ELF section they describe.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BtfExt {
    pub func_info: Vec<(String, Vec<FuncInfo>)>,
    pub line_info: Vec<(String, Vec<LineInfo>)>,
    pub core_relos: Vec<(String, Vec<CoreRelo>)>,
}

impl BtfExt {
    /// Parses `.BTF.ext`; names are resolved in `btf`'s string section.
    pub fn parse(bytes: &[u8], btf: &Btf) -> Result<BtfExt, BtfError> {
        let mut r = Reader::new(bytes, 0);
        let magic = r.u16()?;
        if magic != super::BTF_MAGIC {
            return Err(BtfError {
                offset: 0,
                message: format!("bad .BTF.ext magic {magic:#06x}"),
            });
        }
        let _version = r.u8()?;
        let _flags = r.u8()?;
        let hdr_len = r.u32()? as usize;
        let fi = (r.u32()? as usize, r.u32()? as usize);
        let li = (r.u32()? as usize, r.u32()? as usize);
        let cr = if hdr_len >= 32 {
            (r.u32()? as usize, r.u32()? as usize)
        } else {
            (0, 0)
        };
        let block =
            |(off, len): (usize, usize), what: &str| -> Result<Option<Reader<'_>>, BtfError> {
                if len == 0 {
                    return Ok(None);
                }
                let start = hdr_len
                    .checked_add(off)
                    .filter(|s| s.checked_add(len).is_some_and(|e| e <= bytes.len()));
                match start {
                    Some(s) => Ok(Some(Reader::new(&bytes[s..s + len], s))),
                    None => Err(BtfError {
                        offset: 8,
                        message: format!("{what} (offset {off}, length {len}) is out of bounds"),
                    }),
                }
            };
        let name = |r: &Reader<'_>, off: u32| -> Result<String, BtfError> {
            btf.string_at(off)
                .map(str::to_string)
                .ok_or_else(|| r.err(format!("string offset {off} is invalid")))
        };
        let mut ext = BtfExt::default();
        if let Some(mut r) = block(fi, "func_info")? {
            ext.func_info = read_sections(&mut r, 8, &name, |r| {
                Ok(FuncInfo {
                    insn_off: r.u32()?,
                    type_id: r.u32()?,
                })
            })?;
        }
        if let Some(mut r) = block(li, "line_info")? {
            let mut interned: HashMap<u32, Arc<str>> = HashMap::new();
            let mut intern = |r: &Reader<'_>, off: u32| -> Result<Arc<str>, BtfError> {
                if let Some(s) = interned.get(&off) {
                    return Ok(s.clone());
                }
                let s: Arc<str> = name(r, off)?.into();
                interned.insert(off, s.clone());
                Ok(s)
            };
            ext.line_info = read_sections(&mut r, 16, &name, |r| {
                let insn_off = r.u32()?;
                let file_off = r.u32()?;
                let file = intern(r, file_off)?;
                let text_off = r.u32()?;
                let text = intern(r, text_off)?;
                let line_col = r.u32()?;
                Ok(LineInfo {
                    insn_off,
                    file,
                    text,
                    line: line_col >> 10,
                    column: line_col & 0x3ff,
                })
            })?;
        }
        if let Some(mut r) = block(cr, "core_relo")? {
            ext.core_relos = read_sections(&mut r, 16, &name, |r| {
                let insn_off = r.u32()?;
                let type_id = r.u32()?;
                let access_off = r.u32()?;
                let access = name(r, access_off)?;
                let raw_kind = r.u32()?;
                let kind = CoreReloKind::from_u32(raw_kind)
                    .ok_or_else(|| r.err(format!("unknown CO-RE relocation kind {raw_kind}")))?;
                Ok(CoreRelo {
                    insn_off,
                    type_id,
                    access,
                    kind,
                })
            })?;
        }
        Ok(ext)
    }

    /// The line info of one section.
    pub fn lines(&self, section: &str) -> &[LineInfo] {
        self.line_info
            .iter()
            .find(|(s, _)| s == section)
            .map(|(_, v)| v.as_slice())
            .unwrap_or(&[])
    }

    /// The func info of one section.
    pub fn funcs(&self, section: &str) -> &[FuncInfo] {
        self.func_info
            .iter()
            .find(|(s, _)| s == section)
            .map(|(_, v)| v.as_slice())
            .unwrap_or(&[])
    }

    /// The CO-RE relocations of one section.
    pub fn relos(&self, section: &str) -> &[CoreRelo] {
        self.core_relos
            .iter()
            .find(|(s, _)| s == section)
            .map(|(_, v)| v.as_slice())
            .unwrap_or(&[])
    }
}

type NameFn<'n> = dyn Fn(&Reader<'_>, u32) -> Result<String, BtfError> + 'n;

/// Reads `u32 rec_size` then blocks of `{sec_name_off, num_info, records}`.
fn read_sections<T>(
    r: &mut Reader<'_>,
    min_rec: usize,
    name: &NameFn<'_>,
    mut record: impl FnMut(&mut Reader<'_>) -> Result<T, BtfError>,
) -> Result<Vec<(String, Vec<T>)>, BtfError> {
    let rec_size = r.u32()? as usize;
    if rec_size < min_rec {
        return Err(r.err(format!("record size {rec_size} is smaller than {min_rec}")));
    }
    let mut out = Vec::new();
    while r.remaining() > 0 {
        let sec_off = r.u32()?;
        let sec = name(r, sec_off)?;
        let n = r.u32()? as usize;
        if n.checked_mul(rec_size)
            .is_none_or(|total| total > r.remaining())
        {
            return Err(r.err(format!(
                "{n} records of {rec_size} bytes for section {sec:?} overrun the block"
            )));
        }
        let mut recs = Vec::with_capacity(n);
        for _ in 0..n {
            let start = r.pos;
            recs.push(record(r)?);
            // Newer producers may append fields; skip what we do not know.
            r.pos = start + rec_size;
        }
        out.push((sec, recs));
    }
    Ok(out)
}
