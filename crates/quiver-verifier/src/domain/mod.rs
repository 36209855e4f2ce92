//! Abstract domains, one concept per file.

pub mod alu;
pub mod branch;
mod cast;
mod interval;
pub mod scalar;
pub mod tnum;

#[cfg(test)]
mod testing;
