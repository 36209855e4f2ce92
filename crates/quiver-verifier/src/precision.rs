//! Scalar precision (Linux's `mark_chain_precision` and `backtrack_insn`).
//!
//! A number in a stored state is *precise* when some safety decision
//! below that state depended on its value: a pointer offset, a helper's
//! size or constant argument, a branch the verifier decided from known
//! values, a return value checked against a range. Pruning may treat an
//! imprecise number of a complete stored state as matching any number,
//! so paths that differ only in numbers nothing depended on are cut.
//!
//! Precision is found backwards: when a check uses a register's value,
//! the path's history is walked back from that instruction, turning the
//! set of registers and stack slots whose values matter into the set that
//! mattered before each instruction (`r1 = r2` moves the need from r1 to
//! r2, a constant load ends it, a fill moves it to the stack slot...).
//! Every stored state the walk crosses records the numbers still needed
//! as precise; a number already precise there was propagated further
//! back before, so the walk drops it.
//!
//! Marks live only on stored states (the checkpoints). The state of the
//! path being explored never needs them: a checkpoint stored later starts
//! with no marks, since the decisions made before it cannot be repeated
//! by the paths it prunes.

use quiver_isa::{AluOp, AtomicOp, CallTarget, Insn, Source};

use crate::check::Checker;
use crate::host::{Arg, Callback, CallbackArg};
use crate::liveness::RegSet;
use crate::state::{State, Value};

/// Registers and stack slots of one frame (slot `i` is `r10 - 8 * (i + 1)`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct FrameMarks {
    pub regs: u16,
    pub slots: u64,
}

impl FrameMarks {
    fn is_empty(&self) -> bool {
        self.regs == 0 && self.slots == 0
    }
}

/// A set of registers and stack slots, by absolute frame index: both the
/// precise marks of a stored state and the needs of a backward walk.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Marks {
    frames: Vec<FrameMarks>,
}

impl Marks {
    /// Every register and slot of every frame of `st`.
    pub fn all(st: &State) -> Marks {
        Marks {
            frames: vec![
                FrameMarks {
                    regs: u16::MAX,
                    slots: u64::MAX,
                };
                st.frames.len()
            ],
        }
    }

    pub fn frame(&self, f: usize) -> FrameMarks {
        self.frames.get(f).copied().unwrap_or_default()
    }

    fn frame_mut(&mut self, f: usize) -> &mut FrameMarks {
        if self.frames.len() <= f {
            self.frames.resize(f + 1, FrameMarks::default());
        }
        &mut self.frames[f]
    }

    pub fn reg(&self, f: usize, r: usize) -> bool {
        self.frame(f).regs & (1 << r) != 0
    }

    pub fn slot(&self, f: usize, s: usize) -> bool {
        s < 64 && self.frame(f).slots & (1 << s) != 0
    }

    pub fn set_reg(&mut self, f: usize, r: usize) {
        self.frame_mut(f).regs |= 1 << r;
    }

    pub fn set_slot(&mut self, f: usize, s: usize) {
        if s < 64 {
            self.frame_mut(f).slots |= 1 << s;
        }
    }

    fn clear_reg(&mut self, f: usize, r: usize) {
        if let Some(fm) = self.frames.get_mut(f) {
            fm.regs &= !(1 << r);
        }
    }

    fn clear_slot(&mut self, f: usize, s: usize) {
        if let Some(fm) = self.frames.get_mut(f)
            && s < 64
        {
            fm.slots &= !(1 << s);
        }
    }

    fn take_frame(&mut self, f: usize) -> FrameMarks {
        self.frames
            .get_mut(f)
            .map(std::mem::take)
            .unwrap_or_default()
    }

    pub fn is_empty(&self) -> bool {
        self.frames.iter().all(FrameMarks::is_empty)
    }

    /// Whether some need lies in a frame at or above `n` frames.
    fn beyond(&self, n: usize) -> bool {
        self.frames.iter().skip(n).any(|f| !f.is_empty())
    }

    /// The numbers of `st` that a prune against it compared: the live
    /// registers of the innermost frame, every register of the outer
    /// ones, every spilled number; restricted to `only` when given.
    pub fn compared(st: &State, live: RegSet, only: Option<&Marks>) -> Marks {
        let mut m = Marks::default();
        let last = st.frames.len() - 1;
        for (f, frame) in st.frames.iter().enumerate() {
            for (r, v) in frame.regs.iter().enumerate() {
                let is_live = f != last || live & (1 << r) != 0;
                if is_live && matches!(v, Value::Scalar(_)) && only.is_none_or(|o| o.reg(f, r)) {
                    m.set_reg(f, r);
                }
            }
            for (s, slot) in frame.stack.slots().iter().enumerate() {
                if matches!(slot.spilled, Some(Value::Scalar(_)))
                    && only.is_none_or(|o| o.slot(f, s))
                {
                    m.set_slot(f, s);
                }
            }
        }
        m
    }
}

