; prog_type: cgroup_sysctl
; what: cgroup_sysctl returning 2
; kernel: reject
; kernel-error: At program exit the register R0 has smin=2 smax=2 should have been in [0, 1]
r0 = 2
exit
