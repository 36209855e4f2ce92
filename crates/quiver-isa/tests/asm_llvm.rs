//! The LLVM / verifier-log syntax on hand-written cases, including lines
//! exactly as llvm-objdump and the Linux verifier print them.

use quiver_isa::asm::{Syntax, assemble, assemble_auto};
use quiver_isa::*;

fn one(text: &str) -> Insn {
    match assemble(text, Syntax::Llvm) {
        Ok(insns) if insns.len() == 1 => insns[0],
        other => panic!("{text}: {other:?}"),
    }
}

fn alu(width: Width, op: AluOp, dst: Reg, src: Source) -> Insn {
    Insn::Alu {
        width,
        op,
        dst,
        src,
    }
}

fn atomic(size: Size, op: AtomicOp, dst: Reg, src: Reg, off: i16) -> Insn {
    Insn::Atomic {
        size,
        op,
        dst,
        src,
        off,
    }
}

use Reg as R;
use Width::{W32, W64};

#[test]
fn alu_forms() {
    let imm = Source::Imm;
    let reg = Source::Reg;
    let cases = [
        ("r0 = 7", alu(W64, AluOp::Mov, R::R0, imm(7))),
        ("w0 = 1", alu(W32, AluOp::Mov, R::R0, imm(1))),
        ("r1 = r2", alu(W64, AluOp::Mov, R::R1, reg(R::R2))),
        ("r0 += 1", alu(W64, AluOp::Add, R::R0, imm(1))),
        ("w1 -= w2", alu(W32, AluOp::Sub, R::R1, reg(R::R2))),
        ("r0 *= r1", alu(W64, AluOp::Mul, R::R0, reg(R::R1))),
        ("r0 /= r1", alu(W64, AluOp::Div, R::R0, reg(R::R1))),
        ("r0 s/= r1", alu(W64, AluOp::Sdiv, R::R0, reg(R::R1))),
        ("r0 %= r1", alu(W64, AluOp::Mod, R::R0, reg(R::R1))),
        ("w0 s%= -3", alu(W32, AluOp::Smod, R::R0, imm(-3))),
        ("r0 |= 0xff", alu(W64, AluOp::Or, R::R0, imm(255))),
        ("r0 &= r3", alu(W64, AluOp::And, R::R0, reg(R::R3))),
        ("r0 <<= 32", alu(W64, AluOp::Lsh, R::R0, imm(32))),
        ("r0 >>= 0x20", alu(W64, AluOp::Rsh, R::R0, imm(32))),
        ("r0 s>>= r1", alu(W64, AluOp::Arsh, R::R0, reg(R::R1))),
        ("r0 ^= -0x1", alu(W64, AluOp::Xor, R::R0, imm(-1))),
        ("r1 += -8", alu(W64, AluOp::Add, R::R1, imm(-8))),
        (
            "r0 = -r0",
            Insn::Neg {
                width: W64,
                dst: R::R0,
            },
        ),
        (
            "w3 = -w3",
            Insn::Neg {
                width: W32,
                dst: R::R3,
            },
        ),
        (
            "r0 = (s8)r1",
            Insn::MovSx {
                width: W64,
                dst: R::R0,
                src: R::R1,
                bits: 8,
            },
        ),
        (
            "w0 = (s16)w1",
            Insn::MovSx {
                width: W32,
                dst: R::R0,
                src: R::R1,
                bits: 16,
            },
        ),
        (
            "r0 = (s32)r1",
            Insn::MovSx {
                width: W64,
                dst: R::R0,
                src: R::R1,
                bits: 32,
            },
        ),
        (
            "r0 = be16 r0",
            Insn::Endian {
                order: ByteOrder::ToBe,
                bits: 16,
                dst: R::R0,
            },
        ),
        (
            "r0 = le64 r0",
            Insn::Endian {
                order: ByteOrder::ToLe,
                bits: 64,
                dst: R::R0,
            },
        ),
        (
            "r0 = bswap32 r0",
            Insn::Endian {
                order: ByteOrder::Swap,
                bits: 32,
                dst: R::R0,
            },
        ),
    ];
    for (text, insn) in cases {
        assert_eq!(one(text), insn, "{text}");
    }
}

