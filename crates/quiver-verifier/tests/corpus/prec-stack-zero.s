; prog_type: socket_filter
; maps: values=array:4:8:1
; what: r7 is 0 or 100 at the join; after it, a 4-byte store of r7 makes zero bytes on the first path, read back as the constant 0 and used as an offset: the zero store makes r7 precise
; kernel: reject
; kernel-error: R9 unbounded memory access, make sure to bounds check any such access
r6 = r1
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r9 = r0
r0 = *(u32 *)(r6 + 0)
r7 = 0
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
r7 = 100
join:
*(u32 *)(r10 - 12) = r7
r7 = 0
r3 = *(u32 *)(r10 - 12)
r9 += r3
r0 = *(u8 *)(r9 + 0)
out:
r0 = 0
exit
