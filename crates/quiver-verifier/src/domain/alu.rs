//! Transfer functions of the ALU instructions on scalars (Linux's
//! `adjust_scalar_min_max_vals` and its `scalar{,32}_min_max_*` helpers).
//!
//! Each operation is computed for one width at a time: both ranges as
//! exact integers reduced to the width (see `interval`), and the known bits
//! with tnum arithmetic. A 32-bit instruction computes the 32-bit width and
//! zero-extends; a 64-bit one computes the 64-bit width and, for the
//! operations whose low half depends only on the operands' low halves
//! (add, sub, mul, neg, bitwise, left shift), the 32-bit width too, as
//! Linux does to keep JMP32 comparisons precise.
//!
//! Where this is more precise than Linux, and why it stays sound:
//! - both operands constant: the exact result (Linux loses it for mod);
//! - add/sub/mul bounds survive an overflow that wraps every result the
//!   same number of times (Linux keeps this only for unsigned add/sub);
//! - div and mod by a non-constant divisor still bound the result
//!   (`x / d <= x`, `x % d <= x`, and the signed analogues); Linux marks
//!   the whole register unknown, even for 32-bit results;
//! - a shift amount that is not constant but always below the width gives
//!   the join of the shifts by each possible amount; Linux marks unknown;
//! - the signed bounds of a left shift by any constant (Linux: only `<< 32`).
//!
//! Like Linux, a shift whose amount may reach the width gives an unknown
//! value (the ISA masks the count; Linux rejects such a constant amount
//! and does not track a register one). Not done here: Linux splits the
//! state when an `and`/`or` with a constant meets a `[-1, 0]` value
//! (`maybe_fork_scalars`); that needs the verifier's state stack, and a
//! single scalar can only hold the join of the two outcomes.

use super::interval::{self, Range};
use super::scalar::Scalar;
use super::tnum::Tnum;
use quiver_isa::{AluOp, ByteOrder, Size, Width};

/// `dst op= src` (`BPF_ALU`/`BPF_ALU64` with a register or, through
/// [`Scalar::from_imm`], an immediate operand), including `Mov`.
pub fn binary(op: AluOp, width: Width, dst: &Scalar, src: &Scalar) -> Scalar {
    if dst.is_empty() || src.is_empty() {
        return Scalar::EMPTY;
    }
    let bits = bits_of(width);
    match op {
        AluOp::Mov => return resize(width, src),
        AluOp::Lsh | AluOp::Rsh | AluOp::Arsh => return shift(op, width, dst, src),
        AluOp::Mod | AluOp::Smod if keeps_dividend(op, bits, dst, src) => {
            return resize(width, dst);
        }
        _ => {}
    }
    if let (Some(a), Some(b)) = (const_in(dst, bits), const_in(src, bits))
        && let Some(v) = eval(op, bits, a, b)
    {
        return Scalar::constant(v);
    }
    let part = |bits| arith(op, Part::of(dst, bits), Part::of(src, bits), bits);
    match width {
        Width::W32 => zero_extended(part(32)),
        Width::W64 => full(part(64), low_half_follows(op).then(|| part(32))),
    }
}

/// `dst = -dst` (Linux computes it as `0 - dst`).
pub fn neg(width: Width, dst: &Scalar) -> Scalar {
    binary(AluOp::Sub, width, &Scalar::constant(0), dst)
}

/// `dst = (s8/s16/s32) src` (ISA v4 `movsx`); the 32-bit form
/// zero-extends its 32-bit result.
pub fn mov_sx(width: Width, src: &Scalar, bits: u8) -> Scalar {
    let wide = src.coerce_to_size_sx(size_of_bits(bits));
    match width {
        Width::W64 => wide,
        Width::W32 => wide.zext_32_to_64(),
    }
}

/// `BPF_END`: byte order conversion of the low `bits` bits, the rest
/// cleared. Whether `le`/`be` swap depends on the host, as in Linux's
/// `scalar_byte_swap`; a swap moves known bits exactly but scrambles the
/// ranges, which are then rebuilt from the known bits.
pub fn endian(order: ByteOrder, bits: u8, dst: &Scalar) -> Scalar {
    let swap = match order {
        ByteOrder::ToLe => cfg!(target_endian = "big"),
        ByteOrder::ToBe => cfg!(target_endian = "little"),
        ByteOrder::Swap => true,
    };
    let size = size_of_bits(bits);
    if !swap || dst.is_empty() {
        return dst.coerce_to_size(size);
    }
    Scalar::from_tnum(dst.var_off.swap_bytes(size.bytes() as u32))
}

