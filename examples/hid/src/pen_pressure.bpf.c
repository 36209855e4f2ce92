/* A pen whose tip pressure tops out at half of what it reports: the
 * descriptor fixup doubles the declared Tip Pressure maximum (one byte),
 * and every event's pressure goes through a curve (x2, capped), counting
 * the events it changed in .bss.
 *
 * The device (examples/hid/pen.hid.txt): no report ids; byte 0 tip and
 * barrel switches, bytes 1-2 X, 3-4 Y, 5-6 Tip Pressure (0..1023). */
#include "hid_bpf.h"

HID_BPF_CONFIG(
	HID_DEVICE(BUS_USB, HID_GROUP_ANY, 0x1234, 0x5678)
);

#define PRESSURE_OFFSET 5
#define PRESSURE_MAX 2047

__u64 events_changed = 0;

SEC(HID_BPF_RDESC_FIXUP)
int BPF_PROG(pen_fix_rdesc, struct hid_bpf_ctx *hctx)
{
	__u8 *data = hid_bpf_get_data(hctx, 0 /* offset */, 4096 /* size */);
	int i;

	if (!data)
		return 0; /* EPERM: keep the original */

	/* Logical Maximum (1023) right after Usage (Tip Pressure): bytes
	 * 0x09 0x30 0x26 0xff 0x03. */
	for (i = 0; i < 200; i++) {
		if (data[i] == 0x09 && data[i + 1] == 0x30 && data[i + 2] == 0x26 &&
		    data[i + 3] == 0xff && data[i + 4] == 0x03) {
			data[i + 4] = 0x07;
			break;
		}
	}
	return 0;
}

SEC(HID_BPF_DEVICE_EVENT)
int BPF_PROG(pen_fix_event, struct hid_bpf_ctx *hctx, enum hid_report_type type)
{
	__u8 *data = hid_bpf_get_data(hctx, 0 /* offset */, 8 /* size */);
	__u32 pressure;

	if (!data || type != HID_INPUT_REPORT)
		return 0;

	pressure = data[PRESSURE_OFFSET] | (data[PRESSURE_OFFSET + 1] << 8);
	if (!pressure)
		return 0;
	pressure *= 2;
	if (pressure > PRESSURE_MAX)
		pressure = PRESSURE_MAX;
	data[PRESSURE_OFFSET] = pressure & 0xff;
	data[PRESSURE_OFFSET + 1] = pressure >> 8;
	events_changed++;
	return 0;
}

HID_BPF_OPS(pen_pressure) = {
	.hid_device_event = (void *)pen_fix_event,
	.hid_rdesc_fixup = (void *)pen_fix_rdesc,
};

SEC("syscall")
int probe(struct hid_bpf_probe_args *ctx)
{
	/* Only the descriptor this fix is for: 56 bytes. */
	ctx->retval = ctx->rdesc_size == 56 ? 0 : -22;
	return 0;
}

char _license[] SEC("license") = "GPL";
