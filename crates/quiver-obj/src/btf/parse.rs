//! `.BTF` bytes to [`Btf`]: every length and offset is checked, so corrupt
//! input gives an error naming the byte offset, never a panic.

use super::types::*;
use super::{Btf, BtfError};

/// The BTF magic number.
pub const BTF_MAGIC: u16 = 0xeb9f;

/// A little-endian cursor over a byte slice that reports where it failed.
pub(crate) struct Reader<'a> {
    pub(crate) bytes: &'a [u8],
    pub(crate) pos: usize,
    /// Added to `pos` in messages, to report offsets within the section.
    pub(crate) base: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8], base: usize) -> Self {
        Reader {
            bytes,
            pos: 0,
            base,
        }
    }

    pub(crate) fn err(&self, message: impl Into<String>) -> BtfError {
        BtfError {
            offset: self.base + self.pos,
            message: message.into(),
        }
    }

    pub(crate) fn u32(&mut self) -> Result<u32, BtfError> {
        let b = self
            .bytes
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.err("unexpected end of data reading a u32"))?;
        self.pos += 4;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(crate) fn u16(&mut self) -> Result<u16, BtfError> {
        let b = self
            .bytes
            .get(self.pos..self.pos + 2)
            .ok_or_else(|| self.err("unexpected end of data reading a u16"))?;
        self.pos += 2;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    pub(crate) fn u8(&mut self) -> Result<u8, BtfError> {
        let b = *self
            .bytes
            .get(self.pos)
            .ok_or_else(|| self.err("unexpected end of data reading a u8"))?;
        self.pos += 1;
        Ok(b)
    }

    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }
}

/// The string at `off` in a string section.
pub(crate) fn string_at(strings: &[u8], off: u32) -> Option<&str> {
    let tail = strings.get(off as usize..)?;
    let end = tail.iter().position(|&b| b == 0)?;
    std::str::from_utf8(&tail[..end]).ok()
}

pub(crate) const KIND_INT: u32 = 1;
pub(crate) const KIND_PTR: u32 = 2;
pub(crate) const KIND_ARRAY: u32 = 3;
pub(crate) const KIND_STRUCT: u32 = 4;
pub(crate) const KIND_UNION: u32 = 5;
pub(crate) const KIND_ENUM: u32 = 6;
pub(crate) const KIND_FWD: u32 = 7;
pub(crate) const KIND_TYPEDEF: u32 = 8;
pub(crate) const KIND_VOLATILE: u32 = 9;
pub(crate) const KIND_CONST: u32 = 10;
pub(crate) const KIND_RESTRICT: u32 = 11;
pub(crate) const KIND_FUNC: u32 = 12;
pub(crate) const KIND_FUNC_PROTO: u32 = 13;
pub(crate) const KIND_VAR: u32 = 14;
pub(crate) const KIND_DATASEC: u32 = 15;
pub(crate) const KIND_FLOAT: u32 = 16;
pub(crate) const KIND_DECL_TAG: u32 = 17;
pub(crate) const KIND_TYPE_TAG: u32 = 18;
pub(crate) const KIND_ENUM64: u32 = 19;

/// Raw kind numbers, for the writer.
pub(crate) mod kind {
    pub(crate) use super::{
        KIND_ARRAY as ARRAY, KIND_CONST as CONST, KIND_DATASEC as DATASEC,
        KIND_DECL_TAG as DECL_TAG, KIND_ENUM as ENUM, KIND_ENUM64 as ENUM64, KIND_FLOAT as FLOAT,
        KIND_FUNC as FUNC, KIND_FUNC_PROTO as FUNC_PROTO, KIND_FWD as FWD, KIND_INT as INT,
        KIND_PTR as PTR, KIND_RESTRICT as RESTRICT, KIND_STRUCT as STRUCT,
        KIND_TYPE_TAG as TYPE_TAG, KIND_TYPEDEF as TYPEDEF, KIND_UNION as UNION, KIND_VAR as VAR,
        KIND_VOLATILE as VOLATILE,
    };
}

