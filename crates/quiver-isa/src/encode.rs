//! Typed instructions to bytes: the exact inverse of [`crate::decode`].

use crate::decode::RawInsn;
use crate::insn::*;
use crate::opcode::*;

fn size_bits(size: Size) -> u8 {
    match size {
        Size::B => BPF_B,
        Size::H => BPF_H,
        Size::W => BPF_W,
        Size::DW => BPF_DW,
    }
}

fn alu_class(width: Width) -> u8 {
    match width {
        Width::W32 => BPF_ALU,
        Width::W64 => BPF_ALU64,
    }
}

fn jmp_class(width: Width) -> u8 {
    match width {
        Width::W32 => BPF_JMP32,
        Width::W64 => BPF_JMP,
    }
}

/// Opcode bits of a jump condition.
pub fn cond_bits(cond: JmpCond) -> u8 {
    match cond {
        JmpCond::Eq => BPF_JEQ,
        JmpCond::Gt => BPF_JGT,
        JmpCond::Ge => BPF_JGE,
        JmpCond::Set => BPF_JSET,
        JmpCond::Ne => BPF_JNE,
        JmpCond::Sgt => BPF_JSGT,
        JmpCond::Sge => BPF_JSGE,
        JmpCond::Lt => BPF_JLT,
        JmpCond::Le => BPF_JLE,
        JmpCond::Slt => BPF_JSLT,
        JmpCond::Sle => BPF_JSLE,
    }
}

/// Opcode bits and `off` of an ALU operation.
fn alu_bits(op: AluOp) -> (u8, i16) {
    match op {
        AluOp::Add => (BPF_ADD, 0),
        AluOp::Sub => (BPF_SUB, 0),
        AluOp::Mul => (BPF_MUL, 0),
        AluOp::Div => (BPF_DIV, 0),
        AluOp::Sdiv => (BPF_DIV, 1),
        AluOp::Or => (BPF_OR, 0),
        AluOp::And => (BPF_AND, 0),
        AluOp::Lsh => (BPF_LSH, 0),
        AluOp::Rsh => (BPF_RSH, 0),
        AluOp::Mod => (BPF_MOD, 0),
        AluOp::Smod => (BPF_MOD, 1),
        AluOp::Xor => (BPF_XOR, 0),
        AluOp::Mov => (BPF_MOV, 0),
        AluOp::Arsh => (BPF_ARSH, 0),
    }
}

fn atomic_imm(op: AtomicOp) -> i32 {
    let f = |base: i32, fetch: bool| if fetch { base | BPF_FETCH } else { base };
    match op {
        AtomicOp::Add { fetch } => f(0x00, fetch),
        AtomicOp::Or { fetch } => f(0x40, fetch),
        AtomicOp::And { fetch } => f(0x50, fetch),
        AtomicOp::Xor { fetch } => f(0xa0, fetch),
        AtomicOp::Xchg => BPF_XCHG,
        AtomicOp::Cmpxchg => BPF_CMPXCHG,
        AtomicOp::LoadAcquire => BPF_LOAD_ACQ,
        AtomicOp::StoreRelease => BPF_STORE_REL,
    }
}

/// Splits a source operand into (source bit, src field, imm field).
fn source_fields(src: Source) -> (u8, u8, i32) {
    match src {
        Source::Reg(r) => (BPF_X, r.index(), 0),
        Source::Imm(imm) => (BPF_K, 0, imm),
    }
}

