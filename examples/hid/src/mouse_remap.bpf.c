/* A mouse that reports Y before X and has no wheel in its descriptor: the
 * fixup replaces the whole descriptor (5 buttons, X, Y, wheel: 4-byte
 * reports) and every event is remapped to it (X and Y swapped back, a
 * zero wheel byte added: the event grows from 3 to 4 bytes).
 *
 * The device (examples/hid/mouse.hid.txt): no report ids; byte 0
 * buttons 1-3, byte 1 Y, byte 2 X (both relative, -127..127). */
#include "hid_bpf.h"

HID_BPF_CONFIG(
	HID_DEVICE(BUS_USB, HID_GROUP_ANY, 0x1234, 0x0001)
);

static const __u8 fixed_rdesc[] = {
	0x05, 0x01,	/* Usage Page (Generic Desktop) */
	0x09, 0x02,	/* Usage (Mouse) */
	0xa1, 0x01,	/* Collection (Application) */
	0x09, 0x01,	/*  Usage (Pointer) */
	0xa1, 0x00,	/*  Collection (Physical) */
	0x05, 0x09,	/*   Usage Page (Button) */
	0x19, 0x01,	/*   Usage Minimum (1) */
	0x29, 0x05,	/*   Usage Maximum (5) */
	0x15, 0x00,	/*   Logical Minimum (0) */
	0x25, 0x01,	/*   Logical Maximum (1) */
	0x95, 0x05,	/*   Report Count (5) */
	0x75, 0x01,	/*   Report Size (1) */
	0x81, 0x02,	/*   Input (Data,Var,Abs) */
	0x95, 0x01,	/*   Report Count (1) */
	0x75, 0x03,	/*   Report Size (3) */
	0x81, 0x03,	/*   Input (Cnst,Var,Abs) */
	0x05, 0x01,	/*   Usage Page (Generic Desktop) */
	0x09, 0x30,	/*   Usage (X) */
	0x09, 0x31,	/*   Usage (Y) */
	0x09, 0x38,	/*   Usage (Wheel) */
	0x15, 0x81,	/*   Logical Minimum (-127) */
	0x25, 0x7f,	/*   Logical Maximum (127) */
	0x75, 0x08,	/*   Report Size (8) */
	0x95, 0x03,	/*   Report Count (3) */
	0x81, 0x06,	/*   Input (Data,Var,Rel) */
	0xc0,		/*  End Collection */
	0xc0,		/* End Collection */
};

SEC(HID_BPF_RDESC_FIXUP)
int BPF_PROG(mouse_fix_rdesc, struct hid_bpf_ctx *hctx)
{
	__u8 *data = hid_bpf_get_data(hctx, 0 /* offset */, 4096 /* size */);

	if (!data)
		return 0;
	__builtin_memcpy(data, fixed_rdesc, sizeof(fixed_rdesc));
	return sizeof(fixed_rdesc);
}

SEC(HID_BPF_DEVICE_EVENT)
int BPF_PROG(mouse_fix_event, struct hid_bpf_ctx *hctx, enum hid_report_type type)
{
	__u8 *data = hid_bpf_get_data(hctx, 0 /* offset */, 4 /* size */);
	__u8 y;

	if (!data || type != HID_INPUT_REPORT)
		return 0;
	y = data[1];
	data[1] = data[2];
	data[2] = y;
	data[3] = 0;
	return 4;
}

HID_BPF_OPS(mouse_remap) = {
	.hid_device_event = (void *)mouse_fix_event,
	.hid_rdesc_fixup = (void *)mouse_fix_rdesc,
};

char _license[] SEC("license") = "GPL";
