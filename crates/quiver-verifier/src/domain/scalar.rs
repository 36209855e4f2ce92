//! The abstract value of a register holding a number, tracked the way
//! Linux's verifier does (`struct bpf_reg_state`'s scalar fields): known
//! bits plus unsigned and signed ranges of the full 64-bit value and of its
//! low 32 bits. A value belongs to a [`Scalar`] when it satisfies all five
//! descriptions at once; each can rule out values the others allow, so
//! [`Scalar::sync`] keeps deriving each from the others.
//!
//! A scalar can be empty: a branch edge that no execution takes refines its
//! operands to nothing. Every view of [`Scalar::EMPTY`] is an inverted
//! range, transfer functions map it to itself, and a caller drops such an
//! edge (Linux instead reports an invariant violation and forgets the
//! bounds).

use super::interval::{self, Range};
use super::tnum::Tnum;

/// A set of 64-bit values: the members of `var_off` that lie in all four
/// ranges. Fields are public for printing and for the verifier's state
/// code; after writing any of them directly, call [`Scalar::sync`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Scalar {
    /// Known bits.
    pub var_off: Tnum,
    pub umin: u64,
    pub umax: u64,
    pub smin: i64,
    pub smax: i64,
    /// Bounds of the low 32 bits read as `u32`.
    pub u32_min: u32,
    pub u32_max: u32,
    /// Bounds of the low 32 bits read as `i32`.
    pub s32_min: i32,
    pub s32_max: i32,
}

/// How many times [`Scalar::sync`] may run its round of deductions. Linux
/// runs one round (with the bounds deduction three times); a second round
/// catches what the known bits learnt in the first teach the ranges.
const SYNC_ROUNDS: usize = 4;

impl Scalar {
    /// Every value.
    pub const UNKNOWN: Scalar = Scalar {
        var_off: Tnum::UNKNOWN,
        umin: 0,
        umax: u64::MAX,
        smin: i64::MIN,
        smax: i64::MAX,
        u32_min: 0,
        u32_max: u32::MAX,
        s32_min: i32::MIN,
        s32_max: i32::MAX,
    };

    /// No value (an edge no execution takes).
    pub const EMPTY: Scalar = Scalar {
        var_off: Tnum::constant(0),
        umin: u64::MAX,
        umax: 0,
        smin: i64::MAX,
        smax: i64::MIN,
        u32_min: u32::MAX,
        u32_max: 0,
        s32_min: i32::MAX,
        s32_max: i32::MIN,
    };

    /// Every value (Linux's `__mark_reg_unknown`).
    pub const fn unknown() -> Scalar {
        Scalar::UNKNOWN
    }

    /// Exactly `v` (Linux's `__mark_reg_known`).
    pub const fn constant(v: u64) -> Scalar {
        Scalar {
            var_off: Tnum::constant(v),
            umin: v,
            umax: v,
            smin: v as i64,
            smax: v as i64,
            u32_min: v as u32,
            u32_max: v as u32,
            s32_min: v as u32 as i32,
            s32_max: v as u32 as i32,
        }
    }

    /// An instruction immediate, sign-extended to 64 bits as every 64-bit
    /// use reads it; its low half is what 32-bit uses read.
    pub const fn from_imm(imm: i32) -> Scalar {
        Scalar::constant(imm as i64 as u64)
    }

    /// The unsigned range `[umin, umax]` (empty if inverted).
    pub fn range(umin: u64, umax: u64) -> Scalar {
        if umin > umax {
            return Scalar::EMPTY;
        }
        Scalar {
            var_off: Tnum::range(umin, umax),
            umin,
            umax,
            ..Scalar::UNKNOWN
        }
        .synced()
    }

    /// The signed range `[smin, smax]` (empty if inverted).
    pub fn srange(smin: i64, smax: i64) -> Scalar {
        if smin > smax {
            return Scalar::EMPTY;
        }
        Scalar {
            smin,
            smax,
            ..Scalar::UNKNOWN
        }
        .synced()
    }

    /// The members of a tnum.
    pub fn from_tnum(t: Tnum) -> Scalar {
        Scalar {
            var_off: t,
            ..Scalar::UNKNOWN
        }
        .synced()
    }

