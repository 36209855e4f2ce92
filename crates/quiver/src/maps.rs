//! Map handles for the host: untyped ([`MapRef`]) and typed
//! ([`Array`], [`HashMap`], [`RingBuf`]), in aya's style:
//! `let counts: HashMap<u32, u64> = bpf.map("counts")?.try_into()?;`

use std::marker::PhantomData;
use std::sync::Arc;

use quiver_maps::{Map, MapType, RingBufConsumer};

use crate::error::Error;

/// Plain-old-data types that can be map keys and values: any bit pattern
/// of their size is a valid value.
///
/// # Safety
///
/// Implement only for `#[repr(C)]` or primitive types without padding or
/// invalid bit patterns.
pub unsafe trait Pod: Copy + 'static {}

macro_rules! pod {
    ($($t:ty),*) => { $(
        // SAFETY: primitive integers and arrays of them have no padding and
        // no invalid bit patterns.
        unsafe impl Pod for $t {}
    )* };
}
pod!(u8, u16, u32, u64, i8, i16, i32, i64, u128, i128);
// SAFETY: arrays of Pod types are Pod.
unsafe impl<T: Pod, const N: usize> Pod for [T; N] {}

fn to_bytes<T: Pod>(v: &T) -> Vec<u8> {
    // SAFETY: T is Pod (no padding), so all its size_of bytes are
    // initialised and may be read as u8.
    unsafe { std::slice::from_raw_parts((v as *const T).cast::<u8>(), size_of::<T>()) }.to_vec()
}

fn from_bytes<T: Pod>(b: &[u8]) -> Option<T> {
    (b.len() == size_of::<T>()).then(|| {
        // SAFETY: the slice has exactly size_of::<T>() bytes and every bit
        // pattern is a valid T (Pod); read_unaligned copes with alignment.
        unsafe { std::ptr::read_unaligned(b.as_ptr().cast::<T>()) }
    })
}

/// A map of a loaded object, untyped.
#[derive(Clone)]
pub struct MapRef {
    pub(crate) name: String,
    pub(crate) map: Arc<dyn Map>,
}

impl MapRef {
    /// The map's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The underlying map, for operations the typed handles do not offer.
    pub fn raw(&self) -> &Arc<dyn Map> {
        &self.map
    }

    /// Every key, in iteration order.
    pub fn keys(&self) -> Vec<Vec<u8>> {
        let mut keys: Vec<Vec<u8>> = Vec::new();
        let mut next = vec![0u8; self.map.def().key_size as usize];
        loop {
            let prev = keys.last().map(Vec::as_slice);
            if self.map.get_next_key(prev, &mut next).is_err()
                || keys.len() > self.map.def().max_entries as usize
            {
                return keys;
            }
            keys.push(next.clone());
        }
    }

    fn check<K, V>(&self, expected: &'static str, types: &[MapType]) -> Result<(), Error> {
        let def = self.map.def();
        if !types.contains(&def.map_type) {
            return Err(Error::MapType {
                name: self.name.clone(),
                actual: def.map_type.to_string(),
                expected,
            });
        }
        for (size, want) in [
            (size_of::<K>(), def.key_size),
            (size_of::<V>(), def.value_size),
        ] {
            if size != want as usize {
                return Err(Error::MapSize {
                    name: self.name.clone(),
                    actual: size,
                    expected: want,
                });
            }
        }
        Ok(())
    }
}

/// An array map with values of type `V`.
#[doc(alias = "BPF_MAP_TYPE_ARRAY")]
pub struct Array<V: Pod> {
    map: MapRef,
    _v: PhantomData<V>,
}

impl<V: Pod> TryFrom<MapRef> for Array<V> {
    type Error = Error;
    fn try_from(map: MapRef) -> Result<Self, Error> {
        map.check::<u32, V>("array", &[MapType::Array])?;
        Ok(Array {
            map,
            _v: PhantomData,
        })
    }
}

impl<V: Pod> Array<V> {
    /// The value at `index` (None past the end).
    pub fn get(&self, index: u32) -> Option<V> {
        from_bytes(&self.map.map.lookup_copy(&index.to_ne_bytes())?)
    }

    /// Sets the value at `index`.
    pub fn set(&self, index: u32, value: V) -> Result<(), Error> {
        self.map
            .map
            .update(
                &index.to_ne_bytes(),
                &to_bytes(&value),
                quiver_maps::BPF_ANY,
            )
            .map_err(|source| Error::Map {
                name: self.map.name.clone(),
                source,
            })
    }

    /// Number of elements.
    pub fn len(&self) -> u32 {
        self.map.map.def().max_entries
    }

