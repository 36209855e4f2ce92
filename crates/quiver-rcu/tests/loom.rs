//! Every interleaving (within loom's bounds) of readers loading from a
//! cell while a writer replaces its object: no reader ever sees a dropped
//! object, and a retired object is dropped once its readers are gone.
//!
//! `RUSTFLAGS="--cfg loom" cargo test -p quiver-rcu --test loom --release`
#![cfg(loom)]

use loom::sync::Arc;
use loom::sync::atomic::AtomicBool;
use loom::thread;
use quiver_rcu::{Domain, RcuCell};
use std::sync::atomic::Ordering::SeqCst;

struct Obj {
    id: usize,
    dropped: Arc<[AtomicBool; 3]>,
}

impl Drop for Obj {
    fn drop(&mut self) {
        self.dropped[self.id].store(true, SeqCst);
    }
}

fn obj(id: usize, dropped: &Arc<[AtomicBool; 3]>) -> Option<std::sync::Arc<Obj>> {
    Some(std::sync::Arc::new(Obj {
        id,
        dropped: dropped.clone(),
    }))
}

fn flags() -> Arc<[AtomicBool; 3]> {
    Arc::new([
        AtomicBool::new(false),
        AtomicBool::new(false),
        AtomicBool::new(false),
    ])
}

fn leak<T>(v: T) -> &'static T {
    Box::leak(Box::new(v))
}

/// Frees what `leak` gave out, once every thread using it has joined (loom
/// reports leaked loom objects).
fn unleak(cell: &'static RcuCell<'static, Obj>, domain: &'static Domain) {
    // SAFETY: both came from `Box::leak` in this model run and every
    // thread that borrowed them has been joined; the cell goes first since
    // it borrows the domain.
    unsafe {
        drop(Box::from_raw(std::ptr::from_ref(cell).cast_mut()));
        drop(Box::from_raw(std::ptr::from_ref(domain).cast_mut()));
    }
}

fn builder() -> loom::model::Builder {
    let mut b = loom::model::Builder::new();
    b.preemption_bound = Some(3);
    b
}

fn reader_thread(
    domain: &'static Domain,
    cell: &'static RcuCell<'static, Obj>,
    dropped: Arc<[AtomicBool; 3]>,
    rounds: usize,
) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let reader = domain.register();
        for _ in 0..rounds {
            let g = reader.pin();
            if let Some(o) = cell.load(&g) {
                assert!(
                    !dropped[o.id].load(SeqCst),
                    "read object {} after drop",
                    o.id
                );
                thread::yield_now();
                assert!(
                    !dropped[o.id].load(SeqCst),
                    "object {} dropped mid-section",
                    o.id
                );
            }
        }
    })
}

#[test]
fn replace_then_synchronize() {
    builder().check(|| {
        let dropped = flags();
        let domain = leak(Domain::new());
        let cell = leak(RcuCell::new(domain, obj(0, &dropped)));
        let r = reader_thread(domain, cell, dropped.clone(), 2);
        cell.replace(obj(1, &dropped));
        domain.synchronize();
        assert!(
            dropped[0].load(SeqCst),
            "retired object kept after synchronize"
        );
        assert!(!dropped[1].load(SeqCst));
        r.join().unwrap();
        unleak(cell, domain);
    });
}

#[test]
fn two_readers_deferred_reclaim() {
    builder().check(|| {
        let dropped = flags();
        let domain = leak(Domain::new());
        let cell = leak(RcuCell::new(domain, obj(0, &dropped)));
        let a = reader_thread(domain, cell, dropped.clone(), 1);
        let b = reader_thread(domain, cell, dropped.clone(), 1);
        cell.replace(obj(1, &dropped));
        cell.replace(None);
        a.join().unwrap();
        b.join().unwrap();
        // Both readers are gone: a reclaim frees everything.
        assert_eq!(domain.reclaim(), 0);
        assert!(dropped[0].load(SeqCst) && dropped[1].load(SeqCst));
        unleak(cell, domain);
    });
}

#[test]
fn nested_sections_keep_the_outer_one_open() {
    builder().check(|| {
        let dropped = flags();
        let domain = leak(Domain::new());
        let cell = leak(RcuCell::new(domain, obj(0, &dropped)));
        let d2 = dropped.clone();
        let r = thread::spawn(move || {
            let reader = domain.register();
            let outer = reader.pin();
            let first = cell.load(&outer).map(|o| o.id);
            {
                let _inner = reader.pin();
            }
            // The inner section ended; the outer one still protects.
            if let Some(id) = first {
                assert!(!d2[id].load(SeqCst));
            }
            drop(outer);
        });
        cell.replace(obj(2, &dropped));
        r.join().unwrap();
        domain.synchronize();
        assert!(dropped[0].load(SeqCst));
        unleak(cell, domain);
    });
}
