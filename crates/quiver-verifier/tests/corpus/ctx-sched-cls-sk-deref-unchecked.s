; prog_type: sched_cls
; what: __sk_buff.sk dereferenced without a null check
; kernel: reject
; kernel-error: R2 invalid mem access 'sock_common_or_null'
r2 = *(u64 *)(r1 + 168)
r0 = *(u32 *)(r2 + 0)
r0 = 0
exit
