; prog_type: cgroup_sock
; what: returning an unbounded value where 0 or 1 is required
; kernel: reject
; kernel-error: At program exit the register R0 has unknown scalar value should have been in [0, 1]
call bpf_get_prandom_u32#7
exit
