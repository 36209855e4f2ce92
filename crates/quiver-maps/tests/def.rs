//! Map definitions: type ids, names and the kernel's validation rules.

use quiver_maps::*;

const EINVAL: i32 = -22;
const E2BIG: i32 = -7;
const ENOTSUPP: i32 = -524;
const EOPNOTSUPP: i32 = -95;

fn refused(def: &MapDef) -> (&'static str, i32) {
    match def.validate() {
        Err(MapError::InvalidDef { field, errno, .. }) => {
            // create() refuses the same way.
            let e = create(def, 2).err().expect("create must refuse too");
            assert_eq!(e.errno(), errno);
            (field, errno)
        }
        other => panic!("{def:?} should be refused, got {other:?}"),
    }
}

fn ok(def: &MapDef) {
    def.validate()
        .unwrap_or_else(|e| panic!("{def:?} refused: {e}"));
}

#[test]
fn type_ids_and_names() {
    let expected = [
        (1, "hash", MapType::Hash),
        (2, "array", MapType::Array),
        (3, "prog_array", MapType::ProgArray),
        (4, "perf_event_array", MapType::PerfEventArray),
        (5, "percpu_hash", MapType::PercpuHash),
        (6, "percpu_array", MapType::PercpuArray),
        (9, "lru_hash", MapType::LruHash),
        (10, "lru_percpu_hash", MapType::LruPercpuHash),
        (12, "array_of_maps", MapType::ArrayOfMaps),
        (13, "hash_of_maps", MapType::HashOfMaps),
        (22, "queue", MapType::Queue),
        (23, "stack", MapType::Stack),
        (26, "struct_ops", MapType::StructOps),
        (27, "ringbuf", MapType::Ringbuf),
        (33, "arena", MapType::Arena),
    ];
    for (id, name, t) in expected {
        assert_eq!(MapType::from_u32(id), Some(t));
        assert_eq!(t.as_u32(), id);
        assert_eq!(t.name(), name);
        assert_eq!(t.to_string(), name);
        assert_eq!(MapType::from_name(name), Some(t));
    }
    for id in 0..=33 {
        assert_eq!(MapType::from_u32(id).map(MapType::as_u32), Some(id));
    }
    assert_eq!(MapType::from_u32(34), None);
    assert_eq!(MapType::from_name("nope"), None);
}

#[test]
fn array_rules() {
    ok(&MapDef::new(MapType::Array, 4, 1, 1));
    assert_eq!(
        refused(&MapDef::new(MapType::Array, 8, 4, 1)),
        ("key_size", EINVAL)
    );
    assert_eq!(
        refused(&MapDef::new(MapType::Array, 4, 0, 1)),
        ("value_size", EINVAL)
    );
    assert_eq!(
        refused(&MapDef::new(MapType::Array, 4, 4, 0)),
        ("max_entries", EINVAL)
    );
    ok(&MapDef::new(MapType::Array, 4, 4, 1).with_flags(BPF_F_MMAPABLE | BPF_F_RDONLY_PROG));
    ok(&MapDef::new(MapType::Array, 4, 4, 1).with_flags(BPF_F_INNER_MAP));
    let percpu = MapDef::new(MapType::PercpuArray, 4, 4, 1);
    ok(&percpu);
    assert_eq!(
        refused(&percpu.clone().with_flags(BPF_F_MMAPABLE)),
        ("flags", EINVAL)
    );
    assert_eq!(
        refused(&MapDef::new(MapType::PercpuArray, 4, 32 * 1024 + 1, 1)),
        ("value_size", E2BIG)
    );
    ok(&MapDef::new(MapType::PercpuArray, 4, 32 * 1024, 1));
    assert_eq!(
        refused(&MapDef::new(MapType::Array, 4, 4, 1).with_flags(BPF_F_NO_PREALLOC)),
        ("flags", EINVAL)
    );
    assert_eq!(
        refused(&MapDef::new(MapType::Array, 4, 4, 1).with_flags(BPF_F_PRESERVE_ELEMS)),
        ("flags", EINVAL)
    );
    assert_eq!(
        refused(&MapDef::new(MapType::Array, 4, 4, 1).with_flags(1 << 20)),
        ("flags", EINVAL)
    );
}

#[test]
fn access_flags() {
    let a = MapDef::new(MapType::Array, 4, 4, 1);
    ok(&a.clone().with_flags(BPF_F_RDONLY_PROG));
    ok(&a.clone().with_flags(BPF_F_WRONLY_PROG));
    ok(&a.clone().with_flags(BPF_F_RDONLY));
    assert_eq!(
        refused(&a.clone().with_flags(BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)),
        ("flags", EINVAL)
    );
    assert_eq!(
        refused(&a.with_flags(BPF_F_RDONLY | BPF_F_WRONLY)),
        ("flags", EINVAL)
    );
    let q = MapDef::new(MapType::Queue, 0, 4, 1);
    ok(&q.clone().with_flags(BPF_F_RDONLY_PROG));
    let rb = MapDef::new(MapType::Ringbuf, 0, 0, 4096);
    assert_eq!(
        refused(&rb.with_flags(BPF_F_RDONLY_PROG)),
        ("flags", EINVAL)
    );
}

