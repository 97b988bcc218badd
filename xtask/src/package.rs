//! `cargo xtask package`: the three published crates as `.crate` files in
//! `target/package/` — the runtime, the HDL crate and the CLI, whose crate
//! carries the firmware sources it builds from (`host-tools/build.rs`).
//!
//! A `.crate` holds only files under its own directory, and cargo leaves
//! out any subdirectory with a `Cargo.toml` (a nested package), so the
//! firmware is staged in `host-tools/firmware-src/` with every manifest
//! renamed `Cargo.toml.in`, packaged, and the staging removed.

use std::path::Path;
use std::process::exit;

/// The firmware the CLI embeds, relative to the workspace.
const FIRMWARE_DIRS: [&str; 2] = ["firmware/boards", "firmware/runtime"];
const STAGING: &str = "host-tools/firmware-src";

fn fail(what: &Path, e: std::io::Error) -> ! {
    eprintln!("xtask: {}: {e}", what.display());
    exit(2)
}

/// Copy `from` into `to`, skipping build output and dot directories (but
/// `.cargo`, which holds the firmware's target configuration), following
/// symlinks, and renaming manifests.
fn stage(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| fail(to, e));
    let entries = std::fs::read_dir(from).unwrap_or_else(|e| fail(from, e));
    for entry in entries {
        let path = entry.unwrap_or_else(|e| fail(from, e)).path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        if name == "target" || (name.starts_with('.') && name != ".cargo") {
            continue;
        }
        if path.is_dir() {
            stage(&path, &to.join(&name));
        } else {
            let dest = if name == "Cargo.toml" { to.join("Cargo.toml.in") } else { to.join(&name) };
            std::fs::copy(&path, &dest).unwrap_or_else(|e| fail(&path, e));
        }
    }
}

pub fn package() {
    let staging = Path::new(STAGING);
    let _ = std::fs::remove_dir_all(staging);
    for d in FIRMWARE_DIRS {
        stage(Path::new(d), &staging.join(d));
    }
    std::fs::copy("Cargo.toml", staging.join("Cargo.toml.in")).unwrap_or_else(|e| fail(Path::new("Cargo.toml"), e));
    // Each crate is built when it is installed (the test that installs the
    // CLI does); `--no-verify` spares a second build of every dependency.
    let status = std::process::Command::new("cargo")
        .args(["package", "--no-verify", "--allow-dirty", "-p", "polyact", "-p", "polyact-hdl", "-p", "polyact-tools"])
        .status();
    let _ = std::fs::remove_dir_all(staging);
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => {
            eprintln!("xtask: cargo package failed ({s})");
            exit(1)
        }
        Err(e) => {
            eprintln!("xtask: cannot start cargo: {e}");
            exit(2)
        }
    }
}
