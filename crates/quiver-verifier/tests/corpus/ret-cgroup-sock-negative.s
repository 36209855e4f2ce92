; prog_type: cgroup_sock
; what: cgroup_sock returning -1
; kernel: reject
; kernel-error: At program exit the register R0 has smin=-1 smax=-1 should have been in [0, 1]
r0 = -1
exit
