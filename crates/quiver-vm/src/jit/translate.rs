//! Ops to Cranelift IR: the function's skeleton (entry dispatch, shared
//! exit and error blocks, one block per branch target), ALU and jumps.
//! Memory accesses are in `access.rs`, calls and exits in `calls.rs`.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I8, I16, I32, I64};
use cranelift_codegen::ir::{
    self, Block, BlockArg, InstBuilder, JumpTableData, MemFlagsData, SigRef, StackSlot,
    StackSlotData, StackSlotKind, Type, Value,
};
use cranelift_codegen::isa::{CallConv, TargetIsa};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use quiver_isa::{Insn, Pseudo};

use crate::interp::FUNC_BASE;
use crate::memory::MAX_CALL_FRAMES;
use crate::op::Op;
use crate::vm::Vm;

use super::runtime::{self, ERR_BUDGET};

/// Bytes of one saved frame in the frame stack: r6-r9, r10, return site.
pub(super) const FRAME_BYTES: i64 = 48;

/// Flags of accesses to the context and the frame stack.
pub(super) fn trusted() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// Flags of loads of what no code writes while a function runs (the
/// context's stack top, the host's argument array): Cranelift may drop
/// them where unused, or move them.
fn unchanging() -> MemFlagsData {
    MemFlagsData::trusted().with_readonly().with_can_move()
}

/// Offset of a context field, for native loads and stores.
macro_rules! ctx_off {
    ($field:ident) => {
        std::mem::offset_of!($crate::jit::runtime::JitCtx<'static>, $field) as i32
    };
}
pub(super) use ctx_off;

/// Signatures of the runtime functions native code calls.
pub(super) struct Sigs {
    /// `(ctx, a, b, c, d) -> u64`: rt_resolve.
    pub resolve: SigRef,
    /// `(ctx, a, b, c, d)`: rt_fault.
    pub fault: SigRef,
    /// `(ctx, a, b, c)`: rt_error.
    pub error: SigRef,
    /// `(ctx, a)`: rt_zero.
    pub zero: SigRef,
    /// `(ctx, 9 x u64) -> u64`: rt_call.
    pub call: SigRef,
    /// `(ctx, entry, base, args) -> u64`: a program's native function.
    pub entry: SigRef,
    /// `(ctx, a) -> u64`: rt_run_pending.
    pub pending: SigRef,
    /// `(data, r1..r5) -> u64`: a bound site's host function.
    pub native: SigRef,
    /// `(ctx, entry, base, r1, args) -> u64`, `tail`: the function a tail
    /// call jumps to (`super::tail_signature`).
    pub body: SigRef,
}

pub(super) struct Translator<'a> {
    pub b: FunctionBuilder<'a>,
    pub vm: &'a Vm,
    pub checked: bool,
    pub budgeted: bool,
    pub regs: [Variable; 11],
    pub depth: Variable,
    /// Lowest address of the live frames and their total size.
    pub live_lo: Variable,
    pub live_len: Variable,
    pub budget: Variable,
    pub loops: Variable,
    /// The program has `may_goto`: only then does native code hold the
    /// count (else the context's stays right, and no register holds it
    /// for the whole run).
    pub counts_loops: bool,
    pub ctx: Value,
    pub stack_top: Value,
    pub base: Value,
    pub frames: StackSlot,
    /// r1..r5 handed to a program entered by a native tail call.
    pub tail_args: StackSlot,
    /// Block of each op that starts one.
    pub blocks: Vec<Option<Block>>,
    /// Return sites of bpf-to-bpf calls: op index of each call, in order.
    pub call_sites: Vec<usize>,
    /// Stack slots kept in variables (`promote.rs`), by offset from r10.
    pub slots: std::collections::BTreeMap<i16, Variable>,
    /// Where `exit` from a callee goes (if the program calls any).
    pub pop: Option<Block>,
    /// `exit_ok(r0)`: normal end of the frame.
    pub exit_ok: Block,
    /// `fail()`: the runtime recorded an error.
    pub fail: Block,
    /// `error(kind, idx, value)`.
    pub error: Block,
    pub sigs: Sigs,
    /// This function is a `tail` one: a tail call from its entry frame
    /// may replace it.
    pub tail: bool,
    /// Ops that divide on the FPU (`float_divide.rs`), by op index.
    pub float_divides: Vec<bool>,
    /// Ops whose result is kept out of loops (`invariant.rs`).
    pub kept_out: Vec<bool>,
    /// Loops entered through their exit-free iterations, unrolled
    /// (`unroll.rs`), by header op; each taken when its entry is emitted.
    pub unrolled: std::collections::BTreeMap<usize, super::unroll::Plan>,
}

