//! A generator of random programs (any instruction, branches pointed at
//! instructions), shared by the random and the JIT differential tests.

use super::*;
use proptest::prelude::*;

pub fn any_reg() -> impl Strategy<Value = Reg> {
    // Favour the registers that hold pointers (r1 memory, r10 stack).
    prop_oneof![
        3 => (0u8..=10).prop_map(|n| Reg::new(n).unwrap()),
        1 => Just(R1),
        1 => Just(R10),
    ]
}

pub fn any_imm() -> impl Strategy<Value = i32> {
    prop_oneof![-16i32..16, -600i32..600, any::<i32>()]
}

pub fn any_off() -> impl Strategy<Value = i16> {
    prop_oneof![-16i16..16, -600i16..600, any::<i16>()]
}

pub fn any_source() -> impl Strategy<Value = Source> {
    prop_oneof![
        any_reg().prop_map(Source::Reg),
        any_imm().prop_map(Source::Imm)
    ]
}

pub fn any_width() -> impl Strategy<Value = Width> {
    prop_oneof![Just(Width::W32), Just(Width::W64)]
}

pub fn any_size() -> impl Strategy<Value = Size> {
    prop_oneof![Just(Size::B), Just(Size::H), Just(Size::W), Just(Size::DW)]
}

pub fn any_alu_op() -> impl Strategy<Value = AluOp> {
    use AluOp::*;
    proptest::sample::select(vec![
        Add, Sub, Mul, Div, Sdiv, Or, And, Lsh, Rsh, Mod, Smod, Xor, Mov, Arsh,
    ])
}

pub fn any_atomic() -> impl Strategy<Value = (Size, AtomicOp)> {
    use AtomicOp::*;
    let rmw = proptest::sample::select(vec![
        Add { fetch: false },
        Add { fetch: true },
        Or { fetch: false },
        Or { fetch: true },
        And { fetch: false },
        And { fetch: true },
        Xor { fetch: false },
        Xor { fetch: true },
        Xchg,
        Cmpxchg,
    ]);
    prop_oneof![
        (prop_oneof![Just(Size::W), Just(Size::DW)], rmw),
        (
            any_size(),
            prop_oneof![Just(LoadAcquire), Just(StoreRelease)]
        ),
    ]
}

/// Instructions that only compute a register from registers.
pub fn pure() -> impl Strategy<Value = Insn> {
    prop_oneof![
        8 => (any_width(), any_alu_op(), any_reg(), any_source())
            .prop_map(|(width, op, dst, src)| Insn::Alu { width, op, dst, src }),
        1 => (any_width(), any_reg()).prop_map(|(width, dst)| Insn::Neg { width, dst }),
        1 => (any_width(), any_reg(), any_reg(), 0usize..3).prop_map(|(width, dst, src, i)| {
            let bits = if width == Width::W64 { [8, 16, 32][i] } else { [8, 16, 16][i] };
            Insn::MovSx { width, dst, src, bits }
        }),
        1 => (0usize..3, 0usize..3, any_reg()).prop_map(|(o, b, dst)| Insn::Endian {
            order: [ByteOrder::ToLe, ByteOrder::ToBe, ByteOrder::Swap][o],
            bits: [16, 32, 64][b],
            dst,
        }),
    ]
}

/// Instructions without a branch target.
pub fn straight() -> impl Strategy<Value = Insn> {
    prop_oneof![
        11 => pure(),
        1 => (any_reg(), any::<u64>()).prop_map(|(dst, imm)| Insn::LoadImm64 { dst, pseudo: Pseudo::Imm, imm }),
        3 => (any_size(), any::<bool>(), any_reg(), any_reg(), any_off()).prop_map(|(size, sx, dst, src, off)| {
            Insn::Load { size, sign_extend: sx && size != Size::DW, dst, src, off }
        }),
        3 => (any_size(), any_reg(), any_off(), any_source())
            .prop_map(|(size, dst, off, src)| Insn::Store { size, dst, off, src }),
        2 => (any_atomic(), any_reg(), any_reg(), any_off())
            .prop_map(|((size, op), dst, src, off)| Insn::Atomic { size, op, dst, src, off }),
        1 => (any::<bool>(), any_reg(), 0usize..3, any_imm()).prop_map(|(abs, r, s, imm)| Insn::LoadPacket {
            mode: if abs { PacketMode::Abs } else { PacketMode::Ind(r) },
            size: [Size::B, Size::H, Size::W][s],
            imm,
        }),
        1 => (0i32..8).prop_map(call),
        1 => any_reg().prop_map(|reg| Insn::Callx { reg, form: CallxForm::Dst }),
        1 => (0i32..4).prop_map(|btf_id| Insn::Call(CallTarget::Kfunc { btf_id, module: 0 })),
        1 => Just(Insn::Exit),
    ]
}

/// An instruction, or a branch to be pointed at instruction `target % n`.
#[derive(Clone, Debug)]
pub enum Slot {
    Straight(Insn),
    Branch(Insn, usize),
}

fn branch() -> impl Strategy<Value = Insn> {
    let jump = (
        any_width(),
        proptest::sample::select(JmpCond::ALL.to_vec()),
        any_reg(),
        any_source(),
    )
        .prop_map(|(width, cond, dst, src)| Insn::Jump {
            width,
            cond,
            dst,
            src,
            off: 0,
        });
    prop_oneof![
        6 => jump,
        1 => any::<bool>().prop_map(|long| Insn::Ja { off: 0, long }),
        1 => Just(Insn::MayGoto { off: 0 }),
        2 => Just(call_local(0)),
        1 => any_reg().prop_map(|dst| Insn::LoadImm64 { dst, pseudo: Pseudo::Func, imm: 0 }),
    ]
}

