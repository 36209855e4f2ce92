//! The Linux HID-BPF ABI (6.11 and later), as programs compiled for Linux
//! expect it: the types they read through CO-RE, `hid_bpf_ops`, the HID
//! kfuncs with their flags, and the constants.

use quiver::struct_ops::{ArgType, StructOpsType};
use quiver_obj::btf::Btf;
use quiver_verifier::host::{Arg, BtfStruct, CtxField, CtxFieldKind, Proto, Ret, kf};

/// `enum hid_report_type`.
pub const HID_INPUT_REPORT: u64 = 0;
pub const HID_OUTPUT_REPORT: u64 = 1;
pub const HID_FEATURE_REPORT: u64 = 2;

/// `enum hid_class_request`.
pub const HID_REQ_GET_REPORT: u64 = 1;
pub const HID_REQ_GET_IDLE: u64 = 2;
pub const HID_REQ_GET_PROTOCOL: u64 = 3;
pub const HID_REQ_SET_REPORT: u64 = 9;
pub const HID_REQ_SET_IDLE: u64 = 0xa;
pub const HID_REQ_SET_PROTOCOL: u64 = 0xb;

/// Size of the report descriptor buffer a fixup works on.
pub const HID_MAX_DESCRIPTOR_SIZE: usize = 4096;
/// Implementations one device may have attached.
pub const HID_BPF_MAX_PROGS_PER_DEV: usize = 64;

/// `struct hid_bpf_ctx`: 16 bytes programs see, then (quiver's, invisible
/// to them) the address of the data buffer.
pub mod ctx {
    pub const HID: usize = 0;
    pub const ALLOCATED_SIZE: usize = 8;
    /// `retval` and `size` (a union).
    pub const SIZE: usize = 12;
    pub const PUBLIC_LEN: u32 = 16;
    /// quiver's: the buffer `hid_bpf_get_data` points into.
    pub const DATA: usize = 16;
    pub const LEN: usize = 24;
}

/// quiver's `struct hid_device`: the fields HID-BPF programs read (by
/// name, through CO-RE), at quiver's offsets.
pub mod dev {
    pub const ID: usize = 0;
    pub const BUS: usize = 4;
    pub const GROUP: usize = 6;
    pub const VENDOR: usize = 8;
    pub const PRODUCT: usize = 12;
    pub const VERSION: usize = 16;
    pub const QUIRKS: usize = 24;
    pub const NAME: usize = 32;
    pub const NAME_LEN: usize = 128;
    pub const PHYS: usize = NAME + NAME_LEN;
    pub const PHYS_LEN: usize = 64;
    pub const UNIQ: usize = PHYS + PHYS_LEN;
    pub const UNIQ_LEN: usize = 64;
    pub const LEN: usize = UNIQ + UNIQ_LEN;
}

/// `struct hid_bpf_probe_args { u32 hid; u32 rdesc_size; u8 rdesc[4096];
/// s32 retval; }`.
pub mod probe {
    pub const HID: usize = 0;
    pub const RDESC_SIZE: usize = 4;
    pub const RDESC: usize = 8;
    pub const RETVAL: usize = 8 + super::HID_MAX_DESCRIPTOR_SIZE;
    pub const LEN: usize = RETVAL + 4;
}

/// Adds the HID types to the host's BTF, for CO-RE.
pub fn add_btf(btf: &mut Btf) {
    let u8_ = btf.add_int("__u8", 1, false);
    let u16_ = btf.add_int("__u16", 2, false);
    let u32_ = btf.add_int("__u32", 4, false);
    let s32 = btf.add_int("__s32", 4, true);
    let ulong = btf.add_int("long unsigned int", 8, false);
    let char_ = btf.add_int("char", 1, true);
    let name = btf.add_array(char_, dev::NAME_LEN as u32);
    let phys = btf.add_array(char_, dev::PHYS_LEN as u32);
    let uniq = btf.add_array(char_, dev::UNIQ_LEN as u32);
    let hid_device = btf.add_struct_at(
        "hid_device",
        dev::LEN as u32,
        &[
            ("id", u32_, dev::ID as u32),
            ("bus", u16_, dev::BUS as u32),
            ("group", u16_, dev::GROUP as u32),
            ("vendor", u32_, dev::VENDOR as u32),
            ("product", u32_, dev::PRODUCT as u32),
            ("version", u32_, dev::VERSION as u32),
            ("quirks", ulong, dev::QUIRKS as u32),
            ("name", name, dev::NAME as u32),
            ("phys", phys, dev::PHYS as u32),
            ("uniq", uniq, dev::UNIQ as u32),
        ],
    );
    let dev_ptr = btf.add_ptr(hid_device);
    btf.add_struct_at(
        "hid_bpf_ctx",
        ctx::PUBLIC_LEN,
        &[
            ("hid", dev_ptr, ctx::HID as u32),
            ("allocated_size", u32_, ctx::ALLOCATED_SIZE as u32),
            ("retval", s32, ctx::SIZE as u32),
            ("size", s32, ctx::SIZE as u32),
        ],
    );
    let rdesc = btf.add_array(u8_, HID_MAX_DESCRIPTOR_SIZE as u32);
    btf.add_struct_at(
        "hid_bpf_probe_args",
        probe::LEN as u32,
        &[
            ("hid", u32_, probe::HID as u32),
            ("rdesc_size", u32_, probe::RDESC_SIZE as u32),
            ("rdesc", rdesc, probe::RDESC as u32),
            ("retval", s32, probe::RETVAL as u32),
        ],
    );
}

