//! What one register (or spilled stack slot) holds: nothing yet, a number,
//! or a pointer into one of the regions a program can reach (Linux's
//! `struct bpf_reg_state`, split by kind so that each kind carries only
//! what means something for it).

use std::fmt;
use std::sync::Arc;

use crate::domain::scalar::Scalar;

/// The abstract value of a register.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum Value {
    /// Never written (Linux's `NOT_INIT`): reading it is an error.
    #[default]
    Uninit,
    /// A number.
    Scalar(Scalar),
    /// A pointer.
    Ptr(Ptr),
}

/// The region a pointer points into.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Region {
    /// The program's context (`PTR_TO_CTX`).
    Ctx,
    /// The stack of frame `frame` (0 is the main program's).
    Stack { frame: u8 },
    /// A map itself (`CONST_PTR_TO_MAP`), by index into the input's maps.
    MapPtr { map: u32 },
    /// A map value (`PTR_TO_MAP_VALUE`).
    MapValue { map: u32 },
    /// A map key handed to a callback (`PTR_TO_MAP_KEY`).
    MapKey { map: u32 },
    /// Packet data (`PTR_TO_PACKET`); `range` bytes past the pointer's
    /// fixed offset are known to be inside the packet.
    Packet { range: u32 },
    /// The packet's end (`PTR_TO_PACKET_END`): only for comparisons.
    PacketEnd,
    /// The packet's metadata (`PTR_TO_PACKET_META`).
    PacketMeta { range: u32 },
    /// Memory of `size` bytes (`PTR_TO_MEM`), e.g. an iterator's element.
    Mem { size: u32, rdonly: bool },
    /// Memory a call acquired (a ring buffer record: `PTR_TO_MEM |
    /// MEM_ALLOC`), released by passing it back.
    Alloc { size: u32 },
    /// A host object of a type the host describes (`PTR_TO_BTF_ID`).
    Btf { type_name: Arc<str> },
    /// A subprogram (`PTR_TO_FUNC`), by its first instruction index.
    Func { insn: u32 },
}

/// A pointer: region plus an offset, in two parts as Linux keeps it (a
/// fixed offset and a variable one, the latter tracked as a scalar).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ptr {
    pub region: Region,
    /// Fixed offset from the region's base (or the packet pointer's
    /// variable position).
    pub off: i64,
    /// Variable offset added to `off`.
    pub var: Scalar,
    /// May be NULL (`PTR_MAYBE_NULL`): must be checked before use.
    pub nullable: bool,
    /// Identity shared by copies: a null check on one applies to all, and
    /// packet pointers with one variable offset share a range.
    pub id: u32,
    /// The reference this pointer holds (0 for none): released by the
    /// matching release call, leaked if still held at exit.
    pub ref_id: u32,
}

impl Ptr {
    /// A pointer to the start of `region`.
    pub fn to(region: Region) -> Ptr {
        Ptr {
            region,
            off: 0,
            var: Scalar::constant(0),
            nullable: false,
            id: 0,
            ref_id: 0,
        }
    }

    /// Whether the variable part is exactly zero.
    pub fn has_const_off(&self) -> bool {
        self.var.const_value() == Some(0)
    }

    /// The smallest and largest offset the pointer may hold, or `None`
    /// when the range overflows.
    pub fn off_range(&self) -> Option<(i64, i64)> {
        let lo = self.off.checked_add(self.var.smin)?;
        let hi = self.off.checked_add(self.var.smax)?;
        Some((lo, hi))
    }
}

impl Value {
    /// A scalar of unknown value.
    pub fn unknown() -> Value {
        Value::Scalar(Scalar::UNKNOWN)
    }

    /// The constant `v`.
    pub fn constant(v: u64) -> Value {
        Value::Scalar(Scalar::constant(v))
    }