    /// Whether no value belongs: some range is inverted (what
    /// [`Scalar::sync`] turns any contradiction it finds into).
    pub fn is_empty(&self) -> bool {
        self.umin > self.umax
            || self.smin > self.smax
            || self.u32_min > self.u32_max
            || self.s32_min > self.s32_max
            || self.var_off.value & self.var_off.mask != 0
    }

    /// Whether exactly one value belongs.
    pub fn is_const(&self) -> bool {
        self.const_value().is_some()
    }

    /// The one value, if exactly one belongs.
    pub fn const_value(&self) -> Option<u64> {
        (!self.is_empty() && self.var_off.is_const()).then_some(self.var_off.value)
    }

    /// The low 32 bits, if they are the same for every value (Linux's
    /// `tnum_subreg_is_const`, what JMP32 and ALU32 look at).
    pub fn const_value32(&self) -> Option<u32> {
        let sub = self.var_off.subreg();
        (!self.is_empty() && sub.is_const()).then_some(sub.value as u32)
    }

    /// Whether `v` belongs.
    pub fn contains(&self, v: u64) -> bool {
        let (lo, slo) = (v as u32, v as u32 as i32);
        self.var_off.contains(v)
            && (self.umin..=self.umax).contains(&v)
            && (self.smin..=self.smax).contains(&(v as i64))
            && (self.u32_min..=self.u32_max).contains(&lo)
            && (self.s32_min..=self.s32_max).contains(&slo)
    }

    /// Whether every value of `other` belongs to `self`: Linux's `regsafe`
    /// test for a precise scalar (`range_within` and `tnum_in`). State
    /// pruning uses it to skip a state already covered by a verified one.
    pub fn includes(&self, other: &Scalar) -> bool {
        if other.is_empty() {
            return true;
        }
        !self.is_empty()
            && self.umin <= other.umin
            && self.umax >= other.umax
            && self.smin <= other.smin
            && self.smax >= other.smax
            && self.u32_min <= other.u32_min
            && self.u32_max >= other.u32_max
            && self.s32_min <= other.s32_min
            && self.s32_max >= other.s32_max
            && self.var_off.includes(other.var_off)
    }

    /// A scalar holding the values of both (each view's hull).
    pub fn join(&self, other: &Scalar) -> Scalar {
        if self.is_empty() {
            return *other;
        }
        if other.is_empty() {
            return *self;
        }
        Scalar {
            var_off: self.var_off.union(other.var_off),
            umin: self.umin.min(other.umin),
            umax: self.umax.max(other.umax),
            smin: self.smin.min(other.smin),
            smax: self.smax.max(other.smax),
            u32_min: self.u32_min.min(other.u32_min),
            u32_max: self.u32_max.max(other.u32_max),
            s32_min: self.s32_min.min(other.s32_min),
            s32_max: self.s32_max.max(other.s32_max),
        }
        .synced()
    }

    /// The values in both (each view intersected).
    pub fn meet(&self, other: &Scalar) -> Scalar {
        let Some(var_off) = self.var_off.meet(other.var_off) else {
            return Scalar::EMPTY;
        };
        Scalar {
            var_off,
            umin: self.umin.max(other.umin),
            umax: self.umax.min(other.umax),
            smin: self.smin.max(other.smin),
            smax: self.smax.min(other.smax),
            u32_min: self.u32_min.max(other.u32_min),
            u32_max: self.u32_max.min(other.u32_max),
            s32_min: self.s32_min.max(other.s32_min),
            s32_max: self.s32_max.min(other.s32_max),
        }
        .synced()
    }

    /// `self` after [`Scalar::sync`].
    pub fn synced(mut self) -> Scalar {
        self.sync();
        self
    }

    /// Tightens every view with what the others know (Linux's
    /// `reg_bounds_sync`), and collapses a contradiction to
    /// [`Scalar::EMPTY`]. Never drops a member.
    pub fn sync(&mut self) {
        for _ in 0..SYNC_ROUNDS {
            let before = *self;
            if !self.sync_round() {
                *self = Scalar::EMPTY;
                return;
            }
            if *self == before {
                return;
            }
        }
    }

