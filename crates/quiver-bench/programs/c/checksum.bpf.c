/* The internet checksum (RFC 1071) of the payload, parameter 0 16-bit
 * words (up to 1023; a 1500-byte packet is 750). Result: the folded
 * checksum and the unfolded sum. */
#include "perf.h"

static __always_inline __u64 body(__u8 *data, __u8 *end)
{
	__u8 *p = PERF_PAYLOAD(data);
	__u32 i, words;
	__u64 sum = 0, folded;

	if (data + PERF_HDR > end)
		return 0;
	words = perf_param16(data, 0) & 1023;
	for (i = 0; i < words; i++) {
		__u8 *w = p + 2 * i;

		if (w + 2 > end)
			break;
		sum += *(__u16 *)w;
	}
	folded = (sum & 0xffff) + (sum >> 16);
	folded = (folded & 0xffff) + (folded >> 16);
	folded = (folded & 0xffff) + (folded >> 16);
	return (sum << 16) | (~folded & 0xffff);
}

PERF_PROGRAM(checksum)

char _license[] SEC("license") = "GPL";
