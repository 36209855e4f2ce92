; Computes the RFC 1071 checksum of the IPv4 header at r1 (its length in r2,
; 20 bytes for a header without options), stores it in the header's
; checksum field, and returns it.
;
;   quiver run examples/ipv4_checksum.s --mem-file examples/ipv4_header.bin
;
; The syntax is the one llvm-objdump and the Linux verifier log print.
    r0 = 0
    r3 = 0
    *(u16 *)(r1 + 10) = 0          ; the checksum covers a zeroed field
sum:
    if r3 >= r2 goto fold
    r4 = r1
    r4 += r3
    r5 = *(u16 *)(r4 + 0)
    r5 = be16 r5                    ; header words are big endian
    r0 += r5
    r3 += 2
    goto sum
fold:
    r4 = r0
    r4 >>= 16
    r0 &= 0xffff
    r0 += r4
    r4 = r0
    r4 >>= 16
    r0 += r4
    r0 ^= 0xffff
    r0 &= 0xffff
    r5 = r0
    r5 = be16 r5
    *(u16 *)(r1 + 10) = r5
    exit