/// A request from a check: this number, as it is before the instruction
/// being checked, decided something.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Need {
    Reg { frame: u8, reg: u8 },
    Slot { frame: u8, slot: u8 },
}

/// One instruction of a path's history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Step {
    pub insn: u32,
    /// Frame the instruction ran in.
    pub frame: u8,
    /// The stack slot a fixed-offset load or store touched: (frame, slot).
    pub stack: Option<(u8, u8)>,
    /// An `exit` that returned from a callback to its registering call
    /// (rather than from a subprogram to the instruction after its call).
    pub callback_ret: bool,
}

/// The walk met something it does not follow: the caller falls back to
/// marking every number precise, which is always sound.
#[derive(Debug)]
pub(crate) struct GiveUp;

/// At a stored state on the walk: numbers still needed become precise
/// there; those already precise (propagated further back before) and
/// those that are not numbers there leave the walk.
pub(crate) fn settle(st: &State, marks: &mut Marks, bt: &mut Marks) -> Result<(), GiveUp> {
    if bt.beyond(st.frames.len()) {
        return Err(GiveUp);
    }
    for (f, frame) in st.frames.iter().enumerate() {
        let need = bt.frame(f);
        for r in 0..16 {
            if need.regs & (1 << r) == 0 {
                continue;
            }
            let scalar = matches!(frame.regs.get(r), Some(Value::Scalar(_)));
            if !scalar || marks.reg(f, r) {
                bt.clear_reg(f, r);
            } else {
                marks.set_reg(f, r);
            }
        }
        for s in 0..64 {
            if need.slots & (1 << s) == 0 {
                continue;
            }
            let scalar = matches!(
                frame.stack.slot(s).and_then(|sl| sl.spilled.as_ref()),
                Some(Value::Scalar(_))
            );
            if !scalar || marks.slot(f, s) {
                bt.clear_slot(f, s);
            } else {
                marks.set_slot(f, s);
            }
        }
    }
    Ok(())
}

