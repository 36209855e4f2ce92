//! Every ALU operation, 32 and 64 bits, register and immediate forms, with
//! their edge cases.

mod common;
use common::*;

const MIN64: u64 = i64::MIN as u64;
const NEG1: u64 = u64::MAX;

/// `r0 = a; r1 = b; r0 op= r1` (and the immediate form when `b` fits).
fn eval(width: Width, op: AluOp, a: u64, b: u64) -> u64 {
    let alu = |src| Insn::Alu {
        width,
        op,
        dst: R0,
        src,
    };
    let by_reg = r0(vec![lddw(R0, a), lddw(R1, b), alu(reg(R1)), exit()]);
    let imm_value = b as i64;
    let imm_fits = match width {
        Width::W64 => i32::try_from(imm_value).is_ok(),
        // 32-bit forms only see the low half.
        Width::W32 => true,
    };
    if imm_fits {
        let by_imm = r0(vec![lddw(R0, a), alu(imm(b as i32)), exit()]);
        assert_eq!(
            by_reg, by_imm,
            "{op:?} {width:?}: register and immediate forms differ"
        );
    }
    by_reg
}

fn check(width: Width, cases: &[(AluOp, u64, u64, u64)]) {
    for &(op, a, b, want) in cases {
        let got = eval(width, op, a, b);
        assert_eq!(
            got, want,
            "{op:?} {width:?} {a:#x}, {b:#x}: got {got:#x}, want {want:#x}"
        );
    }
}

#[test]
fn alu64_arithmetic() {
    use AluOp::*;
    check(
        Width::W64,
        &[
            (Add, 1, 2, 3),
            (Add, NEG1, 1, 0),
            (Add, 0xffff_ffff, 1, 0x1_0000_0000),
            (Sub, 1, 2, NEG1),
            (Sub, 0, MIN64, MIN64),
            (Mul, 3, NEG1, -3i64 as u64),
            (Mul, MIN64, NEG1, MIN64),
            (Mul, 0x1_0000_0000, 0x1_0000_0000, 0),
            (Div, 7, 2, 3),
            (Div, NEG1, 2, NEG1 / 2),
            (Div, 7, 0, 0),
            (Div, NEG1, NEG1, 1),
            (Sdiv, -7i64 as u64, 2, -3i64 as u64),
            (Sdiv, 7, -2i64 as u64, -3i64 as u64),
            (Sdiv, MIN64, NEG1, MIN64),
            (Sdiv, 7, 0, 0),
            (Mod, 7, 3, 1),
            (Mod, 7, 0, 7),
            (Mod, NEG1, 0x10, 0xf),
            (Smod, -7i64 as u64, 2, NEG1),
            (Smod, 7, -2i64 as u64, 1),
            (Smod, MIN64, NEG1, 0),
            (Smod, -7i64 as u64, 0, -7i64 as u64),
            (Mov, 5, 0xdead_beef_0000_0001, 0xdead_beef_0000_0001),
            (Mov, 5, NEG1, NEG1),
        ],
    );
}

#[test]
fn alu64_bitwise_and_shifts() {
    use AluOp::*;
    check(
        Width::W64,
        &[
            (Or, 0xf0, 0x0f, 0xff),
            (
                And,
                0xff00_ff00_ff00_ff00,
                0x0ff0_0ff0_0ff0_0ff0,
                0x0f00_0f00_0f00_0f00,
            ),
            (Xor, NEG1, 0xff, !0xffu64),
            (Lsh, 1, 63, 1 << 63),
            (Lsh, 1, 64, 1),
            (Lsh, 1, 65, 2),
            (Lsh, 1, NEG1, 1 << 63),
            (Rsh, MIN64, 63, 1),
            (Rsh, MIN64, 64, MIN64),
            (Rsh, NEG1, 68, NEG1 >> 4),
            (Arsh, MIN64, 63, NEG1),
            (Arsh, MIN64, 64, MIN64),
            (Arsh, MIN64, 4, 0xf800_0000_0000_0000),
            (Arsh, 0x4000_0000_0000_0000, 62, 1),
        ],
    );
}

#[test]
fn alu32_zero_extends_and_uses_low_halves() {
    use AluOp::*;
    const HI: u64 = 0xdead_beef_0000_0000;
    check(
        Width::W32,
        &[
            (Add, 0xffff_ffff, 1, 0),
            (Add, HI | 1, 1, 2),
            (Sub, 0, 1, 0xffff_ffff),
            (Sub, HI | 5, HI | 3, 2),
            (Mul, 0x10000, 0x10000, 0),
            (Mul, HI | 3, 5, 15),
            (Mul, 0x8000_0000, NEG1, 0x8000_0000),
            (Div, HI | 7, 2, 3),
            (Div, 7, 0, 0),
            (Div, 7, 0x1_0000_0000, 0),
            (Div, 7, 0x1_0000_0002, 3),
            (Div, 0xffff_fffe, 0xffff_ffff, 0),
            (Sdiv, -7i32 as u32 as u64, 2, 0xffff_fffd),
            (Sdiv, 0x8000_0000, NEG1, 0x8000_0000),
            (Sdiv, HI | 9, 0, 0),
            (Mod, 7, 3, 1),
            (Mod, HI | 7, 0, 7),
            (Mod, HI | 7, 0x1_0000_0000, 7),
            (Smod, -7i32 as u32 as u64, 2, 0xffff_ffff),
            (Smod, 7, -2i32 as u32 as u64, 1),
            (Smod, 0x8000_0000, NEG1, 0),
            (Smod, HI | 0xffff_fff9, 0, 0xffff_fff9),
            (Or, HI | 0xf0, 0x0f, 0xff),
            (And, HI | 0xff, NEG1, 0xff),
            (Xor, HI, 0xff, 0xff),
            (Lsh, 1, 31, 0x8000_0000),
            (Lsh, 1, 32, 1),
            (Lsh, HI | 1, 33, 2),
            (Rsh, HI | 0x8000_0000, 31, 1),
            (Rsh, 0x8000_0000, 32, 0x8000_0000),
            (Arsh, 0x8000_0000, 31, 0xffff_ffff),
            (Arsh, HI | 0x8000_0000, 32, 0x8000_0000),
            (Arsh, 0x8000_0000, 4, 0xf800_0000),
            (Mov, HI | 1, NEG1, 0xffff_ffff),
            (Mov, HI, HI | 7, 7),
        ],
    );
}

