; prog_type: socket_filter
; maps: a=array:4:8192:1
; what: bpf_get_smp_processor_id returns a value below nr_cpu_ids, so it can index an 8192-byte value unchecked (NR_CPUS is at most 8192)
; kernel: accept
call bpf_get_smp_processor_id#8
r6 = r0
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map_fd(0) ll
call bpf_map_lookup_elem#1
if r0 == 0 goto out
r0 += r6
r0 = *(u8 *)(r0 + 0)
out:
r0 = 0
exit
