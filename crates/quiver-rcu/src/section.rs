//! What a reader must hold to borrow from a cell.

use crate::domain::{Domain, Guard};

/// Something that keeps a read section of a domain open while borrowed.
pub trait Section<'d> {
    /// The domain the section protects.
    fn domain(&self) -> &'d Domain;
}

impl<'d> Section<'d> for Guard<'_, 'd> {
    fn domain(&self) -> &'d Domain {
        Guard::domain(self)
    }
}
