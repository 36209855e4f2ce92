; prog_type: socket_filter
; maps: a=array:4:8:1, h=hash:4:8:4
; what: a key at offset 4 of an 8-byte map value for a 4-byte key
; kernel: accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r2 = r0
r2 += 4
r1 = map_fd(1) ll
call bpf_map_lookup_elem#1
out:
r0 = 0
exit
