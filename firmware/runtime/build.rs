//! Enable the Cortex-M DSP-extension inner loops (`cfg(polyact_dsp)`) on
//! targets that have the extension: stable Rust exposes no Arm target
//! features to `cfg`, so the target triple decides.
fn main() {
    println!("cargo:rustc-check-cfg=cfg(polyact_dsp)");
    println!("cargo:rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.starts_with("thumbv7em") {
        println!("cargo:rustc-cfg=polyact_dsp");
    }
}
