/* Integer log2 of many values: a xorshift generator seeded from the
 * parameters makes N values (parameter 0, up to 1023) of every magnitude,
 * and a branchy binary search takes each one's log2. Result: the sum. */
#include "perf.h"

static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) {
		v >>= 32;
		r += 32;
	}
	if (v >> 16) {
		v >>= 16;
		r += 16;
	}
	if (v >> 8) {
		v >>= 8;
		r += 8;
	}
	if (v >> 4) {
		v >>= 4;
		r += 4;
	}
	if (v >> 2) {
		v >>= 2;
		r += 2;
	}
	if (v >> 1)
		r += 1;
	return r;
}

static __always_inline __u64 body(__u8 *data, __u8 *end)
{
	__u32 i, n;
	__u64 x, sum = 0;

	if (data + PERF_HDR > end)
		return 0;
	n = perf_param16(data, 0) & 1023;
	x = perf_param32(data) | 1;
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* Shift by the low bits too, so small values come up as often
		 * as large ones. */
		sum += log2_u64(x >> (x & 63));
	}
	return sum;
}

PERF_PROGRAM(log2_int)

char _license[] SEC("license") = "GPL";
