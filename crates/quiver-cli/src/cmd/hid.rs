//! `quiver hid`: HID-BPF without a kernel. `replay` passes a hid-recorder
//! recording through HID-BPF objects; `inspect` says what an object is
//! for and whether its programs verify.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use quiver_hid::bpf::{HidHost, Skipped, config::device_matches};
use quiver_hid::recording::Recording;
use quiver_hid::replay::{ObjectOutcome, replay_on};
use quiver_obj::{ExternKind, Object};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Replay a hid-recorder recording through HID-BPF objects: each
    /// object's probe runs, what matches the device attaches, the report
    /// descriptor is fixed up and every event passes through the programs.
    /// Prints the resulting recording (same format, so `diff` works).
    Replay(ReplayArgs),
    /// Live mode, for kernels without HID-BPF: read a real device through
    /// hidraw, pass its reports through the objects' programs and expose
    /// the fixed device through /dev/uhid (needs write access to both).
    /// Runs until the device goes away.
    Attach {
        /// The real device, e.g. /dev/hidraw3.
        hidraw: PathBuf,
        /// A HID-BPF object to load for it (in this order).
        #[arg(long = "bpf", required = true)]
        objects: Vec<PathBuf>,
        /// The uhid device.
        #[arg(long, default_value = "/dev/uhid")]
        uhid: PathBuf,
        /// How the programs run (default: the JIT where this host has it).
        #[arg(long, value_enum)]
        engine: Option<super::EngineArg>,
    },
    /// Describe a HID-BPF object: the devices it matches, its callbacks,
    /// the kfuncs it uses, its maps, and the verifier's verdict per program.
    Inspect {
        /// A HID-BPF ELF object.
        object: PathBuf,
    },
}

#[derive(clap::Args)]
pub struct ReplayArgs {
    /// A hid-recorder file (`R:`, `N:`, `P:`, `I:`, `E:` lines).
    recording: PathBuf,
    /// A HID-BPF object to load for each device (in this order).
    #[arg(long = "bpf", required = true)]
    objects: Vec<PathBuf>,
    /// Before each changed or dropped event, a comment line with the
    /// fields that changed, decoded by usage (`Tip Pressure 120 -> 240`).
    #[arg(long)]
    explain: bool,
    /// Write the resulting recording here instead of to standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// A udev property for the objects' `UDEV_PROP_NAME` globals
    /// (`NAME=VALUE`; repeatable).
    #[arg(long = "udev-prop", value_name = "NAME=VALUE")]
    udev_props: Vec<String>,
    /// A feature report the recorded device answers to GET_REPORT
    /// (`ID=HEX`, the bytes including the report id, e.g. `5=05420000`;
    /// repeatable). Other requests get -EIO.
    #[arg(long = "feature", value_name = "ID=HEX")]
    features: Vec<String>,
    /// How the programs run (default: the JIT where this host has it).
    #[arg(long, value_enum)]
    engine: Option<super::EngineArg>,
}

pub fn run(cmd: Command) -> Result<ExitCode> {
    match cmd {
        Command::Replay(args) => run_replay(args),
        Command::Inspect { object } => inspect(object),
        Command::Attach {
            hidraw,
            objects,
            uhid,
            engine,
        } => attach(hidraw, objects, uhid, super::engine(engine)),
    }
}

fn read_objects(paths: &[PathBuf]) -> Result<Vec<(String, Vec<u8>)>> {
    paths
        .iter()
        .map(|path| {
            let bytes =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            Ok((name, bytes))
        })
        .collect()
}

