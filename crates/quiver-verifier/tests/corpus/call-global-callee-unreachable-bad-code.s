; prog_type: socket_filter
; btf: func_info, global=1:1
; what: a global function is verified for any argument value, even ones the caller never passes
; kernel: reject
; kernel-error: R1 invalid mem access 'scalar'
r1 = 0
call sub
exit
sub:
r0 = 0
if r1 == 0 goto out
r0 = *(u64 *)(r1 + 0)
out:
exit
