; prog_type: cgroup_skb
; what: cgroup_skb returning the ctx pointer
; kernel: reject
; kernel-error: At program exit the register R0 is not a known value (ctx)
r0 = r1
exit
