//! What [`Vm::run_traced`](crate::Vm::run_traced) reports per instruction.

use quiver_isa::Insn;

/// One executed instruction with the registers around it.
#[derive(Clone, Copy, Debug)]
pub struct TraceStep<'a> {
    /// Slot index of the instruction.
    pub pc: usize,
    /// The instruction.
    pub insn: &'a Insn,
    /// `r0`..`r10` before it ran.
    pub before: &'a [u64; 11],
    /// `r0`..`r10` after it ran (for a call, at the callee's entry; for an
    /// exit, in the caller after the return).
    pub after: &'a [u64; 11],
}

impl TraceStep<'_> {
    /// The registers the instruction changed, as `(number, new value)`.
    pub fn changed(&self) -> impl Iterator<Item = (usize, u64)> + '_ {
        (0..11)
            .filter(|&r| self.before[r] != self.after[r])
            .map(|r| (r, self.after[r]))
    }
}
