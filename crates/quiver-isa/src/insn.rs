//! The typed instruction: what every other part of quiver works on.
//!
//! Each variant holds exactly the fields that carry meaning for it, so that a
//! decoded instruction cannot hold a reserved field with a non-zero value.
//! [`crate::encode`] and [`crate::decode`] are exact inverses on every
//! encoding the decoder accepts.

use std::fmt;

/// A BPF register, `r0` to `r10` (`r10` is the read-only frame pointer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Reg(u8);

impl Reg {
    pub const R0: Reg = Reg(0);
    pub const R1: Reg = Reg(1);
    pub const R2: Reg = Reg(2);
    pub const R3: Reg = Reg(3);
    pub const R4: Reg = Reg(4);
    pub const R5: Reg = Reg(5);
    pub const R6: Reg = Reg(6);
    pub const R7: Reg = Reg(7);
    pub const R8: Reg = Reg(8);
    pub const R9: Reg = Reg(9);
    /// The frame pointer.
    pub const R10: Reg = Reg(10);
    /// Number of registers.
    pub const COUNT: usize = 11;

    /// The register numbered `n`, if `n` names one (0..=10).
    pub const fn new(n: u8) -> Option<Reg> {
        if n <= 10 { Some(Reg(n)) } else { None }
    }

    /// The register number.
    pub const fn index(self) -> u8 {
        self.0
    }
}

impl fmt::Display for Reg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "r{}", self.0)
    }
}

/// Operand width of an ALU or jump instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Width {
    /// 32-bit (`BPF_ALU`, `BPF_JMP32`): operates on the low halves; ALU
    /// results are zero-extended.
    W32,
    /// 64-bit (`BPF_ALU64`, `BPF_JMP`).
    W64,
}

/// Size of a memory access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Size {
    /// 1 byte (`BPF_B`).
    B,
    /// 2 bytes (`BPF_H`).
    H,
    /// 4 bytes (`BPF_W`).
    W,
    /// 8 bytes (`BPF_DW`).
    DW,
}

impl Size {
    /// The access size in bytes.
    pub const fn bytes(self) -> usize {
        match self {
            Size::B => 1,
            Size::H => 2,
            Size::W => 4,
            Size::DW => 8,
        }
    }

    /// The access size in bits.
    pub const fn bits(self) -> u32 {
        self.bytes() as u32 * 8
    }
}

/// Second operand of ALU, jump and store instructions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// A register (`BPF_X`).
    Reg(Reg),
    /// The 32-bit immediate (`BPF_K`), sign-extended to 64 bits where used
    /// as a 64-bit operand.
    Imm(i32),
}

/// Binary ALU operations. Signed division and modulo are the ISA v4
/// encodings with `off = 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AluOp {
    Add,
    Sub,
    Mul,
    /// Unsigned division; by zero gives 0.
    Div,
    /// Signed division (ISA v4); by zero gives 0.
    Sdiv,
    Or,
    And,
    Lsh,
    Rsh,
    /// Unsigned modulo; by zero leaves dst unchanged (32-bit: zero-extended).
    Mod,
    /// Signed modulo (ISA v4); by zero leaves dst unchanged.
    Smod,
    Xor,
    Mov,
    Arsh,
}

/// What a `BPF_END` instruction does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ByteOrder {
    /// Convert from host order to little endian (`le16/32/64`).
    ToLe,
    /// Convert from host order to big endian (`be16/32/64`).
    ToBe,
    /// Unconditional byte swap (ISA v4, `bswap16/32/64`).
    Swap,
}

/// Conditions of conditional jumps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JmpCond {
    Eq,
    Gt,
    Ge,
    Set,
    Ne,
    Sgt,
    Sge,
    Lt,
    Le,
    Slt,
    Sle,
}

impl JmpCond {
    /// Every condition, in opcode order.
    pub const ALL: [JmpCond; 11] = [
        JmpCond::Eq,
        JmpCond::Gt,
        JmpCond::Ge,
        JmpCond::Set,
        JmpCond::Ne,
        JmpCond::Sgt,
        JmpCond::Sge,
        JmpCond::Lt,
        JmpCond::Le,
        JmpCond::Slt,
        JmpCond::Sle,
    ];
}

/// Read-modify-write operation of an atomic instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AtomicOp {
    /// `*addr += src`; with `fetch`, src receives the old value.
    Add {
        fetch: bool,
    },
    Or {
        fetch: bool,
    },
    And {
        fetch: bool,
    },
    Xor {
        fetch: bool,
    },
    /// Exchange: src receives the old value.
    Xchg,
    /// Compare `r0` with `*addr`, store src if equal; `r0` receives the old
    /// value.
    Cmpxchg,
    /// `dst = load_acquire(src + off)` (Linux 6.15; any size).
    LoadAcquire,
    /// `store_release(dst + off, src)` (Linux 6.15; any size).
    StoreRelease,
}