#[test]
fn wide_immediates() {
    let ld = |dst, pseudo, imm| Insn::LoadImm64 { dst, pseudo, imm };
    let cases = [
        (
            "r0 = 0x1122334455667788 ll",
            ld(R::R0, Pseudo::Imm, 0x1122334455667788),
        ),
        ("r0 = -1 ll", ld(R::R0, Pseudo::Imm, u64::MAX)),
        ("r1 = map_fd(3) ll", ld(R::R1, Pseudo::MapFd, 3)),
        (
            "r1 = map_value(3, 8) ll",
            ld(R::R1, Pseudo::MapValue, 8 << 32 | 3),
        ),
        ("r2 = btf_id(77) ll", ld(R::R2, Pseudo::BtfId, 77)),
        ("r1 = map_idx(0) ll", ld(R::R1, Pseudo::MapIdx, 0)),
        (
            "r1 = map_idx_value(1, 4) ll",
            ld(R::R1, Pseudo::MapIdxValue, 4 << 32 | 1),
        ),
    ];
    for (text, insn) in cases {
        assert_eq!(one(text), insn, "{text}");
    }
    let insns = assemble("r1 = func(+1) ll\nexit\nexit", Syntax::Llvm).unwrap();
    assert_eq!(insns[0], ld(R::R1, Pseudo::Func, 1));
    // LD_IMM64 takes two slots: `f` is 3 slots from the start.
    let insns = assemble("r1 = func(f) ll\nexit\nf:\nexit", Syntax::Llvm).unwrap();
    assert_eq!(insns[0], ld(R::R1, Pseudo::Func, 2));
}

#[test]
fn memory_forms() {
    let load = |size, sign_extend, dst, src, off| Insn::Load {
        size,
        sign_extend,
        dst,
        src,
        off,
    };
    let cases = [
        (
            "r0 = *(u8 *)(r1 + 0x11)",
            load(Size::B, false, R::R0, R::R1, 17),
        ),
        (
            "r0 = *(s16 *)(r1 - 2)",
            load(Size::H, true, R::R0, R::R1, -2),
        ),
        (
            "w0 = *(u32 *)(r1 +0)",
            load(Size::W, false, R::R0, R::R1, 0),
        ),
        (
            "r2 = *(u64 *)(r10 -8)",
            load(Size::DW, false, R::R2, R::R10, -8),
        ),
        (
            "*(u32 *)(r10 - 8) = r1",
            Insn::Store {
                size: Size::W,
                dst: R::R10,
                off: -8,
                src: Source::Reg(R::R1),
            },
        ),
        (
            "*(u64 *)(r10 - 8) = 5",
            Insn::Store {
                size: Size::DW,
                dst: R::R10,
                off: -8,
                src: Source::Imm(5),
            },
        ),
        (
            "r0 = *(u8 *)skb[12]",
            Insn::LoadPacket {
                mode: PacketMode::Abs,
                size: Size::B,
                imm: 12,
            },
        ),
        (
            "r0 = *(u16 *)skb[r1 + 12]",
            Insn::LoadPacket {
                mode: PacketMode::Ind(R::R1),
                size: Size::H,
                imm: 12,
            },
        ),
    ];
    for (text, insn) in cases {
        assert_eq!(one(text), insn, "{text}");
    }
}

