//! Test support: abstract values drawn together with concrete members, and
//! the concrete BPF semantics the abstract results must cover. The
//! semantics here are written independently of the transfer functions
//! (and of each other's shortcuts) so that a mistake in one is not
//! mirrored in the other.

use super::scalar::Scalar;
use super::tnum::Tnum;
use proptest::prelude::*;
use quiver_isa::{AluOp, ByteOrder, JmpCond, Width};

/// A scalar and some values known to belong to it.
#[derive(Clone, Debug)]
pub(crate) struct Sample {
    pub scalar: Scalar,
    pub members: Vec<u64>,
}

/// One ingredient of a sample: a set whose members are easy to pick.
#[derive(Clone, Debug)]
enum Seed {
    Const(u64),
    /// Unsigned `[lo, lo + len]`.
    URange(u64, u64),
    /// Signed `[lo, lo + len]`.
    SRange(i64, u64),
    /// Any upper half, low half in `[lo, lo + len]` (what a JMP32
    /// comparison leaves).
    Low32(u32, u32),
    /// A tnum (a value masked by an AND, say).
    Bits(Tnum),
}

/// Values where bounds arithmetic goes wrong if it is going to: small
/// numbers of either sign, both sign boundaries and their neighbours, and
/// random values of every magnitude.
pub(crate) fn interesting() -> impl Strategy<Value = u64> {
    prop_oneof![
        0u64..=300,
        (-300i64..=300).prop_map(|v| v as u64),
        0x7fff_ff00u64..=0x8000_0100,
        0xffff_ff00u64..=0x1_0000_0100,
        (-0x100i64..=0x100).prop_map(|d| (i64::MAX as u64).wrapping_add(d as u64)),
        (-0x8000_0100i64..=-0x7fff_ff00).prop_map(|v| v as u64),
        any::<u32>().prop_map(u64::from),
        (any::<u64>(), 0u32..64).prop_map(|(v, k)| v >> k),
        (any::<i64>(), 0u32..64).prop_map(|(v, k)| (v >> k) as u64),
    ]
}

fn length() -> impl Strategy<Value = u64> {
    prop_oneof![
        0u64..16,
        0u64..1000,
        (any::<u64>(), 0u32..64).prop_map(|(v, k)| v >> k)
    ]
}

fn seed() -> impl Strategy<Value = Seed> {
    prop_oneof![
        3 => interesting().prop_map(Seed::Const),
        2 => (interesting(), length()).prop_map(|(lo, len)| Seed::URange(lo, len)),
        2 => (interesting(), length()).prop_map(|(lo, len)| Seed::SRange(lo as i64, len)),
        1 => (interesting(), length()).prop_map(|(lo, len)| Seed::Low32(lo as u32, len as u32)),
        1 => (interesting(), any::<u64>(), any::<u64>(), 0u32..64).prop_map(|(v, m1, m2, k)| {
            // Sparse or low masks: a few unknown bits, as after masking.
            let mask = if k % 2 == 0 { m1 & m2 } else { m1 >> k };
            Seed::Bits(Tnum { value: v & !mask, mask })
        }),
    ]
}

impl Seed {
    fn scalar(&self) -> Scalar {
        match *self {
            Seed::Const(v) => Scalar::constant(v),
            Seed::URange(lo, len) => Scalar::range(lo, lo.saturating_add(len)),
            Seed::SRange(lo, len) => Scalar::srange(lo, lo.saturating_add_unsigned(len)),
            Seed::Low32(lo, len) => Scalar {
                u32_min: lo,
                u32_max: lo.saturating_add(len),
                ..Scalar::UNKNOWN
            }
            .synced(),
            Seed::Bits(t) => Scalar::from_tnum(t),
        }
    }

    /// Members: the ends of the seed and a point chosen by `pick`.
    fn members(&self, pick: u64, out: &mut Vec<u64>) {
        let within =
            |lo: u64, hi: u64| lo.wrapping_add(pick % (hi.wrapping_sub(lo).wrapping_add(1)).max(1));
        match *self {
            Seed::Const(v) => out.push(v),
            Seed::URange(lo, len) => {
                let hi = lo.saturating_add(len);
                out.extend([lo, hi, within(lo, hi)]);
            }
            Seed::SRange(lo, len) => {
                let hi = lo.saturating_add_unsigned(len);
                out.extend([lo as u64, hi as u64, within(lo as u64, hi as u64)]);
            }
            Seed::Low32(lo, len) => {
                let hi = lo.saturating_add(len);
                let low = within(lo as u64, hi as u64) & 0xffff_ffff;
                out.extend([
                    lo as u64,
                    (pick & !0xffff_ffff) | hi as u64,
                    pick << 32 | low,
                ]);
            }
            Seed::Bits(t) => out.extend([t.min(), t.max(), t.value | (pick & t.mask)]),
        }
    }
}

