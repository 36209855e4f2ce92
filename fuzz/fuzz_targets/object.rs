//! Any bytes: parsing, relocating and linking an object never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = quiver_obj::Object::parse(data);
});
