//! The generated dispatcher: every (key, callback, position) reaches its
//! program and nothing else, a miss runs nothing, and a run through it
//! gives what a run of the program gives (r0, memory, errors, tail calls).
#![cfg(feature = "jit")]

use std::collections::BTreeMap;
use std::sync::Arc;

use proptest::prelude::*;
use quiver_isa::Program;
use quiver_isa::asm::{Syntax, assemble};
use quiver_rcu::{RcuCell, global};
use quiver_vm::{
    Config, DispatchRoute, Dispatcher, Engine, Helpers, LoadError, NativeTarget, RunInput, Vm,
};

fn jit_vm(text: &str, config: Config) -> Arc<Vm> {
    let program = Program::from_insns(assemble(text, Syntax::Llvm).unwrap()).unwrap();
    // SAFETY: the tests' programs access their own stack frame and the
    // context the tests pass (at least as long as the dispatcher demands
    // through `min_ctx`), at offsets inside them.
    Arc::new(unsafe { Vm::new_unchecked(&program, config.engine(Engine::Jit)) }.unwrap())
}

fn returning(value: u64) -> Arc<Vm> {
    jit_vm(&format!("r0 = {value} ll\nexit"), Config::new())
}

fn target(vm: &Vm, min_ctx: u64) -> NativeTarget {
    NativeTarget::new(vm, min_ctx, false).expect("JIT code")
}

