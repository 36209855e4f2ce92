//! Any bytes: the first 64 are a context, the rest a program. The verifier
//! never panics, and a program it accepts runs in checked mode without a
//! memory fault. The host is a small one of its own, like the one of
//! `crates/quiver-verifier/tests/soundness.rs`, which generates programs
//! that get past the verifier far more often than random bytes do.
#![no_main]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use quiver_isa::Program;
use quiver_isa::asm::{Syntax, disassemble};
use quiver_verifier::host::{CtxField, CtxFieldKind, Host, ProgramType, Proto, Ret};
use quiver_verifier::{Input, Options, verify};
use quiver_vm::{Config, Helpers, Vm, VmError};

const CTX_SIZE: usize = 64;

/// One program type: scalar context fields of every size (bytes 48..56 in
/// none), and helper 7 returning a number.
fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| {
        let mut ty = ProgramType::new("fuzz", CTX_SIZE as u32);
        let fields = [
            (0, 8),
            (8, 4),
            (12, 4),
            (16, 2),
            (18, 2),
            (20, 1),
            (21, 1),
            (24, 8),
        ];
        ty.ctx_fields = [&fields[..], &[(32, 4), (36, 4), (40, 8), (56, 8)]]
            .concat()
            .into_iter()
            .map(|(off, size)| CtxField {
                name: format!("f{off}"),
                off,
                size,
                read: off != 36,
                write: off != 40,
                kind: CtxFieldKind::Scalar,
            })
            .collect();
        ty.helpers = vec![7];
        Host::new()
            .program_type(ty)
            .helper(7, Proto::new("bpf_get_prandom_u32", vec![], Ret::Scalar))
    })
}

fuzz_target!(|data: &[u8]| {
    if data.len() < CTX_SIZE {
        return;
    }
    let (ctx, code) = data.split_at(CTX_SIZE);
    let Ok(program) = Program::decode(code) else {
        return;
    };
    let kfuncs = BTreeMap::new();
    let input = Input {
        program: &program,
        program_type: "fuzz",
        sleepable: false,
        maps: &[],
        kfuncs: &kfuncs,
        source_line: None,
        func_info: true,
        global_funcs: &[],
    };
    let options = Options {
        insn_limit: 100_000,
        ..Options::default()
    };
    if verify(host(), &input, &options).is_err() {
        return;
    }
    let helpers = Helpers::new().with(7, "bpf_get_prandom_u32", |_, _| Ok(0x8000_0000_0000_0001));
    let vm = Vm::new(
        &program,
        Config::new().helpers(helpers).budget(Some(100_000)),
    )
    .expect("an accepted program loads");
    let mut mem = ctx.to_vec();
    match vm.run(&mut mem) {
        Ok(_) | Err(VmError::BudgetExhausted { .. }) => {}
        Err(e) => panic!(
            "the verifier accepted a program that faults: {e}\n{}",
            disassemble(&program, Syntax::Llvm)
        ),
    }
});