/// Turns `bt`, the needs after history step `step`, into the needs before
/// it. `next_frame` is the frame of the step that followed it.
pub(crate) fn backtrack(
    c: &Checker,
    step: &Step,
    next_frame: u8,
    bt: &mut Marks,
) -> Result<(), GiveUp> {
    let f = step.frame as usize;
    let next = next_frame as usize;
    let ins = c.program.insns()[step.insn as usize];
    let r = |reg: quiver_isa::Reg| reg.index() as usize;
    // Instructions that change frames.
    match ins {
        Insn::Call(CallTarget::Local(_)) | Insn::Callx { .. } if next == f + 1 => {
            // Into a subprogram: its r1-r5 are the caller's; nothing else
            // of its frame existed before the call.
            let callee = bt.take_frame(f + 1);
            for a in 1..=5 {
                if callee.regs & (1 << a) != 0 {
                    bt.set_reg(f, a);
                }
            }
            return if bt.beyond(f + 1) {
                Err(GiveUp)
            } else {
                Ok(())
            };
        }
        Insn::Call(_) if next == f + 1 => {
            // Into a synchronous callback: its arguments that repeat the
            // registering call's come from the caller's registers; the
            // caller's r1-r5 are as they were before the call, its r0 is
            // the call's result.
            let callee = bt.take_frame(f + 1);
            let Some(cb) = callback_of(c, step.insn as usize) else {
                return Err(GiveUp);
            };
            for k in 0..5usize {
                if callee.regs & (1 << (k + 1)) == 0 {
                    continue;
                }
                if let Some(CallbackArg::SameAs(n)) = cb.args.get(k) {
                    bt.set_reg(f, *n as usize + 1);
                }
            }
            bt.clear_reg(f, 0);
            return if bt.beyond(f + 1) {
                Err(GiveUp)
            } else {
                Ok(())
            };
        }
        Insn::Exit if next + 1 == f => {
            if !step.callback_ret {
                // A subprogram's return: the caller's r0 is the callee's,
                // the caller's r1-r5 were clobbered.
                let r0 = bt.reg(next, 0);
                for a in 0..=5 {
                    bt.clear_reg(next, a);
                }
                if r0 {
                    bt.set_reg(f, 0);
                }
            }
            // A callback's return goes back to its registering call with
            // the caller's frame as the callback found it.
            return Ok(());
        }
        _ if next != f => return Err(GiveUp),
        _ => {}
    }
    match ins {
        Insn::Alu { op, dst, src, .. } => {
            if !bt.reg(f, r(dst)) {
                return Ok(());
            }
            if op == AluOp::Mov {
                bt.clear_reg(f, r(dst));
            }
            if let Source::Reg(s) = src {
                bt.set_reg(f, r(s));
            }
        }
        Insn::Neg { .. } | Insn::Endian { .. } => {}
        Insn::MovSx { dst, src, .. } => {
            if bt.reg(f, r(dst)) {
                bt.clear_reg(f, r(dst));
                bt.set_reg(f, r(src));
            }
        }
        Insn::LoadImm64 { dst, .. } => bt.clear_reg(f, r(dst)),
        Insn::Load { dst, .. } => load(bt, f, r(dst), step),
        Insn::Store { src, .. } => store(bt, step, src),
        Insn::Atomic { op, dst, src, .. } => match op {
            AtomicOp::LoadAcquire => load(bt, f, r(dst), step),
            AtomicOp::StoreRelease => store(bt, step, Source::Reg(src)),
            _ => {
                let into = match op {
                    AtomicOp::Cmpxchg => Some(0),
                    AtomicOp::Xchg => Some(r(src)),
                    AtomicOp::Add { fetch }
                    | AtomicOp::Or { fetch }
                    | AtomicOp::And { fetch }
                    | AtomicOp::Xor { fetch } => fetch.then_some(r(src)),
                    _ => None,
                };
                // After the atomic the slot holds an unknown number: what
                // was needed of it starts here.
                if let Some((sf, ss)) = step.stack {
                    bt.clear_slot(sf as usize, ss as usize);
                }
                if let Some(into) = into
                    && bt.reg(f, into)
                {
                    bt.clear_reg(f, into);
                    if let Some((sf, ss)) = step.stack {
                        bt.set_slot(sf as usize, ss as usize);
                    }
                }
            }
        },
        Insn::LoadPacket { .. } => {
            // r0 is loaded from the packet; r1-r5 are clobbered.
            for a in 0..=5 {
                bt.clear_reg(f, a);
            }
        }
        Insn::Jump { dst, src, .. } => {
            // Refining one operand against the other makes each depend on
            // both.
            if let Source::Reg(s) = src
                && (bt.reg(f, r(dst)) || bt.reg(f, r(s)))
            {
                bt.set_reg(f, r(dst));
                bt.set_reg(f, r(s));
            }
        }
        Insn::Ja { .. } | Insn::MayGoto { .. } => {}
        Insn::Call(_) | Insn::Callx { .. } => {
            // A helper, kfunc or global function: r0 is its result, r1-r5
            // are clobbered.
            for a in 0..=5 {
                bt.clear_reg(f, a);
            }
        }
        Insn::Exit => return Err(GiveUp),
    }
    Ok(())
}

fn load(bt: &mut Marks, f: usize, dst: usize, step: &Step) {
    if !bt.reg(f, dst) {
        return;
    }
    bt.clear_reg(f, dst);
    // A fill: the value is the slot's.
    if let Some((sf, ss)) = step.stack {
        bt.set_slot(sf as usize, ss as usize);
    }
}

fn store(bt: &mut Marks, step: &Step, src: Source) {
    let Some((sf, ss)) = step.stack else {
        return;
    };
    if !bt.slot(sf as usize, ss as usize) {
        return;
    }
    bt.clear_slot(sf as usize, ss as usize);
    // A spill: the slot's value is the register's.
    if let Source::Reg(s) = src {
        bt.set_reg(step.frame as usize, s.index() as usize);
    }
}

/// The synchronous callback a call at `insn` registers.
fn callback_of(c: &Checker, insn: usize) -> Option<Callback> {
    let proto = match c.program.insns()[insn] {
        Insn::Call(CallTarget::Helper(id)) => u32::try_from(id)
            .ok()
            .and_then(|id| c.host.helpers.get(&id)),
        Insn::Call(CallTarget::Kfunc { btf_id, .. }) => {
            c.kfuncs.get(&btf_id).and_then(|n| c.host.kfuncs.get(n))
        }
        _ => None,
    }?;
    proto.args.iter().find_map(|a| match a {
        Arg::Callback(cb) if !cb.is_async => Some(cb.clone()),
        _ => None,
    })
}