fn attach(
    hidraw: PathBuf,
    objects: Vec<PathBuf>,
    uhid: PathBuf,
    engine: quiver::Engine,
) -> Result<ExitCode> {
    let objects = read_objects(&objects)?;
    let (identity, rdesc) = quiver_hid::live::from_sysfs(&hidraw).with_context(|| {
        format!(
            "cannot read {}'s descriptor and identity from sysfs",
            hidraw.display()
        )
    })?;
    let model = quiver_hid::Device::new(
        quiver_hid::DeviceId::new(identity.bus, identity.vendor, identity.product),
        &identity.name,
        rdesc.clone(),
    )?;
    let open = |p: &PathBuf| {
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(p)
            .with_context(|| format!("cannot open {} for reading and writing", p.display()))
    };
    let dev = open(&hidraw)?;
    let uh = open(&uhid)?;
    let host = HidHost::new().with_engine(engine);
    let stats = quiver_hid::live::run_bridge(
        &host,
        identity,
        rdesc,
        model.max_report_len(),
        &objects,
        dev.try_clone()?,
        dev,
        uh.try_clone()?,
        uh,
    )?;
    eprintln!(
        "# quiver: {} reports, {} dropped, {} output reports",
        stats.reports, stats.dropped, stats.outputs
    );
    Ok(ExitCode::SUCCESS)
}

fn run_replay(args: ReplayArgs) -> Result<ExitCode> {
    let text = std::fs::read_to_string(&args.recording)
        .with_context(|| format!("cannot read {}", args.recording.display()))?;
    let recording =
        Recording::parse(&text).with_context(|| args.recording.display().to_string())?;
    let objects = read_objects(&args.objects)?;
    let mut udev = std::collections::BTreeMap::new();
    for p in &args.udev_props {
        let Some((k, v)) = p.split_once('=') else {
            bail!("--udev-prop {p:?}: expected NAME=VALUE");
        };
        udev.insert(k.to_string(), v.to_string());
    }
    let mut features = std::collections::BTreeMap::new();
    for f in &args.features {
        let parsed = f.split_once('=').and_then(|(id, hex)| {
            let id = u8::from_str_radix(id.trim_start_matches("0x"), 16).ok()?;
            let hex: String = hex.chars().filter(|c| !c.is_whitespace()).collect();
            if !hex.len().is_multiple_of(2) {
                return None;
            }
            let bytes = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
                .collect::<Option<Vec<u8>>>()?;
            Some((id, bytes))
        });
        let Some((id, bytes)) = parsed else {
            bail!("--feature {f:?}: expected ID=HEX (hex report id, hex bytes)");
        };
        features.insert(id, bytes);
    }
    let host = HidHost::new().with_engine(super::engine(args.engine));
    let result = replay_on(&host, &recording, &objects, &udev, &features)?;
    let mut err = std::io::stderr().lock();
    for (device, outcomes) in &result.objects {
        for (name, outcome) in outcomes {
            let what = match outcome {
                ObjectOutcome::Attached(v) => format!("attached ({})", v.join(", ")),
                ObjectOutcome::Skipped(Skipped::NotMatched(m)) => format!(
                    "not attached: its .hid_bpf_config names {}",
                    m.iter()
                        .map(|m| m.to_string())
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                ObjectOutcome::Skipped(Skipped::ProbeRefused(r)) => {
                    format!("not attached: its probe said {r}")
                }
            };
            writeln!(err, "# device {device}: {name}: {what}")?;
        }
    }
    // The recording, with the explanations as comments when asked.
    let mut body = Vec::new();
    if args.explain {
        write_explained(&recording, &result, &mut body)?;
    } else {
        result.output.write_to(&mut body)?;
    }
    match &args.output {
        Some(path) => std::fs::write(path, &body)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            if let Err(e) = out.write_all(&body).and_then(|()| out.flush())
                && e.kind() != std::io::ErrorKind::BrokenPipe
            {
                return Err(e.into());
            }
        }
    }
    for (device, report) in &result.outputs {
        let hex: Vec<String> = report.iter().map(|b| format!("{b:02x}")).collect();
        writeln!(err, "# device {device}: output report {}", hex.join(" "))?;
    }
    let (n, dropped, changed) = result.summary();
    writeln!(
        err,
        "# quiver: {n} events in, {dropped} dropped, {changed} changed"
    )?;
    Ok(ExitCode::SUCCESS)
}

