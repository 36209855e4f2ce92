//! [`Btf`] to `.BTF` bytes. quiver generates BTF for host types declared in
//! Rust (the target of CO-RE relocations and the shape of struct_ops), so
//! it needs a writer as much as a parser.

use std::collections::HashMap;

use super::Btf;
use super::parse::{BTF_MAGIC, kind};
use super::types::*;

struct Strings {
    bytes: Vec<u8>,
    seen: HashMap<String, u32>,
}

impl Strings {
    fn add(&mut self, s: &str) -> u32 {
        if s.is_empty() {
            return 0;
        }
        if let Some(&off) = self.seen.get(s) {
            return off;
        }
        let off = self.bytes.len() as u32;
        self.bytes.extend_from_slice(s.as_bytes());
        self.bytes.push(0);
        self.seen.insert(s.to_string(), off);
        off
    }
}

struct Out {
    types: Vec<u8>,
    strings: Strings,
}

impl Out {
    fn u32(&mut self, v: u32) {
        self.types.extend_from_slice(&v.to_le_bytes());
    }

    /// The common 12-byte `struct btf_type` head.
    fn head(&mut self, name: &str, kind: u32, vlen: usize, kind_flag: bool, size_or_type: u32) {
        let n = self.strings.add(name);
        self.u32(n);
        self.u32((kind << 24) | (vlen as u32 & 0xffff) | ((kind_flag as u32) << 31));
        self.u32(size_or_type);
    }
}

/// Serialises `btf` into `.BTF` section bytes.
pub fn to_bytes(btf: &Btf) -> Vec<u8> {
    let mut o = Out {
        types: Vec::new(),
        strings: Strings {
            bytes: vec![0],
            seen: HashMap::new(),
        },
    };
    for ty in btf.types.iter().skip(1) {
        write_type(&mut o, ty);
    }
    let mut out = Vec::with_capacity(24 + o.types.len() + o.strings.bytes.len());
    out.extend_from_slice(&BTF_MAGIC.to_le_bytes());
    out.push(1);
    out.push(0);
    let type_len = o.types.len() as u32;
    for v in [24u32, 0, type_len, type_len, o.strings.bytes.len() as u32] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&o.types);
    out.extend_from_slice(&o.strings.bytes);
    out
}

fn write_type(o: &mut Out, ty: &BtfType) {
    let name = ty.name();
    match ty {
        // Id 0 is implicit; a Void elsewhere in the list cannot be encoded
        // and is written as `const void` would be meaningless, so skip it.
        BtfType::Void => {}
        BtfType::Int {
            size,
            encoding,
            bit_offset,
            bits,
            ..
        } => {
            o.head(name, kind::INT, 0, false, *size);
            o.u32(((*encoding as u32) << 24) | ((*bit_offset as u32) << 16) | *bits as u32);
        }
        BtfType::Ptr { ty } => o.head("", kind::PTR, 0, false, *ty),
        BtfType::Array {
            elem,
            index,
            nelems,
        } => {
            o.head("", kind::ARRAY, 0, false, 0);
            o.u32(*elem);
            o.u32(*index);
            o.u32(*nelems);
        }
        BtfType::Struct { size, members, .. } | BtfType::Union { size, members, .. } => {
            let k = if matches!(ty, BtfType::Struct { .. }) {
                kind::STRUCT
            } else {
                kind::UNION
            };
            let bitfields = members.iter().any(|m| m.bitfield_size != 0);
            o.head(name, k, members.len(), bitfields, *size);
            for m in members {
                let mn = o.strings.add(&m.name);
                o.u32(mn);
                o.u32(m.ty);
                o.u32(if bitfields {
                    ((m.bitfield_size as u32) << 24) | m.bit_offset
                } else {
                    m.bit_offset
                });
            }
        }
        BtfType::Enum {
            size,
            signed,
            values,
            is64,
            ..
        } => {
            o.head(
                name,
                if *is64 { kind::ENUM64 } else { kind::ENUM },
                values.len(),
                *signed,
                *size,
            );
            for v in values {
                let vn = o.strings.add(&v.name);
                o.u32(vn);
                o.u32(v.value as u64 as u32);
                if *is64 {
                    o.u32(((v.value as u64) >> 32) as u32);
                }
            }
        }
        BtfType::Fwd { union, .. } => o.head(name, kind::FWD, 0, *union, 0),
        BtfType::Typedef { ty, .. } => o.head(name, kind::TYPEDEF, 0, false, *ty),
        BtfType::Volatile { ty } => o.head("", kind::VOLATILE, 0, false, *ty),
        BtfType::Const { ty } => o.head("", kind::CONST, 0, false, *ty),
        BtfType::Restrict { ty } => o.head("", kind::RESTRICT, 0, false, *ty),
        BtfType::Func { proto, linkage, .. } => {
            let vlen = match linkage {
                FuncLinkage::Static => 0,
                FuncLinkage::Global => 1,
                FuncLinkage::Extern => 2,
            };
            o.head(name, kind::FUNC, vlen, false, *proto);
        }
        BtfType::FuncProto { ret, params } => {
            o.head("", kind::FUNC_PROTO, params.len(), false, *ret);
            for p in params {
                let pn = o.strings.add(&p.name);
                o.u32(pn);
                o.u32(p.ty);
            }
        }
        BtfType::Var { ty, linkage, .. } => {
            o.head(name, kind::VAR, 0, false, *ty);
            o.u32(match linkage {
                VarLinkage::Static => 0,
                VarLinkage::Global => 1,
                VarLinkage::Extern => 2,
            });
        }
        BtfType::Datasec { size, vars, .. } => {
            o.head(name, kind::DATASEC, vars.len(), false, *size);
            for v in vars {
                o.u32(v.ty);
                o.u32(v.offset);
                o.u32(v.size);
            }
        }
        BtfType::Float { size, .. } => o.head(name, kind::FLOAT, 0, false, *size),
        BtfType::DeclTag { ty, component, .. } => {
            o.head(name, kind::DECL_TAG, 0, false, *ty);
            o.u32(*component as u32);
        }
        BtfType::TypeTag { ty, .. } => o.head(name, kind::TYPE_TAG, 0, false, *ty),
    }
}