/// Op indices where native code may start a frame.
fn entries(vm: &Vm) -> Vec<usize> {
    let mut entries = vec![0];
    for (idx, op) in vm.ops.iter().enumerate() {
        match (*op, &vm.insns[idx]) {
            (Op::CallLocal { target }, _) => entries.push(target as usize),
            (
                Op::Mov64I { imm, .. },
                Insn::LoadImm64 {
                    pseudo: Pseudo::Func,
                    ..
                },
            ) => entries.push((imm - FUNC_BASE) as usize),
            _ => {}
        }
    }
    entries.sort_unstable();
    entries.dedup();
    entries
}

/// Ops that start a block: entries, branch targets, and whatever follows
/// a branch, a call or an exit.
fn leaders(vm: &Vm, entries: &[usize]) -> Vec<bool> {
    let n = vm.ops.len();
    let mut lead = vec![false; n];
    for &e in entries {
        lead[e] = true;
    }
    for (idx, op) in vm.ops.iter().enumerate() {
        let target = branch_target(op);
        if let Some(t) = target {
            lead[t] = true;
        }
        if (target.is_some() || matches!(op, Op::Exit)) && idx + 1 < n {
            lead[idx + 1] = true;
        }
    }
    lead
}

pub(super) fn branch_target(op: &Op) -> Option<usize> {
    if let Some((_, _, _, _, t)) = jump_of(op) {
        return Some(t as usize);
    }
    match *op {
        Op::Ja { target } | Op::MayGoto { target } | Op::CallLocal { target } => {
            Some(target as usize)
        }
        _ => None,
    }
}

/// The ops control may go to after op `idx` within its function: none
/// after `exit`, the target of `ja`, the next op and any branch target
/// otherwise (a call's next op, where the callee returns).
pub(super) fn successors(op: &Op, idx: usize) -> impl Iterator<Item = usize> {
    let (next, branch) = match *op {
        Op::Exit => (None, None),
        Op::Ja { target } => (None, Some(target as usize)),
        Op::CallLocal { .. } => (Some(idx + 1), None),
        _ => (Some(idx + 1), branch_target(op)),
    };
    next.into_iter().chain(branch)
}

