//! Abstract domains, one concept per file.

pub mod tnum;
