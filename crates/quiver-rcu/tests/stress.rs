//! Threads read through cells in the global domain while another swaps
//! their objects continuously; every object read is alive, every retired
//! object is eventually dropped, and none is dropped twice.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::*};
use std::thread;

use quiver_rcu::{RcuCell, global, pin};

struct Obj {
    value: u64,
    live: Arc<AtomicU64>,
}

impl Obj {
    fn new(value: u64, live: &Arc<AtomicU64>) -> Arc<Obj> {
        live.fetch_add(1, SeqCst);
        Arc::new(Obj {
            value,
            live: live.clone(),
        })
    }
}

impl Drop for Obj {
    fn drop(&mut self) {
        // A poisoned value marks the object dead for readers that would
        // (wrongly) still look at it.
        self.value = u64::MAX;
        self.live.fetch_sub(1, SeqCst);
    }
}

#[test]
fn readers_never_see_a_dropped_object() {
    let live = Arc::new(AtomicU64::new(0));
    let cells: &'static [RcuCell<'static, Obj>] = Box::leak(
        (0..4)
            .map(|i| RcuCell::new(global(), Some(Obj::new(i, &live))))
            .collect::<Vec<_>>()
            .into_boxed_slice(),
    );
    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicU64::new(0));
    let readers: Vec<_> = (0..4)
        .map(|t| {
            let stop = stop.clone();
            let reads = reads.clone();
            thread::spawn(move || {
                let mut n = 0u64;
                while !stop.load(Relaxed) {
                    let g = pin().expect("thread alive");
                    for c in cells {
                        if let Some(o) = c.load(&g) {
                            assert_ne!(o.value, u64::MAX, "reader {t} saw a dropped object");
                            n += 1;
                        }
                    }
                    if n.is_multiple_of(64) {
                        // A long section, like a program sleeping in a kfunc.
                        std::thread::sleep(std::time::Duration::from_micros(50));
                    }
                }
                reads.fetch_add(n, Relaxed);
            })
        })
        .collect();
    for round in 0..20_000u64 {
        let c = &cells[(round % 4) as usize];
        c.replace((round % 7 != 0).then(|| Obj::new(round, &live)));
    }
    stop.store(true, Relaxed);
    for r in readers {
        r.join().unwrap();
    }
    global().synchronize();
    assert_eq!(global().pending(), 0);
    let in_cells = cells.iter().filter(|c| c.is_some()).count() as u64;
    assert_eq!(
        live.load(SeqCst),
        in_cells,
        "objects leaked or dropped twice"
    );
    assert!(reads.load(Relaxed) > 0);
}

#[test]
fn load_arc_outlives_the_section() {
    let live = Arc::new(AtomicU64::new(0));
    let cell = RcuCell::new(global(), Some(Obj::new(7, &live)));
    let kept = {
        let g = pin().unwrap();
        cell.load_arc(&g).unwrap()
    };
    cell.replace(None);
    global().synchronize();
    assert_eq!(kept.value, 7);
    assert_eq!(live.load(SeqCst), 1);
    drop(kept);
    assert_eq!(live.load(SeqCst), 0);
}
