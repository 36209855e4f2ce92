//! What a host declares of a struct_ops type.

use std::sync::Arc;

use quiver_obj::btf::{Btf, TypeId};
use quiver_verifier::host::{CtxField, CtxFieldKind, ProgramType};

/// The type of a callback argument, as the program sees it in its
/// `u64 args[]` context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArgType {
    /// A number.
    Scalar,
    /// A pointer to a host object, described to the verifier by a
    /// [`BtfStruct`](quiver_verifier::host::BtfStruct) of this name.
    Ptr {
        type_name: &'static str,
        nullable: bool,
    },
}

/// One callback member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Callback {
    pub name: String,
    pub args: Vec<ArgType>,
    /// The values the program may return (inclusive).
    pub ret: (i64, i64),
    /// Whether a sleepable program (`struct_ops.s/`) may implement it.
    pub may_sleep: bool,
}

/// One data member: an integer of 1, 2, 4 or 8 bytes, or opaque bytes
/// (a host-private field such as a list head), which must stay zero.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataMember {
    pub name: String,
    pub size: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Member {
    Callback(Callback),
    Data(DataMember),
}

impl Member {
    pub(crate) fn name(&self) -> &str {
        match self {
            Member::Callback(c) => &c.name,
            Member::Data(d) => &d.name,
        }
    }

    fn size(&self) -> u32 {
        match self {
            Member::Callback(_) => 8,
            Member::Data(d) => d.size,
        }
    }

    fn align(&self) -> u32 {
        self.size().next_power_of_two().min(8)
    }
}

/// The data members of one implementation, as its variable set them.
pub struct StructOpsData<'a> {
    pub(crate) ty: &'a StructOpsType,
    pub(crate) bytes: &'a [u8],
}

impl StructOpsData<'_> {
    /// The value of data member `name` (zero-extended), if declared.
    pub fn get(&self, name: &str) -> Option<u64> {
        let (m, off) = self.ty.member(name)?;
        let Member::Data(d) = m else { return None };
        if d.size > 8 {
            return None;
        }
        let b = self.bytes.get(off as usize..(off + d.size) as usize)?;
        let mut v = [0u8; 8];
        v[..b.len()].copy_from_slice(b);
        Some(u64::from_le_bytes(v))
    }
}

/// Validates an implementation's data and names its device.
pub type InitFn = Arc<dyn Fn(&StructOpsData<'_>) -> Result<u64, String> + Send + Sync>;

/// A host hook on an implementation (validate, reg, unreg).
pub type ImplFn = Arc<dyn Fn(&super::Implementation) -> Result<(), String> + Send + Sync>;

/// A struct_ops type: its members in declaration order (each at the next
/// offset aligned to its size), its per-device limit and its hooks.
#[derive(Clone)]
pub struct StructOpsType {
    pub(crate) name: String,
    pub(crate) members: Vec<Member>,
    pub(crate) limit: usize,
    pub(crate) init: InitFn,
    pub(crate) validate: Option<ImplFn>,
    pub(crate) reg: Option<ImplFn>,
    pub(crate) unreg: Option<ImplFn>,
}

impl std::fmt::Debug for StructOpsType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StructOpsType")
            .field("name", &self.name)
            .field("members", &self.members)
            .field("limit", &self.limit)
            .finish()
    }
}

impl StructOpsType {
    /// A type with no members, at most 64 implementations per device, all
    /// on device 0 (until [`init`](Self::init) says otherwise).
    pub fn new(name: &str) -> StructOpsType {
        StructOpsType {
            name: name.into(),
            members: Vec::new(),
            limit: 64,
            init: Arc::new(|_| Ok(0)),
            validate: None,
            reg: None,
            unreg: None,
        }
    }

    /// Checks a loaded implementation as a whole (which callbacks it has,
    /// its data); an error refuses the object.
    pub fn validate(
        mut self,
        f: impl Fn(&super::Implementation) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.validate = Some(Arc::new(f));
        self
    }

    /// Called before an implementation is attached (also as the new one of
    /// an update); an error refuses the attach.
    pub fn reg(
        mut self,
        f: impl Fn(&super::Implementation) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.reg = Some(Arc::new(f));
        self
    }

    /// Called after an implementation is detached (also as the old one of
    /// an update).
    pub fn unreg(
        mut self,
        f: impl Fn(&super::Implementation) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.unreg = Some(Arc::new(f));
        self
    }

    /// Adds a callback member.
    pub fn callback(
        mut self,
        name: &str,
        args: &[ArgType],
        ret: (i64, i64),
        may_sleep: bool,
    ) -> Self {
        self.members.push(Member::Callback(Callback {
            name: name.into(),
            args: args.to_vec(),
            ret,
            may_sleep,
        }));
        self
    }

