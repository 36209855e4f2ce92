//! The per-event cost of delivering one event to the right device's
//! programs, for 1, 8, 64 and 1,024 devices with 1 and 4 programs each,
//! through:
//!
//! - (a) a prog array and tail calls (a root program tail-calls the
//!   device's first program, each calls the next);
//! - (b) the call-and-return kfunc (a root program calls each in turn);
//! - (c) struct_ops through indirect calls (a registry whose dispatcher
//!   has no direct part: boxed calls found through a hash map);
//! - (d) struct_ops through the dispatcher (with the JIT, native code
//!   generated per table: compares against the devices, then a call
//!   straight into each program's JIT code; beyond its capacity of 64
//!   devices, the indirect fallback);
//! - (e) a plain Rust function call per program: the floor.
//!
//! Events go to devices round robin. Prints ns per event and the ratio to
//! the floor, and draws docs/dispatch.svg.
//!
//! `cargo run --release -p quiver-bench --example dispatch_table`

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use plotters::prelude::*;
use quiver::Loader;
use quiver::maps::ProgArray;
use quiver::struct_ops::{ArgType, StructOps, StructOpsType, set_data};
use quiver_obj::Object;
use quiver_verifier::host::{BtfStruct, CtxField, CtxFieldKind};
use quiver_vm::{Region, RunInput};

const DEVICES: [u64; 4] = [1, 8, 64, 1024];
const PROGRAMS: [u32; 2] = [1, 4];
const EVENTS: u64 = 20_000;

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/obj")
            .join(name),
    )
    .expect("fixture")
}

/// `struct bench_ctx { u32 device, step, nprogs, acc; }` as bytes.
fn ctx(device: u64, nprogs: u32) -> [u8; 16] {
    let mut c = [0u8; 16];
    c[0..4].copy_from_slice(&(device as u32).to_le_bytes());
    c[8..12].copy_from_slice(&nprogs.to_le_bytes());
    c
}

fn acc(c: &[u8; 16]) -> u32 {
    u32::from_le_bytes(c[12..16].try_into().unwrap())
}

/// Median over 5 rounds of ns per event of `deliver(device)`.
fn per_event(devices: u64, mut deliver: impl FnMut(u64)) -> f64 {
    for d in 0..devices.min(EVENTS) {
        deliver(d);
    }
    let mut rounds: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            for e in 0..EVENTS {
                deliver(e % devices);
            }
            t.elapsed().as_nanos() as f64 / EVENTS as f64
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    rounds[2]
}

fn bench_ops(capacity: usize) -> Arc<StructOps> {
    let ty = StructOpsType::new("bench_ops")
        .callback(
            "on_event",
            &[ArgType::Ptr {
                type_name: "bench_ctx",
                nullable: false,
            }],
            (0, 0),
            false,
        )
        .data("dev_id", 4)
        .data("pad", 4)
        .limit_per_device(4)
        .init(|d| d.get("dev_id").ok_or_else(|| "no dev_id".into()));
    StructOps::with_dispatch_capacity(ty, capacity)
}

fn bench_ctx_struct() -> BtfStruct {
    let f = |name: &str, off, write| CtxField {
        name: name.into(),
        off,
        size: 4,
        read: true,
        write,
        kind: CtxFieldKind::Scalar,
    };
    BtfStruct {
        name: "bench_ctx".into(),
        size: 16,
        fields: vec![
            f("device", 0, false),
            f("step", 4, true),
            f("nprogs", 8, false),
            f("acc", 12, true),
        ],
    }
}

#[inline(never)]
fn floor_work(c: &mut [u8; 16]) {
    let a = acc(c) + 1;
    c[12..16].copy_from_slice(&a.to_le_bytes());
}

struct Result_ {
    mechanism: &'static str,
    devices: u64,
    nprogs: u32,
    ns: f64,
}

