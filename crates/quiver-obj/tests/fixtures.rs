//! Every committed fixture object loads at every -mcpu level, with the
//! programs, maps and relocations its C source declares.

use std::path::{Path, PathBuf};

use quiver_isa::{Insn, Program, Pseudo};
use quiver_obj::section::ProgType;
use quiver_obj::{ObjError, Object, RelocTarget};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/obj")
        .join(name)
}

fn load(name: &str) -> Result<Object, ObjError> {
    let bytes = std::fs::read(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    Object::parse(&bytes)
}

const CPUS: [&str; 3] = ["v2", "v3", "v4"];

#[test]
fn socket_counter_links_and_relocates() {
    for cpu in CPUS {
        let obj = load(&format!("socket_counter.{cpu}.g.o")).unwrap();
        assert_eq!(obj.license.as_deref(), Some("GPL"));
        let prog = obj.program("count_packets").expect("program");
        assert_eq!(
            prog.kind.as_ref().unwrap().prog_type,
            ProgType::SocketFilter
        );
        // Entry plus the noinline subprogram from .text.
        let names: Vec<&str> = prog.funcs.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["count_packets", "bucket_of"], "{cpu}");
        // The linked program is structurally valid (calls land on functions).
        Program::from_insns(prog.insns.clone()).unwrap();
        let map_names: Vec<&str> = obj.maps.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(map_names, ["buckets", "totals", ".rodata", ".bss"], "{cpu}");
        let buckets = obj.map("buckets").unwrap();
        assert_eq!(
            (
                buckets.def.map_type,
                buckets.def.key_size,
                buckets.def.value_size,
                buckets.def.max_entries
            ),
            (1, 4, 8, 16)
        );
        assert_eq!(obj.map(".rodata").unwrap().initial, 6u32.to_le_bytes());
        // Every relocation points at an LD_IMM64 carrying the map index.
        assert!(!prog.relocs.is_empty());
        let mut pc_to_insn = std::collections::HashMap::new();
        let mut pc = 0;
        for insn in &prog.insns {
            pc_to_insn.insert(pc, *insn);
            pc += insn.slots();
        }
        for r in &prog.relocs {
            match (r.target.clone(), pc_to_insn[&r.pc]) {
                (
                    RelocTarget::Map { map },
                    Insn::LoadImm64 {
                        pseudo: Pseudo::MapIdx,
                        imm,
                        ..
                    },
                ) => assert_eq!(imm, map as u64),
                (
                    RelocTarget::MapValue { map, offset },
                    Insn::LoadImm64 {
                        pseudo: Pseudo::MapIdxValue,
                        imm,
                        ..
                    },
                ) => {
                    assert_eq!(imm, map as u64 | (offset as u64) << 32)
                }
                other => panic!("unexpected relocation {other:?}"),
            }
        }
        // Line info maps back to the C source.
        assert!(
            prog.lines
                .iter()
                .any(|(_, l)| l.file.ends_with("socket_counter.c"))
        );
    }
}

#[test]
fn objects_without_btf_refuse_btf_maps_clearly() {
    let err = load("socket_counter.v3.o").unwrap_err();
    assert!(err.to_string().contains("compile with -g"), "{err}");
}

#[test]
fn every_fixture_loads_or_fails_clearly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/obj");
    let mut loaded = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        match Object::parse(&bytes) {
            Ok(obj) => {
                loaded += 1;
                for p in &obj.programs {
                    Program::from_insns(p.insns.clone())
                        .unwrap_or_else(|e| panic!("{}: {}: {e}", path.display(), p.name));
                }
            }
            Err(e) => {
                let name = path.file_name().unwrap().to_string_lossy().to_string();
                assert!(!name.contains(".g."), "{name} has BTF and must load: {e}");
            }
        }
    }
    println!("fixtures loaded: {loaded}");
    assert!(loaded > 0);
}
