//! Calls and returns: helpers and kfuncs checked against their host
//! prototypes (argument types, memory sizes, references, locks, RCU
//! sections, sleepability, iterators, callbacks), bpf-to-bpf calls with
//! their frames, and `exit` with the return-value rules.
//!
//! A few calls have meaning beyond their prototype, as in Linux, and are
//! recognised by name: `bpf_tail_call`, `bpf_spin_lock`/`bpf_spin_unlock`,
//! `bpf_rcu_read_lock`/`bpf_rcu_read_unlock`.

use quiver_isa::{CallTarget, Reg};

use super::mem::Mode;
use super::{Checker, Flow};
use crate::domain::scalar::Scalar;
use crate::error::{Check, ErrorKind};
use crate::host::{Arg, Callback, CallbackArg, Proto, Ret, kf};
use crate::state::{CallbackFrame, Frame, IterObj, Ptr, RefKind, Region, State, Value};
use crate::verify::map_type;

/// Map types only some helpers take (Linux's `enum bpf_map_type`).
const STACK_TRACE: u32 = 7;
const DEVMAP: u32 = 14;
const CPUMAP: u32 = 16;
const XSKMAP: u32 = 17;
const DEVMAP_HASH: u32 = 25;
const BLOOM_FILTER: u32 = 30;

/// Most frames a call chain may hold (Linux's `MAX_CALL_FRAMES`).
const MAX_CALL_FRAMES: usize = 8;

/// The memory types a `void *` argument accepts, as Linux lists them.
const MEM_TYPES: &str =
    "fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_";

/// What the argument checks learnt, for the call's effects.
#[derive(Default)]
struct CallMeta {
    /// The map argument, by index into the input's maps.
    map: Option<u32>,
    /// The callback subprogram and its signature.
    callback: Option<(usize, Callback)>,
    /// The reference the call releases.
    release: Option<u32>,
    /// An iterator argument: its stack frame and offset.
    iter: Option<(u8, i64)>,
    /// The map value pointer a lock/timer/wq argument points into.
    special: Option<Ptr>,
    /// Constant argument values (for sizes and for facts).
    consts: [Option<u64>; 5],
    /// Arguments whose value decided something (marked precise): only
    /// their constants hold for the paths pruning cuts, so only they
    /// become facts.
    decided: [bool; 5],
    /// The map key, when it is a known constant on the stack.
    key_const: Option<u64>,
}

