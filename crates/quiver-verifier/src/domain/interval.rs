//! Integer intervals reduced to a machine width.
//!
//! Scalar bounds are computed on exact integers (`i128` holds every sum,
//! difference and signed product of 64-bit operands), then reduced modulo
//! 2^bits the way the hardware wraps. The reduction of an interval is one
//! interval only if it wraps at most "cleanly"; otherwise every value of the
//! width is possible. One rule serves addition overflow, truncation to a
//! smaller size, sign extension and the 64-to-32-bit view of a range, which
//! Linux's verifier spells out case by case.

/// A closed interval `(lo, hi)`; empty when `lo > hi`.
pub(crate) type Range = (i128, i128);

/// An interval that holds nothing.
pub(crate) const EMPTY: Range = (1, 0);

/// All unsigned values of a width.
pub(crate) fn full_unsigned(bits: u32) -> Range {
    (0, (1i128 << bits) - 1)
}

/// All signed values of a width.
pub(crate) fn full_signed(bits: u32) -> Range {
    (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
}

pub(crate) fn is_empty(r: Range) -> bool {
    r.0 > r.1
}

pub(crate) fn intersect(a: Range, b: Range) -> Range {
    (a.0.max(b.0), a.1.min(b.1))
}

/// The smallest interval holding both.
pub(crate) fn hull(a: Range, b: Range) -> Range {
    if is_empty(a) {
        b
    } else if is_empty(b) {
        a
    } else {
        (a.0.min(b.0), a.1.max(b.1))
    }
}

/// `{x mod 2^bits : x in r}` as an unsigned interval.
pub(crate) fn wrap_unsigned(r: Range, bits: u32) -> Range {
    wrap(
        r,
        bits,
        |x| x.rem_euclid(1i128 << bits),
        full_unsigned(bits),
    )
}

/// `{x mod 2^bits : x in r}` read as signed `bits`-bit numbers (that is,
/// the low `bits` bits sign-extended).
pub(crate) fn wrap_signed(r: Range, bits: u32) -> Range {
    let half = 1i128 << (bits - 1);
    wrap(
        r,
        bits,
        |x| (x + half).rem_euclid(1i128 << bits) - half,
        full_signed(bits),
    )
}

/// Walking from `lo` to `hi` the reduced value climbs by one per step and
/// drops back once per 2^bits steps. Fewer than 2^bits steps wrap at most
/// once, and they did exactly when the reduced ends come out inverted.
fn wrap(r: Range, bits: u32, reduce: impl Fn(i128) -> i128, full: Range) -> Range {
    if is_empty(r) {
        return EMPTY;
    }
    if r.1 - r.0 >= (1i128 << bits) - 1 {
        return full;
    }
    let (lo, hi) = (reduce(r.0), reduce(r.1));
    if lo <= hi { (lo, hi) } else { full }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn wrapping_keeps_every_point(
            lo in -(1i128 << 70)..(1i128 << 70),
            len in prop_oneof![0i128..300, 0i128..(1i128 << 40), 0i128..(1i128 << 66)],
            pick in any::<u64>(),
            bits in prop_oneof![Just(8u32), Just(16), Just(32), Just(64)],
        ) {
            let r = (lo, lo + len);
            let x = lo + (pick as i128).rem_euclid(len + 1);
            let m = 1i128 << bits;
            let u = wrap_unsigned(r, bits);
            let s = wrap_signed(r, bits);
            let ux = x.rem_euclid(m);
            let sx = if ux >= m / 2 { ux - m } else { ux };
            prop_assert!(u.0 <= ux && ux <= u.1, "{u:?} misses {ux}");
            prop_assert!(s.0 <= sx && sx <= s.1, "{s:?} misses {sx}");
        }
    }

    #[test]
    fn clean_wraps_stay_narrow() {
        // 64-bit addition where both ends overflow.
        let r = (u64::MAX as i128 + 5, u64::MAX as i128 + 9);
        assert_eq!(wrap_unsigned(r, 64), (4, 8));
        // A range across 2^32 has a non-contiguous low half ...
        assert_eq!(
            wrap_unsigned((0xffff_fff0, 0x1_0000_0010), 32),
            full_unsigned(32)
        );
        // ... that is nonetheless a signed interval [-16, 16].
        assert_eq!(wrap_signed((0xffff_fff0, 0x1_0000_0010), 32), (-16, 16));
        assert_eq!(wrap_signed((-3, 5), 8), (-3, 5));
        assert_eq!(wrap_unsigned((-3, 5), 8), full_unsigned(8));
        assert!(is_empty(wrap_unsigned(EMPTY, 32)));
    }
}
