//! Queue (FIFO) and stack (LIFO) maps.

use quiver_maps::*;

fn make(t: MapType, max: u32) -> std::sync::Arc<dyn Map> {
    create(&MapDef::new(t, 0, 4, max), 1).unwrap()
}

fn pop(m: &dyn Map) -> Result<u32, MapError> {
    let mut out = [0u8; 4];
    m.pop(&mut out)?;
    Ok(u32::from_ne_bytes(out))
}

fn push(m: &dyn Map, v: u32, flags: u64) -> Result<(), MapError> {
    m.push(&v.to_ne_bytes(), flags)
}

#[test]
fn queue_is_fifo() {
    let q = make(MapType::Queue, 3);
    for i in 1..=3 {
        push(&*q, i, BPF_ANY).unwrap();
    }
    assert_eq!(push(&*q, 4, BPF_ANY), Err(MapError::Full));
    assert_eq!(push(&*q, 4, BPF_ANY).unwrap_err().errno(), -7);
    let mut out = [0u8; 4];
    q.peek(&mut out).unwrap();
    assert_eq!(u32::from_ne_bytes(out), 1);
    assert_eq!(pop(&*q), Ok(1));
    push(&*q, 4, BPF_ANY).unwrap();
    assert_eq!((pop(&*q), pop(&*q), pop(&*q)), (Ok(2), Ok(3), Ok(4)));
    assert_eq!(pop(&*q), Err(MapError::NotFound));
    assert_eq!(q.peek(&mut out).unwrap_err().errno(), -2);
}

#[test]
fn stack_is_lifo() {
    let s = make(MapType::Stack, 3);
    for i in 1..=3 {
        push(&*s, i, BPF_ANY).unwrap();
    }
    assert_eq!(push(&*s, 4, BPF_ANY).unwrap_err().errno(), -7);
    assert_eq!(pop(&*s), Ok(3));
    push(&*s, 5, BPF_ANY).unwrap();
    assert_eq!((pop(&*s), pop(&*s), pop(&*s)), (Ok(5), Ok(2), Ok(1)));
    assert_eq!(pop(&*s), Err(MapError::NotFound));
}

#[test]
fn exist_overwrites_oldest_when_full() {
    let q = make(MapType::Queue, 3);
    for i in 1..=5 {
        push(&*q, i, BPF_EXIST).unwrap();
    }
    assert_eq!((pop(&*q), pop(&*q), pop(&*q)), (Ok(3), Ok(4), Ok(5)));
    let s = make(MapType::Stack, 3);
    for i in 1..=5 {
        push(&*s, i, BPF_EXIST).unwrap();
    }
    // The oldest (1, then 2) were dropped; pops still take the newest.
    assert_eq!((pop(&*s), pop(&*s), pop(&*s)), (Ok(5), Ok(4), Ok(3)));
    assert_eq!(pop(&*s), Err(MapError::NotFound));
}

#[test]
fn flags_and_sizes() {
    let q = make(MapType::Queue, 2);
    assert_eq!(push(&*q, 1, BPF_NOEXIST).unwrap_err().errno(), -22);
    assert_eq!(
        push(&*q, 1, BPF_EXIST | BPF_NOEXIST).unwrap_err().errno(),
        -22
    );
    assert_eq!(push(&*q, 1, BPF_F_LOCK).unwrap_err().errno(), -22);
    assert_eq!(q.push(&[1, 2], BPF_ANY).unwrap_err().errno(), -22);
    assert_eq!(q.pop(&mut [0; 8]).unwrap_err().errno(), -22);
    assert!(q.downcast_ref::<QueueMap>().unwrap().is_empty());
}

#[test]
fn syscall_view() {
    let q = make(MapType::Queue, 2);
    // BPF_MAP_UPDATE_ELEM pushes, LOOKUP peeks, LOOKUP_AND_DELETE pops.
    q.update(&[], &7u32.to_ne_bytes(), BPF_ANY).unwrap();
    q.update(&[], &8u32.to_ne_bytes(), BPF_ANY).unwrap();
    assert_eq!(
        q.update(&[], &9u32.to_ne_bytes(), BPF_ANY)
            .unwrap_err()
            .errno(),
        -7
    );
    assert_eq!(
        q.update(&[0; 4], &9u32.to_ne_bytes(), BPF_ANY)
            .unwrap_err()
            .errno(),
        -22
    );
    assert_eq!(q.lookup_copy(&[]), Some(7u32.to_ne_bytes().to_vec()));
    assert_eq!(q.lookup_and_delete(&[]), Ok(7u32.to_ne_bytes().to_vec()));
    assert_eq!(q.downcast_ref::<QueueMap>().unwrap().len(), 1);
    assert!(q.lookup(&[]).is_none());
    assert_eq!(q.delete(&[]).unwrap_err().errno(), -22);
    assert_eq!(q.get_next_key(None, &mut []).unwrap_err().errno(), -22);
    assert_eq!(q.lookup_and_delete(&[]), Ok(8u32.to_ne_bytes().to_vec()));
    assert_eq!(q.lookup_and_delete(&[]), Err(MapError::NotFound));
    assert_eq!(q.lookup_copy(&[]), None);
}

#[test]
fn other_maps_refuse_queue_ops() {
    let a = create(&MapDef::new(MapType::Array, 4, 4, 1), 1).unwrap();
    assert_eq!(a.push(&[0; 4], BPF_ANY).unwrap_err().errno(), -524);
    assert_eq!(a.pop(&mut [0; 4]).unwrap_err().errno(), -524);
    assert_eq!(a.peek(&mut [0; 4]).unwrap_err().errno(), -524);
    assert_eq!(a.lookup_and_delete(&[0; 4]).unwrap_err().errno(), -524);
}
