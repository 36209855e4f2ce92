fn main() {
    let bytes = std::fs::read(std::env::args().nth(1).unwrap()).unwrap();
    let t = std::time::Instant::now();
    for _ in 0..100 {
        let _ = quiver_obj::Object::parse(&bytes).unwrap();
    }
    println!("parse {:?}", t.elapsed() / 100);
    let obj = quiver_obj::Object::parse(&bytes).unwrap();
    let btf_bytes = obj.btf.as_ref().unwrap().to_bytes();
    let t = std::time::Instant::now();
    for _ in 0..100 {
        let _ = quiver_obj::btf::Btf::parse(&btf_bytes).unwrap();
    }
    println!(
        "btf {:?} ({} bytes, {} types)",
        t.elapsed() / 100,
        btf_bytes.len(),
        obj.btf.as_ref().unwrap().types().len()
    );
}
