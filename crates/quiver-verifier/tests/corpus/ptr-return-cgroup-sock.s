; prog_type: cgroup_sock
; what: returning a pointer where the return value is range-checked
; kernel: reject
; kernel-error: At program exit the register R0 is not a known value (fp)
r0 = r10
exit
