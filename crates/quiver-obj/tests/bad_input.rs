//! Broken objects give a clear error naming what is wrong, never a panic.

use std::path::Path;

use proptest::prelude::*;
use quiver_obj::Object;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/obj")
            .join(name),
    )
    .unwrap()
}

fn err(bytes: &[u8]) -> String {
    match Object::parse(bytes) {
        Ok(_) => panic!("corrupt object was accepted"),
        Err(e) => e.to_string(),
    }
}

/// Byte range of a section's contents, from the section header table.
fn section_range(bytes: &[u8], name: &str) -> (usize, usize) {
    let u16_at = |o: usize| u16::from_le_bytes([bytes[o], bytes[o + 1]]) as usize;
    let u32_at = |o: usize| u32::from_le_bytes(bytes[o..o + 4].try_into().unwrap()) as usize;
    let u64_at = |o: usize| u64::from_le_bytes(bytes[o..o + 8].try_into().unwrap()) as usize;
    let shoff = u64_at(0x28);
    let shentsize = u16_at(0x3a);
    let shnum = u16_at(0x3c);
    let shstrndx = u16_at(0x3e);
    let strtab = u64_at(shoff + shstrndx * shentsize + 0x18);
    for i in 0..shnum {
        let h = shoff + i * shentsize;
        let n = strtab + u32_at(h);
        let end = bytes[n..].iter().position(|&b| b == 0).unwrap();
        if &bytes[n..n + end] == name.as_bytes() {
            return (u64_at(h + 0x18), u64_at(h + 0x20));
        }
    }
    panic!("no section {name}");
}

#[test]
fn truncated_objects_are_refused() {
    let bytes = fixture("socket_counter.v3.g.o");
    for len in (0..bytes.len()).step_by(7) {
        let _ = Object::parse(&bytes[..len]);
    }
    assert!(err(&bytes[..3]).contains("ELF magic"));
    assert!(err(&bytes[..64]).contains("not a valid ELF"));
}

#[test]
fn wrong_machine_endianness_and_class_are_named() {
    let bytes = fixture("socket_counter.v3.g.o");
    let mut m = bytes.clone();
    m[0x12] = 62; // EM_X86_64
    assert!(err(&m).contains("EM_BPF"), "{}", err(&m));
    let mut be = bytes.clone();
    be[5] = 2; // ELFDATA2MSB
    assert!(err(&be).contains("big-endian"));
    let mut c32 = bytes.clone();
    c32[4] = 1; // ELFCLASS32
    assert!(err(&c32).contains("ELF64"));
}

#[test]
fn corrupt_btf_is_reported_with_its_offset() {
    let mut bytes = fixture("socket_counter.v3.g.o");
    let (off, _) = section_range(&bytes, ".BTF");
    bytes[off] ^= 0xff; // the magic
    let e = err(&bytes);
    assert!(e.starts_with(".BTF: at byte 0: bad magic"), "{e}");

    let mut bytes = fixture("socket_counter.v3.g.o");
    let (off, _) = section_range(&bytes, ".BTF");
    // type_len past the end of the section.
    bytes[off + 12..off + 16].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(err(&bytes).contains("extends past the end"));
}

#[test]
fn relocation_against_a_missing_symbol_is_refused() {
    let mut bytes = fixture("socket_counter.v3.g.o");
    let (off, size) = section_range(&bytes, ".relsocket");
    assert!(size >= 16);
    // r_info of the first relocation: symbol index in the high 32 bits.
    bytes[off + 12..off + 16].copy_from_slice(&0xffffu32.to_le_bytes());
    let e = err(&bytes);
    assert!(
        e.contains("symbol") && e.contains("does not exist") || e.contains("not a valid ELF"),
        "{e}"
    );
}

#[test]
fn bad_instructions_name_section_and_offset() {
    let mut bytes = fixture("socket_counter.v3.g.o");
    let (off, _) = section_range(&bytes, "socket");
    bytes[off + 8] = 0xff; // second instruction: unknown opcode
    let e = err(&bytes);
    assert!(
        e.contains("section socket") && e.contains("offset 0x8") && e.contains("unknown opcode"),
        "{e}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Random corruption of a real object never panics the parser.
    #[test]
    fn random_corruption_never_panics(flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16)) {
        for name in ["socket_counter.v3.g.o", "kitchen_sink.v4.g.o", "legacy_maps.v2.o"] {
            let mut bytes = fixture(name);
            for (i, b) in &flips {
                let at = i.index(bytes.len());
                bytes[at] ^= b;
            }
            let _ = Object::parse(&bytes);
        }
    }
}

/// Replays the cargo-fuzz corpus of the `object` target (seeds and whatever
/// long local runs added), so CI on stable covers what fuzzing found.
#[test]
fn fuzz_corpus_replays() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/object");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let _ = Object::parse(&bytes);
        n += 1;
    }
    println!("object fuzz corpus: {n} inputs replayed");
    assert!(n > 0);
}

/// Bytes at any alignment parse (the ELF reader wants aligned headers).
#[test]
fn misaligned_bytes_parse() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/obj/xdp_parse.v3.g.o"
    );
    let bytes = std::fs::read(path).unwrap();
    let mut shifted = vec![0u8; bytes.len() + 1];
    shifted[1..].copy_from_slice(&bytes);
    let a = quiver_obj::Object::parse(&bytes).unwrap();
    let b = quiver_obj::Object::parse(&shifted[1..]).unwrap();
    assert_eq!(a.programs.len(), b.programs.len());
    assert_eq!(a.programs[0].insns, b.programs[0].insns);
}
