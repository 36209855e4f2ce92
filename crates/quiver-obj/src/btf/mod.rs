//! BTF, the BPF type format: parsing, querying and writing.
//!
//! We parse BTF ourselves rather than through `btf-rs`: that crate is
//! LGPL-licensed (awkward for a statically linked Rust library), reads
//! neither `.BTF.ext` nor writes BTF, and quiver needs all three.

mod build;
mod ext;
mod parse;
mod types;
mod write;

pub use ext::{BtfExt, CoreRelo, CoreReloKind, FuncInfo, LineInfo};
pub use parse::BTF_MAGIC;
pub use types::*;

/// Malformed BTF or BTF.ext, with the byte offset where it went wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("at byte {offset}: {message}")]
pub struct BtfError {
    pub offset: usize,
    pub message: String,
}

/// A parsed or built BTF type graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Btf {
    /// Index = type id; `types[0]` is `void`.
    pub(crate) types: Vec<BtfType>,
    /// The string section, kept because line info points into it.
    pub(crate) strings: Vec<u8>,
}

impl Default for Btf {
    fn default() -> Self {
        Btf {
            types: vec![BtfType::Void],
            strings: vec![0],
        }
    }
}

/// How deep modifier and typedef chains may go before we call them cyclic.
const MAX_CHAIN: usize = 64;

impl Btf {
    /// Parses a `.BTF` section.
    pub fn parse(bytes: &[u8]) -> Result<Btf, BtfError> {
        parse::parse(bytes)
    }

