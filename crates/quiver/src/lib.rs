//! quiver: a userspace eBPF runtime. This crate is the embedding API: load
//! an object, bind its maps, helpers and externs, and run its programs.

pub mod printk;
