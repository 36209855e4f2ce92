//! A whole program: decoded instructions with their slot positions, checked
//! for the structural rules every consumer relies on.

use crate::decode::decode_at;
use crate::encode::encode;
use crate::error::{DecodeError, DecodeErrorKind};
use crate::insn::Insn;
use crate::opcode::INSN_SIZE;

/// A structurally valid program: every instruction decodes, every branch
/// target is an instruction boundary inside the program, and execution
/// cannot run past the last instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    insns: Vec<Insn>,
    /// Slot index of each instruction.
    pcs: Vec<usize>,
    /// For each slot, the index of the instruction starting there, or
    /// `u32::MAX` for the second slot of an LD_IMM64.
    slot_to_index: Vec<u32>,
}

impl Program {
    /// Decodes and checks raw bytes.
    pub fn decode(bytes: &[u8]) -> Result<Program, DecodeError> {
        if bytes.is_empty() {
            return Err(DecodeError {
                pc: 0,
                opcode: 0,
                kind: DecodeErrorKind::Empty,
            });
        }
        if !bytes.len().is_multiple_of(INSN_SIZE) {
            let pc = bytes.len() / INSN_SIZE;
            return Err(DecodeError {
                pc,
                opcode: bytes[pc * INSN_SIZE],
                kind: DecodeErrorKind::TrailingBytes { len: bytes.len() },
            });
        }
        let slots: Vec<[u8; 8]> = bytes
            .chunks_exact(INSN_SIZE)
            .map(|c| {
                let mut s = [0u8; 8];
                s.copy_from_slice(c);
                s
            })
            .collect();
        let mut insns = Vec::with_capacity(slots.len());
        let mut pc = 0;
        while pc < slots.len() {
            let insn = decode_at(&slots, pc)?;
            pc += insn.slots();
            insns.push(insn);
        }
        Program::from_insns(insns)
    }

    /// Checks a sequence of typed instructions.
    pub fn from_insns(insns: Vec<Insn>) -> Result<Program, DecodeError> {
        if insns.is_empty() {
            return Err(DecodeError {
                pc: 0,
                opcode: 0,
                kind: DecodeErrorKind::Empty,
            });
        }
        let mut pcs = Vec::with_capacity(insns.len());
        let mut slot_to_index = Vec::with_capacity(insns.len());
        for (i, insn) in insns.iter().enumerate() {
            pcs.push(slot_to_index.len());
            slot_to_index.push(i as u32);
            if insn.slots() == 2 {
                slot_to_index.push(u32::MAX);
            }
        }
        let program = Program {
            insns,
            pcs,
            slot_to_index,
        };
        let len = program.slot_to_index.len();
        for (i, insn) in program.insns.iter().enumerate() {
            let pc = program.pcs[i];
            let err = |kind| DecodeError {
                pc,
                opcode: crate::encode::encode_raw(insn).0[0].code,
                kind,
            };
            // A typed instruction can hold values no encoding carries (an
            // offset past i16, movsx of 4 bits...): only accept what decodes
            // back to itself, so `to_bytes` is always faithful.
            let (raws, n) = crate::encode::encode_raw(insn);
            let slots: Vec<[u8; 8]> = raws[..n].iter().map(|r| r.to_bytes()).collect();
            match decode_at(&slots, 0) {
                Ok(back) if back == *insn => {}
                Ok(_) => return Err(err(DecodeErrorKind::NotEncodable)),
                Err(e) => {
                    return Err(DecodeError {
                        pc,
                        opcode: e.opcode,
                        kind: e.kind,
                    });
                }
            }
            if let Some(off) = insn.branch_offset() {
                let target = pc as i64 + 1 + off;
                if target < 0 || target >= len as i64 {
                    return Err(err(DecodeErrorKind::JumpOutOfRange { target, len }));
                }
                if program.slot_to_index[target as usize] == u32::MAX {
                    return Err(err(DecodeErrorKind::JumpIntoLdImm64 { target }));
                }
            }
        }
        let last = program.insns.len() - 1;
        if !program.insns[last].ends_flow() {
            let insn = &program.insns[last];
            return Err(DecodeError {
                pc: program.pcs[last],
                opcode: crate::encode::encode_raw(insn).0[0].code,
                kind: DecodeErrorKind::FallsOffEnd,
            });
        }
        Ok(program)
    }

    /// The instructions, in order.
    pub fn insns(&self) -> &[Insn] {
        &self.insns
    }

    /// Slot index of instruction `index`.
    pub fn pc_of(&self, index: usize) -> usize {
        self.pcs[index]
    }

    /// The instruction index starting at slot `pc`, if one starts there.
    pub fn index_at(&self, pc: usize) -> Option<usize> {
        match self.slot_to_index.get(pc) {
            Some(&i) if i != u32::MAX => Some(i as usize),
            _ => None,
        }
    }

    /// Instructions with their slot positions.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &Insn)> {
        self.pcs.iter().copied().zip(self.insns.iter())
    }

    /// Number of 8-byte slots.
    pub fn slot_count(&self) -> usize {
        self.slot_to_index.len()
    }

    /// The instruction index a branch at instruction `index` goes to, if
    /// it is a branch.
    pub fn branch_target(&self, index: usize) -> Option<usize> {
        let off = self.insns[index].branch_offset()?;
        let target = self.pcs[index] as i64 + 1 + off;
        self.index_at(target as usize)
    }

    /// The program's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        encode(&self.insns)
    }
}
