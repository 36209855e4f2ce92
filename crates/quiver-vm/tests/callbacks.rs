//! Helpers calling back into the program (`bpf_loop`, timers): a callback
//! runs in a new frame, shares the run's budget, and bad function values
//! or too-deep nesting fail cleanly.

mod common;

use common::{CALLBACK_PROGRAM, looper};
use quiver_isa::Program;
use quiver_isa::asm::{Syntax, assemble};
use quiver_vm::{Config, Helpers, Vm, VmError};

fn vm(text: &str, helpers: Helpers, budget: Option<u64>) -> Vm {
    let program = Program::from_insns(assemble(text, Syntax::Llvm).unwrap()).unwrap();
    Vm::new(&program, Config::new().helpers(helpers).budget(budget)).unwrap()
}

#[test]
fn callbacks_return_values_and_keep_the_callers_registers() {
    let vm = vm(CALLBACK_PROGRAM, looper(), None);
    // sum over i in 0..4 of (i*i + 1000) = 14 + 4000, plus r6 = 7 kept.
    assert_eq!(vm.run(&mut []).unwrap(), 4014 + 7);
}

#[test]
fn callbacks_count_against_the_budget() {
    let vm = vm(CALLBACK_PROGRAM, looper(), Some(20));
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
