//! Every benchmark program computes the same r0 and memory on quiver's
//! interpreter (checked and unchecked) as on rbpf's interpreter: a
//! benchmark that compares different work would be meaningless.

use quiver_bench::programs;
use quiver_vm::{Config, Vm};

#[test]
fn quiver_and_rbpf_agree() {
    for p in programs() {
        let program = p.program();
        let bytes = program.to_bytes();

        let vm = Vm::new(&program, Config::new()).unwrap();
        let mut mem_q = p.memory.clone();
        let r_q = vm.run(&mut mem_q).unwrap();

        let rbpf_vm = rbpf::EbpfVmRaw::new(Some(&bytes)).unwrap();
        let mut mem_r = p.memory.clone();
        let r_r = rbpf_vm.execute_program(&mut mem_r).unwrap();

        println!("{}: quiver r0 = {r_q:#x}, rbpf r0 = {r_r:#x}", p.name);
        assert_eq!(r_q, r_r, "{}: r0 differs", p.name);
        assert_eq!(mem_q, mem_r, "{}: memory differs", p.name);
        assert_ne!(
            r_q, 0,
            "{}: a benchmark whose result is 0 may be doing nothing",
            p.name
        );
    }
}
