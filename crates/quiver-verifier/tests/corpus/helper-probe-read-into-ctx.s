; prog_type: kprobe
; what: bpf_probe_read_kernel with the ctx as the destination
; kernel: reject
; kernel-error: R1 type=ctx expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_
r2 = 8
r3 = 0
call bpf_probe_read_kernel#113
r0 = 0
exit
