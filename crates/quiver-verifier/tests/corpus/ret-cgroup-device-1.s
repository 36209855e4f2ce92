; prog_type: cgroup_device
; what: cgroup_device returning 1
; kernel: accept
r0 = 1
exit