fn main() {
    let syscall = Loader::new().load(&bytes("dispatch_bench.v3.g.o")).unwrap();
    let tprogs: ProgArray = syscall.map("tprogs").unwrap().try_into().unwrap();
    let cprogs: ProgArray = syscall.map("cprogs").unwrap().try_into().unwrap();
    let (tc_root, tc_work) = (
        syscall.program("tc_root").unwrap(),
        syscall.program("tc_work").unwrap(),
    );
    let (cr_root, cr_work) = (
        syscall.program("cr_root").unwrap(),
        syscall.program("cr_work").unwrap(),
    );
    for slot in 0..4096 {
        tprogs.set(slot, tc_work).unwrap();
        cprogs.set(slot, cr_work).unwrap();
    }
    // One implementation per (device, program), for both registries.
    let ops_obj = Object::parse(&bytes("dispatch_bench_ops.v3.g.o")).unwrap();
    let direct = bench_ops(quiver::struct_ops::DISPATCH_CAPACITY);
    let indirect = bench_ops(0);
    let loader = Loader::new()
        .struct_ops(&direct)
        .btf_struct(bench_ctx_struct());
    let mut impls = Vec::new();
    for d in 0..1024u64 {
        for _ in 0..4 {
            let mut o = ops_obj.clone();
            set_data(&mut o, "bench", "dev_id", d).unwrap();
            let bpf = loader.load_object(o).unwrap();
            impls.push((d, bpf.struct_ops("bench").unwrap(), bpf));
        }
    }

    let mut results = Vec::new();
    for &nprogs in &PROGRAMS {
        for &devices in &DEVICES {
            let mut links = Vec::new();
            for (n, (d, imp, _)) in impls.iter().enumerate() {
                // impls holds 4 per device, in order.
                if *d < devices && (n % 4) < nprogs as usize {
                    links.push(direct.attach(imp, 0).unwrap());
                    links.push(indirect.attach(imp, 0).unwrap());
                }
            }
            let check = |c: &[u8; 16], what: &str| {
                assert_eq!(acc(c), nprogs, "{what}: every program ran once");
            };
            let mut run = |mechanism, f: &mut dyn FnMut(u64)| {
                results.push(Result_ {
                    mechanism,
                    devices,
                    nprogs,
                    ns: per_event(devices, f),
                });
            };
            run("(a) prog array + tail calls", &mut |d| {
                let mut c = ctx(d, nprogs);
                tc_root.run_context(&mut c).unwrap();
                check(&c, "tail calls");
            });
            run("(b) call-and-return kfunc", &mut |d| {
                let mut c = ctx(d, nprogs);
                cr_root.run_context(&mut c).unwrap();
                check(&c, "call and return");
            });
            for (mechanism, ops) in [
                ("(c) struct_ops, indirect calls", &indirect),
                ("(d) struct_ops, dispatcher", &direct),
            ] {
                run(mechanism, &mut |d| {
                    let mut c = ctx(d, nprogs);
                    ops.dispatch(d, 0, |del| {
                        for i in 0..del.len() {
                            // SAFETY: `c` outlives the run and nothing else
                            // touches it meanwhile.
                            let region =
                                unsafe { Region::from_raw("bench_ctx", c.as_mut_ptr(), 16, true) };
                            let args = region.addr().to_le_bytes();
                            del.run(
                                i,
                                RunInput::new().context_readonly(&args).raw_region(region),
                            )
                            .unwrap();
                        }
                    });
                    check(&c, mechanism);
                });
            }
            run("(e) plain Rust call (floor)", &mut |d| {
                let mut c = ctx(d, nprogs);
                for _ in 0..nprogs {
                    std::hint::black_box(floor_work as fn(&mut [u8; 16]))(&mut c);
                }
                check(&c, "floor");
            });
            for l in links {
                l.detach().unwrap();
            }
        }
    }

    println!("| mechanism | programs | 1 device | 8 devices | 64 devices | 1,024 devices |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mechanisms: Vec<&str> = {
        let mut m: Vec<&str> = results.iter().map(|r| r.mechanism).collect();
        m.dedup();
        m.sort();
        m.dedup();
        m
    };
    for &nprogs in &PROGRAMS {
        for m in &mechanisms {
            let mut line = format!("| {m} | {nprogs} |");
            for &d in &DEVICES {
                let r = results
                    .iter()
                    .find(|r| r.mechanism == *m && r.devices == d && r.nprogs == nprogs)
                    .unwrap();
                let floor = results
                    .iter()
                    .find(|r| {
                        r.mechanism.starts_with("(e)") && r.devices == d && r.nprogs == nprogs
                    })
                    .unwrap();
                line.push_str(&format!(" {:.0} ns ({:.0}x) |", r.ns, r.ns / floor.ns));
            }
            println!("{line}");
        }
    }
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/dispatch.svg");
    match chart(&out, &results, &mechanisms) {
        Ok(()) => println!("\nchart: {}", out.display()),
        Err(e) => eprintln!("chart not drawn: {e}"),
    }
}

fn chart(
    path: &Path,
    results: &[Result_],
    mechanisms: &[&str],
) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let root = SVGBackend::new(path, (1100, 460)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((1, 2));
    let colors = [RED, BLUE, GREEN, MAGENTA, BLACK];
    let max = results.iter().map(|r| r.ns).fold(1.0, f64::max) * 1.5;
    let min = results
        .iter()
        .map(|r| r.ns)
        .fold(f64::MAX, f64::min)
        .max(0.1)
        / 1.5;
    for (panel, &nprogs) in panels.iter().zip(&PROGRAMS) {
        let mut c = ChartBuilder::on(panel)
            .caption(
                format!("{nprogs} program(s) per device: ns per event"),
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d((1u64..1024u64).log_scale(), (min..max).log_scale())?;
        c.configure_mesh()
            .x_desc("devices")
            .y_desc("ns per event")
            .x_labels(4)
            .draw()?;
        for (m, color) in mechanisms.iter().zip(colors.iter().cycle()) {
            let pts: Vec<(u64, f64)> = DEVICES
                .iter()
                .filter_map(|&d| {
                    results
                        .iter()
                        .find(|r| r.mechanism == *m && r.devices == d && r.nprogs == nprogs)
                        .map(|r| (d, r.ns))
                })
                .collect();
            c.draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))?
                .label(*m)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
            c.draw_series(pts.into_iter().map(|p| Circle::new(p, 3, color.filled())))?;
        }
        c.configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(("sans-serif", 12))
            .draw()?;
    }
    root.present()?;
    Ok(())
}
