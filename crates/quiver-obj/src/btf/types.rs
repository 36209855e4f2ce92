//! BTF types as Rust values. Type id 0 is `void`; ids index [`crate::btf::Btf::types`].

/// A BTF type id.
pub type TypeId = u32;

/// Encoding bits of a BTF integer.
pub const INT_SIGNED: u8 = 1;
/// The integer is a C `char`.
pub const INT_CHAR: u8 = 2;
/// The integer is a C `_Bool`.
pub const INT_BOOL: u8 = 4;

/// Linkage of a `FUNC`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FuncLinkage {
    Static,
    Global,
    Extern,
}

/// Linkage of a `VAR`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VarLinkage {
    Static,
    Global,
    Extern,
}

/// A struct or union member.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Member {
    pub name: String,
    pub ty: TypeId,
    /// Offset from the start of the aggregate, in bits.
    pub bit_offset: u32,
    /// Bitfield width in bits, 0 for an ordinary member.
    pub bitfield_size: u8,
}

/// A function parameter.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Param {
    pub name: String,
    pub ty: TypeId,
}

/// One variable of a data section.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VarSecinfo {
    pub ty: TypeId,
    pub offset: u32,
    pub size: u32,
}

/// One enumerator.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Enumerator {
    pub name: String,
    /// The value; for an unsigned 64-bit enum, the bit pattern.
    pub value: i64,
}

/// One BTF type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum BtfType {
    Void,
    Int {
        name: String,
        size: u32,
        encoding: u8,
        bit_offset: u8,
        bits: u8,
    },
    Ptr {
        ty: TypeId,
    },
    Array {
        elem: TypeId,
        index: TypeId,
        nelems: u32,
    },
    Struct {
        name: String,
        size: u32,
        members: Vec<Member>,
    },
    Union {
        name: String,
        size: u32,
        members: Vec<Member>,
    },
    /// `ENUM` (4-byte or smaller) and `ENUM64`.
    Enum {
        name: String,
        size: u32,
        signed: bool,
        values: Vec<Enumerator>,
        is64: bool,
    },
    Fwd {
        name: String,
        union: bool,
    },
    Typedef {
        name: String,
        ty: TypeId,
    },
    Volatile {
        ty: TypeId,
    },
    Const {
        ty: TypeId,
    },
    Restrict {
        ty: TypeId,
    },
    Func {
        name: String,
        proto: TypeId,
        linkage: FuncLinkage,
    },
    FuncProto {
        ret: TypeId,
        params: Vec<Param>,
    },
    Var {
        name: String,
        ty: TypeId,
        linkage: VarLinkage,
    },
    Datasec {
        name: String,
        size: u32,
        vars: Vec<VarSecinfo>,
    },
    Float {
        name: String,
        size: u32,
    },
    DeclTag {
        name: String,
        ty: TypeId,
        component: i32,
    },
    TypeTag {
        name: String,
        ty: TypeId,
    },
}

impl BtfType {
    /// The kind name as bpftool prints it.
    pub fn kind_name(&self) -> &'static str {
        match self {
            BtfType::Void => "VOID",
            BtfType::Int { .. } => "INT",
            BtfType::Ptr { .. } => "PTR",
            BtfType::Array { .. } => "ARRAY",
            BtfType::Struct { .. } => "STRUCT",
            BtfType::Union { .. } => "UNION",
            BtfType::Enum { is64: false, .. } => "ENUM",
            BtfType::Enum { is64: true, .. } => "ENUM64",
            BtfType::Fwd { .. } => "FWD",
            BtfType::Typedef { .. } => "TYPEDEF",
            BtfType::Volatile { .. } => "VOLATILE",
            BtfType::Const { .. } => "CONST",
            BtfType::Restrict { .. } => "RESTRICT",
            BtfType::Func { .. } => "FUNC",
            BtfType::FuncProto { .. } => "FUNC_PROTO",
            BtfType::Var { .. } => "VAR",
            BtfType::Datasec { .. } => "DATASEC",
            BtfType::Float { .. } => "FLOAT",
            BtfType::DeclTag { .. } => "DECL_TAG",
            BtfType::TypeTag { .. } => "TYPE_TAG",
        }
    }

    /// The type's name, empty when anonymous or nameless by kind.
    pub fn name(&self) -> &str {
        match self {
            BtfType::Int { name, .. }
            | BtfType::Struct { name, .. }
            | BtfType::Union { name, .. }
            | BtfType::Enum { name, .. }
            | BtfType::Fwd { name, .. }
            | BtfType::Typedef { name, .. }
            | BtfType::Func { name, .. }
            | BtfType::Var { name, .. }
            | BtfType::Datasec { name, .. }
            | BtfType::Float { name, .. }
            | BtfType::DeclTag { name, .. }
            | BtfType::TypeTag { name, .. } => name,
            _ => "",
        }
    }

    /// The type this one refers to, for kinds that refer to exactly one.
    pub fn referenced(&self) -> Option<TypeId> {
        match *self {
            BtfType::Ptr { ty }
            | BtfType::Typedef { ty, .. }
            | BtfType::Volatile { ty }
            | BtfType::Const { ty }
            | BtfType::Restrict { ty }
            | BtfType::Var { ty, .. }
            | BtfType::DeclTag { ty, .. }
            | BtfType::TypeTag { ty, .. } => Some(ty),
            BtfType::Func { proto, .. } => Some(proto),
            BtfType::Array { elem, .. } => Some(elem),
            _ => None,
        }
    }

    /// Whether this is a modifier or typedef that [`crate::btf::Btf::skip_mods`]
    /// looks through.
    pub fn is_modifier(&self) -> bool {
        matches!(
            self,
            BtfType::Typedef { .. }
                | BtfType::Volatile { .. }
                | BtfType::Const { .. }
                | BtfType::Restrict { .. }
                | BtfType::TypeTag { .. }
        )
    }
}
