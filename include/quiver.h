/* quiver's own kfuncs, for BPF programs that run in quiver.
 *
 * Include after <bpf/bpf_helpers.h>. Build with -g (kfunc calls need BTF). */
#ifndef QUIVER_H
#define QUIVER_H

#ifndef __ksym
#define __ksym __attribute__((section(".ksyms")))
#endif

/* Runs the program in slot `index` of the prog array `prog_array` on the
 * same context, as a function, and returns its return value. Errors are
 * negative: -E2BIG (-7) index out of range, -ENOENT (-2) empty slot,
 * -ELOOP (-40) no stack frame left for the call (at most 8 frames of
 * programs, subprograms and callbacks are live at once).
 *
 * The callee must satisfy the array's owner rule, as a tail call's would:
 * same program type, same sleepable-ness, same engine and attach point.
 * A sleepable program thus only calls sleepable programs, and may call
 * them from where it may sleep. Unlike bpf_tail_call, the caller goes on
 * after the call. */
extern long quiver_prog_array_call(void *ctx, void *prog_array, unsigned int index) __ksym;

#endif
