//! Array and per-CPU array maps.

use std::sync::Arc;

use quiver_maps::*;

fn k(i: u32) -> [u8; 4] {
    i.to_ne_bytes()
}

fn array(value_size: u32, max: u32) -> Arc<dyn Map> {
    create(&MapDef::new(MapType::Array, 4, value_size, max), 1).unwrap()
}

#[test]
fn zero_initialised_and_bounds() {
    let m = array(12, 4);
    for i in 0..4 {
        assert_eq!(m.lookup_copy(&k(i)), Some(vec![0; 12]));
        let p = m.lookup(&k(i)).unwrap();
        assert_eq!(p.len(), 12);
        assert_eq!(p.addr() % 8, 0);
    }
    assert!(m.lookup(&k(4)).is_none());
    assert!(m.lookup(&k(u32::MAX)).is_none());
    assert!(m.lookup(&[0, 0]).is_none());
    assert!(m.lookup_copy(&k(4)).is_none());
    assert_eq!(m.lookup_copy_flags(&k(4), 0).unwrap_err().errno(), -2);
}

#[test]
fn update_flags_and_errors() {
    let m = array(8, 4);
    m.update(&k(1), &7u64.to_ne_bytes(), BPF_ANY).unwrap();
    m.update(&k(1), &8u64.to_ne_bytes(), BPF_EXIST).unwrap();
    assert_eq!(m.lookup_copy(&k(1)), Some(8u64.to_ne_bytes().to_vec()));
    assert_eq!(m.update(&k(1), &[0; 8], BPF_NOEXIST), Err(MapError::Exists));
    assert_eq!(
        m.update(&k(1), &[0; 8], BPF_NOEXIST).unwrap_err().errno(),
        -17
    );
    let e = m.update(&k(4), &[0; 8], BPF_ANY).unwrap_err();
    assert_eq!(
        e,
        MapError::OutOfRange {
            index: 4,
            max_entries: 4
        }
    );
    assert_eq!(e.errno(), -7);
    assert_eq!(m.update(&k(1), &[0; 8], 3).unwrap_err().errno(), -22);
    assert_eq!(m.update(&k(1), &[0; 8], 8).unwrap_err().errno(), -22);
    // BPF_F_LOCK needs a spin lock in the value.
    assert_eq!(
        m.update(&k(1), &[0; 8], BPF_F_LOCK).unwrap_err().errno(),
        -22
    );
    assert_eq!(
        m.lookup_copy_flags(&k(1), BPF_F_LOCK).unwrap_err().errno(),
        -22
    );
    assert_eq!(m.lookup_copy_flags(&k(1), 1).unwrap_err().errno(), -22);
    assert!(matches!(
        m.update(&k(1), &[0; 4], BPF_ANY),
        Err(MapError::ValueSize {
            expected: 8,
            got: 4
        })
    ));
    assert!(matches!(
        m.update(&[1, 0], &[0; 8], BPF_ANY),
        Err(MapError::KeySize {
            expected: 4,
            got: 2
        })
    ));
    assert_eq!(m.delete(&k(1)).unwrap_err().errno(), -22);
    assert_eq!(m.lookup_copy(&k(1)), Some(8u64.to_ne_bytes().to_vec()));
}

#[test]
fn pointer_is_stable_and_shared() {
    let m = array(16, 2);
    let p = m.lookup(&k(1)).unwrap();
    // SAFETY: p is valid for 16 bytes while m lives and 8-aligned.
    unsafe { p.as_ptr().add(8).cast::<u64>().write(0xabcd) };
    m.update(&k(1), &[1; 16], BPF_ANY).unwrap();
    assert_eq!(m.lookup(&k(1)), Some(p));
    // SAFETY: as above.
    let first = unsafe { p.as_ptr().cast::<u64>().read() };
    assert_eq!(first, u64::from_ne_bytes([1; 8]));
}

#[test]
fn get_next_key_iterates_each_index_once() {
    let m = array(4, 5);
    let mut next = [0u8; 4];
    let mut seen = vec![];
    let mut key: Option<[u8; 4]> = None;
    loop {
        match m.get_next_key(key.as_ref().map(|k| &k[..]), &mut next) {
            Ok(()) => {
                seen.push(u32::from_ne_bytes(next));
                key = Some(next);
            }
            Err(e) => {
                assert_eq!(e.errno(), -2);
                break;
            }
        }
    }
    assert_eq!(seen, vec![0, 1, 2, 3, 4]);
    // Out-of-range key restarts at 0.
    m.get_next_key(Some(&k(99)), &mut next).unwrap();
    assert_eq!(u32::from_ne_bytes(next), 0);
    assert_eq!(m.get_next_key(None, &mut [0; 2]).unwrap_err().errno(), -22);
}

