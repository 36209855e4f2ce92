; prog_type: socket_filter
; maps: a=array:4:8:1
; what: a counter grown inside a may_goto loop can reach 8, past the end of an 8-byte map value
; kernel: reject
; kernel-error: invalid access to map value, value_size=8 off=8 size=1
r6 = 0
L:
may_goto out
r6 += 1
goto L
out:
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto done
r0 += r6
r0 = *(u8 *)(r0 + 0)
done:
r0 = 0
exit
