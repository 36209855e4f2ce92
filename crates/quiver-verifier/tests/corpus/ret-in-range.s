; prog_type: cgroup_sock
; what: cgroup_sock returning 1
; kernel: accept
r0 = 1
exit
