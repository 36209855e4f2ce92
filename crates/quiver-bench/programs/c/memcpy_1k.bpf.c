/* memcpy in 8-byte words: parameter 0 words (up to 128, 1 KiB) from the
 * start of the payload to 1 KiB further on. Result: the words copied and
 * a hash of what they held. */
#include "perf.h"

#define DST_OFF 1024

static __always_inline __u64 body(__u8 *data, __u8 *end)
{
	__u8 *src = PERF_PAYLOAD(data);
	__u32 i, words;
	__u64 hash = 0;

	if (data + PERF_HDR > end)
		return 0;
	words = perf_param16(data, 0) & 255;
	if (words > DST_OFF / 8)
		words = DST_OFF / 8;
	for (i = 0; i < words; i++) {
		__u64 *s = (__u64 *)(src + 8 * i);
		__u64 *d = (__u64 *)(src + DST_OFF + 8 * i);
		__u64 w;

		if ((void *)(d + 1) > (void *)end)
			break;
		w = *s;
		*d = w;
		hash = (hash ^ w) * 0x100000001b3ULL;
	}
	return ((__u64)i << 48) ^ hash;
}

PERF_PROGRAM(memcpy_1k)

char _license[] SEC("license") = "GPL";
