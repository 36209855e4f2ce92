//! Hooks declare whether they may block: a sleepable program attaches only
//! to a hook that may; programs run in attach order; detach takes effect
//! for the next run.

use std::path::Path;

use quiver::hook::Hook;
use quiver::{Bpf, Loader};

fn load(name: &str) -> Bpf {
    let bytes = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/obj")
            .join(name),
    )
    .unwrap();
    Loader::new().load(&bytes).unwrap()
}

#[test]
fn a_sleepable_program_needs_a_hook_that_may_block() {
    let bpf = load("owner_rule.v3.g.o");
    let (plain, sleepy) = (
        bpf.program("plain_leaf").unwrap(),
        bpf.program("sleepy_leaf").unwrap(),
    );
    let input_thread = Hook::non_sleepable("input");
    let err = input_thread.attach(sleepy).unwrap_err();
    assert_eq!(
        err.to_string(),
        "hook input, program sleepy_leaf: a sleepable program cannot attach to a hook that must not block (attach it to a sleepable hook, or load it without `.s`)"
    );
    input_thread.attach(plain).unwrap();
    let worker = Hook::sleepable("worker");
    worker.attach(sleepy).unwrap();
    worker.attach(plain).unwrap();
    assert_eq!(worker.attached(), ["sleepy_leaf", "plain_leaf"]);
    let mut regs = [0u8; 168];
    assert_eq!(worker.run_context(&mut regs).unwrap(), [20, 10]);
    assert_eq!(input_thread.run_context(&mut regs).unwrap(), [10]);
    worker.detach(sleepy).unwrap();
    assert_eq!(worker.run_context(&mut regs).unwrap(), [10]);
    assert_eq!(
        worker.detach(sleepy).unwrap_err().to_string(),
        "hook worker, program sleepy_leaf: not attached"
    );
}
