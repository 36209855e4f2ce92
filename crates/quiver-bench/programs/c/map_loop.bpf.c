/* Map-heavy: parameter 0 payload bytes (up to 255), each a key (low 6
 * bits) to update in an array map and a hash map, then to look up in
 * both. Every value read was written earlier in the same run, so each run
 * computes the same result. Result: the sum of the values read.
 * perf: xdp-only (maps and helpers: the kernel and the quiver runtime) */
#include "perf.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} arr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__type(key, __u32);
	__type(value, __u64);
} hash SEC(".maps");

static __always_inline __u64 body(__u8 *data, __u8 *end)
{
	__u8 *p = PERF_PAYLOAD(data);
	__u32 i, n;
	__u64 sum = 0;

	if (data + PERF_HDR > end)
		return 0;
	n = perf_param16(data, 0) & 255;
	for (i = 0; i < n; i++) {
		__u32 key;
		__u64 val, *a, *h;

		if (p + i + 1 > end)
			break;
		key = p[i] & 63;
		val = ((__u64)i << 8) | p[i];
		bpf_map_update_elem(&arr, &key, &val, BPF_ANY);
		val ^= 0xabcd;
		bpf_map_update_elem(&hash, &key, &val, BPF_ANY);
		a = bpf_map_lookup_elem(&arr, &key);
		h = bpf_map_lookup_elem(&hash, &key);
		if (a)
			sum += *a;
		if (h)
			sum += *h * 3;
	}
	return sum;
}

PERF_PROGRAM(map_loop)

char _license[] SEC("license") = "GPL";
