; prog_type: cgroup_skb
; what: cgroup_skb returning through a 32-bit move
; kernel: accept
w0 = 1
exit