#[test]
fn neg() {
    let neg = |width, v| r0(vec![lddw(R0, v), Insn::Neg { width, dst: R0 }, exit()]);
    assert_eq!(neg(Width::W64, 1), NEG1);
    assert_eq!(neg(Width::W64, MIN64), MIN64);
    assert_eq!(neg(Width::W64, 0), 0);
    assert_eq!(neg(Width::W32, 1), 0xffff_ffff);
    assert_eq!(neg(Width::W32, 0x8000_0000), 0x8000_0000);
    assert_eq!(neg(Width::W32, 0xffff_ffff_0000_0000), 0);
}

#[test]
fn movsx() {
    let sx = |width, bits, v| {
        r0(vec![
            lddw(R1, v),
            Insn::MovSx {
                width,
                dst: R0,
                src: R1,
                bits,
            },
            exit(),
        ])
    };
    assert_eq!(sx(Width::W64, 8, 0x80), 0xffff_ffff_ffff_ff80);
    assert_eq!(sx(Width::W64, 8, 0x17f), 0x7f);
    assert_eq!(sx(Width::W64, 16, 0x8000), 0xffff_ffff_ffff_8000);
    assert_eq!(sx(Width::W64, 32, 0x8000_0000), 0xffff_ffff_8000_0000);
    assert_eq!(sx(Width::W64, 32, 0xffff_ffff_7fff_ffff), 0x7fff_ffff);
    // 32-bit width: sign-extends within 32 bits, then zero-extends.
    assert_eq!(sx(Width::W32, 8, 0x80), 0xffff_ff80);
    assert_eq!(sx(Width::W32, 16, 0x1_0000_8000), 0xffff_8000);
    assert_eq!(sx(Width::W32, 16, 0xffff_ffff_0000_7fff), 0x7fff);
}

#[test]
fn endian() {
    const V: u64 = 0x1122_3344_5566_7788;
    let conv = |order, bits| {
        r0(vec![
            lddw(R0, V),
            Insn::Endian {
                order,
                bits,
                dst: R0,
            },
            exit(),
        ])
    };
    // Little-endian host: `le` truncates, `be` and `bswap` swap.
    assert_eq!(conv(ByteOrder::ToLe, 16), 0x7788);
    assert_eq!(conv(ByteOrder::ToLe, 32), 0x5566_7788);
    assert_eq!(conv(ByteOrder::ToLe, 64), V);
    assert_eq!(conv(ByteOrder::ToBe, 16), 0x8877);
    assert_eq!(conv(ByteOrder::ToBe, 32), 0x8877_6655);
    assert_eq!(conv(ByteOrder::ToBe, 64), 0x8877_6655_4433_2211);
    assert_eq!(conv(ByteOrder::Swap, 16), 0x8877);
    assert_eq!(conv(ByteOrder::Swap, 32), 0x8877_6655);
    assert_eq!(conv(ByteOrder::Swap, 64), 0x8877_6655_4433_2211);
}

#[test]
fn lddw_loads_all_64_bits_whatever_the_pseudo_source() {
    for pseudo in [
        Pseudo::Imm,
        Pseudo::MapFd,
        Pseudo::MapValue,
        Pseudo::BtfId,
        Pseudo::MapIdx,
    ] {
        let v = r0(vec![
            Insn::LoadImm64 {
                dst: R0,
                pseudo,
                imm: 0x8000_0001_dead_beef,
            },
            exit(),
        ]);
        assert_eq!(v, 0x8000_0001_dead_beef, "{pseudo:?}");
    }
}

#[test]
fn immediates_are_sign_extended_for_64_bit_ops() {
    assert_eq!(r0(vec![mov(R0, -1), exit()]), NEG1);
    assert_eq!(
        r0(vec![alu32(AluOp::Mov, R0, imm(-1)), exit()]),
        0xffff_ffff
    );
    assert_eq!(
        r0(vec![
            mov(R0, 0),
            alu64(AluOp::Or, R0, imm(i32::MIN)),
            exit()
        ]),
        0xffff_ffff_8000_0000
    );
}

#[test]
fn instructions_no_encoding_carries_never_reach_the_vm() {
    // The VM relies on `Program` for these (and refuses them itself too,
    // with `LoadError::InvalidInsn`, should that ever change).
    let bad = [
        Insn::MovSx {
            width: Width::W32,
            dst: R0,
            src: R1,
            bits: 32,
        },
        Insn::Endian {
            order: ByteOrder::ToLe,
            bits: 8,
            dst: R0,
        },
        ldxs(Size::DW, R0, R1, 0),
        atomic(Size::B, AtomicOp::Add { fetch: false }, R10, R1, -8),
        Insn::LoadPacket {
            mode: PacketMode::Abs,
            size: Size::DW,
            imm: 0,
        },
    ];
    for insn in bad {
        assert!(
            Program::from_insns(vec![mov(R0, 0), insn, exit()]).is_err(),
            "{insn:?}"
        );
    }
}
