/* Attach only to the devices whose firmware says so: the probe allocates a
 * context for the device and asks it for feature report 5; byte 1 must be
 * 0x42. The event program then swaps the two buttons of byte 0.
 *
 * The device (examples/hid/buttons.hid.txt): report id 1, byte 1 holds
 * two buttons. */
#include "hid_bpf.h"

HID_BPF_CONFIG(
	HID_DEVICE(BUS_ANY, HID_GROUP_ANY, 0x1234, 0x0002)
);

SEC(HID_BPF_DEVICE_EVENT)
int BPF_PROG(swap_buttons, struct hid_bpf_ctx *hctx, enum hid_report_type type)
{
	__u8 *data = hid_bpf_get_data(hctx, 0 /* offset */, 2 /* size */);
	__u8 b;

	if (!data || data[0] != 1)
		return 0;
	b = data[1] & 3;
	data[1] = (data[1] & ~3) | ((b & 1) << 1) | (b >> 1);
	return 0;
}

HID_BPF_OPS(probe_feature) = {
	.hid_device_event = (void *)swap_buttons,
};

SEC("syscall")
int probe(struct hid_bpf_probe_args *ctx)
{
	struct hid_bpf_ctx *hctx = hid_bpf_allocate_context(ctx->hid);
	__u8 buf[4] = { 5 };
	int r;

	if (!hctx) {
		ctx->retval = -19;
		return 0;
	}
	r = hid_bpf_hw_request(hctx, buf, sizeof(buf), HID_FEATURE_REPORT, HID_REQ_GET_REPORT);
	hid_bpf_release_context(hctx);
	ctx->retval = (r == sizeof(buf) && buf[1] == 0x42) ? 0 : -22;
	return 0;
}

char _license[] SEC("license") = "GPL";