#[test]
fn atomic_forms() {
    use AtomicOp::*;
    let (dw, w) = (Size::DW, Size::W);
    let cases = [
        (
            "lock *(u64 *)(r10 - 8) += r1",
            atomic(dw, Add { fetch: false }, R::R10, R::R1, -8),
        ),
        (
            "lock *(u32 *)(r10 - 8) &= w1",
            atomic(w, And { fetch: false }, R::R10, R::R1, -8),
        ),
        (
            "lock *(u64 *)(r10 -8) |= r1",
            atomic(dw, Or { fetch: false }, R::R10, R::R1, -8),
        ),
        (
            "lock *(u64 *)(r2 + 0) ^= r3",
            atomic(dw, Xor { fetch: false }, R::R2, R::R3, 0),
        ),
        (
            "r1 = atomic_fetch_add((u64 *)(r10 - 8), r1)",
            atomic(dw, Add { fetch: true }, R::R10, R::R1, -8),
        ),
        (
            "w1 = atomic_fetch_add((u32 *)(r10 - 8), w1)",
            atomic(w, Add { fetch: true }, R::R10, R::R1, -8),
        ),
        (
            "r1 = atomic64_fetch_xor((u64 *)(r10 -8), r1)",
            atomic(dw, Xor { fetch: true }, R::R10, R::R1, -8),
        ),
        (
            "r3 = atomic_fetch_or((u32 *)(r10 -4), r3)",
            atomic(w, Or { fetch: true }, R::R10, R::R3, -4),
        ),
        (
            "r1 = xchg_64(r10 - 8, r1)",
            atomic(dw, Xchg, R::R10, R::R1, -8),
        ),
        (
            "w1 = xchg32_32(r10 - 8, w1)",
            atomic(w, Xchg, R::R10, R::R1, -8),
        ),
        (
            "r1 = atomic_xchg((u32 *)(r10 -8), r1)",
            atomic(w, Xchg, R::R10, R::R1, -8),
        ),
        (
            "r0 = cmpxchg_64(r10 - 8, r0, r1)",
            atomic(dw, Cmpxchg, R::R10, R::R1, -8),
        ),
        (
            "w0 = cmpxchg32_32(r10 - 8, w0, w1)",
            atomic(w, Cmpxchg, R::R10, R::R1, -8),
        ),
        (
            "r0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r1)",
            atomic(dw, Cmpxchg, R::R10, R::R1, -8),
        ),
        (
            "r0 = load_acquire((u64 *)(r1 + 0))",
            atomic(dw, LoadAcquire, R::R0, R::R1, 0),
        ),
        (
            "w0 = load_acquire((u8 *)(r1 + 0x2))",
            atomic(Size::B, LoadAcquire, R::R0, R::R1, 2),
        ),
        (
            "store_release((u64 *)(r1 + 0), r2)",
            atomic(dw, StoreRelease, R::R1, R::R2, 0),
        ),
        (
            "store_release((u16 *)(r1 - 2), w2)",
            atomic(Size::H, StoreRelease, R::R1, R::R2, -2),
        ),
    ];
    for (text, insn) in cases {
        assert_eq!(one(text), insn, "{text}");
    }
}

#[test]
fn jumps_and_calls() {
    let jmp = |width, cond, dst, src, off| Insn::Jump {
        width,
        cond,
        dst,
        src,
        off,
    };
    let cases = [
        (
            "if r1 != 0x3 goto +2",
            jmp(W64, JmpCond::Ne, R::R1, Source::Imm(3), 2),
        ),
        (
            "if w1 s> w2 goto -3",
            jmp(W32, JmpCond::Sgt, R::R1, Source::Reg(R::R2), -3),
        ),
        (
            "if r1 & r2 goto +1",
            jmp(W64, JmpCond::Set, R::R1, Source::Reg(R::R2), 1),
        ),
        (
            "if r1 == 0xffffffff goto pc+1",
            jmp(W64, JmpCond::Eq, R::R1, Source::Imm(-1), 1),
        ),
        (
            "if r1 > r2 goto +0x10 <LBB0_3>",
            jmp(W64, JmpCond::Gt, R::R1, Source::Reg(R::R2), 16),
        ),
        (
            "if r1 >= 1 goto +1",
            jmp(W64, JmpCond::Ge, R::R1, Source::Imm(1), 1),
        ),
        (
            "if r1 < 1 goto +1",
            jmp(W64, JmpCond::Lt, R::R1, Source::Imm(1), 1),
        ),
        (
            "if r1 <= 1 goto +1",
            jmp(W64, JmpCond::Le, R::R1, Source::Imm(1), 1),
        ),
        (
            "if r1 s>= 1 goto +1",
            jmp(W64, JmpCond::Sge, R::R1, Source::Imm(1), 1),
        ),
        (
            "if r1 s< 1 goto +1",
            jmp(W64, JmpCond::Slt, R::R1, Source::Imm(1), 1),
        ),
        (
            "if w1 s<= 1 goto +1",
            jmp(W32, JmpCond::Sle, R::R1, Source::Imm(1), 1),
        ),
        (
            "if w1 == w2 goto -1",
            jmp(W32, JmpCond::Eq, R::R1, Source::Reg(R::R2), -1),
        ),
        (
            "goto +5",
            Insn::Ja {
                off: 5,
                long: false,
            },
        ),
        (
            "goto pc-1",
            Insn::Ja {
                off: -1,
                long: false,
            },
        ),
        (
            "gotol +70000",
            Insn::Ja {
                off: 70000,
                long: true,
            },
        ),
        ("may_goto +3", Insn::MayGoto { off: 3 }),
        ("may_goto pc+3", Insn::MayGoto { off: 3 }),
        ("call 5", Insn::Call(CallTarget::Helper(5))),
        (
            "call bpf_map_lookup_elem#1",
            Insn::Call(CallTarget::Helper(1)),
        ),
        ("call pc+3", Insn::Call(CallTarget::Local(3))),
        ("call pc-3", Insn::Call(CallTarget::Local(-3))),
        (
            "call kfunc#123",
            Insn::Call(CallTarget::Kfunc {
                btf_id: 123,
                module: 0,
            }),
        ),
        (
            "call kernel-function#123",
            Insn::Call(CallTarget::Kfunc {
                btf_id: 123,
                module: 0,
            }),
        ),
        (
            "call kfunc#7, module 2",
            Insn::Call(CallTarget::Kfunc {
                btf_id: 7,
                module: 2,
            }),
        ),
        (
            "callx r2",
            Insn::Callx {
                reg: R::R2,
                form: CallxForm::Imm,
            },
        ),
        (
            "call r2",
            Insn::Callx {
                reg: R::R2,
                form: CallxForm::Dst,
            },
        ),
        ("exit", Insn::Exit),
    ];
    for (text, insn) in cases {
        assert_eq!(one(text), insn, "{text}");
    }
}

