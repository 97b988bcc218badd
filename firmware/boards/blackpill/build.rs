//! Put the board's memory layout on the linker path (named per board so no
//! `memory.x` in the package root can shadow it), and bring in the compiled
//! model.
use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::copy("memory/blackpill.x", out.join("memory.x")).unwrap();
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory/blackpill.x");
    if std::env::var_os("CARGO_FEATURE_COMPILED").is_some() {
        compiled_model(&out);
    }
}

include!("../compiled_model.rs");