/// The value of a `size` load from memory holding an unknown number,
/// sign-extended for `ldsx`.
pub fn load(size: Size, sign_extend: bool) -> Scalar {
    if sign_extend {
        Scalar::UNKNOWN.coerce_to_size_sx(size)
    } else {
        Scalar::UNKNOWN.coerce_to_size(size)
    }
}

/// One width's worth of a result: both ranges and the known bits, all
/// within the width (a 32-bit part's tnum has its upper half known zero).
#[derive(Clone, Copy, Debug)]
struct Part {
    u: Range,
    s: Range,
    t: Tnum,
}

impl Part {
    fn of(x: &Scalar, bits: u32) -> Part {
        if bits == 64 {
            Part {
                u: x.urange64(),
                s: x.srange64(),
                t: x.var_off,
            }
        } else {
            Part {
                u: x.urange32(),
                s: x.srange32(),
                t: x.var_off.subreg(),
            }
        }
    }

    fn unknown(bits: u32) -> Part {
        Part {
            u: interval::full_unsigned(bits),
            s: interval::full_signed(bits),
            t: truncate(Tnum::UNKNOWN, bits),
        }
    }

    /// A part whose unsigned range is `u`; the signed one follows when `u`
    /// stays on one side of the sign bit.
    fn from_unsigned(u: Range, t: Tnum, bits: u32) -> Part {
        Part {
            u,
            s: interval::wrap_signed(u, bits),
            t,
        }
    }

    /// A part whose signed range is `s`.
    fn from_signed(s: Range, t: Tnum, bits: u32) -> Part {
        Part {
            u: interval::wrap_unsigned(s, bits),
            s,
            t,
        }
    }

    fn join(self, other: Part) -> Part {
        Part {
            u: interval::hull(self.u, other.u),
            s: interval::hull(self.s, other.s),
            t: self.t.union(other.t),
        }
    }
}

fn arith(op: AluOp, d: Part, s: Part, bits: u32) -> Part {
    let wrap = |u: Range, sr: Range, t: Tnum| Part {
        u: interval::wrap_unsigned(u, bits),
        s: interval::wrap_signed(sr, bits),
        t: truncate(t, bits),
    };
    match op {
        AluOp::Add => wrap(
            (d.u.0 + s.u.0, d.u.1 + s.u.1),
            (d.s.0 + s.s.0, d.s.1 + s.s.1),
            d.t.add(s.t),
        ),
        AluOp::Sub => wrap(
            (d.u.0 - s.u.1, d.u.1 - s.u.0),
            (d.s.0 - s.s.1, d.s.1 - s.s.0),
            d.t.sub(s.t),
        ),
        AluOp::Mul => mul(d, s, bits),
        AluOp::Div => udiv(d, s, bits),
        AluOp::Sdiv => sdiv(d, s, bits),
        AluOp::Mod => umod(d, s, bits),
        AluOp::Smod => smod(d, s, bits),
        // Linux: the minimum of an AND is its known-one bits, its maximum
        // the smaller operand maximum; OR the other way round; XOR only
        // what the known bits say.
        AluOp::And => {
            let t = d.t.and(s.t);
            Part::from_unsigned((t.min() as i128, d.u.1.min(s.u.1)), t, bits)
        }
        AluOp::Or => {
            let t = d.t.or(s.t);
            Part::from_unsigned((d.u.0.max(s.u.0), t.max() as i128), t, bits)
        }
        AluOp::Xor => {
            let t = d.t.xor(s.t);
            Part::from_unsigned((t.min() as i128, t.max() as i128), t, bits)
        }
        AluOp::Mov | AluOp::Lsh | AluOp::Rsh | AluOp::Arsh => Part::unknown(bits),
    }
}

