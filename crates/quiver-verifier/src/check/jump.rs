//! Conditional jumps: deciding an edge when the operands allow, and
//! refining both edges' states: scalar bounds, null checks (every copy of
//! a checked pointer learns the answer), and packet ranges from
//! comparisons with `data_end` (Linux's `check_cond_jmp_op`).

use quiver_isa::{JmpCond, Reg, Source, Width};

use super::{Checker, Flow};
use crate::domain::branch;
use crate::domain::scalar::Scalar;
use crate::error::{Check, ErrorKind};
use crate::state::{Ptr, Region, State, Value};

impl Checker<'_> {
    pub(super) fn jump(
        &mut self,
        st: &mut State,
        insn: usize,
        width: Width,
        cond: JmpCond,
        dst: Reg,
        src: Source,
    ) -> Check<Flow> {
        let target = self.target(insn);
        let a = self.read(st, insn, dst)?;
        let b = match src {
            Source::Reg(r) => self.read(st, insn, r)?,
            Source::Imm(i) => Value::Scalar(Scalar::from_imm(i)),
        };
        let src_reg = match src {
            Source::Reg(r) => Some(r),
            Source::Imm(_) => None,
        };
        // A number compared with a pointer: whether it is the constant 0
        // decides between a null check and a plain comparison.
        if a.is_pointer() != b.is_pointer() {
            if matches!(a, Value::Scalar(_)) {
                self.need_reg(st, dst);
            }
            if let (Value::Scalar(_), Some(r)) = (&b, src_reg) {
                self.need_reg(st, r);
            }
        }
        match (&a, &b) {
            (Value::Scalar(x), Value::Scalar(y)) => {
                let same = src_reg == Some(dst);
                let decided = if same {
                    branch::is_branch_taken_same_reg(x, cond, width)
                } else {
                    branch::is_branch_taken(x, y, cond, width)
                };
                let edge = |taken: bool| -> Option<(Scalar, Scalar)> {
                    let (nx, ny) = if same {
                        let v = branch::refine_same_reg(x, cond, width, taken);
                        (v, v)
                    } else {
                        branch::refine(x, y, cond, width, taken)
                    };
                    (!nx.is_empty() && !ny.is_empty()).then_some((nx, ny))
                };
                let apply = |s: &mut State, (nx, ny): (Scalar, Scalar)| {
                    s.set(dst, Value::Scalar(nx));
                    if let Some(r) = src_reg {
                        s.set(r, Value::Scalar(ny));
                    }
                };
                // Going one way only (a decided branch, or an edge the
                // operands cannot take) is a decision on both values.
                let one_way = decided.is_some() || edge(true).is_none() || edge(false).is_none();
                if one_way {
                    self.need_reg(st, dst);
                    if let Some(r) = src_reg {
                        self.need_reg(st, r);
                    }
                }
                match decided {
                    Some(true) => Ok(Flow::Next(target)),
                    Some(false) => Ok(Flow::Next(insn + 1)),
                    None => {
                        let taken = edge(true);
                        let fall = edge(false);
                        match (taken, fall) {
                            (None, None) => Ok(Flow::End),
                            (Some(t), None) => {
                                apply(st, t);
                                Ok(Flow::Next(target))
                            }
                            (None, Some(f)) => {
                                apply(st, f);
                                Ok(Flow::Next(insn + 1))
                            }
                            (Some(t), Some(f)) => {
                                let mut other = st.clone();
                                apply(&mut other, t);
                                self.pushed.push((other, target));
                                apply(st, f);
                                Ok(Flow::Next(insn + 1))
                            }
                        }
                    }
                }
            }
            (Value::Ptr(p), Value::Scalar(s)) | (Value::Scalar(s), Value::Ptr(p))
                if s.const_value() == Some(0)
                    && width == Width::W64
                    && matches!(cond, JmpCond::Eq | JmpCond::Ne) =>
            {
                let eq_taken = cond == JmpCond::Eq;
                if !p.nullable {
                    // A valid pointer is never NULL.
                    return Ok(Flow::Next(if eq_taken { insn + 1 } else { target }));
                }
                let mut other = st.clone();
                // The edge where the pointer is NULL, and where it is not.
                let (null_state, nonnull_state) = if eq_taken {
                    (&mut other, &mut *st)
                } else {
                    (&mut *st, &mut other)
                };
                mark_null(null_state, p, true);
                mark_null(nonnull_state, p, false);
                self.pushed.push((other, target));
                Ok(Flow::Next(insn + 1))
            }
            (Value::Ptr(x), Value::Ptr(y)) if width == Width::W64 => {
                let mut other = st.clone();
                self.packet_compare(st, &mut other, cond, x, y);
                self.pushed.push((other, target));
                Ok(Flow::Next(insn + 1))
            }
            _ => {
                if !self.opts.privileged {
                    return Err(self.err(
                        insn,
                        ErrorKind::PointerLeak,
                        format!("R{} pointer comparison prohibited", dst.index()),
                    ));
                }
                let other = st.clone();
                self.pushed.push((other, target));
                Ok(Flow::Next(insn + 1))
            }
        }
    }

    /// Packet bounds learnt from comparing a packet pointer with the
    /// packet's end: `fall` is the fall-through state, `taken` the jump's.
    fn packet_compare(
        &mut self,
        fall: &mut State,
        taken: &mut State,
        cond: JmpCond,
        x: &Ptr,
        y: &Ptr,
    ) {
        let is_pkt = |p: &Ptr| matches!(p.region, Region::Packet { .. });
        let is_meta = |p: &Ptr| matches!(p.region, Region::PacketMeta { .. });
        let is_end = |p: &Ptr| p.region == Region::PacketEnd;
        let is_data_start = |p: &Ptr| is_pkt(p) && p.off == 0 && p.has_const_off();
        // (pointer whose range grows, bound on its right: open or closed,
        // which edge learns it)
        let (ptr, fwd) = if (is_pkt(x) && is_end(y)) || (is_meta(x) && is_data_start(y)) {
            (x, true)
        } else if (is_end(x) && is_pkt(y)) || (is_data_start(x) && is_meta(y)) {
            (y, false)
        } else {
            return;
        };
        // (state learning it, right-open)
        let (on_taken, open) = match (cond, fwd) {
            (JmpCond::Gt, true) => (false, false),
            (JmpCond::Gt, false) => (true, true),
            (JmpCond::Lt, true) => (true, true),
            (JmpCond::Lt, false) => (false, false),
            (JmpCond::Ge, true) => (false, true),
            (JmpCond::Ge, false) => (true, false),
            (JmpCond::Le, true) => (true, false),
            (JmpCond::Le, false) => (false, true),
            _ => return,
        };
        if ptr.off < 0 || (ptr.off == 0 && open) {
            return;
        }
        const MAX_PACKET_OFF: u64 = 0xffff;
        if ptr.var.umax > MAX_PACKET_OFF || ptr.var.umax + ptr.off as u64 > MAX_PACKET_OFF {
            return;
        }
        // `p < end` leaves one byte more than `p <= end`.
        let new_range = if open { ptr.off + 1 } else { ptr.off } as u32;
        let learner = if on_taken { taken } else { fall };
        let (id, meta) = (ptr.id, is_meta(ptr));
        learner.for_each_value(|v| {
            if let Value::Ptr(p) = v
                && p.id == id
            {
                match &mut p.region {
                    Region::Packet { range } if !meta => *range = (*range).max(new_range),
                    Region::PacketMeta { range } if meta => *range = (*range).max(new_range),
                    _ => {}
                }
            }
        });
    }

    pub(super) fn may_goto(&mut self, st: &mut State, insn: usize) -> Check<Flow> {
        // The jump: the loop budget is spent; the fall-through: one more
        // round, which may go on only as deep as the budget allows.
        let target = self.target(insn);
        let other = st.clone();
        self.pushed.push((other, target));
        st.may_goto_depth += 1;
        Ok(Flow::Next(insn + 1))
    }
}

/// Applies the outcome of a null check on `p` to every copy of it.
fn mark_null(st: &mut State, p: &Ptr, is_null: bool) {
    let (id, ref_id) = (p.id, p.ref_id);
    if id == 0 {
        return;
    }
    st.for_each_value(|v| {
        if let Value::Ptr(q) = v
            && q.id == id
            && q.nullable
        {
            if is_null {
                *v = Value::constant(0);
            } else {
                q.nullable = false;
            }
        }
    });
    if is_null && ref_id != 0 {
        // A NULL result holds nothing to release.
        st.refs.retain(|r| r.id != ref_id);
    }
}
