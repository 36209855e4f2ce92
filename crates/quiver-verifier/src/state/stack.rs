//! One frame's stack: 512 bytes in 64 eight-byte slots, each byte known to
//! be unwritten, zero, some number, part of a spilled register, or part
//! of an iterator object (Linux's `bpf_stack_state`).
//!
//! Offsets here are byte offsets below the frame pointer's top: the byte
//! at `r10 - 1` is offset 511 from the bottom. Slot `i` covers bytes
//! `8 * i .. 8 * i + 8` counted from the bottom, so byte `k` of a slot is
//! at the slot's lowest address plus `k`, as memory is laid out.

use std::sync::Arc;

use super::value::Value;
use crate::domain::scalar::Scalar;

/// Bytes of stack per frame (Linux's `MAX_BPF_STACK`).
pub const STACK_SIZE: usize = 512;

/// What is known of one stack byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Byte {
    /// Never written (`STACK_INVALID`).
    Invalid,
    /// Some number (`STACK_MISC`).
    Misc,
    /// Zero (`STACK_ZERO`).
    Zero,
    /// Part of the register spilled in the slot (`STACK_SPILL`).
    Spill,
    /// Part of an iterator object (`STACK_ITER`).
    Iter,
}

/// An open-coded iterator living on the stack.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IterObj {
    pub type_name: Arc<str>,
    /// Slots it spans, starting at this one.
    pub slots: u8,
    /// Whether `next` may still return an element (Linux's ACTIVE vs
    /// DRAINED).
    pub active: bool,
    /// How many `next` calls this path has seen return an element.
    pub depth: u32,
    /// The reference `new` acquired, released by `destroy`.
    pub ref_id: u32,
}

/// One eight-byte slot.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Slot {
    pub bytes: [Byte; 8],
    /// The register spilled here, when `bytes` start with `spill_size`
    /// [`Byte::Spill`] bytes.
    pub spilled: Option<Value>,
    pub spill_size: u8,
    /// The iterator starting in this slot.
    pub iter: Option<IterObj>,
}

impl Default for Slot {
    fn default() -> Self {
        Slot {
            bytes: [Byte::Invalid; 8],
            spilled: None,
            spill_size: 0,
            iter: None,
        }
    }
}

impl Slot {
    fn is_untouched(&self) -> bool {
        self.bytes.iter().all(|b| *b == Byte::Invalid)
    }

    /// Forgets the spilled register: its bytes become numbers.
    fn scrub_spill(&mut self) {
        if self.spilled.take().is_some() {
            for b in &mut self.bytes {
                if *b == Byte::Spill {
                    *b = Byte::Misc;
                }
            }
            self.spill_size = 0;
        }
    }
}

/// The stack of one frame.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Stack {
    /// Slots from the top (slot 0 holds `r10 - 8 .. r10`), only as many
    /// as have been touched.
    slots: Vec<Slot>,
}

/// Why a fixed-offset read fails.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadError {
    /// A narrow read of a spilled pointer.
    NarrowFill,
    /// A read of bytes never written, when the program may not do that.
    Uninit { off: i64, size: u32 },
    /// A read that overlaps an iterator object.
    Iter,
}

impl Default for Stack {
    fn default() -> Self {
        Self::new()
    }
}

impl Stack {
    pub fn new() -> Stack {
        Stack { slots: Vec::new() }
    }

    /// The deepest byte touched, as a positive depth (0 when none).
    pub fn depth(&self) -> u32 {
        (self.slots.len() * 8) as u32
    }

    /// Slot index from the top and byte index in it of the byte at `off`
    /// (negative, from the frame pointer).
    fn locate(off: i64) -> (usize, usize) {
        let from_top = (-off - 1) as usize; // byte r10-1 is 0
        let slot = from_top / 8;
        // Bytes within a slot are by ascending address.
        let byte = 7 - from_top % 8;
        (slot, byte)
    }

    fn slot_mut(&mut self, i: usize) -> &mut Slot {
        if self.slots.len() <= i {
            self.slots.resize_with(i + 1, Slot::default);
        }
        &mut self.slots[i]
    }

