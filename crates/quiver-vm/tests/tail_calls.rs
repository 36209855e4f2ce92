//! Tail calls and calls into other programs: the callee replaces the
//! calling frame (its r0 is what that frame returns), a run makes at most
//! 33 tail calls and then falls through, a tail call from a subprogram
//! returns to that subprogram's caller, and a called program returns to
//! its caller with the frame limit enforced.

use std::sync::Arc;

use quiver_isa::Program;
use quiver_isa::asm::{Syntax, assemble};
use quiver_rcu::{RcuCell, global};
use quiver_vm::{Config, Engine, Helper, HelperError, Helpers, MAX_TAIL_CALL_CNT, Vm};

type Slots = &'static [RcuCell<'static, Vm>];

fn slots(n: usize) -> Slots {
    Box::leak((0..n).map(|_| RcuCell::new(global(), None)).collect())
}

/// Helper 12 tail-calls slot r3 (falls through on an empty slot with
/// -ENOENT); helper 200 calls slot r2 as a function and returns its r0.
fn helpers(slots: Slots) -> Helpers {
    Helpers::new()
        .with(12, "tail_call", move |ctx, a| {
            match slots.get(a[2] as usize).and_then(|c| c.load_borrowed()) {
                Some(p) => {
                    ctx.tail_call(p);
                    Ok(0)
                }
                None => Ok(-2i64 as u64),
            }
        })
        .with(200, "call_slot", move |ctx, a| {
            let Some(p) = slots.get(a[1] as usize).and_then(|c| c.load_borrowed()) else {
                return Ok(-2i64 as u64);
            };
            match ctx.call_program(&p, [a[0], 0, 0, 0, 0]) {
                Ok(r0) => Ok(r0),
                Err(HelperError::FrameLimit) => Ok(-40i64 as u64),
                Err(e) => Err(e),
            }
        })
}

fn vm(text: &str, config: Config) -> Arc<Vm> {
    let program = Program::from_insns(assemble(text, Syntax::Llvm).unwrap()).unwrap();
    Arc::new(Vm::new(&program, config).unwrap())
}

/// An unchecked `Vm`, which zeroes only the stack its program reaches.
fn unchecked_vm(text: &str, config: Config) -> Arc<Vm> {
    let program = Program::from_insns(assemble(text, Syntax::Llvm).unwrap()).unwrap();
    // SAFETY: the tests' unchecked programs access their own stack frame
    // only, at offsets inside it.
    Arc::new(unsafe { Vm::new_unchecked(&program, config) }.unwrap())
}

/// Counts its runs in the u64 at ctx+0, tail-calls slot 0, returns 7 if
/// the tail call fell through.
const COUNTER: &str = "
    r2 = *(u64 *)(r1 + 0)
    r2 += 1
    *(u64 *)(r1 + 0) = r2
    r3 = 0
    call 12
    r0 = 7
    exit
";

/// Adds 2 to what its subprogram returns; the subprogram (its `call 12`
/// at slot 5) tail-calls slot 0, or returns 1000 if that falls through.
const FROM_SUBPROGRAM: &str = "
    r6 = 2
    call sub
    r0 += r6
    exit
sub:
    r3 = 0
    call 12
    r0 = 1000
    exit
";

