//! Hash and per-CPU hash maps.

use std::collections::HashSet;
use std::sync::Arc;

use quiver_maps::*;

fn k(i: u32) -> [u8; 4] {
    i.to_ne_bytes()
}

fn v(i: u64) -> [u8; 8] {
    i.to_ne_bytes()
}

fn hash(max: u32) -> Arc<dyn Map> {
    create(&MapDef::new(MapType::Hash, 4, 8, max), 1).unwrap()
}

fn all_keys(m: &dyn Map) -> Vec<Vec<u8>> {
    let ks = m.def().key_size as usize;
    let mut keys = vec![];
    let mut next = vec![0u8; ks];
    let mut cur: Option<Vec<u8>> = None;
    while m.get_next_key(cur.as_deref(), &mut next).is_ok() {
        keys.push(next.clone());
        cur = Some(next.clone());
        assert!(keys.len() <= 100_000, "iteration does not end");
    }
    keys
}

#[test]
fn insert_lookup_delete() {
    let m = hash(8);
    assert!(m.lookup(&k(1)).is_none());
    assert_eq!(m.delete(&k(1)), Err(MapError::NotFound));
    assert_eq!(m.delete(&k(1)).unwrap_err().errno(), -2);
    m.update(&k(1), &v(10), BPF_ANY).unwrap();
    m.update(&k(2), &v(20), BPF_NOEXIST).unwrap();
    assert_eq!(m.lookup_copy(&k(1)), Some(v(10).to_vec()));
    assert_eq!(m.lookup_copy(&k(2)), Some(v(20).to_vec()));
    let p = m.lookup(&k(2)).unwrap();
    assert_eq!((p.len(), p.addr() % 8), (8, 0));
    // SAFETY: valid 8-byte aligned value of a live element.
    assert_eq!(unsafe { p.as_ptr().cast::<u64>().read() }, 20);
    m.delete(&k(1)).unwrap();
    assert!(m.lookup(&k(1)).is_none());
    assert_eq!(m.downcast_ref::<HashMap>().unwrap().len(), 1);
    assert!(m.lookup(&[1, 2]).is_none());
    assert_eq!(m.delete(&[1, 2]).unwrap_err().errno(), -22);
    assert_eq!(m.update(&k(3), &[0; 4], BPF_ANY).unwrap_err().errno(), -22);
}

#[test]
fn update_flags() {
    let m = hash(8);
    assert_eq!(m.update(&k(1), &v(1), BPF_EXIST), Err(MapError::NotFound));
    assert_eq!(m.update(&k(1), &v(1), BPF_EXIST).unwrap_err().errno(), -2);
    m.update(&k(1), &v(1), BPF_NOEXIST).unwrap();
    assert_eq!(m.update(&k(1), &v(2), BPF_NOEXIST), Err(MapError::Exists));
    assert_eq!(m.lookup_copy(&k(1)), Some(v(1).to_vec()));
    m.update(&k(1), &v(3), BPF_EXIST).unwrap();
    m.update(&k(1), &v(4), BPF_ANY).unwrap();
    assert_eq!(m.lookup_copy(&k(1)), Some(v(4).to_vec()));
    assert_eq!(m.update(&k(1), &v(5), 3).unwrap_err().errno(), -22);
    assert_eq!(m.update(&k(1), &v(5), 16).unwrap_err().errno(), -22);
    // No spin lock in the value: BPF_F_LOCK is refused.
    assert_eq!(m.update(&k(1), &v(5), BPF_F_LOCK).unwrap_err().errno(), -22);
    assert_eq!(
        m.lookup_copy_flags(&k(1), BPF_F_LOCK).unwrap_err().errno(),
        -22
    );
    assert_eq!(m.lookup_copy(&k(1)), Some(v(4).to_vec()));
}

#[test]
fn full_map() {
    let m = hash(4);
    for i in 0..4 {
        m.update(&k(i), &v(i.into()), BPF_ANY).unwrap();
    }
    assert_eq!(m.update(&k(9), &v(9), BPF_ANY), Err(MapError::Full));
    assert_eq!(m.update(&k(9), &v(9), BPF_NOEXIST).unwrap_err().errno(), -7);
    // Replacing existing keys works in a full map, many times.
    for round in 0..20 {
        for i in 0..4 {
            m.update(&k(i), &v(round * 10 + u64::from(i)), BPF_ANY)
                .unwrap();
            m.update(&k(i), &v(round * 10 + u64::from(i)), BPF_EXIST)
                .unwrap();
        }
    }
    for i in 0..4 {
        assert_eq!(m.lookup_copy(&k(i)), Some(v(190 + u64::from(i)).to_vec()));
    }
    m.delete(&k(0)).unwrap();
    m.update(&k(9), &v(9), BPF_NOEXIST).unwrap();
    assert_eq!(m.update(&k(10), &v(9), BPF_ANY), Err(MapError::Full));
}

