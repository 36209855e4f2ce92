//! Conditional jumps on scalars: deciding a branch from the operands'
//! values (Linux's `is_scalar_branch_taken`) and narrowing both operands on
//! each edge (`regs_refine_cond_op` followed by `reg_bounds_sync`, as
//! `reg_set_min_max` does). A constant operand is passed as
//! [`Scalar::from_imm`]; a 32-bit comparison looks at, and refines, the
//! low halves only.
//!
//! Beyond Linux:
//! - `JSET` is decided from the known bits of two non-constant operands,
//!   and refined without a constant too (both operands are then non-zero;
//!   on the not-taken edge, a bit known set in one is clear in the other);
//!   with a constant mask of several bits of which only one can be set,
//!   that bit becomes known (Linux needs a single-bit mask);
//! - the not-taken `JSET` keeps the operand's ranges (Linux forgets them to
//!   avoid an invariant violation on a dead edge);
//! - `JEQ` intersects all views of the operands, not only the compared
//!   width's ranges and tnum;
//! - an edge whose refinement is empty is reported as never taken, which
//!   catches what range and bit checks alone miss (Linux's dead-branch
//!   detection through invariant violations, in bpf-next).
//!
//! When both operands are the same register, the values are equal rather
//! than independent: use the `_same_reg` functions (Linux's `reg1 ==
//! reg2` case).

use super::interval::{self, Range};
use super::scalar::Scalar;
use super::tnum::Tnum;
use quiver_isa::{JmpCond, Width};

/// Whether `a cond b` holds for every pair of values (`Some(true)`), for
/// none (`Some(false)`), or is undecided. Empty operands give `None`.
pub fn is_branch_taken(a: &Scalar, b: &Scalar, cond: JmpCond, width: Width) -> Option<bool> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    if let Some(t) = decide(a, b, cond, width) {
        return Some(t);
    }
    let dead = |taken| {
        let (x, y) = refine(a, b, cond, width, taken);
        x.is_empty() || y.is_empty()
    };
    match (dead(true), dead(false)) {
        (true, false) => Some(false),
        (false, true) => Some(true),
        _ => None,
    }
}

/// The operands narrowed to the pairs that take the edge: `taken` for the
/// jump, `!taken` for the fall-through. Both come back empty when no pair
/// does.
pub fn refine(
    a: &Scalar,
    b: &Scalar,
    cond: JmpCond,
    width: Width,
    taken: bool,
) -> (Scalar, Scalar) {
    if a.is_empty() || b.is_empty() {
        return (Scalar::EMPTY, Scalar::EMPTY);
    }
    let rel = Rel::of(cond);
    let rel = if taken { rel } else { rel.negate() };
    let (mut x, mut y) = (*a, *b);
    match rel {
        Rel::Eq => equal(&mut x, &mut y, width),
        Rel::Ne => {
            if let Some(c) = const_in(b, width) {
                shave(&mut x, width, c);
            } else if let Some(c) = const_in(a, width) {
                shave(&mut y, width, c);
            }
        }
        Rel::Set => {
            some_bit_common(&mut x, b, width);
            some_bit_common(&mut y, a, width);
        }
        Rel::Clear => no_bit_common(&mut x, &mut y, width),
        Rel::Less { signed, or_equal } => less(&mut x, &mut y, width, signed, or_equal),
        Rel::Greater { signed, or_equal } => less(&mut y, &mut x, width, signed, or_equal),
    }
    x.sync();
    y.sync();
    if x.is_empty() || y.is_empty() {
        return (Scalar::EMPTY, Scalar::EMPTY);
    }
    (x, y)
}