/// The same tests for each engine: `cfg()` is the engine's config.
macro_rules! engine_tests {
    ($engine:expr) => {
        use super::*;

        fn cfg() -> Config {
            Config::new().engine($engine)
        }

        #[test]
        fn a_chain_stops_after_33_tail_calls_and_falls_through() {
            let s = slots(1);
            let p = vm(COUNTER, cfg().helpers(helpers(s)));
            s[0].replace(Some(p.clone()));
            let mut ctx = [0u8; 8];
            assert_eq!(p.run(&mut ctx).unwrap(), 7);
            assert_eq!(u64::from_le_bytes(ctx), 1 + MAX_TAIL_CALL_CNT as u64);
            // Each run starts a fresh count.
            assert_eq!(p.run(&mut ctx).unwrap(), 7);
            assert_eq!(u64::from_le_bytes(ctx), 2 * (1 + MAX_TAIL_CALL_CNT as u64));
        }

        #[test]
        fn the_callee_replaces_the_caller() {
            let s = slots(2);
            let callee = vm("r0 = 42\nexit", cfg());
            let caller = vm(
                "r6 = 1\nr3 = 1\ncall 12\nr0 = 5\nexit",
                cfg().helpers(helpers(s)),
            );
            s[1].replace(Some(callee));
            assert_eq!(caller.run(&mut []).unwrap(), 42);
            // An empty slot falls through with the helper's value in r0.
            s[1].replace(None);
            assert_eq!(caller.run(&mut []).unwrap(), 5);
        }

        #[test]
        fn a_tail_call_from_a_subprogram_returns_to_its_caller() {
            let s = slots(1);
            s[0].replace(Some(vm("r0 = 40\nexit", cfg())));
            let caller = vm(FROM_SUBPROGRAM, cfg().helpers(helpers(s)));
            assert_eq!(caller.run(&mut []).unwrap(), 42);
        }

        #[test]
        fn a_called_program_returns_to_its_caller() {
            let s = slots(2);
            s[1].replace(Some(vm("r0 = r1\nr0 *= 3\nexit", cfg())));
            let caller = vm(
                "r6 = 1\nr1 = 14\nr2 = 1\ncall 200\nr0 += r6\nexit",
                cfg().helpers(helpers(s)),
            );
            assert_eq!(caller.run(&mut []).unwrap(), 43);
        }

        #[test]
        fn nested_program_calls_stop_at_the_frame_limit() {
            let s = slots(1);
            // Calls itself through slot 0 and returns what the inner call gave.
            let p = vm("r2 = 0\ncall 200\nexit", cfg().helpers(helpers(s)));
            s[0].replace(Some(p.clone()));
            assert_eq!(p.run(&mut []).unwrap() as i64, -40);
        }

        #[test]
        fn a_bound_call_site_replaces_the_table_entry_there_only() {
            let program = "r0 = 0\ncall 1\nr6 = r0\ncall 1\nr0 += r6\nexit";
            let table = Helpers::new().with(1, "one", |_, _| Ok(1));
            let bound = Helper::new(1, "bound", |_, _| Ok(100));
            // The second call is at slot 3.
            let p = vm(program, cfg().helpers(table).bind_call(3, bound));
            assert_eq!(p.run(&mut []).unwrap(), 101);
        }

        #[test]
        fn a_slot_replaced_mid_run_is_seen_by_the_next_tail_call() {
            let s = slots(2);
            let old = vm("r0 = 1\nexit", cfg());
            s[1].replace(Some(old));
            // Helper 201 swaps slot 1 while the caller runs, then the caller
            // tail-calls slot 1: it must see one program or the other, whole.
            let swapper = Helpers::new()
                .with(201, "swap", move |_, _| {
                    s[1].replace(Some(vm("r0 = 2\nexit", cfg())));
                    Ok(0)
                })
                .with(12, "tail_call", move |ctx, a| {
                    if let Some(p) = s[a[2] as usize].load_borrowed() {
                        ctx.tail_call(p);
                    }
                    Ok(0)
                });
            let caller = vm("call 201\nr3 = 1\ncall 12\nexit", cfg().helpers(swapper));
            assert_eq!(caller.run(&mut []).unwrap(), 2);
        }

        #[test]
        fn empty_slots_do_not_use_up_the_count() {
            let s = slots(2);
            // 40 tries at the empty slot 1, then the counting chain through slot 0.
            let p = vm(
                "
            r6 = r1
            r7 = 40
        again:
            r1 = r6
            r3 = 1
            call 12
            r7 -= 1
            if r7 != 0 goto again
            r1 = r6
            r2 = *(u64 *)(r1 + 0)
            r2 += 1
            *(u64 *)(r1 + 0) = r2
            r3 = 0
            call 12
            r0 = 7
            exit
        ",
                cfg().helpers(helpers(s)),
            );
            let counter = vm(COUNTER, cfg().helpers(helpers(s)));
            s[0].replace(Some(counter));
            let mut ctx = [0u8; 8];
            assert_eq!(p.run(&mut ctx).unwrap(), 7);
            // The entry program's own count, then 33 tail calls' worth.
            assert_eq!(u64::from_le_bytes(ctx), 1 + MAX_TAIL_CALL_CNT as u64);
        }

        #[test]
        fn a_callee_reaching_deeper_than_its_caller_finds_zeroed_stack() {
            // Reaches no stack, so its runs zero none (debug builds poison
            // the stack, so an unzeroed byte would show).
            let s = slots(1);
            let caller = unchecked_vm("r3 = 0\ncall 12\nr0 = 5\nexit", cfg().helpers(helpers(s)));
            // ORs together every word of its frame, through a copy of r10.
            let callee = unchecked_vm(
                "
            r1 = r10
            r0 = 0
            r2 = 64
        next:
            r1 += -8
            r3 = *(u64 *)(r1 + 0)
            r0 |= r3
            r2 -= 1
            if r2 != 0 goto next
            exit
        ",
                cfg(),
            );
            s[0].replace(Some(callee));
            assert_eq!(caller.run(&mut []).unwrap(), 0);
        }
    };
}