#[test]
fn deleted_slots_are_reused() {
    let m = hash(4);
    for round in 0..1000u32 {
        for i in 0..4 {
            m.update(&k(round * 4 + i), &v(1), BPF_NOEXIST).unwrap();
        }
        for i in 0..4 {
            m.delete(&k(round * 4 + i)).unwrap();
        }
    }
    assert!(m.downcast_ref::<HashMap>().unwrap().is_empty());
}

#[test]
fn replaced_value_pointer_stays_readable() {
    let m = hash(2);
    m.update(&k(1), &v(1), BPF_ANY).unwrap();
    let old = m.lookup(&k(1)).unwrap();
    m.update(&k(1), &v(2), BPF_ANY).unwrap();
    let new = m.lookup(&k(1)).unwrap();
    // The old memory still belongs to the map (it is on the free list).
    // SAFETY: map memory lives as long as the map.
    let _ = unsafe { old.as_ptr().cast::<u64>().read_volatile() };
    // SAFETY: live element.
    assert_eq!(unsafe { new.as_ptr().cast::<u64>().read() }, 2);
}

#[test]
fn get_next_key_visits_each_key_once() {
    let m = hash(1000);
    let mut next = [0u8; 4];
    assert_eq!(m.get_next_key(None, &mut next), Err(MapError::NotFound));
    for i in 0..700 {
        m.update(&k(i * 7919), &v(i.into()), BPF_ANY).unwrap();
    }
    let keys = all_keys(&*m);
    assert_eq!(keys.len(), 700);
    let set: HashSet<_> = keys.iter().cloned().collect();
    assert_eq!(set.len(), 700);
    for i in 0..700 {
        assert!(set.contains(k(i * 7919).as_slice()));
    }
    // A missing key restarts from the first key.
    m.get_next_key(Some(&k(1)), &mut next).unwrap();
    assert_eq!(next.to_vec(), keys[0]);
    m.get_next_key(None, &mut next).unwrap();
    assert_eq!(next.to_vec(), keys[0]);
    // The last key has no successor.
    assert_eq!(
        m.get_next_key(Some(keys.last().unwrap()), &mut next),
        Err(MapError::NotFound)
    );
    assert_eq!(
        m.downcast_ref::<HashMap>().unwrap().keys(),
        keys,
        "keys() is iteration order"
    );
    // Deleting while iterating (the classic bpftool loop) visits all keys.
    let mut cur: Option<Vec<u8>> = None;
    let mut deleted = 0;
    loop {
        if m.get_next_key(cur.as_deref(), &mut next).is_err() {
            break;
        }
        if let Some(c) = &cur {
            m.delete(c).unwrap();
            deleted += 1;
        }
        cur = Some(next.to_vec());
    }
    m.delete(cur.as_deref().unwrap()).unwrap();
    assert_eq!(deleted + 1, 700);
    assert!(m.downcast_ref::<HashMap>().unwrap().is_empty());
}

#[test]
fn zero_seed_is_deterministic() {
    let def = MapDef::new(MapType::Hash, 4, 8, 64).with_flags(BPF_F_ZERO_SEED);
    let a = create(&def, 1).unwrap();
    let b = create(&def, 1).unwrap();
    for i in 0..50 {
        a.update(&k(i), &v(0), BPF_ANY).unwrap();
        b.update(&k(49 - i), &v(0), BPF_ANY).unwrap();
    }
    let (ka, kb) = (all_keys(&*a), all_keys(&*b));
    // Same buckets; within a bucket the newest element comes first.
    let sort = |mut v: Vec<Vec<u8>>| {
        v.sort();
        v
    };
    assert_eq!(sort(ka.clone()), sort(kb.clone()));
    let c = create(&def, 1).unwrap();
    for i in 0..50 {
        c.update(&k(i), &v(0), BPF_ANY).unwrap();
    }
    assert_eq!(all_keys(&*c), ka);
}

#[test]
fn lookup_and_delete() {
    let m = hash(4);
    m.update(&k(1), &v(11), BPF_ANY).unwrap();
    assert_eq!(m.lookup_and_delete(&k(1)), Ok(v(11).to_vec()));
    assert_eq!(m.lookup_and_delete(&k(1)), Err(MapError::NotFound));
    assert!(m.lookup(&k(1)).is_none());
}

