//! `quiver run OBJECT --prog NAME`: runs one program of an ELF object on a
//! packet or a context and shows what it changed.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use quiver::{Bpf, Loader, ProgType};
use quiver_cli::{hex, out};

/// Every key and value of every map.
fn snapshot(bpf: &Bpf) -> BTreeMap<String, BTreeMap<Vec<u8>, Vec<u8>>> {
    bpf.maps()
        .map(|m| {
            let entries = m
                .keys()
                .into_iter()
                .filter_map(|k| m.raw().lookup_copy(&k).map(|v| (k, v)))
                .collect();
            (m.name().to_string(), entries)
        })
        .collect()
}

pub struct ObjectRun<'a> {
    pub object: &'a Path,
    pub prog: Option<&'a str>,
    pub packet: Option<Vec<u8>>,
    pub ctx: Option<Vec<u8>>,
    pub budget: Option<u64>,
    pub engine: quiver::Engine,
    /// Trust the verifier: no runtime bounds checks.
    pub unchecked: bool,
}

pub fn run(req: ObjectRun<'_>) -> Result<ExitCode> {
    let bytes = std::fs::read(req.object)
        .with_context(|| format!("cannot read {}", req.object.display()))?;
    let mut loader = Loader::new()
        .engine(req.engine)
        .trust_verifier(req.unchecked);
    if let Some(b) = req.budget {
        loader = loader.budget(b);
    }
    let bpf = loader
        .load(&bytes)
        .with_context(|| format!("{}", req.object.display()))?;
    let prog = match req.prog {
        Some(name) => bpf.program(name)?,
        None => match bpf.programs() {
            [one] => one,
            many => {
                let names: Vec<&str> = many.iter().map(|p| p.name()).collect();
                bail!(
                    "{} has {} programs ({}): choose one with --prog",
                    req.object.display(),
                    names.len(),
                    names.join(", ")
                );
            }
        },
    };
    let before = snapshot(&bpf);
    let prog_type = prog.kind().map(|k| k.prog_type);
    let mut lines = out::Lines::default();
    let result = match (req.packet, req.ctx, prog_type) {
        (Some(mut frame), None, Some(ProgType::SocketFilter)) => {
            let r = prog.run_skb(&mut frame);
            if r.is_ok() {
                lines.line(&format!("packet: {}", hex::encode(&frame)));
            }
            r
        }
        (None, Some(mut ctx), _) => {
            let r = prog.run_context(&mut ctx);
            if r.is_ok() {
                lines.line(&format!("context: {}", hex::encode(&ctx)));
            }
            r
        }
        (Some(mut frame), None, Some(ProgType::Xdp)) => {
            let r = prog.run_xdp(&mut frame);
            if r.is_ok() {
                lines.line(&format!("packet: {}", hex::encode(&frame)));
            }
            r
        }
        (Some(_), None, other) => bail!(
            "--packet runs socket filters and XDP programs; {} is a {} program (give --ctx)",
            prog.name(),
            other.map_or("unknown", ProgType::name)
        ),
        (Some(_), Some(_), _) => bail!("give --packet or --ctx, not both"),
        (None, None, _) => {
            bail!("give the program its input: --packet FILE (socket filters, XDP) or --ctx FILE")
        }
    };
    match result {
        Ok(r0) => {
            lines.line(&format!("r0 = {r0:#x} ({})", r0 as i64));
            let after = snapshot(&bpf);
            for (name, entries) in &after {
                let old = before.get(name);
                for (k, v) in entries {
                    match old.and_then(|o| o.get(k)) {
                        Some(prev) if prev == v => {}
                        Some(prev) => lines.line(&format!(
                            "map {name}[{}]: {} -> {}",
                            hex::encode(k),
                            hex::encode(prev),
                            hex::encode(v)
                        )),
                        None => lines.line(&format!(
                            "map {name}[{}]: new {}",
                            hex::encode(k),
                            hex::encode(v)
                        )),
                    }
                }
            }
            lines.finish()?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            lines.finish()?;
            eprintln!("quiver: {e}");
            Ok(ExitCode::from(1))
        }
    }
}
