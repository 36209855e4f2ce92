; prog_type: cgroup_skb
; what: cgroup_skb returning 1
; kernel: accept
r0 = 1
exit
