//! Load combining: a 16-bit field read byte by byte, as clang's BPF back
//! end emits `p[k] | (p[k + 1] << 8)` (it never merges the loads itself,
//! for targets without unaligned access), becomes one 16-bit load; in
//! network order (`p[k] << 8 | p[k + 1]`, an EtherType, a port), one load
//! and a byte swap. HID report fields are read this way throughout, and
//! packet parsers read headers this way: each pair is four ops, two of
//! them loads, where the host needs one load.
//!
//! Store combining, the other way: a field written byte by byte, low byte
//! first (`o[k] = x; x >>= 8; o[k + 1] = x`, how clang writes a report's
//! 16-bit fields back), becomes one little-endian store of 2, 4 or 8
//! bytes; the register still ends shifted, for whatever reads it after.
//!
//! Only where no access is checked: a checked 16-bit access would have to
//! lie in one region, where the two byte accesses may each lie in
//! another. Unchecked accesses are the verifier's to prove, byte by byte.

use cranelift_codegen::ir::InstBuilder;
use cranelift_codegen::ir::types::{I16, I32, I64};

use crate::op::Op;

use super::translate::Translator;

/// Ops in a combined window.
pub(super) const WINDOW: usize = 4;

/// A 16-bit read made of two byte loads from `base`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct BytePair {
    pub base: u8,
    /// Offset of the first of the two bytes.
    pub off: i16,
    /// Whether the high byte is the first (network order) or the second
    /// (little-endian).
    pub big_endian: bool,
    /// Loads the high byte, then is shifted left by 8.
    pub high: u8,
    /// Loads the low byte.
    pub low: u8,
    /// Where the OR puts the field: `high` or `low`.
    pub field: u8,
}

/// The byte pair `ops` starts with, in any of the orders clang emits:
/// high load, shift, low load, OR; low load, high load, shift, OR; high
/// load, low load, shift, OR.
pub(super) fn byte_pair(ops: &[Op]) -> Option<BytePair> {
    let window = ops.get(..WINDOW)?;
    let mut loads = Vec::with_capacity(2);
    let mut shift = None;
    for (k, op) in window[..3].iter().enumerate() {
        match *op {
            Op::Ldx8 { dst, src, off } => loads.push((k, dst, src, off)),
            Op::Lsh32I { dst, imm: 8 } | Op::Lsh64I { dst, imm: 8 } => shift = Some((k, dst)),
            _ => return None,
        }
    }
    let (shift_at, high) = shift?;
    let [a, b] = loads[..] else {
        return None;
    };
    let ((high_at, _, base, high_off), (_, low, low_base, low_off)) =
        match (a.1 == high, b.1 == high) {
            (true, false) => (a, b),
            (false, true) => (b, a),
            _ => return None,
        };
    if high_at > shift_at || base != low_base || base == high || base == low {
        return None;
    }
    let (off, big_endian) = match i32::from(high_off) - i32::from(low_off) {
        1 => (low_off, false),
        -1 => (high_off, true),
        _ => return None,
    };
    // The frame may hold promoted slots, which byte loads never touch.
    if base == 10 {
        return None;
    }
    let field = match window[3] {
        Op::Or32R { dst, src } | Op::Or64R { dst, src }
            if (dst, src) == (high, low) || (dst, src) == (low, high) =>
        {
            dst
        }
        _ => return None,
    };
    Some(BytePair {
        base,
        off,
        big_endian,
        high,
        low,
        field,
    })
}

/// Bytes of a field stored byte by byte from one register, low byte first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct ByteStores {
    pub base: u8,
    /// Offset of the lowest byte.
    pub off: i16,
    pub src: u8,
    /// Bytes stored: 2, 4 or 8.
    pub bytes: u8,
    /// The shifts between the stores are 32-bit ones (which also clear
    /// the register's upper half); else 64-bit.
    pub shift32: bool,
}

impl ByteStores {
    /// The ops the stores and shifts take.
    pub fn ops(&self) -> usize {
        2 * self.bytes as usize - 1
    }
}

