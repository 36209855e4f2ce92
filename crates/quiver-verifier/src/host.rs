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
    /// quiver's own flag: the call may move packet data, so every packet
    /// pointer is invalid after it (Linux's `bpf_helper_changes_pkt_data`).
    pub const CHANGES_PKT_DATA: u32 = 1 << 31;
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
    /// A subprogram, for callbacks (`bpf_loop`, timers, work queues),
    /// with the signature the callback is verified against.
    Callback(Callback),
    /// Memory a call acquired (`ARG_PTR_TO_ALLOC_MEM`: a ring buffer
    /// record), at its start; with [`kf::RELEASE`] the call releases it.
    Alloc,
    /// An iterator object of `size` bytes on the stack (`struct
    /// bpf_iter_num *`); the prototype's `ITER_NEW`/`ITER_NEXT`/
    /// `ITER_DESTROY` flag says what the call does with it.
    Iter { type_name: String, size: u32 },
    /// The `struct bpf_spin_lock` field of a map value.
    SpinLock,
    /// The `struct bpf_timer` field of a map value.
    Timer,
    /// The `struct bpf_wq` field of a map value.
    Wq,
    /// A pointer to the stack, or NULL when `nullable` (Linux's
    /// `ARG_PTR_TO_STACK_OR_NULL`: `bpf_loop`'s context).
    Stack { nullable: bool },
    /// Anything (helpers that accept every value).
    Any,
}

/// What a callback subprogram receives and may return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Callback {
    /// Its arguments, r1 first.
    pub args: Vec<CallbackArg>,
    /// The range its r0 must be in at exit (inclusive).
    pub ret: (i64, i64),
    /// Whether it runs later, on its own (timers, work queues), rather
    /// than during the call (`bpf_loop`).
    pub is_async: bool,
    /// Whether an async callback runs sleepable (work queues).
    pub sleepable: bool,
}

/// One argument of a callback, described from the registering call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallbackArg {
    /// A number.
    Scalar,
    /// The value the registering call got in argument `n` (0-based).
    SameAs(u8),
    /// The map whose value argument `n` of the registering call points
    /// into (a timer or work queue's map).
    MapOf(u8),
    /// A key of that map.
    KeyOf(u8),
    /// The value that argument `n` points into.
    ValueOf(u8),
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
    /// A number in `[min, max]` (`bpf_get_smp_processor_id`).
    Range { min: i64, max: i64 },
    /// Memory of `size` bytes (or of the size in constant argument
    /// `size_arg`), read-only when `rdonly`; NULL when `nullable`.
    Mem {
        size: Option<u32>,
        size_arg: Option<u8>,
        nullable: bool,
        rdonly: bool,
    },
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
    /// A pointer to a host object described in [`Host::btf_structs`]
    /// (struct_ops arguments, e.g. `struct hid_bpf_ctx *`).
    Btf {
        type_name: &'static str,
        nullable: bool,
    },
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
    /// The range of r0 at exit the type allows (inclusive); the full
    /// range means r0 may be anything, a pointer included.
    pub ret_range: (i64, i64),
    /// Whether programs may write packet data through packet pointers.
    pub packet_write: bool,
    /// Whether the legacy `BPF_LD_ABS`/`BPF_LD_IND` loads are allowed.
    pub ld_abs: bool,
    /// Whether programs of this type may be loaded sleepable (those that
    /// must be say so with `sleepable`).
    pub may_sleep: bool,
    /// Why programs of this type may not use maps holding a
    /// `bpf_spin_lock`, if they may not.
    pub spin_lock_refusal: Option<String>,
    /// Context fields (by name) that only full-size accesses may touch.
    pub full_size_fields: Vec<String>,
}

impl ProgramType {
    /// A program type with no context fields, calls or packet access,
    /// returning anything: a starting point for hosts to fill in.
    pub fn new(name: &str, ctx_size: u32) -> Self {
        ProgramType {
            name: name.into(),
            ctx_size,
            ctx_fields: Vec::new(),
            helpers: Vec::new(),
            kfuncs: Vec::new(),
            sleepable: false,
            ret_range: (i64::MIN, i64::MAX),
            packet_write: false,
            ld_abs: false,
            may_sleep: false,
            spin_lock_refusal: None,
            full_size_fields: Vec::new(),
        }
    }

    /// Whether r0 at exit is checked at all.
    pub fn checks_return(&self) -> bool {
        self.ret_range != (i64::MIN, i64::MAX)
    }

    /// The context field `[off, off + size)` falls in, if one does.
    pub fn ctx_field(&self, off: i64, size: u32) -> Option<&CtxField> {
        find_field(&self.ctx_fields, off, size)
    }
}

/// The field of `fields` that holds all of `[off, off + size)`.
pub fn find_field(fields: &[CtxField], off: i64, size: u32) -> Option<&CtxField> {
    fields
        .iter()
        .find(|f| off >= f.off as i64 && off + size as i64 <= f.off as i64 + f.size as i64)
}

/// A host object programs reach through BTF-typed pointers: its size and
/// the fields they may read or write (reads of other in-bounds bytes are
/// refused, as writes are).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BtfStruct {
    pub name: String,
    pub size: u32,
    pub fields: Vec<CtxField>,
}

/// Everything the verifier knows about the host.
#[derive(Clone, Debug, Default)]
pub struct Host {
    pub helpers: BTreeMap<u32, Proto>,
    pub kfuncs: BTreeMap<String, Proto>,
    pub program_types: BTreeMap<String, ProgramType>,
    pub btf_structs: BTreeMap<String, BtfStruct>,
    /// Map types (`BPF_MAP_TYPE_*`) sleepable programs may use beyond
    /// Linux's (array, hash, ringbuf, local storage...): quiver's runtime
    /// adds prog arrays, which its owner rule makes safe there.
    pub extra_sleepable_maps: Vec<u32>,
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

    /// Declares a host object type for BTF-typed pointers.
    pub fn btf_struct(mut self, st: BtfStruct) -> Self {
        self.btf_structs.insert(st.name.clone(), st);
        self
    }
}
