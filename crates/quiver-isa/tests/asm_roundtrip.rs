//! Property tests: every valid instruction survives encode/decode and
//! format/assemble in both syntaxes, and no input makes the assembler or
//! the decoder panic.

use proptest::prelude::*;
use proptest::sample::select;
use quiver_isa::asm::{Syntax, assemble, assemble_auto, disassemble, format_insn};
use quiver_isa::*;

const SYNTAXES: [Syntax; 2] = [Syntax::Conformance, Syntax::Llvm];

fn reg() -> impl Strategy<Value = Reg> {
    (0u8..=10).prop_map(|n| Reg::new(n).expect("0..=10 is a register"))
}

fn width() -> impl Strategy<Value = Width> {
    select(vec![Width::W32, Width::W64])
}

fn size() -> impl Strategy<Value = Size> {
    select(vec![Size::B, Size::H, Size::W, Size::DW])
}

/// Uniform values rarely hit the edges the number rules care about.
fn i32s() -> impl Strategy<Value = i32> {
    prop_oneof![
        any::<i32>(),
        select(vec![
            0,
            1,
            -1,
            9,
            10,
            0xffff,
            -0xffff,
            0x10000,
            -0x10000,
            i32::MIN,
            i32::MAX
        ]),
    ]
}

fn i16s() -> impl Strategy<Value = i16> {
    prop_oneof![any::<i16>(), select(vec![0, 1, -1, i16::MIN, i16::MAX])]
}

fn u64s() -> impl Strategy<Value = u64> {
    prop_oneof![
        any::<u64>(),
        select(vec![
            0,
            1,
            u64::MAX,
            1 << 63,
            0xffff_ffff,
            1 << 32,
            0x7fff_ffff_ffff_ffff
        ]),
    ]
}

fn source() -> impl Strategy<Value = Source> {
    prop_oneof![reg().prop_map(Source::Reg), i32s().prop_map(Source::Imm)]
}

fn alu_op() -> impl Strategy<Value = AluOp> {
    use AluOp::*;
    select(vec![
        Add, Sub, Mul, Div, Sdiv, Or, And, Lsh, Rsh, Mod, Smod, Xor, Mov, Arsh,
    ])
}

fn atomic_op() -> impl Strategy<Value = AtomicOp> {
    any::<bool>().prop_flat_map(|fetch| {
        select(vec![
            AtomicOp::Add { fetch },
            AtomicOp::Or { fetch },
            AtomicOp::And { fetch },
            AtomicOp::Xor { fetch },
            AtomicOp::Xchg,
            AtomicOp::Cmpxchg,
            AtomicOp::LoadAcquire,
            AtomicOp::StoreRelease,
        ])
    })
}

fn pseudo() -> impl Strategy<Value = Pseudo> {
    (0u8..=6).prop_map(|s| Pseudo::from_src(s).expect("0..=6 is a pseudo source"))
}

fn call_target() -> impl Strategy<Value = CallTarget> {
    prop_oneof![
        i32s().prop_map(CallTarget::Helper),
        i32s().prop_map(CallTarget::Local),
        (i32s(), i16s()).prop_map(|(btf_id, module)| CallTarget::Kfunc { btf_id, module }),
    ]
}