/// Unsigned products are monotone, signed ones extreme at the corners of
/// the operand box; either range survives if all products wrap alike.
fn mul(d: Part, s: Part, bits: u32) -> Part {
    // Unsigned 64-bit products need up to 128 bits: past i128 they wrap
    // too often to bound anyway.
    let lo = (d.u.0 as u128) * (s.u.0 as u128);
    let hi = (d.u.1 as u128) * (s.u.1 as u128);
    let u = match i128::try_from(hi) {
        Ok(hi) => interval::wrap_unsigned((lo as i128, hi), bits),
        Err(_) => interval::full_unsigned(bits),
    };
    let corners = [d.s.0 * s.s.0, d.s.0 * s.s.1, d.s.1 * s.s.0, d.s.1 * s.s.1];
    let sr = (
        *corners.iter().min().expect("four corners"),
        *corners.iter().max().expect("four corners"),
    );
    Part {
        u,
        s: interval::wrap_signed(sr, bits),
        t: truncate(d.t.mul(s.t), bits),
    }
}

/// `x / d` lies in `[x_min / d_max, x_max / d_min]`, and is 0 for `d = 0`.
fn udiv(d: Part, s: Part, bits: u32) -> Part {
    if s.u.1 == 0 {
        return constant(0, bits);
    }
    let lo = if s.u.0 == 0 { 0 } else { d.u.0 / s.u.1 };
    let u = (lo, d.u.1 / s.u.0.max(1));
    // Dividing by a power of two is a right shift: the known bits move.
    let t = match power_of_two(s) {
        Some(k) => d.t.rshift(k),
        None => truncate(Tnum::UNKNOWN, bits),
    };
    Part::from_unsigned(u, t, bits)
}

/// Truncating division is monotone in each operand while the divisor
/// keeps its sign, so the quotient's extremes are at the corners of each
/// same-sign part of the divisor range. `MIN / -1` is computed exactly
/// (one past the maximum) and the final wrap turns it into `MIN`, as the
/// ISA does; Linux special-cases it the same way.
fn sdiv(d: Part, s: Part, bits: u32) -> Part {
    let mut q = interval::EMPTY;
    if s.s.0 <= 0 && s.s.1 >= 0 {
        q = (0, 0);
    }
    for (lo, hi) in [(s.s.0, s.s.1.min(-1)), (s.s.0.max(1), s.s.1)] {
        if lo <= hi {
            let c = [d.s.0 / lo, d.s.0 / hi, d.s.1 / lo, d.s.1 / hi];
            let r = (
                *c.iter().min().expect("corners"),
                *c.iter().max().expect("corners"),
            );
            q = interval::hull(q, r);
        }
    }
    let s = interval::wrap_signed(q, bits);
    Part::from_signed(s, truncate(Tnum::UNKNOWN, bits), bits)
}

/// `x % d` is at most `x` (and is `x` for `d = 0`) and below `d`.
fn umod(d: Part, s: Part, bits: u32) -> Part {
    let hi = if s.u.0 >= 1 {
        d.u.1.min(s.u.1 - 1)
    } else {
        d.u.1
    };
    let t = match power_of_two(s) {
        Some(k) => d.t.and(Tnum::constant((1u64 << k) - 1)),
        None => truncate(Tnum::UNKNOWN, bits),
    };
    Part::from_unsigned((0, hi), t, bits)
}

/// A signed remainder has the dividend's sign, is no larger than it in
/// magnitude and (for `d != 0`) smaller than `|d|`; `d = 0` leaves `x`.
fn smod(d: Part, s: Part, bits: u32) -> Part {
    let limit = (s.s.0 > 0 || s.s.1 < 0).then(|| s.s.0.abs().max(s.s.1.abs()) - 1);
    let lo = match (d.s.0 >= 0, limit) {
        (true, _) => 0,
        (false, Some(r)) => d.s.0.max(-r),
        (false, None) => d.s.0,
    };
    let hi = match (d.s.1 <= 0, limit) {
        (true, _) => 0,
        (false, Some(r)) => d.s.1.min(r),
        (false, None) => d.s.1,
    };
    Part::from_signed((lo, hi), truncate(Tnum::UNKNOWN, bits), bits)
}

