//! Tristate numbers: each bit known 0, known 1, or unknown. `value` holds
//! the known-one bits, `mask` the unknown ones (`value & mask == 0`).
//! Arithmetic over-approximates: the result contains every concrete result
//! of operands drawn from the inputs.

use std::fmt;

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tnum {
    pub value: u64,
    pub mask: u64,
}

impl fmt::Debug for Tnum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({:#x}; {:#x})", self.value, self.mask)
    }
}

// Named like Linux's tnum_add/tnum_sub...: these are abstract transfer
// functions, not operators on numbers.
#[allow(clippy::should_implement_trait)]
impl Tnum {
    /// Every value.
    pub const UNKNOWN: Tnum = Tnum {
        value: 0,
        mask: u64::MAX,
    };

    /// Exactly `v`.
    pub const fn constant(v: u64) -> Tnum {
        Tnum { value: v, mask: 0 }
    }

    /// The smallest tnum containing every value in `[min, max]`.
    pub fn range(min: u64, max: u64) -> Tnum {
        let chi = min ^ max;
        let bits = 64 - chi.leading_zeros();
        if bits > 63 {
            return Tnum::UNKNOWN;
        }
        let delta = (1u64 << bits) - 1;
        Tnum {
            value: min & !delta,
            mask: delta,
        }
    }

    pub const fn is_const(self) -> bool {
        self.mask == 0
    }

    /// Whether `v` is one of the values.
    pub const fn contains(self, v: u64) -> bool {
        v & !self.mask == self.value
    }

    /// Whether every value of `other` is a value of `self`.
    pub const fn includes(self, other: Tnum) -> bool {
        if other.mask & !self.mask != 0 {
            return false;
        }
        other.value & !self.mask == self.value
    }

    pub const fn min(self) -> u64 {
        self.value
    }

    pub const fn max(self) -> u64 {
        self.value | self.mask
    }

    pub fn lshift(self, shift: u32) -> Tnum {
        Tnum {
            value: self.value.wrapping_shl(shift),
            mask: self.mask.wrapping_shl(shift),
        }
    }

    pub fn rshift(self, shift: u32) -> Tnum {
        Tnum {
            value: self.value.wrapping_shr(shift),
            mask: self.mask.wrapping_shr(shift),
        }
    }

    /// Arithmetic right shift by `shift` within `bits` (32 or 64) bits.
    pub fn arshift(self, shift: u32, bits: u32) -> Tnum {
        if bits == 32 {
            Tnum {
                value: ((self.value as u32 as i32) >> shift) as u32 as u64,
                mask: ((self.mask as u32 as i32) >> shift) as u32 as u64,
            }
        } else {
            Tnum {
                value: ((self.value as i64) >> shift) as u64,
                mask: ((self.mask as i64) >> shift) as u64,
            }
        }
    }

    pub fn add(self, other: Tnum) -> Tnum {
        let sm = self.mask.wrapping_add(other.mask);
        let sv = self.value.wrapping_add(other.value);
        let sigma = sm.wrapping_add(sv);
        let chi = sigma ^ sv;
        let mu = chi | self.mask | other.mask;
        Tnum {
            value: sv & !mu,
            mask: mu,
        }
    }

    pub fn sub(self, other: Tnum) -> Tnum {
        let dv = self.value.wrapping_sub(other.value);
        let alpha = dv.wrapping_add(self.mask);
        let beta = dv.wrapping_sub(other.mask);
        let chi = alpha ^ beta;
        let mu = chi | self.mask | other.mask;
        Tnum {
            value: dv & !mu,
            mask: mu,
        }
    }

    pub fn neg(self) -> Tnum {
        Tnum::constant(0).sub(self)
    }

    pub fn and(self, other: Tnum) -> Tnum {
        let alpha = self.value | self.mask;
        let beta = other.value | other.mask;
        let v = self.value & other.value;
        Tnum {
            value: v,
            mask: alpha & beta & !v,
        }
    }

    pub fn or(self, other: Tnum) -> Tnum {
        let v = self.value | other.value;
        let mu = self.mask | other.mask;
        Tnum {
            value: v,
            mask: mu & !v,
        }
    }

    pub fn xor(self, other: Tnum) -> Tnum {
        let v = self.value ^ other.value;
        let mu = self.mask | other.mask;
        Tnum {
            value: v & !mu,
            mask: mu,
        }
    }

