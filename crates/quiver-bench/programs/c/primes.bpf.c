/* Prime counting by trial division: how many numbers below N (parameter
 * 0, up to 511) have no divisor d with d * d <= n. */
#include "perf.h"

static __always_inline __u64 body(__u8 *data, __u8 *end)
{
	__u32 n, d, limit, count = 0;

	if (data + PERF_HDR > end)
		return 0;
	limit = perf_param16(data, 0) & 511;
	for (n = 2; n < limit; n++) {
		__u32 prime = 1;

		for (d = 2; d * d <= n; d++) {
			if (n % d == 0) {
				prime = 0;
				break;
			}
		}
		count += prime;
	}
	/* The count and the last number tried, so a wrong bound shows. */
	return ((__u64)n << 32) | count;
}

PERF_PROGRAM(primes)

char _license[] SEC("license") = "GPL";