#[test]
fn hash_rules() {
    ok(&MapDef::new(MapType::Hash, 1, 1, 1));
    ok(&MapDef::new(MapType::Hash, 4, 4, 1).with_flags(BPF_F_NO_PREALLOC | BPF_F_ZERO_SEED));
    ok(&MapDef::new(MapType::PercpuHash, 4, 4, 1).with_flags(BPF_F_NO_PREALLOC));
    assert_eq!(
        refused(&MapDef::new(MapType::Hash, 0, 4, 1)),
        ("key_size", EINVAL)
    );
    assert_eq!(
        refused(&MapDef::new(MapType::Hash, 4, 0, 1)),
        ("value_size", EINVAL)
    );
    assert_eq!(
        refused(&MapDef::new(MapType::Hash, 4, 4, 0)),
        ("max_entries", EINVAL)
    );
    assert_eq!(
        refused(&MapDef::new(MapType::Hash, 4, 4, 1).with_flags(BPF_F_NO_COMMON_LRU)),
        ("flags", EINVAL)
    );
    assert_eq!(
        refused(&MapDef::new(MapType::Hash, 4, 4, 1).with_flags(BPF_F_MMAPABLE)),
        ("flags", EINVAL)
    );
    ok(&MapDef::new(MapType::LruHash, 4, 4, 1).with_flags(BPF_F_NO_COMMON_LRU));
    assert_eq!(
        refused(&MapDef::new(MapType::LruHash, 4, 4, 1).with_flags(BPF_F_NO_PREALLOC)),
        ("flags", ENOTSUPP)
    );
    assert_eq!(
        refused(&MapDef::new(MapType::Hash, 4, 4 << 20, 1)),
        ("value_size", E2BIG)
    );
    assert_eq!(
        refused(&MapDef::new(MapType::PercpuHash, 4, 40_000, 1)),
        ("value_size", E2BIG)
    );
    assert_eq!(
        refused(&MapDef::new(MapType::Hash, 4, 4, 1 << 29)),
        ("max_entries", E2BIG)
    );
}

#[test]
fn queue_and_ringbuf_rules() {
    for t in [MapType::Queue, MapType::Stack] {
        ok(&MapDef::new(t, 0, 4, 1));
        assert_eq!(refused(&MapDef::new(t, 4, 4, 1)), ("key_size", EINVAL));
        assert_eq!(refused(&MapDef::new(t, 0, 0, 1)), ("value_size", EINVAL));
        assert_eq!(refused(&MapDef::new(t, 0, 4, 0)), ("max_entries", EINVAL));
        assert_eq!(
            refused(&MapDef::new(t, 0, (4 << 20) + 1, 1)),
            ("value_size", E2BIG)
        );
        assert_eq!(
            refused(&MapDef::new(t, 0, 4, 1).with_flags(BPF_F_NO_PREALLOC)),
            ("flags", EINVAL)
        );
    }
    ok(&MapDef::new(MapType::Ringbuf, 0, 0, 4096));
    ok(&MapDef::new(MapType::Ringbuf, 0, 0, 1 << 20));
    for bad in [0, 2048, 4095, 12288] {
        assert_eq!(
            refused(&MapDef::new(MapType::Ringbuf, 0, 0, bad)),
            ("max_entries", EINVAL),
            "{bad}"
        );
    }
    assert_eq!(
        refused(&MapDef::new(MapType::Ringbuf, 4, 0, 4096)),
        ("key_size", EINVAL)
    );
    assert_eq!(
        refused(&MapDef::new(MapType::Ringbuf, 0, 4, 4096)),
        ("value_size", EINVAL)
    );
}

