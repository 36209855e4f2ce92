//! quiver: a userspace eBPF runtime. This crate is the embedding API: load
//! an object that clang built for Linux, get its programs and maps, run.
//!
//! ```
//! use quiver::maps::Array;
//!
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/obj/syscall_ctx.v3.g.o");
//! let bpf = quiver::Loader::new().load(&std::fs::read(path).unwrap()).unwrap();
//! let prog = bpf.program("sum_args").unwrap();
//!
//! // struct args { u32 n; u32 seed; u64 out; u32 values[8]; }
//! let mut ctx = [0u8; 48];
//! ctx[0..4].copy_from_slice(&2u32.to_le_bytes());
//! ctx[4..8].copy_from_slice(&1u32.to_le_bytes());
//! ctx[16..20].copy_from_slice(&10u32.to_le_bytes());
//! ctx[20..24].copy_from_slice(&20u32.to_le_bytes());
//! let r0 = prog.run_context(&mut ctx).unwrap();
//! assert_eq!(r0, (1 * 31 + 10) * 31 + 20);
//!
//! // The program stored the sum under key n = 2.
//! let results: Array<u64> = bpf.map("results").unwrap().try_into().unwrap();
//! assert_eq!(results.get(2), Some(r0));
//! ```

pub mod async_host;
pub mod ctx;
mod error;
mod handle;
pub mod helpers;
pub mod hook;
pub mod linux_host;
mod loader;
pub mod maps;
mod native_maps;
pub mod printk;
pub mod prog_array;
mod program;
pub mod struct_ops;
pub mod verify;

pub use error::Error;
pub use loader::{Bpf, Loader};
pub use program::Program;
pub use quiver_obj::section::{ProgType, SectionKind};
pub use quiver_vm::Engine;
