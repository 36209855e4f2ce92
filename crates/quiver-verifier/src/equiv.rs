//! State subsumption for pruning: whether every execution a new state
//! stands for is already covered by a state verified before at the same
//! instruction (Linux's `states_equal` with `regsafe` and `stacksafe`).
//!
//! Against a complete stored state (Linux's `NOT_EXACT`), a number the
//! stored state's subtree never depended on (not precise, see
//! [`crate::precision`]) covers any number; precise numbers compare by
//! inclusion of all their bounds. Against a state still being explored
//! (a loop's earlier round, Linux's `RANGE_WITHIN`) its marks are not
//! final, so every number compares by its bounds. Registers that are dead
//! at the instruction are ignored. Identities (null-check ids,
//! references) must correspond one to one between the two states.

use std::collections::HashMap;

use crate::liveness::RegSet;
use crate::precision::Marks;
use crate::state::{Byte, Ptr, Region, Slot, State, Value};

/// A one-to-one correspondence between the ids of two states.
#[derive(Default)]
struct IdMap {
    fwd: HashMap<u32, u32>,
    back: HashMap<u32, u32>,
}

impl IdMap {
    fn check(&mut self, old: u32, cur: u32) -> bool {
        if old == 0 || cur == 0 {
            return old == cur;
        }
        match (self.fwd.get(&old), self.back.get(&cur)) {
            (None, None) => {
                self.fwd.insert(old, cur);
                self.back.insert(cur, old);
                true
            }
            (Some(&c), Some(&o)) => c == cur && o == old,
            _ => false,
        }
    }
}

/// Whether `old` covers `cur`; `live` are the registers live in the
/// innermost frame. `precise` are the old state's precise numbers when it
/// is complete; `None` compares every number by its bounds.
pub fn subsumes(old: &State, precise: Option<&Marks>, cur: &State, live: RegSet) -> bool {
    if old.frames.len() != cur.frames.len()
        || old.refs.len() != cur.refs.len()
        || old.rcu_depth != cur.rcu_depth
        || old.lock.is_some() != cur.lock.is_some()
    {
        return false;
    }
    let mut ids = IdMap::default();
    let last = old.frames.len() - 1;
    for (n, (fo, fc)) in old.frames.iter().zip(&cur.frames).enumerate() {
        if fo.entry != fc.entry || fo.callsite != fc.callsite || fo.callback != fc.callback {
            return false;
        }
        for r in 0..fo.regs.len() {
            if n == last && live & (1 << r) == 0 {
                continue;
            }
            let exact = precise.is_none_or(|m| m.reg(n, r));
            if !value_safe(&fo.regs[r], &fc.regs[r], exact, &mut ids) {
                return false;
            }
        }
        let empty = Slot::default();
        let len = fo.stack.slots().len().max(fc.stack.slots().len());
        for i in 0..len {
            let so = fo.stack.slot(i).unwrap_or(&empty);
            let sc = fc.stack.slot(i).unwrap_or(&empty);
            let exact = precise.is_none_or(|m| m.slot(n, i));
            if !slot_safe(so, sc, exact, &mut ids) {
                return false;
            }
        }
    }
    if let (Some((m1, o1, i1)), Some((m2, o2, i2))) = (old.lock, cur.lock)
        && (m1 != m2 || o1 != o2 || !ids.check(i1, i2))
    {
        return false;
    }
    old.refs
        .iter()
        .zip(&cur.refs)
        .all(|(a, b)| ids.check(a.id, b.id))
}

/// `exact`: whether a number in `old` must include `cur`'s (else any
/// number will do).
fn value_safe(old: &Value, cur: &Value, exact: bool, ids: &mut IdMap) -> bool {
    match (old, cur) {
        (Value::Uninit, _) => true,
        (Value::Scalar(a), Value::Scalar(b)) => !exact || a.includes(b),
        (Value::Ptr(a), Value::Ptr(b)) => ptr_safe(a, b, ids),
        _ => false,
    }
}

