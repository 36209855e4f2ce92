//! Bytes to typed instructions, refusing every encoding RFC 9669 reserves.

use crate::error::{DecodeError, DecodeErrorKind, Field};
use crate::insn::*;
use crate::opcode::*;

/// The five fields of one 8-byte slot, as laid out on a little-endian host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct RawInsn {
    pub code: u8,
    pub dst: u8,
    pub src: u8,
    pub off: i16,
    pub imm: i32,
}

impl RawInsn {
    /// Splits one slot into its fields.
    pub fn from_bytes(b: [u8; 8]) -> RawInsn {
        RawInsn {
            code: b[0],
            dst: b[1] & 0x0f,
            src: b[1] >> 4,
            off: i16::from_le_bytes([b[2], b[3]]),
            imm: i32::from_le_bytes([b[4], b[5], b[6], b[7]]),
        }
    }

    /// Packs the fields back into one slot.
    pub fn to_bytes(self) -> [u8; 8] {
        let off = self.off.to_le_bytes();
        let imm = self.imm.to_le_bytes();
        [
            self.code,
            (self.dst & 0x0f) | (self.src << 4),
            off[0],
            off[1],
            imm[0],
            imm[1],
            imm[2],
            imm[3],
        ]
    }
}

/// Checks applied to the fields of one raw slot, with the error context.
struct Fields {
    raw: RawInsn,
    pc: usize,
}

impl Fields {
    fn err(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError {
            pc: self.pc,
            opcode: self.raw.code,
            kind,
        }
    }

    fn zero(&self, field: Field) -> Result<(), DecodeError> {
        let value = self.value(field);
        if value == 0 {
            Ok(())
        } else {
            Err(self.err(DecodeErrorKind::ReservedField { field, value }))
        }
    }

    fn value(&self, field: Field) -> i64 {
        match field {
            Field::Dst => self.raw.dst as i64,
            Field::Src => self.raw.src as i64,
            Field::Off => self.raw.off as i64,
            Field::Imm => self.raw.imm as i64,
        }
    }

    fn invalid(&self, field: Field, expected: &'static str) -> DecodeError {
        self.err(DecodeErrorKind::InvalidField {
            field,
            value: self.value(field),
            expected,
        })
    }

    fn dst(&self) -> Result<Reg, DecodeError> {
        Reg::new(self.raw.dst).ok_or_else(|| {
            self.err(DecodeErrorKind::InvalidRegister {
                field: Field::Dst,
                value: self.raw.dst,
            })
        })
    }

    fn src(&self) -> Result<Reg, DecodeError> {
        Reg::new(self.raw.src).ok_or_else(|| {
            self.err(DecodeErrorKind::InvalidRegister {
                field: Field::Src,
                value: self.raw.src,
            })
        })
    }

    fn unknown(&self) -> DecodeError {
        self.err(DecodeErrorKind::UnknownOpcode)
    }

    /// The second operand of an ALU or jump instruction; the unused field
    /// must be zero.
    fn source(&self) -> Result<Source, DecodeError> {
        if self.raw.code & BPF_X != 0 {
            self.zero(Field::Imm)?;
            Ok(Source::Reg(self.src()?))
        } else {
            self.zero(Field::Src)?;
            Ok(Source::Imm(self.raw.imm))
        }
    }
}

fn size_of(code: u8) -> Size {
    match code & 0x18 {
        BPF_W => Size::W,
        BPF_H => Size::H,
        BPF_B => Size::B,
        _ => Size::DW,
    }
}

/// Decodes the instruction starting at slot `pc` of `slots` (a whole
/// program, so that `LD_IMM64` can read its second slot). Returns the
/// instruction; it occupies [`Insn::slots`] slots.
pub fn decode_at(slots: &[[u8; 8]], pc: usize) -> Result<Insn, DecodeError> {
    let Some(&first) = slots.get(pc) else {
        return Err(DecodeError {
            pc,
            opcode: 0,
            kind: DecodeErrorKind::Truncated,
        });
    };
    let f = Fields {
        raw: RawInsn::from_bytes(first),
        pc,
    };
    let code = f.raw.code;
    match class(code) {
        BPF_ALU | BPF_ALU64 => decode_alu(&f),
        BPF_LD => decode_ld(&f, slots.get(pc + 1).copied()),
        BPF_LDX => {
            f.zero(Field::Imm)?;
            let sign_extend = match code & 0xe0 {
                BPF_MEM => false,
                BPF_MEMSX if code & 0x18 != BPF_DW => true,
                _ => return Err(f.unknown()),
            };
            Ok(Insn::Load {
                size: size_of(code),
                sign_extend,
                dst: f.dst()?,
                src: f.src()?,
                off: f.raw.off,
            })
        }
        BPF_ST => {
            if code & 0xe0 != BPF_MEM {
                return Err(f.unknown());
            }
            f.zero(Field::Src)?;
            Ok(Insn::Store {
                size: size_of(code),
                dst: f.dst()?,
                off: f.raw.off,
                src: Source::Imm(f.raw.imm),
            })
        }
        BPF_STX => match code & 0xe0 {
            BPF_MEM => {
                f.zero(Field::Imm)?;
                Ok(Insn::Store {
                    size: size_of(code),
                    dst: f.dst()?,
                    off: f.raw.off,
                    src: Source::Reg(f.src()?),
                })
            }
            BPF_ATOMIC => decode_atomic(&f),
            _ => Err(f.unknown()),
        },
        _ => decode_jmp(&f),
    }
}

