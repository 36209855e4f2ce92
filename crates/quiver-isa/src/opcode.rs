//! Raw encoding constants of RFC 9669, named as in Linux's `uapi/linux/bpf.h`.
//!
//! Everything above the raw byte layer should use [`crate::Insn`]; these exist
//! for the decoder, the encoder and code that must talk about raw opcodes in
//! messages.

/// Size of one instruction slot in bytes.
pub const INSN_SIZE: usize = 8;

// Instruction classes (low 3 bits of the opcode).
pub const BPF_LD: u8 = 0x00;
pub const BPF_LDX: u8 = 0x01;
pub const BPF_ST: u8 = 0x02;
pub const BPF_STX: u8 = 0x03;
pub const BPF_ALU: u8 = 0x04;
pub const BPF_JMP: u8 = 0x05;
pub const BPF_JMP32: u8 = 0x06;
pub const BPF_ALU64: u8 = 0x07;

/// Source bit of ALU and JMP opcodes.
pub const BPF_K: u8 = 0x00;
pub const BPF_X: u8 = 0x08;

// Size field of load/store opcodes.
pub const BPF_W: u8 = 0x00;
pub const BPF_H: u8 = 0x08;
pub const BPF_B: u8 = 0x10;
pub const BPF_DW: u8 = 0x18;

// Mode field of load/store opcodes.
pub const BPF_IMM: u8 = 0x00;
pub const BPF_ABS: u8 = 0x20;
pub const BPF_IND: u8 = 0x40;
pub const BPF_MEM: u8 = 0x60;
pub const BPF_MEMSX: u8 = 0x80;
pub const BPF_ATOMIC: u8 = 0xc0;

// ALU operations (high 4 bits).
pub const BPF_ADD: u8 = 0x00;
pub const BPF_SUB: u8 = 0x10;
pub const BPF_MUL: u8 = 0x20;
pub const BPF_DIV: u8 = 0x30;
pub const BPF_OR: u8 = 0x40;
pub const BPF_AND: u8 = 0x50;
pub const BPF_LSH: u8 = 0x60;
pub const BPF_RSH: u8 = 0x70;
pub const BPF_NEG: u8 = 0x80;
pub const BPF_MOD: u8 = 0x90;
pub const BPF_XOR: u8 = 0xa0;
pub const BPF_MOV: u8 = 0xb0;
pub const BPF_ARSH: u8 = 0xc0;
pub const BPF_END: u8 = 0xd0;

/// Byte-order source bits of `BPF_END`.
pub const BPF_TO_LE: u8 = 0x00;
pub const BPF_TO_BE: u8 = 0x08;

// Jump operations (high 4 bits).
pub const BPF_JA: u8 = 0x00;
pub const BPF_JEQ: u8 = 0x10;
pub const BPF_JGT: u8 = 0x20;
pub const BPF_JGE: u8 = 0x30;
pub const BPF_JSET: u8 = 0x40;
pub const BPF_JNE: u8 = 0x50;
pub const BPF_JSGT: u8 = 0x60;
pub const BPF_JSGE: u8 = 0x70;
pub const BPF_CALL: u8 = 0x80;
pub const BPF_EXIT: u8 = 0x90;
pub const BPF_JLT: u8 = 0xa0;
pub const BPF_JLE: u8 = 0xb0;
pub const BPF_JSLT: u8 = 0xc0;
pub const BPF_JSLE: u8 = 0xd0;
/// `may_goto` (Linux `BPF_JCOND` with `BPF_MAY_GOTO` in src).
pub const BPF_JCOND: u8 = 0xe0;

// Atomic operations (the `imm` field of `BPF_STX | BPF_ATOMIC`).
pub const BPF_FETCH: i32 = 0x01;
pub const BPF_XCHG: i32 = 0xe0 | BPF_FETCH;
pub const BPF_CMPXCHG: i32 = 0xf0 | BPF_FETCH;
pub const BPF_LOAD_ACQ: i32 = 0x100;
pub const BPF_STORE_REL: i32 = 0x110;

// `src` values of a `BPF_LD | BPF_IMM | BPF_DW` (LD_IMM64) instruction.
pub const BPF_PSEUDO_MAP_FD: u8 = 1;
pub const BPF_PSEUDO_MAP_VALUE: u8 = 2;
pub const BPF_PSEUDO_BTF_ID: u8 = 3;
pub const BPF_PSEUDO_FUNC: u8 = 4;
pub const BPF_PSEUDO_MAP_IDX: u8 = 5;
pub const BPF_PSEUDO_MAP_IDX_VALUE: u8 = 6;

// `src` values of a `BPF_JMP | BPF_CALL` instruction.
pub const BPF_PSEUDO_CALL: u8 = 1;
pub const BPF_PSEUDO_KFUNC_CALL: u8 = 2;

/// Frequently used full opcodes.
pub const LD_IMM64: u8 = BPF_LD | BPF_IMM | BPF_DW;
pub const CALL: u8 = BPF_JMP | BPF_CALL;
pub const CALLX: u8 = BPF_JMP | BPF_CALL | BPF_X;
pub const EXIT: u8 = BPF_JMP | BPF_EXIT;
pub const JA: u8 = BPF_JMP | BPF_JA;
pub const JA32: u8 = BPF_JMP32 | BPF_JA;
pub const MAY_GOTO: u8 = BPF_JMP | BPF_JCOND;

/// Class of an opcode.
pub const fn class(opcode: u8) -> u8 {
    opcode & 0x07
}
