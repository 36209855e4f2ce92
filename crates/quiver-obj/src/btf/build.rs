//! Building BTF for host types declared in Rust: the target of CO-RE
//! relocations and the description of struct_ops and context types.
//!
//! A Rust host describes a `#[repr(C)]` type with explicit offsets
//! (`std::mem::offset_of!`), or lets [`Btf::add_struct_c`] lay it out as a C
//! compiler would.

use super::Btf;
use super::types::*;

impl Btf {
    /// Adds an integer type (`int`, `unsigned int`, `u8`...).
    pub fn add_int(&mut self, name: &str, size: u32, signed: bool) -> TypeId {
        let encoding = if signed { INT_SIGNED } else { 0 };
        self.add(BtfType::Int {
            name: name.into(),
            size,
            encoding,
            bit_offset: 0,
            bits: (size * 8) as u8,
        })
    }

    /// Adds `ty *`.
    pub fn add_ptr(&mut self, ty: TypeId) -> TypeId {
        self.add(BtfType::Ptr { ty })
    }

    /// Adds `elem[n]`.
    pub fn add_array(&mut self, elem: TypeId, n: u32) -> TypeId {
        let index = match self.find("__ARRAY_SIZE_TYPE__", |t| matches!(t, BtfType::Int { .. })) {
            Some(i) => i,
            None => self.add_int("__ARRAY_SIZE_TYPE__", 4, false),
        };
        self.add(BtfType::Array {
            elem,
            index,
            nelems: n,
        })
    }

    /// Adds a typedef.
    pub fn add_typedef(&mut self, name: &str, ty: TypeId) -> TypeId {
        self.add(BtfType::Typedef {
            name: name.into(),
            ty,
        })
    }

    /// Alignment of a type as a C compiler for BPF would choose it.
    pub fn align_of(&self, id: TypeId) -> u32 {
        self.align_depth(id, 0)
    }

    fn align_depth(&self, id: TypeId, depth: usize) -> u32 {
        if depth > 32 {
            return 1;
        }
        match self.get(self.skip_mods(id)) {
            Some(
                BtfType::Int { size, .. }
                | BtfType::Float { size, .. }
                | BtfType::Enum { size, .. },
            ) => (*size).clamp(1, 8),
            Some(BtfType::Ptr { .. }) => 8,
            Some(BtfType::Array { elem, .. }) => self.align_depth(*elem, depth + 1),
            Some(BtfType::Struct { members, .. } | BtfType::Union { members, .. }) => members
                .iter()
                .map(|m| self.align_depth(m.ty, depth + 1))
                .max()
                .unwrap_or(1),
            _ => 1,
        }
    }

    /// Adds a struct with members at explicit byte offsets, as a
    /// `#[repr(C)]` Rust type reports them with `offset_of!`.
    pub fn add_struct_at(
        &mut self,
        name: &str,
        size: u32,
        fields: &[(&str, TypeId, u32)],
    ) -> TypeId {
        let members = fields
            .iter()
            .map(|&(n, ty, off)| Member {
                name: n.into(),
                ty,
                bit_offset: off * 8,
                bitfield_size: 0,
            })
            .collect();
        self.add(BtfType::Struct {
            name: name.into(),
            size,
            members,
        })
    }

    /// Adds a struct laid out with C's rules (each member at the next offset
    /// aligned for its type; the size padded to the largest alignment).
    pub fn add_struct_c(&mut self, name: &str, fields: &[(&str, TypeId)]) -> TypeId {
        let mut off = 0u32;
        let mut align = 1u32;
        let mut placed = Vec::with_capacity(fields.len());
        for &(n, ty) in fields {
            let a = self.align_of(ty);
            align = align.max(a);
            off = off.div_ceil(a) * a;
            placed.push((n, ty, off));
            off += self.size_of(ty).unwrap_or(0);
        }
        let size = off.div_ceil(align) * align;
        self.add_struct_at(name, size, &placed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lays_out_like_c() {
        let mut b = Btf::default();
        let u8_ = b.add_int("u8", 1, false);
        let u32_ = b.add_int("u32", 4, false);
        let u64_ = b.add_int("u64", 8, false);
        let arr = b.add_array(u8_, 3);
        let s = b.add_struct_c("s", &[("a", u8_), ("b", u32_), ("c", arr), ("d", u64_)]);
        let offs: Vec<u32> = b
            .members(s)
            .unwrap()
            .iter()
            .map(|m| m.bit_offset / 8)
            .collect();
        assert_eq!(offs, [0, 4, 8, 16]);
        assert_eq!(b.size_of(s), Some(24));
    }
}
