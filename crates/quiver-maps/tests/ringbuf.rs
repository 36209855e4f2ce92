//! Ring buffer: reserve/submit/discard, ordering, wraparound, wake-ups.

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use quiver_maps::*;

fn ring(size: u32) -> Arc<RingBuf> {
    Arc::new(RingBuf::new(&MapDef::new(MapType::Ringbuf, 0, 0, size)).unwrap())
}

fn drain(c: &mut RingBufConsumer) -> Vec<Vec<u8>> {
    let mut out = vec![];
    c.consume(|d| out.push(d.to_vec()));
    out
}

/// Writes `data` into a reserved record (what a program does).
fn fill(rec: ValuePtr, data: &[u8]) {
    assert!(data.len() <= rec.len());
    // SAFETY: a reserved, not yet submitted record is ours to write.
    unsafe {
        rec.as_ptr()
            .copy_from_nonoverlapping(data.as_ptr(), data.len())
    };
}

#[test]
fn reserve_submit_consume() {
    let rb = ring(4096);
    let mut c = RingBufConsumer::new(rb.clone()).unwrap();
    assert_eq!(c.consume(|_| panic!("empty")), 0);
    let rec = rb.reserve(5, 0).unwrap();
    assert_eq!((rec.len(), rec.addr() % 8), (5, 0));
    assert!(rb.contains(rec.as_ptr()));
    // Header + data rounded up to 8.
    assert_eq!(rb.query(BPF_RB_AVAIL_DATA), 16);
    assert_eq!(rb.query(BPF_RB_PROD_POS), 16);
    assert_eq!(rb.query(BPF_RB_CONS_POS), 0);
    assert_eq!(rb.query(BPF_RB_RING_SIZE), 4096);
    assert_eq!(rb.query(99), 0);
    fill(rec, b"hello");
    assert_eq!(c.consume(|_| panic!("not committed")), 0);
    rb.submit(rec.as_ptr(), 0).unwrap();
    assert_eq!(drain(&mut c), vec![b"hello".to_vec()]);
    assert_eq!(rb.query(BPF_RB_AVAIL_DATA), 0);
    assert_eq!(rb.query(BPF_RB_CONS_POS), 16);
    // A record can be committed once only; foreign pointers are refused.
    assert_eq!(rb.submit(rec.as_ptr(), 0).unwrap_err().errno(), -22);
    let x = 0u64;
    assert_eq!(
        rb.submit((&raw const x).cast(), 0).unwrap_err().errno(),
        -22
    );
}

#[test]
fn discard_and_ordering() {
    let rb = ring(4096);
    let mut c = RingBufConsumer::new(rb.clone()).unwrap();
    let a = rb.reserve(8, 0).unwrap();
    let b = rb.reserve(3, 0).unwrap();
    let d = rb.reserve(4, 0).unwrap();
    fill(a, b"AAAAAAAA");
    fill(b, b"BBB");
    fill(d, b"DDDD");
    rb.submit(d.as_ptr(), 0).unwrap();
    rb.discard(b.as_ptr(), 0).unwrap();
    // `a` is still busy: nothing after it can be consumed.
    assert!(drain(&mut c).is_empty());
    rb.submit(a.as_ptr(), 0).unwrap();
    assert_eq!(drain(&mut c), vec![b"AAAAAAAA".to_vec(), b"DDDD".to_vec()]);
    assert_eq!(rb.avail_data(), 0);
}

#[test]
fn limits() {
    let rb = ring(4096);
    assert!(rb.reserve(8, 1).is_none(), "reserve takes no flags");
    assert!(rb.reserve(4096, 0).is_none(), "larger than the ring");
    assert!(rb.reserve(u64::MAX, 0).is_none());
    // The ring never fills completely: 4096 - 8 bytes at most.
    let big = rb.reserve(4096 - 16, 0).unwrap();
    assert!(rb.reserve(1, 0).is_none());
    assert_eq!(rb.output(b"x", 0), Err(MapError::Again));
    assert_eq!(rb.output(b"x", 0).unwrap_err().errno(), -11);
    rb.discard(big.as_ptr(), BPF_RB_NO_WAKEUP).unwrap();
    assert_eq!(rb.output(b"x", 4).unwrap_err().errno(), -22);
    // Still no room until the consumer moves past the discarded record.
    assert!(rb.reserve(1, 0).is_none());
    let mut c = RingBufConsumer::new(rb.clone()).unwrap();
    assert_eq!(c.consume(|_| panic!("discarded")), 0);
    rb.output(b"xyz", BPF_RB_FORCE_WAKEUP).unwrap();
    assert_eq!(drain(&mut c), vec![b"xyz".to_vec()]);
}

