//! A device model built from a HID report descriptor and an identity.
//!
//! Parsing is done by the `hidreport` crate; usage names come from `hut`.
//! On top of that this module
//!
//! - checks the limits Linux's HID parser enforces (report size at most
//!   256 bits, report count at most 12288, report IDs 1..=255, reports at
//!   most 16 KiB, balanced collections), and guards against inputs that
//!   would make `hidreport` panic or allocate without bound, so that
//!   [`Device::new`] returns an error for any byte string, never panics;
//! - computes report lengths the way Linux's `hid_report_len()` does
//!   (including the report-ID byte when the device uses report IDs) and the
//!   HID-BPF buffer size ([`Device::bpf_buffer_size`]);
//! - decodes input reports into named values and diffs two versions of a
//!   report ([`Device::decode`], [`Device::diff`]).

use std::fmt;

use hidreport::hid::{
    GlobalItem, Item, ItemType, LocalItem, MainDataItem, MainItem, ReportDescriptorItems,
};
use hidreport::{Field, FieldAttributes, Report, ReportDescriptor};

use crate::error::HidError;

/// Linux's `HID_MAX_USAGES`: the largest Report Count it accepts.
pub const HID_MAX_USAGES: u32 = 12288;
/// Linux's `HID_MAX_BUFFER_SIZE`: the largest report, in bytes, including
/// the report-ID byte.
pub const HID_MAX_BUFFER_SIZE: usize = 16384;
/// The largest Report Size (bits per field element) Linux accepts.
pub const HID_MAX_REPORT_SIZE: u32 = 256;
/// The largest Usage Minimum..=Usage Maximum range accepted (one usage page).
const MAX_USAGE_RANGE: u32 = 0x1_0000;

/// Bus types as in `linux/input.h` (`BUS_*`).
pub mod bus {
    /// `BUS_PCI`
    pub const PCI: u16 = 0x01;
    /// `BUS_USB`
    pub const USB: u16 = 0x03;
    /// `BUS_BLUETOOTH`
    pub const BLUETOOTH: u16 = 0x05;
    /// `BUS_VIRTUAL`
    pub const VIRTUAL: u16 = 0x06;
    /// `BUS_I2C`
    pub const I2C: u16 = 0x18;
}

/// The identity of a HID device, as in Linux's `struct hid_device`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DeviceId {
    /// Bus type (`BUS_USB` = 3, `BUS_BLUETOOTH` = 5, `BUS_I2C` = 0x18, ...).
    pub bus: u16,
    /// Report-descriptor group (`HID_GROUP_*`); 0 when unknown.
    pub group: u16,
    /// Vendor ID.
    pub vendor: u32,
    /// Product ID.
    pub product: u32,
    /// Device version; 0 when unknown.
    pub version: u32,
}

impl DeviceId {
    /// An identity with `group` and `version` 0.
    pub fn new(bus: u16, vendor: u32, product: u32) -> Self {
        DeviceId {
            bus,
            group: 0,
            vendor,
            product,
            version: 0,
        }
    }
}

impl fmt::Display for DeviceId {
    /// The kernel's device name form: `BBBB:VVVV:PPPP`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04X}:{:04X}:{:04X}",
            self.bus, self.vendor, self.product
        )
    }
}

/// Input, Output or Feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportKind {
    /// Device to host.
    Input,
    /// Host to device.
    Output,
    /// Either way, on request.
    Feature,
}

impl fmt::Display for ReportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReportKind::Input => "Input",
            ReportKind::Output => "Output",
            ReportKind::Feature => "Feature",
        })
    }
}

/// How a field's bits are to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// One value per usage.
    Variable,
    /// `count` slots, each holding an index into the usages.
    Array,
    /// Padding or constant data.
    Constant,
}

/// A usage with its name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UsageInfo {
    /// Usage page.
    pub page: u16,
    /// Usage ID within the page.
    pub id: u16,
    /// The name from the HID Usage Tables, or a hex form when unknown.
    pub name: String,
}

impl UsageInfo {
    /// The usage `page`/`id` with its name.
    pub fn new(page: u16, id: u16) -> Self {
        UsageInfo {
            page,
            id,
            name: usage_name(page, id),
        }
    }
}

/// The name of a usage in the HID Usage Tables ("X", "Tip Pressure",
/// "Button 1"), or `"<page name> 0xIIII"`, or `"0xPPPP/0xIIII"`.
pub fn usage_name(page: u16, id: u16) -> String {
    if let Ok(usage) = hut::Usage::new_from_page_and_id(page, id) {
        return usage.name();
    }
    match hut::UsagePage::from_usage_page_value(page) {
        Ok(p) => format!("{} {id:#06x}", p.name()),
        Err(_) => format!("{page:#06x}/{id:#06x}"),
    }
}

