/* Defers sleepable work from a device event: when button 1 goes down, the
 * event program starts a bpf_wq item; its callback (sleepable, on the
 * host's worker) allocates a context and sends output report 2 (LED on).
 * State lives in a map value next to a bpf_spin_lock. */
#include "hid_bpf.h"

struct bpf_wq {
	__u64 __opaque[2];
} __attribute__((aligned(8)));

extern int bpf_wq_init(struct bpf_wq *wq, void *p__map, unsigned int flags) __ksym;
extern int bpf_wq_start(struct bpf_wq *wq, unsigned int flags) __ksym;
extern int bpf_wq_set_callback_impl(struct bpf_wq *wq,
				    int (callback_fn)(void *map, int *key, void *value),
				    unsigned int flags, void *aux__ign) __ksym;

HID_BPF_CONFIG(
	HID_DEVICE(BUS_ANY, HID_GROUP_ANY, 0x1234, 0x0002)
);

struct led_state {
	struct bpf_spin_lock lock;
	__u32 hid;
	struct bpf_wq work;
	__u32 presses;
	__s32 last_result;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, int);
	__type(value, struct led_state);
} leds SEC(".maps");

static int light_led(void *map, int *key, void *value)
{
	struct led_state *s = value;
	struct hid_bpf_ctx *hctx = hid_bpf_allocate_context(s->hid);
	__u8 report[2] = { 2, 1 };
	int r;

	if (!hctx)
		return 0;
	r = hid_bpf_hw_output_report(hctx, report, sizeof(report));
	hid_bpf_release_context(hctx);
	bpf_spin_lock(&s->lock);
	s->last_result = r;
	bpf_spin_unlock(&s->lock);
	return 0;
}

SEC(HID_BPF_DEVICE_EVENT)
int BPF_PROG(on_press, struct hid_bpf_ctx *hctx, enum hid_report_type type)
{
	__u8 *data = hid_bpf_get_data(hctx, 0 /* offset */, 2 /* size */);
	int key = 0;
	struct led_state *s;

	if (!data || data[0] != 1 || !(data[1] & 1))
		return 0;
	s = bpf_map_lookup_elem(&leds, &key);
	if (!s)
		return 0;
	bpf_spin_lock(&s->lock);
	s->presses += 1;
	bpf_spin_unlock(&s->lock);
	s->hid = hctx->hid->id;
	if (bpf_wq_init(&s->work, &leds, 0) == 0)
		bpf_wq_set_callback_impl(&s->work, light_led, 0, (void *)0);
	bpf_wq_start(&s->work, 0);
	return 0;
}

HID_BPF_OPS(led_wq) = {
	.hid_device_event = (void *)on_press,
};

char _license[] SEC("license") = "GPL";