/// The operand of an ALU op or a jump.
#[derive(Clone, Copy)]
pub(super) enum Src {
    Reg(u8),
    Imm(u64),
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Alu {
    Add,
    Sub,
    Mul,
    Div,
    Sdiv,
    Mod,
    Smod,
    Or,
    And,
    Xor,
    Lsh,
    Rsh,
    Arsh,
    Mov,
}

/// A jump's condition: a comparison, or `jset` (`None`).
pub(super) type Cond = Option<IntCC>;

/// `(operation, 64-bit, dst, src)` of an ALU op.
pub(super) fn alu_of(op: &Op) -> Option<(Alu, bool, u8, Src)> {
    macro_rules! table {
        ($($r64:ident $i64:ident $r32:ident $i32:ident => $a:ident),* $(,)?) => {
            match *op {
                $(
                    Op::$r64 { dst, src } => (Alu::$a, true, dst, Src::Reg(src)),
                    Op::$i64 { dst, imm } => (Alu::$a, true, dst, Src::Imm(imm)),
                    Op::$r32 { dst, src } => (Alu::$a, false, dst, Src::Reg(src)),
                    Op::$i32 { dst, imm } => (Alu::$a, false, dst, Src::Imm(imm)),
                )*
                _ => return None,
            }
        };
    }
    Some(table! {
        Add64R Add64I Add32R Add32I => Add,
        Sub64R Sub64I Sub32R Sub32I => Sub,
        Mul64R Mul64I Mul32R Mul32I => Mul,
        Div64R Div64I Div32R Div32I => Div,
        Sdiv64R Sdiv64I Sdiv32R Sdiv32I => Sdiv,
        Mod64R Mod64I Mod32R Mod32I => Mod,
        Smod64R Smod64I Smod32R Smod32I => Smod,
        Or64R Or64I Or32R Or32I => Or,
        And64R And64I And32R And32I => And,
        Xor64R Xor64I Xor32R Xor32I => Xor,
        Lsh64R Lsh64I Lsh32R Lsh32I => Lsh,
        Rsh64R Rsh64I Rsh32R Rsh32I => Rsh,
        Arsh64R Arsh64I Arsh32R Arsh32I => Arsh,
        Mov64R Mov64I Mov32R Mov32I => Mov,
    })
}

/// The register a one-operand register op writes (a negation, a sign or
/// zero extension, a byte swap).
pub(super) fn unary_of(op: &Op) -> Option<u8> {
    match *op {
        Op::Neg64 { dst }
        | Op::Neg32 { dst }
        | Op::Sx8To64 { dst, .. }
        | Op::Sx16To64 { dst, .. }
        | Op::Sx32To64 { dst, .. }
        | Op::Sx8To32 { dst, .. }
        | Op::Sx16To32 { dst, .. }
        | Op::Zext16 { dst }
        | Op::Zext32 { dst }
        | Op::Swap16 { dst }
        | Op::Swap32 { dst }
        | Op::Swap64 { dst } => Some(dst),
        _ => None,
    }
}

/// `(condition, 64-bit, dst, src, target)` of a conditional jump.
pub(super) fn jump_of(op: &Op) -> Option<(Cond, bool, u8, Src, u32)> {
    use IntCC::*;
    macro_rules! table {
        ($($r64:ident $i64:ident $r32:ident $i32:ident => $c:expr),* $(,)?) => {
            match *op {
                $(
                    Op::$r64 { dst, src, target } => ($c, true, dst, Src::Reg(src), target),
                    Op::$i64 { dst, imm, target } => ($c, true, dst, Src::Imm(imm), target),
                    Op::$r32 { dst, src, target } => ($c, false, dst, Src::Reg(src), target),
                    Op::$i32 { dst, imm, target } => ($c, false, dst, Src::Imm(imm), target),
                )*
                _ => return None,
            }
        };
    }
    Some(table! {
        Jeq64R Jeq64I Jeq32R Jeq32I => Some(Equal),
        Jne64R Jne64I Jne32R Jne32I => Some(NotEqual),
        Jgt64R Jgt64I Jgt32R Jgt32I => Some(UnsignedGreaterThan),
        Jge64R Jge64I Jge32R Jge32I => Some(UnsignedGreaterThanOrEqual),
        Jlt64R Jlt64I Jlt32R Jlt32I => Some(UnsignedLessThan),
        Jle64R Jle64I Jle32R Jle32I => Some(UnsignedLessThanOrEqual),
        Jset64R Jset64I Jset32R Jset32I => None,
        Jsgt64R Jsgt64I Jsgt32R Jsgt32I => Some(SignedGreaterThan),
        Jsge64R Jsge64I Jsge32R Jsge32I => Some(SignedGreaterThanOrEqual),
        Jslt64R Jslt64I Jslt32R Jslt32I => Some(SignedLessThan),
        Jsle64R Jsle64I Jsle32R Jsle32I => Some(SignedLessThanOrEqual),
    })
}

/// Builds the native function of `vm` into `func`; returns its entries
/// and how many loops it enters unrolled (`unroll.rs`).
pub(super) fn translate(
    vm: &Vm,
    func: &mut ir::Function,
    isa: &dyn TargetIsa,
) -> (Vec<usize>, usize) {
    let call_conv = isa.default_call_conv();
    let tail = func.signature.call_conv == CallConv::Tail;
    let entries = entries(vm);
    let lead = leaders(vm, &entries);
    let mut fctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(func, &mut fctx);

    let sigs = Sigs {
        resolve: b.import_signature(super::signature(call_conv, 5, true)),
        fault: b.import_signature(super::signature(call_conv, 5, false)),
        error: b.import_signature(super::signature(call_conv, 4, false)),
        zero: b.import_signature(super::signature(call_conv, 2, false)),
        call: b.import_signature(super::signature(call_conv, 10, true)),
        entry: b.import_signature(super::signature(call_conv, 4, true)),
        pending: b.import_signature(super::signature(call_conv, 2, true)),
        native: b.import_signature(super::signature(call_conv, 6, true)),
        body: b.import_signature(super::tail_signature()),
    };
    let regs = std::array::from_fn(|_| b.declare_var(I64));
    let slots = super::promote::declare(&mut b, &super::promote::promotable_slots(vm, &entries));
    let [depth, live_lo, live_len, budget, loops] = std::array::from_fn(|_| b.declare_var(I64));
    let frames = b.create_sized_stack_slot(StackSlotData::new(
        StackSlotKind::ExplicitSlot,
        (FRAME_BYTES as u32) * MAX_CALL_FRAMES as u32,
        3,
    ));
    let tail_args = b.create_sized_stack_slot(StackSlotData::new(
        StackSlotKind::ExplicitSlot,
        if vm.tail_sites.is_empty() { 0 } else { 40 },
        3,
    ));

    let landing = super::select::landings(&vm.ops, &entries);
    let float_divides = if isa.name() == "x64" {
        super::float_divide::chosen(&vm.ops, &vm.insns, &landing)
    } else {
        Vec::new()
    };
    let start_block = b.create_block();
    b.append_block_params_for_function_params(start_block);
    let blocks = lead.iter().map(|&l| l.then(|| b.create_block())).collect();
    let exit_ok = b.create_block();
    b.append_block_param(exit_ok, I64);
    let has_calls = vm.ops.iter().any(|op| matches!(op, Op::CallLocal { .. }));
    let pop = has_calls.then(|| b.create_block());
    let fail = b.create_block();
    let error = b.create_block();
    for _ in 0..3 {
        b.append_block_param(error, I64);
    }
    for cold in [fail, error] {
        b.set_cold_block(cold);
    }

    b.switch_to_block(start_block);
    let params = b.block_params(start_block).to_vec();
    let [ctx, start, base] = [params[0], params[1], params[2]];
    let stack_top = b.ins().load(I64, unchanging(), ctx, ctx_off!(stack_top));
    let mut t = Translator {
        b,
        vm,
        checked: vm.is_checked(),
        budgeted: vm.budget.is_some(),
        regs,
        depth,
        live_lo,
        live_len,
        budget,
        loops,
        counts_loops: vm.ops.iter().any(|op| matches!(op, Op::MayGoto { .. })),
        ctx,
        stack_top,
        base,
        frames,
        tail_args,
        blocks,
        call_sites: Vec::new(),
        slots,
        pop,
        exit_ok,
        fail,
        error,
        sigs,
        tail,
        float_divides,
        kept_out: super::invariant::kept_out(&vm.ops, &vm.insns),
        unrolled: if vm.budget.is_some() {
            Default::default()
        } else {
            super::unroll::plans(&vm.ops, &vm.insns, &entries)
        },
    };
    t.prologue(&params[3..], &entries, start);
    let planned = t.unrolled.len();
    t.body(&landing);
    let unrolled = planned - t.unrolled.len();
    if let Some(pop) = pop {
        t.return_dispatch(pop);
    }
    t.shared_blocks();
    t.b.seal_all_blocks();
    t.b.finalize(isa.frontend_config());
    (entries, unrolled)
}

impl Translator<'_> {
    pub fn reg(&mut self, r: u8) -> Value {
        self.b.use_var(self.regs[r as usize])
    }