#[test]
fn spin_lock_updates_in_place() {
    let def = MapDef::new(MapType::Hash, 4, 16, 4).with_spin_lock(0);
    let m = create(&def, 1).unwrap();
    let mut val = [0u8; 16];
    val[8..].copy_from_slice(&v(5));
    // BPF_F_LOCK on a missing key inserts.
    m.update(&k(1), &val, BPF_F_LOCK).unwrap();
    let p = m.lookup(&k(1)).unwrap();
    val[8..].copy_from_slice(&v(6));
    m.update(&k(1), &val, BPF_F_LOCK | BPF_EXIST).unwrap();
    assert_eq!(m.lookup(&k(1)), Some(p), "locked update copies in place");
    assert_eq!(
        m.update(&k(1), &val, BPF_F_LOCK | BPF_NOEXIST),
        Err(MapError::Exists)
    );
    assert_eq!(
        m.update(&k(2), &val, BPF_F_LOCK | BPF_EXIST),
        Err(MapError::NotFound)
    );
    let got = m.lookup_copy_flags(&k(1), BPF_F_LOCK).unwrap();
    assert_eq!(&got[8..], &v(6));
    assert_eq!(&got[..4], &[0; 4]);
    assert_eq!(
        m.lookup_copy_flags(&k(2), BPF_F_LOCK),
        Err(MapError::NotFound)
    );
    assert_eq!(m.lookup_copy_flags(&k(1), 0).unwrap(), got);
}

#[test]
fn percpu_hash() {
    let m = create(&MapDef::new(MapType::PercpuHash, 4, 4, 8), 2).unwrap();
    assert_eq!(m.host_value_size(), 16);
    // A program on CPU 1 creates the element: other CPUs read zero.
    m.update_percpu(&k(1), &[1, 1, 1, 1], BPF_NOEXIST, 1)
        .unwrap();
    assert_eq!(
        m.lookup_copy(&k(1)),
        Some([[0u8; 8], [1, 1, 1, 1, 0, 0, 0, 0]].concat())
    );
    let p1 = m.lookup_percpu(&k(1), 1).unwrap();
    m.update_percpu(&k(1), &[2, 2, 2, 2], BPF_EXIST, 0).unwrap();
    assert_eq!(
        m.lookup_percpu(&k(1), 1),
        Some(p1),
        "per-CPU updates are in place"
    );
    assert_eq!(
        m.lookup_copy(&k(1)),
        Some([[2u8, 2, 2, 2, 0, 0, 0, 0], [1, 1, 1, 1, 0, 0, 0, 0]].concat())
    );
    assert!(m.lookup_percpu(&k(1), 2).is_none());
    assert_eq!(
        m.update_percpu(&k(1), &[0; 4], BPF_ANY, 2)
            .unwrap_err()
            .errno(),
        -34
    );
    assert_eq!(
        m.update_percpu(&k(1), &[0; 4], BPF_NOEXIST, 0),
        Err(MapError::Exists)
    );
    assert_eq!(
        m.update_percpu(&k(2), &[0; 4], BPF_EXIST, 0),
        Err(MapError::NotFound)
    );
    // Host update: every CPU.
    let host = [[3u8, 3, 3, 3, 9, 9, 9, 9], [4, 4, 4, 4, 9, 9, 9, 9]].concat();
    m.update(&k(2), &host, BPF_ANY).unwrap();
    assert_eq!(
        m.lookup_copy(&k(2)),
        Some([[3u8, 3, 3, 3, 0, 0, 0, 0], [4, 4, 4, 4, 0, 0, 0, 0]].concat())
    );
    assert_eq!(m.update(&k(2), &[0; 4], BPF_ANY).unwrap_err().errno(), -22);
    assert_eq!(m.update(&k(2), &host, BPF_F_LOCK).unwrap_err().errno(), -22);
    assert_eq!(m.lookup_and_delete(&k(2)).unwrap().len(), 16);
}

#[test]
fn no_prealloc_grows_without_moving() {
    let def = MapDef::new(MapType::Hash, 4, 8, 5000).with_flags(BPF_F_NO_PREALLOC);
    let m = create(&def, 1).unwrap();
    m.update(&k(0), &v(0), BPF_ANY).unwrap();
    let p0 = m.lookup(&k(0)).unwrap();
    for i in 1..5000 {
        m.update(&k(i), &v(i.into()), BPF_ANY).unwrap();
    }
    assert_eq!(m.update(&k(5000), &v(0), BPF_ANY), Err(MapError::Full));
    assert_eq!(m.lookup(&k(0)), Some(p0));
    for i in 0..5000 {
        assert_eq!(m.lookup_copy(&k(i)), Some(v(i.into()).to_vec()));
    }
}

#[test]
fn odd_sizes() {
    let m = create(&MapDef::new(MapType::Hash, 13, 3, 16), 1).unwrap();
    for i in 0..16u8 {
        m.update(&[i; 13], &[i, i + 1, i + 2], BPF_ANY).unwrap();
    }
    for i in 0..16u8 {
        assert_eq!(m.lookup_copy(&[i; 13]), Some(vec![i, i + 1, i + 2]));
    }
    assert_eq!(all_keys(&*m).len(), 16);
}