fn field(name: &str, off: usize, size: u32, write: bool) -> CtxField {
    CtxField {
        name: name.into(),
        off: off as u32,
        size,
        read: true,
        write,
        kind: CtxFieldKind::Scalar,
    }
}

/// What the verifier lets programs read and write of the host types.
pub fn btf_structs() -> Vec<BtfStruct> {
    vec![
        BtfStruct {
            name: "hid_bpf_ctx".into(),
            size: ctx::PUBLIC_LEN,
            fields: vec![
                CtxField {
                    name: "hid".into(),
                    off: ctx::HID as u32,
                    size: 8,
                    read: true,
                    write: false,
                    kind: CtxFieldKind::Btf {
                        type_name: "hid_device",
                        nullable: false,
                    },
                },
                field("allocated_size", ctx::ALLOCATED_SIZE, 4, false),
                field("retval", ctx::SIZE, 4, true),
            ],
        },
        BtfStruct {
            name: "hid_device".into(),
            size: dev::LEN as u32,
            fields: vec![
                field("id", dev::ID, 4, false),
                field("bus", dev::BUS, 2, false),
                field("group", dev::GROUP, 2, false),
                field("vendor", dev::VENDOR, 4, false),
                field("product", dev::PRODUCT, 4, false),
                field("version", dev::VERSION, 4, false),
                field("quirks", dev::QUIRKS, 8, true),
                field("name", dev::NAME, dev::NAME_LEN as u32, true),
                field("phys", dev::PHYS, dev::PHYS_LEN as u32, true),
                field("uniq", dev::UNIQ, dev::UNIQ_LEN as u32, true),
            ],
        },
    ]
}

/// The HID kfuncs for struct_ops programs, with Linux's flags.
pub fn kfunc_protos() -> Vec<Proto> {
    let hctx = || Arg::Btf {
        type_name: "hid_bpf_ctx".into(),
        nullable: false,
    };
    let buf = || Arg::Mem {
        size: None,
        size_arg: Some(2),
        writable: true,
        nullable: false,
    };
    vec![
        Proto::new(
            "hid_bpf_get_data",
            vec![
                hctx(),
                Arg::Scalar,
                Arg::Const {
                    min: 1,
                    max: HID_MAX_DESCRIPTOR_SIZE as u64,
                },
            ],
            Ret::MemOrNull { size_arg: 2 },
        )
        .flags(kf::RET_NULL),
        Proto::new(
            "hid_bpf_allocate_context",
            vec![Arg::Scalar],
            Ret::Btf {
                type_name: "hid_bpf_ctx".into(),
                nullable: true,
            },
        )
        .flags(kf::ACQUIRE | kf::RET_NULL | kf::SLEEPABLE),
        Proto::new("hid_bpf_release_context", vec![hctx()], Ret::Void)
            .flags(kf::RELEASE | kf::SLEEPABLE),
        Proto::new(
            "hid_bpf_hw_request",
            vec![
                hctx(),
                buf(),
                Arg::Size { zero_ok: false },
                Arg::Scalar,
                Arg::Scalar,
            ],
            Ret::Scalar,
        )
        .flags(kf::SLEEPABLE),
        Proto::new(
            "hid_bpf_hw_output_report",
            vec![hctx(), buf(), Arg::Size { zero_ok: false }],
            Ret::Scalar,
        )
        .flags(kf::SLEEPABLE),
        Proto::new(
            "hid_bpf_input_report",
            vec![hctx(), Arg::Scalar, buf_at(2), Arg::Size { zero_ok: false }],
            Ret::Scalar,
        )
        .flags(kf::SLEEPABLE),
        Proto::new(
            "hid_bpf_try_input_report",
            vec![hctx(), Arg::Scalar, buf_at(2), Arg::Size { zero_ok: false }],
            Ret::Scalar,
        ),
    ]
}

fn buf_at(i: u8) -> Arg {
    Arg::Mem {
        size: None,
        size_arg: Some(i + 1),
        writable: true,
        nullable: false,
    }
}

/// Callback indices of [`ops_type`].
pub const DEVICE_EVENT: usize = 0;
pub const RDESC_FIXUP: usize = 1;
pub const HW_REQUEST: usize = 2;
pub const HW_OUTPUT_REPORT: usize = 3;

/// `struct hid_bpf_ops`: `int hid_id; u32 flags; struct list_head list;`
/// then the four callbacks and `struct hid_device *hdev`.
pub fn ops_type() -> StructOpsType {
    let hctx = ArgType::Ptr {
        type_name: "hid_bpf_ctx",
        nullable: false,
    };
    let any = (i64::from(i32::MIN), i64::from(i32::MAX));
    StructOpsType::new("hid_bpf_ops")
        .data("hid_id", 4)
        .data("flags", 4)
        .data("list", 16)
        .callback(
            "hid_device_event",
            &[hctx.clone(), ArgType::Scalar, ArgType::Scalar],
            any,
            false,
        )
        .callback("hid_rdesc_fixup", std::slice::from_ref(&hctx), any, true)
        .callback(
            "hid_hw_request",
            &[
                hctx.clone(),
                ArgType::Scalar,
                ArgType::Scalar,
                ArgType::Scalar,
                ArgType::Scalar,
            ],
            any,
            true,
        )
        .callback("hid_hw_output_report", &[hctx, ArgType::Scalar], any, true)
        .data("hdev", 8)
        .limit_per_device(HID_BPF_MAX_PROGS_PER_DEV)
}
