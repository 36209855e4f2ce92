//! Value semantics of ALU, byte-order and jump instructions as functions of
//! register values, so that every execution mode computes the same thing.
//!
//! Every function takes and returns whole 64-bit registers; 32-bit forms
//! look at the low halves and zero-extend their result. Immediates arrive
//! already sign-extended to 64 bits, which gives their low half for the
//! 32-bit forms.

macro_rules! defs {
    ($($name:ident($a:ident, $b:ident) $body:block)*) => {
        $(
            #[inline(always)]
            pub(crate) fn $name($a: u64, $b: u64) -> u64 $body
        )*
    };
}

defs! {
    add64(a, b) { a.wrapping_add(b) }
    sub64(a, b) { a.wrapping_sub(b) }
    mul64(a, b) { a.wrapping_mul(b) }
    div64(a, b) { a.checked_div(b).unwrap_or(0) }
    // INT_MIN / -1 wraps to INT_MIN, as on every BPF implementation.
    sdiv64(a, b) { if b == 0 { 0 } else { (a as i64).wrapping_div(b as i64) as u64 } }
    mod64(a, b) { if b == 0 { a } else { a % b } }
    smod64(a, b) { if b == 0 { a } else { (a as i64).wrapping_rem(b as i64) as u64 } }
    or64(a, b) { a | b }
    and64(a, b) { a & b }
    xor64(a, b) { a ^ b }
    mov64(_a, b) { b }
    // `wrapping_sh*` masks the count to the width, as the ISA requires.
    lsh64(a, b) { a.wrapping_shl(b as u32) }
    rsh64(a, b) { a.wrapping_shr(b as u32) }
    arsh64(a, b) { (a as i64).wrapping_shr(b as u32) as u64 }

    add32(a, b) { (a as u32).wrapping_add(b as u32) as u64 }
    sub32(a, b) { (a as u32).wrapping_sub(b as u32) as u64 }
    mul32(a, b) { (a as u32).wrapping_mul(b as u32) as u64 }
    div32(a, b) { (a as u32).checked_div(b as u32).unwrap_or(0) as u64 }
    sdiv32(a, b) {
        if b as u32 == 0 { 0 } else { (a as i32).wrapping_div(b as i32) as u32 as u64 }
    }
    mod32(a, b) { if b as u32 == 0 { a as u32 as u64 } else { ((a as u32) % (b as u32)) as u64 } }
    smod32(a, b) {
        if b as u32 == 0 { a as u32 as u64 } else { (a as i32).wrapping_rem(b as i32) as u32 as u64 }
    }
    or32(a, b) { ((a | b) as u32) as u64 }
    and32(a, b) { ((a & b) as u32) as u64 }
    xor32(a, b) { ((a ^ b) as u32) as u64 }
    mov32(_a, b) { b as u32 as u64 }
    lsh32(a, b) { (a as u32).wrapping_shl(b as u32) as u64 }
    rsh32(a, b) { (a as u32).wrapping_shr(b as u32) as u64 }
    arsh32(a, b) { (a as i32).wrapping_shr(b as u32) as u32 as u64 }
}

#[inline(always)]
pub(crate) fn neg64(a: u64) -> u64 {
    a.wrapping_neg()
}
#[inline(always)]
pub(crate) fn neg32(a: u64) -> u64 {
    (a as u32).wrapping_neg() as u64
}
#[inline(always)]
pub(crate) fn sx8_64(a: u64) -> u64 {
    a as i8 as i64 as u64
}
#[inline(always)]
pub(crate) fn sx16_64(a: u64) -> u64 {
    a as i16 as i64 as u64
}
#[inline(always)]
pub(crate) fn sx32_64(a: u64) -> u64 {
    a as i32 as i64 as u64
}
#[inline(always)]
pub(crate) fn sx8_32(a: u64) -> u64 {
    a as i8 as i32 as u32 as u64
}
#[inline(always)]
pub(crate) fn sx16_32(a: u64) -> u64 {
    a as i16 as i32 as u32 as u64
}
#[inline(always)]
pub(crate) fn zext16(a: u64) -> u64 {
    a as u16 as u64
}
#[inline(always)]
pub(crate) fn zext32(a: u64) -> u64 {
    a as u32 as u64
}
#[inline(always)]
pub(crate) fn swap16(a: u64) -> u64 {
    (a as u16).swap_bytes() as u64
}
#[inline(always)]
pub(crate) fn swap32(a: u64) -> u64 {
    (a as u32).swap_bytes() as u64
}
#[inline(always)]
pub(crate) fn swap64(a: u64) -> u64 {
    a.swap_bytes()
}

macro_rules! conds {
    ($($name:ident($a:ident, $b:ident) $body:expr;)*) => {
        $(
            #[inline(always)]
            pub(crate) fn $name($a: u64, $b: u64) -> bool { $body }
        )*
    };
}

conds! {
    jeq64(a, b) a == b;
    jne64(a, b) a != b;
    jgt64(a, b) a > b;
    jge64(a, b) a >= b;
    jlt64(a, b) a < b;
    jle64(a, b) a <= b;
    jset64(a, b) a & b != 0;
    jsgt64(a, b) (a as i64) > (b as i64);
    jsge64(a, b) (a as i64) >= (b as i64);
    jslt64(a, b) (a as i64) < (b as i64);
    jsle64(a, b) (a as i64) <= (b as i64);

    jeq32(a, b) a as u32 == b as u32;
    jne32(a, b) a as u32 != b as u32;
    jgt32(a, b) a as u32 > b as u32;
    jge32(a, b) a as u32 >= b as u32;
    jlt32(a, b) (a as u32) < b as u32;
    jle32(a, b) a as u32 <= b as u32;
    jset32(a, b) (a & b) as u32 != 0;
    jsgt32(a, b) (a as i32) > (b as i32);
    jsge32(a, b) (a as i32) >= (b as i32);
    jslt32(a, b) (a as i32) < (b as i32);
    jsle32(a, b) (a as i32) <= (b as i32);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn division_edges() {
        assert_eq!(div64(7, 0), 0);
        assert_eq!(mod64(7, 0), 7);
        assert_eq!(mod32(0xffff_ffff_0000_0007, 0), 7);
        assert_eq!(sdiv64(i64::MIN as u64, u64::MAX), i64::MIN as u64);
        assert_eq!(smod64(i64::MIN as u64, u64::MAX), 0);
        assert_eq!(
            sdiv32(i32::MIN as u32 as u64, u64::MAX),
            i32::MIN as u32 as u64
        );
        assert_eq!(smod32(i32::MIN as u32 as u64, u64::MAX), 0);
        assert_eq!(smod64(-7i64 as u64, 2), -1i64 as u64);
    }

    #[test]
    fn shifts_mask_their_count() {
        assert_eq!(lsh64(1, 65), 2);
        assert_eq!(lsh32(1, 33), 2);
        assert_eq!(arsh32(0x8000_0000, 63), 0xffff_ffff);
        assert_eq!(rsh64(u64::MAX, 64 + 60), 0xf);
    }
}
