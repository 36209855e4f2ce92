//! Prog arrays and map-in-map.

use quiver_maps::*;

fn k(i: u32) -> [u8; 4] {
    i.to_ne_bytes()
}

#[test]
fn prog_array() {
    let m = create(&MapDef::new(MapType::ProgArray, 4, 4, 4), 1).unwrap();
    let pa = m.downcast_ref::<ProgArray>().unwrap();
    assert_eq!(pa.get(0), None);
    assert_eq!(pa.set(0, 7), Ok(None));
    assert_eq!(pa.set(0, 8), Ok(Some(7)));
    assert_eq!(pa.get(0), Some(8));
    // Programs cannot read it; the host reads ids.
    assert!(m.lookup(&k(0)).is_none());
    assert_eq!(m.lookup_copy(&k(0)), Some(8u32.to_ne_bytes().to_vec()));
    assert_eq!(m.lookup_copy(&k(1)), None);
    m.update(&k(3), &9u32.to_ne_bytes(), BPF_ANY).unwrap();
    assert_eq!(pa.get(3), Some(9));
    for flags in [BPF_NOEXIST, BPF_EXIST, BPF_F_LOCK] {
        assert_eq!(
            m.update(&k(3), &9u32.to_ne_bytes(), flags)
                .unwrap_err()
                .errno(),
            -22
        );
    }
    assert_eq!(
        m.update(&k(4), &9u32.to_ne_bytes(), BPF_ANY)
            .unwrap_err()
            .errno(),
        -7
    );
    assert_eq!(pa.set(4, 1).unwrap_err().errno(), -7);
    assert_eq!(
        m.update(&k(1), &0u32.to_ne_bytes(), BPF_ANY)
            .unwrap_err()
            .errno(),
        -9
    );
    assert_eq!(m.delete(&k(4)).unwrap_err().errno(), -7);
    assert_eq!(m.delete(&k(1)).unwrap_err().errno(), -2);
    m.delete(&k(3)).unwrap();
    assert_eq!(pa.get(3), None);
    assert_eq!(pa.clear(0), Ok(Some(8)));
    assert_eq!(pa.clear(0), Ok(None));
    assert_eq!(pa.get(100), None);
    let mut next = [0u8; 4];
    m.get_next_key(Some(&k(2)), &mut next).unwrap();
    assert_eq!(next, k(3));
    assert_eq!(
        m.get_next_key(Some(&k(3)), &mut next),
        Err(MapError::NotFound)
    );
}

#[test]
fn array_of_maps() {
    let inner = MapDef::new(MapType::Array, 4, 8, 4);
    let def = MapDef::new(MapType::ArrayOfMaps, 4, 4, 2).with_inner(inner.clone());
    let m = create(&def, 1).unwrap();
    let aom = m.downcast_ref::<ArrayOfMaps>().unwrap();
    assert_eq!(aom.template(), &inner);
    assert!(m.lookup(&k(0)).is_none());
    assert_eq!(aom.set(0, 42, &inner), Ok(None));
    let p = m.lookup(&k(0)).unwrap();
    assert_eq!(p.len(), 4);
    // SAFETY: a 4-byte, 4-aligned id slot that lives as long as the map.
    let id = unsafe { std::sync::atomic::AtomicU32::from_ptr(p.as_ptr().cast()) };
    assert_eq!(id.load(std::sync::atomic::Ordering::Acquire), 42);
    assert_eq!(m.lookup_copy(&k(0)), Some(42u32.to_ne_bytes().to_vec()));
    // Mismatching inner maps are refused.
    let bad = [
        MapDef::new(MapType::Array, 4, 16, 4),
        MapDef::new(MapType::Array, 4, 8, 5),
        MapDef::new(MapType::PercpuArray, 4, 8, 4),
        MapDef::new(MapType::Array, 4, 8, 4).with_flags(BPF_F_RDONLY_PROG),
    ];
    for b in &bad {
        let e = aom.set(1, 43, b).unwrap_err();
        assert!(matches!(e, MapError::InnerMismatch(_)), "{e}");
        assert_eq!(e.errno(), -22);
    }
    assert_eq!(aom.set(2, 43, &inner).unwrap_err().errno(), -7);
    assert_eq!(aom.set(1, 0, &inner).unwrap_err().errno(), -9);
    // The generic update cannot check the inner map.
    assert_eq!(
        m.update(&k(1), &43u32.to_ne_bytes(), BPF_ANY)
            .unwrap_err()
            .errno(),
        -22
    );
    assert_eq!(m.delete(&k(1)), Err(MapError::NotFound));
    m.delete(&k(0)).unwrap();
    assert_eq!(aom.get(0), None);
    assert!(m.lookup(&k(0)).is_none());
}