/// The name of a usage page ("Generic Desktop", "Digitizers"), or
/// `"0xPPPP"`.
pub fn usage_page_name(page: u16) -> String {
    match hut::UsagePage::from_usage_page_value(page) {
        Ok(p) => p.name(),
        Err(_) => format!("{page:#06x}"),
    }
}

/// One field of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldInfo {
    /// Variable, array or constant.
    pub kind: FieldKind,
    /// Offset of the first bit from the start of the report, counting the
    /// report-ID byte when the device uses report IDs.
    pub bit_offset: usize,
    /// Bits per element.
    pub bit_size: usize,
    /// Number of elements (1 for variables and constants).
    pub count: usize,
    /// Logical Minimum.
    pub logical_min: i32,
    /// Logical Maximum.
    pub logical_max: i32,
    /// The usage page of the first usage (0 for constants).
    pub usage_page: u16,
    /// The usage of a variable (one), the usages an array selects from, or
    /// none for constants.
    pub usages: Vec<UsageInfo>,
    /// Relative (a delta) rather than absolute.
    pub relative: bool,
}

impl FieldInfo {
    /// Values are signed when the Logical Minimum is negative.
    pub fn is_signed(&self) -> bool {
        self.logical_min < 0
    }

    /// The total number of bits of the field.
    pub fn bits(&self) -> usize {
        self.bit_size * self.count
    }

    /// A name for the field: its usage for variables, the usage page for
    /// arrays, "Padding" for constants.
    pub fn name(&self) -> String {
        match self.kind {
            FieldKind::Variable => self
                .usages
                .first()
                .map(|u| u.name.clone())
                .unwrap_or_else(|| "Unnamed".into()),
            FieldKind::Array => usage_page_name(self.usage_page),
            FieldKind::Constant => "Padding".into(),
        }
    }

    /// For an array field: the usage an element value selects, if any.
    pub fn array_usage(&self, value: i64) -> Option<&UsageInfo> {
        let index = value.checked_sub(i64::from(self.logical_min))?;
        usize::try_from(index).ok().and_then(|i| self.usages.get(i))
    }
}

/// One report of a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportInfo {
    /// Input, Output or Feature.
    pub kind: ReportKind,
    /// The report ID, `None` when the device does not use report IDs.
    pub id: Option<u8>,
    /// Length in bytes, including the report-ID byte when there is one
    /// (Linux's `hid_report_len()`).
    pub len: usize,
    /// The fields in report order.
    pub fields: Vec<FieldInfo>,
}

impl ReportInfo {
    /// The report ID as the kernel numbers it: 0 when there is none.
    pub fn id_or_zero(&self) -> u8 {
        self.id.unwrap_or(0)
    }
}

/// A HID device: identity, strings, report descriptor and its reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// Bus, vendor, product, group, version.
    pub id: DeviceId,
    /// Device name (`HID_NAME`).
    pub name: String,
    /// Physical path (`HID_PHYS`); empty when unknown.
    pub phys: String,
    /// Unique identifier (`HID_UNIQ`); empty when unknown.
    pub uniq: String,
    /// The raw report descriptor.
    pub rdesc: Vec<u8>,
    /// All reports: inputs, then outputs, then features, each in
    /// descriptor order.
    pub reports: Vec<ReportInfo>,
}

impl Device {
    /// Parses `rdesc` and builds the device model.
    ///
    /// Refuses (with an error naming the byte offset when there is one)
    /// whatever Linux's parser refuses among: truncated items, Report Size
    /// over 256, Report Count over 12288, Report ID 0 or over 255, reports
    /// over 16 KiB, Pop without Push, unbalanced collections; and what
    /// `hidreport` refuses (a data main item without usages, ...).
    pub fn new(
        id: DeviceId,
        name: impl Into<String>,
        rdesc: impl Into<Vec<u8>>,
    ) -> Result<Device, HidError> {
        let rdesc = rdesc.into();
        let parsed = parse(&rdesc)?;
        let mut reports = Vec::new();
        collect(&mut reports, ReportKind::Input, parsed.input_reports())?;
        collect(&mut reports, ReportKind::Output, parsed.output_reports())?;
        collect(&mut reports, ReportKind::Feature, parsed.feature_reports())?;
        Ok(Device {
            id,
            name: name.into(),
            phys: String::new(),
            uniq: String::new(),
            rdesc,
            reports,
        })
    }

    /// Whether the reports start with a report-ID byte.
    pub fn uses_report_ids(&self) -> bool {
        self.reports.iter().any(|r| r.id.is_some())
    }

