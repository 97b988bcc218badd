//! Copy MicroFlow's own bundled `models/sine.tflite` out of its crates.io
//! package (it is not ours to commit) and set up the mps2 memory layout.
use std::path::{Path, PathBuf};

fn main() {
    let home = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap()).join(".cargo"));
    let src = std::fs::read_dir(home.join("registry/src"))
        .expect("cargo registry")
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("microflow-0.1.3/models/sine.tflite"))
        .find(|p| p.exists())
        .expect("microflow 0.1.3 package with models/sine.tflite");
    std::fs::create_dir_all("models").unwrap();
    std::fs::copy(&src, Path::new("models/sine.tflite")).unwrap();
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::copy("mps2.x", out.join("memory.x")).unwrap();
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=mps2.x");
}
