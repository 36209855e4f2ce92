//! CO-RE: the kitchen-sink fixture was compiled against one layout of
//! `struct dev_ctx` / `struct dev_info`; quiver rewrites it for a host that
//! declares the same fields at other offsets, or lacks one.

use std::path::Path;

use quiver_isa::{CallTarget, Insn, Source};
use quiver_obj::btf::Btf;
use quiver_obj::core::{POISON_HELPER, apply};
use quiver_obj::{ObjProgram, Object};

fn kitchen_sink() -> Object {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/obj/kitchen_sink.v3.g.o");
    Object::parse(&std::fs::read(path).unwrap()).unwrap()
}

/// The host's view: fields reordered, `quirks` optional.
fn host_btf(with_quirks: bool) -> Btf {
    let mut b = Btf::default();
    let int = b.add_int("int", 4, true);
    let uint = b.add_int("unsigned int", 4, false);
    let ull = b.add_int("unsigned long long", 8, false);
    let ch = b.add_int("char", 1, true);
    let name = b.add_array(ch, 16);
    let mut fields = vec![("name", name), ("flags", uint), ("id", int)];
    if with_quirks {
        fields.insert(0, ("quirks", ull));
    }
    let info = b.add_struct_c("dev_info", &fields);
    let pinfo = b.add_ptr(info);
    b.add_struct_c(
        "dev_ctx",
        &[("allocated_size", uint), ("retval", int), ("dev", pinfo)],
    );
    b
}

/// Every (slot, instruction) of a program.
fn slots(p: &ObjProgram) -> Vec<(usize, Insn)> {
    let mut pc = 0;
    p.insns
        .iter()
        .map(|i| {
            let at = pc;
            pc += i.slots();
            (at, *i)
        })
        .collect()
}

#[test]
fn fields_move_to_the_host_layout() {
    let obj = kitchen_sink();
    let local = obj.btf.clone().unwrap();
    let mut prog = obj.program("BPF_PROG_dev_event").unwrap().clone();
    let relos = prog.core_relos.clone();
    assert!(!relos.is_empty());
    let target = host_btf(true);
    apply(&mut prog, &local, &target).unwrap();
    assert!(prog.core_relos.is_empty());
    let insns = slots(&prog);
    for (pc, relo) in relos {
        let insn = insns.iter().find(|(p, _)| *p == pc).unwrap().1;
        let expect = match (relo.access.as_str(), relo.kind.name()) {
            // dev_ctx::dev is at 8 on the host (0 in the object).
            ("0:0", "byte_off") if local.type_name(relo.type_id) == "struct dev_ctx" => 8,
            // dev_info::id is at 8 + 16 + 4 = 28 on the host.
            ("0:0", "byte_off") => 28,
            // dev_ctx::allocated_size moved from 8 to 0.
            ("0:1", "byte_off") => 0,
            // dev_info::quirks moved to 0.
            ("0:3", "byte_off") => 0,
            ("0:3", "field_exists") => 1,
            other => panic!("unexpected relocation {other:?}"),
        };
        let got = match insn {
            Insn::Alu {
                src: Source::Imm(imm),
                ..
            } => imm as i64,
            Insn::Load { off, .. } => off as i64,
            other => panic!("unexpected patched instruction {other:?}"),
        };
        assert_eq!(
            got,
            expect,
            "relocation {} {} at {pc}",
            relo.kind.name(),
            relo.access
        );
    }
}

#[test]
fn a_missing_field_reads_as_absent_and_its_access_is_poisoned() {
    let obj = kitchen_sink();
    let local = obj.btf.clone().unwrap();
    let mut prog = obj.program("BPF_PROG_dev_event").unwrap().clone();
    let relos = prog.core_relos.clone();
    apply(&mut prog, &local, &host_btf(false)).unwrap();
    let insns = slots(&prog);
    for (pc, relo) in relos.iter().filter(|(_, r)| r.access == "0:3") {
        let insn = insns.iter().find(|(p, _)| p == pc).unwrap().1;
        match relo.kind.name() {
            "field_exists" => assert!(
                matches!(
                    insn,
                    Insn::Alu {
                        src: Source::Imm(0),
                        ..
                    }
                ),
                "{insn:?}"
            ),
            _ => assert_eq!(insn, Insn::Call(CallTarget::Helper(POISON_HELPER))),
        }
    }
}

#[test]
fn type_size_follows_the_host() {
    let obj = kitchen_sink();
    let local = obj.btf.clone().unwrap();
    let mut prog = obj.program("BPF_PROG_dev_request").unwrap().clone();
    assert_eq!(prog.core_relos.len(), 1);
    apply(&mut prog, &local, &host_btf(false)).unwrap();
    // Host dev_info without quirks: name[16] + flags + id = 24 bytes.
    let patched = prog.insns.iter().any(|i| {
        matches!(
            i,
            Insn::Alu {
                src: Source::Imm(24),
                ..
            }
        )
    });
    assert!(patched, "{:?}", prog.insns);
}
