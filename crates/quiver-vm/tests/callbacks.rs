//! Helpers calling back into the program (`bpf_loop`, timers): a callback
//! runs in a new frame, shares the run's budget, and bad function values
//! or too-deep nesting fail cleanly.

use quiver_isa::Program;
use quiver_isa::asm::{Syntax, assemble};
use quiver_vm::{Config, Helpers, Vm, VmError};

fn vm(text: &str, helpers: Helpers, budget: Option<u64>) -> Vm {
    let program = Program::from_insns(assemble(text, Syntax::Llvm).unwrap()).unwrap();
    Vm::new(&program, Config::new().helpers(helpers).budget(budget)).unwrap()
}

/// Helper 100 calls r1 (a function) with r2 as its argument, r3 times,
/// summing the results.
fn looper() -> Helpers {
    Helpers::new().with(100, "looper", |ctx, a| {
        let mut sum = 0u64;
        for i in 0..a[2] {
            sum = sum.wrapping_add(ctx.call_function(a[0], [i, a[1], 0, 0, 0])?);
        }
        Ok(sum)
    })
}

const PROGRAM: &str = "
    r6 = 7
    r1 = func(square) ll
    r2 = 1000
    r3 = 4
    call 100
    r0 += r6
    exit
square:
    *(u64 *)(r10 - 8) = r1
    r0 = *(u64 *)(r10 - 8)
    r0 *= r1
    r0 += r2
    r6 = 99
    exit
";

#[test]
fn callbacks_return_values_and_keep_the_callers_registers() {
    let vm = vm(PROGRAM, looper(), None);
    // sum over i in 0..4 of (i*i + 1000) = 14 + 4000, plus r6 = 7 kept.
    assert_eq!(vm.run(&mut []).unwrap(), 4014 + 7);
}

#[test]
fn callbacks_count_against_the_budget() {
    let vm = vm(PROGRAM, looper(), Some(20));
    assert!(matches!(
        vm.run(&mut []).unwrap_err(),
        VmError::HelperFailed { .. }
    ));
}

#[test]
fn a_value_that_is_not_a_function_is_refused() {
    let vm = vm("r1 = 0x1234\nr3 = 1\ncall 100\nexit\n", looper(), None);
    let err = vm.run(&mut []).unwrap_err();
    assert!(
        err.to_string()
            .contains("callback 0x1234 is not a function of this program"),
        "{err}"
    );
}

#[test]
fn nesting_stops_at_the_frame_limit() {
    // The callback calls the helper again with itself, forever.
    let text = "
        r1 = func(again) ll
        r3 = 1
        call 100
        exit
    again:
        r1 = func(again) ll
        r3 = 1
        call 100
        exit
    ";
    let err = vm(text, looper(), None).run(&mut []).unwrap_err();
    assert!(
        err.to_string().contains("maximum of 8 call frames"),
        "{err}"
    );
}
