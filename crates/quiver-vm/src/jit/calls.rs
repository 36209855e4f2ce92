//! Calls and exits.
//!
//! A bpf-to-bpf call stays inside the native function, as in the
//! interpreter: the caller's r6-r9, r10 and the number of its return site
//! are saved in a frame stack (a stack slot of `MAX_CALL_FRAMES` entries
//! indexed by depth), r10 moves to the next 512-byte frame, and `exit`
//! from a deeper frame restores them and returns through a jump table over
//! the return sites. Helpers and kfuncs go through `rt_call`, with the
//! budget and `may_goto` counters handed over in the context so that
//! callbacks count against the same ones.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, JumpTableData, TrapCode, Value};

use crate::memory::MAX_CALL_FRAMES;
use crate::op::Op;

use crate::interp::MAX_TAIL_CALL_CNT;
use crate::tail::{EMPTY_CELL, NativeTarget, TailMisses};

use super::runtime::{
    CALL_HELPER, CALL_KFUNC, CALL_X, ERR_CALL_DEPTH, ERR_UNKNOWN_HELPER, ERR_UNKNOWN_KFUNC,
    STATUS_DEFER, STATUS_OK, STATUS_STOP, STATUS_TAIL, rt_call, rt_run_pending, rt_zero,
};
use super::translate::{FRAME_BYTES, Translator, ctx_off, trusted};

/// What a program a tail call jumps into finds at `args`: it reads r1
/// alone at its start, and its other entries (callbacks) read r2..r5 there
/// only when the host's wrapper enters them with real ones.
static NO_ARGS: [u64; 5] = [0; 5];