fn ptr_safe(old: &Ptr, cur: &Ptr, ids: &mut IdMap) -> bool {
    let region_ok = match (&old.region, &cur.region) {
        (Region::Packet { range: a }, Region::Packet { range: b })
        | (Region::PacketMeta { range: a }, Region::PacketMeta { range: b }) => a <= b,
        (a, b) => a == b,
    };
    region_ok
        && old.off == cur.off
        && old.nullable == cur.nullable
        && old.var.includes(&cur.var)
        && ids.check(old.id, cur.id)
        && ids.check(old.ref_id, cur.ref_id)
}

fn slot_safe(old: &Slot, cur: &Slot, exact: bool, ids: &mut IdMap) -> bool {
    if let Some(vo) = &old.spilled {
        if let Some(vc) = &cur.spilled
            && old.spill_size == cur.spill_size
            && value_safe(vo, vc, exact, ids)
        {
            return bytes_safe(old, cur);
        }
        // An unknown (or imprecise) spilled number covers any number in
        // its bytes.
        if matches!(vo, Value::Scalar(s) if !exact || *s == crate::domain::scalar::Scalar::UNKNOWN)
            && old.spill_size == 8
            && cur
                .bytes
                .iter()
                .all(|b| matches!(b, Byte::Misc | Byte::Zero | Byte::Invalid))
            && !matches!(cur.spilled, Some(Value::Ptr(_)))
        {
            return true;
        }
        return false;
    }
    if let Some(io) = &old.iter {
        return match &cur.iter {
            Some(ic) => {
                io.type_name == ic.type_name
                    && io.active == ic.active
                    && ids.check(io.ref_id, ic.ref_id)
            }
            None => false,
        };
    }
    bytes_safe(old, cur)
}

fn bytes_safe(old: &Slot, cur: &Slot) -> bool {
    old.bytes
        .iter()
        .zip(&cur.bytes)
        .all(|(bo, bc)| match (bo, bc) {
            (Byte::Invalid, _) => true,
            (Byte::Misc, Byte::Misc | Byte::Zero) => true,
            (Byte::Misc, Byte::Spill) => !matches!(cur.spilled, Some(Value::Ptr(_))),
            (Byte::Zero, Byte::Zero) => true,
            (Byte::Zero, Byte::Spill) => {
                matches!(&cur.spilled, Some(Value::Scalar(s)) if s.const_value() == Some(0))
            }
            (Byte::Spill, Byte::Spill) => true,
            (Byte::Iter, Byte::Iter) => true,
            _ => false,
        })
}

/// Widens `cur` against an earlier state of the same loop: numbers that
/// changed and that nothing depended on in the earlier round (not
/// precise in `marks`) become unknown, so the loop's states converge
/// (Linux's `widen_imprecise_scalars`). Precise numbers keep their
/// values: the loop is explored round by round on them.
pub fn widen(prev: &State, marks: &Marks, cur: &mut State) {
    for (f, (fp, fc)) in prev.frames.iter().zip(cur.frames.iter_mut()).enumerate() {
        for (r, (vp, vc)) in fp.regs.iter().zip(fc.regs.iter_mut()).enumerate() {
            if let (Value::Scalar(a), Value::Scalar(b)) = (vp, &*vc)
                && a != b
                && !marks.reg(f, r)
            {
                *vc = Value::unknown();
            }
        }
        let n = fp.stack.slots().len().min(fc.stack.slots().len());
        for i in 0..n {
            let sp = &fp.stack.slots()[i];
            let sc = &mut fc.stack.slots_mut()[i];
            if let (Some(Value::Scalar(a)), Some(Value::Scalar(b))) = (&sp.spilled, &sc.spilled)
                && a != b
                && !marks.slot(f, i)
            {
                sc.spilled = Some(Value::unknown());
            }
        }
    }
}
