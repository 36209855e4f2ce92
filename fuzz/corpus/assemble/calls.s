# 5,000 bpf-to-bpf calls two frames deep: each round calls mix, which calls
# step; arguments in r1/r2, results in r0, callee-saved r6-r9 in use.
mov %r6, 0
mov %r7, 5000
loop:
mov %r1, %r6
mov %r2, %r7
call local mix
mov %r6, %r0
sub %r7, 1
jne %r7, 0, loop
mov %r0, %r6
exit
mix:
mov %r6, %r2
call local step
add %r0, %r6
exit
step:
mov %r0, %r1
mul %r0, 31
add %r0, %r2
xor %r0, 0x1234
exit