    /// Multiplication by long multiplication over the known and unknown
    /// bits of `self`.
    pub fn mul(self, other: Tnum) -> Tnum {
        let mut a = self;
        let mut b = other;
        let acc_v = a.value.wrapping_mul(b.value);
        let mut acc_m = Tnum::constant(0);
        while a.value != 0 || a.mask != 0 {
            if a.value & 1 != 0 {
                acc_m = acc_m.add(Tnum {
                    value: 0,
                    mask: b.mask,
                });
            } else if a.mask & 1 != 0 {
                acc_m = acc_m.add(Tnum {
                    value: 0,
                    mask: b.value | b.mask,
                });
            }
            a = a.rshift(1);
            b = b.lshift(1);
        }
        Tnum::constant(acc_v).add(acc_m)
    }

    /// Values in both (assumes they overlap).
    pub fn intersect(self, other: Tnum) -> Tnum {
        let v = self.value | other.value;
        let mu = self.mask & other.mask;
        Tnum {
            value: v & !mu,
            mask: mu,
        }
    }

    /// The smallest tnum containing both.
    pub fn union(self, other: Tnum) -> Tnum {
        let v = self.value & other.value;
        let mu = (self.value ^ other.value) | self.mask | other.mask;
        Tnum {
            value: v & !mu,
            mask: mu,
        }
    }

    /// The low `size` bytes, the rest known zero.
    pub fn cast(self, size: u32) -> Tnum {
        if size >= 8 {
            return self;
        }
        let keep = (1u64 << (size * 8)) - 1;
        Tnum {
            value: self.value & keep,
            mask: self.mask & keep,
        }
    }

    /// The low 32 bits.
    pub fn subreg(self) -> Tnum {
        self.cast(4)
    }

    /// Whether some value is in both (Linux's `tnum_overlap`): no bit is
    /// known 1 in one and known 0 in the other.
    pub const fn overlaps(self, other: Tnum) -> bool {
        let known = !self.mask & !other.mask;
        self.value & known == other.value & known
    }

    /// The values in both, or `None` when there are none. `intersect`
    /// alone cannot tell a contradiction from a result.
    pub fn meet(self, other: Tnum) -> Option<Tnum> {
        self.overlaps(other).then(|| self.intersect(other))
    }

    /// The high 32 bits, the low ones known zero.
    pub fn clear_subreg(self) -> Tnum {
        self.rshift(32).lshift(32)
    }

    /// `self` with its low 32 bits replaced by those of `sub`.
    pub fn with_subreg(self, sub: Tnum) -> Tnum {
        self.clear_subreg().or(sub.subreg())
    }

    /// The low `bits` bits sign-extended to 64 (`bits` in 1..=64): the
    /// upper bits copy bit `bits - 1`, unknown if it is unknown.
    pub fn sign_extend(self, bits: u32) -> Tnum {
        if bits >= 64 {
            return self;
        }
        let low = (1u64 << bits) - 1;
        let sign = 1u64 << (bits - 1);
        let t = Tnum {
            value: self.value & low,
            mask: self.mask & low,
        };
        if t.mask & sign != 0 {
            Tnum {
                value: t.value,
                mask: t.mask | !low,
            }
        } else if t.value & sign != 0 {
            Tnum {
                value: t.value | !low,
                mask: t.mask,
            }
        } else {
            t
        }
    }

    /// The low `bytes` bytes (2, 4 or 8) in reverse order, the rest zero.
    /// Exact: a byte swap only moves bits.
    pub fn swap_bytes(self, bytes: u32) -> Tnum {
        let swap = |x: u64| match bytes {
            2 => (x as u16).swap_bytes() as u64,
            4 => (x as u32).swap_bytes() as u64,
            _ => x.swap_bytes(),
        };
        Tnum {
            value: swap(self.value),
            mask: swap(self.mask),
        }
    }

    /// The smallest value `>= x`, if any. Lets range bounds snap to values
    /// the tnum allows (Linux only does this when a single value remains).
    pub fn next_member(self, x: u64) -> Option<u64> {
        let wrong = (x ^ self.value) & !self.mask;
        if wrong == 0 {
            return Some(x);
        }
        // Highest known bit where `x` disagrees; everything above it either
        // agrees or is unknown, so `x`'s upper part can be kept.
        let h = 63 - wrong.leading_zeros();
        let upto_h = u64::MAX >> (63 - h);
        if self.value & (1 << h) != 0 {
            // `x` has 0 where 1 is required: raising that bit already
            // exceeds `x`, so fill the bits below with their minimum.
            return Some((x & !upto_h) | (self.value & upto_h));
        }
        // `x` has 1 where 0 is required: the value must grow in an unknown
        // bit above `h` that `x` has clear, the lowest such one.
        let free = self.mask & !x & !upto_h;
        if free == 0 {
            return None;
        }
        let p = free.trailing_zeros();
        let below_p = (1u64 << p) - 1;
        Some((x & !(below_p | 1 << p)) | 1 << p | (self.value & below_p))
    }