/// [`is_branch_taken`] for `a cond a`: every condition but `JSET` is
/// decided by equality; `a & a` is `a`.
pub fn is_branch_taken_same_reg(a: &Scalar, cond: JmpCond, width: Width) -> Option<bool> {
    if a.is_empty() {
        return None;
    }
    match cond {
        JmpCond::Eq | JmpCond::Ge | JmpCond::Le | JmpCond::Sge | JmpCond::Sle => Some(true),
        JmpCond::Ne | JmpCond::Gt | JmpCond::Lt | JmpCond::Sgt | JmpCond::Slt => Some(false),
        JmpCond::Set => {
            let v = View::of(a, width);
            if v.t.value != 0 || v.u.0 > 0 || v.s.0 > 0 || v.s.1 < 0 {
                Some(true)
            } else if v.t.max() == 0 {
                Some(false)
            } else {
                None
            }
        }
    }
}

/// [`refine`] for `a cond a` (Linux refines nothing there): a decided edge
/// keeps `a` or is empty; `JSET` makes `a` non-zero or zero.
pub fn refine_same_reg(a: &Scalar, cond: JmpCond, width: Width, taken: bool) -> Scalar {
    match is_branch_taken_same_reg(a, cond, width) {
        Some(t) if t == taken => *a,
        Some(_) => Scalar::EMPTY,
        None if a.is_empty() => Scalar::EMPTY,
        None => {
            let mut x = *a;
            if taken {
                shave(&mut x, width, 0);
            } else {
                narrow(&mut x, width, (0, 0), (0, 0));
                narrow_bits(&mut x, width, Tnum::constant(0));
            }
            x.synced()
        }
    }
}

/// A condition as a relation between the operands, closed under negation
/// (`JSET` has no opposite opcode; Linux uses `BPF_JSET | BPF_X`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Rel {
    Eq,
    Ne,
    Set,
    Clear,
    Less { signed: bool, or_equal: bool },
    Greater { signed: bool, or_equal: bool },
}

impl Rel {
    fn of(cond: JmpCond) -> Rel {
        let (less, signed, or_equal) = match cond {
            JmpCond::Eq => return Rel::Eq,
            JmpCond::Ne => return Rel::Ne,
            JmpCond::Set => return Rel::Set,
            JmpCond::Gt => (false, false, false),
            JmpCond::Ge => (false, false, true),
            JmpCond::Lt => (true, false, false),
            JmpCond::Le => (true, false, true),
            JmpCond::Sgt => (false, true, false),
            JmpCond::Sge => (false, true, true),
            JmpCond::Slt => (true, true, false),
            JmpCond::Sle => (true, true, true),
        };
        if less {
            Rel::Less { signed, or_equal }
        } else {
            Rel::Greater { signed, or_equal }
        }
    }

    fn negate(self) -> Rel {
        match self {
            Rel::Eq => Rel::Ne,
            Rel::Ne => Rel::Eq,
            Rel::Set => Rel::Clear,
            Rel::Clear => Rel::Set,
            Rel::Less { signed, or_equal } => Rel::Greater {
                signed,
                or_equal: !or_equal,
            },
            Rel::Greater { signed, or_equal } => Rel::Less {
                signed,
                or_equal: !or_equal,
            },
        }
    }
}

/// The part of a scalar a comparison of `width` looks at.
#[derive(Clone, Copy)]
struct View {
    u: Range,
    s: Range,
    t: Tnum,
}

impl View {
    fn of(x: &Scalar, width: Width) -> View {
        match width {
            Width::W64 => View {
                u: x.urange64(),
                s: x.srange64(),
                t: x.var_off,
            },
            Width::W32 => View {
                u: x.urange32(),
                s: x.srange32(),
                t: x.var_off.subreg(),
            },
        }
    }
}

