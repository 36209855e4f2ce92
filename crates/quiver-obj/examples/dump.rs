//! Prints what quiver-obj reads from an object: `cargo run -p quiver-obj
//! --example dump -- fixtures/obj/kitchen_sink.v3.g.o`.

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: dump OBJECT");
        std::process::exit(2);
    };
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(2)
    });
    match quiver_obj::Object::parse(&bytes) {
        Ok(obj) => {
            for p in &obj.programs {
                println!(
                    "program {} ({}) kind {:?}: {} insns, funcs {:?}, {} relocs, {} lines, {} core relos",
                    p.name,
                    p.section,
                    p.kind,
                    p.insns.len(),
                    p.funcs.iter().map(|f| (&f.name, f.pc)).collect::<Vec<_>>(),
                    p.relocs.len(),
                    p.lines.len(),
                    p.core_relos.len()
                );
            }
            for m in &obj.maps {
                println!(
                    "map {} {:?} {:?} init_slots {:?}",
                    m.name, m.origin, m.def, m.init_slots
                );
            }
            for e in &obj.externs {
                println!("extern {e:?}");
            }
            for s in &obj.struct_ops {
                println!(
                    "struct_ops {} {} {} data {:?} funcs {:?}",
                    s.name, s.section, s.type_name, s.data, s.funcs
                );
            }
        }
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    }
}
