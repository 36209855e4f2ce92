/* strcmp of two long strings, a at the payload's start and b 1 KiB
 * further on, up to parameter 0 bytes (at most 1023). Result: where they
 * stopped (the first difference or the NUL) and the difference there. */
#include "perf.h"

#define B_OFF 1024

static __always_inline __u64 body(__u8 *data, __u8 *end)
{
	__u8 *a = PERF_PAYLOAD(data);
	__u8 *b = a + B_OFF;
	__u32 i, max;
	int diff = 0;

	if (data + PERF_HDR > end)
		return 0;
	max = perf_param16(data, 0) & 1023;
	for (i = 0; i < max; i++) {
		__u8 ca, cb;

		if (b + i + 1 > end)
			break;
		ca = a[i];
		cb = b[i];
		diff = (int)ca - (int)cb;
		if (diff || !ca)
			break;
	}
	return ((__u64)(i + 1) << 32) | (__u32)(diff + 0x100);
}

PERF_PROGRAM(strcmp_long)

char _license[] SEC("license") = "GPL";