pub fn any_slot() -> impl Strategy<Value = Slot> {
    prop_oneof![
        4 => straight().prop_map(Slot::Straight),
        1 => (branch(), any::<usize>()).prop_map(|(i, t)| Slot::Branch(i, t)),
    ]
}

/// [`any_slot`] with more register-only instructions, so that runs of
/// them between branches are common.
pub fn any_slot_mostly_pure() -> impl Strategy<Value = Slot> {
    prop_oneof![
        2 => straight().prop_map(Slot::Straight),
        4 => pure().prop_map(Slot::Straight),
        1 => (branch(), any::<usize>()).prop_map(|(i, t)| Slot::Branch(i, t)),
    ]
}

/// Points every branch at an instruction and ends the program with exit.
pub fn assemble(slots: Vec<Slot>) -> Vec<Insn> {
    point(slots, |_, t, n| t % n)
}

/// [`assemble`] with every branch pointed forward, at most `reach`
/// instructions on: each frame's run ends, without a budget, and short
/// forward jumps over a few instructions are common.
pub fn assemble_forward(slots: Vec<Slot>, reach: usize) -> Vec<Insn> {
    point(slots, |i, t, n| i + 1 + t % (n - 1 - i).clamp(1, reach))
}

/// Points the branch of slot `i` at instruction `target(i, t, n)` of the
/// `n` (the last an exit).
fn point(slots: Vec<Slot>, target: impl Fn(usize, usize, usize) -> usize) -> Vec<Insn> {
    let mut insns: Vec<Insn> = slots
        .iter()
        .map(|s| match s {
            Slot::Straight(i) | Slot::Branch(i, _) => *i,
        })
        .collect();
    insns.push(Insn::Exit);
    let mut pcs = Vec::with_capacity(insns.len());
    let mut pc = 0i64;
    for insn in &insns {
        pcs.push(pc);
        pc += insn.slots() as i64;
    }
    for (i, slot) in slots.iter().enumerate() {
        let Slot::Branch(_, t) = slot else { continue };
        let rel = pcs[target(i, *t, insns.len())] - (pcs[i] + 1);
        insns[i] = match insns[i] {
            Insn::Jump {
                width,
                cond,
                dst,
                src,
                ..
            } => Insn::Jump {
                width,
                cond,
                dst,
                src,
                off: rel as i16,
            },
            Insn::Ja { long, .. } => Insn::Ja {
                off: rel as i32,
                long,
            },
            Insn::MayGoto { .. } => Insn::MayGoto { off: rel as i16 },
            Insn::Call(_) => call_local(rel as i32),
            Insn::LoadImm64 { dst, .. } => Insn::LoadImm64 {
                dst,
                pseudo: Pseudo::Func,
                imm: rel as u32 as u64,
            },
            other => other,
        };
    }
    insns
}

pub fn kfuncs() -> quiver_vm::Kfuncs {
    quiver_vm::Kfuncs::new().with(1, "touch", |ctx, a| {
        let mut b = [0u8; 4];
        ctx.read_bytes(a[0], &mut b)?;
        ctx.write_bytes(a[1], &b)?;
        Ok(u32::from_le_bytes(b) as u64)
    })
}

/// `insns` with r10 only ever a base address: every other use of it (as
/// a number, a value stored, a comparison) reads r9 instead. The value
/// of r10 is an address on the stack of the run, which differs between
/// runs that build their memory differently (the JIT's leaf runs use a
/// frame of their own).
pub fn frame_as_base_only(insns: Vec<Insn>) -> Vec<Insn> {
    let r = |reg: Reg| if reg == R10 { R9 } else { reg };
    let s = |src: Source| match src {
        Source::Reg(reg) => Source::Reg(r(reg)),
        imm => imm,
    };
    insns
        .into_iter()
        .map(|insn| match insn {
            Insn::Alu {
                width,
                op,
                dst,
                src,
            } => Insn::Alu {
                width,
                op,
                dst: r(dst),
                src: s(src),
            },
            Insn::Neg { width, dst } => Insn::Neg { width, dst: r(dst) },
            Insn::MovSx {
                width,
                dst,
                src,
                bits,
            } => Insn::MovSx {
                width,
                dst: r(dst),
                src: r(src),
                bits,
            },
            Insn::Endian { order, bits, dst } => Insn::Endian {
                order,
                bits,
                dst: r(dst),
            },
            Insn::LoadImm64 { dst, pseudo, imm } => Insn::LoadImm64 {
                dst: r(dst),
                pseudo,
                imm,
            },
            Insn::Load {
                size,
                sign_extend,
                dst,
                src,
                off,
            } => Insn::Load {
                size,
                sign_extend,
                dst: r(dst),
                src,
                off,
            },
            Insn::Store {
                size,
                dst,
                off,
                src,
            } => Insn::Store {
                size,
                dst,
                off,
                src: s(src),
            },
            Insn::Atomic {
                size,
                op,
                dst,
                src,
                off,
            } => Insn::Atomic {
                size,
                op,
                dst,
                src: r(src),
                off,
            },
            Insn::LoadPacket {
                mode: PacketMode::Ind(reg),
                size,
                imm,
            } => Insn::LoadPacket {
                mode: PacketMode::Ind(r(reg)),
                size,
                imm,
            },
            Insn::Callx { reg, form } => Insn::Callx { reg: r(reg), form },
            Insn::Jump {
                width,
                cond,
                dst,
                src,
                off,
            } => Insn::Jump {
                width,
                cond,
                dst: r(dst),
                src: s(src),
                off,
            },
            other => other,
        })
        .collect()
}