/// A scalar joining one to three seeds, with members drawn from the seeds
/// and from the scalar's own extremes (where off-by-one errors live).
pub(crate) fn sample() -> impl Strategy<Value = Sample> {
    (prop::collection::vec(seed(), 1..4), any::<u64>()).prop_map(|(seeds, pick)| {
        let scalar = seeds
            .iter()
            .map(Seed::scalar)
            .reduce(|a, b| a.join(&b))
            .expect("at least one seed");
        let mut members = Vec::new();
        for (i, s) in seeds.iter().enumerate() {
            s.members(pick.rotate_left(17 * i as u32), &mut members);
        }
        let extremes = [
            scalar.umin,
            scalar.umax,
            scalar.smin as u64,
            scalar.smax as u64,
            scalar.var_off.min(),
            scalar.var_off.max(),
            (scalar.umin & !0xffff_ffff) | scalar.u32_max as u64,
            (scalar.umax & !0xffff_ffff) | scalar.u32_min as u64,
        ];
        members.extend(extremes.into_iter().filter(|&v| scalar.contains(v)));
        members.sort_unstable();
        members.dedup();
        Sample { scalar, members }
    })
}

/// Two samples, the second often sharing a value with the first (as a
/// constant, inside a join, or as an end of a range): equal and adjacent
/// values are where comparisons and `x % d` change behaviour.
pub(crate) fn pair() -> impl Strategy<Value = (Sample, Sample)> {
    (sample(), sample(), any::<prop::sample::Index>(), 0u8..4).prop_map(|(a, b, i, mode)| {
        let x = a.members[i.index(a.members.len())];
        let b = match mode {
            0 => b,
            1 => Sample {
                scalar: Scalar::constant(x),
                members: vec![x],
            },
            2 => {
                let mut members = b.members;
                members.push(x);
                Sample {
                    scalar: b.scalar.join(&Scalar::constant(x)),
                    members,
                }
            }
            _ => {
                let y = b.members[0];
                let (lo, hi) = (x.min(y), x.max(y));
                Sample {
                    scalar: Scalar::range(lo, hi),
                    members: vec![lo, hi, x],
                }
            }
        };
        (a, b)
    })
}

/// A sample of small numbers, shaped like shift amounts (some at or past
/// the width) and divisors.
pub(crate) fn small_sample() -> impl Strategy<Value = Sample> {
    prop::collection::vec(
        prop_oneof![0u64..8, 0u64..70, (-4i64..4).prop_map(|v| v as u64)],
        1..5,
    )
    .prop_map(|vals| {
        let scalar = vals
            .iter()
            .map(|&v| Scalar::constant(v))
            .reduce(|a, b| a.join(&b))
            .expect("at least one value");
        // Points across the range, and the amounts where shifts change
        // regime, so that every shift count in between gets checked.
        let step = ((scalar.umax.min(80) - scalar.umin.min(80)) / 12).max(1);
        let across = (scalar.umin..=scalar.umax.min(80)).step_by(step as usize);
        let mut members = vals;
        members.extend(
            across
                .chain([31, 32, 33, 63, 64, scalar.umax])
                .filter(|&v| scalar.contains(v)),
        );
        members.sort_unstable();
        members.dedup();
        Sample { scalar, members }
    })
}

/// The tightest hull of `values` in every view except those whose bit in
/// `loose` is set (those stay unbounded); not synced.
pub(crate) fn hull_of(values: &[u64], loose: u8) -> Scalar {
    let mut s = Scalar::EMPTY;
    let mut t: Option<Tnum> = None;
    for &v in values {
        s.umin = s.umin.min(v);
        s.umax = s.umax.max(v);
        s.smin = s.smin.min(v as i64);
        s.smax = s.smax.max(v as i64);
        s.u32_min = s.u32_min.min(v as u32);
        s.u32_max = s.u32_max.max(v as u32);
        s.s32_min = s.s32_min.min(v as i32);
        s.s32_max = s.s32_max.max(v as i32);
        t = Some(t.map_or(Tnum::constant(v), |t| t.union(Tnum::constant(v))));
    }
    let u = Scalar::UNKNOWN;
    s.var_off = if loose & 1 != 0 {
        u.var_off
    } else {
        t.unwrap_or(u.var_off)
    };
    if loose & 2 != 0 {
        (s.umin, s.umax) = (u.umin, u.umax);
    }
    if loose & 4 != 0 {
        (s.smin, s.smax) = (u.smin, u.smax);
    }
    if loose & 8 != 0 {
        (s.u32_min, s.u32_max) = (u.u32_min, u.u32_max);
    }
    if loose & 16 != 0 {
        (s.s32_min, s.s32_max) = (u.s32_min, u.s32_max);
    }
    s
}