#[test]
fn percpu_array() {
    let m = create(&MapDef::new(MapType::PercpuArray, 4, 5, 3), 3).unwrap();
    assert_eq!(m.cpus(), 3);
    assert_eq!(m.host_value_size(), 24);
    assert_eq!(m.lookup_copy(&k(0)), Some(vec![0; 24]));
    // Program side: only its CPU's value.
    m.update_percpu(&k(2), &[1, 2, 3, 4, 5], BPF_ANY, 1)
        .unwrap();
    let all = m.lookup_copy(&k(2)).unwrap();
    assert_eq!(all, [[0u8; 8], [1, 2, 3, 4, 5, 0, 0, 0], [0; 8]].concat());
    let p0 = m.lookup_percpu(&k(2), 0).unwrap();
    let p1 = m.lookup_percpu(&k(2), 1).unwrap();
    assert_ne!(p0, p1);
    assert_eq!(m.lookup(&k(2)), Some(p0));
    assert!(m.lookup_percpu(&k(2), 3).is_none());
    assert_eq!(
        m.update_percpu(&k(2), &[0; 5], BPF_ANY, 3)
            .unwrap_err()
            .errno(),
        -34
    );
    assert_eq!(
        m.update_percpu(&k(2), &[0; 5], BPF_NOEXIST, 0)
            .unwrap_err()
            .errno(),
        -17
    );
    assert_eq!(
        m.update_percpu(&k(3), &[0; 5], BPF_ANY, 0)
            .unwrap_err()
            .errno(),
        -7
    );
    // Host side: every CPU's value, each padded to 8 bytes.
    let mut host = vec![0u8; 24];
    for cpu in 0..3 {
        host[cpu * 8..cpu * 8 + 5].fill(cpu as u8 + 10);
        host[cpu * 8 + 5..cpu * 8 + 8].fill(0xee); // padding is ignored
    }
    m.update(&k(0), &host, BPF_EXIST).unwrap();
    let got = m.lookup_copy(&k(0)).unwrap();
    for cpu in 0..3 {
        assert_eq!(&got[cpu * 8..cpu * 8 + 5], &[cpu as u8 + 10; 5]);
        assert_eq!(&got[cpu * 8 + 5..cpu * 8 + 8], &[0; 3]);
    }
    assert_eq!(m.update(&k(0), &[0; 5], BPF_ANY).unwrap_err().errno(), -22);
    assert_eq!(m.update(&k(0), &host, BPF_F_LOCK).unwrap_err().errno(), -22);
    assert_eq!(m.delete(&k(0)).unwrap_err().errno(), -22);
}

#[test]
fn spin_lock_copies() {
    // value: u64 a, bpf_spin_lock at 8, u32 b at 12
    let def = MapDef::new(MapType::Array, 4, 16, 1).with_spin_lock(8);
    let m = create(&def, 1).unwrap();
    let mut v = [0u8; 16];
    v[..8].copy_from_slice(&5u64.to_ne_bytes());
    v[8..12].fill(0xff); // ignored: the lock is never copied
    v[12..].copy_from_slice(&9u32.to_ne_bytes());
    m.update(&k(0), &v, BPF_F_LOCK).unwrap();
    m.update(&k(0), &v, BPF_F_LOCK | BPF_EXIST).unwrap();
    assert_eq!(
        m.update(&k(0), &v, BPF_F_LOCK | BPF_NOEXIST)
            .unwrap_err()
            .errno(),
        -17
    );
    let got = m.lookup_copy_flags(&k(0), BPF_F_LOCK).unwrap();
    assert_eq!(&got[..8], &5u64.to_ne_bytes());
    assert_eq!(&got[8..12], &[0; 4]);
    assert_eq!(&got[12..], &9u32.to_ne_bytes());
    // The lock word in memory stayed unlocked.
    let p = m.lookup(&k(0)).unwrap();
    // SAFETY: the value is 16 bytes, the lock is a 4-aligned u32 at 8.
    let lock = unsafe { std::sync::atomic::AtomicU32::from_ptr(p.as_ptr().add(8).cast()) };
    assert_eq!(lock.load(std::sync::atomic::Ordering::Relaxed), 0);
    // A program holding the lock makes a locked copy wait for it.
    spin_lock(lock);
    let m2 = m.clone();
    let t = std::thread::spawn(move || m2.lookup_copy_flags(&k(0), BPF_F_LOCK).unwrap());
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert!(!t.is_finished());
    spin_unlock(lock);
    assert_eq!(t.join().unwrap(), got);
}

#[test]
fn mmapable_data_and_downcast() {
    let def = MapDef::new(MapType::Array, 4, 12, 3).with_flags(BPF_F_MMAPABLE);
    let m = create(&def, 1).unwrap();
    let a = m.downcast_ref::<ArrayMap>().unwrap();
    assert_eq!(a.len(), 3);
    let data = a.data_ptr().unwrap();
    assert_eq!(data.len(), 3 * 16);
    // SAFETY: value 2 starts at 2 * round_up(12, 8) in the 48-byte block.
    unsafe { data.as_ptr().add(32).write_bytes(7, 12) };
    assert_eq!(m.lookup_copy(&k(2)), Some(vec![7; 12]));
    assert_eq!(a.value_ptr(2, 0).unwrap().addr(), data.addr() + 32);
    assert!(m.downcast_ref::<HashMap>().is_none());
    let arc = downcast_arc::<ArrayMap>(m).unwrap();
    assert_eq!(arc.def().value_size, 12);
    let pc = ArrayMap::new(&MapDef::new(MapType::PercpuArray, 4, 4, 1), 2).unwrap();
    assert!(pc.data_ptr().is_none());
}