    /// One round of Linux's order (bits to bounds, bounds between views,
    /// bounds to bits, bits to bounds) plus snapping the bounds to members;
    /// false on a contradiction. Each step checks emptiness first so that
    /// no step works on inverted ranges.
    fn sync_round(&mut self) -> bool {
        if self.is_empty() {
            return false;
        }
        self.bounds_from_tnum();
        if self.is_empty() {
            return false;
        }
        self.deduce_32_from_64();
        self.deduce_64_between_signs();
        self.deduce_64_from_32();
        if self.is_empty() || !self.tnum_from_bounds() {
            return false;
        }
        self.bounds_from_tnum();
        self.snap_to_tnum()
    }

    /// Linux's `__update_reg_bounds`: the extreme members of the tnum bound
    /// each range. The smallest signed member has the sign bit set if it
    /// can be, the other unknown bits clear.
    fn bounds_from_tnum(&mut self) {
        let t = self.var_off;
        self.umin = self.umin.max(t.min());
        self.umax = self.umax.min(t.max());
        self.smin = self.smin.max((t.value | (t.mask & (1 << 63))) as i64);
        self.smax = self.smax.min((t.value | (t.mask & !(1 << 63))) as i64);
        let s = t.subreg();
        self.u32_min = self.u32_min.max(s.min() as u32);
        self.u32_max = self.u32_max.min(s.max() as u32);
        self.s32_min = self
            .s32_min
            .max((s.value | (s.mask & 1 << 31)) as u32 as i32);
        self.s32_max = self
            .s32_max
            .min((s.value | (s.mask & !(1 << 31))) as u32 as i32);
    }

    /// Linux's `__reg32_deduce_bounds`. A 64-bit range says something about
    /// the low halves when it wraps them at most once (the "same upper 32
    /// bits" and "upper bits differ by one" cases there); the u32 and s32
    /// ranges describe each other when they keep to one side of the sign
    /// boundary.
    fn deduce_32_from_64(&mut self) {
        let (u64r, s64r) = (self.urange64(), self.srange64());
        let mut u = self.urange32();
        let mut s = self.srange32();
        for r in [u64r, s64r] {
            u = interval::intersect(u, interval::wrap_unsigned(r, 32));
            s = interval::intersect(s, interval::wrap_signed(r, 32));
        }
        // u32 -> s32 and back: one interval under both readings.
        s = interval::intersect(s, interval::wrap_signed(u, 32));
        u = interval::intersect(u, interval::wrap_unsigned(s, 32));
        self.set_ranges32(u, s);
    }

    /// Linux's `__reg64_deduce_bounds`: intersect each range with the other
    /// read in its own signedness. A signed range across zero is two
    /// unsigned intervals (and vice versa); keep the hull of what survives.
    fn deduce_64_between_signs(&mut self) {
        const SPAN: i128 = 1 << 64;
        let (u, s) = (self.urange64(), self.srange64());
        // The signed range as unsigned: its negative part moves up by 2^64.
        let s_neg = (s.0.min(-1) + SPAN, s.1.min(-1) + SPAN);
        let s_pos = (s.0.max(0), s.1.max(0));
        let u = interval::hull(
            interval::intersect(u, if s.0 < 0 { s_neg } else { interval::EMPTY }),
            interval::intersect(u, if s.1 >= 0 { s_pos } else { interval::EMPTY }),
        );
        // The unsigned range as signed: its top half moves down by 2^64.
        let half = 1i128 << 63;
        let u_low = (u.0, u.1.min(half - 1));
        let u_high = (u.0.max(half) - SPAN, u.1 - SPAN);
        let s = interval::hull(
            interval::intersect(s, u_low),
            interval::intersect(s, u_high),
        );
        self.set_ranges64(u, s);
    }