/// `dst op src` as the ISA defines it: division by zero gives 0, modulo by
/// zero leaves dst, shift counts are masked to the width, `INT_MIN / -1`
/// wraps, 32-bit forms work on the low halves and zero-extend.
pub(crate) fn alu(op: AluOp, width: Width, dst: u64, src: u64) -> u64 {
    match width {
        Width::W64 => alu64(op, dst, src),
        Width::W32 => alu32(op, dst as u32, src as u32) as u64,
    }
}

fn alu64(op: AluOp, a: u64, b: u64) -> u64 {
    let (sa, sb) = (a as i64, b as i64);
    match op {
        AluOp::Add => a.wrapping_add(b),
        AluOp::Sub => a.wrapping_sub(b),
        AluOp::Mul => a.wrapping_mul(b),
        AluOp::Div => a.checked_div(b).unwrap_or(0),
        AluOp::Sdiv => {
            if b == 0 {
                0
            } else {
                sa.wrapping_div(sb) as u64
            }
        }
        AluOp::Mod => {
            if b == 0 {
                a
            } else {
                a % b
            }
        }
        AluOp::Smod => {
            if b == 0 {
                a
            } else {
                sa.wrapping_rem(sb) as u64
            }
        }
        AluOp::Or => a | b,
        AluOp::And => a & b,
        AluOp::Xor => a ^ b,
        AluOp::Lsh => a << (b & 63),
        AluOp::Rsh => a >> (b & 63),
        AluOp::Arsh => (sa >> (b & 63)) as u64,
        AluOp::Mov => b,
    }
}

fn alu32(op: AluOp, a: u32, b: u32) -> u32 {
    let (sa, sb) = (a as i32, b as i32);
    match op {
        AluOp::Add => a.wrapping_add(b),
        AluOp::Sub => a.wrapping_sub(b),
        AluOp::Mul => a.wrapping_mul(b),
        AluOp::Div => a.checked_div(b).unwrap_or(0),
        AluOp::Sdiv => {
            if b == 0 {
                0
            } else {
                sa.wrapping_div(sb) as u32
            }
        }
        AluOp::Mod => {
            if b == 0 {
                a
            } else {
                a % b
            }
        }
        AluOp::Smod => {
            if b == 0 {
                a
            } else {
                sa.wrapping_rem(sb) as u32
            }
        }
        AluOp::Or => a | b,
        AluOp::And => a & b,
        AluOp::Xor => a ^ b,
        AluOp::Lsh => a << (b & 31),
        AluOp::Rsh => a >> (b & 31),
        AluOp::Arsh => (sa >> (b & 31)) as u32,
        AluOp::Mov => b,
    }
}

/// Every binary ALU operation.
pub(crate) const ALU_OPS: [AluOp; 14] = [
    AluOp::Add,
    AluOp::Sub,
    AluOp::Mul,
    AluOp::Div,
    AluOp::Sdiv,
    AluOp::Or,
    AluOp::And,
    AluOp::Lsh,
    AluOp::Rsh,
    AluOp::Mod,
    AluOp::Smod,
    AluOp::Xor,
    AluOp::Mov,
    AluOp::Arsh,
];

/// `BPF_END` on a little- or big-endian host as the ISA defines it.
pub(crate) fn endian(order: ByteOrder, bits: u8, v: u64) -> u64 {
    let swap = match order {
        ByteOrder::ToLe => cfg!(target_endian = "big"),
        ByteOrder::ToBe => cfg!(target_endian = "little"),
        ByteOrder::Swap => true,
    };
    match (bits, swap) {
        (16, false) => v & 0xffff,
        (32, false) => v & 0xffff_ffff,
        (16, true) => (v as u16).swap_bytes() as u64,
        (32, true) => (v as u32).swap_bytes() as u64,
        (_, false) => v,
        (_, true) => v.swap_bytes(),
    }
}

/// Whether a conditional jump is taken.
pub(crate) fn jump(cond: JmpCond, width: Width, a: u64, b: u64) -> bool {
    let (a, b) = match width {
        Width::W64 => (a, b),
        Width::W32 => (a & 0xffff_ffff, b & 0xffff_ffff),
    };
    let (sa, sb) = match width {
        Width::W64 => (a as i64, b as i64),
        Width::W32 => (a as u32 as i32 as i64, b as u32 as i32 as i64),
    };
    match cond {
        JmpCond::Eq => a == b,
        JmpCond::Ne => a != b,
        JmpCond::Gt => a > b,
        JmpCond::Ge => a >= b,
        JmpCond::Lt => a < b,
        JmpCond::Le => a <= b,
        JmpCond::Set => a & b != 0,
        JmpCond::Sgt => sa > sb,
        JmpCond::Sge => sa >= sb,
        JmpCond::Slt => sa < sb,
        JmpCond::Sle => sa <= sb,
    }
}
