; prog_type: kprobe
; maps: a=array:4:16:1
; what: bpf_probe_read_kernel into a map value
; kernel: accept
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r1 = r0
r2 = 16
r3 = 0
call bpf_probe_read_kernel#113
out:
r0 = 0
exit
