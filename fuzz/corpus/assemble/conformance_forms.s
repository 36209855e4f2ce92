mov32 %r0, 0
lddw %r1, 0x1122334455667788
stxdw [%r10-8], %r1
lock fetch add [%r10-8], %r1
lock cmpxchg [%r10-8], %r1
movsx1632 %r2, %r1
ldxsh %r3, [%r10-8]
jsgt32 %r1, -1, +1
call local next
exit
next:
sdiv %r0, 3
exit
