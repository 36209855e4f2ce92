//! Loads, stores, atomics and legacy packet loads.
//!
//! Program addresses are host addresses (see `memory.rs`), so an access
//! that is allowed goes straight to the address. In checked mode an access
//! is first tested inline against the two regions the last slow paths
//! found (cached in the context; a run starts with its first two there)
//! and the live stack frames, the stack first for an access through r10,
//! and otherwise resolved by `rt_resolve` against the regions of the run;
//! a refused one calls `rt_fault`, which records the same
//! `MemoryViolation` the interpreter reports. Unchecked mode accesses the
//! address directly, as the verifier's promise allows.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I8, I16, I32, I64};
use cranelift_codegen::ir::{AtomicRmwOp, BlockArg, InstBuilder, MemFlagsData, Type, Value};

use crate::memory::Rmw;
use crate::op::Op;

use super::runtime::{FAULT_ATOMIC, FAULT_WRITE, rt_fault, rt_resolve};
use super::translate::{Translator, ctx_off};

/// Flags of program loads and stores: possibly unaligned; checked mode
/// only reaches them for valid addresses, unchecked mode by contract.
pub(super) fn plain() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

/// Flags of atomics, whose addresses are aligned (checked mode tests it).
fn atomic() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// One inline test of a checked access.
#[derive(Clone, Copy)]
enum Test {
    /// The live stack frames.
    Stack,
    /// A region cache entry (0 the newest).
    Cached(usize),
}

fn ty_of(size: u8) -> Type {
    match size {
        1 => I8,
        2 => I16,
        4 => I32,
        _ => I64,
    }
}