/// Parses a complete `.BTF` section.
pub fn parse(bytes: &[u8]) -> Result<Btf, BtfError> {
    let mut r = Reader::new(bytes, 0);
    let magic = r.u16()?;
    if magic != BTF_MAGIC {
        return Err(BtfError {
            offset: 0,
            message: format!("bad magic {magic:#06x}, expected {BTF_MAGIC:#06x}"),
        });
    }
    let version = r.u8()?;
    if version != 1 {
        return Err(BtfError {
            offset: 2,
            message: format!("unsupported BTF version {version}"),
        });
    }
    let _flags = r.u8()?;
    let hdr_len = r.u32()? as usize;
    let type_off = r.u32()? as usize;
    let type_len = r.u32()? as usize;
    let str_off = r.u32()? as usize;
    let str_len = r.u32()? as usize;
    if hdr_len < 24 || hdr_len > bytes.len() {
        return Err(BtfError {
            offset: 4,
            message: format!("header length {hdr_len} is out of range"),
        });
    }
    let section = |off: usize, len: usize, what: &str| {
        let start = hdr_len.checked_add(off);
        let end = start.and_then(|s| s.checked_add(len));
        match (start, end) {
            (Some(s), Some(e)) if e <= bytes.len() => Ok((s, &bytes[s..e])),
            _ => Err(BtfError {
                offset: hdr_len,
                message: format!(
                    "{what} section (offset {off}, length {len}) extends past the end ({} bytes)",
                    bytes.len()
                ),
            }),
        }
    };
    let (type_start, type_bytes) = section(type_off, type_len, "type")?;
    let (_, strings) = section(str_off, str_len, "string")?;
    if !strings.is_empty() && strings[0] != 0 {
        return Err(BtfError {
            offset: hdr_len + str_off,
            message: "string section does not start with NUL".into(),
        });
    }
    let mut types = vec![BtfType::Void];
    let mut r = Reader::new(type_bytes, type_start);
    while r.remaining() > 0 {
        let ty = parse_type(&mut r, strings)?;
        types.push(ty);
    }
    let btf = Btf {
        types,
        strings: strings.to_vec(),
    };
    btf.check_references()?;
    Ok(btf)
}

fn name(r: &Reader<'_>, strings: &[u8], off: u32) -> Result<String, BtfError> {
    string_at(strings, off).map(str::to_string).ok_or_else(|| {
        r.err(format!(
            "name offset {off} is outside the string section or not NUL-terminated UTF-8"
        ))
    })
}

