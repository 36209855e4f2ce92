# 10,000 rounds of an eight-way switch on pseudo-random values: a chain of
# compares as clang emits for a small switch, each arm a different update.
mov %r0, 0
mov %r1, 7
mov %r2, 10000
loop:
mul %r1, 0x41c64e6d
add %r1, 12345
mov %r3, %r1
rsh %r3, 16
and %r3, 7
jeq %r3, 0, case0
jeq %r3, 1, case1
jeq %r3, 2, case2
jeq %r3, 3, case3
jeq %r3, 4, case4
jeq %r3, 5, case5
jeq %r3, 6, case6
xor %r0, 0x5a5a
ja next
case0:
add %r0, 1
ja next
case1:
sub %r0, 3
ja next
case2:
lsh %r0, 1
ja next
case3:
rsh %r0, 1
ja next
case4:
xor %r0, 0xff
ja next
case5:
or %r0, 0x100
ja next
case6:
and %r0, 0xfffffff
next:
sub %r2, 1
jne %r2, 0, loop
exit