    pub fn set(&mut self, r: u8, v: Value) {
        self.b.def_var(self.regs[r as usize], v);
    }

    pub fn iconst(&mut self, ty: Type, v: u64) -> Value {
        let mask = if ty.bits() == 64 {
            u64::MAX
        } else {
            (1u64 << ty.bits()) - 1
        };
        self.b.ins().iconst(ty, (v & mask) as i64)
    }

    fn src(&mut self, s: Src) -> Value {
        match s {
            Src::Reg(r) => self.reg(r),
            Src::Imm(i) => self.iconst(I64, i),
        }
    }

    pub fn load_ctx(&mut self, off: i32) -> Value {
        self.b.ins().load(I64, trusted(), self.ctx, off)
    }

    pub fn store_ctx(&mut self, v: Value, off: i32) {
        self.b.ins().store(trusted(), v, self.ctx, off);
    }

    /// Hands the budget and `may_goto` counters to the context, for the
    /// code about to run (a helper, another program) or the caller.
    pub fn counters_to_ctx(&mut self) {
        if self.budgeted {
            let budget = self.b.use_var(self.budget);
            self.store_ctx(budget, ctx_off!(budget));
        }
        if self.counts_loops {
            let loops = self.b.use_var(self.loops);
            self.store_ctx(loops, ctx_off!(loops));
        }
    }

