//! Which registers are live (may be read before being written) at each
//! instruction: a backward dataflow over each subprogram's blocks. State
//! pruning compares only live registers, as Linux's liveness marks let
//! it, so dead values do not keep equal paths apart.

use quiver_isa::{AtomicOp, CallTarget, Insn, PacketMode, Program, Source};

use crate::cfg::Cfg;

/// Registers as a bit set (bit n is rn).
pub type RegSet = u16;

const ARGS: RegSet = 0b11_1110; // r1..r5
const CALLER_SAVED: RegSet = 0b11_1111; // r0..r5

/// Registers read and written by one instruction.
fn use_def(insn: &Insn) -> (RegSet, RegSet) {
    let bit = |r: quiver_isa::Reg| 1u16 << r.index();
    let src_bit = |s: &Source| match s {
        Source::Reg(r) => bit(*r),
        Source::Imm(_) => 0,
    };
    match insn {
        Insn::Alu {
            op: quiver_isa::AluOp::Mov,
            dst,
            src,
            ..
        } => (src_bit(src), bit(*dst)),
        Insn::Alu { dst, src, .. } => (bit(*dst) | src_bit(src), bit(*dst)),
        Insn::Neg { dst, .. } | Insn::Endian { dst, .. } => (bit(*dst), bit(*dst)),
        Insn::MovSx { dst, src, .. } => (bit(*src), bit(*dst)),
        Insn::LoadImm64 { dst, .. } => (0, bit(*dst)),
        Insn::Load { dst, src, .. } => (bit(*src), bit(*dst)),
        Insn::Store { dst, src, .. } => (bit(*dst) | src_bit(src), 0),
        Insn::Atomic { op, dst, src, .. } => match op {
            AtomicOp::LoadAcquire => (bit(*src), bit(*dst)),
            AtomicOp::StoreRelease => (bit(*dst) | bit(*src), 0),
            AtomicOp::Cmpxchg => (bit(*dst) | bit(*src) | 1, 1),
            _ => (bit(*dst) | bit(*src), bit(*src)),
        },
        Insn::LoadPacket { mode, .. } => {
            let ind = match mode {
                PacketMode::Ind(r) => bit(*r),
                PacketMode::Abs => 0,
            };
            (1 << 6 | ind, CALLER_SAVED)
        }
        Insn::Jump { dst, src, .. } => (bit(*dst) | src_bit(src), 0),
        Insn::Ja { .. } | Insn::MayGoto { .. } => (0, 0),
        Insn::Call(CallTarget::Local(_)) | Insn::Call(_) => (ARGS, CALLER_SAVED),
        Insn::Callx { reg, .. } => (ARGS | bit(*reg), CALLER_SAVED),
        Insn::Exit => (1, 0),
    }
}

/// Live-in register sets, by instruction index. `nargs` gives the
/// number of arguments a helper or kfunc call at an instruction reads
/// (from its prototype), when known: the other argument registers are
/// not read by the call, and dead before it (as Linux's
/// `compute_live_registers` takes them).
pub fn live_in(
    program: &Program,
    cfg: &Cfg,
    nargs: impl Fn(usize) -> Option<usize>,
) -> Vec<RegSet> {
    let insns = program.insns();
    let mut live = vec![0u16; insns.len()];
    let blocks = cfg.blocks();
    // Iterate to a fixpoint, blocks in reverse order for speed.
    let mut changed = true;
    while changed {
        changed = false;
        for b in blocks.iter().rev() {
            let mut out: RegSet = b
                .succs
                .iter()
                .map(|&s| live[blocks[s].first])
                .fold(0, |a, l| a | l);
            for i in (b.first..=b.last).rev() {
                let (mut u, d) = use_def(&insns[i]);
                if let Insn::Call(CallTarget::Helper(_) | CallTarget::Kfunc { .. }) = insns[i]
                    && let Some(n) = nargs(i)
                {
                    u &= ((1u16 << (n.min(5) + 1)) - 1) & ARGS;
                }
                let inn = u | (out & !d);
                if live[i] != inn {
                    live[i] = inn;
                    changed = true;
                }
                out = inn;
            }
        }
    }
    // The frame pointer is always live.
    for l in &mut live {
        *l |= 1 << 10;
    }
    live
}