/// Linux's rules: constants compare directly, ranges that do not overlap
/// (or known bits that disagree) are unequal, and ordered comparisons are
/// decided when the ranges are ordered.
fn decide(a: &Scalar, b: &Scalar, cond: JmpCond, width: Width) -> Option<bool> {
    let (va, vb) = (View::of(a, width), View::of(b, width));
    match Rel::of(cond) {
        rel @ (Rel::Eq | Rel::Ne) => {
            let equal = if va.t.is_const() && vb.t.is_const() {
                va.t.value == vb.t.value
            } else if apart(va, vb)
                || (width == Width::W64 && apart(View::of(a, Width::W32), View::of(b, Width::W32)))
            {
                false
            } else {
                return None;
            };
            Some(equal == (rel == Rel::Eq))
        }
        Rel::Set => {
            if va.t.value & vb.t.value != 0 {
                Some(true)
            } else if va.t.max() & vb.t.max() == 0 {
                Some(false)
            } else {
                None
            }
        }
        Rel::Less { signed, or_equal } => greater(pick(vb, signed), pick(va, signed), or_equal),
        Rel::Greater { signed, or_equal } => greater(pick(va, signed), pick(vb, signed), or_equal),
        Rel::Clear => None,
    }
}

/// Whether no value can be in both views.
fn apart(a: View, b: View) -> bool {
    !a.t.overlaps(b.t)
        || interval::is_empty(interval::intersect(a.u, b.u))
        || interval::is_empty(interval::intersect(a.s, b.s))
}

fn pick(v: View, signed: bool) -> Range {
    if signed { v.s } else { v.u }
}

/// `x > y` (or `x >= y`) for all or no pairs of the ranges.
fn greater(x: Range, y: Range, or_equal: bool) -> Option<bool> {
    if or_equal {
        if x.0 >= y.1 {
            Some(true)
        } else if x.1 < y.0 {
            Some(false)
        } else {
            None
        }
    } else if x.0 > y.1 {
        Some(true)
    } else if x.1 <= y.0 {
        Some(false)
    } else {
        None
    }
}

/// `a == b`: both become the values they share.
fn equal(a: &mut Scalar, b: &mut Scalar, width: Width) {
    match width {
        Width::W64 => {
            let m = a.meet(b);
            (*a, *b) = (m, m);
        }
        Width::W32 => {
            let (va, vb) = (View::of(a, width), View::of(b, width));
            let u = interval::intersect(va.u, vb.u);
            let s = interval::intersect(va.s, vb.s);
            let Some(t) = va.t.meet(vb.t) else {
                (*a, *b) = (Scalar::EMPTY, Scalar::EMPTY);
                return;
            };
            for x in [a, b] {
                narrow(x, width, u, s);
                narrow_bits(x, width, t);
            }
        }
    }
}

/// `x != c`: a bound equal to `c` moves inward by one (Linux's JNE
/// against a constant at the edge of the range). A known-bits gap next to
/// the bound is then skipped by `sync`.
fn shave(x: &mut Scalar, width: Width, c: u64) {
    let v = View::of(x, width);
    let (uc, sc) = match width {
        Width::W64 => (c as i128, c as i64 as i128),
        Width::W32 => (c as u32 as i128, c as u32 as i32 as i128),
    };
    let step = |r: Range, c: i128| (r.0 + (r.0 == c) as i128, r.1 - (r.1 == c) as i128);
    narrow(x, width, step(v.u, uc), step(v.s, sc));
}

/// `x & other != 0`: `x` is non-zero, and if `other` is a constant of
/// which `x` can have just one bit, `x` has that bit.
fn some_bit_common(x: &mut Scalar, other: &Scalar, width: Width) {
    shave(x, width, 0);
    let Some(c) = const_in(other, width) else {
        return;
    };
    let t = View::of(x, width).t;
    let possible = c & t.max();
    if possible == 0 {
        *x = Scalar::EMPTY;
    } else if t.value & c == 0 && possible.count_ones() == 1 {
        narrow_bits(
            x,
            width,
            Tnum {
                value: possible,
                mask: !possible,
            },
        );
    }
}

/// `a & b == 0`: a bit known set in one is clear in the other (Linux: only
/// for a constant operand).
fn no_bit_common(a: &mut Scalar, b: &mut Scalar, width: Width) {
    let (ta, tb) = (View::of(a, width).t, View::of(b, width).t);
    if ta.value & tb.value != 0 {
        (*a, *b) = (Scalar::EMPTY, Scalar::EMPTY);
        return;
    }
    let clear = |bits: u64| Tnum {
        value: 0,
        mask: !bits,
    };
    narrow_bits(a, width, clear(tb.value));
    narrow_bits(b, width, clear(ta.value));
}

