//! A dispatcher as native code: a search over the routes' keys compiled to
//! compares against constants, then per callback and position a direct
//! call of the program's native entry at an address built into the code
//! (Linux's `bpf_dispatcher` does the same for XDP programs), with no
//! table or pointer read on the way.
//!
//! The function is `(ctx, key, callback, position, &[r1..r5]) -> status`.
//! Before the call it points the run context at the program and starts
//! its instruction budget; a key, callback or position with no native
//! program, or a context shorter than the program reads, returns
//! `STATUS_MISS` without running anything.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{Block, InstBuilder, JumpTableData, SigRef, Value};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::Module;

use crate::error::LoadError;
use crate::tail::NativeTarget;

use super::runtime::{JitCtx, STATUS_MISS};
use super::translate::{ctx_off, trusted};
use super::{host_isa, jit_error, new_function, signature};

/// The generated function.
pub(crate) type DispatchFn =
    unsafe extern "C" fn(*mut JitCtx<'_>, u64, u64, u64, *const u64) -> u64;

/// Keys at most this many are told apart by equality tests in a row
/// rather than by halving further.
const LINEAR: usize = 4;

/// A dispatcher's native code.
pub(crate) struct DispatchCode {
    pub(crate) entry: DispatchFn,
    /// Owns the executable memory; only touched again to free it.
    _memory: super::CodeMemory,
}

/// One key's programs: `targets[callback][position]`.
pub(crate) type Routes<'t> = [(u64, Vec<Vec<Option<&'t NativeTarget>>>)];

/// Compiles a dispatcher over `routes`, sorted by key with no key twice.
pub(crate) fn compile(routes: &Routes<'_>) -> Result<DispatchCode, LoadError> {
    debug_assert!(routes.windows(2).all(|w| w[0].0 < w[1].0));
    let isa = host_isa()?;
    let (mut module, id, mut ctx) = new_function(
        &isa,
        "quiver_dispatcher",
        signature(isa.default_call_conv(), 5, true),
    )?;
    let entry_sig = signature(isa.default_call_conv(), 4, true);

    let mut fctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
    let entry_sig = b.import_signature(entry_sig);
    let start = b.create_block();
    b.append_block_params_for_function_params(start);
    b.switch_to_block(start);
    let &[jctx, key, callback, position, args] = b.block_params(start) else {
        unreachable!("the signature has five parameters");
    };
    let miss = b.create_block();
    b.set_cold_block(miss);
    let route_blocks: Vec<Block> = routes.iter().map(|_| b.create_block()).collect();
    let keys: Vec<u64> = routes.iter().map(|r| r.0).collect();
    search(&mut b, key, &keys, &route_blocks, miss);

    for ((_, callbacks), &block) in routes.iter().zip(&route_blocks) {
        b.switch_to_block(block);
        let per_callback: Vec<Block> = callbacks
            .iter()
            .map(|targets| {
                let calls: Vec<Block> = targets
                    .iter()
                    .map(|t| match t {
                        Some(t) => call_block(&mut b, t, entry_sig, [jctx, args], miss),
                        None => miss,
                    })
                    .collect();
                let pick = b.create_block();
                b.switch_to_block(pick);
                table_jump(&mut b, position, &calls, miss);
                pick
            })
            .collect();
        b.switch_to_block(block);
        table_jump(&mut b, callback, &per_callback, miss);
    }

    b.switch_to_block(miss);
    let status = b.ins().iconst(I64, STATUS_MISS as i64);
    b.ins().return_(&[status]);
    b.seal_all_blocks();
    b.finalize(isa.frontend_config());

    module
        .define_function(id, &mut ctx)
        .map_err(|e| jit_error(format!("{e:?}")))?;
    module.finalize_definitions().map_err(jit_error)?;
    let ptr = module.get_finalized_function(id);
    // SAFETY: `ptr` is the finalized (read-execute) code of the function
    // just defined with five I64 parameters and an I64 result in the
    // host's default calling convention, which is `extern "C"`'s.
    let entry = unsafe { std::mem::transmute::<*const u8, DispatchFn>(ptr) };
    Ok(DispatchCode {
        entry,
        _memory: super::CodeMemory::new(module),
    })
}

/// Ends the current block with a jump to `blocks[index]`, or to `miss`
/// past the end.
fn table_jump(b: &mut FunctionBuilder<'_>, index: Value, blocks: &[Block], miss: Block) {
    let out = b.ins().icmp_imm_u(
        IntCC::UnsignedGreaterThanOrEqual,
        index,
        blocks.len() as i64,
    );
    let inside = b.create_block();
    b.ins().brif(out, miss, &[], inside, &[]);
    b.switch_to_block(inside);
    let index = b.ins().ireduce(I32, index);
    let calls: Vec<_> = blocks
        .iter()
        .map(|&k| b.func.dfg.block_call(k, &[]))
        .collect();
    let default = b.func.dfg.block_call(miss, &[]);
    let table = b.create_jump_table(JumpTableData::new(default, &calls));
    b.ins().br_table(index, table);
}

/// Jumps to `blocks[i]` where `keys[i] == key`, else to `miss`: halves the
/// sorted keys with one compare each, then tests the last few in a row.
fn search(b: &mut FunctionBuilder<'_>, key: Value, keys: &[u64], blocks: &[Block], miss: Block) {
    if keys.len() <= LINEAR {
        for (&k, &block) in keys.iter().zip(blocks) {
            let next = b.create_block();
            let hit = b.ins().icmp_imm_u(IntCC::Equal, key, k as i64);
            b.ins().brif(hit, block, &[], next, &[]);
            b.switch_to_block(next);
        }
        b.ins().jump(miss, &[]);
        return;
    }
    let mid = keys.len() / 2;
    let (low, high) = (b.create_block(), b.create_block());
    let below = b
        .ins()
        .icmp_imm_u(IntCC::UnsignedLessThan, key, keys[mid] as i64);
    b.ins().brif(below, low, &[], high, &[]);
    b.switch_to_block(low);
    search(b, key, &keys[..mid], &blocks[..mid], miss);
    b.switch_to_block(high);
    search(b, key, &keys[mid..], &blocks[mid..], miss);
}

/// A block that calls `t` natively and returns its status: points the
/// run context at it, starts its budget, and refers a context shorter
/// than it reads to `miss`.
fn call_block(
    b: &mut FunctionBuilder<'_>,
    t: &NativeTarget,
    entry_sig: SigRef,
    [jctx, args]: [Value; 2],
    miss: Block,
) -> Block {
    let block = b.create_block();
    b.switch_to_block(block);
    if t.min_ctx > 0 {
        let len = b.ins().load(I64, trusted(), jctx, ctx_off!(ctx_len));
        let short = b
            .ins()
            .icmp_imm_u(IntCC::UnsignedLessThan, len, t.min_ctx as i64);
        let go = b.create_block();
        b.ins().brif(short, miss, &[], go, &[]);
        b.switch_to_block(go);
    }
    for (value, off) in [
        (t.vm, ctx_off!(vm)),
        (t.code, ctx_off!(code)),
        (t.budget, ctx_off!(budget)),
    ] {
        let v = b.ins().iconst(I64, value as i64);
        b.ins().store(trusted(), v, jctx, off);
    }
    let entry = b.ins().iconst(I64, t.entry as i64);
    let index = b.ins().iconst(I64, t.index as i64);
    let base = b.ins().iconst(I64, 0);
    let call = b
        .ins()
        .call_indirect(entry_sig, entry, &[jctx, index, base, args]);
    let status = b.inst_results(call)[0];
    b.ins().return_(&[status]);
    block
}