    /// Takes the counters back from the context once that code returned.
    pub fn counters_from_ctx(&mut self) {
        if self.budgeted {
            let budget = self.load_ctx(ctx_off!(budget));
            self.b.def_var(self.budget, budget);
        }
        if self.counts_loops {
            let loops = self.load_ctx(ctx_off!(loops));
            self.b.def_var(self.loops, loops);
        }
    }

    /// Calls a runtime function by address.
    pub fn call_rt(&mut self, sig: SigRef, f: usize, args: &[Value]) -> Option<Value> {
        let callee = self.iconst(I64, f as u64);
        let call = self.b.ins().call_indirect(sig, callee, args);
        self.b.inst_results(call).first().copied()
    }

    /// Sets the variables that follow the current depth.
    pub fn set_depth(&mut self, depth: Value) {
        self.b.def_var(self.depth, depth);
        let frames = self.b.ins().iadd_imm_s(depth, 1);
        let len = self.b.ins().imul_imm_s(frames, crate::MAX_BPF_STACK as i64);
        let lo = self.b.ins().isub(self.stack_top, len);
        self.b.def_var(self.live_lo, lo);
        self.b.def_var(self.live_len, len);
    }

    /// The frame pointer of frame `depth`.
    pub fn frame_pointer(&mut self, depth: Value) -> Value {
        let below = self.b.ins().imul_imm_s(depth, crate::MAX_BPF_STACK as i64);
        self.b.ins().isub(self.stack_top, below)
    }

    /// `args`: where to read r1..r5 (the host's convention), or r1 and
    /// where to read r2..r5 (a `tail` function). A tail call jumps in with
    /// r1 alone, and only into a program that reads nothing else at its
    /// first op, which then reads nothing there: its other entries
    /// (callbacks) have the host's wrapper behind them.
    fn prologue(&mut self, args: &[Value], entries: &[usize], start: Value) {
        let (r1, at) = match *args {
            [at] => (None, at),
            [r1, at] => (Some(r1), at),
            _ => unreachable!("a signature of `body_signature`"),
        };
        let only_r1 = self.vm.starts_with_r1_only && entries.len() == 1;
        for r in 0..11u8 {
            let v = match (r, r1) {
                (1, Some(r1)) => r1,
                (2..=5, Some(_)) if only_r1 => self.iconst(I64, 0),
                (1..=5, _) => self.b.ins().load(I64, unchanging(), at, 8 * (r as i32 - 1)),
                (10, _) => self.frame_pointer(self.base),
                _ => self.iconst(I64, 0),
            };
            self.set(r, v);
        }
        self.set_depth(self.base);
        self.zero_slots();
        if self.budgeted {
            let budget = self.load_ctx(ctx_off!(budget));
            self.b.def_var(self.budget, budget);
        }
        if self.counts_loops {
            let loops = self.load_ctx(ctx_off!(loops));
            self.b.def_var(self.loops, loops);
        }
        let first = self.blocks[0].expect("op 0 starts a block");
        if entries.len() == 1 {
            self.b.ins().jump(first, &[]);
            return;
        }
        let targets: Vec<_> = entries
            .iter()
            .map(|&e| {
                let block = self.blocks[e].expect("entries start blocks");
                self.b.func.dfg.block_call(block, &[])
            })
            .collect();
        let default = self.b.func.dfg.block_call(first, &[]);
        let table = self
            .b
            .create_jump_table(JumpTableData::new(default, &targets));
        let start = self.b.ins().ireduce(I32, start);
        self.b.ins().br_table(start, table);
    }