    /// Adds a data member of `size` bytes: an integer of 1, 2, 4 or 8
    /// bytes that [`init`](Self::init) reads, or opaque bytes that must be
    /// zero (a host-private field).
    pub fn data(mut self, name: &str, size: u32) -> Self {
        self.members.push(Member::Data(DataMember {
            name: name.into(),
            size: size.max(1),
        }));
        self
    }

    /// Implementations one device may have attached at once.
    pub fn limit_per_device(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// The hook that validates an implementation's data members when it
    /// loads, and returns the device it is for; an error refuses the
    /// object. (The declared data members are all it sees: any other
    /// non-zero byte in the variable is refused before it runs.)
    pub fn init(
        mut self,
        f: impl Fn(&StructOpsData<'_>) -> Result<u64, String> + Send + Sync + 'static,
    ) -> Self {
        self.init = Arc::new(f);
        self
    }

    /// The type's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Members with their byte offsets.
    pub(crate) fn layout(&self) -> Vec<(&Member, u32)> {
        let mut off = 0u32;
        self.members
            .iter()
            .map(|m| {
                let a = m.align();
                off = off.div_ceil(a) * a;
                let at = off;
                off += m.size();
                (m, at)
            })
            .collect()
    }

    /// Size of the struct (padded to 8).
    pub fn size(&self) -> u32 {
        self.layout()
            .last()
            .map_or(0, |(m, off)| (off + m.size()).div_ceil(8) * 8)
    }

    pub(crate) fn member(&self, name: &str) -> Option<(&Member, u32)> {
        self.layout().into_iter().find(|(m, _)| m.name() == name)
    }

    /// The callbacks, in declaration order.
    pub fn callbacks(&self) -> impl Iterator<Item = &Callback> {
        self.members.iter().filter_map(|m| match m {
            Member::Callback(c) => Some(c),
            Member::Data(_) => None,
        })
    }

    /// Index of callback `name` among [`callbacks`](Self::callbacks).
    pub fn callback_index(&self, name: &str) -> Option<usize> {
        self.callbacks().position(|c| c.name == name)
    }

    /// The verifier's program type for programs implementing `callback`.
    pub(crate) fn program_type_name(&self, callback: &str) -> String {
        format!("struct_ops:{}.{callback}", self.name)
    }

    /// One verifier program type per callback: a `u64 args[]` context
    /// typed per argument, the return range, whether it may sleep.
    pub(crate) fn program_types(&self, helpers: &[u32], kfuncs: &[String]) -> Vec<ProgramType> {
        self.callbacks()
            .map(|c| {
                let mut t =
                    ProgramType::new(&self.program_type_name(&c.name), 8 * c.args.len() as u32);
                t.ctx_fields = c
                    .args
                    .iter()
                    .enumerate()
                    .map(|(i, a)| CtxField {
                        name: format!("args[{i}]"),
                        off: 8 * i as u32,
                        size: 8,
                        read: true,
                        write: false,
                        kind: match a {
                            ArgType::Scalar => CtxFieldKind::Scalar,
                            ArgType::Ptr {
                                type_name,
                                nullable,
                            } => CtxFieldKind::Btf {
                                type_name,
                                nullable: *nullable,
                            },
                        },
                    })
                    .collect();
                t.ret_range = c.ret;
                t.may_sleep = c.may_sleep;
                t.helpers = helpers.to_vec();
                t.kfuncs = kfuncs.to_vec();
                t
            })
            .collect()
    }

    /// Adds the struct to `btf` (callbacks as `void *`, data members as
    /// unsigned integers), for CO-RE against the host's declaration.
    pub fn add_btf(&self, btf: &mut Btf) -> TypeId {
        let void_ptr = btf.add_ptr(0);
        let mut ints = std::collections::BTreeMap::new();
        let fields: Vec<(String, TypeId, u32)> = self
            .layout()
            .into_iter()
            .map(|(m, off)| {
                let ty = match m {
                    Member::Callback(_) => void_ptr,
                    Member::Data(d) if d.size > 8 || !d.size.is_power_of_two() => {
                        let byte = *ints
                            .entry(1)
                            .or_insert_with(|| btf.add_int("__u8", 1, false));
                        btf.add_array(byte, d.size)
                    }
                    Member::Data(d) => *ints.entry(d.size).or_insert_with(|| {
                        btf.add_int(&format!("__u{}", d.size * 8), d.size, false)
                    }),
                };
                (m.name().to_string(), ty, off)
            })
            .collect();
        let refs: Vec<(&str, TypeId, u32)> = fields
            .iter()
            .map(|(n, t, o)| (n.as_str(), *t, *o))
            .collect();
        btf.add_struct_at(&self.name, self.size(), &refs)
    }
}