#[test]
fn fd_array_and_map_in_map_rules() {
    ok(&MapDef::new(MapType::ProgArray, 4, 4, 8));
    assert_eq!(
        refused(&MapDef::new(MapType::ProgArray, 4, 8, 8)),
        ("value_size", EINVAL)
    );
    assert_eq!(
        refused(&MapDef::new(MapType::ProgArray, 4, 4, 8).with_flags(BPF_F_RDONLY_PROG)),
        ("flags", EINVAL)
    );
    let inner = MapDef::new(MapType::Array, 4, 8, 4);
    ok(&MapDef::new(MapType::ArrayOfMaps, 4, 4, 2).with_inner(inner.clone()));
    ok(&MapDef::new(MapType::HashOfMaps, 8, 4, 2).with_inner(inner.clone()));
    assert_eq!(
        refused(&MapDef::new(MapType::ArrayOfMaps, 4, 4, 2)),
        ("inner", EINVAL)
    );
    assert_eq!(
        refused(&MapDef::new(MapType::HashOfMaps, 8, 8, 2).with_inner(inner.clone())),
        ("value_size", EINVAL)
    );
    let nested = MapDef::new(MapType::ArrayOfMaps, 4, 4, 2).with_inner(inner.clone());
    assert_eq!(
        refused(&MapDef::new(MapType::ArrayOfMaps, 4, 4, 2).with_inner(nested)),
        ("inner", EINVAL)
    );
    assert_eq!(
        refused(
            &MapDef::new(MapType::ArrayOfMaps, 4, 4, 2).with_inner(MapDef::new(
                MapType::ProgArray,
                4,
                4,
                2
            ))
        ),
        ("inner", ENOTSUPP)
    );
    // A bad template is reported under "inner", with the inner reason.
    let bad =
        MapDef::new(MapType::ArrayOfMaps, 4, 4, 2).with_inner(MapDef::new(MapType::Array, 8, 4, 1));
    let err = bad.validate().unwrap_err();
    assert_eq!(err.errno(), EINVAL);
    assert!(err.to_string().contains("inner: key_size"), "{err}");
    // Only map-in-map maps have a template.
    assert_eq!(
        refused(&MapDef::new(MapType::Array, 4, 4, 1).with_inner(inner)),
        ("inner", EINVAL)
    );
}

#[test]
fn spin_lock_rules() {
    ok(&MapDef::new(MapType::Hash, 4, 16, 1).with_spin_lock(0));
    ok(&MapDef::new(MapType::Array, 4, 16, 1).with_spin_lock(12));
    assert_eq!(
        refused(&MapDef::new(MapType::Array, 4, 16, 1).with_spin_lock(14)),
        ("spin_lock_off", EINVAL)
    );
    assert_eq!(
        refused(&MapDef::new(MapType::Array, 4, 16, 1).with_spin_lock(2)),
        ("spin_lock_off", EINVAL)
    );
    assert_eq!(
        refused(&MapDef::new(MapType::PercpuHash, 4, 16, 1).with_spin_lock(0)),
        ("spin_lock_off", EOPNOTSUPP)
    );
    assert_eq!(
        refused(&MapDef::new(MapType::LruHash, 4, 16, 1).with_spin_lock(0)),
        ("spin_lock_off", EOPNOTSUPP)
    );
}

#[test]
fn create_errors() {
    let e = create(&MapDef::new(MapType::LpmTrie, 8, 4, 1), 1)
        .err()
        .unwrap();
    assert_eq!(e, MapError::UnsupportedType(MapType::LpmTrie));
    assert_eq!(e.errno(), EOPNOTSUPP);
    assert_eq!(refused(&MapDef::new(MapType::Unspec, 4, 4, 1)).1, EINVAL);
    let e = create(&MapDef::new(MapType::PercpuArray, 4, 4, 1), 0)
        .err()
        .unwrap();
    assert_eq!(e.errno(), EINVAL);
    assert!(e.to_string().contains("cpus"), "{e}");
    let e = MapDef::new(MapType::Array, 8, 4, 1).validate().unwrap_err();
    assert!(
        e.to_string().contains("key_size") && e.to_string().contains("array"),
        "{e}"
    );
}

#[test]
fn errnos() {
    assert_eq!(MapError::NotFound.errno(), -2);
    assert_eq!(MapError::Exists.errno(), -17);
    assert_eq!(MapError::Full.errno(), -7);
    assert_eq!(
        MapError::OutOfRange {
            index: 1,
            max_entries: 1
        }
        .errno(),
        -7
    );
    assert_eq!(MapError::Flags(8).errno(), -22);
    assert_eq!(MapError::NoMemory.errno(), -12);
    assert_eq!(MapError::Busy("x").errno(), -16);
    assert_eq!(MapError::Again.errno(), -11);
    assert_eq!(MapError::BadId.errno(), -9);
    assert_eq!(MapError::Cpu { cpu: 2, cpus: 1 }.errno(), -34);
    assert_eq!(errno::ENOSPC, 28);
}

#[test]
fn host_value_size() {
    assert_eq!(MapDef::new(MapType::Array, 4, 5, 1).host_value_size(4), 5);
    assert_eq!(
        MapDef::new(MapType::PercpuArray, 4, 5, 1).host_value_size(4),
        32
    );
    assert_eq!(
        MapDef::new(MapType::LruPercpuHash, 4, 16, 1).host_value_size(3),
        48
    );
}
