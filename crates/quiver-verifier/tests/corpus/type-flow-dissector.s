; prog_type: flow_dissector
; what: a flow dissector returning BPF_OK
; kernel: accept
r0 = 0
exit