fn decode_alu(f: &Fields) -> Result<Insn, DecodeError> {
    let code = f.raw.code;
    let width = if class(code) == BPF_ALU64 {
        Width::W64
    } else {
        Width::W32
    };
    let dst = f.dst()?;
    let op = match code & 0xf0 {
        BPF_ADD => AluOp::Add,
        BPF_SUB => AluOp::Sub,
        BPF_MUL => AluOp::Mul,
        BPF_OR => AluOp::Or,
        BPF_AND => AluOp::And,
        BPF_LSH => AluOp::Lsh,
        BPF_RSH => AluOp::Rsh,
        BPF_XOR => AluOp::Xor,
        BPF_ARSH => AluOp::Arsh,
        BPF_DIV | BPF_MOD => {
            let signed = match f.raw.off {
                0 => false,
                1 => true,
                _ => return Err(f.invalid(Field::Off, "0 (unsigned) or 1 (signed)")),
            };
            let src = f.source()?;
            let op = match (code & 0xf0 == BPF_DIV, signed) {
                (true, false) => AluOp::Div,
                (true, true) => AluOp::Sdiv,
                (false, false) => AluOp::Mod,
                (false, true) => AluOp::Smod,
            };
            return Ok(Insn::Alu {
                width,
                op,
                dst,
                src,
            });
        }
        BPF_MOV => {
            if code & BPF_X != 0 && f.raw.off != 0 {
                let allowed: &[i16] = if width == Width::W64 {
                    &[8, 16, 32]
                } else {
                    &[8, 16]
                };
                if !allowed.contains(&f.raw.off) {
                    let expected = if width == Width::W64 {
                        "0, 8, 16 or 32"
                    } else {
                        "0, 8 or 16"
                    };
                    return Err(f.invalid(Field::Off, expected));
                }
                f.zero(Field::Imm)?;
                return Ok(Insn::MovSx {
                    width,
                    dst,
                    src: f.src()?,
                    bits: f.raw.off as u8,
                });
            }
            AluOp::Mov
        }
        BPF_NEG => {
            if code & BPF_X != 0 {
                return Err(f.unknown());
            }
            f.zero(Field::Src)?;
            f.zero(Field::Off)?;
            f.zero(Field::Imm)?;
            return Ok(Insn::Neg { width, dst });
        }
        BPF_END => {
            let order = match (width, code & BPF_X != 0) {
                (Width::W32, false) => ByteOrder::ToLe,
                (Width::W32, true) => ByteOrder::ToBe,
                (Width::W64, false) => ByteOrder::Swap,
                (Width::W64, true) => return Err(f.unknown()),
            };
            f.zero(Field::Src)?;
            f.zero(Field::Off)?;
            if !matches!(f.raw.imm, 16 | 32 | 64) {
                return Err(f.invalid(Field::Imm, "16, 32 or 64"));
            }
            return Ok(Insn::Endian {
                order,
                bits: f.raw.imm as u8,
                dst,
            });
        }
        _ => return Err(f.unknown()),
    };
    f.zero(Field::Off)?;
    Ok(Insn::Alu {
        width,
        op,
        dst,
        src: f.source()?,
    })
}

fn decode_ld(f: &Fields, next: Option<[u8; 8]>) -> Result<Insn, DecodeError> {
    let code = f.raw.code;
    match code & 0xe0 {
        BPF_IMM if code & 0x18 == BPF_DW => {
            f.zero(Field::Off)?;
            let pseudo = Pseudo::from_src(f.raw.src)
                .ok_or_else(|| f.invalid(Field::Src, "a pseudo source 0 to 6"))?;
            let dst = f.dst()?;
            let next = next.ok_or_else(|| f.err(DecodeErrorKind::LdImm64MissingSecondSlot))?;
            let tail = RawInsn::from_bytes(next);
            if tail.code != 0 || tail.dst != 0 || tail.src != 0 || tail.off != 0 {
                return Err(DecodeError {
                    pc: f.pc + 1,
                    opcode: tail.code,
                    kind: DecodeErrorKind::LdImm64BadSecondSlot,
                });
            }
            let imm = (f.raw.imm as u32 as u64) | ((tail.imm as u32 as u64) << 32);
            Ok(Insn::LoadImm64 { dst, pseudo, imm })
        }
        mode @ (BPF_ABS | BPF_IND) if code & 0x18 != BPF_DW => {
            f.zero(Field::Dst)?;
            f.zero(Field::Off)?;
            let mode = if mode == BPF_ABS {
                f.zero(Field::Src)?;
                PacketMode::Abs
            } else {
                PacketMode::Ind(f.src()?)
            };
            Ok(Insn::LoadPacket {
                mode,
                size: size_of(code),
                imm: f.raw.imm,
            })
        }
        _ => Err(f.unknown()),
    }
}

