r0 = 7
w1 = w2
r1 += -8
if r1 != 0x3 goto +2
*(u8 *)(r0 + 0x11) = r1
r2 = *(s16 *)(r1 - 2)
lock *(u64 *)(r10 - 8) += r1
r1 = atomic_fetch_add((u64 *)(r10 - 8), r1)
r0 = cmpxchg_64(r10 - 8, r0, r1)
r0 = 0x1122334455667788 ll
r0 = be16 r0
call pc+1
exit
