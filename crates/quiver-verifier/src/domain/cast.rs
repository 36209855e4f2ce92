//! Changing a scalar's size: truncation (narrow loads, 32-bit results
//! zero-extended into the register) and sign extension (`movsx`, `ldsx`).
//!
//! Both depend only on the low `n` bits of the value. Every view of the
//! scalar bounds those bits in its own way (an interval that wraps them at
//! most once, or the known bits), so the result takes the intersection of
//! all of them. Linux's `coerce_reg_to_size` uses the unsigned range alone
//! and `coerce_reg_to_size_sx` the signed one, falling back to the full
//! range of the size otherwise: `(s8)` of `[-3, 5]` is `[-3, 5]` here and
//! `[-128, 127]` there.

use super::interval::{self, Range};
use super::scalar::Scalar;
use quiver_isa::Size;

impl Scalar {
    /// The values' low `n` bits (1..=64) as unsigned numbers.
    pub(crate) fn low_unsigned(&self, n: u32) -> Range {
        let t = self.var_off;
        let keep = if n >= 64 { u64::MAX } else { (1u64 << n) - 1 };
        let mut r = (
            (t.value & keep) as i128,
            ((t.value | t.mask) & keep) as i128,
        );
        for v in self.views_of_low(n) {
            r = interval::intersect(r, interval::wrap_unsigned(v, n));
        }
        r
    }

    /// The values' low `n` bits (1..=64) sign-extended.
    pub(crate) fn low_signed(&self, n: u32) -> Range {
        let t = self.var_off.sign_extend(n);
        let mut r = (
            (t.value | (t.mask & 1 << 63)) as i64 as i128,
            (t.value | (t.mask & !(1 << 63))) as i64 as i128,
        );
        for v in self.views_of_low(n) {
            r = interval::intersect(r, interval::wrap_signed(v, n));
        }
        r
    }

    /// The ranges whose reduction bounds the low `n` bits: the 64-bit ones
    /// always, the 32-bit ones when `n` is at most 32.
    fn views_of_low(&self, n: u32) -> impl Iterator<Item = Range> {
        let low: [Range; 2] = [self.urange32(), self.srange32()];
        [self.urange64(), self.srange64()]
            .into_iter()
            .chain(low.into_iter().filter(move |_| n <= 32))
    }

    /// The value loaded by a `size` load from memory holding `self`, or
    /// `self` truncated to `size` and zero-extended (Linux's
    /// `coerce_reg_to_size`).
    pub fn coerce_to_size(&self, size: Size) -> Scalar {
        let n = size.bits();
        if n == 64 || self.is_empty() {
            return *self;
        }
        let u = self.low_unsigned(n);
        let mut r = Scalar {
            var_off: self.var_off.cast(size.bytes() as u32),
            ..Scalar::UNKNOWN
        };
        r.set_ranges64(u, u);
        if n < 32 {
            r.set_ranges32(u, u);
        } else {
            // The low 32 bits are the source's, in both readings.
            r.set_ranges32(u, self.low_signed(32));
        }
        r.synced()
    }

    /// `self`'s low `size` bytes sign-extended to 64 bits (`movsx`, `ldsx`;
    /// Linux's `coerce_reg_to_size_sx`).
    pub fn coerce_to_size_sx(&self, size: Size) -> Scalar {
        let n = size.bits();
        if n == 64 || self.is_empty() {
            return *self;
        }
        let s = self.low_signed(n);
        let mut r = Scalar {
            var_off: self.var_off.sign_extend(n),
            ..Scalar::UNKNOWN
        };
        r.set_ranges64(interval::full_unsigned(64), s);
        // The result fits in 32 signed bits, so its s32 view is the same
        // range; when n is 32 its low half is the source's.
        let u32r = if n == 32 {
            self.low_unsigned(32)
        } else {
            interval::full_unsigned(32)
        };
        r.set_ranges32(u32r, s);
        r.synced()
    }

    /// The low 32 bits zero-extended: what every 32-bit ALU result and
    /// `w = w` move leave in the register (Linux's `zext_32_to_64`).
    pub fn zext_32_to_64(&self) -> Scalar {
        self.coerce_to_size(Size::W)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::sample;
    use crate::domain::tnum::Tnum;
    use proptest::prelude::*;

    const SIZES: [Size; 4] = [Size::B, Size::H, Size::W, Size::DW];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn resizing_is_sound(a in sample()) {
            for size in SIZES {
                let n = size.bits();
                let z = a.scalar.coerce_to_size(size);
                let s = a.scalar.coerce_to_size_sx(size);
                for &x in &a.members {
                    let (zx, sx) = if n == 64 {
                        (x, x)
                    } else {
                        (x & ((1 << n) - 1), ((x << (64 - n)) as i64 >> (64 - n)) as u64)
                    };
                    prop_assert!(z.contains(zx), "{size:?} of {:?} = {z:?} lacks {zx:#x}", a.scalar);
                    prop_assert!(s.contains(sx), "sx {size:?} of {:?} = {s:?} lacks {sx:#x}", a.scalar);
                }
            }
        }
    }

    #[test]
    fn narrow_loads_have_the_size_range() {
        let b = Scalar::UNKNOWN.coerce_to_size(Size::B);
        assert_eq!((b.umin, b.umax, b.smin, b.smax), (0, 255, 0, 255));
        assert_eq!(
            b.var_off,
            Tnum {
                value: 0,
                mask: 0xff
            }
        );
        let w = Scalar::UNKNOWN.coerce_to_size(Size::W);
        assert_eq!(
            (w.umax, w.s32_min, w.s32_max),
            (0xffff_ffff, i32::MIN, i32::MAX)
        );
        let sb = Scalar::UNKNOWN.coerce_to_size_sx(Size::B);
        assert_eq!(
            (sb.smin, sb.smax, sb.s32_min, sb.s32_max),
            (-128, 127, -128, 127)
        );
        assert_eq!((sb.umin, sb.umax), (0, u64::MAX));
        let sw = Scalar::UNKNOWN.coerce_to_size_sx(Size::W);
        assert_eq!((sw.smin, sw.smax), (i32::MIN as i64, i32::MAX as i64));
    }

    #[test]
    fn truncation_keeps_ranges_that_do_not_wrap() {
        // Linux: same upper bits at both ends keeps the low-bit range.
        let r = Scalar::range(0x1_0000_0010, 0x1_0000_0020).coerce_to_size(Size::W);
        assert_eq!((r.umin, r.umax), (0x10, 0x20));
        // A range across a 2^8 boundary truncates to every byte value.
        let r = Scalar::range(250, 260).coerce_to_size(Size::B);
        assert_eq!((r.umin, r.umax), (0, 255));
        // -1 as a 32-bit move is 0xffffffff.
        let r = Scalar::constant(u64::MAX).zext_32_to_64();
        assert_eq!(r.const_value(), Some(0xffff_ffff));
    }

    #[test]
    fn sign_extension_beyond_linux() {
        // Linux gives [-128, 127] here: the ends' upper bits differ.
        let r = Scalar::srange(-3, 5).coerce_to_size_sx(Size::B);
        assert_eq!((r.smin, r.smax), (-3, 5));
        // Both agree on a range on one side of the byte's sign bit.
        let r = Scalar::range(0x180, 0x1f0).coerce_to_size_sx(Size::B);
        assert_eq!((r.smin, r.smax), (-128, -16));
        let r = Scalar::constant(0xff).coerce_to_size_sx(Size::B);
        assert_eq!(r.const_value(), Some(u64::MAX));
    }
}