    /// Linux's `__reg_deduce_mixed_bounds`: the low-half ranges tighten the
    /// 64-bit ones at their ends (a value above `umin` with `umin`'s upper
    /// half has a low half above `u32_min`), and a value that fits in 32
    /// signed bits is its own s32 view. Linux applies the last rule only to
    /// non-negative s32 ranges.
    fn deduce_64_from_32(&mut self) {
        const LOW: u64 = 0xffff_ffff;
        let lo32 = self.u32_min as u64;
        let hi32 = self.u32_max as u64;
        self.umin = self.umin.max((self.umin & !LOW) | lo32);
        self.umax = self.umax.min((self.umax & !LOW) | hi32);
        self.smin = self.smin.max(((self.smin as u64 & !LOW) | lo32) as i64);
        self.smax = self.smax.min(((self.smax as u64 & !LOW) | hi32) as i64);
        if self.smin >= i32::MIN as i64 && self.smax <= i32::MAX as i64 {
            self.smin = self.smin.max(self.s32_min as i64);
            self.smax = self.smax.min(self.s32_max as i64);
        }
    }

    /// Linux's `__reg_bound_offset`: bits the unsigned ranges fix (the
    /// common prefix of their ends) become known. Returns false when they
    /// contradict the known bits.
    fn tnum_from_bounds(&mut self) -> bool {
        let Some(t) = self.var_off.meet(Tnum::range(self.umin, self.umax)) else {
            return false;
        };
        let r32 = Tnum::range(self.u32_min as u64, self.u32_max as u64);
        let Some(sub) = t.subreg().meet(r32) else {
            return false;
        };
        self.var_off = t.with_subreg(sub);
        true
    }

    /// Moves each unsigned bound inward to the nearest tnum member (Linux
    /// only notices when exactly one value is left). Returns false when no
    /// member lies in a range.
    fn snap_to_tnum(&mut self) -> bool {
        let t = self.var_off;
        let sub = t.subreg();
        let snapped = (
            t.next_member(self.umin),
            t.prev_member(self.umax),
            sub.next_member(self.u32_min as u64),
            sub.prev_member(self.u32_max as u64),
        );
        let (Some(umin), Some(umax), Some(u32_min), Some(u32_max)) = snapped else {
            return false;
        };
        (self.umin, self.umax) = (umin, umax);
        (self.u32_min, self.u32_max) = (u32_min as u32, u32_max as u32);
        !self.is_empty()
    }

    pub(crate) fn urange64(&self) -> Range {
        (self.umin as i128, self.umax as i128)
    }

    pub(crate) fn srange64(&self) -> Range {
        (self.smin as i128, self.smax as i128)
    }

    pub(crate) fn urange32(&self) -> Range {
        (self.u32_min as i128, self.u32_max as i128)
    }

    pub(crate) fn srange32(&self) -> Range {
        (self.s32_min as i128, self.s32_max as i128)
    }

    /// Stores 64-bit ranges computed as exact integers; an empty one makes
    /// the scalar empty. Callers pass ranges within the width.
    pub(crate) fn set_ranges64(&mut self, u: Range, s: Range) {
        if interval::is_empty(u) || interval::is_empty(s) {
            *self = Scalar::EMPTY;
            return;
        }
        (self.umin, self.umax) = (u.0 as u64, u.1 as u64);
        (self.smin, self.smax) = (s.0 as i64, s.1 as i64);
    }

    /// Stores 32-bit ranges, as [`Scalar::set_ranges64`].
    pub(crate) fn set_ranges32(&mut self, u: Range, s: Range) {
        if interval::is_empty(u) || interval::is_empty(s) {
            *self = Scalar::EMPTY;
            return;
        }
        (self.u32_min, self.u32_max) = (u.0 as u32, u.1 as u32);
        (self.s32_min, self.s32_max) = (s.0 as i32, s.1 as i32);
    }
}