fn compile(routes: &[DispatchRoute<'_>]) -> Dispatcher {
    // SAFETY: every test keeps its targets and their `Vm`s alive past the
    // dispatcher's last use.
    unsafe { Dispatcher::compile(routes) }
        .unwrap()
        .expect("native programs")
}

fn run(d: &Dispatcher, key: u64, cb: usize, pos: usize) -> Option<u64> {
    d.run(key, cb, pos, &mut RunInput::new())
        .map(|r| r.expect("the program runs"))
}

/// The value the program at (key number `k`, callback `c`, position `i`)
/// returns.
fn value(k: usize, c: usize, i: usize) -> u64 {
    (k * 100 + c * 10 + i) as u64
}

#[test]
fn every_route_reaches_its_program_and_misses_run_nothing() {
    // Keys spread over the whole range, unsorted, both ends included.
    let keys: Vec<u64> = (0..40u64)
        .map(|k| k.wrapping_mul(0x9e37_79b9_7f4a_7c15))
        .chain([u64::MAX, 1 << 63])
        .collect();
    let shape = |k: usize| (k % 3, 1 + k % 4); // (callbacks, programs each)
    let vms: Vec<Vec<Vec<Arc<Vm>>>> = (0..keys.len())
        .map(|k| {
            let (ncb, n) = shape(k);
            (0..ncb)
                .map(|c| (0..n).map(|i| returning(value(k, c, i))).collect())
                .collect()
        })
        .collect();
    let targets: Vec<Vec<Vec<NativeTarget>>> = vms
        .iter()
        .map(|cbs| {
            cbs.iter()
                .map(|ps| ps.iter().map(|v| target(v, 0)).collect())
                .collect()
        })
        .collect();
    let routes: Vec<DispatchRoute<'_>> = keys
        .iter()
        .zip(&targets)
        .map(|(&key, cbs)| DispatchRoute {
            key,
            // Position 1 of every callback is left to the host.
            callbacks: cbs
                .iter()
                .map(|ts| {
                    ts.iter()
                        .enumerate()
                        .map(|(i, t)| (i != 1).then_some(t))
                        .collect()
                })
                .collect(),
        })
        .collect();
    let d = compile(&routes);

    for (k, &key) in keys.iter().enumerate() {
        let (ncb, n) = shape(k);
        for c in 0..ncb + 1 {
            for i in 0..n + 1 {
                let expected = (c < ncb && i < n && i != 1).then(|| value(k, c, i));
                assert_eq!(run(&d, key, c, i), expected, "key {key:#x}, {c}, {i}");
            }
        }
        assert_eq!(run(&d, key, 0, usize::MAX), None);
        assert_eq!(run(&d, key, usize::MAX, 0), None);
    }
    for absent in [1, 2, u64::MAX - 1, (1 << 63) - 1, (1 << 63) + 1] {
        assert!(!keys.contains(&absent));
        assert_eq!(run(&d, absent, 0, 0), None, "key {absent:#x}");
    }
}

#[test]
fn a_run_through_it_is_a_run_of_the_program() {
    // Adds r2 to the u64 at ctx+8 (a context of 16 bytes), returns the
    // old value; the stack slot it reads first is always zero.
    let text = "
        r0 = *(u64 *)(r10 - 8)
        *(u64 *)(r10 - 8) = r1
        r3 = *(u64 *)(r1 + 8)
        r4 = r3
        r4 += r2
        *(u64 *)(r1 + 8) = r4
        r0 += r3
        exit
    ";
    let vm = jit_vm(text, Config::new());
    let t = target(&vm, 16);
    let d = compile(&[DispatchRoute {
        key: 7,
        callbacks: vec![vec![Some(&t)]],
    }]);
    let mut ctx = [0u8; 16];
    for round in 0..3u64 {
        let mut input = RunInput::new().context(&mut ctx).arg(2, 5);
        let r0 = d.run(7, 0, 0, &mut input).expect("routed").unwrap();
        assert_eq!(r0, 5 * round, "round {round}");
    }
    assert_eq!(u64::from_le_bytes(ctx[8..].try_into().unwrap()), 15);
    // A context shorter than the program reads: nothing runs.
    let mut short = [0u8; 8];
    assert!(
        d.run(7, 0, 0, &mut RunInput::new().context(&mut short))
            .is_none()
    );
    assert_eq!(short, [0; 8]);
}

#[test]
fn errors_and_budgets_are_the_programs() {
    let text = "
    loop:
        r0 += 1
        goto loop
    ";
    let budgeted = jit_vm(text, Config::new().budget(Some(1000)));
    let t = target(&budgeted, 0);
    // A second, unbudgeted program on another key: the budget is per
    // program, not the first one's.
    let quick = returning(3);
    let q = target(&quick, 0);
    let d = compile(&[
        DispatchRoute {
            key: 1,
            callbacks: vec![vec![Some(&q)]],
        },
        DispatchRoute {
            key: 2,
            callbacks: vec![vec![Some(&t)]],
        },
    ]);
    let direct = budgeted.run_with(&mut RunInput::new()).unwrap_err();
    let through = d.run(2, 0, 0, &mut RunInput::new()).unwrap().unwrap_err();
    assert_eq!(through.to_string(), direct.to_string());
    assert_eq!(run(&d, 1, 0, 0), Some(3));
}

#[test]
fn a_program_that_tail_calls_runs_its_chain() {
    let slot: &'static RcuCell<'static, Vm> = Box::leak(Box::new(RcuCell::new(global(), None)));
    let helpers = Helpers::new().with(12, "tail_call", move |ctx, _| {
        if let Some(p) = slot.load_borrowed() {
            ctx.tail_call(p);
        }
        Ok(0)
    });
    let caller = jit_vm("call 12\nr0 = 1\nexit", Config::new().helpers(helpers));
    let callee = jit_vm("r0 = 42\nexit", Config::new());
    slot.replace(Some(callee));
    let t = target(&caller, 0);
    let d = compile(&[DispatchRoute {
        key: 9,
        callbacks: vec![vec![Some(&t)]],
    }]);
    assert_eq!(run(&d, 9, 0, 0), Some(42));
    slot.replace(None);
    assert_eq!(run(&d, 9, 0, 0), Some(1));
}

#[test]
fn duplicate_keys_are_refused_and_empty_routes_compile_to_nothing() {
    let vm = returning(1);
    let t = target(&vm, 0);
    let route = |key| DispatchRoute {
        key,
        callbacks: vec![vec![Some(&t)]],
    };
    // SAFETY: nothing is compiled.
    let dup = unsafe { Dispatcher::compile(&[route(4), route(5), route(4)]) };
    assert!(matches!(dup, Err(LoadError::Jit { reason }) if reason.contains("key 4")));
    let empty = DispatchRoute {
        key: 1,
        callbacks: vec![vec![None, None], vec![]],
    };
    // SAFETY: no target.
    assert!(unsafe { Dispatcher::compile(&[empty]) }.unwrap().is_none());
    // SAFETY: no route.
    assert!(unsafe { Dispatcher::compile(&[]) }.unwrap().is_none());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// The compare tree against a map: any key set, any probes.
    #[test]
    fn the_search_finds_exactly_the_routed_keys(
        keys in proptest::collection::btree_set(any::<u64>(), 1..80),
        probes in proptest::collection::vec(any::<u64>(), 0..40),
    ) {
        let vms: Vec<Arc<Vm>> = (0..8).map(returning).collect();
        let targets: Vec<NativeTarget> = vms.iter().map(|v| target(v, 0)).collect();
        let map: BTreeMap<u64, u64> = keys.iter().map(|&k| (k, k % 8)).collect();
        let routes: Vec<DispatchRoute<'_>> = map
            .iter()
            .map(|(&key, &v)| DispatchRoute {
                key,
                callbacks: vec![vec![Some(&targets[v as usize])]],
            })
            .collect();
        let d = compile(&routes);
        for k in keys.iter().copied().chain(probes) {
            prop_assert_eq!(run(&d, k, 0, 0), map.get(&k).copied(), "key {:#x}", k);
        }
    }
}