    /// The reports of one kind.
    pub fn reports_of(&self, kind: ReportKind) -> impl Iterator<Item = &ReportInfo> {
        self.reports.iter().filter(move |r| r.kind == kind)
    }

    /// The report of `kind` with the kernel report number `id` (0 when the
    /// device has no report IDs).
    pub fn report(&self, kind: ReportKind, id: u8) -> Option<&ReportInfo> {
        self.reports_of(kind).find(|r| r.id_or_zero() == id)
    }

    /// The largest report of any kind, in bytes including the report-ID
    /// byte; 0 when there are no reports.
    pub fn max_report_len(&self) -> usize {
        self.reports.iter().map(|r| r.len).max().unwrap_or(0)
    }

    /// The size of the HID-BPF report buffer: [`Device::max_report_len`]
    /// rounded up to a multiple of 64 (the kernel's `allocated_size`).
    pub fn bpf_buffer_size(&self) -> usize {
        self.max_report_len().div_ceil(64) * 64
    }

    /// The input report `report` is an instance of: the one whose ID is the
    /// first byte when the device uses report IDs, else the only one.
    pub fn input_report_for(&self, report: &[u8]) -> Option<&ReportInfo> {
        if self.uses_report_ids() {
            let id = *report.first()?;
            self.reports_of(ReportKind::Input)
                .find(|r| r.id == Some(id))
        } else {
            self.reports_of(ReportKind::Input).next()
        }
    }

    /// Decodes an input report into named values.
    ///
    /// Returns `None` for an empty report or an unknown report ID. Fields
    /// that lie beyond the end of `report` (a short report) and fields wider
    /// than 64 bits are left out; constant fields are left out.
    pub fn decode(&self, report: &[u8]) -> Option<Decoded> {
        if report.is_empty() {
            return None;
        }
        let info = self.input_report_for(report)?;
        let mut values = Vec::new();
        for (index, field) in info.fields.iter().enumerate() {
            match field.kind {
                FieldKind::Constant => {}
                FieldKind::Variable => {
                    if let Some(value) =
                        extract(report, field.bit_offset, field.bit_size, field.is_signed())
                    {
                        values.push(DecodedValue {
                            field: index,
                            element: 0,
                            name: field.name(),
                            value,
                        });
                    }
                }
                FieldKind::Array => {
                    let name = field.name();
                    for element in 0..field.count {
                        let offset = field.bit_offset + element * field.bit_size;
                        if let Some(value) =
                            extract(report, offset, field.bit_size, field.is_signed())
                        {
                            values.push(DecodedValue {
                                field: index,
                                element,
                                name: format!("{name}[{element}]"),
                                value,
                            });
                        }
                    }
                }
            }
        }
        Some(Decoded {
            kind: ReportKind::Input,
            id: info.id,
            values,
        })
    }

    /// The values that differ between two versions of an input report.
    ///
    /// Both must decode (see [`Device::decode`]) as the same report;
    /// otherwise there is nothing to compare and the result is empty.
    pub fn diff(&self, before: &[u8], after: &[u8]) -> Vec<FieldChange> {
        let (Some(a), Some(b)) = (self.decode(before), self.decode(after)) else {
            return Vec::new();
        };
        if a.id != b.id {
            return Vec::new();
        }
        a.values
            .iter()
            .filter_map(|old| {
                let new = b
                    .values
                    .iter()
                    .find(|v| v.field == old.field && v.element == old.element)?;
                (new.value != old.value).then(|| FieldChange {
                    field: old.field,
                    element: old.element,
                    name: old.name.clone(),
                    before: old.value,
                    after: new.value,
                })
            })
            .collect()
    }
}

/// A decoded report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The kind of report (always Input for [`Device::decode`]).
    pub kind: ReportKind,
    /// Its report ID, if the device uses them.
    pub id: Option<u8>,
    /// One value per variable field and per array element.
    pub values: Vec<DecodedValue>,
}

impl Decoded {
    /// The first value whose name is `name`.
    pub fn get(&self, name: &str) -> Option<i64> {
        self.values.iter().find(|v| v.name == name).map(|v| v.value)
    }
}

/// One decoded value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedValue {
    /// Index of the field in [`ReportInfo::fields`].
    pub field: usize,
    /// Element index within an array field (0 for variables).
    pub element: usize,
    /// Usage name ("Tip Pressure"), or `"<page>[i]"` for array elements.
    pub name: String,
    /// The value, sign-extended when the Logical Minimum is negative.
    pub value: i64,
}

impl fmt::Display for DecodedValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name, self.value)
    }
}