impl Translator<'_> {
    /// Emits a call, an exit or a refused call; returns whether it ended
    /// the block.
    pub(super) fn call(&mut self, idx: usize, op: Op) -> bool {
        match op {
            Op::CallLocal { target } => return self.call_local(idx, target as usize),
            Op::Exit => {
                self.exit_frame();
                return true;
            }
            Op::CallHelper { .. } if !self.checked && self.vm.array_sites.contains_key(&idx) => {
                self.array_lookup(idx);
            }
            Op::CallHelper { .. } if !self.checked && self.vm.native_sites.contains_key(&idx) => {
                self.native_call(idx);
            }
            Op::CallHelper { slot } => match self.vm.tail_sites.get(&idx) {
                // A constant index past the end: the helper answers
                // (-E2BIG).
                Some(site) if site.index.is_none_or(|i| (i as usize) < site.table.len()) => {
                    let cells = (site.table.addr(), site.table.len(), site.index);
                    self.native_tail_call(idx, cells, site.table.misses(), slot as u64);
                }
                _ => {
                    let slot = self.iconst(I64, slot as u64);
                    self.host_call(idx, CALL_HELPER, slot);
                }
            },
            Op::CallKfunc { slot } => {
                let slot = self.iconst(I64, slot as u64);
                self.host_call(idx, CALL_KFUNC, slot);
            }
            // bpf_conformance semantics: the register holds a helper id.
            Op::Callx { reg } => {
                let id = self.reg(reg);
                self.host_call(idx, CALL_X, id);
            }
            Op::UnknownHelper { id } => {
                self.jump_error(ERR_UNKNOWN_HELPER, idx, id as u64);
                return true;
            }
            Op::UnknownKfunc { btf_id } => {
                self.jump_error(ERR_UNKNOWN_KFUNC, idx, btf_id as u64);
                return true;
            }
            _ => unreachable!("every op is translated: {op:?}"),
        }
        false
    }

    /// A bound array lookup, inline (`Config::bind_array_lookup`): the
    /// value's address when the key r2 points at is in range, else 0.
    /// r1-r5 are left as they are: no path reads them after a call.
    fn array_lookup(&mut self, idx: usize) {
        let (base, stride, entries) = {
            let a = &self.vm.array_sites[&idx];
            (a.base, a.stride, a.entries)
        };
        let key_ptr = self.reg(2);
        // The verifier proved the 4 key bytes readable (the binding's
        // contract).
        let key = self.b.ins().uload32(trusted(), key_ptr, 0);
        let in_range = self
            .b
            .ins()
            .icmp_imm_s(IntCC::UnsignedLessThan, key, i64::from(entries));
        let offset = self.b.ins().imul_imm_s(key, i64::from(stride));
        let base = self.iconst(I64, base);
        let value = self.b.ins().iadd(base, offset);
        let null = self.iconst(I64, 0);
        let r0 = self.b.ins().select(in_range, value, null);
        self.set(0, r0);
    }

    /// A bound site's host function, called directly
    /// (`Config::bind_native_call`).
    fn native_call(&mut self, idx: usize) {
        let (func, data) = {
            let n = &self.vm.native_sites[&idx];
            (n.func as usize, n.data)
        };
        let mut args = vec![self.iconst(I64, data)];
        for r in 1..=5 {
            args.push(self.reg(r));
        }
        let r0 = self
            .call_rt(self.sigs.native, func, &args)
            .expect("a native call returns r0");
        self.set(0, r0);
    }

    /// Leaves the current frame with r0: the native function returns from
    /// its base frame, a deeper one returns to its caller.
    fn exit_frame(&mut self) {
        let r0 = self.reg(0);
        match self.pop {
            None => {
                self.b.ins().jump(self.exit_ok, &[BlockArg::Value(r0)]);
            }
            Some(pop) => {
                let depth = self.b.use_var(self.depth);
                let last = self.b.ins().icmp(IntCC::Equal, depth, self.base);
                self.b
                    .ins()
                    .brif(last, self.exit_ok, &[BlockArg::Value(r0)], pop, &[]);
            }
        }
    }

    fn error_args(&mut self, kind: u64, idx: usize, value: u64) -> [BlockArg; 3] {
        [kind, idx as u64, value].map(|v| BlockArg::Value(self.iconst(I64, v)))
    }

    fn jump_error(&mut self, kind: u64, idx: usize, value: u64) {
        let args = self.error_args(kind, idx, value);
        self.b.ins().jump(self.error, &args);
    }

    /// Address of the saved frame of depth `depth`.
    fn frame_slot(&mut self, depth: Value) -> Value {
        let base = self.b.ins().stack_addr(I64, self.frames, 0);
        let off = self.b.ins().imul_imm_s(depth, FRAME_BYTES);
        self.b.ins().iadd(base, off)
    }

    fn call_local(&mut self, idx: usize, target: usize) -> bool {
        let depth = self.b.use_var(self.depth);
        let too_deep = self.b.ins().icmp_imm_s(
            IntCC::UnsignedGreaterThanOrEqual,
            depth,
            MAX_CALL_FRAMES as i64 - 1,
        );
        let cont = self.b.create_block();
        let args = self.error_args(ERR_CALL_DEPTH, idx, 0);
        self.b.ins().brif(too_deep, self.error, &args, cont, &[]);
        self.b.switch_to_block(cont);

        let site = self.call_sites.len() as u64;
        self.call_sites.push(idx);
        let slot = self.frame_slot(depth);
        for (i, r) in (6..=10u8).enumerate() {
            let v = self.reg(r);
            self.b.ins().store(trusted(), v, slot, 8 * i as i32);
        }
        let site = self.iconst(I64, site);
        self.b.ins().store(trusted(), site, slot, 40);

        let depth = self.b.ins().iadd_imm_s(depth, 1);
        let zeroed = self.load_ctx(ctx_off!(zeroed));
        let fresh = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, depth, zeroed);
        let zero = self.b.create_block();
        self.b.set_cold_block(zero);
        let enter = self.b.create_block();
        self.b.ins().brif(fresh, zero, &[], enter, &[]);
        self.b.switch_to_block(zero);
        let zero_fn = rt_zero as *const () as usize;
        self.call_rt(self.sigs.zero, zero_fn, &[self.ctx, depth]);
        self.b.ins().jump(enter, &[]);

        self.b.switch_to_block(enter);
        self.set_depth(depth);
        let fp = self.frame_pointer(depth);
        self.set(10, fp);
        let block = self.blocks[target].expect("targets start blocks");
        self.b.ins().jump(block, &[]);
        true
    }

    /// Fills the block that `exit` from a callee jumps to: restore the
    /// caller and return to its call site.
    pub(super) fn return_dispatch(&mut self, pop: Block) {
        self.b.switch_to_block(pop);
        let depth = self.b.use_var(self.depth);
        let depth = self.b.ins().iadd_imm_s(depth, -1);
        let slot = self.frame_slot(depth);
        for (i, r) in (6..=10u8).enumerate() {
            let v = self.b.ins().load(I64, trusted(), slot, 8 * i as i32);
            self.set(r, v);
        }
        let site = self.b.ins().load(I64, trusted(), slot, 40);
        let site = self.b.ins().ireduce(I32, site);
        self.set_depth(depth);
        let sites: Vec<_> = self
            .call_sites
            .clone()
            .into_iter()
            .map(|call| {
                let block = self.blocks[call + 1].expect("return sites start blocks");
                self.b.func.dfg.block_call(block, &[])
            })
            .collect();
        let bad = self.b.create_block();
        let default = self.b.func.dfg.block_call(bad, &[]);
        let table = self
            .b
            .create_jump_table(JumpTableData::new(default, &sites));
        self.b.ins().br_table(site, table);
        // Only sites saved by calls are ever loaded.
        self.b.switch_to_block(bad);
        self.b.ins().trap(TrapCode::unwrap_user(2));
    }

    /// A tail call bound to a slot: enters the program published in the
    /// slot's cell with a native call in place of this frame, when it can
    /// decide everything itself; answers a call that finds no program with
    /// `misses`, when the table gives them; otherwise (a cell that defers
    /// to the helper, a program the host must see, a context it cannot
    /// measure, a program reaching more stack than the run zeroed) calls
    /// the site's helper.
    fn native_tail_call(
        &mut self,
        idx: usize,
        (cells, len, index): (u64, usize, Option<u32>),
        misses: Option<TailMisses>,
        slot: u64,
    ) {
        use std::mem::offset_of;
        let field = |f: usize| f as i32;
        let slow = self.b.create_block();
        let done = self.b.create_block();
        // Blocks where the program goes on with a constant r0, as after
        // the helper (a call that finds no program, or one past the
        // limit), filled in at the end.
        let mut constant_r0 = Vec::new();
        let mut goes_on_with = |b: &mut cranelift_frontend::FunctionBuilder<'_>, r0: u64| {
            let block = b.create_block();
            constant_r0.push((block, r0));
            block
        };
        let (empty, out_of_range) = match misses {
            Some(m) => {
                let blocks = (
                    goes_on_with(&mut self.b, m.empty),
                    goes_on_with(&mut self.b, m.out_of_range),
                );
                self.b.set_cold_block(blocks.0);
                self.b.set_cold_block(blocks.1);
                blocks
            }
            None => (slow, slow),
        };

        let cell = match index {
            Some(i) => self.iconst(I64, cells + 8 * u64::from(i)),
            None => {
                // The index is r3's low 32 bits, as for the helper.
                let r3 = self.reg(3);
                let i = self.b.ins().band_imm_u(r3, 0xffff_ffff);
                let out = self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, i, len as i64);
                let inside = self.b.create_block();
                self.b.ins().brif(out, out_of_range, &[], inside, &[]);
                self.b.switch_to_block(inside);
                let off = self.b.ins().ishl_imm_u(i, 3);
                let base = self.iconst(I64, cells);
                self.b.ins().iadd(base, off)
            }
        };
        let t = self.b.ins().atomic_load(I64, trusted(), cell);
        // One comparison on the way in: null (the helper) and the empty
        // marker are the two smallest values a cell holds.
        let no_program =
            self.b
                .ins()
                .icmp_imm_s(IntCC::UnsignedLessThanOrEqual, t, EMPTY_CELL as i64);
        let next = self.b.create_block();
        let missing = self.b.create_block();
        self.b.set_cold_block(missing);
        self.b.ins().brif(no_program, missing, &[], next, &[]);
        self.b.switch_to_block(missing);
        let deferred = self.b.ins().icmp_imm_s(IntCC::Equal, t, 0);
        self.b.ins().brif(deferred, slow, &[], empty, &[]);
        self.b.switch_to_block(next);
        let min_ctx =
            self.b
                .ins()
                .load(I64, trusted(), t, field(offset_of!(NativeTarget, min_ctx)));
        let reach = self.b.ins().load(
            I64,
            trusted(),
            t,
            field(offset_of!(NativeTarget, tail_reach)),
        );
        let r1 = self.reg(1);
        let ctx_start = self.load_ctx(ctx_off!(ctx_start));
        let ctx_len = self.load_ctx(ctx_off!(ctx_len));
        let run_reach = self.load_ctx(ctx_off!(reach));
        // The context must be the run's and hold what the program reads,
        // as the helper's check finds it: another context has no bytes
        // the check can count, and a program that reads none takes it.
        let own_ctx = self.b.ins().icmp(IntCC::Equal, r1, ctx_start);
        let zero = self.iconst(I64, 0);
        let known = self.b.ins().select(own_ctx, ctx_len, zero);
        let bad_ctx = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThan, min_ctx, known);
        // A program the host must see reaches "everything" here.
        let deeper = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThan, reach, run_reach);
        let refer = self.b.ins().bor(bad_ctx, deeper);
        let counted = self.b.create_block();
        self.b.ins().brif(refer, slow, &[], counted, &[]);

        // Past the limit the program goes on with r0 = 0, as from the
        // helper.
        self.b.switch_to_block(counted);
        let n = self.load_ctx(ctx_off!(tail_calls));
        let spent = self.b.ins().icmp_imm_s(
            IntCC::UnsignedGreaterThanOrEqual,
            n,
            MAX_TAIL_CALL_CNT as i64,
        );
        let past = goes_on_with(&mut self.b, 0);
        let go = self.b.create_block();
        self.b.ins().brif(spent, past, &[], go, &[]);

        self.b.switch_to_block(go);
        let n = self.b.ins().iadd_imm_s(n, 1);
        self.store_ctx(n, ctx_off!(tail_calls));
        self.counters_to_ctx();
        let vm = self
            .b
            .ins()
            .load(I64, trusted(), t, field(offset_of!(NativeTarget, vm)));
        let code = self
            .b
            .ins()
            .load(I64, trusted(), t, field(offset_of!(NativeTarget, code)));
        let index = self
            .b
            .ins()
            .load(I64, trusted(), t, field(offset_of!(NativeTarget, index)));
        let depth = self.b.use_var(self.depth);
        if self.tail {
            // From the frame this function was entered in, into a program
            // with a `tail` function: a jump that replaces this function,
            // whose caller gets the callee's status (and the context its
            // r0), as from this frame. Nothing after it needs this
            // function's frame: r1..r5 go in registers.
            let body = self
                .b
                .ins()
                .load(I64, trusted(), t, field(offset_of!(NativeTarget, body)));
            let entered_here = self.b.ins().icmp(IntCC::Equal, depth, self.base);
            let jumpable = self.b.ins().icmp_imm_s(IntCC::NotEqual, body, 0);
            let jump = self.b.ins().band(entered_here, jumpable);
            let jumps = self.b.create_block();
            let calls = self.b.create_block();
            self.b.ins().brif(jump, jumps, &[], calls, &[]);
            self.b.switch_to_block(jumps);
            self.name_program(vm, code, depth);
            // Only into a program that reads r1 alone at its start
            // (`NativeTarget::body`); one with callbacks reads zeros.
            let no_args = self.iconst(I64, NO_ARGS.as_ptr().addr() as u64);
            let params = [self.ctx, index, depth, self.reg(1), no_args];
            self.b
                .ins()
                .return_call_indirect(self.sigs.body, body, &params);
            self.b.switch_to_block(calls);
        }
        let args = self.b.ins().stack_addr(I64, self.tail_args, 0);
        for r in 1..=5u8 {
            let v = self.reg(r);
            self.b.ins().store(trusted(), v, args, 8 * (r as i32 - 1));
        }
        // Put back when the callee returns.
        let old_vm = self.load_ctx(ctx_off!(vm));
        let old_code = self.load_ctx(ctx_off!(code));
        let old_base = self.load_ctx(ctx_off!(base));
        let entry = self
            .b
            .ins()
            .load(I64, trusted(), t, field(offset_of!(NativeTarget, entry)));
        self.name_program(vm, code, depth);
        let call =
            self.b
                .ins()
                .call_indirect(self.sigs.entry, entry, &[self.ctx, index, depth, args]);
        let status = self.b.inst_results(call)[0];
        self.name_program(old_vm, old_code, old_base);
        self.counters_from_ctx();

        let ok = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, status, STATUS_OK as i64);
        let finished = self.b.create_block();
        let not_ok = self.b.create_block();
        self.b.set_cold_block(not_ok);
        self.b.ins().brif(ok, finished, &[], not_ok, &[]);
        // The program left a tail call of its own pending: the runtime
        // makes it, and the chain it starts, in this frame.
        self.b.switch_to_block(not_ok);
        let defer = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, status, STATUS_DEFER as i64);
        let pending = self.b.create_block();
        self.b.set_cold_block(pending);
        self.b.ins().brif(defer, pending, &[], self.fail, &[]);
        self.b.switch_to_block(pending);
        let run = rt_run_pending as *const () as usize;
        let status = self
            .call_rt(self.sigs.pending, run, &[self.ctx, depth])
            .expect("rt_run_pending returns");
        let ok = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, status, STATUS_OK as i64);
        self.b.ins().brif(ok, finished, &[], self.fail, &[]);
        // The program replaced this frame: leave it with its r0.
        self.b.switch_to_block(finished);
        let r0 = self.load_ctx(ctx_off!(ret));
        self.set(0, r0);
        self.exit_frame();

        self.b.switch_to_block(slow);
        let slot = self.iconst(I64, slot);
        self.host_call(idx, CALL_HELPER, slot);
        self.b.ins().jump(done, &[]);
        for (block, r0) in constant_r0 {
            self.b.switch_to_block(block);
            let r0 = self.iconst(I64, r0);
            self.set(0, r0);
            self.b.ins().jump(done, &[]);
        }
        self.b.switch_to_block(done);
    }

    /// Points the run context at the program that runs (`vm`, `code`), for
    /// the runtime functions it calls, and at its entry frame `base`.
    fn name_program(&mut self, vm: Value, code: Value, base: Value) {
        self.store_ctx(vm, ctx_off!(vm));
        self.store_ctx(code, ctx_off!(code));
        self.store_ctx(base, ctx_off!(base));
    }

    /// A helper or kfunc call through the trampoline.
    fn host_call(&mut self, idx: usize, kind: u64, value: Value) {
        self.counters_to_ctx();

        let kind = self.iconst(I64, kind);
        let at = self.iconst(I64, idx as u64);
        let depth = self.b.use_var(self.depth);
        let mut args = vec![self.ctx, kind, value, at, depth];
        for r in 1..=5 {
            args.push(self.reg(r));
        }
        let call = rt_call as *const () as usize;
        let status = self
            .call_rt(self.sigs.call, call, &args)
            .expect("rt_call returns");

        self.counters_from_ctx();
        let r0 = self.load_ctx(ctx_off!(ret));

        let ok = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, status, STATUS_OK as i64);
        let cont = self.b.create_block();
        let other = self.b.create_block();
        self.b.set_cold_block(other);
        self.b.ins().brif(ok, cont, &[], other, &[]);
        self.b.switch_to_block(other);
        let stop = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, status, STATUS_STOP as i64);
        let not_stop = self.b.create_block();
        self.b.set_cold_block(not_stop);
        self.b
            .ins()
            .brif(stop, self.exit_ok, &[BlockArg::Value(r0)], not_stop, &[]);
        self.b.switch_to_block(not_stop);
        let tail = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, status, STATUS_TAIL as i64);
        let tail_called = self.b.create_block();
        self.b.set_cold_block(tail_called);
        let not_tail = self.b.create_block();
        self.b.set_cold_block(not_tail);
        self.b.ins().brif(tail, tail_called, &[], not_tail, &[]);
        // A tail call from the frame native code was entered in: leave,
        // and let the caller of native code run the program (the counters
        // are in the context since the call).
        self.b.switch_to_block(not_tail);
        let defer = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, status, STATUS_DEFER as i64);
        let leave = self.b.create_block();
        self.b.set_cold_block(leave);
        self.b.ins().brif(defer, leave, &[], self.fail, &[]);
        self.b.switch_to_block(leave);
        self.b.ins().return_(&[status]);
        // The tail-called program ran in this frame: leave it with its r0.
        self.b.switch_to_block(tail_called);
        self.set(0, r0);
        self.exit_frame();
        self.b.switch_to_block(cont);
        self.set(0, r0);
    }
}
