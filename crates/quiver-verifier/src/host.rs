//! The host description the verifier checks programs against: program
//! types with their context layouts, helpers and kfuncs with their
//! prototypes and flags. Nothing host-specific lives in the verifier; a
//! host (quiver's runtime, the HID host, a user's own) hands this in as
//! data.

use std::collections::BTreeMap;

/// Kfunc flags, with Linux's values (`include/linux/btf.h`).
pub mod kf {
    pub const ACQUIRE: u32 = 1 << 0;
    pub const RELEASE: u32 = 1 << 1;
    pub const RET_NULL: u32 = 1 << 2;
    pub const TRUSTED_ARGS: u32 = 1 << 4;
    pub const SLEEPABLE: u32 = 1 << 5;
    pub const DESTRUCTIVE: u32 = 1 << 6;
    pub const RCU: u32 = 1 << 7;
    pub const ITER_NEW: u32 = 1 << 8;
    pub const ITER_NEXT: u32 = 1 << 9;
    pub const ITER_DESTROY: u32 = 1 << 10;
}

/// What an argument register must hold (Linux's `enum bpf_arg_type`,
/// reduced to what the checks distinguish).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    /// Any initialised scalar.
    Scalar,
    /// A scalar the verifier must know exactly (e.g. `hid_bpf_get_data`'s
    /// size, Linux's `__k`/`__sz` rules), within these bounds.
    Const { min: u64, max: u64 },
    /// A map (`CONST_PTR_TO_MAP`).
    Map,
    /// Memory holding a key of the map in argument `map_arg`.
    MapKey { map_arg: u8 },
    /// Memory holding a value of the map in argument `map_arg`.
    MapValue { map_arg: u8 },
    /// Readable memory of `size` bytes, or of the size in argument
    /// `size_arg` when `size` is `None` (`ARG_PTR_TO_MEM` + `ARG_CONST_SIZE`).
    Mem {
        size: Option<u32>,
        size_arg: Option<u8>,
        writable: bool,
        nullable: bool,
    },
    /// The size of the memory argument before it.
    Size { zero_ok: bool },
    /// The program's context.
    Ctx,
    /// A pointer to a BTF-typed host object (`struct hid_bpf_ctx *`...).
    Btf { type_name: String, nullable: bool },
    /// A subprogram, for callbacks (`bpf_loop`, timers, work queues).
    Callback,
    /// Anything (helpers that accept every value).
    Any,
}

/// What a call leaves in r0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ret {
    /// An integer (r0 is a scalar).
    Scalar,
    /// Nothing (r0 unreadable after the call).
    Void,
    /// A map value of the map in the given argument, or NULL.
    MapValueOrNull { map_arg: u8 },
    /// Memory of a size known from a constant argument, or NULL.
    MemOrNull { size_arg: u8 },
    /// A BTF-typed host object.
    Btf { type_name: String, nullable: bool },
}

/// A helper or kfunc prototype.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proto {
    pub name: String,
    pub args: Vec<Arg>,
    pub ret: Ret,
    /// `kf::*` flags (kfuncs only).
    pub flags: u32,
}

impl Proto {
    /// A prototype with no flags.
    pub fn new(name: &str, args: Vec<Arg>, ret: Ret) -> Self {
        Proto {
            name: name.into(),
            args,
            ret,
            flags: 0,
        }
    }

    /// The same prototype with `kf::*` flags.
    pub fn flags(mut self, flags: u32) -> Self {
        self.flags = flags;
        self
    }

    /// Whether only sleepable programs may call it.
    pub fn is_sleepable(&self) -> bool {
        self.flags & kf::SLEEPABLE != 0
    }
}

/// How a program may access one context field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CtxField {
    pub name: String,
    pub off: u32,
    pub size: u32,
    pub read: bool,
    pub write: bool,
    /// What a load of the field gives: a scalar, or a packet pointer.
    pub kind: CtxFieldKind,
}

/// What a context field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CtxFieldKind {
    Scalar,
    PacketData,
    PacketEnd,
    PacketMeta,
}

/// A program type: its context and what it may call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramType {
    pub name: String,
    /// Size of the context struct programs see.
    pub ctx_size: u32,
    pub ctx_fields: Vec<CtxField>,
    /// Helper ids it may call.
    pub helpers: Vec<u32>,
    /// Kfunc names it may call.
    pub kfuncs: Vec<String>,
    /// Whether programs of this type are loaded sleepable.
    pub sleepable: bool,
    /// The range of r0 at exit the type allows (inclusive).
    pub ret_range: (i64, i64),
}

/// Everything the verifier knows about the host.
#[derive(Clone, Debug, Default)]
pub struct Host {
    pub helpers: BTreeMap<u32, Proto>,
    pub kfuncs: BTreeMap<String, Proto>,
    pub program_types: BTreeMap<String, ProgramType>,
}

impl Host {
    /// An empty host: no helpers, kfuncs or program types.
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares a helper.
    pub fn helper(mut self, id: u32, proto: Proto) -> Self {
        self.helpers.insert(id, proto);
        self
    }

    /// Declares a kfunc.
    pub fn kfunc(mut self, proto: Proto) -> Self {
        self.kfuncs.insert(proto.name.clone(), proto);
        self
    }

    /// Declares a program type.
    pub fn program_type(mut self, ty: ProgramType) -> Self {
        self.program_types.insert(ty.name.clone(), ty);
        self
    }
}