/// Encodes one instruction into its raw slots (one, or two for LD_IMM64).
pub fn encode_raw(insn: &Insn) -> ([RawInsn; 2], usize) {
    let mut raw = RawInsn::default();
    let mut tail = None;
    match *insn {
        Insn::Alu {
            width,
            op,
            dst,
            src,
        } => {
            let (bits, off) = alu_bits(op);
            let (x, s, imm) = source_fields(src);
            raw = RawInsn {
                code: alu_class(width) | bits | x,
                dst: dst.index(),
                src: s,
                off,
                imm,
            };
        }
        Insn::Neg { width, dst } => {
            raw = RawInsn {
                code: alu_class(width) | BPF_NEG,
                dst: dst.index(),
                ..raw
            };
        }
        Insn::MovSx {
            width,
            dst,
            src,
            bits,
        } => {
            raw = RawInsn {
                code: alu_class(width) | BPF_MOV | BPF_X,
                dst: dst.index(),
                src: src.index(),
                off: bits as i16,
                imm: 0,
            };
        }
        Insn::Endian { order, bits, dst } => {
            let code = match order {
                ByteOrder::ToLe => BPF_ALU | BPF_END | BPF_TO_LE,
                ByteOrder::ToBe => BPF_ALU | BPF_END | BPF_TO_BE,
                ByteOrder::Swap => BPF_ALU64 | BPF_END,
            };
            raw = RawInsn {
                code,
                dst: dst.index(),
                imm: bits as i32,
                ..raw
            };
        }
        Insn::LoadImm64 { dst, pseudo, imm } => {
            raw = RawInsn {
                code: LD_IMM64,
                dst: dst.index(),
                src: pseudo.src(),
                off: 0,
                imm: imm as u32 as i32,
            };
            tail = Some(RawInsn {
                imm: (imm >> 32) as u32 as i32,
                ..RawInsn::default()
            });
        }
        Insn::Load {
            size,
            sign_extend,
            dst,
            src,
            off,
        } => {
            let mode = if sign_extend { BPF_MEMSX } else { BPF_MEM };
            raw = RawInsn {
                code: BPF_LDX | mode | size_bits(size),
                dst: dst.index(),
                src: src.index(),
                off,
                imm: 0,
            };
        }
        Insn::Store {
            size,
            dst,
            off,
            src,
        } => {
            let (class, s, imm) = match src {
                Source::Reg(r) => (BPF_STX, r.index(), 0),
                Source::Imm(imm) => (BPF_ST, 0, imm),
            };
            raw = RawInsn {
                code: class | BPF_MEM | size_bits(size),
                dst: dst.index(),
                src: s,
                off,
                imm,
            };
        }
        Insn::Atomic {
            size,
            op,
            dst,
            src,
            off,
        } => {
            raw = RawInsn {
                code: BPF_STX | BPF_ATOMIC | size_bits(size),
                dst: dst.index(),
                src: src.index(),
                off,
                imm: atomic_imm(op),
            };
        }
        Insn::LoadPacket { mode, size, imm } => {
            let (m, s) = match mode {
                PacketMode::Abs => (BPF_ABS, 0),
                PacketMode::Ind(r) => (BPF_IND, r.index()),
            };
            raw = RawInsn {
                code: BPF_LD | m | size_bits(size),
                dst: 0,
                src: s,
                off: 0,
                imm,
            };
        }
        Insn::Jump {
            width,
            cond,
            dst,
            src,
            off,
        } => {
            let (x, s, imm) = source_fields(src);
            raw = RawInsn {
                code: jmp_class(width) | cond_bits(cond) | x,
                dst: dst.index(),
                src: s,
                off,
                imm,
            };
        }
        Insn::Ja { off, long: false } => {
            raw = RawInsn {
                code: JA,
                off: off as i16,
                ..raw
            };
        }
        Insn::Ja { off, long: true } => {
            raw = RawInsn {
                code: JA32,
                imm: off,
                ..raw
            };
        }
        Insn::MayGoto { off } => {
            raw = RawInsn {
                code: MAY_GOTO,
                off,
                ..raw
            };
        }
        Insn::Call(target) => {
            raw = match target {
                CallTarget::Helper(id) => RawInsn {
                    code: CALL,
                    imm: id,
                    ..raw
                },
                CallTarget::Local(rel) => RawInsn {
                    code: CALL,
                    src: BPF_PSEUDO_CALL,
                    imm: rel,
                    ..raw
                },
                CallTarget::Kfunc { btf_id, module } => RawInsn {
                    code: CALL,
                    src: BPF_PSEUDO_KFUNC_CALL,
                    off: module,
                    imm: btf_id,
                    ..raw
                },
            };
        }
        Insn::Callx { reg, form } => {
            raw = match form {
                CallxForm::Dst => RawInsn {
                    code: CALLX,
                    dst: reg.index(),
                    ..raw
                },
                CallxForm::Imm => RawInsn {
                    code: CALLX,
                    imm: reg.index() as i32,
                    ..raw
                },
            };
        }
        Insn::Exit => raw = RawInsn { code: EXIT, ..raw },
    }
    match tail {
        Some(t) => ([raw, t], 2),
        None => ([raw, RawInsn::default()], 1),
    }
}

/// Appends the bytes of one instruction to `out`.
pub fn encode_into(insn: &Insn, out: &mut Vec<u8>) {
    let (raws, n) = encode_raw(insn);
    for raw in &raws[..n] {
        out.extend_from_slice(&raw.to_bytes());
    }
}

/// Encodes a sequence of instructions.
pub fn encode(insns: &[Insn]) -> Vec<u8> {
    let mut out = Vec::with_capacity(insns.len() * INSN_SIZE);
    for insn in insns {
        encode_into(insn, &mut out);
    }
    out
}