fn parse_type(r: &mut Reader<'_>, strings: &[u8]) -> Result<BtfType, BtfError> {
    let start = r.pos;
    let name_off = r.u32()?;
    let info = r.u32()?;
    let size_or_type = r.u32()?;
    let vlen = info & 0xffff;
    let kind = (info >> 24) & 0x1f;
    let kind_flag = info >> 31 != 0;
    let n = name(r, strings, name_off)?;
    let ty = match kind {
        KIND_INT => {
            let data = r.u32()?;
            BtfType::Int {
                name: n,
                size: size_or_type,
                encoding: ((data >> 24) & 0x0f) as u8,
                bit_offset: ((data >> 16) & 0xff) as u8,
                bits: (data & 0xff) as u8,
            }
        }
        KIND_PTR => BtfType::Ptr { ty: size_or_type },
        KIND_ARRAY => {
            let elem = r.u32()?;
            let index = r.u32()?;
            let nelems = r.u32()?;
            BtfType::Array {
                elem,
                index,
                nelems,
            }
        }
        KIND_STRUCT | KIND_UNION => {
            let mut members = Vec::with_capacity(vlen.min(1024) as usize);
            for _ in 0..vlen {
                let mname = r.u32()?;
                let mty = r.u32()?;
                let off = r.u32()?;
                let (bit_offset, bitfield_size) = if kind_flag {
                    (off & 0xff_ffff, (off >> 24) as u8)
                } else {
                    (off, 0)
                };
                members.push(Member {
                    name: name(r, strings, mname)?,
                    ty: mty,
                    bit_offset,
                    bitfield_size,
                });
            }
            if kind == KIND_STRUCT {
                BtfType::Struct {
                    name: n,
                    size: size_or_type,
                    members,
                }
            } else {
                BtfType::Union {
                    name: n,
                    size: size_or_type,
                    members,
                }
            }
        }
        KIND_ENUM => {
            let mut values = Vec::with_capacity(vlen.min(1024) as usize);
            for _ in 0..vlen {
                let vname = r.u32()?;
                let val = r.u32()?;
                let value = if kind_flag {
                    val as i32 as i64
                } else {
                    val as i64
                };
                values.push(Enumerator {
                    name: name(r, strings, vname)?,
                    value,
                });
            }
            BtfType::Enum {
                name: n,
                size: size_or_type,
                signed: kind_flag,
                values,
                is64: false,
            }
        }
        KIND_ENUM64 => {
            let mut values = Vec::with_capacity(vlen.min(1024) as usize);
            for _ in 0..vlen {
                let vname = r.u32()?;
                let lo = r.u32()? as u64;
                let hi = r.u32()? as u64;
                values.push(Enumerator {
                    name: name(r, strings, vname)?,
                    value: ((hi << 32) | lo) as i64,
                });
            }
            BtfType::Enum {
                name: n,
                size: size_or_type,
                signed: kind_flag,
                values,
                is64: true,
            }
        }
        KIND_FWD => BtfType::Fwd {
            name: n,
            union: kind_flag,
        },
        KIND_TYPEDEF => BtfType::Typedef {
            name: n,
            ty: size_or_type,
        },
        KIND_VOLATILE => BtfType::Volatile { ty: size_or_type },
        KIND_CONST => BtfType::Const { ty: size_or_type },
        KIND_RESTRICT => BtfType::Restrict { ty: size_or_type },
        KIND_FUNC => {
            let linkage = match vlen {
                0 => FuncLinkage::Static,
                1 => FuncLinkage::Global,
                2 => FuncLinkage::Extern,
                v => {
                    return Err(BtfError {
                        offset: r.base + start,
                        message: format!("FUNC {n:?} has unknown linkage {v}"),
                    });
                }
            };
            BtfType::Func {
                name: n,
                proto: size_or_type,
                linkage,
            }
        }
        KIND_FUNC_PROTO => {
            let mut params = Vec::with_capacity(vlen.min(1024) as usize);
            for _ in 0..vlen {
                let pname = r.u32()?;
                let pty = r.u32()?;
                params.push(Param {
                    name: name(r, strings, pname)?,
                    ty: pty,
                });
            }
            BtfType::FuncProto {
                ret: size_or_type,
                params,
            }
        }
        KIND_VAR => {
            let linkage = match r.u32()? {
                0 => VarLinkage::Static,
                1 => VarLinkage::Global,
                2 => VarLinkage::Extern,
                v => {
                    return Err(BtfError {
                        offset: r.base + start,
                        message: format!("VAR {n:?} has unknown linkage {v}"),
                    });
                }
            };
            BtfType::Var {
                name: n,
                ty: size_or_type,
                linkage,
            }
        }
        KIND_DATASEC => {
            let mut vars = Vec::with_capacity(vlen.min(1024) as usize);
            for _ in 0..vlen {
                let ty = r.u32()?;
                let offset = r.u32()?;
                let size = r.u32()?;
                vars.push(VarSecinfo { ty, offset, size });
            }
            BtfType::Datasec {
                name: n,
                size: size_or_type,
                vars,
            }
        }
        KIND_FLOAT => BtfType::Float {
            name: n,
            size: size_or_type,
        },
        KIND_DECL_TAG => {
            let component = r.u32()? as i32;
            BtfType::DeclTag {
                name: n,
                ty: size_or_type,
                component,
            }
        }
        KIND_TYPE_TAG => BtfType::TypeTag {
            name: n,
            ty: size_or_type,
        },
        k => {
            return Err(BtfError {
                offset: r.base + start,
                message: format!("unknown BTF kind {k}"),
            });
        }
    };
    Ok(ty)
}
