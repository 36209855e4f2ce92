; prog_type: socket_filter
; maps: h=hash:4:8:4
; what: the ctx pointer as a lookup key
; kernel: reject
; kernel-error: R2 type=ctx expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_
r2 = r1
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
r0 = 0
exit