/// Meaning of the 64-bit immediate of `LD_IMM64` (its `src` field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pseudo {
    /// 0: a plain 64-bit constant.
    Imm,
    /// 1: `imm` (low 32 bits) is a map file descriptor.
    MapFd,
    /// 2: low 32 bits a map fd, high 32 bits an offset into its value.
    MapValue,
    /// 3: a kernel variable's address by BTF id.
    BtfId,
    /// 4: the address of a subprogram, `imm` a pc-relative slot offset.
    Func,
    /// 5: low 32 bits a map index (loader-relative).
    MapIdx,
    /// 6: low 32 bits a map index, high 32 bits an offset into its value.
    MapIdxValue,
}

impl Pseudo {
    /// The `src` field value.
    pub const fn src(self) -> u8 {
        match self {
            Pseudo::Imm => 0,
            Pseudo::MapFd => 1,
            Pseudo::MapValue => 2,
            Pseudo::BtfId => 3,
            Pseudo::Func => 4,
            Pseudo::MapIdx => 5,
            Pseudo::MapIdxValue => 6,
        }
    }

    /// The pseudo source for a `src` field value.
    pub const fn from_src(src: u8) -> Option<Pseudo> {
        Some(match src {
            0 => Pseudo::Imm,
            1 => Pseudo::MapFd,
            2 => Pseudo::MapValue,
            3 => Pseudo::BtfId,
            4 => Pseudo::Func,
            5 => Pseudo::MapIdx,
            6 => Pseudo::MapIdxValue,
            _ => return None,
        })
    }
}

/// Addressing mode of a legacy packet load (`BPF_LD | BPF_ABS/BPF_IND`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PacketMode {
    /// `r0 = ntoh(*(size *)(skb->data + imm))`.
    Abs,
    /// `r0 = ntoh(*(size *)(skb->data + src + imm))`.
    Ind(Reg),
}

/// Target of a `call` instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallTarget {
    /// `src = 0`: a helper by its numeric id.
    Helper(i32),
    /// `src = 1`: a bpf-to-bpf call; the callee starts at `pc + 1 + offset`.
    Local(i32),
    /// `src = 2`: a kfunc by BTF id; `module` is the `off` field (index of
    /// the module BTF fd, 0 for vmlinux).
    Kfunc { btf_id: i32, module: i16 },
}

/// Which field of a `callx` holds the register. The RFC and the
/// bpf_conformance assembler use `dst`; some LLVM versions put it in `imm`. Both decode,
/// and the form is kept so that encoding gives back the same bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallxForm {
    /// Register in `dst`, `imm = 0`.
    Dst,
    /// Register in `imm`, `dst = 0`.
    Imm,
}

/// One BPF instruction (an `LD_IMM64` is one instruction in two slots).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Insn {
    /// `dst op= src`.
    Alu {
        width: Width,
        op: AluOp,
        dst: Reg,
        src: Source,
    },
    /// `dst = -dst`.
    Neg { width: Width, dst: Reg },
    /// Sign-extending move (ISA v4): `dst = (s<bits>) src`. 32-bit width
    /// allows 8 and 16, 64-bit width 8, 16 and 32.
    MovSx {
        width: Width,
        dst: Reg,
        src: Reg,
        bits: u8,
    },
    /// Byte order conversion of the low `bits` (16, 32 or 64) of dst.
    Endian {
        order: ByteOrder,
        bits: u8,
        dst: Reg,
    },
    /// `dst = imm` (two slots); the meaning of `imm` depends on `pseudo`.
    /// For pseudo sources other than [`Pseudo::Imm`] the low 32 bits are
    /// the first slot's `imm` and the high 32 bits the second slot's.
    LoadImm64 { dst: Reg, pseudo: Pseudo, imm: u64 },
    /// `dst = *(size *)(src + off)`, sign-extended when `sign_extend`
    /// (ISA v4 `BPF_MEMSX`, sizes B, H, W).
    Load {
        size: Size,
        sign_extend: bool,
        dst: Reg,
        src: Reg,
        off: i16,
    },
    /// `*(size *)(dst + off) = src` (`BPF_ST` with an immediate, `BPF_STX`
    /// with a register).
    Store {
        size: Size,
        dst: Reg,
        off: i16,
        src: Source,
    },
    /// Atomic operation on `*(size *)(dst + off)` with `src`.
    Atomic {
        size: Size,
        op: AtomicOp,
        dst: Reg,
        src: Reg,
        off: i16,
    },
    /// Legacy packet load into `r0` (`BPF_LD | BPF_ABS/BPF_IND`).
    LoadPacket {
        mode: PacketMode,
        size: Size,
        imm: i32,
    },
    /// Conditional jump to `pc + 1 + off`.
    Jump {
        width: Width,
        cond: JmpCond,
        dst: Reg,
        src: Source,
        off: i16,
    },
    /// Unconditional jump to `pc + 1 + off`. `long` is the ISA v4 `JMP32 |
    /// JA` form whose offset is in `imm` (`gotol`, `ja32`).
    Ja { off: i32, long: bool },
    /// Linux `may_goto`: jump to `pc + 1 + off` once the loop budget is
    /// spent, else fall through.
    MayGoto { off: i16 },
    /// Call a helper, a subprogram or a kfunc.
    Call(CallTarget),
    /// Call through a register (conformance group `callx`).
    Callx { reg: Reg, form: CallxForm },
    /// Return `r0` to the caller.
    Exit,
}