#[test]
fn labels() {
    let text = "\
; a loop, as clang writes it
prog:
\tr0 = 0
LBB0_1:
\tr0 += 1 // count
\tif r0 < 10 goto LBB0_1
\tif r0 == 10 goto LBB0_2
\tcall sub
LBB0_2:
\texit
sub:
\tgotol exit
";
    let insns = assemble(text, Syntax::Llvm).unwrap();
    assert_eq!(insns[2].branch_offset(), Some(-2));
    assert_eq!(insns[3].branch_offset(), Some(1));
    assert_eq!(insns[4], Insn::Call(CallTarget::Local(1)));
    assert_eq!(
        insns[6],
        Insn::Ja {
            off: -2,
            long: true
        }
    );
    Program::from_insns(insns).unwrap();
}

#[test]
fn llvm_objdump_output() {
    let text = "\
xdp.o:\tfile format elf64-bpf

Disassembly of section xdp:

0000000000000000 <xdp_prog>:
       0:\t61 12 04 00 00 00 00 00\tr2 = *(u32 *)(r1 + 0x4)
       1:\t61 11 00 00 00 00 00 00\tr1 = *(u32 *)(r1 + 0x0)
       2:\tbf 13 00 00 00 00 00 00\tr3 = r1
       3:\t07 03 00 00 0e 00 00 00\tr3 += 0xe
       4:\tb7 00 00 00 01 00 00 00\tr0 = 0x1
       5:\t2d 23 01 00 00 00 00 00\tif r3 > r2 goto +0x1 <LBB0_2>
       6:\tb7 00 00 00 02 00 00 00\tr0 = 0x2

0000000000000038 <LBB0_2>:
       7:\t95 00 00 00 00 00 00 00\texit
";
    let insns = assemble_auto(text).unwrap();
    assert_eq!(insns.len(), 8);
    assert_eq!(insns[5].branch_offset(), Some(1));
    assert_eq!(
        insns[0],
        Insn::Load {
            size: Size::W,
            sign_extend: false,
            dst: R::R2,
            src: R::R1,
            off: 4
        }
    );
    // Without addresses or bytes, and without text.
    assert_eq!(
        one("b7 00 00 00 01 00 00 00\tr0 = 0x1"),
        alu(W64, AluOp::Mov, R::R0, Source::Imm(1))
    );
    assert_eq!(one("  9:\t95 00 00 00 00 00 00 00"), Insn::Exit);
    assert_eq!(one("  9:\texit"), Insn::Exit);
    // Whichever field an LLVM version puts the callx register in, the
    // bytes decide.
    assert_eq!(
        one("8d 02 00 00 00 00 00 00\tcallx r2"),
        Insn::Callx {
            reg: R::R2,
            form: CallxForm::Dst
        }
    );
}

