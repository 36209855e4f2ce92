//! Any bytes that decode: running them in checked mode with a budget never
//! panics and never touches memory outside the regions it was given.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quiver_isa::Program;
use quiver_vm::{Config, Helpers, Vm};

fuzz_target!(|data: &[u8]| {
    if data.len() < 16 {
        return;
    }
    let (mem, code) = data.split_at(16);
    if let Ok(program) = Program::decode(code) {
        let config = Config::new().helpers(Helpers::conformance()).budget(Some(10_000));
        if let Ok(vm) = Vm::new(&program, config) {
            let mut mem = mem.to_vec();
            let _ = vm.run(&mut mem);
        }
    }
});
