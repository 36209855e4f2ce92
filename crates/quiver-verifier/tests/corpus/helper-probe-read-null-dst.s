; prog_type: kprobe
; what: bpf_probe_read_kernel with a NULL destination and size 8
; kernel: reject
; kernel-error: R1 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_
r1 = 0
r2 = 8
r3 = 0
call bpf_probe_read_kernel#113
r0 = 0
exit