impl Default for Scalar {
    fn default() -> Scalar {
        Scalar::UNKNOWN
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::{hull_of, sample};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn samples_hold_their_members(a in sample()) {
            for &x in &a.members {
                prop_assert!(a.scalar.contains(x), "{:?} lacks {x:#x}", a.scalar);
            }
        }

        /// Tight hulls in every view stress the deductions between views:
        /// sync must keep each member whichever views start out loose.
        #[test]
        fn sync_keeps_members(a in sample(), loose in any::<u8>()) {
            let mut s = hull_of(&a.members, loose);
            s.sync();
            for &x in &a.members {
                prop_assert!(s.contains(x), "{s:?} lacks {x:#x}");
            }
            prop_assert!(s.synced().includes(&s) && s.includes(&s.synced()));
        }

        #[test]
        fn includes_is_sound(a in sample(), b in sample()) {
            let j = a.scalar.join(&b.scalar);
            prop_assert!(j.includes(&a.scalar) && j.includes(&b.scalar));
            for (outer, inner) in [(&a, &b), (&b, &a)] {
                if outer.scalar.includes(&inner.scalar) {
                    for &x in &inner.members {
                        prop_assert!(outer.scalar.contains(x));
                    }
                }
            }
            let m = a.scalar.meet(&b.scalar);
            for &x in a.members.iter().filter(|&&x| b.scalar.contains(x)) {
                prop_assert!(m.contains(x));
            }
            prop_assert!(a.scalar.includes(&m) && b.scalar.includes(&m));
        }
    }

    #[test]
    fn constants_are_exact() {
        let c = Scalar::constant(-5i64 as u64);
        assert_eq!((c.smin, c.smax, c.s32_min, c.s32_max), (-5, -5, -5, -5));
        assert_eq!((c.u32_min, c.u32_max), (0xffff_fffb, 0xffff_fffb));
        assert_eq!(c.const_value(), Some(-5i64 as u64));
        assert_eq!(c.synced(), c);
        assert_eq!(Scalar::from_imm(-1).const_value(), Some(u64::MAX));
    }

    #[test]
    fn ranges_learn_known_bits_and_back() {
        // Linux prints this as var_off=(0x0; 0xff) umax=255.
        let r = Scalar::range(0, 255);
        assert_eq!(
            r.var_off,
            Tnum {
                value: 0,
                mask: 0xff
            }
        );
        assert_eq!((r.smin, r.smax, r.s32_min, r.s32_max), (0, 255, 0, 255));
        // Signed [-3, -1] is unsigned [2^64-3, 2^64-1].
        let n = Scalar::srange(-3, -1);
        assert_eq!((n.umin, n.umax), (u64::MAX - 2, u64::MAX));
        assert_eq!((n.s32_min, n.s32_max), (-3, -1));
        // A tnum with only even values pulls an odd bound inward.
        let even = Scalar::from_tnum(Tnum {
            value: 0,
            mask: 0xfe,
        });
        let mut s = Scalar {
            umin: 3,
            umax: 9,
            ..even
        };
        s.sync();
        assert_eq!((s.umin, s.umax), (4, 8));
    }

    #[test]
    fn contradictions_become_empty() {
        let mut s = Scalar {
            umin: 5,
            umax: 7,
            ..Scalar::from_tnum(Tnum { value: 8, mask: 0 })
        };
        s.sync();
        assert!(s.is_empty() && s == Scalar::EMPTY);
        assert!(!s.contains(8));
        assert!(Scalar::range(0, 10).includes(&Scalar::EMPTY));
        assert!(!Scalar::EMPTY.includes(&Scalar::constant(0)));
        assert!(Scalar::range(0, 3).meet(&Scalar::range(5, 9)).is_empty());
    }

    #[test]
    fn low_half_bounds_tighten_the_full_value() {
        // Linux's example: [0x1_0000_0000, 0x3_8000_0000] whose low half is
        // known to be in [1, 0x7fff_ffff].
        let mut s = Scalar {
            u32_min: 1,
            u32_max: 0x7fff_ffff,
            ..Scalar::range(0x1_0000_0000, 0x3_8000_0000)
        };
        s.sync();
        assert_eq!((s.umin, s.umax), (0x1_0000_0001, 0x3_7fff_ffff));
    }

    #[test]
    fn pruning_compares_all_views() {
        let wide = Scalar::range(0, 100);
        let narrow = Scalar::range(10, 20);
        assert!(wide.includes(&narrow) && !narrow.includes(&wide));
        assert!(Scalar::UNKNOWN.includes(&wide));
        let c = Scalar::constant(7);
        assert!(c.includes(&c) && !c.includes(&narrow));
    }
}
