/* A HID fix-up over a batch of pen reports: parameter 0 reports (up to
 * 127; 64 in the benchmark) of 8 bytes at the payload's start, fixed into
 * a copy 1 KiB further on (so every run sees the same input):
 *
 *   byte 0     buttons: tip bit 0, barrel bit 1, eraser bit 2; the barrel
 *              and eraser buttons swap, reserved bits are cleared
 *   bytes 1-2  X, clamped to the sensor's real width
 *   bytes 3-4  Y, inverted (the sensor is mounted upside down)
 *   bytes 5-6  tip pressure, doubled and capped at 2047 (a pen that tops
 *              out at half its range), 0 kept as 0
 *   byte 7     kept
 *
 * Result: reports whose pressure changed, and a sum over the fixed
 * fields. */
#include "perf.h"

#define OUT_OFF 1024
#define X_MAX 20000
#define Y_MAX 15000
#define PRESSURE_MAX 2047

static __always_inline __u64 body(__u8 *data, __u8 *end)
{
	__u8 *in = PERF_PAYLOAD(data);
	__u32 i, n, changed = 0;
	__u64 sum = 0;

	if (data + PERF_HDR > end)
		return 0;
	n = perf_param16(data, 0) & 127;
	for (i = 0; i < n; i++) {
		__u8 *r = in + 8 * i;
		__u8 *o = r + OUT_OFF;
		__u32 buttons, x, y, pressure;

		if (o + 8 > end)
			break;
		buttons = r[0];
		x = r[1] | (r[2] << 8);
		y = r[3] | (r[4] << 8);
		pressure = r[5] | (r[6] << 8);

		buttons = (buttons & 1) | ((buttons & 2) << 1) | ((buttons & 4) >> 1);
		if (x > X_MAX)
			x = X_MAX;
		y = y > Y_MAX ? 0 : Y_MAX - y;
		if (pressure) {
			__u32 p = pressure * 2;

			if (p > PRESSURE_MAX)
				p = PRESSURE_MAX;
			if (p != pressure)
				changed++;
			pressure = p;
		}

		o[0] = buttons;
		o[1] = x;
		o[2] = x >> 8;
		o[3] = y;
		o[4] = y >> 8;
		o[5] = pressure;
		o[6] = pressure >> 8;
		o[7] = r[7];
		sum += buttons + x + y + pressure;
	}
	return ((__u64)changed << 32) | sum;
}

PERF_PROGRAM(hid_fixup)

char _license[] SEC("license") = "GPL";