/// Every instruction the decoder can produce, with every field.
fn insn() -> impl Strategy<Value = Insn> {
    prop_oneof![
        (width(), alu_op(), reg(), source()).prop_map(|(width, op, dst, src)| Insn::Alu {
            width,
            op,
            dst,
            src
        }),
        (width(), reg()).prop_map(|(width, dst)| Insn::Neg { width, dst }),
        (width(), reg(), reg(), 0usize..3).prop_map(|(width, dst, src, i)| {
            let bits = match width {
                Width::W32 => [8, 16, 16][i],
                Width::W64 => [8, 16, 32][i],
            };
            Insn::MovSx {
                width,
                dst,
                src,
                bits,
            }
        }),
        (
            select(vec![ByteOrder::ToLe, ByteOrder::ToBe, ByteOrder::Swap]),
            select(vec![16u8, 32, 64]),
            reg()
        )
            .prop_map(|(order, bits, dst)| Insn::Endian { order, bits, dst }),
        (reg(), pseudo(), u64s()).prop_map(|(dst, pseudo, imm)| Insn::LoadImm64 {
            dst,
            pseudo,
            imm
        }),
        (size(), any::<bool>(), reg(), reg(), i16s()).prop_map(|(size, sx, dst, src, off)| {
            Insn::Load {
                size,
                sign_extend: sx && size != Size::DW,
                dst,
                src,
                off,
            }
        }),
        (size(), reg(), i16s(), source()).prop_map(|(size, dst, off, src)| Insn::Store {
            size,
            dst,
            off,
            src
        }),
        (size(), atomic_op(), reg(), reg(), i16s()).prop_map(|(size, op, dst, src, off)| {
            let rmw = !matches!(op, AtomicOp::LoadAcquire | AtomicOp::StoreRelease);
            let size = match size {
                Size::B | Size::H if rmw => Size::W,
                s => s,
            };
            Insn::Atomic {
                size,
                op,
                dst,
                src,
                off,
            }
        }),
        (
            prop_oneof![Just(PacketMode::Abs), reg().prop_map(PacketMode::Ind)],
            select(vec![Size::B, Size::H, Size::W]),
            i32s()
        )
            .prop_map(|(mode, size, imm)| Insn::LoadPacket { mode, size, imm }),
        (
            width(),
            select(JmpCond::ALL.to_vec()),
            reg(),
            source(),
            i16s()
        )
            .prop_map(|(width, cond, dst, src, off)| Insn::Jump {
                width,
                cond,
                dst,
                src,
                off
            }),
        i16s().prop_map(|off| Insn::Ja {
            off: off as i32,
            long: false
        }),
        i32s().prop_map(|off| Insn::Ja { off, long: true }),
        i16s().prop_map(|off| Insn::MayGoto { off }),
        call_target().prop_map(Insn::Call),
        (reg(), select(vec![CallxForm::Dst, CallxForm::Imm]))
            .prop_map(|(reg, form)| Insn::Callx { reg, form }),
        Just(Insn::Exit),
    ]
}

fn slots(bytes: &[u8]) -> Vec<[u8; 8]> {
    bytes
        .chunks_exact(8)
        .map(|c| c.try_into().expect("8-byte chunk"))
        .collect()
}

/// Words and symbols of both syntaxes, to build inputs that get past the
/// lexer and deep into the parsers.
const SOUP: &[&str] = &[
    "r0",
    "r1",
    "w2",
    "r10",
    "r11",
    "%r1",
    "%r50",
    "%",
    "=",
    "+=",
    "s",
    ">>=",
    "s>>=",
    "-",
    "+",
    "*",
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    "#",
    "<",
    ">",
    "&",
    "u8",
    "u64",
    "s32",
    "0",
    "0x10",
    "-1",
    "4294967296",
    "99999999999999999999",
    "0xg",
    "ll",
    "skb",
    "goto",
    "gotol",
    "if",
    "pc",
    "call",
    "callx",
    "exit",
    "lock",
    "fetch",
    "add",
    "add32",
    "xchg",
    "cmpxchg32",
    "load_acquire",
    "store_release",
    "mov",
    "mov32",
    "lddw",
    "ldxw",
    "stw",
    "stxdw",
    "ja",
    "ja32",
    "jne",
    "jset32",
    "may_goto",
    "local",
    "runtime",
    "helper",
    "module",
    "map_fd",
    "func",
    "map_value",
    "atomic_fetch_or",
    "xchg_64",
    "cmpxchg_64",
    "be16",
    "bswap64",
    "le32",
    "movsx832",
    "neg",
    "label",
    "exit:",
    "\n",
    "\n",
    "12:",
    "(b7)",
    "b7",
    "00",
    "kfunc",
    "kernel-function",
    "é",
    "\t",
    ";",
    "//",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(select(SOUP.to_vec()), 0..40).prop_map(|words| words.join(" "))
}

