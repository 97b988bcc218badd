//! Embeds the firmware sources — `firmware/boards` and `firmware/runtime`,
//! and the workspace manifest the runtime inherits its package fields from —
//! into the CLI, so that an installed `polyact` (no source tree beside it)
//! can still build firmware: `flash::repo_root` writes them to a cache
//! directory on first use.
//!
//! The sources come from the checkout (`..`) when the CLI is built in it, or
//! from `firmware-src/` inside the packaged crate, which `cargo xtask
//! package` stages (a `.crate` cannot reach outside its directory, and cargo
//! leaves out subdirectories holding a `Cargo.toml`, so there every manifest
//! is stored as `Cargo.toml.in`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The suffix a staged manifest carries in the packaged crate.
const STAGED: &str = ".in";

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

/// `path` with a staged manifest's suffix removed.
fn unstaged(path: &str) -> String {
    match path.strip_suffix(STAGED) {
        Some(p) if p.ends_with("Cargo.toml") => p.to_string(),
        _ => path.to_string(),
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let checkout = manifest.join("..");
    let root = if checkout.join("firmware/boards/boards.txt").is_file() {
        checkout
    } else if manifest.join("firmware-src/firmware/boards/boards.txt").is_file() {
        manifest.join("firmware-src")
    } else {
        panic!(
            "no firmware sources: neither {} (a checkout) nor firmware-src/ (a crate packaged by `cargo xtask package`)",
            checkout.join("firmware/boards").display()
        )
    };
    let mut src = String::from("/// `(path under the workspace, contents)` of every firmware source file.\n");
    src.push_str("pub const FIRMWARE_FILES: &[(&str, &[u8])] = &[\n");
    let (mut files, mut dirs) = (vec![], vec![]);
    for d in ["firmware/boards", "firmware/runtime"] {
        walk(&root.join(d), &mut files, &mut dirs);
    }
    for f in &files {
        let rel = f.strip_prefix(&root).expect("walked under the root").to_string_lossy().replace('\\', "/");
        let abs = f.canonicalize().unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        writeln!(src, "    ({:?}, include_bytes!({:?})),", unstaged(&rel), abs.to_string_lossy())
            .expect("writing to a String");
        println!("cargo:rerun-if-changed={}", f.display());
    }
    src.push_str("];\n");
    let root_manifest = [root.join("Cargo.toml"), root.join(format!("Cargo.toml{STAGED}"))]
        .into_iter()
        .find(|p| p.is_file())
        .and_then(|p| p.canonicalize().ok())
        .expect("the workspace manifest");
    writeln!(
        src,
        "/// The workspace manifest (its package fields; the members are rewritten on unpacking).\npub const WORKSPACE_MANIFEST: &str = include_str!({:?});",
        root_manifest.to_string_lossy()
    )
    .expect("writing to a String");
    println!("cargo:rerun-if-changed={}", root_manifest.display());
    // The board table, which the CLI reads itself.
    let boards = root.join("firmware/boards/boards.txt").canonicalize().expect("boards.txt");
    writeln!(
        src,
        "/// `firmware/boards/boards.txt`.\npub const BOARDS_TXT: &str = include_str!({:?});",
        boards.to_string_lossy()
    )
    .expect("writing to a String");
    // New files in a source directory (never a build directory: a scan of
    // `target/` would rebuild the CLI after every firmware build).
    for d in dirs {
        println!("cargo:rerun-if-changed={}", d.display());
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("firmware_sources.rs"), src).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    // The parser is Rust the CLI compiles, not data.
    let table = root.join("firmware/boards/board_table.rs");
    std::fs::copy(&table, out.join("board_table.rs")).unwrap_or_else(|e| panic!("{}: {e}", table.display()));
}