impl Checker<'_> {
    pub(super) fn call(&mut self, st: &mut State, insn: usize, target: CallTarget) -> Check<Flow> {
        match target {
            CallTarget::Local(_) => {
                let entry = self.target(insn);
                if let Some(&(_, nargs)) = self.global_funcs.iter().find(|g| g.0 == entry) {
                    return self.call_global(st, insn, entry, nargs);
                }
                self.enter_subprog(st, insn, entry)
            }
            CallTarget::Helper(id) => {
                let proto = u32::try_from(id)
                    .ok()
                    .and_then(|id| self.host.helpers.get(&id).map(|p| (id, p)));
                let Some((uid, proto)) = proto else {
                    return Err(self
                        .err(insn, ErrorKind::Call, format!("invalid func unknown#{id}"))
                        .hint("the host declares no helper with this id"));
                };
                if !self.ptype.helpers.contains(&uid) {
                    return Err(self
                        .err(
                            insn,
                            ErrorKind::Call,
                            format!("program of this type cannot use helper {}#{id}", proto.name),
                        )
                        .hint(format!(
                            "{} programs may not call {}",
                            self.ptype.name, proto.name
                        )));
                }
                let proto = proto.clone();
                self.call_proto(st, insn, &proto, false)
            }
            CallTarget::Kfunc { btf_id, .. } => {
                let name = self.kfuncs.get(&btf_id).cloned();
                let Some(proto) = name.as_ref().and_then(|n| self.host.kfuncs.get(n)) else {
                    return Err(self.err(
                        insn,
                        ErrorKind::Call,
                        match &name {
                            Some(n) => format!("calling kernel function {n} is not allowed"),
                            None => format!("kernel btf_id {btf_id} is not a function"),
                        },
                    ));
                };
                if !self.ptype.kfuncs.contains(&proto.name) {
                    return Err(self
                        .err(
                            insn,
                            ErrorKind::Call,
                            format!("calling kernel function {} is not allowed", proto.name),
                        )
                        .hint(format!(
                            "{} programs may not call {}",
                            self.ptype.name, proto.name
                        )));
                }
                let proto = proto.clone();
                self.call_proto(st, insn, &proto, true)
            }
        }
    }

    pub(super) fn callx(&mut self, st: &mut State, insn: usize, reg: Reg) -> Check<Flow> {
        match self.read(st, insn, reg)? {
            Value::Ptr(Ptr {
                region: Region::Func { insn: entry },
                ..
            }) => self.enter_subprog(st, insn, entry as usize),
            v => Err(self.err(
                insn,
                ErrorKind::Call,
                format!("R{} type={} expected=func", reg.index(), v.type_name()),
            )),
        }
    }

    /// A call to a global function, verified on its own: the caller
    /// passes numbers and gets a number back.
    fn call_global(
        &mut self,
        st: &mut State,
        insn: usize,
        entry: usize,
        nargs: u32,
    ) -> Check<Flow> {
        for r in 1..=(nargs.min(5) as usize) {
            if !st.cur().regs[r].is_init() {
                return Err(self.err(insn, ErrorKind::UninitRegister, format!("R{r} !read_ok")));
            }
            if st.cur().regs[r].is_pointer() {
                let n = self
                    .global_funcs
                    .iter()
                    .position(|g| g.0 == entry)
                    .unwrap_or(0)
                    + 1;
                return Err(self
                    .err(
                        insn,
                        ErrorKind::CallArgument,
                        format!("Caller passes invalid args into func#{n}"),
                    )
                    .hint(
                        "global functions take numbers; make the function static to pass pointers",
                    ));
            }
        }
        for r in 1..=5 {
            st.cur_mut().regs[r] = Value::Uninit;
        }
        st.set(Reg::R0, Value::unknown());
        Ok(Flow::Next(insn + 1))
    }

    /// A bpf-to-bpf call: a new frame whose r1-r5 are the caller's.
    fn enter_subprog(&mut self, st: &mut State, insn: usize, entry: usize) -> Check<Flow> {
        if st.frames.len() >= MAX_CALL_FRAMES {
            return Err(self.err(
                insn,
                ErrorKind::TooComplex,
                format!(
                    "the call stack of {} frames is too deep",
                    st.frames.len() + 1
                ),
            ));
        }
        let mut frame = Frame::new(entry, st.frames.len() as u8, Some(insn));
        for r in 1..=5 {
            frame.regs[r] = st.cur().regs[r].clone();
        }
        st.frames.push(frame);
        Ok(Flow::Next(entry))
    }

    /// A helper or kfunc call.
    fn call_proto(
        &mut self,
        st: &mut State,
        insn: usize,
        proto: &Proto,
        kfunc: bool,
    ) -> Check<Flow> {
        let name = proto.name.as_str();
        // An async callback runs in its own context: a work queue's may
        // sleep, a timer's may not, whatever the program that set it is.
        let sleepable = match st.frames.first().and_then(|f| f.callback) {
            Some(cb) if cb.is_async => cb.sleepable,
            _ => self.sleepable,
        };
        if proto.is_sleepable() && !sleepable {
            return Err(self
                .err(
                    insn,
                    ErrorKind::Sleepable,
                    format!("program must be sleepable to call sleepable kfunc {name}"),
                )
                .hint("load the program as sleepable (a `.s` section, e.g. SEC(\"struct_ops.s/...\")) or call this from a sleepable callback"));
        }
        if proto.is_sleepable() && st.rcu_depth > 0 {
            return Err(self.err(
                insn,
                ErrorKind::Sleepable,
                format!("kernel func {name} is sleepable within rcu_read_lock region"),
            ));
        }
        let is_unlock = name == "bpf_spin_unlock";
        if st.lock.is_some() && !is_unlock && name != "bpf_spin_lock" {
            return Err(self
                .err(
                    insn,
                    ErrorKind::Lock,
                    "function calls are not allowed while holding a lock",
                )
                .hint("release the bpf_spin_lock before calling anything"));
        }
        let mut meta = self.check_args(st, insn, proto, kfunc)?;
        if let Some((entry, _)) = &meta.callback {
            if !self.func_info {
                return Err(self
                    .err(insn, ErrorKind::Call, "missing btf func_info")
                    .hint("callbacks need BTF function info: compile with -g"));
            }
            if self.global_funcs.iter().any(|g| g.0 == *entry) {
                return Err(self.err(insn, ErrorKind::Call, "callback function not static"));
            }
        }
        if name == "bpf_tail_call" && st.frames.len() > 1 {
            if !self.func_info {
                return Err(self.err(
                    insn,
                    ErrorKind::Call,
                    "tail_call is not allowed in subprogs without BTF",
                ));
            }
            let above: u32 = st.frames[..st.frames.len() - 1]
                .iter()
                .map(|f| f.depth.next_multiple_of(16))
                .sum();
            if above > 256 {
                return Err(self
                    .err(
                        insn,
                        ErrorKind::StackDepth,
                        format!("tail_calls are not allowed when call stack of previous frames is {above} bytes. Too large"),
                    )
                    .hint("tail calls from subprograms need the callers' stacks to stay under 256 bytes"));
            }
        }
        // The tail call's index decides the call's target (Linux's
        // `record_func_key`).
        if name == "bpf_tail_call" && meta.consts[2].is_some() {
            self.need_reg(st, Reg::R3);
            meta.decided[2] = true;
        }
        let mut consts = meta.consts;
        for (c, d) in consts.iter_mut().zip(meta.decided) {
            if !d {
                *c = None;
            }
        }
        self.facts
            .call_constants
            .entry(insn)
            .and_modify(|known| {
                for (k, c) in known.iter_mut().zip(consts) {
                    if *k != c {
                        *k = None;
                    }
                }
            })
            .or_insert(consts);
        if let Some(map) = meta.map {
            self.facts
                .call_maps
                .entry(insn)
                .and_modify(|known| {
                    if *known != Some(map) {
                        *known = None;
                    }
                })
                .or_insert(Some(map));
        }
        // Effects that depend on the callee's identity.
        match name {
            "bpf_spin_lock" => {
                let p = meta
                    .special
                    .as_ref()
                    .expect("checked by the SpinLock argument");
                if st.lock.is_some() {
                    return Err(self.err(
                        insn,
                        ErrorKind::Lock,
                        "Locking two bpf_spin_locks are not allowed",
                    ));
                }
                let Region::MapValue { map } = p.region else {
                    unreachable!()
                };
                st.lock = Some((map, p.off, p.id));
            }
            "bpf_spin_unlock" => {
                let p = meta
                    .special
                    .as_ref()
                    .expect("checked by the SpinLock argument");
                let Region::MapValue { map } = p.region else {
                    unreachable!()
                };
                match st.lock {
                    None => {
                        return Err(self.err(
                            insn,
                            ErrorKind::Lock,
                            "bpf_spin_unlock without taking a lock",
                        ));
                    }
                    Some((m, off, id)) if m != map || off != p.off || id != p.id => {
                        return Err(self.err(
                            insn,
                            ErrorKind::Lock,
                            "bpf_spin_unlock of different lock",
                        ));
                    }
                    Some(_) => st.lock = None,
                }
            }
            "bpf_rcu_read_lock" => {
                if st.rcu_depth > 0 {
                    return Err(self.err(
                        insn,
                        ErrorKind::Lock,
                        format!("nested rcu read lock (kernel function {name})"),
                    ));
                }
                st.rcu_depth += 1;
            }
            "bpf_tail_call" if !st.refs.is_empty() => {
                return Err(self
                    .err(
                        insn,
                        ErrorKind::Reference,
                        "tail_call would lead to reference leak",
                    )
                    .hint("release every reference before the tail call: the callee cannot"));
            }
            "bpf_rcu_read_unlock" => {
                if st.rcu_depth == 0 {
                    return Err(self.err(
                        insn,
                        ErrorKind::Lock,
                        format!("unmatched rcu read unlock (kernel function {name})"),
                    ));
                }
                st.rcu_depth -= 1;
            }
            _ => {}
        }
        if let Some(id) = meta.release
            && !st.release(id)
        {
            return Err(self.err(
                insn,
                ErrorKind::Reference,
                format!("R1 must be referenced when passed to release function {name}"),
            ));
        }
        // Iterators.
        if let Some((frame, off)) = meta.iter {
            if proto.flags & kf::ITER_NEW != 0 {
                let id = self.new_id();
                st.acquire(id, insn, RefKind::Iter);
                let Some(Arg::Iter { type_name, size }) = proto.args.first() else {
                    unreachable!("checked by check_args")
                };
                st.frames[frame as usize].stack.put_iter(
                    off,
                    IterObj {
                        type_name: type_name.as_str().into(),
                        slots: size.div_ceil(8) as u8,
                        active: true,
                        depth: 0,
                        ref_id: id,
                    },
                );
            } else if proto.flags & kf::ITER_DESTROY != 0 {
                let id = st.frames[frame as usize]
                    .stack
                    .iter_at(off)
                    .map(|i| i.ref_id);
                if let Some(id) = id {
                    st.refs.retain(|r| r.id != id);
                }
                st.frames[frame as usize].stack.remove_iter(off);
            }
        }
        if proto.flags & kf::CHANGES_PKT_DATA != 0 {
            st.for_each_value(|v| {
                if let Value::Ptr(p) = v
                    && matches!(
                        p.region,
                        Region::Packet { .. } | Region::PacketEnd | Region::PacketMeta { .. }
                    )
                {
                    *v = Value::unknown();
                }
            });
        }
        let args: Vec<Value> = st.cur().regs[1..=5].to_vec();
        // Caller-saved registers are clobbered.
        for r in 1..=5 {
            st.cur_mut().regs[r] = Value::Uninit;
        }
        let r0 = self.return_value(st, insn, proto, &meta)?;
        st.set(Reg::R0, r0);
        if let Some((frame, off)) = meta.iter
            && proto.flags & kf::ITER_NEXT != 0
        {
            return self.iter_next(st, insn, frame, off);
        }
        if let Some((entry, cb)) = meta.callback.clone() {
            return self.enter_callback(st, insn, entry, cb, &meta, args);
        }
        Ok(Flow::Next(insn + 1))
    }

    /// A decision depended on argument `a` (0-based) of the call being
    /// checked.
    fn need_arg(&mut self, st: &State, a: u8) {
        self.need_reg(st, Reg::new(a + 1).expect("argument register"));
    }

    /// `bpf_iter_*_next`: either the iterator is drained (r0 = NULL, the
    /// path goes on) or it yields one more element (queued, one level
    /// deeper).
    fn iter_next(&mut self, st: &mut State, insn: usize, frame: u8, off: i64) -> Check<Flow> {
        let active = st.frames[frame as usize]
            .stack
            .iter_at(off)
            .is_some_and(|i| i.active);
        if active {
            let mut more = st.clone();
            if let Some(it) = more.frames[frame as usize].stack.iter_at_mut(off) {
                it.depth += 1;
            }
            // r0 is the element pointer the prototype describes.
            if let Value::Ptr(p) = more.reg(Reg::R0).clone() {
                let mut p = p;
                p.nullable = false;
                p.id = 0;
                more.set(Reg::R0, Value::Ptr(p));
            }
            self.pushed.push((more, insn + 1));
        }
        if let Some(it) = st.frames[frame as usize].stack.iter_at_mut(off) {
            it.active = false;
        }
        st.set(Reg::R0, Value::constant(0));
        Ok(Flow::Next(insn + 1))
    }

    /// Calls a callback subprogram: synchronously (the path continues in
    /// it, and the state after the call is queued), or asynchronously (it
    /// is verified as its own path, from a fresh frame).
    fn enter_callback(
        &mut self,
        st: &mut State,
        insn: usize,
        entry: usize,
        cb: Callback,
        meta: &CallMeta,
        caller_args: Vec<Value>,
    ) -> Check<Flow> {
        let args: Vec<Value> = cb
            .args
            .iter()
            .map(|a| self.callback_arg(&caller_args, *a, meta))
            .collect();
        if cb.is_async {
            // The callback runs later, in its own context: verify it as a
            // separate path with nothing of the caller's state.
            let mut frame = Frame::new(entry, 0, Some(insn));
            for (i, v) in args.into_iter().enumerate() {
                frame.regs[i + 1] = v;
            }
            frame.callback = Some(CallbackFrame {
                ret: cb.ret,
                is_async: true,
                sleepable: cb.sleepable,
            });
            let cb_state = State {
                frames: vec![frame],
                refs: Vec::new(),
                lock: None,
                rcu_depth: 0,
                may_goto_depth: 0,
                callback_depth: 0,
            };
            self.detached = Some(self.pushed.len());
            self.pushed.push((cb_state, entry));
            return Ok(Flow::Next(insn + 1));
        }
        if st.frames.len() >= MAX_CALL_FRAMES {
            return Err(self.err(
                insn,
                ErrorKind::TooComplex,
                format!(
                    "the call stack of {} frames is too deep",
                    st.frames.len() + 1
                ),
            ));
        }
        // The callback may run zero times: the path after the call.
        self.pushed.push((st.clone(), insn + 1));
        // Its return repeats the call, with the caller's registers as
        // they were.
        for (r, v) in caller_args.into_iter().enumerate() {
            st.cur_mut().regs[r + 1] = v;
        }
        // The caller frame as it was at the call, for the callback's
        // return to repeat the call.
        let mut frame = Frame::new(entry, st.frames.len() as u8, Some(insn));
        for (i, v) in args.into_iter().enumerate() {
            frame.regs[i + 1] = v;
        }
        frame.callback = Some(CallbackFrame {
            ret: cb.ret,
            is_async: false,
            sleepable: false,
        });
        st.callback_depth += 1;
        st.frames.push(frame);
        Ok(Flow::Next(entry))
    }

    fn callback_arg(&mut self, caller_args: &[Value], a: CallbackArg, meta: &CallMeta) -> Value {
        let map = meta.special.as_ref().and_then(|p| match p.region {
            Region::MapValue { map } => Some(map),
            _ => None,
        });
        let map = map.or(meta.map);
        match a {
            CallbackArg::Scalar => Value::unknown(),
            CallbackArg::SameAs(n) => meta
                .consts
                .get(n as usize)
                .copied()
                .flatten()
                .map(Value::constant)
                .unwrap_or_else(|| caller_args.get(n as usize).cloned().unwrap_or_default()),
            CallbackArg::MapOf(_) => map.map_or(Value::unknown(), |m| {
                Value::Ptr(Ptr::to(Region::MapPtr { map: m }))
            }),
            CallbackArg::KeyOf(_) => map.map_or(Value::unknown(), |m| {
                Value::Ptr(Ptr::to(Region::MapKey { map: m }))
            }),
            CallbackArg::ValueOf(_) => map.map_or(Value::unknown(), |m| {
                Value::Ptr(Ptr::to(Region::MapValue { map: m }))
            }),
        }
    }

    /// r0 after a call.
    fn return_value(
        &mut self,
        st: &mut State,
        insn: usize,
        proto: &Proto,
        meta: &CallMeta,
    ) -> Check<Value> {
        let acquire = proto.flags & kf::ACQUIRE != 0;
        let mut v = match &proto.ret {
            Ret::Scalar => Value::unknown(),
            Ret::Range { min, max } => Value::Scalar(Scalar::srange(*min, *max)),
            Ret::Void => Value::Uninit,
            Ret::MapValueOrNull { .. } => {
                let map = meta.map.expect("checked by the map argument");
                let mut p = Ptr::to(Region::MapValue { map });
                p.nullable = !meta_const_key_in_range(self, meta, map);
                if p.nullable {
                    p.id = self.new_id();
                }
                Value::Ptr(p)
            }
            Ret::MemOrNull { size_arg } => {
                self.need_arg(st, *size_arg);
                let size = meta.consts[*size_arg as usize];
                let Some(size) = size else {
                    return Err(self.err(
                        insn,
                        ErrorKind::CallArgument,
                        format!("R{} is not a known constant'", size_arg + 1),
                    ));
                };
                let region = if acquire {
                    Region::Alloc { size: size as u32 }
                } else {
                    Region::Mem {
                        size: size as u32,
                        rdonly: false,
                    }
                };
                let mut p = Ptr::to(region);
                p.nullable = true;
                p.id = self.new_id();
                Value::Ptr(p)
            }
            Ret::Mem {
                size,
                size_arg,
                nullable,
                rdonly,
            } => {
                if size.is_none()
                    && let Some(a) = size_arg
                {
                    self.need_arg(st, *a);
                }
                let size = size.or_else(|| {
                    size_arg
                        .and_then(|a| meta.consts[a as usize])
                        .map(|c| c as u32)
                });
                let Some(size) = size else {
                    return Err(self.err(
                        insn,
                        ErrorKind::CallArgument,
                        format!(
                            "{}: the returned memory's size is not a known constant",
                            proto.name
                        ),
                    ));
                };
                let mut p = Ptr::to(if acquire {
                    Region::Alloc { size }
                } else {
                    Region::Mem {
                        size,
                        rdonly: *rdonly,
                    }
                });
                p.nullable = *nullable;
                if p.nullable {
                    p.id = self.new_id();
                }
                Value::Ptr(p)
            }
            Ret::Btf {
                type_name,
                nullable,
            } => {
                let mut p = Ptr::to(Region::Btf {
                    type_name: type_name.as_str().into(),
                });
                p.nullable = *nullable;
                if p.nullable {
                    p.id = self.new_id();
                }
                Value::Ptr(p)
            }
        };
        if acquire && let Value::Ptr(p) = &mut v {
            let id = self.new_id();
            p.ref_id = id;
            if p.id == 0 {
                p.id = id;
            }
            st.acquire(id, insn, RefKind::Acquired(proto.name.clone()));
        }
        Ok(v)
    }

    /// Records which maps' values a call may reach
    /// (`Facts::map_values_to_calls`): `v` is passed as `arg`.
    fn note_passed_pointer(&mut self, v: &Value, arg: &Arg, proto: &Proto, kfunc: bool) {
        /// Helpers that dereference pointers found in an array they are
        /// given (`%s` arguments).
        const READ_POINTERS_IN_MEMORY: [&str; 5] = [
            "bpf_snprintf",
            "bpf_trace_vprintk",
            "bpf_seq_printf",
            "bpf_snprintf_btf",
            "bpf_seq_printf_btf",
        ];
        /// Helpers that read any address they are given as a number: a
        /// privileged program may hand them a pointer it made a scalar.
        const READ_ANY_ADDRESS: [&str; 7] = [
            "bpf_probe_read",
            "bpf_probe_read_str",
            "bpf_probe_read_kernel",
            "bpf_probe_read_kernel_str",
            "bpf_probe_read_user",
            "bpf_probe_read_user_str",
            "bpf_copy_from_user",
        ];
        let passed = &mut self.facts.map_values_to_calls;
        if READ_ANY_ADDRESS.contains(&proto.name.as_str()) {
            passed.extend(0..self.maps.len() as u32);
            return;
        }
        let Value::Ptr(p) = v else { return };
        if let Region::MapValue { map } = p.region {
            passed.insert(map);
        }
        // Memory whose bytes the callee reads as it likes: a spilled
        // pointer in it may be followed. Iterators, locks, timers and
        // ring buffer records are the callee's own objects.
        let plain_memory = matches!(
            arg,
            Arg::Mem { .. }
                | Arg::MapKey { .. }
                | Arg::MapValue { .. }
                | Arg::Stack { .. }
                | Arg::Any
        );
        if plain_memory && (kfunc || READ_POINTERS_IN_MEMORY.contains(&proto.name.as_str())) {
            passed.extend(0..self.maps.len() as u32);
        }
    }

    /// Checks r1..r5 against the prototype.
    fn check_args(
        &mut self,
        st: &mut State,
        insn: usize,
        proto: &Proto,
        kfunc: bool,
    ) -> Check<CallMeta> {
        let mut meta = CallMeta::default();
        for (i, arg) in proto.args.iter().enumerate() {
            let reg = Reg::new(i as u8 + 1).expect("at most five arguments");
            let r = i + 1;
            let v = self.read(st, insn, reg)?;
            if let Value::Scalar(s) = &v {
                meta.consts[i] = s.const_value();
            }
            self.note_passed_pointer(&v, arg, proto, kfunc);
            let wrong = |this: &Self, expected: &str| {
                this.err(
                    insn,
                    ErrorKind::CallArgument,
                    format!("R{r} type={} expected={expected}", v.type_name()),
                )
                .hint(format!(
                    "argument {r} of {} must be {}",
                    proto.name,
                    expected_words(expected)
                ))
            };
            match arg {
                Arg::Any => {}
                Arg::Stack { nullable } => match &v {
                    Value::Ptr(p) if matches!(p.region, Region::Stack { .. }) => {}
                    Value::Scalar(s) if *nullable && s.const_value() == Some(0) => {
                        self.need_reg(st, reg);
                    }
                    _ => return Err(wrong(self, "fp")),
                },
                Arg::Scalar => {
                    if !matches!(v, Value::Scalar(_)) && !self.opts.privileged {
                        return Err(wrong(self, "scalar"));
                    }
                }
                Arg::Const { min, max } => {
                    let Value::Scalar(s) = &v else {
                        return Err(wrong(self, "scalar"));
                    };
                    self.need_reg(st, reg);
                    meta.decided[i] = true;
                    match s.const_value() {
                        Some(c) if c >= *min && c <= *max => {}
                        Some(c) => {
                            return Err(self.err(
                                insn,
                                ErrorKind::CallArgument,
                                format!(
                                    "R{r} value {c} is outside [{min}, {max}] for {}",
                                    proto.name
                                ),
                            ));
                        }
                        None => {
                            return Err(self
                                .err(
                                    insn,
                                    ErrorKind::CallArgument,
                                    format!("R{r} must be a known constant"),
                                )
                                .hint(format!(
                                    "pass a constant as argument {r} of {}",
                                    proto.name
                                )));
                        }
                    }
                }
                Arg::Map => match &v {
                    Value::Ptr(Ptr {
                        region: Region::MapPtr { map },
                        ..
                    }) => {
                        self.map_compatible(insn, proto, *map)?;
                        meta.map = Some(*map);
                    }
                    _ => return Err(wrong(self, "map_ptr")),
                },
                Arg::MapKey { map_arg } | Arg::MapValue { map_arg } => {
                    let Some(map) = meta.map.filter(|_| (*map_arg as usize) < i) else {
                        return Err(self.err(
                            insn,
                            ErrorKind::CallArgument,
                            format!(
                                "invalid map_ptr to access map->{}",
                                if matches!(arg, Arg::MapKey { .. }) {
                                    "key"
                                } else {
                                    "value"
                                }
                            ),
                        ));
                    };
                    let info = &self.maps[map as usize];
                    let (size, write) = match arg {
                        Arg::MapKey { .. } => (info.key_size, false),
                        _ => (info.value_size, false),
                    };
                    // A constant key into an array makes the lookup unable
                    // to fail (Linux's `get_constant_map_key`): a spilled
                    // key's value decides that.
                    if matches!(arg, Arg::MapKey { .. })
                        && matches!(info.map_type, map_type::ARRAY | map_type::PERCPU_ARRAY)
                        && let Value::Ptr(p) = &v
                        && let Region::Stack { frame } = p.region
                        && p.has_const_off()
                        && size <= 8
                    {
                        let stack = &st.frames[frame as usize].stack;
                        meta.key_const = stack.const_key(p.off, size);
                        if p.off < 0 && p.off % 8 == 0 {
                            let slot = ((-p.off - 1) / 8) as usize;
                            // Only a constant is relied upon (a number
                            // that is not gives the nullable answer).
                            if matches!(
                                stack.slot(slot).and_then(|s| s.spilled.as_ref()),
                                Some(Value::Scalar(k)) if k.is_const()
                            ) {
                                self.need_slot(frame, slot);
                            }
                        }
                    }
                    self.check_mem_arg(st, insn, reg, &v, 0, size as u64, write, MEM_TYPES)?;
                }
                Arg::Mem {
                    size,
                    size_arg,
                    writable,
                    nullable,
                } => {
                    if *nullable && matches!(&v, Value::Scalar(s) if s.const_value() == Some(0)) {
                        self.need_reg(st, reg);
                        continue;
                    }
                    if !matches!(v, Value::Ptr(_)) {
                        return Err(wrong(self, MEM_TYPES));
                    }
                    if let Some(n) = size {
                        self.check_mem_arg(st, insn, reg, &v, 0, *n as u64, *writable, MEM_TYPES)?;
                    } else if size_arg.is_none() {
                        self.check_mem_arg(st, insn, reg, &v, 0, 0, *writable, MEM_TYPES)?;
                    }
                    // With a size argument, checked at that argument.
                }
                Arg::Size { zero_ok } => {
                    let Value::Scalar(s) = &v else {
                        return Err(wrong(self, "scalar"));
                    };
                    // Its bounds decide how much memory is checked.
                    self.need_reg(st, reg);
                    meta.decided[i] = true;
                    // The memory argument this size belongs to.
                    let mem = proto.args.iter().enumerate().find_map(|(k, a)| match a {
                        Arg::Mem {
                            size_arg: Some(sa),
                            writable,
                            nullable,
                            ..
                        } if *sa as usize == i => Some((k, *writable, *nullable)),
                        _ => None,
                    });
                    if s.smin < 0 {
                        return Err(self
                            .err(insn, ErrorKind::CallArgument, format!("R{r} min value is negative, either use unsigned or 'var &= const'"))
                            .hint("make the size unsigned, or check it is not negative"));
                    }
                    if s.umin == 0 && !zero_ok {
                        return Err(self.err(
                            insn,
                            ErrorKind::CallArgument,
                            format!("R{r} invalid zero-sized read: u64=[{},{}]", s.umin, s.umax),
                        ));
                    }
                    if s.umax >= 1 << 29 {
                        return Err(self
                            .err(insn, ErrorKind::CallArgument, format!("R{r} unbounded memory access, use 'var &= const' or 'if (var < const)'"))
                            .hint("bound the size before the call"));
                    }
                    if let Some((k, writable, nullable)) = mem {
                        let mreg = Reg::new(k as u8 + 1).expect("argument register");
                        let mv = st.reg(mreg).clone();
                        if nullable && matches!(&mv, Value::Scalar(z) if z.const_value() == Some(0))
                        {
                            continue;
                        }
                        if s.umax > 0 {
                            self.check_mem_arg(
                                st, insn, mreg, &mv, 0, s.umax, writable, MEM_TYPES,
                            )?;
                        }
                    }
                }
                Arg::Ctx => match &v {
                    Value::Ptr(p) if p.region == Region::Ctx => {
                        if p.off != 0 || !p.has_const_off() {
                            return Err(self.err(
                                insn,
                                ErrorKind::CallArgument,
                                format!(
                                    "dereference of modified ctx ptr R{r} off={} disallowed",
                                    p.off
                                ),
                            ));
                        }
                    }
                    _ => return Err(wrong(self, "ctx")),
                },
                Arg::Btf {
                    type_name,
                    nullable,
                } => match &v {
                    Value::Ptr(Ptr {
                        region: Region::Btf { type_name: t },
                        nullable: n,
                        off,
                        ref_id,
                        ..
                    }) if **t == **type_name && (!n || *nullable) && *off == 0 => {
                        // A release kfunc releases the object it is given.
                        if proto.flags & kf::RELEASE != 0 && *ref_id != 0 {
                            meta.release = Some(*ref_id);
                        }
                    }
                    Value::Scalar(s) if *nullable && s.const_value() == Some(0) => {
                        self.need_reg(st, reg);
                    }
                    _ => {
                        let exp = format!("ptr_{type_name}");
                        return Err(if kfunc {
                            self.err(
                                insn,
                                ErrorKind::CallArgument,
                                format!("arg#{i} pointer type STRUCT {type_name} must point to scalar, or struct with scalar, got {}", v.type_name()),
                            )
                        } else {
                            wrong(self, &exp)
                        });
                    }
                },
                Arg::Callback(cb) => match &v {
                    Value::Ptr(Ptr {
                        region: Region::Func { insn: entry },
                        ..
                    }) => meta.callback = Some((*entry as usize, cb.clone())),
                    _ => return Err(wrong(self, "func")),
                },
                Arg::Alloc => match &v {
                    Value::Ptr(p) if matches!(p.region, Region::Alloc { .. }) && !p.nullable => {
                        if p.off != 0 || !p.has_const_off() {
                            return Err(self.err(
                                insn,
                                ErrorKind::CallArgument,
                                format!("R{r} must have zero offset when passed to release func"),
                            ));
                        }
                        if proto.flags & kf::RELEASE != 0 {
                            meta.release = Some(p.ref_id);
                        }
                    }
                    _ => return Err(wrong(self, "ringbuf_mem")),
                },
                Arg::Iter { type_name, size } => {
                    let (frame, off) = match &v {
                        Value::Ptr(p)
                            if matches!(p.region, Region::Stack { .. }) && p.has_const_off() =>
                        {
                            let Region::Stack { frame } = p.region else {
                                unreachable!()
                            };
                            (frame, p.off)
                        }
                        _ => {
                            return Err(self.err(
                                insn,
                                ErrorKind::Iterator,
                                format!("arg#{i} expected pointer to an iterator on stack"),
                            ));
                        }
                    };
                    if off % 8 != 0 || off < -512 || off + *size as i64 > 0 {
                        return Err(self.err(
                            insn,
                            ErrorKind::Iterator,
                            format!("arg#{i} expected pointer to an iterator on stack"),
                        ));
                    }
                    let stack = &st.frames[frame as usize].stack;
                    let short = type_name.strip_prefix("bpf_iter_").unwrap_or(type_name);
                    if proto.flags & kf::ITER_NEW != 0 {
                        if stack.overlaps_iter(off, off + *size as i64) {
                            return Err(self
                                .err(
                                    insn,
                                    ErrorKind::Iterator,
                                    format!("expected uninitialized iter_{short} as arg #{i}"),
                                )
                                .hint(
                                    "destroy the iterator before creating another in its place",
                                ));
                        }
                        let lo = off;
                        self.note_depth(st, frame as usize, lo);
                    } else {
                        match stack.iter_at(off) {
                            Some(it) if *it.type_name == **type_name => {}
                            _ => {
                                return Err(self
                                    .err(
                                        insn,
                                        ErrorKind::Iterator,
                                        format!("expected an initialized iter_{short} as arg #{i}"),
                                    )
                                    .hint(format!(
                                        "call {type_name}_new on this stack slot first"
                                    )));
                            }
                        }
                    }
                    meta.iter = Some((frame, off));
                }
                Arg::SpinLock | Arg::Timer | Arg::Wq => {
                    let (what, field) = match arg {
                        Arg::SpinLock => ("bpf_spin_lock", 0),
                        Arg::Timer => ("bpf_timer", 1),
                        _ => ("bpf_wq", 2),
                    };
                    let Value::Ptr(p) = &v else {
                        return Err(wrong(self, "map_value"));
                    };
                    let Region::MapValue { map } = p.region else {
                        return Err(wrong(self, "map_value"));
                    };
                    let info = &self.maps[map as usize];
                    let at = [info.spin_lock_off, info.timer_off, info.wq_off][field];
                    let Some(at) = at else {
                        return Err(self.err(
                            insn,
                            ErrorKind::CallArgument,
                            format!("map '{}' has no valid {what}", info.name),
                        ));
                    };
                    if !p.has_const_off() {
                        return Err(self.err(
                            insn,
                            ErrorKind::CallArgument,
                            format!("R{r} doesn't have constant offset. {what} has to be at the constant offset"),
                        ));
                    }
                    if p.off != at as i64 {
                        return Err(self.err(
                            insn,
                            ErrorKind::CallArgument,
                            format!(
                                "off {} doesn't point to 'struct {what}' that is at {at}",
                                p.off
                            ),
                        ));
                    }
                    meta.map = meta.map.or(Some(map));
                    meta.special = Some(p.clone());
                }
            }
        }
        Ok(meta)
    }

    /// Checks that `size` bytes at the pointer in `reg` may be read (or
    /// written): the memory argument rules of helpers.
    #[allow(clippy::too_many_arguments)]
    fn check_mem_arg(
        &mut self,
        st: &mut State,
        insn: usize,
        reg: Reg,
        v: &Value,
        off: i64,
        size: u64,
        write: bool,
        expected: &str,
    ) -> Check {
        let r = reg.index();
        let p = match v {
            Value::Ptr(p)
                if !p.nullable
                    && matches!(
                        p.region,
                        Region::Stack { .. }
                            | Region::Packet { .. }
                            | Region::PacketMeta { .. }
                            | Region::MapKey { .. }
                            | Region::MapValue { .. }
                            | Region::Mem { .. }
                            | Region::Alloc { .. }
                    ) =>
            {
                p.clone()
            }
            _ => {
                return Err(self
                    .err(
                        insn,
                        ErrorKind::CallArgument,
                        format!("R{r} type={} expected={expected}", v.type_name()),
                    )
                    .hint(if matches!(v, Value::Ptr(p) if p.nullable) {
                        "null-check the pointer before passing it".to_string()
                    } else {
                        "pass a pointer to stack, map value or packet memory".to_string()
                    }));
            }
        };
        if size == 0 {
            return Ok(());
        }
        if let Region::Stack { frame } = p.region {
            // Helpers read or write the whole range: check its ends, then
            // the bytes.
            let (lo, hi) = match p.off_range() {
                Some((a, b)) if p.var.smin != i64::MIN && p.var.smax != i64::MAX => {
                    (a + off, b + off + size as i64)
                }
                _ => {
                    return Err(self.err(
                        insn,
                        ErrorKind::CallArgument,
                        format!("R{r} unbounded indirect variable offset stack access"),
                    ));
                }
            };
            if lo < -512 || hi > 0 {
                return Err(self
                    .err(
                        insn,
                        ErrorKind::MemoryAccess,
                        format!(
                            "invalid indirect access to stack R{r} off={} size={size}",
                            p.off + off
                        ),
                    )
                    .hint("the buffer must lie within the 512 bytes below r10"));
            }
            self.note_depth(st, frame as usize, lo);
            let privileged = self.opts.privileged;
            let stack = &mut st.frames[frame as usize].stack;
            if stack.overlaps_iter(lo, hi) {
                return Err(self.err(
                    insn,
                    ErrorKind::Iterator,
                    format!("invalid indirect access to stack R{r}: it holds an iterator"),
                ));
            }
            if write {
                stack.write_unknown(lo, hi);
            } else if !privileged && let Some(b) = stack.first_uninit(lo, hi) {
                return Err(self.err(
                    insn,
                    ErrorKind::UninitStack,
                    format!("invalid indirect read from stack R{r} off {b}+0 size {size}"),
                ));
            }
            return Ok(());
        }
        let size32 = u32::try_from(size).unwrap_or(u32::MAX);
        let mode = if write { Mode::Write } else { Mode::Read };
        // The same bounds as a load or store of `size` bytes.
        self.access(st, insn, reg, off, size32, mode, None)
            .map(|_| ())
    }

    /// Linux's pairing of map types and the helpers that take them.
    fn map_compatible(&self, insn: usize, proto: &Proto, map: u32) -> Check {
        let info = &self.maps[map as usize];
        let t = info.map_type;
        let name = proto.name.as_str();
        let bad = || {
            self.err(
                insn,
                ErrorKind::MapCompatibility,
                format!("cannot pass map_type {t} into func {name}"),
            )
        };
        let needs = |types: &[u32]| types.contains(&t);
        match name {
            "bpf_tail_call" if t != map_type::PROG_ARRAY => {
                return Err(self.err(
                    insn,
                    ErrorKind::MapCompatibility,
                    "expected prog array map for tail call",
                ));
            }
            "bpf_ringbuf_output" | "bpf_ringbuf_reserve" | "bpf_ringbuf_query"
                if t != map_type::RINGBUF =>
            {
                return Err(bad());
            }
            "bpf_map_push_elem" | "bpf_map_peek_elem"
                if !needs(&[map_type::QUEUE, map_type::STACK, BLOOM_FILTER]) =>
            {
                return Err(bad());
            }
            "bpf_map_pop_elem" if !needs(&[map_type::QUEUE, map_type::STACK]) => {
                return Err(bad());
            }
            "bpf_perf_event_output"
            | "bpf_perf_event_read"
            | "bpf_perf_event_read_value"
            | "bpf_skb_output"
            | "bpf_xdp_output"
                if t != map_type::PERF_EVENT_ARRAY =>
            {
                return Err(bad());
            }
            "bpf_get_stackid" if t != STACK_TRACE => return Err(bad()),
            "bpf_redirect_map" if !needs(&[DEVMAP, DEVMAP_HASH, CPUMAP, XSKMAP]) => {
                return Err(bad());
            }
            _ => {}
        }
        let ok = match t {
            map_type::PROG_ARRAY => {
                name == "bpf_tail_call" || name.starts_with("quiver_prog_array")
            }
            map_type::RINGBUF => name.starts_with("bpf_ringbuf_"),
            map_type::QUEUE | map_type::STACK | BLOOM_FILTER => matches!(
                name,
                "bpf_map_push_elem" | "bpf_map_pop_elem" | "bpf_map_peek_elem"
            ),
            _ => true,
        };
        if ok { Ok(()) } else { Err(bad()) }
    }

    /// `exit`: return to the caller frame, repeat a callback's
    /// registering call, or end the path with the program type's checks.
    pub(super) fn exit(&mut self, st: &mut State, insn: usize) -> Check<Flow> {
        if st.lock.is_some() && (st.frames.len() == 1 || st.cur().callback.is_some()) {
            return Err(self
                .err(insn, ErrorKind::Lock, "bpf_spin_unlock is missing")
                .hint("release the lock on every path before returning"));
        }
        let r0 = st.reg(Reg::R0).clone();
        let frame = st.cur().clone();
        // A subprogram may return nothing; its caller must not read r0
        // then.
        if !r0.is_init() && (st.frames.len() == 1 || frame.callback.is_some()) {
            return Err(self
                .err(insn, ErrorKind::UninitRegister, "R0 !read_ok")
                .hint("set r0 (the return value) before exit"));
        }
        if let Some(cb) = frame.callback {
            self.need_reg(st, Reg::R0);
            self.check_range(insn, &r0, cb.ret, "At callback return")?;
            if cb.is_async {
                self.check_leaks(st, insn)?;
                return Ok(Flow::End);
            }
            st.frames.pop();
            forget_dead_frame(st);
            // Call the callback again: the registering call repeats with
            // the caller's state as the callback left it.
            return Ok(Flow::Next(
                frame.callsite.expect("a callback frame has a call site"),
            ));
        }
        if st.frames.len() > 1 {
            // Linux refuses every stack pointer here, even the caller's own.
            if let Value::Ptr(p) = &r0
                && let Region::Stack { .. } = p.region
            {
                return Err(self
                    .err(insn, ErrorKind::PointerLeak, "cannot return stack pointer to the caller")
                    .hint("the callee's stack is gone after it returns; return a value or write through a caller pointer"));
            }
            st.frames.pop();
            forget_dead_frame(st);
            let caller = st.cur_mut();
            caller.regs[0] = r0;
            for r in 1..=5 {
                caller.regs[r] = Value::Uninit;
            }
            let callsite = frame.callsite.expect("a callee frame has a call site");
            return Ok(Flow::Next(callsite + 1));
        }
        if st.rcu_depth > 0 {
            return Err(self
                .err(insn, ErrorKind::Lock, "bpf_rcu_read_unlock is missing")
                .hint("call bpf_rcu_read_unlock on every path before returning"));
        }
        self.check_leaks(st, insn)?;
        if self.ptype.checks_return() {
            self.need_reg(st, Reg::R0);
            self.check_range(insn, &r0, self.ptype.ret_range, "At program exit")?;
        }
        Ok(Flow::End)
    }

    fn check_leaks(&self, st: &State, insn: usize) -> Check {
        if let Some(r) = st.refs.first() {
            let what = match &r.kind {
                RefKind::Iter => "an iterator: call its _destroy".to_string(),
                RefKind::Acquired(name) => {
                    format!("what {name} returned: submit, discard or release it")
                }
            };
            return Err(self
                .err(
                    insn,
                    ErrorKind::Reference,
                    format!(
                        "Unreleased reference id={} alloc_insn={}",
                        r.id,
                        self.pc(r.insn)
                    ),
                )
                .hint(format!("every path must release {what}")));
        }
        Ok(())
    }

    fn check_range(&self, insn: usize, r0: &Value, (lo, hi): (i64, i64), when: &str) -> Check {
        let s = match r0 {
            Value::Scalar(s) => s,
            v => {
                return Err(self.err(
                    insn,
                    ErrorKind::ReturnValue,
                    format!(
                        "{when} the register R0 is not a known value ({})",
                        v.type_name()
                    ),
                ));
            }
        };
        if s.smin >= lo && s.smax <= hi {
            return Ok(());
        }
        let has = if *s == Scalar::UNKNOWN || (s.smin == i64::MIN && s.smax == i64::MAX) {
            "unknown scalar value".to_string()
        } else {
            format!("smin={} smax={}", s.smin, s.smax)
        };
        Err(self
            .err(
                insn,
                ErrorKind::ReturnValue,
                format!("{when} the register R0 has {has} should have been in [{lo}, {hi}]"),
            )
            .hint(format!("return a value between {lo} and {hi}")))
    }
}

/// After a frame returns, pointers into its stack that the callee left
/// in the frames below point at nothing: they become numbers.
fn forget_dead_frame(st: &mut State) {
    let live = st.frames.len();
    st.for_each_value(|v| {
        if let Value::Ptr(p) = v
            && let Region::Stack { frame } = p.region
            && frame as usize >= live
        {
            *v = Value::unknown();
        }
    });
}

/// Whether an array lookup's key is a constant index below
/// `max_entries`, so the lookup cannot fail (Linux 6.13+).
fn meta_const_key_in_range(c: &Checker, meta: &CallMeta, map: u32) -> bool {
    let info = &c.maps[map as usize];
    matches!(info.map_type, map_type::ARRAY | map_type::PERCPU_ARRAY)
        && meta.key_const.is_some_and(|k| k < info.max_entries as u64)
}

fn expected_words(expected: &str) -> String {
    match expected {
        "map_ptr" => "a map (`&my_map`)".into(),
        "ctx" => "the program's context pointer".into(),
        "scalar" => "a number".into(),
        "func" => "a function (a static subprogram)".into(),
        e if e == MEM_TYPES => "a pointer to memory (stack, map value, packet)".into(),
        e => e.into(),
    }
}