/// The output recording with a `# ` comment before each event that a
/// program changed, and one where an event was dropped.
fn write_explained(
    input: &Recording,
    result: &quiver_hid::replay::Replay,
    out: &mut Vec<u8>,
) -> Result<()> {
    let mut plain = Vec::new();
    result.output.write_to(&mut plain)?;
    let text = String::from_utf8(plain)?;
    let mut reports = result.events.iter().peekable();
    let mut devices = input.devices.iter().zip(&result.output.devices);
    for line in text.lines() {
        if line.starts_with("R: ")
            && let Some((before, after)) = devices.next()
            && before.rdesc != after.rdesc
        {
            let (a, b) = (&before.rdesc, &after.rdesc);
            if a.len() == b.len() {
                let diffs: Vec<String> = (0..a.len())
                    .filter(|&i| a[i] != b[i])
                    .map(|i| format!("byte {i}: {:#04x} -> {:#04x}", a[i], b[i]))
                    .collect();
                writeln!(out, "# report descriptor fixed up: {}", diffs.join(", "))?;
            } else {
                writeln!(
                    out,
                    "# report descriptor replaced: {} bytes -> {} bytes",
                    a.len(),
                    b.len()
                )?;
            }
        }
        if line.starts_with("E: ") {
            // Dropped events have no line: say so where they were.
            while let Some(r) = reports.next_if(|r| r.dropped) {
                writeln!(
                    out,
                    "# E {}.{:06}: dropped by a program",
                    r.time.0, r.time.1
                )?;
            }
            if let Some(r) = reports.next()
                && r.bytes_changed
            {
                let what: Vec<String> = r
                    .changes
                    .iter()
                    .map(|(n, b, a)| format!("{n} {b} -> {a}"))
                    .collect();
                let what = if what.is_empty() {
                    "bytes changed".to_string()
                } else {
                    what.join(", ")
                };
                writeln!(out, "# {what}")?;
            }
        }
        writeln!(out, "{line}")?;
    }
    for r in reports.filter(|r| r.dropped) {
        writeln!(
            out,
            "# E {}.{:06}: dropped by a program",
            r.time.0, r.time.1
        )?;
    }
    Ok(())
}

fn inspect(path: PathBuf) -> Result<ExitCode> {
    let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let object = Object::parse(&bytes).with_context(|| path.display().to_string())?;
    let mut out = String::new();
    let matches = device_matches(&object);
    out.push_str(&format!("{}\n", path.display()));
    if matches.is_empty() {
        out.push_str("devices: any (no .hid_bpf_config)\n");
    } else {
        for m in &matches {
            out.push_str(&format!("device: {m}\n"));
        }
    }
    for v in &object.struct_ops {
        out.push_str(&format!(
            "struct_ops {} ({}, {}):\n",
            v.name, v.type_name, v.section
        ));
        for (member, prog) in &v.funcs {
            out.push_str(&format!("  {member}: {prog}\n"));
        }
    }
    let kfuncs: Vec<&str> = object
        .externs
        .iter()
        .filter(|e| matches!(e.kind, ExternKind::Kfunc { .. }))
        .map(|e| e.name.as_str())
        .collect();
    if !kfuncs.is_empty() {
        out.push_str(&format!("kfuncs: {}\n", kfuncs.join(", ")));
    }
    for m in &object.maps {
        out.push_str(&format!(
            "map {}: type {} key {} value {} entries {}\n",
            m.name, m.def.map_type, m.def.key_size, m.def.value_size, m.def.max_entries
        ));
    }
    let host = HidHost::new();
    let verdicts = host
        .loader()
        .verify_object(&object, &quiver_verifier::Options::default())?;
    let mut rejected = false;
    for v in verdicts {
        match &v.result {
            Ok(a) => out.push_str(&format!(
                "program {} ({}): accepted, {} insns processed\n",
                v.name, v.section, a.stats.insns_processed
            )),
            Err(r) => {
                rejected = true;
                out.push_str(&format!(
                    "program {} ({}): rejected: {r}\n",
                    v.name, v.section
                ));
                if let Some(h) = &r.hint {
                    out.push_str(&format!("  hint: {h}\n"));
                }
            }
        }
    }
    quiver_cli::out::print(&out)?;
    if object.programs.is_empty() {
        bail!("{} has no programs", path.display());
    }
    Ok(if rejected {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
