//! Which registers are live (may be read before being written) at each
//! instruction: a backward dataflow over each subprogram's blocks. State
//! pruning compares only live registers, as Linux's liveness marks let
//! it, so dead values do not keep equal paths apart.

use quiver_isa::{CallTarget, Insn, Program};

use crate::cfg::Cfg;

/// Registers as a bit set (bit n is rn).
pub type RegSet = u16;

const ARGS: RegSet = 0b11_1110; // r1..r5

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
                let (mut u, d) = insns[i].reads_writes();
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