/// `x < y` (or `x <= y`): `x` is below `y`'s maximum and `y` above `x`'s
/// minimum.
fn less(x: &mut Scalar, y: &mut Scalar, width: Width, signed: bool, or_equal: bool) {
    let gap = if or_equal { 0 } else { 1 };
    let (vx, vy) = (View::of(x, width), View::of(y, width));
    let (rx, ry) = (pick(vx, signed), pick(vy, signed));
    let below = (i128::MIN, ry.1 - gap);
    let above = (rx.0 + gap, i128::MAX);
    if signed {
        narrow(x, width, (i128::MIN, i128::MAX), below);
        narrow(y, width, (i128::MIN, i128::MAX), above);
    } else {
        narrow(x, width, below, (i128::MIN, i128::MAX));
        narrow(y, width, above, (i128::MIN, i128::MAX));
    }
}

/// Intersects `x`'s ranges of `width` with `u` and `s`.
fn narrow(x: &mut Scalar, width: Width, u: Range, s: Range) {
    if x.is_empty() {
        return;
    }
    match width {
        Width::W64 => {
            let (u, s) = (
                interval::intersect(x.urange64(), u),
                interval::intersect(x.srange64(), s),
            );
            x.set_ranges64(u, s);
        }
        Width::W32 => {
            let (u, s) = (
                interval::intersect(x.urange32(), u),
                interval::intersect(x.srange32(), s),
            );
            x.set_ranges32(u, s);
        }
    }
}

/// Intersects `x`'s known bits of `width` with `t`.
fn narrow_bits(x: &mut Scalar, width: Width, t: Tnum) {
    if x.is_empty() {
        return;
    }
    let met = match width {
        Width::W64 => x.var_off.meet(t),
        Width::W32 => x
            .var_off
            .subreg()
            .meet(t.subreg())
            .map(|sub| x.var_off.with_subreg(sub)),
    };
    match met {
        Some(t) => x.var_off = t,
        None => *x = Scalar::EMPTY,
    }
}