    /// The ops, in blocks; `landing` is `select::landings` of them.
    fn body(&mut self, landing: &[bool]) {
        let ops = &self.vm.ops;
        // Budgeted runs count every op they run, skipped ones included.
        let landing = (!self.budgeted).then_some(landing);
        // Whether the current block has ended with a terminator.
        let mut ended = true;
        let mut idx = 0;
        while idx < ops.len() {
            let op = ops[idx];
            if let Some(block) = self.blocks[idx] {
                if !ended {
                    match self.unrolled.remove(&idx) {
                        Some(plan) => self.enter_unrolled(&plan),
                        None => {
                            self.b.ins().jump(block, &[]);
                        }
                    }
                }
                self.b.switch_to_block(block);
                ended = false;
            }
            if ended {
                // Unreachable code that starts no block (after a jump).
                idx += 1;
                continue;
            }
            if self.budgeted {
                self.count(idx);
            }
            let converted = landing.and_then(|l| super::select::convertible(ops, l, idx));
            if let Some((target, written)) = converted {
                self.emit_converted(idx, target, written);
                idx = target;
                continue;
            }
            if let Some(pair) = self.byte_pair(idx) {
                self.emit_byte_pair(pair);
                idx += super::combine::WINDOW;
                continue;
            }
            if let Some(run) = self.byte_stores(idx) {
                self.emit_byte_stores(run);
                idx += run.ops();
                continue;
            }
            ended = self.op(idx, op);
            idx += 1;
        }
        debug_assert!(ended, "the last op ends the flow");
        if !ended {
            self.b.ins().trap(ir::TrapCode::unwrap_user(1));
        }
    }

    /// The byte pair the ops at `idx` read, if they may run as one load:
    /// unchecked and unbudgeted (a budget counts each op), and with no op
    /// but the first starting a block.
    fn byte_pair(&self, idx: usize) -> Option<super::combine::BytePair> {
        if self.checked || self.budgeted {
            return None;
        }
        let rest = self.blocks.get(idx + 1..idx + super::combine::WINDOW)?;
        if rest.iter().any(Option::is_some) {
            return None;
        }
        super::combine::byte_pair(&self.vm.ops[idx..])
    }

    /// The run of byte stores the ops at `idx` make, if it may be one
    /// store: as for a byte pair, unchecked, unbudgeted, and with no op
    /// but the first starting a block.
    fn byte_stores(&self, idx: usize) -> Option<super::combine::ByteStores> {
        if self.checked || self.budgeted {
            return None;
        }
        let mut run = super::combine::byte_stores(&self.vm.ops[idx..])?;
        // Shorten the run to a width whose ops no jump lands inside.
        while self.blocks[idx + 1..idx + run.ops()]
            .iter()
            .any(Option::is_some)
        {
            run = match run.bytes {
                8 => super::combine::ByteStores { bytes: 4, ..run },
                4 => super::combine::ByteStores { bytes: 2, ..run },
                _ => return None,
            };
        }
        Some(run)
    }

    /// Budget: fails before op `idx` when nothing is left.
    fn count(&mut self, idx: usize) {
        let left = self.b.use_var(self.budget);
        let cont = self.b.create_block();
        let kind = self.iconst(I64, ERR_BUDGET);
        let at = self.iconst(I64, idx as u64);
        let zero = self.iconst(I64, 0);
        self.b.ins().brif(
            left,
            cont,
            &[],
            self.error,
            &[
                BlockArg::Value(kind),
                BlockArg::Value(at),
                BlockArg::Value(zero),
            ],
        );
        self.b.switch_to_block(cont);
        let left = self.b.ins().iadd_imm_s(left, -1);
        self.b.def_var(self.budget, left);
    }