/// A value that differs between two versions of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// Index of the field in [`ReportInfo::fields`].
    pub field: usize,
    /// Element index within an array field (0 for variables).
    pub element: usize,
    /// Usage name.
    pub name: String,
    /// The value before.
    pub before: i64,
    /// The value after.
    pub after: i64,
}

impl fmt::Display for FieldChange {
    /// `Tip Pressure 1023 -> 2046`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} -> {}", self.name, self.before, self.after)
    }
}

/// Reads `size` bits at bit `offset` (little-endian, LSB first as in HID),
/// sign-extending when `signed`. `None` when out of range or over 64 bits.
fn extract(bytes: &[u8], offset: usize, size: usize, signed: bool) -> Option<i64> {
    if size == 0 || size > 64 {
        return None;
    }
    let end = offset.checked_add(size)?;
    if end > bytes.len().checked_mul(8)? {
        return None;
    }
    let mut value: u64 = 0;
    for bit in 0..size {
        let pos = offset + bit;
        if bytes[pos / 8] >> (pos % 8) & 1 == 1 {
            value |= 1 << bit;
        }
    }
    if signed && size < 64 && value >> (size - 1) & 1 == 1 {
        value |= u64::MAX << size;
    }
    Some(value as i64)
}

/// Linux-compatible checks, plus guards for inputs on which `hidreport`
/// would panic or allocate without bound; then the `hidreport` parse.
fn parse(rdesc: &[u8]) -> Result<ReportDescriptor, HidError> {
    if rdesc.is_empty() {
        return Err(HidError::descriptor(None, "empty report descriptor"));
    }
    let items = ReportDescriptorItems::try_from(rdesc).map_err(convert)?;
    prescan(&items, rdesc.len())?;
    ReportDescriptor::try_from(rdesc).map_err(convert)
}