    pub fn slot(&self, i: usize) -> Option<&Slot> {
        self.slots.get(i)
    }

    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    pub fn slots_mut(&mut self) -> &mut [Slot] {
        &mut self.slots
    }

    /// The slot whose first byte is at `off`, if `off` starts a slot.
    pub fn slot_at(off: i64) -> Option<usize> {
        (off < 0 && off % 8 == 0).then(|| ((-off) / 8 - 1) as usize)
    }

    /// Writes `size` bytes at `off` (fixed): a register spill when `value`
    /// is given and the write fills a slot from its start (pointers only
    /// as whole slots, which the caller checks), else numbers (`zero` when
    /// the written value is known zero).
    pub fn write(&mut self, off: i64, size: u32, value: Option<&Value>, zero: bool) {
        let spill_slot = Stack::slot_at(off).filter(|_| value.is_some());
        // Any byte written destroys a spilled register and an iterator it
        // overlaps.
        for k in 0..size as i64 {
            let (s, _) = Stack::locate(off + k);
            let slot = self.slot_mut(s);
            slot.scrub_spill();
        }
        if let (Some(s), Some(v)) = (spill_slot, value) {
            let slot = self.slot_mut(s);
            for (k, b) in slot.bytes.iter_mut().enumerate() {
                if k < size as usize {
                    *b = Byte::Spill;
                } else if *b == Byte::Spill {
                    *b = Byte::Misc;
                }
            }
            slot.spilled = Some(v.clone());
            slot.spill_size = size as u8;
            return;
        }
        for k in 0..size as i64 {
            let (s, b) = Stack::locate(off + k);
            self.slot_mut(s).bytes[b] = if zero { Byte::Zero } else { Byte::Misc };
        }
    }

    /// Writes unknown numbers over `[lo, hi)` (a variable-offset write or
    /// a helper filling memory): every byte it may touch becomes a number.
    pub fn write_unknown(&mut self, lo: i64, hi: i64) {
        for off in lo..hi {
            let (s, b) = Stack::locate(off);
            let slot = self.slot_mut(s);
            slot.scrub_spill();
            slot.bytes[b] = Byte::Misc;
        }
    }

    /// Reads `size` bytes at fixed `off`: the spilled register (narrowed
    /// to a scalar fill of its low bytes), a known zero, or a number.
    /// Unwritten bytes read as numbers when `allow_uninit`.
    pub fn read(&self, off: i64, size: u32, allow_uninit: bool) -> Result<Value, ReadError> {
        let (s, first) = Stack::locate(off);
        if let Some(slot) = self.slots.get(s)
            && let Some(spilled) = &slot.spilled
            && first == 0
            && size <= slot.spill_size as u32
        {
            if size == slot.spill_size as u32 {
                return Ok(spilled.clone());
            }
            return match spilled {
                Value::Scalar(v) => Ok(Value::Scalar(narrow(v, size))),
                _ => Err(ReadError::NarrowFill),
            };
        }
        let mut all_zero = true;
        for k in 0..size as i64 {
            let (s, b) = Stack::locate(off + k);
            let byte = self.slots.get(s).map_or(Byte::Invalid, |sl| sl.bytes[b]);
            match byte {
                Byte::Zero => {}
                Byte::Misc => all_zero = false,
                Byte::Spill => {
                    let slot = &self.slots[s];
                    match &slot.spilled {
                        Some(Value::Ptr(_)) => return Err(ReadError::NarrowFill),
                        // Bytes of a spilled zero are zero.
                        Some(Value::Scalar(v)) if v.const_value() == Some(0) => {}
                        _ => all_zero = false,
                    }
                }
                Byte::Invalid if allow_uninit => all_zero = false,
                Byte::Invalid => return Err(ReadError::Uninit { off, size }),
                Byte::Iter => return Err(ReadError::Iter),
            }
        }
        Ok(if all_zero {
            Value::constant(0)
        } else {
            Value::unknown()
        })
    }

