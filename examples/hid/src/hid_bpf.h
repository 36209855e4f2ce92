/* What a HID-BPF program needs, written for quiver's examples after the
 * conventions of Linux's and udev-hid-bpf's headers: the kernel types as
 * vmlinux.h would give them (CO-RE relocates every field access), the HID
 * kfuncs, the section names and the HID_BPF_CONFIG / HID_BPF_OPS macros.
 * Our own declarations, from the documented ABI (Linux 6.11 and later). */
#ifndef QUIVER_HID_BPF_H
#define QUIVER_HID_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#ifndef __ksym
#define __ksym __attribute__((section(".ksyms")))
#endif

struct list_head {
	struct list_head *next, *prev;
};

struct hid_device {
	__u32 id;
	__u16 bus;
	__u16 group;
	__u32 vendor;
	__u32 product;
	__u32 version;
	unsigned long quirks;
	char name[128];
	char phys[64];
	char uniq[64];
} __attribute__((preserve_access_index));

struct hid_bpf_ctx {
	struct hid_device *hid;
	__u32 allocated_size;
	union {
		__s32 retval;
		__s32 size;
	};
} __attribute__((preserve_access_index));

enum hid_report_type {
	HID_INPUT_REPORT = 0,
	HID_OUTPUT_REPORT = 1,
	HID_FEATURE_REPORT = 2,
};

enum hid_class_request {
	HID_REQ_GET_REPORT = 0x01,
	HID_REQ_GET_IDLE = 0x02,
	HID_REQ_GET_PROTOCOL = 0x03,
	HID_REQ_SET_REPORT = 0x09,
	HID_REQ_SET_IDLE = 0x0a,
	HID_REQ_SET_PROTOCOL = 0x0b,
};

struct hid_bpf_ops {
	int hid_id;
	__u32 flags;
	struct list_head list;
	int (*hid_device_event)(struct hid_bpf_ctx *ctx, enum hid_report_type report_type,
				__u64 source);
	int (*hid_rdesc_fixup)(struct hid_bpf_ctx *ctx);
	int (*hid_hw_request)(struct hid_bpf_ctx *ctx, unsigned char reportnum,
			      enum hid_report_type rtype, enum hid_class_request reqtype,
			      __u64 source);
	int (*hid_hw_output_report)(struct hid_bpf_ctx *ctx, __u64 source);
	struct hid_device *hdev;
};

struct hid_bpf_probe_args {
	unsigned int hid;
	unsigned int rdesc_size;
	unsigned char rdesc[4096];
	int retval;
};

extern __u8 *hid_bpf_get_data(struct hid_bpf_ctx *ctx, unsigned int offset,
			      const unsigned long __sz) __ksym;
extern struct hid_bpf_ctx *hid_bpf_allocate_context(unsigned int hid_id) __ksym;
extern void hid_bpf_release_context(struct hid_bpf_ctx *ctx) __ksym;
extern int hid_bpf_hw_request(struct hid_bpf_ctx *ctx, __u8 *data, unsigned long buf__sz,
			      enum hid_report_type type, enum hid_class_request reqtype) __ksym;
extern int hid_bpf_hw_output_report(struct hid_bpf_ctx *ctx, __u8 *buf,
				    unsigned long buf__sz) __ksym;
extern int hid_bpf_input_report(struct hid_bpf_ctx *ctx, enum hid_report_type type,
				__u8 *data, unsigned long buf__sz) __ksym;
extern int hid_bpf_try_input_report(struct hid_bpf_ctx *ctx, enum hid_report_type type,
				    __u8 *data, unsigned long buf__sz) __ksym;

#define HID_BPF_DEVICE_EVENT "struct_ops/hid_device_event"
#define HID_BPF_RDESC_FIXUP "struct_ops/hid_rdesc_fixup"
#define HID_BPF_HW_REQUEST "struct_ops/hid_hw_request"
#define HID_BPF_HW_OUTPUT_REPORT "struct_ops/hid_hw_output_report"

#define HID_BPF_OPS(name) SEC(".struct_ops.link") struct hid_bpf_ops name

/* The devices an object is for: array sizes in BTF, read by the loader. */
#define HID_BPF_CONFIG(...)		\
	union {				\
		__VA_ARGS__;		\
	} _device_ids SEC(".hid_bpf_config")

#define HID_DEVICE(b, g, ven, prod)			\
	struct {					\
		__uint(name___bus, (b));		\
		__uint(name___group, (g));		\
		__uint(name___vendor, (ven));		\
		__uint(name___product, (prod));		\
	} _entry_##b##_##g##_##ven##_##prod

#define BUS_ANY 0xffff
#define BUS_USB 0x03
#define BUS_BLUETOOTH 0x05
#define HID_GROUP_ANY 0x0000
#define HID_GROUP_GENERIC 0x0001
#define HID_ANY_ID (~0)

#endif
