# Copies the 1500-byte packet at the start of memory to the second half of
# the buffer byte by byte and computes a Fletcher-style checksum on the way.
mov %r0, 0
mov %r5, 0
mov %r2, 0
loop:
mov %r3, %r1
add %r3, %r2
ldxb %r4, [%r3]
stxb [%r3+1500], %r4
add %r5, %r4
add %r0, %r5
add %r2, 1
jlt %r2, 1500, loop
lsh %r0, 16
and %r5, 0xffff
or %r0, %r5
exit