    /// Emits op `idx`; returns whether it ended the block.
    pub(super) fn op(&mut self, idx: usize, op: Op) -> bool {
        if let Some((alu, w64, dst, src)) = alu_of(&op) {
            let b = self.src(src);
            let a = self.reg(dst);
            let float = self.float_divides.get(idx).copied().unwrap_or(false);
            let v = if w64 {
                self.alu(alu, a, b, I64, false)
            } else {
                let (a, b) = (self.b.ins().ireduce(I32, a), self.b.ins().ireduce(I32, b));
                let v = self.alu(alu, a, b, I32, float);
                self.b.ins().uextend(I64, v)
            };
            let v = if self.kept_out.get(idx).copied().unwrap_or(false) {
                self.keep_out(v)
            } else {
                v
            };
            self.set(dst, v);
            return false;
        }
        if let Some(taken) = self.jump_condition(op) {
            let Some((_, _, _, _, target)) = jump_of(&op) else {
                unreachable!("a condition comes from a conditional jump");
            };
            let then = self.blocks[target as usize].expect("targets start blocks");
            let next = self.blocks[idx + 1].expect("ops after branches start blocks");
            self.b.ins().brif(taken, then, &[], next, &[]);
            return true;
        }
        match op {
            Op::Neg64 { dst } => {
                let v = self.reg(dst);
                let v = self.b.ins().ineg(v);
                self.set(dst, v);
            }
            Op::Neg32 { dst } => self.unary32(dst, dst, |b, v| b.ins().ineg(v)),
            Op::Sx8To64 { dst, src } => self.sext(dst, src, I8, I64),
            Op::Sx16To64 { dst, src } => self.sext(dst, src, I16, I64),
            Op::Sx32To64 { dst, src } => self.sext(dst, src, I32, I64),
            Op::Sx8To32 { dst, src } => self.sext(dst, src, I8, I32),
            Op::Sx16To32 { dst, src } => self.sext(dst, src, I16, I32),
            Op::Zext16 { dst } => self.narrow(dst, I16, false),
            Op::Zext32 { dst } => self.narrow(dst, I32, false),
            Op::Swap16 { dst } => self.narrow(dst, I16, true),
            Op::Swap32 { dst } => self.narrow(dst, I32, true),
            Op::Swap64 { dst } => {
                let v = self.reg(dst);
                let v = self.b.ins().bswap(v);
                self.set(dst, v);
            }
            Op::Nop => {}
            Op::Ja { target } => {
                let block = self.blocks[target as usize].expect("targets start blocks");
                self.b.ins().jump(block, &[]);
                return true;
            }
            // Linux: the first BPF_MAX_LOOPS executions fall through, every
            // later one jumps.
            Op::MayGoto { target } => {
                let left = self.b.use_var(self.loops);
                let fall = self.b.create_block();
                let jump = self.blocks[target as usize].expect("targets start blocks");
                self.b.ins().brif(left, fall, &[], jump, &[]);
                self.b.switch_to_block(fall);
                let left = self.b.ins().iadd_imm_s(left, -1);
                self.b.def_var(self.loops, left);
                let next = self.blocks[idx + 1].expect("ops after branches start blocks");
                self.b.ins().jump(next, &[]);
                return true;
            }
            _ => return self.access_or_call(idx, op),
        }
        false
    }

    /// Whether a conditional jump's jump is taken (non-zero), if `op` is
    /// one.
    pub(super) fn jump_condition(&mut self, op: Op) -> Option<Value> {
        let (cond, w64, dst, src, _) = jump_of(&op)?;
        let b = self.src(src);
        let a = self.reg(dst);
        let (a, b) = if w64 {
            (a, b)
        } else {
            (self.b.ins().ireduce(I32, a), self.b.ins().ireduce(I32, b))
        };
        Some(match cond {
            Some(cc) => self.b.ins().icmp(cc, a, b),
            None => self.b.ins().band(a, b),
        })
    }

    fn access_or_call(&mut self, idx: usize, op: Op) -> bool {
        if self.slot_access(op) || self.access(idx, op) {
            return false;
        }
        self.call(idx, op)
    }

    fn unary32(&mut self, dst: u8, src: u8, f: impl FnOnce(&mut FunctionBuilder, Value) -> Value) {
        let v = self.reg(src);
        let v = self.b.ins().ireduce(I32, v);
        let v = f(&mut self.b, v);
        let v = self.b.ins().uextend(I64, v);
        self.set(dst, v);
    }

    /// movsx: sign-extends the low `from` bits of `src` to `to`, then
    /// zero-extends to 64 bits.
    fn sext(&mut self, dst: u8, src: u8, from: Type, to: Type) {
        let v = self.reg(src);
        let v = self.b.ins().ireduce(from, v);
        let v = self.b.ins().sextend(to, v);
        let v = if to == I64 {
            v
        } else {
            self.b.ins().uextend(I64, v)
        };
        self.set(dst, v);
    }