/// The longest run of byte stores `ops` starts with that one wider store
/// can make: `store, (shift right by 8, store)*`, the stores at
/// consecutive offsets from one base, of one register, 2, 4 or 8 of them.
pub(super) fn byte_stores(ops: &[Op]) -> Option<ByteStores> {
    let Some(&Op::Stx8 {
        dst: base,
        src,
        off,
    }) = ops.first()
    else {
        return None;
    };
    // Stores through the frame go by the promoted-slot rules instead.
    if base == src || base == 10 {
        return None;
    }
    let mut stored: i32 = 1;
    let mut shift32 = None;
    while stored < 8 {
        let at = 2 * stored as usize - 1;
        let (shift, store) = match ops.get(at..=at + 1) {
            Some(&[shift, store]) => (shift, store),
            _ => break,
        };
        let this32 = match shift {
            Op::Rsh32I { dst, imm: 8 } if dst == src => true,
            Op::Rsh64I { dst, imm: 8 } if dst == src => false,
            _ => break,
        };
        let next = i32::from(off) + stored;
        if !matches!(store, Op::Stx8 { dst, src: v, off: o } if (dst, v) == (base, src) && i32::from(o) == next)
        {
            break;
        }
        // One kind of shift throughout: a 32-bit one drops the bytes past
        // the fourth.
        if *shift32.get_or_insert(this32) != this32 {
            break;
        }
        stored += 1;
    }
    let shift32 = shift32.unwrap_or(false);
    // After 32-bit shifts the bytes past the fourth are zeros: they stay
    // byte stores.
    let bytes = match (stored, shift32) {
        (8, false) => 8,
        (4..=8, _) => 4,
        (2 | 3, _) => 2,
        _ => return None,
    };
    Some(ByteStores {
        base,
        off,
        src,
        bytes,
        shift32,
    })
}