/// Whether `x % d` is `x` for every pair: every non-zero divisor exceeds
/// every dividend in magnitude (Linux checks this for a constant divisor).
fn keeps_dividend(op: AluOp, bits: u32, dst: &Scalar, src: &Scalar) -> bool {
    let (d, s) = (Part::of(dst, bits), Part::of(src, bits));
    if op == AluOp::Mod {
        return s.u.1 == 0 || s.u.0.max(1) > d.u.1;
    }
    let min_abs = if s.s.0 > 0 {
        s.s.0
    } else if s.s.1 < 0 {
        -s.s.1
    } else if s.s == (0, 0) {
        return true;
    } else {
        1
    };
    min_abs > d.s.0.abs().max(d.s.1.abs())
}

fn shift(op: AluOp, width: Width, dst: &Scalar, src: &Scalar) -> Scalar {
    let bits = bits_of(width);
    let amounts = Part::of(src, bits);
    if amounts.u.1 >= bits as i128 {
        return resize(width, &Scalar::UNKNOWN);
    }
    let mut acc: Option<(Part, Option<Part>)> = None;
    for k in amounts.u.0 as u32..=amounts.u.1 as u32 {
        if !amounts.t.contains(k as u64) || !in_ranges(amounts, k as i128) {
            continue;
        }
        let p = shift_by(op, dst, k, bits);
        // The low half of a 64-bit left shift is the 32-bit shift of the
        // low half, or zero once the amount reaches 32.
        let low = (op == AluOp::Lsh && width == Width::W64).then(|| {
            if k < 32 {
                shift_by(op, dst, k, 32)
            } else {
                constant(0, 32)
            }
        });
        acc = Some(match acc {
            None => (p, low),
            Some((ap, al)) => (ap.join(p), al.zip(low).map(|(a, b)| a.join(b))),
        });
    }
    match (acc, width) {
        (None, _) => Scalar::EMPTY,
        (Some((p, _)), Width::W32) => zero_extended(p),
        (Some((p, low)), Width::W64) => full(p, low),
    }
}

/// Shift by a constant `k < bits`. A left shift keeps the low `bits - k`
/// bits and scales them, so its ranges are those bits' ranges times 2^k
/// (covering Linux's `<< 32` signed special case and its unsigned
/// no-overflow case). Right shifts are monotone in the shifted value.
fn shift_by(op: AluOp, x: &Scalar, k: u32, bits: u32) -> Part {
    let t = truncate(x.var_off, bits);
    match op {
        AluOp::Lsh => {
            let (u, s) = (x.low_unsigned(bits - k), x.low_signed(bits - k));
            Part {
                u: (u.0 << k, u.1 << k),
                s: (s.0 << k, s.1 << k),
                t: truncate(t.lshift(k), bits),
            }
        }
        AluOp::Rsh => {
            let u = x.low_unsigned(bits);
            let u = (u.0 >> k, u.1 >> k);
            if k == 0 {
                Part {
                    u,
                    s: x.low_signed(bits),
                    t,
                }
            } else {
                Part::from_unsigned(u, t.rshift(k), bits)
            }
        }
        _ => {
            let s = x.low_signed(bits);
            Part::from_signed((s.0 >> k, s.1 >> k), t.arshift(k, bits), bits)
        }
    }
}

fn in_ranges(p: Part, v: i128) -> bool {
    p.u.0 <= v && v <= p.u.1 && p.s.0 <= v && v <= p.s.1
}

/// The register after a 32-bit operation: the 32-bit result zero-extended.
fn zero_extended(p: Part) -> Scalar {
    let mut r = Scalar {
        var_off: p.t.subreg(),
        ..Scalar::UNKNOWN
    };
    r.set_ranges64(p.u, p.u);
    if !r.is_empty() {
        r.set_ranges32(p.u, p.s);
    }
    r.synced()
}

/// The register after a 64-bit operation, with the low half's own part
/// when the operation determines it.
fn full(p: Part, low: Option<Part>) -> Scalar {
    let mut r = Scalar {
        var_off: p.t,
        ..Scalar::UNKNOWN
    };
    r.set_ranges64(p.u, p.s);
    if let Some(l) = low
        && !r.is_empty()
    {
        r.set_ranges32(l.u, l.s);
    }
    r.synced()
}

fn resize(width: Width, x: &Scalar) -> Scalar {
    match width {
        Width::W64 => *x,
        Width::W32 => x.zext_32_to_64(),
    }
}

fn constant(v: u64, bits: u32) -> Part {
    let v = truncate(Tnum::constant(v), bits).value;
    Part::from_unsigned((v as i128, v as i128), Tnum::constant(v), bits)
}

