/* Shared shape of the cross-runtime benchmark programs.
 *
 * Every program is a `body(data, end)` over one packet laid out as
 *
 *   bytes 0..8    the u64 result, written by the entry after the run
 *   bytes 8..16   parameters (little endian: u16 at 8, u16 at 10, u32 at 12)
 *   bytes 16..    payload
 *
 * and two entries around it, built from the same source into two objects:
 *
 * - the XDP entry (default): data and data_end from struct xdp_md, for the
 *   kernel and the quiver runtime;
 * - the raw entry (built with -DPERF_RAW, section "raw/NAME"): for VMs that
 *   take one block of memory (rbpf, quiver's raw Vm). r1 points at
 *   [u64 length][packet bytes]; data is r1 + 8, data_end is data + length.
 *
 * Both store the result in the first 8 bytes of the packet and return its
 * low 32 bits. Loop bounds come from the parameters, masked, so that clang
 * cannot fold the work away and verifiers see a bounded loop. */
#ifndef QUIVER_PERF_H
#define QUIVER_PERF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define PERF_HDR 16
#define PERF_PAYLOAD(data) ((data) + PERF_HDR)

static __always_inline __u32 perf_param16(const __u8 *data, int which)
{
	const __u8 *p = data + 8 + 2 * which;

	return p[0] | (p[1] << 8);
}

static __always_inline __u32 perf_param32(const __u8 *data)
{
	return perf_param16(data, 2) | (perf_param16(data, 3) << 16);
}

static __always_inline int perf_finish(__u8 *data, __u8 *end, __u64 result)
{
	if (data + 8 > end)
		return 0;
	*(__u64 *)data = result;
	return (__u32)result;
}

#ifdef PERF_RAW
#define PERF_PROGRAM(name)                                  \
	SEC("raw/" #name)                                   \
	int name(__u64 *mem)                                \
	{                                                   \
		__u8 *data = (__u8 *)(mem + 1);             \
		__u8 *end = data + mem[0];                  \
                                                            \
		return perf_finish(data, end, body(data, end)); \
	}
#else
#define PERF_PROGRAM(name)                                  \
	SEC("xdp")                                          \
	int name(struct xdp_md *ctx)                        \
	{                                                   \
		__u8 *data = (void *)(long)ctx->data;       \
		__u8 *end = (void *)(long)ctx->data_end;    \
                                                            \
		return perf_finish(data, end, body(data, end)); \
	}
#endif

#endif