    /// The largest value `<= x`, if any: `next_member` on the complements.
    pub fn prev_member(self, x: u64) -> Option<u64> {
        let flipped = Tnum {
            value: !self.value & !self.mask,
            mask: self.mask,
        };
        flipped.next_member(!x).map(|v| !v)
    }

    /// Whether the value is a multiple of `size` (a power of two).
    pub fn is_aligned(self, size: u64) -> bool {
        size == 0 || (self.value | self.mask) & (size - 1) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A tnum and a value it contains.
    fn member() -> impl Strategy<Value = (Tnum, u64)> {
        (any::<u64>(), any::<u64>(), any::<u64>()).prop_map(|(v, m, pick)| {
            let t = Tnum {
                value: v & !m,
                mask: m,
            };
            (t, t.value | (pick & m))
        })
    }

    proptest! {
        #[test]
        fn operations_are_sound((a, x) in member(), (b, y) in member(), s in 0u32..64) {
            prop_assert!(a.add(b).contains(x.wrapping_add(y)));
            prop_assert!(a.sub(b).contains(x.wrapping_sub(y)));
            prop_assert!(a.mul(b).contains(x.wrapping_mul(y)));
            prop_assert!(a.and(b).contains(x & y));
            prop_assert!(a.or(b).contains(x | y));
            prop_assert!(a.xor(b).contains(x ^ y));
            prop_assert!(a.neg().contains(x.wrapping_neg()));
            prop_assert!(a.lshift(s).contains(x << s));
            prop_assert!(a.rshift(s).contains(x >> s));
            prop_assert!(a.arshift(s, 64).contains(((x as i64) >> s) as u64));
            prop_assert!(a.arshift(s % 32, 32).contains(((x as u32 as i32) >> (s % 32)) as u32 as u64));
            prop_assert!(a.union(b).contains(x) && a.union(b).contains(y));
            prop_assert!(a.cast(2).contains(x & 0xffff));
        }

        #[test]
        fn member_search_is_exact((t, m) in member(), x in any::<u64>(), low in any::<bool>()) {
            // Half the cases search near a member, where the answers are
            // interesting, rather than at a random point.
            let x = if low { m ^ (x & 0xff) } else { x };
            match t.next_member(x) {
                Some(r) => {
                    prop_assert!(t.contains(r) && r >= x);
                    prop_assert!(m < x || m >= r);
                }
                None => prop_assert!(t.max() < x),
            }
            match t.prev_member(x) {
                Some(r) => {
                    prop_assert!(t.contains(r) && r <= x);
                    prop_assert!(m > x || m <= r);
                }
                None => prop_assert!(t.min() > x),
            }
        }

        #[test]
        fn meet_and_reshaping_are_sound((a, x) in member(), (b, y) in member(), bits in 1u32..=64) {
            prop_assert_eq!(a.overlaps(b), a.meet(b).is_some());
            if let Some(m) = a.meet(b) {
                prop_assert!(a.includes(m) && b.includes(m));
            }
            if a.contains(y) {
                prop_assert!(a.meet(b).is_some_and(|m| m.contains(y)));
            }
            let sext = |v: u64| if bits == 64 { v } else { ((v << (64 - bits)) as i64 >> (64 - bits)) as u64 };
            prop_assert!(a.sign_extend(bits).contains(sext(x)));
            prop_assert!(a.with_subreg(b).contains((x & !0xffff_ffff) | (y & 0xffff_ffff)));
            prop_assert!(a.swap_bytes(2).contains((x as u16).swap_bytes() as u64));
            prop_assert!(a.swap_bytes(4).contains((x as u32).swap_bytes() as u64));
            prop_assert!(a.swap_bytes(8).contains(x.swap_bytes()));
        }

        #[test]
        fn range_contains_its_bounds(lo in any::<u64>(), hi in any::<u64>()) {
            let (lo, hi) = (lo.min(hi), lo.max(hi));
            let t = Tnum::range(lo, hi);
            prop_assert!(t.contains(lo) && t.contains(hi));
            prop_assert!(t.min() <= lo && t.max() >= hi);
        }
    }

    #[test]
    fn constants_stay_exact() {
        let a = Tnum::constant(6);
        let b = Tnum::constant(7);
        assert_eq!(a.mul(b), Tnum::constant(42));
        assert_eq!(a.add(b), Tnum::constant(13));
        assert!(Tnum::range(0, 7).is_aligned(1));
        assert!(Tnum::constant(16).is_aligned(8));
        assert!(!Tnum::range(0, 15).is_aligned(8));
    }
}