fn truncate(t: Tnum, bits: u32) -> Tnum {
    if bits == 64 { t } else { t.subreg() }
}

/// `k` when the part is the constant 2^k.
fn power_of_two(p: Part) -> Option<u32> {
    (p.t.is_const() && p.t.value.is_power_of_two()).then(|| p.t.value.trailing_zeros())
}

fn low_half_follows(op: AluOp) -> bool {
    matches!(
        op,
        AluOp::Add | AluOp::Sub | AluOp::Mul | AluOp::And | AluOp::Or | AluOp::Xor
    )
}

fn const_in(x: &Scalar, bits: u32) -> Option<u64> {
    if bits == 64 {
        x.const_value()
    } else {
        x.const_value32().map(u64::from)
    }
}

fn bits_of(width: Width) -> u32 {
    match width {
        Width::W32 => 32,
        Width::W64 => 64,
    }
}

fn size_of_bits(bits: u8) -> Size {
    match bits {
        8 => Size::B,
        16 => Size::H,
        32 => Size::W,
        _ => Size::DW,
    }
}

/// Constant folding for the operations without a tnum-exact transfer;
/// the result of a 32-bit operation is zero-extended.
fn eval(op: AluOp, bits: u32, a: u64, b: u64) -> Option<u64> {
    if bits == 32 {
        let (a, b) = (a as u32, b as u32);
        let (sa, sb) = (a as i32, b as i32);
        let r = match op {
            AluOp::Div => a.checked_div(b).unwrap_or(0),
            AluOp::Sdiv if b == 0 => 0,
            AluOp::Sdiv => sa.wrapping_div(sb) as u32,
            AluOp::Mod => a.checked_rem(b).unwrap_or(a),
            AluOp::Smod if b == 0 => a,
            AluOp::Smod => sa.wrapping_rem(sb) as u32,
            _ => return None,
        };
        return Some(r as u64);
    }
    let (sa, sb) = (a as i64, b as i64);
    Some(match op {
        AluOp::Div => a.checked_div(b).unwrap_or(0),
        AluOp::Sdiv if b == 0 => 0,
        AluOp::Sdiv => sa.wrapping_div(sb) as u64,
        AluOp::Mod => a.checked_rem(b).unwrap_or(a),
        AluOp::Smod if b == 0 => a,
        AluOp::Smod => sa.wrapping_rem(sb) as u64,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::{self, ALU_OPS, Sample, interesting, pair, sample, small_sample};
    use proptest::prelude::*;
    use proptest::test_runner::TestCaseError;

    const WIDTHS: [Width; 2] = [Width::W32, Width::W64];

    fn check_binary(a: &Sample, b: &Sample) -> Result<(), TestCaseError> {
        for op in ALU_OPS {
            for width in WIDTHS {
                let r = binary(op, width, &a.scalar, &b.scalar);
                for &x in &a.members {
                    for &y in &b.members {
                        let v = testing::alu(op, width, x, y);
                        prop_assert!(
                            r.contains(v),
                            "{op:?} {width:?}: {:?} op {:?} = {r:?} lacks {x:#x} op {y:#x} = {v:#x}",
                            a.scalar,
                            b.scalar
                        );
                    }
                }
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn binary_ops_are_sound((a, b) in pair()) {
            check_binary(&a, &b)?;
        }

        /// Shift amounts, small divisors and divisors of either sign.
        #[test]
        fn small_second_operands_are_sound(a in sample(), b in small_sample()) {
            check_binary(&a, &b)?;
        }

        #[test]
        fn unary_ops_are_sound(a in sample()) {
            for width in WIDTHS {
                let n = neg(width, &a.scalar);
                let sx = [8u8, 16, 32].map(|bits| mov_sx(width, &a.scalar, bits));
                for &x in &a.members {
                    prop_assert!(n.contains(testing::alu(AluOp::Sub, width, 0, x)));
                    let ext = [x as i8 as i64 as u64, x as i16 as i64 as u64, x as i32 as i64 as u64];
                    for (r, e) in sx.iter().zip(ext) {
                        let e = if width == Width::W32 { e & 0xffff_ffff } else { e };
                        prop_assert!(r.contains(e), "movsx {width:?} of {:?} = {r:?} lacks {e:#x}", a.scalar);
                    }
                }
            }
            for order in [ByteOrder::ToLe, ByteOrder::ToBe, ByteOrder::Swap] {
                for bits in [16u8, 32, 64] {
                    let r = endian(order, bits, &a.scalar);
                    for &x in &a.members {
                        prop_assert!(r.contains(testing::endian(order, bits, x)), "{order:?}{bits} {r:?} {x:#x}");
                    }
                }
            }
            for (size, bits) in [(Size::B, 8), (Size::H, 16), (Size::W, 32), (Size::DW, 64)] {
                let (z, s) = (load(size, false), load(size, true));
                for &x in &a.members {
                    let low = if bits == 64 { x } else { x & ((1 << bits) - 1) };
                    let ext = ((low << (64 - bits)) as i64 >> (64 - bits)) as u64;
                    prop_assert!(z.contains(low) && s.contains(ext));
                }
            }
        }

        /// Constant operands fold to the constant result (except shifts by
        /// the width or more, which stay unknown as in Linux).
        #[test]
        fn constants_fold(x in interesting(), y in interesting()) {
            let (a, b) = (Scalar::constant(x), Scalar::constant(y));
            for op in ALU_OPS {
                for width in WIDTHS {
                    let bits = if width == Width::W32 { 32 } else { 64 };
                    let amount = if width == Width::W32 { y & 0xffff_ffff } else { y };
                    if matches!(op, AluOp::Lsh | AluOp::Rsh | AluOp::Arsh) && amount >= bits {
                        continue;
                    }
                    let v = testing::alu(op, width, x, y);
                    prop_assert_eq!(binary(op, width, &a, &b).const_value(), Some(v), "{:?} {:?}", op, width);
                }
            }
        }
    }

    fn imm(v: i32) -> Scalar {
        Scalar::from_imm(v)
    }

    fn bounds(s: &Scalar) -> (u64, u64, i64, i64) {
        (s.umin, s.umax, s.smin, s.smax)
    }

    #[test]
    fn masking_bounds_like_linux() {
        // r1 &= 0xff: R1=scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))
        let r = binary(AluOp::And, Width::W64, &Scalar::UNKNOWN, &imm(0xff));
        assert_eq!(bounds(&r), (0, 255, 0, 255));
        assert_eq!(
            (r.u32_min, r.u32_max, r.s32_min, r.s32_max),
            (0, 255, 0, 255)
        );
        assert_eq!(
            r.var_off,
            Tnum {
                value: 0,
                mask: 0xff
            }
        );
        // r1 |= 0x10 on [0, 255] keeps the bit and the maximum.
        let r = binary(AluOp::Or, Width::W64, &r, &imm(0x10));
        assert_eq!(bounds(&r), (0x10, 255, 0x10, 255));
        assert_eq!(
            r.var_off,
            Tnum {
                value: 0x10,
                mask: 0xef
            }
        );
    }

    #[test]
    fn thirty_two_bit_add_wraps() {
        // Some results overflow 32 bits and some do not: unknown low half,
        // zero-extended (Linux: u32=[0, U32_MAX], umax=0xffffffff).
        let w = Scalar {
            u32_min: 0x10,
            u32_max: 0xffff_fff0,
            ..Scalar::UNKNOWN
        }
        .synced();
        let r = binary(AluOp::Add, Width::W32, &w, &imm(0x20));
        assert_eq!(bounds(&r), (0, 0xffff_ffff, 0, 0xffff_ffff));
        assert_eq!(
            r.var_off,
            Tnum {
                value: 0,
                mask: 0xffff_ffff
            }
        );
        // All of them overflow: the range survives, moved.
        let w = Scalar::range(0xffff_fff0, 0xffff_ffff);
        let r = binary(AluOp::Add, Width::W32, &w, &imm(0x20));
        assert_eq!(bounds(&r), (0x10, 0x1f, 0x10, 0x1f));
        // 64-bit add tracks the low half separately.
        let r = binary(AluOp::Add, Width::W64, &Scalar::range(0, 10), &imm(-1));
        assert_eq!((r.smin, r.smax, r.s32_min, r.s32_max), (-1, 9, -1, 9));
    }

    #[test]
    fn shifts_like_linux() {
        // r1 s>>= 63: smin=smin32=-1,smax=smax32=0.
        let r = binary(AluOp::Arsh, Width::W64, &Scalar::UNKNOWN, &imm(63));
        assert_eq!((r.smin, r.smax, r.s32_min, r.s32_max), (-1, 0, -1, 0));
        assert_eq!(r.var_off, Tnum::UNKNOWN);
        // r1 >>= 60: umax=15,var_off=(0x0; 0xf).
        let r = binary(AluOp::Rsh, Width::W64, &Scalar::UNKNOWN, &imm(60));
        assert_eq!(bounds(&r), (0, 15, 0, 15));
        assert_eq!(
            r.var_off,
            Tnum {
                value: 0,
                mask: 0xf
            }
        );
        // The sign-extension idiom r1 <<= 32; r1 s>>= 32 on s32 [-5, 5].
        let x = Scalar {
            s32_min: -5,
            s32_max: 5,
            ..Scalar::UNKNOWN
        }
        .synced();
        let r = binary(AluOp::Lsh, Width::W64, &x, &imm(32));
        assert_eq!((r.smin, r.smax), (-5 << 32, 5 << 32));
        let r = binary(AluOp::Arsh, Width::W64, &r, &imm(32));
        assert_eq!((r.smin, r.smax), (-5, 5));
        // A shift amount that may reach the width: unknown (32-bit:
        // unknown low half, zero-extended).
        let r = binary(
            AluOp::Lsh,
            Width::W64,
            &Scalar::constant(1),
            &Scalar::range(0, 64),
        );
        assert_eq!(r, Scalar::UNKNOWN);
        let r = binary(
            AluOp::Lsh,
            Width::W32,
            &Scalar::constant(1),
            &Scalar::range(0, 32),
        );
        assert_eq!(bounds(&r), (0, 0xffff_ffff, 0, 0xffff_ffff));
    }

    #[test]
    fn variable_shifts_beyond_linux() {
        // 1 << [0, 3] is one of 1, 2, 4, 8 (Linux: unknown).
        let r = binary(
            AluOp::Lsh,
            Width::W64,
            &Scalar::constant(1),
            &Scalar::range(0, 3),
        );
        assert_eq!(bounds(&r), (1, 8, 1, 8));
        assert_eq!(
            r.var_off,
            Tnum {
                value: 0,
                mask: 0xf
            }
        );
        let r = binary(
            AluOp::Rsh,
            Width::W32,
            &Scalar::range(0, 0xff),
            &Scalar::range(4, 7),
        );
        assert_eq!(bounds(&r), (0, 0xf, 0, 0xf));
    }

    #[test]
    fn moves_and_sign_extension() {
        // w1 = w2 with r2 = -1 zero-extends.
        let r = binary(AluOp::Mov, Width::W32, &Scalar::UNKNOWN, &imm(-1));
        assert_eq!(r.const_value(), Some(0xffff_ffff));
        let r = mov_sx(Width::W64, &Scalar::UNKNOWN, 8);
        assert_eq!((r.smin, r.smax), (-128, 127));
        let r = mov_sx(Width::W64, &Scalar::range(0, 100), 8);
        assert_eq!(bounds(&r), (0, 100, 0, 100));
        // w1 = (s16) w2 on 0x8000: 0xffff8000, zero-extended.
        let r = mov_sx(Width::W32, &Scalar::constant(0x8000), 16);
        assert_eq!(r.const_value(), Some(0xffff_8000));
        let r = load(Size::H, true);
        assert_eq!(
            (r.smin, r.smax, r.s32_min, r.s32_max),
            (-0x8000, 0x7fff, -0x8000, 0x7fff)
        );
        let r = load(Size::B, false);
        assert_eq!(bounds(&r), (0, 255, 0, 255));
    }

    #[test]
    fn division_and_modulo() {
        // r1 %= 10: [0, 9]; [2, 5] % 10 is unchanged (Linux alike).
        let r = binary(AluOp::Mod, Width::W64, &Scalar::UNKNOWN, &imm(10));
        assert_eq!(bounds(&r), (0, 9, 0, 9));
        let x = Scalar::range(2, 5);
        assert_eq!(binary(AluOp::Mod, Width::W64, &x, &imm(10)), x);
        // By zero: division gives 0, modulo leaves dst (32-bit: zero-extended).
        assert_eq!(
            binary(AluOp::Div, Width::W64, &Scalar::UNKNOWN, &imm(0)).const_value(),
            Some(0)
        );
        assert_eq!(
            binary(AluOp::Mod, Width::W64, &Scalar::UNKNOWN, &imm(0)),
            Scalar::UNKNOWN
        );
        let r = binary(AluOp::Mod, Width::W32, &Scalar::UNKNOWN, &imm(0));
        assert_eq!(bounds(&r), (0, 0xffff_ffff, 0, 0xffff_ffff));
        // Constants fold (Linux: 7 % 3 in [0, 2]).
        let r = binary(AluOp::Mod, Width::W64, &Scalar::constant(7), &imm(3));
        assert_eq!(r.const_value(), Some(1));
        // Non-constant divisors (Linux: unknown).
        let r = binary(
            AluOp::Div,
            Width::W64,
            &Scalar::range(100, 1000),
            &Scalar::range(2, 10),
        );
        assert_eq!(bounds(&r), (10, 500, 10, 500));
        let r = binary(
            AluOp::Mod,
            Width::W64,
            &Scalar::UNKNOWN,
            &Scalar::range(0, 10),
        );
        assert_eq!(r, Scalar::UNKNOWN);
        let r = binary(
            AluOp::Mod,
            Width::W64,
            &Scalar::range(0, 1000),
            &Scalar::range(1, 10),
        );
        assert_eq!(bounds(&r), (0, 9, 0, 9));
        // Signed: S64_MIN / -1 stays S64_MIN; [-100, 50] s% 7 is [-6, 6].
        let r = binary(
            AluOp::Sdiv,
            Width::W64,
            &Scalar::constant(i64::MIN as u64),
            &imm(-1),
        );
        assert_eq!(r.const_value(), Some(i64::MIN as u64));
        let r = binary(AluOp::Smod, Width::W64, &Scalar::srange(-100, 50), &imm(7));
        assert_eq!((r.smin, r.smax), (-6, 6));
        let r = binary(
            AluOp::Sdiv,
            Width::W64,
            &Scalar::srange(-100, 50),
            &imm(-10),
        );
        assert_eq!((r.smin, r.smax), (-5, 10));
        // Division by a power of two moves the known bits.
        let r = binary(
            AluOp::Div,
            Width::W64,
            &Scalar::from_tnum(Tnum {
                value: 0x100,
                mask: 0xf0,
            }),
            &imm(16),
        );
        assert_eq!(
            r.var_off,
            Tnum {
                value: 0x10,
                mask: 0xf
            }
        );
    }

    #[test]
    fn arithmetic_bounds() {
        let r = binary(
            AluOp::Mul,
            Width::W64,
            &Scalar::range(0, 10),
            &Scalar::range(0, 10),
        );
        assert_eq!(bounds(&r), (0, 100, 0, 100));
        let r = neg(Width::W64, &Scalar::range(1, 10));
        assert_eq!((r.smin, r.smax), (-10, -1));
        assert_eq!(
            neg(Width::W64, &Scalar::constant(5)).const_value(),
            Some(-5i64 as u64)
        );
        let r = binary(
            AluOp::Sub,
            Width::W64,
            &Scalar::range(10, 20),
            &Scalar::range(0, 5),
        );
        assert_eq!(bounds(&r), (5, 20, 5, 20));
        assert!(binary(AluOp::Add, Width::W64, &Scalar::EMPTY, &imm(1)).is_empty());
    }

    #[test]
    fn byte_swaps() {
        let r = endian(ByteOrder::Swap, 16, &Scalar::constant(0x1234));
        assert_eq!(r.const_value(), Some(0x3412));
        let r = endian(ByteOrder::Swap, 32, &Scalar::range(0, 0xff));
        assert_eq!(
            r.var_off,
            Tnum {
                value: 0,
                mask: 0xff00_0000
            }
        );
        if cfg!(target_endian = "little") {
            let r = endian(ByteOrder::ToLe, 16, &Scalar::UNKNOWN);
            assert_eq!(bounds(&r), (0, 0xffff, 0, 0xffff));
            assert_eq!(
                endian(ByteOrder::ToLe, 64, &Scalar::UNKNOWN),
                Scalar::UNKNOWN
            );
        }
    }
}
