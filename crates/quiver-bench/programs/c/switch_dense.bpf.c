/* A dense switch: parameter 0 payload bytes (up to 511), each picking one
 * of 32 cases by its low 5 bits; every case does a different update of
 * the accumulator, so clang keeps the branches (the BPF backend has no
 * jump tables: a tree of compares). Result: the accumulator. */
#include "perf.h"

static __always_inline __u64 step(__u64 acc, __u64 v)
{
	switch (v & 31) {
	case 0: return acc + v;
	case 1: return acc ^ (v << 3);
	case 2: return acc * 3 + 1;
	case 3: return acc - v;
	case 4: return (acc >> 1) | (v << 56);
	case 5: return acc + (v << 8);
	case 6: return acc ^ 0x5555;
	case 7: return acc * 5 - v;
	case 8: return acc + 7;
	case 9: return acc ^ (acc >> 3);
	case 10: return acc | (v << 17);
	case 11: return acc & ~(v << 2);
	case 12: return acc + acc / 7;
	case 13: return acc - (v << 20);
	case 14: return (acc << 3) ^ v;
	case 15: return acc + 0x1234567;
	case 16: return acc ^ (v * 0x9e3779b9);
	case 17: return acc * 9;
	case 18: return acc - 11;
	case 19: return (acc >> 5) + v;
	case 20: return acc ^ (acc << 7);
	case 21: return acc + (v * v);
	case 22: return acc | 0x80;
	case 23: return acc & 0xfffffffffff0ULL;
	case 24: return acc + (acc >> 11);
	case 25: return acc ^ (v << 40);
	case 26: return acc * 17 + v;
	case 27: return acc - (acc >> 2);
	case 28: return acc + 0x42;
	case 29: return (acc << 1) | (v & 1);
	case 30: return acc ^ ~v;
	default: return acc + (v << 1) + 3;
	}
}

static __always_inline __u64 body(__u8 *data, __u8 *end)
{
	__u8 *p = PERF_PAYLOAD(data);
	__u32 i, n;
	__u64 acc = 1;

	if (data + PERF_HDR > end)
		return 0;
	n = perf_param16(data, 0) & 511;
	for (i = 0; i < n; i++) {
		if (p + i + 1 > end)
			break;
		acc = step(acc, p[i]);
	}
	return acc;
}

PERF_PROGRAM(switch_dense)

char _license[] SEC("license") = "GPL";