    /// Whether the array has no elements (never, for a valid map).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A hash map (plain or LRU) from `K` to `V`.
#[doc(alias = "BPF_MAP_TYPE_HASH")]
pub struct HashMap<K: Pod, V: Pod> {
    map: MapRef,
    _kv: PhantomData<(K, V)>,
}

impl<K: Pod, V: Pod> TryFrom<MapRef> for HashMap<K, V> {
    type Error = Error;
    fn try_from(map: MapRef) -> Result<Self, Error> {
        map.check::<K, V>("hash map", &[MapType::Hash, MapType::LruHash])?;
        Ok(HashMap {
            map,
            _kv: PhantomData,
        })
    }
}

impl<K: Pod, V: Pod> HashMap<K, V> {
    /// The value of `key`.
    pub fn get(&self, key: &K) -> Option<V> {
        from_bytes(&self.map.map.lookup_copy(&to_bytes(key))?)
    }

    /// Inserts or replaces with `BPF_ANY` / `BPF_NOEXIST` / `BPF_EXIST`.
    pub fn insert(&self, key: &K, value: &V, flags: u64) -> Result<(), Error> {
        self.map
            .map
            .update(&to_bytes(key), &to_bytes(value), flags)
            .map_err(|source| Error::Map {
                name: self.map.name.clone(),
                source,
            })
    }

    /// Removes `key`.
    pub fn remove(&self, key: &K) -> Result<(), Error> {
        self.map
            .map
            .delete(&to_bytes(key))
            .map_err(|source| Error::Map {
                name: self.map.name.clone(),
                source,
            })
    }

    /// Every (key, value) pair, in iteration order.
    pub fn iter(&self) -> Vec<(K, V)> {
        self.map
            .keys()
            .into_iter()
            .filter_map(|k| Some((from_bytes(&k)?, from_bytes(&self.map.map.lookup_copy(&k)?)?)))
            .collect()
    }
}

/// A ring buffer's consumer side.
#[doc(alias = "BPF_MAP_TYPE_RINGBUF")]
pub struct RingBuf {
    consumer: RingBufConsumer,
}

impl TryFrom<MapRef> for RingBuf {
    type Error = Error;
    fn try_from(map: MapRef) -> Result<Self, Error> {
        let name = map.name.clone();
        let actual = map.map.def().map_type.to_string();
        let rb =
            quiver_maps::downcast_arc::<quiver_maps::RingBuf>(map.map).ok_or(Error::MapType {
                name: name.clone(),
                actual,
                expected: "ringbuf",
            })?;
        let consumer = RingBufConsumer::new(rb).map_err(|source| Error::Map { name, source })?;
        Ok(RingBuf { consumer })
    }
}

impl RingBuf {
    /// Hands every committed record to `f`; returns how many.
    pub fn consume(&mut self, f: impl FnMut(&[u8])) -> usize {
        self.consumer.consume(f)
    }

    /// Waits up to `timeout` for records, then consumes them.
    pub fn poll(&mut self, timeout: std::time::Duration, f: impl FnMut(&[u8])) -> usize {
        self.consumer.poll(timeout, f)
    }
}

/// A prog array: slots of programs that tail calls and
/// `quiver_prog_array_call` enter. Every program put in it must match its
/// [`Owner`](crate::prog_array::Owner) (fixed by the first program that
/// used or entered it); updates are safe while other threads run programs
/// from it (see [`crate::prog_array`]).
#[doc(alias = "BPF_MAP_TYPE_PROG_ARRAY")]
pub struct ProgArray {
    map: MapRef,
    array: std::sync::Arc<crate::prog_array::ProgArrayMap>,
}

impl TryFrom<MapRef> for ProgArray {
    type Error = Error;
    fn try_from(map: MapRef) -> Result<Self, Error> {
        map.check::<u32, u32>("prog_array", &[MapType::ProgArray])?;
        let array = map
            .map
            .clone()
            .into_any()
            .downcast::<crate::prog_array::ProgArrayMap>()
            .map_err(|_| Error::MapType {
                name: map.name.clone(),
                actual: "prog_array not created by quiver's loader".into(),
                expected: "prog_array",
            })?;
        Ok(ProgArray { map, array })
    }
}

impl ProgArray {
    fn err(&self, source: quiver_maps::MapError) -> Error {
        Error::Map {
            name: self.map.name.clone(),
            source,
        }
    }

    /// Puts `program` in slot `index`, replacing what was there; calls
    /// already running finish on the program they entered.
    pub fn set(&self, index: u32, program: &crate::Program) -> Result<(), Error> {
        self.array
            .set(index, Some(program.core().clone()))
            .map_err(|e| self.err(e))
    }

    /// Empties slot `index` (-ENOENT if it was empty).
    pub fn clear(&self, index: u32) -> Result<(), Error> {
        self.array.set(index, None).map_err(|e| self.err(e))
    }

    /// The id of the program in slot `index`.
    pub fn get(&self, index: u32) -> Option<u32> {
        let v = self.map.map.lookup_copy(&index.to_ne_bytes())?;
        Some(u32::from_ne_bytes(v.try_into().ok()?))
    }

    /// What its programs must agree on, once fixed.
    pub fn owner(&self) -> Option<crate::prog_array::Owner> {
        self.array.owner()
    }

    /// Number of slots.
    pub fn len(&self) -> u32 {
        self.array.len() as u32
    }

    /// Whether it has no slots (never, for a valid map).
    pub fn is_empty(&self) -> bool {
        self.array.is_empty()
    }
}