/// A valid line with one character inserted, removed or replaced.
fn mutated_line() -> impl Strategy<Value = String> {
    (
        insn(),
        select(SYNTAXES.to_vec()),
        any::<prop::sample::Index>(),
        0u8..3,
        any::<char>(),
    )
        .prop_map(|(insn, syntax, at, how, c)| {
            let mut chars: Vec<char> = format_insn(&insn, syntax).chars().collect();
            let i = at.index(chars.len() + 1);
            match how {
                0 => chars.insert(i, c),
                1 if i < chars.len() => {
                    chars.remove(i);
                }
                _ if i < chars.len() => chars[i] = c,
                _ => chars.push(c),
            }
            chars.into_iter().collect()
        })
}

fn assemble_all(text: &str) {
    for syntax in SYNTAXES {
        if let Ok(insns) = assemble(text, syntax) {
            // Whatever assembles must be valid instructions.
            let bytes = encode(&insns);
            let s = slots(&bytes);
            let mut pc = 0;
            for insn in &insns {
                let back = decode_at(&s, pc).expect("assembled instruction decodes");
                if !matches!(
                    insn,
                    Insn::Callx {
                        reg: Reg::R0,
                        form: CallxForm::Imm
                    }
                ) {
                    assert_eq!(&back, insn, "{text:?}");
                }
                pc += insn.slots();
            }
        }
    }
    let _ = assemble_auto(text);
}

proptest! {
    #[test]
    fn encode_decode_round_trip(insn in insn()) {
        let bytes = encode(&[insn]);
        prop_assert_eq!(bytes.len(), insn.slots() * 8);
        let back = decode_at(&slots(&bytes), 0).expect("valid instruction decodes");
        if insn == (Insn::Callx { reg: Reg::R0, form: CallxForm::Imm }) {
            // `callx` with r0 in imm has imm = 0, which is exactly the
            // dst form's encoding: the two are the same bytes.
            prop_assert_eq!(back, Insn::Callx { reg: Reg::R0, form: CallxForm::Dst });
        } else {
            prop_assert_eq!(back, insn);
        }
    }

    #[test]
    fn format_assemble_round_trip(insn in insn()) {
        for syntax in SYNTAXES {
            let text = format_insn(&insn, syntax);
            let back = assemble(&text, syntax);
            prop_assert_eq!(back, Ok(vec![insn]), "{} {}", syntax, text);
        }
    }

    #[test]
    fn sequence_round_trip(insns in prop::collection::vec(insn(), 1..24)) {
        for syntax in SYNTAXES {
            let text: String = insns.iter().map(|i| format_insn(i, syntax) + "\n").collect();
            prop_assert_eq!(assemble(&text, syntax), Ok(insns.clone()), "{}", syntax);
            prop_assert_eq!(assemble_auto(&text), Ok(insns.clone()), "auto, {}", syntax);
        }
    }

    #[test]
    fn decoded_programs_round_trip(
        insns in prop::collection::vec(insn(), 1..16),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
    ) {
        let mut bytes = encode(&insns);
        for (at, v) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= v;
        }
        if let Ok(prog) = Program::decode(&bytes) {
            prop_assert_eq!(prog.to_bytes(), bytes);
            for syntax in SYNTAXES {
                let text = disassemble(&prog, syntax);
                let back = assemble(&text, syntax);
                prop_assert_eq!(back.as_deref(), Ok(prog.insns()), "{}", text);
            }
        }
    }

    #[test]
    fn decode_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..96)) {
        if let Ok(prog) = Program::decode(&bytes) {
            prop_assert_eq!(prog.to_bytes(), bytes);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        assemble_all(&text);
    }

    #[test]
    fn token_soup_never_panics(text in soup()) {
        assemble_all(&text);
    }

    #[test]
    fn mutated_lines_never_panic(text in mutated_line()) {
        assemble_all(&text);
    }
}