    /// The constant a map key of `size` bytes at `off` holds, as Linux
    /// recognises one: all bytes zero, or a spilled constant of exactly
    /// that size.
    pub fn const_key(&self, off: i64, size: u32) -> Option<u64> {
        let (s, first) = Stack::locate(off);
        if let Some(slot) = self.slots.get(s)
            && first == 0
            && slot.spill_size as u32 == size
            && let Some(Value::Scalar(v)) = &slot.spilled
        {
            return v.const_value();
        }
        (0..size as i64)
            .all(|k| {
                let (s, b) = Stack::locate(off + k);
                self.slots
                    .get(s)
                    .is_some_and(|sl| sl.bytes[b] == Byte::Zero)
            })
            .then_some(0)
    }

    /// Whether every byte in `[lo, hi)` has been written (helpers reading
    /// stack memory need that, unless uninitialised reads are allowed).
    pub fn first_uninit(&self, lo: i64, hi: i64) -> Option<i64> {
        (lo..hi).find(|&off| {
            let (s, b) = Stack::locate(off);
            self.slots
                .get(s)
                .is_none_or(|sl| sl.bytes[b] == Byte::Invalid)
        })
    }

    /// Whether any byte in `[lo, hi)` holds part of a spilled pointer or an
    /// iterator (a helper must not overwrite those as plain memory).
    pub fn holds_special(&self, lo: i64, hi: i64) -> bool {
        (lo..hi).any(|off| {
            let (s, b) = Stack::locate(off);
            self.slots.get(s).is_some_and(|sl| {
                sl.bytes[b] == Byte::Iter
                    || (sl.bytes[b] == Byte::Spill && matches!(sl.spilled, Some(Value::Ptr(_))))
            })
        })
    }

    /// Places an iterator object at `off` (a slot start), spanning `slots`.
    pub fn put_iter(&mut self, off: i64, iter: IterObj) {
        let Some(first) = Stack::slot_at(off) else {
            return;
        };
        let n = iter.slots as usize;
        for i in 0..n {
            let slot = self.slot_mut(first - i);
            *slot = Slot {
                bytes: [Byte::Iter; 8],
                ..Slot::default()
            };
        }
        self.slot_mut(first).iter = Some(iter);
    }

    /// The iterator starting at `off`.
    pub fn iter_at(&self, off: i64) -> Option<&IterObj> {
        Stack::slot_at(off).and_then(|s| self.slots.get(s)?.iter.as_ref())
    }

    pub fn iter_at_mut(&mut self, off: i64) -> Option<&mut IterObj> {
        Stack::slot_at(off).and_then(|s| self.slots.get_mut(s)?.iter.as_mut())
    }

    /// Removes the iterator at `off`; its bytes become unwritten.
    pub fn remove_iter(&mut self, off: i64) {
        let Some(first) = Stack::slot_at(off) else {
            return;
        };
        let n = self
            .slots
            .get(first)
            .and_then(|s| s.iter.as_ref())
            .map_or(1, |it| it.slots as usize);
        for i in 0..n {
            if first >= i {
                *self.slot_mut(first - i) = Slot::default();
            }
        }
    }

    /// Whether the bytes `[off, off + size)` are free of iterators (so a
    /// new one may be created there).
    pub fn overlaps_iter(&self, lo: i64, hi: i64) -> bool {
        (lo..hi).any(|off| {
            let (s, b) = Stack::locate(off);
            self.slots
                .get(s)
                .is_some_and(|sl| sl.bytes[b] == Byte::Iter)
        })
    }

    /// Every iterator with its slot-start offset.
    pub fn iters(&self) -> impl Iterator<Item = (i64, &IterObj)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.iter.as_ref().map(|it| (-8 * (i as i64 + 1), it)))
    }

    /// Drops trailing untouched slots, so equal stacks compare equal.
    pub fn trim(&mut self) {
        while self.slots.last().is_some_and(Slot::is_untouched) {
            self.slots.pop();
        }
    }
}

/// The low `size` bytes of a spilled scalar.
fn narrow(v: &Scalar, size: u32) -> Scalar {
    let s = match size {
        1 => quiver_isa::Size::B,
        2 => quiver_isa::Size::H,
        4 => quiver_isa::Size::W,
        _ => quiver_isa::Size::DW,
    };
    v.coerce_to_size(s)
}
