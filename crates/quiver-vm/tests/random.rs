//! Random programs in checked mode never panic: every run ends with a
//! result or an error naming an instruction of the program.

mod common;
use common::generate::*;
use common::*;
use proptest::prelude::*;
use quiver_vm::RunInput;

const BUDGET: u64 = 5_000;

fn run_all(vm: &Vm, mem: &[u8], packet: &[u8]) -> Vec<Result<u64, VmError>> {
    let mut results = Vec::new();
    let mut m = mem.to_vec();
    results.push(vm.run(&mut m));
    let mut m = mem.to_vec();
    let mut steps = 0u64;
    results.push(vm.run_traced(&mut m, &mut |_| steps += 1));
    // Runs may differ (a program can branch on its addresses), but a
    // traced run reports at most the budget of instructions.
    assert!(steps <= BUDGET, "{steps} steps traced");
    let mut m = mem.to_vec();
    let mut p = packet.to_vec();
    let addr = m.as_ptr() as u64;
    results.push(vm.run_with(&mut RunInput::new().context(&mut m).packet(&mut p).arg(2, addr)));
    results
}

proptest! {
    #[test]
    fn random_programs_end_with_a_result_or_an_error(
        slots in proptest::collection::vec(any_slot(), 0..48),
        mem in proptest::collection::vec(any::<u8>(), 0..64),
        packet in proptest::collection::vec(any::<u8>(), 0..16),
    ) {
        let insns = assemble(slots);
        let program = Program::from_insns(insns).expect("generated program is valid");
        let config = Config::new().helpers(Helpers::conformance()).kfuncs(kfuncs()).budget(Some(BUDGET));
        let vm = Vm::new(&program, config).expect("generated program loads");
        let results = run_all(&vm, &mem, &packet);
        for r in &results {
            if let Err(e) = r {
                // Every error renders and names an instruction of the program.
                let prefix = format!("insn {}: ", e.pc());
                prop_assert!(e.to_string().starts_with(&prefix), "{}", e);
                prop_assert!(program.index_at(e.pc()).is_some());
            }
        }
    }

    #[test]
    fn random_bytes_that_decode_run_safely(bytes in proptest::collection::vec(any::<u8>(), 8..256)) {
        let mut bytes = bytes;
        bytes.truncate(bytes.len() / 8 * 8);
        if let Ok(program) = Program::decode(&bytes) {
            let config = Config::new().helpers(Helpers::conformance()).budget(Some(BUDGET));
            if let Ok(vm) = Vm::new(&program, config) {
                let _ = run_all(&vm, &[0; 32], &[1, 2, 3]);
            }
        }
    }
}