impl Translator<'_> {
    /// Emits op `idx` if it accesses memory; returns whether it did.
    pub(super) fn access(&mut self, idx: usize, op: Op) -> bool {
        match op {
            Op::Ldx8 { dst, src, off } => self.load(idx, dst, src, off, 1, false),
            Op::Ldx16 { dst, src, off } => self.load(idx, dst, src, off, 2, false),
            Op::Ldx32 { dst, src, off } => self.load(idx, dst, src, off, 4, false),
            Op::Ldx64 { dst, src, off } => self.load(idx, dst, src, off, 8, false),
            Op::Ldxs8 { dst, src, off } => self.load(idx, dst, src, off, 1, true),
            Op::Ldxs16 { dst, src, off } => self.load(idx, dst, src, off, 2, true),
            Op::Ldxs32 { dst, src, off } => self.load(idx, dst, src, off, 4, true),
            Op::St8 { dst, off, imm } => self.store_imm(idx, dst, off, imm, 1),
            Op::St16 { dst, off, imm } => self.store_imm(idx, dst, off, imm, 2),
            Op::St32 { dst, off, imm } => self.store_imm(idx, dst, off, imm, 4),
            Op::St64 { dst, off, imm } => self.store_imm(idx, dst, off, imm, 8),
            Op::Stx8 { dst, src, off } => self.store_reg(idx, dst, off, src, 1),
            Op::Stx16 { dst, src, off } => self.store_reg(idx, dst, off, src, 2),
            Op::Stx32 { dst, src, off } => self.store_reg(idx, dst, off, src, 4),
            Op::Stx64 { dst, src, off } => self.store_reg(idx, dst, off, src, 8),
            Op::Atomic32 { op, dst, src, off } => self.rmw(idx, op, dst, src, off, I32),
            Op::Atomic64 { op, dst, src, off } => self.rmw(idx, op, dst, src, off, I64),
            Op::LoadAcquire {
                size,
                dst,
                src,
                off,
            } => {
                let p = self.host_ptr(idx, src, off as i64, size, false, true);
                let ty = ty_of(size);
                let v = self.b.ins().atomic_load(ty, atomic(), p);
                let v = self.extend(v, ty, false);
                self.set(dst, v);
            }
            Op::StoreRelease {
                size,
                dst,
                src,
                off,
            } => {
                let p = self.host_ptr(idx, dst, off as i64, size, true, true);
                let v = self.reg(src);
                let v = self.truncate(v, ty_of(size));
                self.b.ins().atomic_store(atomic(), v, p);
            }
            Op::LdAbs { size, imm } => {
                let off = self.iconst(I64, imm as i64 as u64);
                self.packet_load(off, size);
            }
            Op::LdInd { size, src, imm } => {
                // The offset is computed in 64 bits and passed on as an int.
                let v = self.reg(src);
                let v = self.b.ins().iadd_imm_s(v, imm as i64);
                let v = self.b.ins().ireduce(I32, v);
                let off = self.b.ins().sextend(I64, v);
                self.packet_load(off, size);
            }
            _ => return false,
        }
        true
    }

    fn extend(&mut self, v: Value, ty: Type, signed: bool) -> Value {
        match (ty == I64, signed) {
            (true, _) => v,
            (false, false) => self.b.ins().uextend(I64, v),
            (false, true) => self.b.ins().sextend(I64, v),
        }
    }

    fn truncate(&mut self, v: Value, ty: Type) -> Value {
        if ty == I64 {
            v
        } else {
            self.b.ins().ireduce(ty, v)
        }
    }

    fn load(&mut self, idx: usize, dst: u8, src: u8, off: i16, size: u8, signed: bool) {
        let p = self.host_ptr(idx, src, off as i64, size, false, false);
        // Extending loads: one native instruction, no separate extension.
        let ins = self.b.ins();
        let v = match (size, signed) {
            (1, false) => ins.uload8(I64, plain(), p, 0),
            (2, false) => ins.uload16(I64, plain(), p, 0),
            (4, false) => ins.uload32(plain(), p, 0),
            (1, true) => ins.sload8(I64, plain(), p, 0),
            (2, true) => ins.sload16(I64, plain(), p, 0),
            (4, true) => ins.sload32(plain(), p, 0),
            _ => ins.load(I64, plain(), p, 0),
        };
        self.set(dst, v);
    }

    fn store_imm(&mut self, idx: usize, dst: u8, off: i16, imm: u64, size: u8) {
        let p = self.host_ptr(idx, dst, off as i64, size, true, false);
        let v = self.iconst(ty_of(size), imm);
        self.b.ins().store(plain(), v, p, 0);
    }

    fn store_reg(&mut self, idx: usize, dst: u8, off: i16, src: u8, size: u8) {
        let v = self.reg(src);
        let p = self.host_ptr(idx, dst, off as i64, size, true, false);
        // Truncating stores take the 64-bit register as it is.
        let ins = self.b.ins();
        match size {
            1 => ins.istore8(plain(), v, p, 0),
            2 => ins.istore16(plain(), v, p, 0),
            4 => ins.istore32(plain(), v, p, 0),
            _ => ins.store(plain(), v, p, 0),
        };
    }

    /// Atomic read-modify-write of `ty` (I32 or I64). Cranelift's atomics
    /// are sequentially consistent, at least as strong as Linux asks.
    fn rmw(&mut self, idx: usize, op: Rmw, dst: u8, src: u8, off: i16, ty: Type) {
        let size = ty.bytes() as u8;
        let p = self.host_ptr(idx, dst, off as i64, size, true, true);
        let val = self.reg(src);
        let val = self.truncate(val, ty);
        let kind = match op {
            Rmw::Add | Rmw::FetchAdd => AtomicRmwOp::Add,
            Rmw::Or | Rmw::FetchOr => AtomicRmwOp::Or,
            Rmw::And | Rmw::FetchAnd => AtomicRmwOp::And,
            Rmw::Xor | Rmw::FetchXor => AtomicRmwOp::Xor,
            Rmw::Xchg => AtomicRmwOp::Xchg,
            Rmw::Cmpxchg => {
                let expected = self.reg(0);
                let expected = self.truncate(expected, ty);
                let old = self.b.ins().atomic_cas(atomic(), p, expected, val);
                let old = self.extend(old, ty, false);
                self.set(0, old);
                return;
            }
        };
        let old = self.b.ins().atomic_rmw(ty, atomic(), kind, p, val);
        if !matches!(op, Rmw::Add | Rmw::Or | Rmw::And | Rmw::Xor) {
            let old = self.extend(old, ty, false);
            self.set(src, old);
        }
    }

    /// The host address of an access of `size` bytes at `reg + off`, after
    /// checked mode's tests (which branch to the fault block on refusal).
    fn host_ptr(
        &mut self,
        idx: usize,
        reg: u8,
        off: i64,
        size: u8,
        write: bool,
        is_atomic: bool,
    ) -> Value {
        let base = self.reg(reg);
        let addr = self.b.ins().iadd_imm_s(base, off);
        if !self.checked {
            return addr;
        }
        let mut flags = size as u64;
        if write {
            flags |= FAULT_WRITE;
        }
        if is_atomic {
            flags |= FAULT_ATOMIC;
        }
        // Each access has its own fault block: one block shared by every
        // access makes compile time grow faster than the program.
        let fault = self.b.create_block();
        self.b.set_cold_block(fault);
        if is_atomic && size > 1 {
            let low = self.b.ins().band_imm_s(addr, size as i64 - 1);
            let aligned = self.b.create_block();
            self.b.ins().brif(low, fault, &[], aligned, &[]);
            self.b.switch_to_block(aligned);
        }
        let done = self.b.create_block();
        let p = self.b.append_block_param(done, I64);
        let slow = self.b.create_block();
        self.b.set_cold_block(slow);
        // The tests in the order the access most likely passes them: an
        // access through r10 is to the stack; any other (the context, the
        // packet, a map value) to a cached region, newest first. Each
        // test that fails goes on to the next.
        let tests = if reg == 10 {
            [Test::Stack, Test::Cached(0), Test::Cached(1)]
        } else {
            [Test::Cached(0), Test::Cached(1), Test::Stack]
        };
        for (k, test) in tests.into_iter().enumerate() {
            let pass = match test {
                Test::Stack => self.in_live_stack(addr, size),
                Test::Cached(entry) => self.in_cached_region(addr, size, write, entry),
            };
            let next = if k + 1 == tests.len() {
                slow
            } else {
                self.b.create_block()
            };
            self.b
                .ins()
                .brif(pass, done, &[BlockArg::Value(addr)], next, &[]);
            if next != slow {
                self.b.switch_to_block(next);
            }
        }

        self.b.switch_to_block(slow);
        let size_v = self.iconst(I64, size as u64);
        let write_v = self.iconst(I64, write as u64);
        let depth = self.b.use_var(self.depth);
        let args = [self.ctx, addr, size_v, write_v, depth];
        let resolve = rt_resolve as *const () as usize;
        let host = self
            .call_rt(self.sigs.resolve, resolve, &args)
            .expect("rt_resolve returns");
        self.b
            .ins()
            .brif(host, done, &[BlockArg::Value(host)], fault, &[]);

        self.b.switch_to_block(fault);
        let at = self.iconst(I64, idx as u64);
        let flags = self.iconst(I64, flags);
        let depth = self.b.use_var(self.depth);
        let args = [self.ctx, at, addr, flags, depth];
        self.call_rt(self.sigs.fault, rt_fault as *const () as usize, &args);
        self.b.ins().jump(self.fail, &[]);

        self.b.switch_to_block(done);
        p
    }

    /// Whether `size` bytes at `addr` lie in the live frames:
    /// addr - live_lo <= live_len - size (live_len is at least a frame).
    fn in_live_stack(&mut self, addr: Value, size: u8) -> Value {
        let lo = self.b.use_var(self.live_lo);
        let len = self.b.use_var(self.live_len);
        let rel = self.b.ins().isub(addr, lo);
        let limit = self.b.ins().iadd_imm_s(len, -(size as i64));
        self.b
            .ins()
            .icmp(IntCC::UnsignedLessThanOrEqual, rel, limit)
    }

    /// Whether `size` bytes at `addr` lie in cache entry `entry` (0 the
    /// newest) for reading, or writing if `write`: addr - start < len and
    /// addr - start + size <= len (a region may be shorter than `size`,
    /// and a read-only one has no bytes to write).
    fn in_cached_region(&mut self, addr: Value, size: u8, write: bool, entry: usize) -> Value {
        let (start, len_w, len_r) = if entry == 0 {
            (
                ctx_off!(cache_start),
                ctx_off!(cache_len_w),
                ctx_off!(cache_len_r),
            )
        } else {
            (
                ctx_off!(cache2_start),
                ctx_off!(cache2_len_w),
                ctx_off!(cache2_len_r),
            )
        };
        let start = self.load_ctx(start);
        let len = self.load_ctx(if write { len_w } else { len_r });
        let rel = self.b.ins().isub(addr, start);
        let starts_inside = self.b.ins().icmp(IntCC::UnsignedLessThan, rel, len);
        let end = self.b.ins().iadd_imm_s(rel, size as i64);
        let ends_inside = self.b.ins().icmp(IntCC::UnsignedLessThanOrEqual, end, len);
        self.b.ins().band(starts_inside, ends_inside)
    }

    /// LD_ABS / LD_IND: `size` bytes at packet offset `off`, big-endian,
    /// into r0; out of bounds (or without a packet) the program ends with
    /// r0 = 0. Checked in both modes, as Linux checks it.
    fn packet_load(&mut self, off: Value, size: u8) {
        let ptr = self.load_ctx(ctx_off!(packet_ptr));
        let len = self.load_ctx(ctx_off!(packet_len));
        // off <= len - size, with len >= size (all unsigned: a negative
        // offset is huge).
        let long_enough =
            self.b
                .ins()
                .icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, len, size as i64);
        let limit = self.b.ins().iadd_imm_s(len, -(size as i64));
        let fits = self
            .b
            .ins()
            .icmp(IntCC::UnsignedLessThanOrEqual, off, limit);
        let ok = self.b.ins().band(long_enough, fits);
        let inside = self.b.create_block();
        let zero = self.iconst(I64, 0);
        self.b
            .ins()
            .brif(ok, inside, &[], self.exit_ok, &[BlockArg::Value(zero)]);
        self.b.switch_to_block(inside);
        let p = self.b.ins().iadd(ptr, off);
        let ty = ty_of(size);
        let v = self.b.ins().load(ty, plain(), p, 0);
        let v = if size > 1 { self.b.ins().bswap(v) } else { v };
        let v = self.extend(v, ty, false);
        self.set(0, v);
    }
}
