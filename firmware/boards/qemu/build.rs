//! Select the board's memory layout (named per board: a `memory.x` in the
//! package root would shadow this copy), and bring in the compiled model.
use std::path::PathBuf;

fn main() {
    let boards = [
        ("CARGO_FEATURE_BOARD_MPS2_AN385", "mps2.x"),
        ("CARGO_FEATURE_BOARD_MPS2_AN386", "mps2.x"),
        ("CARGO_FEATURE_BOARD_MPS2_AN500", "mps2.x"),
        ("CARGO_FEATURE_BOARD_MICROBIT", "microbit.x"),
        ("CARGO_FEATURE_BOARD_MPS2_AN505", "an505.x"),
    ];
    let chosen: Vec<&str> = boards.iter().filter(|(f, _)| std::env::var_os(f).is_some()).map(|(_, m)| *m).collect();
    let target = std::env::var("TARGET").unwrap_or_default();
    if !target.starts_with("thumb") {
        return; // host `cargo check` of the workspace: nothing to link
    }
    let Some(mem) = chosen.first() else {
        panic!("select a board feature: board-mps2-an385, board-mps2-an386, board-mps2-an500, board-mps2-an505 or board-microbit");
    };
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::copy(format!("memory/{mem}"), out.join("memory.x")).unwrap();
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory/{mem}");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=POLYACT_FW_ARENA_BYTES");
    if std::env::var_os("CARGO_FEATURE_COMPILED").is_some() {
        compiled_model(&out);
    }
}

include!("../compiled_model.rs");