#[test]
fn wraparound_keeps_records_contiguous() {
    let rb = ring(4096);
    let mut c = RingBufConsumer::new(rb.clone()).unwrap();
    let mut expected = std::collections::VecDeque::new();
    let mut got = 0usize;
    let mut n = 0u32;
    while rb.query(BPF_RB_PROD_POS) < 20 * 4096 {
        let len = (n as usize * 37) % 700 + 1;
        let data: Vec<u8> = (0..len).map(|i| (i as u32 * 31 + n) as u8).collect();
        match rb.output(&data, 0) {
            Ok(()) => {
                expected.push_back(data);
                n += 1;
            }
            Err(MapError::Again) => {
                c.consume(|d| {
                    assert_eq!(d, expected.pop_front().unwrap());
                    got += 1;
                });
            }
            Err(e) => panic!("{e}"),
        }
    }
    c.consume(|d| {
        assert_eq!(d, expected.pop_front().unwrap());
        got += 1;
    });
    assert!(expected.is_empty());
    assert_eq!(got, n as usize);
    assert!(n > 100);
}

#[test]
fn single_consumer() {
    let rb = ring(4096);
    let c = RingBufConsumer::new(rb.clone()).unwrap();
    assert_eq!(RingBufConsumer::new(rb.clone()).err().unwrap().errno(), -16);
    drop(c);
    RingBufConsumer::new(rb).unwrap();
}

#[test]
fn map_ops_are_not_supported() {
    let m = create(&MapDef::new(MapType::Ringbuf, 0, 0, 4096), 1).unwrap();
    assert!(m.lookup(&[]).is_none());
    assert_eq!(m.update(&[], &[], 0).unwrap_err().errno(), -524);
    assert_eq!(m.delete(&[]).unwrap_err().errno(), -524);
    assert_eq!(m.get_next_key(None, &mut []).unwrap_err().errno(), -524);
    let rb = downcast_arc::<RingBuf>(m).unwrap();
    assert_eq!(rb.size(), 4096);
}

#[test]
fn blocking_wait_is_woken_by_submit() {
    let rb = ring(4096);
    let mut c = RingBufConsumer::new(rb.clone()).unwrap();
    let producer = {
        let rb = rb.clone();
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(30));
            rb.output(b"ping", 0).unwrap();
        })
    };
    let start = Instant::now();
    let mut got = vec![];
    let n = c.poll(Duration::from_secs(5), |d| got.push(d.to_vec()));
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!((n, got), (1, vec![b"ping".to_vec()]));
    producer.join().unwrap();
    // Timeout with nothing to read.
    let start = Instant::now();
    assert!(!c.wait(Some(Duration::from_millis(30))));
    assert!(start.elapsed() >= Duration::from_millis(30));
}

#[test]
fn wakeup_flags() {
    let rb = ring(4096);
    let mut c = RingBufConsumer::new(rb.clone()).unwrap();
    // NO_WAKEUP: the waiting consumer sleeps on until its timeout.
    let t = {
        let rb = rb.clone();
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(50));
            rb.output(b"quiet", BPF_RB_NO_WAKEUP).unwrap();
        })
    };
    let start = Instant::now();
    let n = c.poll(Duration::from_millis(300), |_| {});
    assert!(start.elapsed() >= Duration::from_millis(290), "woken early");
    assert_eq!(n, 1, "the record is still consumed");
    t.join().unwrap();

    // Default flags: a commit behind a busy record does not wake (the
    // consumer could not read it anyway); FORCE_WAKEUP does.
    let busy = rb.reserve(8, 0).unwrap();
    rb.output(b"behind", 0).unwrap();
    let start = Instant::now();
    assert!(!c.wait(Some(Duration::from_millis(100))));
    assert!(start.elapsed() >= Duration::from_millis(100));
    let t = {
        let rb = rb.clone();
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(50));
            rb.output(b"forced", BPF_RB_FORCE_WAKEUP).unwrap();
        })
    };
    let start = Instant::now();
    assert!(
        !c.wait(Some(Duration::from_secs(5))),
        "woken, but the head is busy"
    );
    assert!(start.elapsed() < Duration::from_secs(2));
    t.join().unwrap();
    rb.submit(busy.as_ptr(), 0).unwrap();
    assert_eq!(drain(&mut c).len(), 3);
}

#[test]
fn notify_ends_an_unbounded_wait() {
    let rb = ring(4096);
    let c = RingBufConsumer::new(rb.clone()).unwrap();
    let t = thread::spawn(move || c.wait(None));
    while !t.is_finished() {
        thread::sleep(Duration::from_millis(10));
        rb.notify();
    }
    assert!(!t.join().unwrap());
}