fn convert(e: hidreport::ParserError) -> HidError {
    match e {
        hidreport::ParserError::InvalidData { offset, message } => {
            HidError::descriptor(Some(offset), lowercase_first(&message))
        }
        other => HidError::descriptor(None, other.to_string()),
    }
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[derive(Clone, Default)]
struct ScanState {
    // Globals.
    usage_page: bool,
    report_size: u32,
    report_count: u32,
    // Locals.
    usage_without_page: bool,
    usage_min: Option<u32>,
    usage_max: Option<u32>,
}

impl ScanState {
    fn reset_locals(&mut self) {
        self.usage_without_page = false;
        self.usage_min = None;
        self.usage_max = None;
    }

    /// The usages of a main item are compiled by `hidreport`: refuse what
    /// would make it panic (a 1- or 2-byte Usage with no Usage Page) or
    /// build a huge range.
    fn check_usages(&self, offset: usize) -> Result<(), HidError> {
        match (self.usage_min, self.usage_max) {
            (Some(min), Some(max)) if max >= min && max - min >= MAX_USAGE_RANGE => {
                Err(HidError::descriptor(
                    Some(offset),
                    format!(
                        "Usage Minimum {min:#x} to Usage Maximum {max:#x} spans more than one usage page"
                    ),
                ))
            }
            (Some(_), _) => Ok(()),
            (None, _) if self.usage_without_page && !self.usage_page => Err(HidError::descriptor(
                Some(offset),
                "Usage without a Usage Page before it",
            )),
            _ => Ok(()),
        }
    }
}

fn item_data(item: &impl Item) -> u32 {
    let bytes = item.bytes();
    let mut value = 0u32;
    for (i, b) in bytes.iter().skip(1).take(4).enumerate() {
        value |= u32::from(*b) << (8 * i);
    }
    value
}

fn prescan(items: &ReportDescriptorItems, len: usize) -> Result<(), HidError> {
    let mut stack = vec![ScanState::default()];
    let mut collections = 0usize;
    for rdesc_item in items.iter() {
        let offset = rdesc_item.offset();
        let item = rdesc_item.item();
        let Some(state) = stack.last_mut() else {
            return Err(HidError::descriptor(Some(offset), "empty item state stack"));
        };
        match item.item_type() {
            ItemType::Main(MainItem::Collection(_)) => {
                state.check_usages(offset)?;
                state.reset_locals();
                collections += 1;
            }
            ItemType::Main(MainItem::EndCollection) => {
                if collections == 0 {
                    return Err(HidError::descriptor(
                        Some(offset),
                        "End Collection without a Collection",
                    ));
                }
                collections -= 1;
                state.reset_locals();
            }
            ItemType::Main(main) => {
                let constant = match main {
                    MainItem::Input(i) => i.is_constant(),
                    MainItem::Output(o) => o.is_constant(),
                    MainItem::Feature(f) => f.is_constant(),
                    _ => true,
                };
                if !constant && state.report_size > 0 && state.report_count > 0 {
                    state.check_usages(offset)?;
                }
                state.reset_locals();
            }
            ItemType::Global(global) => match global {
                GlobalItem::UsagePage(_) => state.usage_page = true,
                GlobalItem::ReportSize(_) => {
                    let size = item_data(item);
                    if size > HID_MAX_REPORT_SIZE {
                        return Err(HidError::descriptor(
                            Some(offset),
                            format!("Report Size {size} is over {HID_MAX_REPORT_SIZE} bits"),
                        ));
                    }
                    state.report_size = size;
                }
                GlobalItem::ReportCount(_) => {
                    let count = item_data(item);
                    if count > HID_MAX_USAGES {
                        return Err(HidError::descriptor(
                            Some(offset),
                            format!("Report Count {count} is over {HID_MAX_USAGES}"),
                        ));
                    }
                    state.report_count = count;
                }
                GlobalItem::ReportId(_) => {
                    let id = item_data(item);
                    if id == 0 || id > 255 {
                        return Err(HidError::descriptor(
                            Some(offset),
                            format!("Report ID {id} is invalid (must be 1 to 255)"),
                        ));
                    }
                }
                GlobalItem::Push => {
                    let top = state.clone();
                    stack.push(top);
                }
                GlobalItem::Pop => {
                    if stack.len() < 2 {
                        return Err(HidError::descriptor(Some(offset), "Pop without a Push"));
                    }
                    stack.pop();
                }
                _ => {}
            },
            ItemType::Local(local) => match local {
                LocalItem::UsageId(_) => state.usage_without_page = true,
                LocalItem::UsageMinimum(_) => state.usage_min = Some(item_data(item)),
                LocalItem::UsageMaximum(_) => state.usage_max = Some(item_data(item)),
                _ => {}
            },
            ItemType::Long | ItemType::Reserved => {}
        }
    }
    if collections != 0 {
        return Err(HidError::descriptor(
            Some(len),
            format!("{collections} collection(s) not closed at the end of the report descriptor"),
        ));
    }
    Ok(())
}

fn collect(
    out: &mut Vec<ReportInfo>,
    kind: ReportKind,
    reports: &[impl Report],
) -> Result<(), HidError> {
    for report in reports {
        let id = report.report_id().map(u8::from);
        let len = report.size_in_bytes();
        if len > HID_MAX_BUFFER_SIZE {
            return Err(HidError::descriptor(
                None,
                format!(
                    "{kind} report {} is {len} bytes long, over the {HID_MAX_BUFFER_SIZE}-byte maximum",
                    id.unwrap_or(0)
                ),
            ));
        }
        let fields = report.fields().iter().map(field_info).collect();
        out.push(ReportInfo {
            kind,
            id,
            len,
            fields,
        });
    }
    Ok(())
}

fn usage_infos(usages: &[hidreport::Usage]) -> Vec<UsageInfo> {
    usages
        .iter()
        .map(|u| UsageInfo::new(u16::from(u.usage_page), u16::from(u.usage_id)))
        .collect()
}

fn field_info(field: &Field) -> FieldInfo {
    let bits = field.bits().clone();
    match field {
        Field::Variable(v) => {
            let usage = UsageInfo::new(u16::from(v.usage.usage_page), u16::from(v.usage.usage_id));
            FieldInfo {
                kind: FieldKind::Variable,
                bit_offset: bits.start,
                bit_size: bits.len(),
                count: 1,
                logical_min: i32::from(v.logical_minimum),
                logical_max: i32::from(v.logical_maximum),
                usage_page: usage.page,
                usages: vec![usage],
                relative: v.is_relative(),
            }
        }
        Field::Array(a) => {
            let count = usize::from(a.report_count).max(1);
            let usages = usage_infos(a.usages());
            FieldInfo {
                kind: FieldKind::Array,
                bit_offset: bits.start,
                bit_size: bits.len() / count,
                count,
                logical_min: i32::from(a.logical_minimum),
                logical_max: i32::from(a.logical_maximum),
                usage_page: usages.first().map(|u| u.page).unwrap_or(0),
                usages,
                relative: a.is_relative(),
            }
        }
        Field::Constant(_) => FieldInfo {
            kind: FieldKind::Constant,
            bit_offset: bits.start,
            bit_size: bits.len(),
            count: 1,
            logical_min: 0,
            logical_max: 0,
            usage_page: 0,
            usages: Vec::new(),
            relative: false,
        },
    }
}
