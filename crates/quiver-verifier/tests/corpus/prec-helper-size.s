; prog_type: socket_filter
; what: r7 is 8 or 64 at the join; after it, it is the length of bpf_skb_load_bytes into a 16-byte stack buffer: the size argument makes r7 precise
; kernel: reject
; kernel-error: invalid write to stack R3 off=-16 size=64
r6 = r1
r0 = *(u32 *)(r6 + 0)
r7 = 8
r1 = 0
*(u64 *)(r10 - 8) = r1
*(u64 *)(r10 - 16) = r1
if r0 > 10 goto other
r8 = 1
r8 += 1
r8 += 1
r8 += 1
r8 += 1
r8 += 1
r8 += 1
r8 += 1
goto join
other:
r7 = 64
join:
r1 = r6
r2 = 0
r3 = r10
r3 += -16
r4 = r7
call bpf_skb_load_bytes#26
r0 = 0
exit
