; prog_type: xdp
; btf: func_info
; what: bpf_loop from an XDP program
; kernel: accept
r1 = 10
r2 = func(cb) ll
r3 = 0
r4 = 0
call bpf_loop#181
r0 = 2
exit
cb:
r0 = 0
exit
