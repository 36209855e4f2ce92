//! LRU hash maps: eviction instead of -E2BIG.

use quiver_maps::*;

fn k(i: u32) -> [u8; 4] {
    i.to_ne_bytes()
}

fn lru(max: u32) -> std::sync::Arc<dyn Map> {
    create(&MapDef::new(MapType::LruHash, 4, 8, max), 1).unwrap()
}

#[test]
fn evicts_unreferenced_before_referenced() {
    let m = lru(4);
    for i in 1..=4 {
        m.update(&k(i), &[i as u8; 8], BPF_NOEXIST).unwrap();
    }
    // Programs use 1 and 2.
    assert!(m.lookup(&k(1)).is_some());
    assert!(m.lookup(&k(2)).is_some());
    // Host lookups do not count as use.
    assert!(m.lookup_copy(&k(3)).is_some());
    m.update(&k(5), &[5; 8], BPF_NOEXIST).unwrap();
    assert!(
        m.lookup_copy(&k(3)).is_none(),
        "the oldest unused element goes"
    );
    for i in [1, 2, 4, 5] {
        assert!(m.lookup_copy(&k(i)).is_some(), "{i}");
    }
    m.update(&k(6), &[6; 8], BPF_NOEXIST).unwrap();
    assert!(m.lookup_copy(&k(4)).is_none());
    assert_eq!(m.downcast_ref::<HashMap>().unwrap().len(), 4);
}

#[test]
fn never_full() {
    let m = lru(16);
    for i in 0..1000 {
        m.update(&k(i), &[1; 8], BPF_ANY).unwrap();
        assert!(m.lookup_copy(&k(i)).is_some());
    }
    assert_eq!(m.downcast_ref::<HashMap>().unwrap().len(), 16);
}

#[test]
fn hot_key_survives() {
    let m = lru(8);
    m.update(&k(0), &[0; 8], BPF_ANY).unwrap();
    for i in 1..500 {
        assert!(m.lookup(&k(0)).is_some(), "hot key evicted at {i}");
        m.update(&k(i), &[1; 8], BPF_ANY).unwrap();
    }
}

#[test]
fn update_of_existing_key_when_full() {
    let m = lru(4);
    for i in 0..4 {
        m.update(&k(i), &[0; 8], BPF_ANY).unwrap();
    }
    // As in Linux, the new element needs a slot first, so a full map
    // evicts an element even when the key exists.
    m.update(&k(0), &[9; 8], BPF_ANY).unwrap();
    assert_eq!(m.lookup_copy(&k(0)), Some(vec![9; 8]));
    assert_eq!(m.downcast_ref::<HashMap>().unwrap().len(), 4);
}

#[test]
fn flags() {
    let m = lru(4);
    m.update(&k(1), &[1; 8], BPF_ANY).unwrap();
    assert_eq!(m.update(&k(1), &[2; 8], BPF_NOEXIST), Err(MapError::Exists));
    assert_eq!(m.update(&k(2), &[2; 8], BPF_EXIST), Err(MapError::NotFound));
    assert_eq!(
        m.update(&k(1), &[2; 8], BPF_F_LOCK).unwrap_err().errno(),
        -22
    );
    assert_eq!(m.update(&k(1), &[2; 8], 3).unwrap_err().errno(), -22);
    m.update(&k(1), &[3; 8], BPF_EXIST).unwrap();
    assert_eq!(m.lookup_copy(&k(1)), Some(vec![3; 8]));
    // Failed updates gave their slot back.
    for i in 10..14 {
        m.update(&k(i), &[0; 8], BPF_ANY).unwrap();
    }
    assert_eq!(m.downcast_ref::<HashMap>().unwrap().len(), 4);
    m.delete(&k(13)).unwrap();
    assert_eq!(m.delete(&k(13)), Err(MapError::NotFound));
}

#[test]
fn lru_percpu_and_no_common_lru() {
    let def = MapDef::new(MapType::LruPercpuHash, 4, 8, 4).with_flags(BPF_F_NO_COMMON_LRU);
    let m = create(&def, 2).unwrap();
    for i in 0..10 {
        m.update_percpu(&k(i), &[i as u8; 8], BPF_ANY, 1).unwrap();
    }
    assert_eq!(m.downcast_ref::<HashMap>().unwrap().len(), 4);
    assert_eq!(m.lookup_copy(&k(9)), Some([[0u8; 8], [9; 8]].concat()));
    let p = m.lookup_percpu(&k(9), 0).unwrap();
    m.update(&k(9), &[[1u8; 8], [2; 8]].concat(), BPF_EXIST)
        .unwrap();
    assert_eq!(m.lookup_percpu(&k(9), 0), Some(p));
    assert_eq!(
        m.update(&k(99), &[0; 16], BPF_EXIST),
        Err(MapError::NotFound)
    );
}