impl Translator<'_> {
    /// Emits the run of byte stores as one store; the register ends with
    /// the value its shifts give it.
    pub(super) fn emit_byte_stores(&mut self, run: ByteStores) {
        let base = self.reg(run.base);
        let addr = self.b.ins().iadd_imm_s(base, i64::from(run.off));
        let value = self.reg(run.src);
        let narrow = match run.bytes {
            2 => self.b.ins().ireduce(I16, value),
            4 => self.b.ins().ireduce(I32, value),
            _ => value,
        };
        self.b.ins().store(super::access::plain(), narrow, addr, 0);
        let shifts = 8 * (i64::from(run.bytes) - 1);
        let shifted = if run.shift32 {
            let low = self.b.ins().ireduce(I32, value);
            let low = self.b.ins().ushr_imm_s(low, shifts);
            self.b.ins().uextend(I64, low)
        } else {
            self.b.ins().ushr_imm_s(value, shifts)
        };
        self.set(run.src, shifted);
    }

    /// Emits the byte pair's window as one load: each register it writes
    /// ends with the value the four ops would give it.
    pub(super) fn emit_byte_pair(&mut self, pair: BytePair) {
        let base = self.reg(pair.base);
        let addr = self.b.ins().iadd_imm_s(base, i64::from(pair.off));
        let mut field = self.b.ins().uload16(I64, super::access::plain(), addr, 0);
        if pair.big_endian {
            let bytes = self.b.ins().ireduce(I16, field);
            let swapped = self.b.ins().bswap(bytes);
            field = self.b.ins().uextend(I64, swapped);
        }
        let high = self.b.ins().band_imm_u(field, 0xff00);
        let low = self.b.ins().band_imm_u(field, 0xff);
        self.set(pair.high, high);
        self.set(pair.low, low);
        self.set(pair.field, field);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ld(dst: u8, src: u8, off: i16) -> Op {
        Op::Ldx8 { dst, src, off }
    }
    const SHL: Op = Op::Lsh32I { dst: 2, imm: 8 };
    const OR: Op = Op::Or32R { dst: 2, src: 1 };

    #[test]
    fn the_three_orders_clang_emits_combine() {
        let pair = BytePair {
            base: 6,
            off: -0x405,
            big_endian: false,
            high: 2,
            low: 1,
            field: 2,
        };
        let high = ld(2, 6, -0x404);
        let low = ld(1, 6, -0x405);
        assert_eq!(byte_pair(&[high, SHL, low, OR]), Some(pair));
        assert_eq!(byte_pair(&[low, high, SHL, OR]), Some(pair));
        assert_eq!(byte_pair(&[high, low, SHL, OR]), Some(pair));
        // The OR may put the field in the low byte's register.
        let into_low = Op::Or64R { dst: 1, src: 2 };
        assert_eq!(
            byte_pair(&[high, SHL, low, into_low]),
            Some(BytePair { field: 1, ..pair })
        );
        // Network order: the high byte first.
        let first = ld(2, 6, -0x406);
        let network = BytePair {
            off: -0x406,
            big_endian: true,
            ..pair
        };
        assert_eq!(byte_pair(&[first, SHL, low, OR]), Some(network));
        assert_eq!(byte_pair(&[low, first, SHL, OR]), Some(network));
    }

    fn st(off: i16) -> Op {
        Op::Stx8 {
            dst: 6,
            src: 3,
            off,
        }
    }
    const SHR32: Op = Op::Rsh32I { dst: 3, imm: 8 };
    const SHR64: Op = Op::Rsh64I { dst: 3, imm: 8 };

    #[test]
    fn byte_stores_combine_into_the_widest_store_they_fill() {
        let run = |bytes, shift32| {
            Some(ByteStores {
                base: 6,
                off: -7,
                src: 3,
                bytes,
                shift32,
            })
        };
        // What clang makes of `o[1] = x; o[2] = x >> 8` for a u32 x.
        assert_eq!(byte_stores(&[st(-7), SHR32, st(-6)]), run(2, true));
        let four = [st(-7), SHR64, st(-6), SHR64, st(-5), SHR64, st(-4)];
        assert_eq!(byte_stores(&four), run(4, false));
        // Three bytes make a 2-byte store; seven a 4-byte one.
        assert_eq!(byte_stores(&four[..5]), run(2, false));
        let mut eight = vec![st(-7)];
        for k in 1..8 {
            eight.extend([SHR64, st(-7 + k)]);
        }
        assert_eq!(byte_stores(&eight), run(8, false));
        assert_eq!(byte_stores(&eight[..13]), run(4, false));
        // 32-bit shifts leave nothing past the fourth byte to store.
        let eight32: Vec<Op> = eight
            .iter()
            .map(|&op| if op == SHR64 { SHR32 } else { op })
            .collect();
        assert_eq!(byte_stores(&eight32), run(4, true));
    }

    #[test]
    fn byte_stores_that_are_no_field_stay_as_they_are() {
        // One store; a gap; the high byte first; another shift; another
        // register; the base as the value; the frame as the base.
        assert_eq!(byte_stores(&[st(-7)]), None);
        assert_eq!(byte_stores(&[st(-7), SHR32, st(-5)]), None);
        assert_eq!(byte_stores(&[st(-6), SHR32, st(-7)]), None);
        assert_eq!(
            byte_stores(&[st(-7), Op::Rsh32I { dst: 3, imm: 16 }, st(-6)]),
            None
        );
        assert_eq!(
            byte_stores(&[st(-7), Op::Rsh32I { dst: 4, imm: 8 }, st(-6)]),
            None
        );
        let self_based = Op::Stx8 {
            dst: 3,
            src: 3,
            off: 0,
        };
        assert_eq!(byte_stores(&[self_based, SHR32, self_based]), None);
        let framed = |off| Op::Stx8 {
            dst: 10,
            src: 3,
            off,
        };
        assert_eq!(byte_stores(&[framed(-8), SHR32, framed(-7)]), None);
        // Mixed shifts stop the run where they change.
        assert_eq!(
            byte_stores(&[st(-7), SHR32, st(-6), SHR64, st(-5), SHR64, st(-4)]).map(|r| r.bytes),
            Some(2)
        );
    }

    #[test]
    fn anything_else_stays_as_it_is() {
        let high = ld(2, 6, -0x404);
        let low = ld(1, 6, -0x405);
        // The shift before the load it shifts.
        assert_eq!(byte_pair(&[SHL, high, low, OR]), None);
        // Bytes not adjacent, or one byte twice.
        assert_eq!(byte_pair(&[ld(2, 6, -0x403), SHL, low, OR]), None);
        assert_eq!(byte_pair(&[ld(2, 6, -0x407), SHL, low, OR]), None);
        assert_eq!(byte_pair(&[ld(2, 6, -0x405), SHL, low, OR]), None);
        // Two bases; a base the first load overwrites; one register.
        assert_eq!(byte_pair(&[high, SHL, ld(1, 7, -0x405), OR]), None);
        assert_eq!(
            byte_pair(&[ld(6, 6, -0x404), Op::Lsh32I { dst: 6, imm: 8 }, low, OR]),
            None
        );
        assert_eq!(byte_pair(&[ld(1, 6, -0x404), SHL, low, OR]), None);
        // A shift by another amount, or of the low byte.
        assert_eq!(
            byte_pair(&[high, Op::Lsh32I { dst: 2, imm: 16 }, low, OR]),
            None
        );
        assert_eq!(
            byte_pair(&[high, Op::Lsh32I { dst: 1, imm: 8 }, low, OR]),
            None
        );
        // An OR of something else; the frame as the base; too few ops.
        assert_eq!(
            byte_pair(&[high, SHL, low, Op::Or32R { dst: 2, src: 3 }]),
            None
        );
        assert_eq!(byte_pair(&[ld(2, 10, -7), SHL, ld(1, 10, -8), OR]), None);
        assert_eq!(byte_pair(&[high, SHL, low]), None);
    }
}