impl Insn {
    /// Number of 8-byte slots the instruction occupies.
    pub const fn slots(&self) -> usize {
        match self {
            Insn::LoadImm64 { .. } => 2,
            _ => 1,
        }
    }

    /// The pc-relative slot offset of a jump, local call or function
    /// address, relative to the slot after this instruction.
    pub fn branch_offset(&self) -> Option<i64> {
        match *self {
            Insn::Jump { off, .. } => Some(off as i64),
            Insn::Ja { off, .. } => Some(off as i64),
            Insn::MayGoto { off } => Some(off as i64),
            Insn::Call(CallTarget::Local(off)) => Some(off as i64),
            Insn::LoadImm64 {
                pseudo: Pseudo::Func,
                imm,
                ..
            } => Some(imm as u32 as i32 as i64),
            _ => None,
        }
    }

    /// Registers the instruction reads and writes, as bit sets (bit n is
    /// rn). A call reads all of r1..r5 (what a prototype says it reads is
    /// the caller's to narrow) and writes r0..r5; a legacy packet load
    /// reads r6 (the context) and writes r0..r5, as Linux has it.
    pub fn reads_writes(&self) -> (u16, u16) {
        const ARGS: u16 = 0b11_1110;
        const CALLER_SAVED: u16 = 0b11_1111;
        let bit = |r: Reg| 1u16 << r.index();
        let src_bit = |s: &Source| match s {
            Source::Reg(r) => bit(*r),
            Source::Imm(_) => 0,
        };
        match self {
            Insn::Alu {
                op: AluOp::Mov,
                dst,
                src,
                ..
            } => (src_bit(src), bit(*dst)),
            Insn::Alu { dst, src, .. } => (bit(*dst) | src_bit(src), bit(*dst)),
            Insn::Neg { dst, .. } | Insn::Endian { dst, .. } => (bit(*dst), bit(*dst)),
            Insn::MovSx { dst, src, .. } => (bit(*src), bit(*dst)),
            Insn::LoadImm64 { dst, .. } => (0, bit(*dst)),
            Insn::Load { dst, src, .. } => (bit(*src), bit(*dst)),
            Insn::Store { dst, src, .. } => (bit(*dst) | src_bit(src), 0),
            Insn::Atomic { op, dst, src, .. } => match op {
                AtomicOp::LoadAcquire => (bit(*src), bit(*dst)),
                AtomicOp::StoreRelease => (bit(*dst) | bit(*src), 0),
                AtomicOp::Cmpxchg => (bit(*dst) | bit(*src) | 1, 1),
                _ => (bit(*dst) | bit(*src), bit(*src)),
            },
            Insn::LoadPacket { mode, .. } => {
                let ind = match mode {
                    PacketMode::Ind(r) => bit(*r),
                    PacketMode::Abs => 0,
                };
                (1 << 6 | ind, CALLER_SAVED)
            }
            Insn::Jump { dst, src, .. } => (bit(*dst) | src_bit(src), 0),
            Insn::Ja { .. } | Insn::MayGoto { .. } => (0, 0),
            Insn::Call(_) => (ARGS, CALLER_SAVED),
            Insn::Callx { reg, .. } => (ARGS | bit(*reg), CALLER_SAVED),
            Insn::Exit => (1, 0),
        }
    }

    /// Whether execution never continues at the next slot.
    pub const fn ends_flow(&self) -> bool {
        matches!(self, Insn::Exit | Insn::Ja { .. })
    }
}