    pub fn as_scalar(&self) -> Option<&Scalar> {
        match self {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_ptr(&self) -> Option<&Ptr> {
        match self {
            Value::Ptr(p) => Some(p),
            _ => None,
        }
    }

    pub fn is_init(&self) -> bool {
        !matches!(self, Value::Uninit)
    }

    /// Whether it is a pointer (of any kind).
    pub fn is_pointer(&self) -> bool {
        matches!(self, Value::Ptr(_))
    }

    /// Linux's name for the value's type, as messages print it
    /// (`R1 invalid mem access 'scalar'`).
    pub fn type_name(&self) -> String {
        match self {
            Value::Uninit => "?".into(),
            Value::Scalar(_) => "scalar".into(),
            Value::Ptr(p) => p.type_name(),
        }
    }
}

impl Ptr {
    /// Linux's name for the pointer's type (`map_value_or_null`, `fp`...).
    pub fn type_name(&self) -> String {
        let base = match &self.region {
            Region::Ctx => "ctx",
            Region::Stack { .. } => "fp",
            Region::MapPtr { .. } => "map_ptr",
            Region::MapValue { .. } => "map_value",
            Region::MapKey { .. } => "map_key",
            Region::Packet { .. } => "pkt",
            Region::PacketEnd => "pkt_end",
            Region::PacketMeta { .. } => "pkt_meta",
            Region::Mem { rdonly: true, .. } => "rdonly_mem",
            Region::Mem { .. } => "mem",
            Region::Alloc { .. } => "ringbuf_mem",
            Region::Btf { .. } => "ptr_",
            Region::Func { .. } => "func",
        };
        if self.nullable {
            format!("{base}_or_null")
        } else {
            base.into()
        }
    }
}

/// Formats a scalar as Linux's log does: a constant as its signed value,
/// otherwise `scalar(...)` with the bounds that say something.
pub struct ScalarDisplay<'a>(pub &'a Scalar);

impl fmt::Display for ScalarDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        if let Some(v) = s.const_value() {
            return write!(f, "{}", v as i64);
        }
        let mut parts = Vec::new();
        if s.smin != i64::MIN {
            parts.push(format!("smin={}", s.smin));
        }
        if s.smax != i64::MAX {
            parts.push(format!("smax={}", s.smax));
        }
        if s.umin != 0 {
            parts.push(format!("umin={}", s.umin));
        }
        if s.umax != u64::MAX {
            parts.push(format!("umax={}", s.umax));
        }
        if s.s32_min != i32::MIN && s.s32_min as i64 != s.smin {
            parts.push(format!("smin32={}", s.s32_min));
        }
        if s.s32_max != i32::MAX && s.s32_max as i64 != s.smax {
            parts.push(format!("smax32={}", s.s32_max));
        }
        if s.u32_min != 0 && s.u32_min as u64 != s.umin {
            parts.push(format!("umin32={}", s.u32_min));
        }
        if s.u32_max != u32::MAX && s.u32_max as u64 != s.umax {
            parts.push(format!("umax32={}", s.u32_max));
        }
        if s.var_off.mask != u64::MAX {
            parts.push(format!(
                "var_off=({:#x}; {:#x})",
                s.var_off.value, s.var_off.mask
            ));
        }
        write!(f, "scalar({})", parts.join(","))
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Uninit => write!(f, "?"),
            Value::Scalar(s) => ScalarDisplay(s).fmt(f),
            Value::Ptr(p) => p.fmt(f),
        }
    }
}

impl fmt::Display for Ptr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Region::Stack { frame } = self.region
            && self.has_const_off()
        {
            {
                return if frame == 0 {
                    write!(f, "fp{}", self.off)
                } else {
                    write!(f, "fp[{frame}]{}", self.off)
                };
            }
        }
        let mut parts = Vec::new();
        if self.id != 0 {
            parts.push(format!("id={}", self.id));
        }
        if self.ref_id != 0 {
            parts.push(format!("ref_obj_id={}", self.ref_id));
        }
        if self.off != 0 {
            parts.push(format!("off={}", self.off));
        }
        match &self.region {
            Region::MapPtr { map } | Region::MapValue { map } | Region::MapKey { map } => {
                parts.push(format!("map={map}"));
            }
            Region::Packet { range } | Region::PacketMeta { range } => {
                parts.push(format!("r={range}"));
            }
            Region::Mem { size, .. } | Region::Alloc { size } => parts.push(format!("sz={size}")),
            Region::Btf { type_name } => {
                return write!(f, "ptr_{type_name}({})", parts.join(","));
            }
            _ => {}
        }
        if !self.has_const_off() {
            let v = ScalarDisplay(&self.var).to_string();
            let inner = v
                .strip_prefix("scalar(")
                .and_then(|v| v.strip_suffix(')'))
                .unwrap_or(&v)
                .to_string();
            parts.push(inner);
        }
        write!(f, "{}({})", self.type_name(), parts.join(","))
    }
}
