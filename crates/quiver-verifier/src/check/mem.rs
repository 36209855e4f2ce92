//! Memory access: loads, stores and atomics through each kind of pointer,
//! with Linux's bounds, alignment and context-field rules and messages
//! (`check_mem_access` and the per-region checks it calls).

use quiver_isa::{AtomicOp, PacketMode, Reg, Size, Source};

use super::Checker;
use crate::domain::alu;
use crate::domain::scalar::Scalar;
use crate::error::{Check, ErrorKind};
use crate::host::{CtxFieldKind, find_field};
use crate::state::{Ptr, ReadError, Region, STACK_SIZE, Stack, State, Value};

/// `BPF_F_WRONLY_PROG`: programs may only write the map's values.
const F_WRONLY_PROG: u32 = 1 << 8;

/// What an access does to the memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Read,
    Write,
    /// A read-modify-write (atomics).
    Atomic,
}

impl Mode {
    fn writes(self) -> bool {
        self != Mode::Read
    }
}

fn size_of(bytes: u32) -> Size {
    match bytes {
        1 => Size::B,
        2 => Size::H,
        4 => Size::W,
        _ => Size::DW,
    }
}

impl Checker<'_> {
    /// Checks an access of `size` bytes at `off` from the pointer in
    /// `reg` and returns what a read would load (for writes, the value is
    /// ignored). `stored` is the value a store writes, for spills.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn access(
        &mut self,
        st: &mut State,
        insn: usize,
        reg: Reg,
        off: i64,
        size: u32,
        mode: Mode,
        stored: Option<&Value>,
    ) -> Check<Value> {
        let r = reg.index();
        let p = match st.reg(reg).clone() {
            Value::Ptr(p) if !p.nullable => p,
            v => {
                return Err(self
                    .err(
                        insn,
                        ErrorKind::MemoryAccess,
                        format!("R{r} invalid mem access '{}'", v.type_name()),
                    )
                    .hint(invalid_access_hint(&v)));
            }
        };
        if mode == Mode::Atomic
            && matches!(
                p.region,
                Region::Ctx | Region::Packet { .. } | Region::PacketMeta { .. }
            )
        {
            return Err(self.err(
                insn,
                ErrorKind::MemoryAccess,
                format!(
                    "BPF_ATOMIC stores into R{r} {} is not allowed",
                    p.type_name()
                ),
            ));
        }
        if let Some(v) = stored
            && v.is_pointer()
            && !self.opts.privileged
            && !matches!(p.region, Region::Stack { .. })
        {
            let what = match p.region {
                Region::Ctx => "ctx",
                Region::MapValue { .. } => "map",
                Region::Packet { .. } => "packet",
                _ => "mem",
            };
            return Err(self.err(
                insn,
                ErrorKind::PointerLeak,
                format!("R? leaks addr into {what}"),
            ));
        }
        let total = p.off + off;
        match p.region.clone() {
            Region::Stack { frame } => {
                self.stack_access(st, insn, reg, &p, frame, off, size, mode, stored)
            }
            Region::Ctx => self.ctx_access(insn, r, &p, total, size, mode),
            Region::MapValue { map } => {
                let info = &self.maps[map as usize];
                let vs = info.value_size;
                if mode.writes() && info.rdonly_prog {
                    return Err(self.err(
                        insn,
                        ErrorKind::MemoryAccess,
                        format!(
                            "write into map forbidden, value_size={vs} off={total} size={size}"
                        ),
                    ));
                }
                if !mode.writes() && info.map_flags & F_WRONLY_PROG != 0 {
                    return Err(self.err(
                        insn,
                        ErrorKind::MemoryAccess,
                        format!("read from map forbidden, value_size={vs} off={total} size={size}"),
                    ));
                }
                let (lo, hi) = self.var_bounds(insn, r, &p, off)?;
                self.special_fields(insn, map, lo, hi + size as i64)?;
                if lo < 0 || hi + size as i64 > vs as i64 {
                    let bad = if lo < 0 { lo } else { hi };
                    return Err(self
                        .err(
                            insn,
                            ErrorKind::MemoryAccess,
                            format!(
                                "invalid access to map value, value_size={vs} off={bad} size={size}"
                            ),
                        )
                        .hint(format!(
                            "the value is {vs} bytes: keep the offset in [0, {}]",
                            vs as i64 - size as i64
                        )));
                }
                Ok(Value::unknown())
            }
            Region::MapKey { map } => {
                let ks = self.maps[map as usize].key_size;
                let (lo, hi) = self.var_bounds(insn, r, &p, off)?;
                if mode.writes() || lo < 0 || hi + size as i64 > ks as i64 {
                    return Err(self.err(
                        insn,
                        ErrorKind::MemoryAccess,
                        format!("invalid access to map key, key_size={ks} off={lo} size={size}"),
                    ));
                }
                Ok(Value::unknown())
            }
            Region::Packet { range } | Region::PacketMeta { range } => {
                if mode.writes() && !self.ptype.packet_write {
                    return Err(self.err(
                        insn,
                        ErrorKind::MemoryAccess,
                        "cannot write into packet".to_string(),
                    ));
                }
                if p.var.smin < 0 {
                    return Err(self.err(
                        insn,
                        ErrorKind::MemoryAccess,
                        format!("R{r} min value is negative, either use unsigned index or do a if (index >=0) check."),
                    ));
                }
                if total < 0 || total + size as i64 > range as i64 {
                    return Err(self
                        .err(
                            insn,
                            ErrorKind::MemoryAccess,
                            format!(
                                "invalid access to packet, off={total} size={size}, R{r}(id={},off={},r={range})",
                                p.id, p.off
                            ),
                        )
                        .hint(format!(
                            "compare the pointer plus {} with data_end first (`if (p + {} > data_end) return`)",
                            total + size as i64,
                            total + size as i64
                        )));
                }
                Ok(Value::unknown())
            }
            Region::Mem { size: mem, rdonly } => {
                if mode.writes() && rdonly {
                    return Err(self.err(
                        insn,
                        ErrorKind::MemoryAccess,
                        format!("R{r} cannot write into {}", p.type_name()),
                    ));
                }
                self.mem_bounds(insn, r, &p, off, size, mem)?;
                Ok(Value::unknown())
            }
            Region::Alloc { size: mem } => {
                self.mem_bounds(insn, r, &p, off, size, mem)?;
                Ok(Value::unknown())
            }
            Region::Btf { type_name } => {
                self.btf_access(insn, r, &p, &type_name, total, size, mode)
            }
            Region::PacketEnd | Region::MapPtr { .. } | Region::Func { .. } => Err(self.err(
                insn,
                ErrorKind::MemoryAccess,
                format!("R{r} invalid mem access '{}'", p.type_name()),
            )),
        }
    }

    /// The lowest and highest offset of an access through `p` plus `off`,
    /// refusing offsets Linux cannot bound.
    fn var_bounds(&self, insn: usize, r: u8, p: &Ptr, off: i64) -> Check<(i64, i64)> {
        if p.var.smin < 0 && !p.has_const_off() {
            return Err(self
                .err(
                    insn,
                    ErrorKind::MemoryAccess,
                    format!("R{r} min value is negative, either use unsigned index or do a if (index >=0) check."),
                )
                .hint("compare the index as unsigned, or check it is not negative"));
        }
        if p.var.umax >= 1 << 29 && !p.has_const_off() {
            return Err(self
                .err(
                    insn,
                    ErrorKind::MemoryAccess,
                    format!(
                        "R{r} unbounded memory access, make sure to bounds check any such access"
                    ),
                )
                .hint("check the index against the size before adding it"));
        }
        Ok((p.off + off + p.var.smin, p.off + off + p.var.smax))
    }

    fn mem_bounds(&self, insn: usize, r: u8, p: &Ptr, off: i64, size: u32, mem: u32) -> Check {
        let (lo, hi) = self.var_bounds(insn, r, p, off)?;
        if lo < 0 || hi + size as i64 > mem as i64 {
            let bad = if lo < 0 { lo } else { hi };
            return Err(self.err(
                insn,
                ErrorKind::MemoryAccess,
                format!("invalid access to memory, mem_size={mem} off={bad} size={size}"),
            ));
        }
        Ok(())
    }

    /// Refuses plain access to a map value's lock, timer or work queue.
    fn special_fields(&self, insn: usize, map: u32, lo: i64, hi: i64) -> Check {
        let info = &self.maps[map as usize];
        for (off, len, name) in [
            (info.spin_lock_off, 4, "bpf_spin_lock"),
            (info.timer_off, 16, "bpf_timer"),
            (info.wq_off, 16, "bpf_wq"),
        ] {
            if let Some(o) = off {
                let (o, e) = (o as i64, o as i64 + len);
                if lo < e && o < hi {
                    return Err(self.err(
                        insn,
                        ErrorKind::MemoryAccess,
                        format!("{name} cannot be accessed directly by load/store"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn ctx_access(
        &mut self,
        insn: usize,
        r: u8,
        p: &Ptr,
        total: i64,
        size: u32,
        mode: Mode,
    ) -> Check<Value> {
        if total >= 0 {
            let end = total as u64 + u64::from(size);
            self.facts.max_ctx_access = self.facts.max_ctx_access.max(end);
        }
        if p.off != 0 || !p.has_const_off() {
            let msg = if p.has_const_off() {
                format!(
                    "dereference of modified ctx ptr R{r} off={} disallowed",
                    p.off
                )
            } else {
                format!(
                    "variable ctx access var_off={} disallowed",
                    crate::state::ScalarDisplay(&p.var)
                )
            };
            return Err(self
                .err(insn, ErrorKind::ContextAccess, msg)
                .hint("read context fields through the context pointer itself, with the field offset in the instruction"));
        }
        let bad = || {
            self.err(
                insn,
                ErrorKind::ContextAccess,
                format!("invalid bpf_context access off={total} size={size}"),
            )
        };
        let field = self.ptype.ctx_field(total, size).ok_or_else(|| {
            bad().hint(format!(
                "{} has no field there the program may access with {size} bytes",
                self.ptype.name
            ))
        })?;
        let allowed = if mode.writes() {
            field.write
        } else {
            field.read
        };
        if !allowed {
            return Err(bad().hint(format!(
                "field `{}` is {} for {} programs",
                field.name,
                if mode.writes() {
                    "not writable"
                } else {
                    "not readable"
                },
                self.ptype.name
            )));
        }
        let exact = total == field.off as i64 && size == field.size;
        // Linux refuses context accesses not aligned to their size.
        if total % size as i64 != 0 || (!exact && self.ptype.full_size_fields.contains(&field.name))
        {
            return Err(bad().hint(format!(
                "access `{}` with an aligned load of its full size ({} bytes)",
                field.name, field.size
            )));
        }
        Ok(match field.kind {
            CtxFieldKind::Scalar => Value::Scalar(alu::load(size_of(size), false)),
            _ if !exact => return Err(bad()),
            CtxFieldKind::PacketData => Value::Ptr(Ptr::to(Region::Packet { range: 0 })),
            CtxFieldKind::PacketEnd => Value::Ptr(Ptr::to(Region::PacketEnd)),
            CtxFieldKind::PacketMeta => Value::Ptr(Ptr::to(Region::PacketMeta { range: 0 })),
            CtxFieldKind::Btf {
                type_name,
                nullable,
            } => {
                let mut ptr = Ptr::to(Region::Btf {
                    type_name: type_name.into(),
                });
                ptr.nullable = nullable;
                if nullable {
                    ptr.id = self.new_id();
                }
                Value::Ptr(ptr)
            }
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn btf_access(
        &mut self,
        insn: usize,
        r: u8,
        p: &Ptr,
        type_name: &str,
        total: i64,
        size: u32,
        mode: Mode,
    ) -> Check<Value> {
        let Some(st) = self.host.btf_structs.get(type_name) else {
            return Err(self.err(
                insn,
                ErrorKind::MemoryAccess,
                format!("R{r} is ptr_{type_name} of a type the host does not describe"),
            ));
        };
        if !p.has_const_off() {
            return Err(self.err(
                insn,
                ErrorKind::MemoryAccess,
                format!(
                    "R{r} is ptr_{type_name} invalid variable offset: off={}",
                    p.off
                ),
            ));
        }
        if total < 0 || total + size as i64 > st.size as i64 {
            return Err(self.err(
                insn,
                ErrorKind::MemoryAccess,
                format!("access beyond struct {type_name} at off {total} size {size}"),
            ));
        }
        let field = find_field(&st.fields, total, size);
        match field {
            Some(f) if (mode.writes() && f.write) || (!mode.writes() && f.read) => {
                Ok(match f.kind {
                    CtxFieldKind::Btf {
                        type_name,
                        nullable,
                    } if total == f.off as i64 && size == 8 => {
                        let mut ptr = Ptr::to(Region::Btf {
                            type_name: type_name.into(),
                        });
                        ptr.nullable = nullable;
                        if nullable {
                            ptr.id = self.new_id();
                        }
                        Value::Ptr(ptr)
                    }
                    _ => Value::Scalar(alu::load(size_of(size), false)),
                })
            }
            _ if mode.writes() => Err(self.err(
                insn,
                ErrorKind::MemoryAccess,
                format!("no write support to {type_name} at off {total}"),
            )),
            _ => Ok(Value::Scalar(alu::load(size_of(size), false))),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn stack_access(
        &mut self,
        st: &mut State,
        insn: usize,
        reg: Reg,
        p: &Ptr,
        frame: u8,
        off: i64,
        size: u32,
        mode: Mode,
        stored: Option<&Value>,
    ) -> Check<Value> {
        let r = reg.index();
        let total = p.off + off;
        let what = if mode.writes() { "write" } else { "read" };
        // Stack accesses are always strictly aligned: spill tracking
        // relies on it.
        let misaligned = if p.has_const_off() {
            total.rem_euclid(size as i64) != 0
        } else {
            !p.var.var_off.is_aligned(size as u64) || total.rem_euclid(size as i64) != 0
        };
        if misaligned {
            let var = if p.has_const_off() {
                "0".to_string()
            } else {
                format!("({:#x}; {:#x})", p.var.var_off.value, p.var.var_off.mask)
            };
            return Err(self
                .err(
                    insn,
                    ErrorKind::Alignment,
                    format!(
                        "misaligned stack access off {var}+{}+{off} size {size}",
                        p.off
                    ),
                )
                .hint(format!(
                    "stack accesses of {size} bytes must be at offsets that are multiples of {size}"
                )));
        }
        let fr = frame as usize;
        if mode.writes()
            && let Some(Value::Ptr(v)) = stored
            && let Region::Stack { frame: pointee } = v.region
            && pointee > frame
        {
            return Err(self
                .err(
                    insn,
                    ErrorKind::PointerLeak,
                    "cannot spill pointers to stack into stack frame of the caller",
                )
                .hint(
                    "a callee's stack is gone when it returns: keep pointers to it in the callee",
                ));
        }
        if fr >= st.frames.len() {
            return Err(self.err(
                insn,
                ErrorKind::MemoryAccess,
                format!("R{r} points into the stack of a frame that has returned"),
            ));
        }
        if !p.has_const_off() {
            if p.var.smin == i64::MIN || p.var.smax == i64::MAX || p.var.umax == u64::MAX {
                return Err(self
                    .err(
                        insn,
                        ErrorKind::MemoryAccess,
                        format!("invalid unbounded variable-offset {what} to stack R{r}"),
                    )
                    .hint("bound the offset before adding it to a stack pointer"));
            }
            let (lo, hi) = (total + p.var.smin, total + p.var.smax + size as i64);
            if lo < -(STACK_SIZE as i64) || hi > 0 {
                return Err(self.err(
                    insn,
                    ErrorKind::MemoryAccess,
                    format!(
                        "invalid variable-offset {what} to stack R{r} var_off={} off={off} size={size}",
                        crate::state::ScalarDisplay(&p.var)
                    ),
                ));
            }
            self.note_depth(st, fr, lo);
            let stack = &mut st.frames[fr].stack;
            if mode.writes() {
                if stack.holds_special(lo, hi) && !self.opts.privileged {
                    return Err(self.err(
                        insn,
                        ErrorKind::PointerLeak,
                        "attempt to corrupt spilled pointer on stack",
                    ));
                }
                stack.write_unknown(lo, hi);
                return Ok(Value::unknown());
            }
            if !self.opts.privileged
                && let Some(b) = stack.first_uninit(lo, hi)
            {
                return Err(self.err(
                    insn,
                    ErrorKind::UninitStack,
                    format!("invalid variable-offset read from stack R{r} var_off={} off={b} size={size}", crate::state::ScalarDisplay(&p.var)),
                ));
            }
            return Ok(Value::unknown());
        }
        if total < -(STACK_SIZE as i64) || total + size as i64 > 0 {
            return Err(self
                .err(
                    insn,
                    ErrorKind::MemoryAccess,
                    format!(
                        "invalid {what} {} stack R{r} off={total} size={size}",
                        if mode.writes() { "to" } else { "from" }
                    ),
                )
                .hint("the stack is the 512 bytes below r10: offsets -512 to -1"));
        }
        self.note_depth(st, fr, total);
        // For the path's history: a fill or spill moves precision between
        // this slot and a register.
        self.last_stack = Some((frame, ((-total - 1) / 8) as u8));
        let privileged = self.opts.privileged;
        let stack = &mut st.frames[fr].stack;
        match mode {
            Mode::Write => {
                let spill =
                    stored.filter(|v| Stack::slot_at(total).is_some() && spill_keeps(v, size));
                if let Some(v) = stored
                    && v.is_pointer()
                    && size != 8
                {
                    return Err(self
                        .err(
                            insn,
                            ErrorKind::MemoryAccess,
                            "invalid size of register spill",
                        )
                        .hint("spill pointers with 8-byte stores"));
                }
                if stack.overlaps_iter(total, total + size as i64) {
                    return Err(self.err(insn, ErrorKind::Iterator, format!("invalid write to stack R{r} off={total} size={size}: it holds an iterator")));
                }
                let zero = match stored {
                    Some(Value::Scalar(s)) => {
                        s.const_value() == Some(0)
                            || (size < 8
                                && s.var_off.value & mask(size) == 0
                                && s.var_off.mask & mask(size) == 0)
                    }
                    _ => false,
                };
                // Zero bytes are not tracked back to the register they
                // came from: the register's value decided them.
                self.stored_zero = spill.is_none() && zero;
                stack.write(total, size, spill, zero);
                Ok(Value::unknown())
            }
            Mode::Read | Mode::Atomic => match stack.read(total, size, privileged) {
                Ok(v) => {
                    if mode == Mode::Atomic {
                        if v.is_pointer() {
                            return Err(self.err(
                                insn,
                                ErrorKind::MemoryAccess,
                                format!("R{r} leaks addr into mem"),
                            ));
                        }
                        stack.write(total, size, None, false);
                    }
                    Ok(v)
                }
                Err(ReadError::NarrowFill) => Err(self
                    .err(
                        insn,
                        ErrorKind::MemoryAccess,
                        "invalid size of register fill",
                    )
                    .hint("read a spilled pointer back with an 8-byte load")),
                Err(ReadError::Uninit { off, size }) => Err(self
                    .err(
                        insn,
                        ErrorKind::UninitStack,
                        format!("invalid read from stack R{r} off={off} size={size}"),
                    )
                    .hint("write the stack bytes before reading them")),
                Err(ReadError::Iter) => Err(self.err(
                    insn,
                    ErrorKind::Iterator,
                    format!(
                        "invalid read from stack R{r} off={total} size={size}: it holds an iterator"
                    ),
                )),
            },
        }
    }

    /// Records that frame `fr` uses its stack down to `off`.
    pub(crate) fn note_depth(&mut self, st: &mut State, fr: usize, off: i64) {
        let depth = (-off) as u32;
        let frame = &mut st.frames[fr];
        frame.depth = frame.depth.max(depth.next_multiple_of(8));
        let entry = frame.entry;
        let d = self.stack_depth.entry(entry).or_insert(0);
        *d = (*d).max(depth.next_multiple_of(8));
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn load(
        &mut self,
        st: &mut State,
        insn: usize,
        size: Size,
        sign_extend: bool,
        dst: Reg,
        src: Reg,
        off: i16,
    ) -> Check {
        self.read(st, insn, src)?;
        let bytes = size.bytes() as u32;
        let v = self.access(st, insn, src, off as i64, bytes, Mode::Read, None)?;
        let v = match v {
            Value::Scalar(s) if bytes < 8 => Value::Scalar(if sign_extend {
                s.coerce_to_size_sx(size)
            } else {
                s.coerce_to_size(size)
            }),
            Value::Scalar(s) if sign_extend => Value::Scalar(s),
            v => v,
        };
        self.write(st, insn, dst, v)
    }

    pub(super) fn store(
        &mut self,
        st: &mut State,
        insn: usize,
        size: Size,
        dst: Reg,
        off: i16,
        src: Source,
    ) -> Check {
        self.read(st, insn, dst)?;
        let value = match src {
            Source::Reg(r) => self.read(st, insn, r)?,
            Source::Imm(i) => Value::Scalar(Scalar::from_imm(i)),
        };
        self.stored_zero = false;
        self.access(
            st,
            insn,
            dst,
            off as i64,
            size.bytes() as u32,
            Mode::Write,
            Some(&value),
        )?;
        if self.stored_zero
            && let Source::Reg(r) = src
        {
            self.need_reg(st, r);
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn atomic(
        &mut self,
        st: &mut State,
        insn: usize,
        size: Size,
        op: AtomicOp,
        dst: Reg,
        src: Reg,
        off: i16,
    ) -> Check {
        let bytes = size.bytes() as u32;
        if op == AtomicOp::LoadAcquire {
            return self.load(st, insn, size, false, dst, src, off);
        }
        if op == AtomicOp::StoreRelease {
            return self.store(st, insn, size, dst, off, Source::Reg(src));
        }
        if bytes < 4 {
            return Err(self.err(insn, ErrorKind::MemoryAccess, "invalid atomic operand size"));
        }
        self.read(st, insn, dst)?;
        let value = self.read(st, insn, src)?;
        if op == AtomicOp::Cmpxchg {
            let r0 = self.read(st, insn, Reg::R0)?;
            if r0.is_pointer() && !self.opts.privileged {
                return Err(self.err(insn, ErrorKind::PointerLeak, "R0 leaks addr into mem"));
            }
        }
        if value.is_pointer() && !self.opts.privileged {
            return Err(self.err(
                insn,
                ErrorKind::PointerLeak,
                format!("R{} leaks addr into mem", src.index()),
            ));
        }
        // Atomics are strictly aligned wherever they point.
        if let Value::Ptr(p) = st.reg(dst).clone()
            && !matches!(p.region, Region::Stack { .. })
        {
            let total = p.off + off as i64;
            if total.rem_euclid(bytes as i64) != 0 || !p.var.var_off.is_aligned(bytes as u64) {
                return Err(self.err(
                    insn,
                    ErrorKind::Alignment,
                    format!(
                        "misaligned access off ({:#x}; {:#x})+{}+{off} size {bytes}",
                        p.var.var_off.value, p.var.var_off.mask, p.off
                    ),
                ));
            }
        }
        let old = self.access(st, insn, dst, off as i64, bytes, Mode::Atomic, Some(&value))?;
        let old = match old {
            Value::Scalar(s) if bytes < 8 => Value::Scalar(s.coerce_to_size(size)),
            Value::Scalar(_) => Value::unknown(),
            v => v,
        };
        let loads_into = match op {
            AtomicOp::Cmpxchg => Some(Reg::R0),
            AtomicOp::Xchg => Some(src),
            AtomicOp::Add { fetch }
            | AtomicOp::Or { fetch }
            | AtomicOp::And { fetch }
            | AtomicOp::Xor { fetch } => fetch.then_some(src),
            AtomicOp::LoadAcquire | AtomicOp::StoreRelease => None,
        };
        if let Some(r) = loads_into {
            self.write(st, insn, r, old)?;
        }
        Ok(())
    }

    pub(super) fn load_packet(
        &mut self,
        st: &mut State,
        insn: usize,
        mode: PacketMode,
        size: Size,
    ) -> Check {
        if !self.ptype.ld_abs {
            return Err(self.err(
                insn,
                ErrorKind::Call,
                "BPF_LD_[ABS|IND] instructions not allowed for this program type",
            ));
        }
        let r6 = self.read(st, insn, Reg::R6)?;
        if !matches!(&r6, Value::Ptr(p) if p.region == Region::Ctx) {
            return Err(self
                .err(
                    insn,
                    ErrorKind::MemoryAccess,
                    "at the time of BPF_LD_ABS|IND R6 != pointer to skb",
                )
                .hint("keep the context pointer in r6 for legacy packet loads"));
        }
        if st.lock.is_some() {
            return Err(self.err(
                insn,
                ErrorKind::Lock,
                "BPF_LD_[ABS|IND] cannot be used inside bpf_spin_lock-ed region",
            ));
        }
        if let PacketMode::Ind(r) = mode {
            match self.read(st, insn, r)? {
                Value::Scalar(_) => {}
                v => {
                    return Err(self.err(
                        insn,
                        ErrorKind::MemoryAccess,
                        format!("R{} type={} expected=scalar", r.index(), v.type_name()),
                    ));
                }
            }
        }
        // The load may end the program (a short packet returns 0), and
        // clobbers the caller-saved registers like a call.
        for r in 1..=5 {
            st.cur_mut().regs[r] = Value::Uninit;
        }
        st.set(Reg::R0, Value::Scalar(alu::load(size, false)));
        Ok(())
    }
}

/// A mask of the low `size` bytes.
fn mask(size: u32) -> u64 {
    if size >= 8 {
        u64::MAX
    } else {
        (1u64 << (size * 8)) - 1
    }
}

/// Whether a store of `v` with `size` bytes keeps the register's state on
/// the stack (8-byte spills of anything; narrower ones of numbers).
fn spill_keeps(v: &Value, size: u32) -> bool {
    match v {
        Value::Ptr(_) => size == 8,
        Value::Scalar(s) => size == 8 || !s.is_const() || s.const_value() != Some(0),
        Value::Uninit => false,
    }
}

fn invalid_access_hint(v: &Value) -> String {
    match v {
        Value::Ptr(p) if p.nullable => {
            "the pointer may be NULL: compare it with 0 and access it only on the non-null branch"
                .into()
        }
        Value::Scalar(_) => "the register holds a number, not a pointer to memory".into(),
        _ => "this register does not point to memory the program may access".into(),
    }
}
