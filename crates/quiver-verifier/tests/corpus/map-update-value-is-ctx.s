; prog_type: socket_filter
; maps: h=hash:4:8:4
; what: bpf_map_update_elem with the ctx pointer as the value
; kernel: reject
; kernel-error: R3 type=ctx expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_
r3 = r1
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r4 = 0
r1 = map_fd(0) ll
call bpf_map_update_elem#2
r0 = 0
exit
