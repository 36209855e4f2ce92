//! Many threads using one map at once, as concurrent BPF programs do.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::*};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use quiver_maps::*;

const THREADS: usize = 4;

fn k(i: u32) -> [u8; 4] {
    i.to_ne_bytes()
}

/// Runs `f(thread_index)` on THREADS threads started together.
fn run(f: impl Fn(usize) + Send + Sync + 'static) {
    let f = Arc::new(f);
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (f, barrier) = (f.clone(), barrier.clone());
            thread::spawn(move || {
                barrier.wait();
                f(t)
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn atomic_increments_through_array_pointers() {
    const N: u64 = 50_000;
    let m = create(&MapDef::new(MapType::Array, 4, 16, 4), 1).unwrap();
    let m2 = m.clone();
    run(move |_| {
        for i in 0..N {
            let p = m2.lookup(&k((i % 4) as u32)).unwrap();
            // SAFETY: array values are 8-aligned, 16 bytes, and live as
            // long as the map, which this thread holds.
            let c = unsafe { AtomicU64::from_ptr(p.as_ptr().add(8).cast()) };
            c.fetch_add(1, Relaxed);
        }
    });
    let total: u64 = (0..4)
        .map(|i| u64::from_ne_bytes(m.lookup_copy(&k(i)).unwrap()[8..].try_into().unwrap()))
        .sum();
    assert_eq!(total, THREADS as u64 * N);
}

#[test]
fn atomic_increments_through_hash_pointers() {
    const N: u64 = 20_000;
    let m = create(&MapDef::new(MapType::Hash, 4, 8, 64), 1).unwrap();
    let m2 = m.clone();
    run(move |t| {
        for i in 0..N {
            let key = k((i % 8) as u32);
            // Concurrent first inserts: one wins, the others see EEXIST.
            let p = match m2.lookup(&key) {
                Some(p) => p,
                None => {
                    match m2.update(&key, &[0; 8], BPF_NOEXIST) {
                        Ok(()) | Err(MapError::Exists) => {}
                        Err(e) => panic!("{e}"),
                    }
                    m2.lookup(&key).unwrap()
                }
            };
            // SAFETY: a live 8-byte value; nobody deletes these keys.
            let c = unsafe { AtomicU64::from_ptr(p.as_ptr().cast()) };
            c.fetch_add(1, Relaxed);
            // Unrelated churn on other keys meanwhile.
            let other = k(1000 + (t as u32) * 100 + (i % 16) as u32);
            let _ = m2.update(&other, &[1; 8], BPF_ANY);
            let _ = m2.delete(&other);
        }
    });
    let total: u64 = (0..8)
        .map(|i| u64::from_ne_bytes(m.lookup_copy(&k(i)).unwrap().try_into().unwrap()))
        .sum();
    assert_eq!(total, THREADS as u64 * N);
}

#[test]
fn mixed_hash_operations() {
    const OPS: u32 = 20_000;
    let m = create(&MapDef::new(MapType::Hash, 4, 16, 256), 1).unwrap();
    let m2 = m.clone();
    run(move |t| {
        let t = t as u32;
        let mut seed = 0x9e37_79b9u32.wrapping_mul(t + 1);
        for i in 0..OPS {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            // Own keys: exact expectations. Shared keys: only consistency.
            let own = t * 32 + seed % 32;
            let shared = 10_000 + seed % 64;
            let val = |key: u32| {
                let mut v = [0u8; 16];
                v[..4].copy_from_slice(&key.to_ne_bytes());
                v[8..].copy_from_slice(&u64::from(i).to_ne_bytes());
                v
            };
            match seed % 5 {
                0 => {
                    m2.update(&k(own), &val(own), BPF_ANY).unwrap();
                    let got = m2.lookup_copy(&k(own)).unwrap();
                    assert_eq!(got, val(own));
                }
                1 => match m2.delete(&k(own)) {
                    Ok(()) => assert!(m2.lookup(&k(own)).is_none()),
                    Err(e) => assert_eq!(e, MapError::NotFound),
                },
                2 => match m2.update(&k(shared), &val(shared), BPF_ANY) {
                    Ok(()) | Err(MapError::Full) => {}
                    Err(e) => panic!("{e}"),
                },
                3 => {
                    let _ = m2.delete(&k(shared));
                }
                _ => {
                    if let Some(v) = m2.lookup_copy(&k(shared)) {
                        // Values are replaced whole: never torn.
                        assert_eq!(&v[..4], &shared.to_ne_bytes());
                    }
                    let mut next = [0u8; 4];
                    let _ = m2.get_next_key(Some(&k(shared)), &mut next);
                }
            }
        }
    });
    let h = m.downcast_ref::<HashMap>().unwrap();
    assert!(h.len() <= 256);
    assert_eq!(h.keys().len(), h.len());
    for key in h.keys() {
        let v = m.lookup_copy(&key).unwrap();
        assert_eq!(&v[..4], &key[..]);
    }
}

#[test]
fn full_hash_under_contention_never_exceeds_max() {
    let m = create(&MapDef::new(MapType::Hash, 4, 8, 32), 1).unwrap();
    let m2 = m.clone();
    run(move |t| {
        for i in 0..5_000u32 {
            let key = k((t as u32) << 16 | (i % 64));
            match m2.update(&key, &[2; 8], BPF_ANY) {
                Ok(()) | Err(MapError::Full) => {}
                Err(e) => panic!("{e}"),
            }
            if i % 3 == 0 {
                let _ = m2.delete(&key);
            }
        }
    });
    let h = m.downcast_ref::<HashMap>().unwrap();
    assert!(h.len() <= 32);
    assert_eq!(h.keys().len(), h.len());
}

#[test]
fn lru_under_contention() {
    let m = create(&MapDef::new(MapType::LruHash, 4, 8, 16), 1).unwrap();
    let m2 = m.clone();
    run(move |t| {
        for i in 0..5_000u32 {
            let key = k((t as u32) << 16 | i);
            match m2.update(&key, &[3; 8], BPF_ANY) {
                // An LRU insert can fail with ENOMEM when every slot is in
                // flight in other threads, as in Linux.
                Ok(()) | Err(MapError::NoMemory) => {}
                Err(e) => panic!("{e}"),
            }
            let _ = m2.lookup(&key);
        }
    });
    let h = m.downcast_ref::<HashMap>().unwrap();
    assert!(h.len() <= 16);
    assert_eq!(h.keys().len(), h.len());
}

#[test]
fn locked_copies_are_never_torn() {
    // value: bpf_spin_lock at 0, then 56 bytes written as one pattern
    let def = MapDef::new(MapType::Hash, 4, 64, 4).with_spin_lock(0);
    let m = create(&def, 1).unwrap();
    m.update(&k(0), &[0; 64], BPF_ANY).unwrap();
    let m2 = m.clone();
    run(move |t| {
        for i in 0..3_000u32 {
            if t % 2 == 0 {
                let b = (t as u8) << 4 | (i % 16) as u8;
                m2.update(&k(0), &[b; 64], BPF_F_LOCK | BPF_EXIST).unwrap();
            } else {
                let v = m2.lookup_copy_flags(&k(0), BPF_F_LOCK).unwrap();
                assert!(v[8..].iter().all(|&x| x == v[8]), "torn: {v:?}");
                assert_eq!(&v[..4], &[0; 4]);
            }
        }
    });
}

#[test]
fn program_side_spin_lock() {
    // Programs take the value's lock with the same protocol.
    let def = MapDef::new(MapType::Array, 4, 16, 1).with_spin_lock(0);
    let m = create(&def, 1).unwrap();
    let m2 = m.clone();
    run(move |_| {
        let p = m2.lookup(&k(0)).unwrap();
        // SAFETY: lock at 0 (4-aligned), u64 counter at 8; the array lives.
        let (lock, ctr) = unsafe {
            (
                AtomicU32::from_ptr(p.as_ptr().cast()),
                AtomicU64::from_ptr(p.as_ptr().add(8).cast()),
            )
        };
        for _ in 0..10_000 {
            spin_lock(lock);
            // A non-atomic read-modify-write made safe by the lock.
            ctr.store(ctr.load(Relaxed) + 1, Relaxed);
            spin_unlock(lock);
        }
    });
    let v = m.lookup_copy_flags(&k(0), BPF_F_LOCK).unwrap();
    assert_eq!(
        u64::from_ne_bytes(v[8..].try_into().unwrap()),
        THREADS as u64 * 10_000
    );
}

#[test]
fn percpu_slots_need_no_atomics() {
    let m = create(&MapDef::new(MapType::PercpuArray, 4, 8, 1), THREADS).unwrap();
    let m2 = m.clone();
    run(move |cpu| {
        for _ in 0..10_000 {
            let p = m2.lookup_percpu(&k(0), cpu).unwrap();
            // SAFETY: this CPU's 8-byte value; only this thread uses it.
            let c = unsafe { AtomicU64::from_ptr(p.as_ptr().cast()) };
            c.store(c.load(Relaxed) + 1, Relaxed);
        }
    });
    let all = m.lookup_copy(&k(0)).unwrap();
    for cpu in 0..THREADS {
        assert_eq!(
            u64::from_ne_bytes(all[cpu * 8..cpu * 8 + 8].try_into().unwrap()),
            10_000
        );
    }
}

#[test]
fn ringbuf_many_producers_one_consumer() {
    const PER: u32 = 20_000;
    let rb = Arc::new(RingBuf::new(&MapDef::new(MapType::Ringbuf, 0, 0, 16 * 4096)).unwrap());
    let mut consumer = RingBufConsumer::new(rb.clone()).unwrap();
    let reader = thread::spawn(move || {
        let mut next = [0u32; THREADS];
        let mut total = 0;
        while total < THREADS * PER as usize {
            consumer.poll(Duration::from_millis(100), |d| {
                let p = u32::from_ne_bytes(d[..4].try_into().unwrap()) as usize;
                let seq = u32::from_ne_bytes(d[4..8].try_into().unwrap());
                assert_eq!(seq, next[p], "producer {p} out of order");
                assert_eq!(d.len(), 8 + (seq % 5) as usize);
                assert!(d[8..].iter().all(|&b| b == p as u8));
                next[p] += 1;
                total += 1;
            });
        }
        next
    });
    let rb2 = rb.clone();
    run(move |t| {
        for seq in 0..PER {
            let extra = (seq % 5) as usize;
            // Half via reserve/submit (as programs do), half via output.
            if seq % 2 == 0 {
                let rec = loop {
                    match rb2.reserve(8 + extra as u64, 0) {
                        Some(r) => break r,
                        None => thread::yield_now(),
                    }
                };
                let mut d = vec![t as u8; 8 + extra];
                d[..4].copy_from_slice(&(t as u32).to_ne_bytes());
                d[4..8].copy_from_slice(&seq.to_ne_bytes());
                // SAFETY: the reserved record is ours until submitted.
                unsafe { rec.as_ptr().copy_from_nonoverlapping(d.as_ptr(), d.len()) };
                rb2.submit(rec.as_ptr(), 0).unwrap();
            } else {
                let mut d = vec![t as u8; 8 + extra];
                d[..4].copy_from_slice(&(t as u32).to_ne_bytes());
                d[4..8].copy_from_slice(&seq.to_ne_bytes());
                while let Err(e) = rb2.output(&d, 0) {
                    assert_eq!(e, MapError::Again);
                    thread::yield_now();
                }
            }
        }
    });
    assert_eq!(reader.join().unwrap(), [PER; THREADS]);
    assert_eq!(rb.avail_data(), 0);
}
