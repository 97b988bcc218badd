//! Embeds the firmware sources — `firmware/boards` and `firmware/runtime`
//! (with `docs/ARITHMETIC.md`, the runtime's crate docs), and the workspace manifest the runtime inherits its package fields
//! from — into the CLI, so that an installed `polyact` (no source tree
//! beside it) can still build firmware: `flash::firmware_root` writes them
//! to a cache directory on first use.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Files under `dir`, sorted, skipping build output.
fn walk(dir: &Path, files: &mut Vec<PathBuf>, dirs: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name == "target" || (name.starts_with('.') && name != ".cargo") {
            continue;
        }
        if p.is_dir() {
            dirs.push(p.clone());
            walk(&p, files, dirs);
        } else {
            files.push(p);
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let ws = manifest.join("..");
    let mut src = String::from("/// `(path under the workspace, contents)` of every firmware source file.\n");
    src.push_str("pub const FIRMWARE_FILES: &[(&str, &[u8])] = &[\n");
    let (mut files, mut dirs) = (vec![], vec![]);
    for d in ["firmware/boards", "firmware/runtime"] {
        walk(&ws.join(d), &mut files, &mut dirs);
    }
    // The runtime's crate documentation is the arithmetic contract.
    files.push(ws.join("docs/ARITHMETIC.md"));
    for f in &files {
        let rel = f.strip_prefix(&ws).expect("walked under the workspace").to_string_lossy().replace('\\', "/");
        let abs = f.canonicalize().unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        writeln!(src, "    ({rel:?}, include_bytes!({:?})),", abs.to_string_lossy()).expect("writing to a String");
        println!("cargo:rerun-if-changed={}", f.display());
    }
    src.push_str("];\n");
    let root_manifest = ws.join("Cargo.toml").canonicalize().expect("the workspace manifest");
    writeln!(
        src,
        "/// The workspace manifest (its package fields; the members are rewritten on unpacking).\npub const WORKSPACE_MANIFEST: &str = include_str!({:?});",
        root_manifest.to_string_lossy()
    )
    .expect("writing to a String");
    println!("cargo:rerun-if-changed={}", root_manifest.display());
    // New files in a source directory (never a build directory: a scan of
    // `target/` would rebuild the CLI after every firmware build).
    for d in dirs {
        println!("cargo:rerun-if-changed={}", d.display());
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("firmware_sources.rs");
    std::fs::write(&out, src).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}
