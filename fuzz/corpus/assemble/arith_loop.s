# 10,000 rounds of a linear congruential generator folded into r0:
# multiply, add, shift, xor and a counted loop.
mov %r0, 0
mov %r1, 1
mov %r2, 10000
loop:
mul %r1, 0x41c64e6d
add %r1, 12345
mov %r3, %r1
rsh %r3, 16
xor %r0, %r3
sub %r2, 1
jne %r2, 0, loop
exit