mod interpreter {
    engine_tests!(Engine::Interpreter);
}

#[cfg(feature = "jit")]
mod jit {
    engine_tests!(Engine::Jit);
}

/// Tail-call sites bound to a prog array's [`TailTable`]: JIT code enters
/// the program published in the slot's cell itself, and leaves to the
/// site's helper what it cannot decide.
#[cfg(feature = "jit")]
mod native {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use quiver_vm::{HelperContext, NativeTarget, RunInput, TailMisses, TailTable};

    use super::*;

    fn cfg() -> Config {
        Config::new().engine(Engine::Jit)
    }

    /// Helper 12 as in `helpers`, counting its calls in `calls`, with
    /// Linux's answers when there is no program (`MISSES`).
    fn counting(slots: Slots, calls: &'static AtomicUsize) -> Helper {
        Helper::new(12, "tail_call", counting_fn(slots, calls))
    }

    fn counting_fn(
        slots: Slots,
        calls: &'static AtomicUsize,
    ) -> impl Fn(&mut HelperContext<'_>, [u64; 5]) -> Result<u64, HelperError> + Send + Sync + 'static
    {
        move |ctx, a| {
            calls.fetch_add(1, Ordering::Relaxed);
            // The index is r3's low 32 bits, as for Linux's helper.
            let Some(slot) = slots.get(a[2] as u32 as usize) else {
                return Ok(MISSES.out_of_range);
            };
            match slot.load_borrowed() {
                Some(p) => {
                    ctx.tail_call(p);
                    Ok(0)
                }
                None => Ok(MISSES.empty),
            }
        }
    }

    /// Slots, a helper call counter, and the slots' cells.
    fn setup(n: usize) -> (Slots, &'static AtomicUsize, Arc<TailTable>) {
        let calls = Box::leak(Box::new(AtomicUsize::new(0)));
        (slots(n), calls, Arc::new(TailTable::new(n)))
    }

    /// Publishes `vm` in cell `i`; the caller keeps the result and `vm`
    /// alive while runs may read the cell.
    fn publish(
        table: &TailTable,
        i: usize,
        vm: &Vm,
        min_ctx: u64,
        host: bool,
    ) -> Box<NativeTarget> {
        let target = Box::new(NativeTarget::new(vm, min_ctx, host).expect("JIT code"));
        // SAFETY: every test keeps the target and its `Vm` alive until its
        // last run, and publishes nothing else in the cell in between.
        unsafe { table.publish(i, Some(&target)) };
        target
    }

    #[test]
    fn a_chain_through_a_bound_site_never_calls_the_helper_and_stops_at_33() {
        let (s, calls, table) = setup(1);
        // COUNTER's `call 12` is at slot 4.
        let config = cfg().bind_tail_call(4, counting(s, calls), table.clone(), Some(0));
        let p = vm(COUNTER, config);
        s[0].replace(Some(p.clone()));
        let _target = publish(&table, 0, &p, 0, false);
        let mut ctx = [0u8; 8];
        assert_eq!(p.run(&mut ctx).unwrap(), 7);
        assert_eq!(u64::from_le_bytes(ctx), 1 + MAX_TAIL_CALL_CNT as u64);
        assert_eq!(calls.load(Ordering::Relaxed), 0, "every call was native");
        // An empty cell sends every call to the helper, with the same
        // outcome.
        // SAFETY: publishes nothing.
        unsafe { table.publish(0, None) };
        let mut ctx = [0u8; 8];
        assert_eq!(p.run(&mut ctx).unwrap(), 7);
        assert_eq!(u64::from_le_bytes(ctx), 1 + MAX_TAIL_CALL_CNT as u64);
        assert_eq!(
            calls.load(Ordering::Relaxed),
            1 + MAX_TAIL_CALL_CNT as usize
        );
    }

    #[test]
    fn a_variable_index_picks_the_cell_and_the_helper_answers_past_the_end() {
        let (s, calls, table) = setup(3);
        let callees: Vec<_> = (0..3)
            .map(|i| vm(&format!("r0 = {}\nexit", 40 + i), cfg()))
            .collect();
        let _targets: Vec<_> = callees
            .iter()
            .enumerate()
            .map(|(i, p)| {
                s[i].replace(Some(p.clone()));
                publish(&table, i, p, 0, false)
            })
            .collect();
        // r3 = the u64 at the start of memory.
        let caller = vm(
            "r3 = *(u64 *)(r1 + 0)\ncall 12\nr0 = 5\nexit",
            cfg().bind_tail_call(1, counting(s, calls), table.clone(), None),
        );
        for i in 0..3u64 {
            assert_eq!(caller.run(&mut i.to_le_bytes()).unwrap(), 40 + i);
        }
        assert_eq!(calls.load(Ordering::Relaxed), 0);
        // Only the low 32 bits index, as for the helper.
        assert_eq!(caller.run(&mut (1u64 << 32 | 2).to_le_bytes()).unwrap(), 42);
        assert_eq!(calls.load(Ordering::Relaxed), 0);
        assert_eq!(caller.run(&mut 3u64.to_le_bytes()).unwrap(), 5);
        assert_eq!(calls.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn a_program_reading_more_context_than_the_run_has_goes_through_the_helper() {
        let (s, calls, table) = setup(1);
        let callee = vm("r0 = 42\nexit", cfg());
        s[0].replace(Some(callee.clone()));
        let caller = vm(
            "r3 = 0\ncall 12\nr0 = 5\nexit",
            cfg().bind_tail_call(1, counting(s, calls), table.clone(), Some(0)),
        );
        // r1 is not the run's context: its size is unknown.
        let elsewhere = vm(
            "r1 = r10\nr1 += -8\nr3 = 0\ncall 12\nr0 = 5\nexit",
            cfg().bind_tail_call(3, counting(s, calls), table.clone(), Some(0)),
        );
        let mut ctx = [0u8; 8];
        // The last: a program whose runs the host must see.
        for (min_ctx, host, helper_calls, elsewhere_calls) in [
            (8, false, 0, 1),
            (16, false, 1, 1),
            (0, true, 1, 1),
            (0, false, 0, 0),
        ] {
            let _target = publish(&table, 0, &callee, min_ctx, host);
            let case = format!("min_ctx {min_ctx}, host {host}");
            for (caller, expected) in [(&caller, helper_calls), (&elsewhere, elsewhere_calls)] {
                calls.store(0, Ordering::Relaxed);
                let r0 = caller
                    .run_with(&mut RunInput::new().context(&mut ctx))
                    .unwrap();
                assert_eq!(r0, 42, "{case}");
                assert_eq!(calls.load(Ordering::Relaxed), expected, "{case}");
            }
        }
    }

    #[test]
    fn a_program_reaching_more_stack_than_the_run_zeroed_goes_through_the_helper() {
        let (s, calls, table) = setup(1);
        // Reaches its whole frame (debug builds poison the stack, so an
        // unzeroed word would show).
        let callee = unchecked_vm("r1 = r10\nr1 += -256\nr0 = *(u64 *)(r1 + 0)\nexit", cfg());
        s[0].replace(Some(callee.clone()));
        let _target = publish(&table, 0, &callee, 0, false);
        // Reaches no stack.
        let caller = unchecked_vm(
            "r3 = 0\ncall 12\nr0 = 5\nexit",
            cfg().bind_tail_call(1, counting(s, calls), table.clone(), Some(0)),
        );
        assert_eq!(caller.run(&mut []).unwrap(), 0);
        assert_eq!(calls.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn a_tail_call_the_entered_program_makes_through_its_helper_follows() {
        let (s, calls, table) = setup(2);
        s[1].replace(Some(vm("r0 = 42\nexit", cfg())));
        // Entered natively; tail-calls slot 1 through the helper.
        let middle = vm(
            "r3 = 1\ncall 12\nr0 = 5\nexit",
            cfg().helpers(Helpers::new().with(12, "tail_call", counting_fn(s, calls))),
        );
        s[0].replace(Some(middle.clone()));
        let _target = publish(&table, 0, &middle, 0, false);
        let caller = vm(
            "r3 = 0\ncall 12\nr0 = 1\nexit",
            cfg().bind_tail_call(1, counting(s, calls), table.clone(), Some(0)),
        );
        assert_eq!(caller.run(&mut []).unwrap(), 42);
        assert_eq!(calls.load(Ordering::Relaxed), 1, "only the middle one's");
    }

    /// From a subprogram's frame a native tail call is a call, which
    /// returns there: into a program that calls nothing (a host-convention
    /// function) and into one that calls something (a `tail` function,
    /// which an entry frame would jump to).
    #[test]
    fn a_native_tail_call_from_a_subprogram_returns_to_its_caller() {
        for callee in ["r0 = 40\nexit", "call f\nexit\nf:\nr0 = 40\nexit"] {
            let (s, calls, table) = setup(1);
            let callee = vm(callee, cfg());
            s[0].replace(Some(callee.clone()));
            let _target = publish(&table, 0, &callee, 0, false);
            let caller = vm(
                FROM_SUBPROGRAM,
                cfg().bind_tail_call(5, counting(s, calls), table.clone(), Some(0)),
            );
            assert_eq!(caller.run(&mut []).unwrap(), 42);
            assert_eq!(calls.load(Ordering::Relaxed), 0);
        }
    }

    /// What the tests' helpers answer when there is no program (Linux's
    /// errnos), and what answering tables answer for them.
    const MISSES: TailMisses = TailMisses {
        empty: -2i64 as u64,
        out_of_range: -7i64 as u64,
    };

    /// An answering table's sites answer an empty cell and an index past
    /// the end themselves, with the helper's r0; a cell published as none
    /// still sends the call to the helper; both engines agree.
    #[test]
    fn answering_tables_answer_for_the_helper_when_there_is_no_program() {
        let (s, calls, _) = setup(2);
        let table = Arc::new(TailTable::answering(2, MISSES));
        // Helper 12 with the table's answers, counting its calls.
        let helper = || counting(s, calls);
        let callee = vm("r0 = 40\nexit", cfg());
        s[0].replace(Some(callee.clone()));
        let _target = publish(&table, 0, &callee, 0, false);
        // r3 = the u64 at the start of memory; r0 = the call's answer.
        let text = "r3 = *(u64 *)(r1 + 0)\ncall 12\nexit";
        let native = vm(text, cfg().bind_tail_call(1, helper(), table.clone(), None));
        let interp = vm(
            text,
            Config::new().engine(Engine::Interpreter).bind_tail_call(
                1,
                helper(),
                table.clone(),
                None,
            ),
        );
        let run = |index: u64| {
            calls.store(0, Ordering::Relaxed);
            let r0 = native.run(&mut index.to_le_bytes()).unwrap();
            let native_calls = calls.load(Ordering::Relaxed);
            assert_eq!(
                interp.run(&mut index.to_le_bytes()).unwrap(),
                r0,
                "index {index}"
            );
            (r0, native_calls)
        };
        assert_eq!(run(0), (40, 0));
        assert_eq!(run(1), (MISSES.empty, 0), "an empty cell");
        assert_eq!(run(2), (MISSES.out_of_range, 0), "past the end");
        assert_eq!(
            run(1 << 32 | 7),
            (MISSES.out_of_range, 0),
            "the low 32 bits"
        );
        // SAFETY: publishes nothing.
        unsafe { table.publish(1, None) };
        assert_eq!(run(1), (MISSES.empty, 1), "the helper decides");
        table.publish_empty(1);
        assert_eq!(run(1), (MISSES.empty, 0));
        // A constant index into an empty cell.
        let constant = vm(
            "r3 = 1\ncall 12\nexit",
            cfg().bind_tail_call(1, helper(), table.clone(), Some(1)),
        );
        calls.store(0, Ordering::Relaxed);
        assert_eq!(constant.run(&mut []).unwrap(), MISSES.empty);
        assert_eq!(calls.load(Ordering::Relaxed), 0);
    }

    /// A native tail call passes r1..r5 to a program that may read them
    /// at its start (a nested call through its entry, as the helper would
    /// pass them), and r1 alone to one declared to read nothing else: a
    /// jump, after which a wrong declaration reads zeros.
    #[test]
    fn a_program_declared_to_start_with_r1_only_gets_r1_alone() {
        // Reads r1 and r4 + r5 at its start; calls something, so that a
        // tail call may jump into it.
        let callee_text =
            "r6 = r4\nr6 += r5\nr7 = r1\ncall f\nr0 = r6\nr0 += r7\nexit\nf:\nr0 = 0\nexit";
        let mut ctx = [0u8; 8];
        let ctx_addr = ctx.as_ptr() as u64;
        for (declared, expected) in [(false, 42 + ctx_addr), (true, ctx_addr)] {
            let (s, calls, table) = setup(1);
            let config = if declared {
                cfg().starts_with_r1_only()
            } else {
                cfg()
            };
            let callee = vm(callee_text, config);
            s[0].replace(Some(callee.clone()));
            let _target = publish(&table, 0, &callee, 0, false);
            let caller = vm(
                "r4 = 40\nr5 = 2\nr3 = 0\ncall 12\nr0 = 5\nexit",
                cfg().bind_tail_call(3, counting(s, calls), table.clone(), Some(0)),
            );
            let r0 = caller
                .run_with(&mut RunInput::new().context(&mut ctx))
                .unwrap();
            assert_eq!(r0, expected, "declared {declared}");
            assert_eq!(calls.load(Ordering::Relaxed), 0, "declared {declared}");
        }
    }

    /// A table made with `new` has no answers: marking a cell empty
    /// leaves the call to the helper.
    #[test]
    fn tables_without_answers_leave_empty_cells_to_the_helper() {
        let (s, calls, table) = setup(1);
        table.publish_empty(0);
        let caller = vm(
            "r3 = 0\ncall 12\nexit",
            cfg().bind_tail_call(1, counting(s, calls), table.clone(), Some(0)),
        );
        assert_eq!(caller.run(&mut []).unwrap(), -2i64 as u64);
        assert_eq!(calls.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn bound_sites_lower_for_aarch64() {
        let (s, calls, plain) = setup(1);
        let answering = Arc::new(TailTable::answering(1, MISSES));
        let program = Program::from_insns(assemble(COUNTER, Syntax::Llvm).unwrap()).unwrap();
        for table in [plain, answering] {
            for (checked, index) in [
                (false, Some(0)),
                (true, Some(0)),
                (false, None),
                (true, None),
            ] {
                let config =
                    Config::new().bind_tail_call(4, counting(s, calls), table.clone(), index);
                let size = Vm::jit_code_size_for(&program, config, "aarch64", checked).unwrap();
                assert!(size > 0);
            }
        }
    }
}
