; prog_type: socket_filter
; btf: func_info
; what: a static function is verified with the caller's arguments, so a branch dead for them is skipped
; kernel: accept
r1 = 0
call sub
exit
sub:
r0 = 0
if r1 == 0 goto out
r0 = *(u64 *)(r1 + 0)
out:
exit
