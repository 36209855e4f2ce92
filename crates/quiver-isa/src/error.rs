//! Why bytes are not a valid BPF program.

use std::fmt;

/// An instruction field, for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    Dst,
    Src,
    Off,
    Imm,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::Dst => "dst_reg",
            Field::Src => "src_reg",
            Field::Off => "off",
            Field::Imm => "imm",
        })
    }
}

/// What is wrong with an instruction or a program.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeErrorKind {
    #[error("unknown opcode")]
    UnknownOpcode,
    #[error("reserved field {field} is {value}, must be 0")]
    ReservedField { field: Field, value: i64 },
    #[error("field {field} is {value}, expected {expected}")]
    InvalidField {
        field: Field,
        value: i64,
        expected: &'static str,
    },
    #[error("field {field} names register r{value}, which does not exist")]
    InvalidRegister { field: Field, value: u8 },
    #[error("atomic read-modify-write needs size W or DW")]
    InvalidAtomicSize,
    #[error("LD_IMM64 has no second slot")]
    LdImm64MissingSecondSlot,
    #[error("second slot of LD_IMM64 must be zero except imm")]
    LdImm64BadSecondSlot,
    #[error("instruction is truncated")]
    Truncated,
    #[error("program length {len} is not a multiple of 8 bytes")]
    TrailingBytes { len: usize },
    #[error("program is empty")]
    Empty,
    #[error("jump to slot {target} is outside the program of {len} slots")]
    JumpOutOfRange { target: i64, len: usize },
    #[error("jump to slot {target} lands in the middle of LD_IMM64")]
    JumpIntoLdImm64 { target: i64 },
    #[error("instruction holds values its encoding cannot carry")]
    NotEncodable,
    #[error("last instruction is not an exit or jmp: execution would fall off the end")]
    FallsOffEnd,
}

/// A program that cannot be decoded: which instruction, its opcode, why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("insn {pc} (opcode {opcode:#04x}): {kind}")]
pub struct DecodeError {
    /// Slot index of the offending instruction.
    pub pc: usize,
    /// Its opcode byte.
    pub opcode: u8,
    /// What is wrong.
    pub kind: DecodeErrorKind,
}