    /// Truncates `dst` to `ty`, byte-swapped if `swap`, zero-extended.
    fn narrow(&mut self, dst: u8, ty: Type, swap: bool) {
        let v = self.reg(dst);
        let v = self.b.ins().ireduce(ty, v);
        let v = if swap { self.b.ins().bswap(v) } else { v };
        let v = self.b.ins().uextend(I64, v);
        self.set(dst, v);
    }

    /// An ALU operation on two values of type `ty`, with the ISA's
    /// semantics (`semantics.rs`).
    fn alu(&mut self, op: Alu, a: Value, b: Value, ty: Type, float: bool) -> Value {
        match op {
            Alu::Add => self.b.ins().iadd(a, b),
            Alu::Sub => self.b.ins().isub(a, b),
            Alu::Mul => self.b.ins().imul(a, b),
            Alu::Or => self.b.ins().bor(a, b),
            Alu::And => self.b.ins().band(a, b),
            Alu::Xor => self.b.ins().bxor(a, b),
            // Cranelift masks shift counts to the width, as the ISA does.
            Alu::Lsh => self.b.ins().ishl(a, b),
            Alu::Rsh => self.b.ins().ushr(a, b),
            Alu::Arsh => self.b.ins().sshr(a, b),
            Alu::Mov => b,
            Alu::Div | Alu::Mod | Alu::Sdiv | Alu::Smod => self.divide(op, a, b, ty, float),
        }
    }

    /// Division and remainder without traps: by zero, a quotient is 0 and
    /// a remainder the dividend; signed by -1, a quotient is the wrapping
    /// negation and a remainder 0 (so INT_MIN / -1 = INT_MIN).
    /// `float`: an unsigned one through doubles (`float_divide.rs`).
    fn divide(&mut self, op: Alu, a: Value, b: Value, ty: Type, float: bool) -> Value {
        let signed = matches!(op, Alu::Sdiv | Alu::Smod);
        let rem = matches!(op, Alu::Mod | Alu::Smod);
        let zero = self.iconst(ty, 0);
        let one = self.iconst(ty, 1);
        let is_zero = self.b.ins().icmp(IntCC::Equal, b, zero);
        let by_zero = if rem { a } else { zero };
        if !signed {
            let safe = self.b.ins().select(is_zero, one, b);
            let q = if float {
                self.float_divide(rem, a, safe)
            } else if rem {
                self.b.ins().urem(a, safe)
            } else {
                self.b.ins().udiv(a, safe)
            };
            return self.b.ins().select(is_zero, by_zero, q);
        }
        let minus_one = self.iconst(ty, u64::MAX);
        let is_m1 = self.b.ins().icmp(IntCC::Equal, b, minus_one);
        let bad = self.b.ins().bor(is_zero, is_m1);
        let safe = self.b.ins().select(bad, one, b);
        let (q, by_m1) = if rem {
            (self.b.ins().srem(a, safe), zero)
        } else {
            (self.b.ins().sdiv(a, safe), self.b.ins().ineg(a))
        };
        let q = self.b.ins().select(is_m1, by_m1, q);
        self.b.ins().select(is_zero, by_zero, q)
    }

    /// The blocks every op shares: normal exit, failure, errors.
    fn shared_blocks(&mut self) {
        // exit_ok(r0): hand the counters and r0 back.
        self.b.switch_to_block(self.exit_ok);
        let r0 = self.b.block_params(self.exit_ok)[0];
        self.counters_to_ctx();
        self.store_ctx(r0, ctx_off!(ret));
        let ok = self.iconst(I64, runtime::STATUS_OK);
        self.b.ins().return_(&[ok]);

        self.b.switch_to_block(self.fail);
        let status = self.iconst(I64, runtime::STATUS_ERROR);
        self.b.ins().return_(&[status]);

        self.b.switch_to_block(self.error);
        let params = self.b.block_params(self.error).to_vec();
        let args = [self.ctx, params[0], params[1], params[2]];
        self.call_rt(
            self.sigs.error,
            runtime::rt_error as *const () as usize,
            &args,
        );
        self.b.ins().jump(self.fail, &[]);
    }
}