#[test]
fn verifier_log() {
    let log = "\
func#0 @0
0: R1=ctx() R10=fp0
; int prog(struct __sk_buff *skb) @ prog.c:5
0: (b7) r6 = 0                        ; R6_w=0
1: (bf) r1 = r10                      ; R1_w=fp0 R10=fp0
2: (07) r1 += -8                      ; R1_w=fp-8
3: (7b) *(u64 *)(r10 -8) = r6         ; R6_w=0 R10=fp0 fp-8_w=0
4: (18) r2 = 0xffff888100a3c000
6: (85) call bpf_map_lookup_elem#1    ; R0_w=map_value_or_null(id=1,off=0,ks=4,vs=8,imm=0)
7: (15) if r0 == 0x0 goto pc+2        ; R0_w=map_value(off=0,ks=4,vs=8,imm=0)
8: (db) r1 = atomic64_fetch_add((u64 *)(r0 +0), r1)
9: (05) goto pc+0
10: (b4) w0 = 0                       ; R0_w=0
11: (95) exit
from 7 to 10: R0=0 R6=0 R10=fp0 fp-8=0
10: (b4) w0 = 0                       ; R0_w=0
11: (95) exit
processed 13 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 1
";
    let insns = assemble_auto(log).unwrap();
    assert_eq!(insns.len(), 11);
    assert_eq!(
        insns[4],
        Insn::LoadImm64 {
            dst: R::R2,
            pseudo: Pseudo::Imm,
            imm: 0xffff888100a3c000
        }
    );
    assert_eq!(
        insns[7],
        atomic(Size::DW, AtomicOp::Add { fetch: true }, R::R0, R::R1, 0)
    );
    Program::from_insns(insns).unwrap();
}

fn err(text: &str) -> (usize, usize, String) {
    let e = assemble(text, Syntax::Llvm).expect_err(text);
    assert_eq!(
        e.to_string(),
        format!("line {}, column {}: {}", e.line, e.column, e.message)
    );
    (e.line, e.column, e.message)
}

#[test]
fn errors() {
    let (l, c, m) = err("r0 = 1\nr0 = 0x100000000");
    assert_eq!((l, c), (2, 6));
    assert!(m.contains("out of 32-bit range") && m.contains("ll"), "{m}");
    let (_, c, m) = err("w1 -= r2");
    assert_eq!(c, 7);
    assert!(m.contains("differ in width"), "{m}");
    let (_, c, m) = err("  r11 = 1");
    assert_eq!(c, 3);
    assert!(m.contains("invalid register `r11`"), "{m}");
    let (_, c, m) = err("if r1 ~ r2 goto +1");
    assert_eq!(c, 7);
    assert!(m.contains("unexpected character"), "{m}");
    let (_, c, m) = err("goto LBB9");
    assert_eq!(c, 6);
    assert_eq!(m, "unknown label `LBB9`");
    let (_, _, m) = err("w1 = 1 ll");
    assert!(m.contains("needs r1"), "{m}");
    let (_, _, m) = err("*(s8 *)(r1 + 0) = r1");
    assert!(m.contains("sign-extend"), "{m}");
    let (_, _, m) = err("lock *(u8 *)(r1 + 0) += r1");
    assert!(m.contains("u32 or u64"), "{m}");
    let (_, c, m) = err("r2 = atomic_fetch_add((u64 *)(r10 - 8), r1)");
    assert_eq!(c, 41);
    assert!(m.contains("must be r1"), "{m}");
    let (l, c, m) = err("a:\nexit\n a:");
    assert_eq!((l, c), (3, 2));
    assert!(
        m.contains("duplicate label `a` (first defined on line 1)"),
        "{m}"
    );
    let (_, _, m) = err("*(u64 *)(r10 - 32769) = 1");
    assert!(m.contains("16-bit"), "{m}");
    let (_, _, m) = err("goto +32768");
    assert!(m.contains("16-bit"), "{m}");
    let (_, _, m) = err("r0 = 7 8");
    assert!(m.contains("unexpected `8`"), "{m}");
    let (_, _, m) = err("frobnicate r0");
    assert!(m.contains("unknown instruction `frobnicate`"), "{m}");
    let (_, _, m) = err("r1 = map[id:3]");
    assert!(m.contains("map_fd"), "{m}");
    // 64-bit operations sign-extend: a hex pattern above i32::MAX would
    // silently change meaning, so it is refused (32-bit ones take it).
    let (_, c, m) = err("r0 &= 0xffffffff");
    assert_eq!(c, 7);
    assert!(m.contains("write -0x1"), "{m}");
    let (_, _, m) = err("r0 = 0x80000000");
    assert!(m.contains("write -0x80000000") && m.contains("ll"), "{m}");
    assert!(
        err("*(u64 *)(r10 - 8) = 0xffffffff")
            .2
            .contains("sign-extended")
    );
    assert_eq!(
        one("w0 &= 0xffffffff"),
        alu(W32, AluOp::And, R::R0, Source::Imm(-1))
    );
    assert_eq!(
        one("*(u32 *)(r10 - 8) = 0xffffffff"),
        Insn::Store {
            size: Size::W,
            dst: R::R10,
            off: -8,
            src: Source::Imm(-1)
        }
    );
}
