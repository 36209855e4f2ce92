//! Stack slots kept in registers. clang spills to the BPF stack whatever
//! does not fit its registers (a loop bound, a counter, the packet end),
//! and a JIT that keeps those spills in memory pays a store and a load
//! for each, on the loop's path. When r10 serves only as the base of
//! accesses at constant offsets, nothing but those accesses can read or
//! write the frame, so a slot every access reads and writes whole is a
//! variable like a register: Cranelift keeps it in a machine register
//! and spills it only if it must.

use std::collections::BTreeMap;

use cranelift_codegen::ir::types::I64;
use cranelift_frontend::{FunctionBuilder, Variable};

use crate::memory::frame_accesses;
use crate::op::Op;
use crate::vm::Vm;

use super::translate::Translator;

/// Offsets from r10 of the 8-byte slots `vm`'s native code keeps in
/// variables. None at all for a program with calls, whose frames (one per
/// call, or the frame a helper, a callback or the next program of a tail
/// call sees) native code does not track, or with more than one entry.
pub(super) fn promotable_slots(vm: &Vm, entries: &[usize]) -> Vec<i16> {
    if super::makes_calls(vm) || entries != [0] {
        return Vec::new();
    }
    let Some(accesses) = frame_accesses(&vm.insns) else {
        return Vec::new();
    };
    let whole = |a: &crate::memory::FrameAccess| a.bytes == 8 && a.plain;
    let mut slots: Vec<i16> = accesses
        .iter()
        .filter(|a| whole(a))
        .map(|a| a.off)
        .collect();
    slots.sort_unstable();
    slots.dedup();
    // A slot stays in memory if any access touches part of it, or touches
    // it otherwise than with a plain 8-byte load or store.
    slots.retain(|&o| {
        accesses.iter().all(|a| {
            let overlaps = i32::from(a.off) < i32::from(o) + 8
                && i32::from(o) < i32::from(a.off) + i32::from(a.bytes);
            !overlaps || (a.off == o && whole(a))
        })
    });
    slots
}

/// The variables of promoted slots, by offset.
pub(super) fn declare(b: &mut FunctionBuilder<'_>, slots: &[i16]) -> BTreeMap<i16, Variable> {
    slots.iter().map(|&o| (o, b.declare_var(I64))).collect()
}

impl Translator<'_> {
    /// Every promoted slot starts as zero, as the frame's bytes do.
    pub(super) fn zero_slots(&mut self) {
        let vars: Vec<Variable> = self.slots.values().copied().collect();
        for v in vars {
            let zero = self.iconst(I64, 0);
            self.b.def_var(v, zero);
        }
    }

    /// Emits `op` if it accesses a promoted slot; returns whether it did.
    pub(super) fn slot_access(&mut self, op: Op) -> bool {
        const FP: u8 = 10;
        match op {
            Op::Ldx64 { dst, src: FP, off } => {
                let Some(&slot) = self.slots.get(&off) else {
                    return false;
                };
                let v = self.b.use_var(slot);
                self.set(dst, v);
            }
            Op::Stx64 { dst: FP, src, off } => {
                let Some(&slot) = self.slots.get(&off) else {
                    return false;
                };
                let v = self.reg(src);
                self.b.def_var(slot, v);
            }
            Op::St64 { dst: FP, off, imm } => {
                let Some(&slot) = self.slots.get(&off) else {
                    return false;
                };
                let v = self.iconst(I64, imm);
                self.b.def_var(slot, v);
            }
            _ => return false,
        }
        true
    }
}