fn const_in(x: &Scalar, width: Width) -> Option<u64> {
    match width {
        Width::W64 => x.const_value(),
        Width::W32 => x.const_value32().map(u64::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::{self, Sample, pair, sample};
    use proptest::prelude::*;
    use proptest::test_runner::TestCaseError;

    const WIDTHS: [Width; 2] = [Width::W32, Width::W64];

    fn check(a: &Sample, b: &Sample) -> Result<(), TestCaseError> {
        for cond in JmpCond::ALL {
            for width in WIDTHS {
                let decided = is_branch_taken(&a.scalar, &b.scalar, cond, width);
                let taken = refine(&a.scalar, &b.scalar, cond, width, true);
                let fallen = refine(&a.scalar, &b.scalar, cond, width, false);
                for &x in &a.members {
                    for &y in &b.members {
                        let c = testing::jump(cond, width, x, y);
                        let ctx = || {
                            format!(
                                "{cond:?} {width:?} {x:#x} {y:#x}: {:?} vs {:?}",
                                a.scalar, b.scalar
                            )
                        };
                        if let Some(d) = decided {
                            prop_assert_eq!(d, c, "decided wrongly: {}", ctx());
                        }
                        let (ra, rb) = if c { taken } else { fallen };
                        prop_assert!(ra.contains(x), "{} edge {c} lost x: {ra:?}", ctx());
                        prop_assert!(rb.contains(y), "{} edge {c} lost y: {rb:?}", ctx());
                    }
                }
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn comparisons_are_sound((a, b) in pair()) {
            check(&a, &b)?;
        }

        #[test]
        fn immediate_comparisons_are_sound(a in sample(), imm in prop_oneof![-300i32..300, any::<i32>()]) {
            let b = Sample { scalar: Scalar::from_imm(imm), members: vec![imm as i64 as u64] };
            check(&a, &b)?;
        }

        #[test]
        fn same_register_comparisons_are_sound(a in sample()) {
            for cond in JmpCond::ALL {
                for width in WIDTHS {
                    let decided = is_branch_taken_same_reg(&a.scalar, cond, width);
                    let edges = [false, true].map(|t| refine_same_reg(&a.scalar, cond, width, t));
                    for &x in &a.members {
                        let c = testing::jump(cond, width, x, x);
                        if let Some(d) = decided {
                            prop_assert_eq!(d, c);
                        }
                        prop_assert!(edges[c as usize].contains(x), "{cond:?} {width:?} {x:#x} {:?}", edges[c as usize]);
                    }
                }
            }
        }
    }

    fn imm(v: i32) -> Scalar {
        Scalar::from_imm(v)
    }

    fn edge(a: &Scalar, cond: JmpCond, width: Width, k: i32, taken: bool) -> Scalar {
        refine(a, &imm(k), cond, width, taken).0
    }

    #[test]
    fn unsigned_and_signed_bounds_like_linux() {
        // if r1 > 10 goto: fall-through R1=scalar(smin=smin32=0,
        // smax=umax=smax32=umax32=10,var_off=(0x0; 0xf)).
        let r = edge(&Scalar::UNKNOWN, JmpCond::Gt, Width::W64, 10, false);
        assert_eq!((r.umin, r.umax, r.smin, r.smax), (0, 10, 0, 10));
        assert_eq!((r.u32_max, r.s32_min, r.s32_max), (10, 0, 10));
        assert_eq!(
            r.var_off,
            Tnum {
                value: 0,
                mask: 0xf
            }
        );
        let r = edge(&Scalar::UNKNOWN, JmpCond::Gt, Width::W64, 10, true);
        assert_eq!(r.umin, 11);
        let r = edge(&Scalar::UNKNOWN, JmpCond::Sgt, Width::W64, 5, true);
        assert_eq!((r.smin, r.smax), (6, i64::MAX));
        let r = edge(&Scalar::UNKNOWN, JmpCond::Sgt, Width::W64, 5, false);
        assert_eq!((r.smin, r.smax), (i64::MIN, 5));
    }

    #[test]
    fn jmp32_refines_the_low_half() {
        // if w1 < 10 goto: the low half is [0, 9], the upper one unknown;
        // the 64-bit maximum follows from the low half's.
        let r = edge(&Scalar::UNKNOWN, JmpCond::Lt, Width::W32, 10, true);
        assert_eq!((r.u32_min, r.u32_max, r.s32_min, r.s32_max), (0, 9, 0, 9));
        assert_eq!(r.umax, 0xffff_ffff_0000_0009);
        assert_eq!(
            r.var_off,
            Tnum {
                value: 0,
                mask: 0xffff_ffff_0000_000f
            }
        );
        // The 32-bit compare sees the low half only.
        let x = Scalar::constant(0x1_0000_0005);
        assert_eq!(
            is_branch_taken(&x, &imm(5), JmpCond::Eq, Width::W32),
            Some(true)
        );
        assert_eq!(
            is_branch_taken(&x, &imm(5), JmpCond::Eq, Width::W64),
            Some(false)
        );
    }

    #[test]
    fn not_equal_against_a_bound() {
        let r = Scalar::range(0, 10);
        assert_eq!(edge(&r, JmpCond::Ne, Width::W64, 10, true).umax, 9);
        assert_eq!(edge(&r, JmpCond::Ne, Width::W64, 0, true).umin, 1);
        assert_eq!(edge(&r, JmpCond::Ne, Width::W64, 5, true), r);
        assert_eq!(
            edge(&r, JmpCond::Ne, Width::W64, 5, false).const_value(),
            Some(5)
        );
        assert_eq!(
            edge(&r, JmpCond::Eq, Width::W64, 5, true).const_value(),
            Some(5)
        );
        // Beyond Linux: the next allowed value after the shaved bound.
        let even = Scalar::from_tnum(Tnum {
            value: 0,
            mask: 0xe,
        });
        assert_eq!(edge(&even, JmpCond::Ne, Width::W64, 0, true).umin, 2);
    }

    #[test]
    fn bit_tests() {
        // if r1 & 0x8 goto: the bit is known set on the jump.
        let r = edge(&Scalar::UNKNOWN, JmpCond::Set, Width::W64, 8, true);
        assert_eq!(r.var_off.value, 8);
        // r1 in [0, 0xff], if r1 & 0x80 falls through: below 0x80.
        let r = edge(
            &Scalar::range(0, 0xff),
            JmpCond::Set,
            Width::W64,
            0x80,
            false,
        );
        assert_eq!((r.umin, r.umax), (0, 0x7f));
        // Beyond Linux: of mask 0x18 only bit 3 can be set in [0, 0xf].
        let r = edge(&Scalar::range(0, 0xf), JmpCond::Set, Width::W64, 0x18, true);
        assert_eq!((r.var_off, r.umin), (Tnum { value: 8, mask: 7 }, 8));
        // Known bits decide JSET without a constant operand.
        let a = Scalar::from_tnum(Tnum {
            value: 0x10,
            mask: 0xf,
        });
        let b = Scalar::from_tnum(Tnum {
            value: 0x11,
            mask: 0x100,
        });
        assert_eq!(
            is_branch_taken(&a, &b, JmpCond::Set, Width::W64),
            Some(true)
        );
        let c = Scalar::from_tnum(Tnum {
            value: 0,
            mask: 0xf00,
        });
        assert_eq!(
            is_branch_taken(&a, &c, JmpCond::Set, Width::W64),
            Some(false)
        );
    }

    #[test]
    fn ordered_decisions() {
        let r = Scalar::range(0, 10);
        assert_eq!(
            is_branch_taken(&r, &imm(20), JmpCond::Gt, Width::W64),
            Some(false)
        );
        assert_eq!(
            is_branch_taken(&r, &imm(11), JmpCond::Lt, Width::W64),
            Some(true)
        );
        assert_eq!(is_branch_taken(&r, &imm(5), JmpCond::Lt, Width::W64), None);
        assert_eq!(
            is_branch_taken(&r, &imm(-1), JmpCond::Sgt, Width::W64),
            Some(true)
        );
        assert_eq!(
            is_branch_taken(&r, &imm(-1), JmpCond::Gt, Width::W64),
            Some(false)
        );
        assert_eq!(
            is_branch_taken(&r, &imm(11), JmpCond::Eq, Width::W64),
            Some(false)
        );
    }

    #[test]
    fn dead_edges_are_detected() {
        // {0, 4, 8, 12} == [5, 7]: ranges and known bits overlap, yet no
        // pair is equal (Linux: undecided).
        let a = Scalar::from_tnum(Tnum {
            value: 0,
            mask: 0xc,
        });
        let b = Scalar::range(5, 7);
        assert_eq!(
            is_branch_taken(&a, &b, JmpCond::Eq, Width::W64),
            Some(false)
        );
        let (x, y) = refine(&a, &b, JmpCond::Eq, Width::W64, true);
        assert!(x.is_empty() && y.is_empty());
        // A register against itself.
        let r = Scalar::range(1, 10);
        assert_eq!(
            is_branch_taken_same_reg(&r, JmpCond::Set, Width::W64),
            Some(true)
        );
        assert_eq!(
            is_branch_taken_same_reg(&r, JmpCond::Gt, Width::W64),
            Some(false)
        );
        assert!(refine_same_reg(&r, JmpCond::Gt, Width::W64, true).is_empty());
        let z = refine_same_reg(&Scalar::UNKNOWN, JmpCond::Set, Width::W32, false);
        assert_eq!((z.u32_max, z.umax), (0, 0xffff_ffff_0000_0000));
    }
}