    /// Serialises to `.BTF` section bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        write::to_bytes(self)
    }

    /// Every type, index = id (0 is `void`).
    pub fn types(&self) -> &[BtfType] {
        &self.types
    }

    /// Every type, mutable (index = id).
    pub fn types_mut(&mut self) -> &mut [BtfType] {
        &mut self.types
    }

    /// The type with id `id`.
    pub fn get(&self, id: TypeId) -> Option<&BtfType> {
        self.types.get(id as usize)
    }

    /// Appends a type and returns its id.
    pub fn add(&mut self, ty: BtfType) -> TypeId {
        self.types.push(ty);
        (self.types.len() - 1) as TypeId
    }

    /// A string of the string section (line info refers to file names and
    /// source lines this way).
    pub fn string_at(&self, off: u32) -> Option<&str> {
        parse::string_at(&self.strings, off)
    }

    /// Checks that every type id a type refers to exists.
    pub(crate) fn check_references(&self) -> Result<(), BtfError> {
        let n = self.types.len() as u64;
        let bad = |id: TypeId, what: &str, at: usize| -> Result<(), BtfError> {
            if (id as u64) < n {
                Ok(())
            } else {
                Err(BtfError {
                    offset: 0,
                    message: format!(
                        "type [{at}] {what} refers to type id {id}, which does not exist"
                    ),
                })
            }
        };
        for (i, ty) in self.types.iter().enumerate() {
            if let Some(r) = ty.referenced() {
                bad(r, ty.kind_name(), i)?;
            }
            match ty {
                BtfType::Array { index, .. } => bad(*index, "ARRAY index", i)?,
                BtfType::Struct { members, .. } | BtfType::Union { members, .. } => {
                    for m in members {
                        bad(m.ty, "member", i)?;
                    }
                }
                BtfType::FuncProto { ret, params } => {
                    bad(*ret, "FUNC_PROTO return", i)?;
                    for p in params {
                        bad(p.ty, "FUNC_PROTO parameter", i)?;
                    }
                }
                BtfType::Datasec { vars, .. } => {
                    for v in vars {
                        bad(v.ty, "DATASEC variable", i)?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Follows typedefs and modifiers (const, volatile, restrict, type tags)
    /// to the underlying type id.
    pub fn skip_mods(&self, mut id: TypeId) -> TypeId {
        for _ in 0..MAX_CHAIN {
            match self.get(id) {
                Some(ty) if ty.is_modifier() => id = ty.referenced().unwrap_or(0),
                _ => return id,
            }
        }
        id
    }

    /// The size in bytes of a type, as `sizeof` would give it.
    pub fn size_of(&self, id: TypeId) -> Option<u32> {
        self.size_of_depth(id, 0)
    }

    fn size_of_depth(&self, id: TypeId, depth: usize) -> Option<u32> {
        if depth > MAX_CHAIN {
            return None;
        }
        match self.get(self.skip_mods(id))? {
            BtfType::Int { size, .. }
            | BtfType::Float { size, .. }
            | BtfType::Enum { size, .. }
            | BtfType::Struct { size, .. }
            | BtfType::Union { size, .. }
            | BtfType::Datasec { size, .. } => Some(*size),
            BtfType::Ptr { .. } => Some(8),
            BtfType::Array { elem, nelems, .. } => {
                self.size_of_depth(*elem, depth + 1)?.checked_mul(*nelems)
            }
            BtfType::Var { ty, .. } => self.size_of_depth(*ty, depth + 1),
            _ => None,
        }
    }

    /// The first type with this name for which `pred` holds.
    pub fn find(&self, name: &str, pred: impl Fn(&BtfType) -> bool) -> Option<TypeId> {
        self.types
            .iter()
            .position(|t| t.name() == name && pred(t))
            .map(|i| i as TypeId)
    }

    /// The first struct with this name.
    pub fn find_struct(&self, name: &str) -> Option<TypeId> {
        self.find(name, |t| matches!(t, BtfType::Struct { .. }))
    }

    /// The members of a struct or union (after skipping modifiers).
    pub fn members(&self, id: TypeId) -> Option<&[Member]> {
        match self.get(self.skip_mods(id))? {
            BtfType::Struct { members, .. } | BtfType::Union { members, .. } => Some(members),
            _ => None,
        }
    }

    /// A C-like spelling of a type for messages: `struct hid_bpf_ctx *`,
    /// `unsigned int`, `u8[4]`.
    pub fn type_name(&self, id: TypeId) -> String {
        self.type_name_depth(id, 0)
    }

    fn type_name_depth(&self, id: TypeId, depth: usize) -> String {
        if depth > MAX_CHAIN {
            return "...".into();
        }
        let Some(ty) = self.get(id) else {
            return format!("<bad type id {id}>");
        };
        let anon = |s: &str| {
            if s.is_empty() {
                "(anon)".to_string()
            } else {
                s.to_string()
            }
        };
        match ty {
            BtfType::Void => "void".into(),
            BtfType::Int { name, .. }
            | BtfType::Float { name, .. }
            | BtfType::Typedef { name, .. } => name.clone(),
            BtfType::Ptr { ty } => format!("{} *", self.type_name_depth(*ty, depth + 1)),
            BtfType::Array { elem, nelems, .. } => {
                format!("{}[{nelems}]", self.type_name_depth(*elem, depth + 1))
            }
            BtfType::Struct { name, .. } => format!("struct {}", anon(name)),
            BtfType::Union { name, .. } => format!("union {}", anon(name)),
            BtfType::Enum { name, .. } => format!("enum {}", anon(name)),
            BtfType::Fwd { name, union } => {
                format!("{} {name}", if *union { "union" } else { "struct" })
            }
            BtfType::Const { ty } => format!("const {}", self.type_name_depth(*ty, depth + 1)),
            BtfType::Volatile { ty } => {
                format!("volatile {}", self.type_name_depth(*ty, depth + 1))
            }
            BtfType::Restrict { ty } | BtfType::TypeTag { ty, .. } => {
                self.type_name_depth(*ty, depth + 1)
            }
            BtfType::Func { name, .. }
            | BtfType::Var { name, .. }
            | BtfType::Datasec { name, .. } => name.clone(),
            BtfType::FuncProto { .. } => "function".into(),
            BtfType::DeclTag { name, .. } => name.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Btf {
        let mut b = Btf::default();
        let int = b.add(BtfType::Int {
            name: "int".into(),
            size: 4,
            encoding: INT_SIGNED,
            bit_offset: 0,
            bits: 32,
        });
        let uchar = b.add(BtfType::Int {
            name: "unsigned char".into(),
            size: 1,
            encoding: 0,
            bit_offset: 0,
            bits: 8,
        });
        let arr = b.add(BtfType::Array {
            elem: uchar,
            index: int,
            nelems: 6,
        });
        let s = b.add(BtfType::Struct {
            name: "hdr".into(),
            size: 12,
            members: vec![
                Member {
                    name: "a".into(),
                    ty: int,
                    bit_offset: 0,
                    bitfield_size: 0,
                },
                Member {
                    name: "b".into(),
                    ty: arr,
                    bit_offset: 32,
                    bitfield_size: 0,
                },
                Member {
                    name: "flag".into(),
                    ty: int,
                    bit_offset: 80,
                    bitfield_size: 3,
                },
            ],
        });
        let p = b.add(BtfType::Ptr { ty: s });
        let proto = b.add(BtfType::FuncProto {
            ret: int,
            params: vec![Param {
                name: "ctx".into(),
                ty: p,
            }],
        });
        b.add(BtfType::Func {
            name: "prog".into(),
            proto,
            linkage: FuncLinkage::Global,
        });
        let c = b.add(BtfType::Const { ty: int });
        b.add(BtfType::Typedef {
            name: "cint".into(),
            ty: c,
        });
        b.add(BtfType::Enum {
            name: "e".into(),
            size: 8,
            signed: true,
            values: vec![
                Enumerator {
                    name: "NEG".into(),
                    value: -5,
                },
                Enumerator {
                    name: "BIG".into(),
                    value: 1 << 40,
                },
            ],
            is64: true,
        });
        let v = b.add(BtfType::Var {
            name: "x".into(),
            ty: int,
            linkage: VarLinkage::Global,
        });
        b.add(BtfType::Datasec {
            name: ".data".into(),
            size: 4,
            vars: vec![VarSecinfo {
                ty: v,
                offset: 0,
                size: 4,
            }],
        });
        b
    }

    #[test]
    fn writes_and_parses_back() {
        let b = sample();
        let parsed = Btf::parse(&b.to_bytes()).unwrap();
        assert_eq!(parsed.types, b.types);
        assert_eq!(parsed.size_of(4), Some(12));
        assert_eq!(parsed.size_of(3), Some(6));
        assert_eq!(parsed.type_name(5), "struct hdr *");
        assert_eq!(parsed.skip_mods(9), 1);
        assert_eq!(parsed.find_struct("hdr"), Some(4));
    }

    #[test]
    fn refuses_corrupt_input_without_panicking() {
        let bytes = sample().to_bytes();
        for len in 0..bytes.len() {
            let _ = Btf::parse(&bytes[..len]);
        }
        let mut bad = bytes.clone();
        bad[0] = 0;
        assert!(Btf::parse(&bad).unwrap_err().message.contains("magic"));
        // A member pointing at a type that does not exist.
        let mut b = Btf::default();
        b.add(BtfType::Ptr { ty: 7 });
        assert!(
            Btf::parse(&b.to_bytes())
                .unwrap_err()
                .message
                .contains("does not exist")
        );
    }

    #[test]
    fn cyclic_modifiers_terminate() {
        let mut b = Btf::default();
        b.add(BtfType::Const { ty: 2 });
        b.add(BtfType::Volatile { ty: 1 });
        assert_eq!(b.size_of(1), None);
        let _ = b.type_name(1);
    }
}