#[test]
fn inner_array_max_entries_rule() {
    // With BPF_F_INNER_MAP, arrays of any size fit the template.
    let tpl = MapDef::new(MapType::Array, 4, 8, 4).with_flags(BPF_F_INNER_MAP);
    let aom = ArrayOfMaps::new(&MapDef::new(MapType::ArrayOfMaps, 4, 4, 1).with_inner(tpl.clone()))
        .unwrap();
    aom.set(
        0,
        1,
        &MapDef::new(MapType::Array, 4, 8, 100).with_flags(BPF_F_INNER_MAP),
    )
    .unwrap();
    // Hash inner maps may differ in max_entries.
    let tpl = MapDef::new(MapType::Hash, 8, 8, 16);
    let aom =
        ArrayOfMaps::new(&MapDef::new(MapType::ArrayOfMaps, 4, 4, 1).with_inner(tpl)).unwrap();
    aom.set(0, 1, &MapDef::new(MapType::Hash, 8, 8, 1000))
        .unwrap();
    assert!(
        aom.set(0, 1, &MapDef::new(MapType::Hash, 4, 8, 16))
            .is_err()
    );
    assert_eq!(aom.get(0), Some(1));
}

#[test]
fn hash_of_maps() {
    let inner = MapDef::new(MapType::Ringbuf, 0, 0, 4096);
    let def = MapDef::new(MapType::HashOfMaps, 8, 4, 2).with_inner(inner.clone());
    let m = create(&def, 1).unwrap();
    let hom = m.downcast_ref::<HashOfMaps>().unwrap();
    let key = 5u64.to_ne_bytes();
    hom.insert(&key, 10, &inner, BPF_NOEXIST).unwrap();
    assert_eq!(
        hom.insert(&key, 11, &inner, BPF_NOEXIST),
        Err(MapError::Exists)
    );
    assert_eq!(
        hom.insert(&6u64.to_ne_bytes(), 11, &inner, BPF_EXIST),
        Err(MapError::NotFound)
    );
    // Ring buffers of any size match.
    hom.insert(
        &key,
        12,
        &MapDef::new(MapType::Ringbuf, 0, 0, 8192),
        BPF_EXIST,
    )
    .unwrap();
    assert_eq!(hom.get(&key), Some(12));
    assert_eq!(
        hom.insert(&key, 12, &MapDef::new(MapType::Array, 4, 4, 1), BPF_ANY)
            .unwrap_err()
            .errno(),
        -22
    );
    assert_eq!(
        hom.insert(&key, 0, &inner, BPF_ANY).unwrap_err().errno(),
        -9
    );
    hom.insert(&6u64.to_ne_bytes(), 13, &inner, BPF_ANY)
        .unwrap();
    assert_eq!(
        hom.insert(&7u64.to_ne_bytes(), 14, &inner, BPF_ANY),
        Err(MapError::Full)
    );
    assert_eq!(hom.len(), 2);
    let p = m.lookup(&key).unwrap();
    // SAFETY: a live 4-byte id value.
    assert_eq!(unsafe { p.as_ptr().cast::<u32>().read() }, 12);
    assert_eq!(m.lookup_copy(&key), Some(12u32.to_ne_bytes().to_vec()));
    assert_eq!(
        m.update(&key, &1u32.to_ne_bytes(), BPF_ANY)
            .unwrap_err()
            .errno(),
        -22
    );
    let mut next = [0u8; 8];
    m.get_next_key(None, &mut next).unwrap();
    m.get_next_key(Some(&next.clone()), &mut next).unwrap();
    m.delete(&key).unwrap();
    assert_eq!(hom.get(&key), None);
    assert_eq!(m.def().map_type, MapType::HashOfMaps);
}