fn decode_atomic(f: &Fields) -> Result<Insn, DecodeError> {
    let size = size_of(f.raw.code);
    let fetch = f.raw.imm & BPF_FETCH != 0;
    let op = match f.raw.imm {
        BPF_LOAD_ACQ => AtomicOp::LoadAcquire,
        BPF_STORE_REL => AtomicOp::StoreRelease,
        BPF_XCHG => AtomicOp::Xchg,
        BPF_CMPXCHG => AtomicOp::Cmpxchg,
        imm => match imm & !BPF_FETCH {
            0x00 => AtomicOp::Add { fetch },
            0x40 => AtomicOp::Or { fetch },
            0x50 => AtomicOp::And { fetch },
            0xa0 => AtomicOp::Xor { fetch },
            _ => return Err(f.invalid(Field::Imm, "an atomic operation (add, or, and, xor [| fetch], xchg, cmpxchg, load-acquire, store-release)")),
        },
    };
    let rmw = !matches!(op, AtomicOp::LoadAcquire | AtomicOp::StoreRelease);
    if rmw && !matches!(size, Size::W | Size::DW) {
        return Err(f.err(DecodeErrorKind::InvalidAtomicSize));
    }
    Ok(Insn::Atomic {
        size,
        op,
        dst: f.dst()?,
        src: f.src()?,
        off: f.raw.off,
    })
}

fn decode_jmp(f: &Fields) -> Result<Insn, DecodeError> {
    let code = f.raw.code;
    let wide = class(code) == BPF_JMP;
    let width = if wide { Width::W64 } else { Width::W32 };
    let cond = match code & 0xf0 {
        BPF_JA => {
            if code & BPF_X != 0 {
                return Err(f.unknown());
            }
            f.zero(Field::Dst)?;
            f.zero(Field::Src)?;
            return if wide {
                f.zero(Field::Imm)?;
                Ok(Insn::Ja {
                    off: f.raw.off as i32,
                    long: false,
                })
            } else {
                f.zero(Field::Off)?;
                Ok(Insn::Ja {
                    off: f.raw.imm,
                    long: true,
                })
            };
        }
        BPF_CALL if wide => return decode_call(f),
        BPF_EXIT if wide && code & BPF_X == 0 => {
            f.zero(Field::Dst)?;
            f.zero(Field::Src)?;
            f.zero(Field::Off)?;
            f.zero(Field::Imm)?;
            return Ok(Insn::Exit);
        }
        BPF_JCOND if wide && code & BPF_X == 0 => {
            f.zero(Field::Dst)?;
            f.zero(Field::Src)?;
            f.zero(Field::Imm)?;
            return Ok(Insn::MayGoto { off: f.raw.off });
        }
        BPF_JEQ => JmpCond::Eq,
        BPF_JGT => JmpCond::Gt,
        BPF_JGE => JmpCond::Ge,
        BPF_JSET => JmpCond::Set,
        BPF_JNE => JmpCond::Ne,
        BPF_JSGT => JmpCond::Sgt,
        BPF_JSGE => JmpCond::Sge,
        BPF_JLT => JmpCond::Lt,
        BPF_JLE => JmpCond::Le,
        BPF_JSLT => JmpCond::Slt,
        BPF_JSLE => JmpCond::Sle,
        _ => return Err(f.unknown()),
    };
    Ok(Insn::Jump {
        width,
        cond,
        dst: f.dst()?,
        src: f.source()?,
        off: f.raw.off,
    })
}

fn decode_call(f: &Fields) -> Result<Insn, DecodeError> {
    if f.raw.code & BPF_X != 0 {
        f.zero(Field::Src)?;
        f.zero(Field::Off)?;
        if f.raw.imm == 0 {
            return Ok(Insn::Callx {
                reg: f.dst()?,
                form: CallxForm::Dst,
            });
        }
        f.zero(Field::Dst)?;
        let reg = u8::try_from(f.raw.imm)
            .ok()
            .and_then(Reg::new)
            .ok_or_else(|| f.invalid(Field::Imm, "a register number 0 to 10"))?;
        return Ok(Insn::Callx {
            reg,
            form: CallxForm::Imm,
        });
    }
    f.zero(Field::Dst)?;
    let target = match f.raw.src {
        0 => {
            f.zero(Field::Off)?;
            CallTarget::Helper(f.raw.imm)
        }
        BPF_PSEUDO_CALL => {
            f.zero(Field::Off)?;
            CallTarget::Local(f.raw.imm)
        }
        BPF_PSEUDO_KFUNC_CALL => CallTarget::Kfunc {
            btf_id: f.raw.imm,
            module: f.raw.off,
        },
        _ => return Err(f.invalid(Field::Src, "0 (helper), 1 (bpf-to-bpf) or 2 (kfunc)")),
    };
    Ok(Insn::Call(target))
}
