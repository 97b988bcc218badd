//! `cargo install` of the packaged CLI with no source tree left: a copy of
//! the sources is packaged with `cargo xtask package` (the runtime, HDL and
//! CLI `.crate` files, the CLI's carrying the firmware), the copy is
//! deleted, the CLI is installed from its unpacked `.crate` into a
//! temporary prefix, and the installed `polyact` quantizes a model, compiles
//! it and flashes it to the emulated Cortex-M4, from its partition and
//! compiled — building the firmware from the sources embedded in the binary
//! (`flash::repo_root`).
//!
//! The two library crates stand in for crates.io through `[patch]` (they are
//! not published); every other dependency comes from crates.io at the
//! versions of the packaged `Cargo.lock` (`--locked`).

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap()
}

/// Copy `from` to `to`, skipping build output.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap();
        if name == "target" {
            continue;
        }
        if p.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&p).unwrap(), to.join(name)).unwrap();
        } else if p.is_dir() {
            copy_tree(&p, &to.join(name));
        } else {
            std::fs::copy(&p, to.join(name)).unwrap();
        }
    }
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

/// The workspace's dev profile, so that `cargo install --debug` reuses the
/// dependencies the test suite already built instead of building them again.
const PROFILE: [&str; 4] = [
    "profile.dev.opt-level=1",
    "profile.dev.debug=\"line-tables-only\"",
    "profile.dev.package.\"*\".opt-level=2",
    "profile.dev.package.\"*\".debug=false",
];

#[test]
fn packaged_cli_builds_firmware_without_the_source_tree() {
    let ws = workspace();
    let tmp = std::env::temp_dir().join(format!("polyact-install-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let (src, crates, prefix, cache) = (tmp.join("src"), tmp.join("crates"), tmp.join("prefix"), tmp.join("cache"));
    // The published crates' sources and what packages them — not tests/ or models/.
    for d in [".cargo", "host-tools", "hdl", "firmware/runtime", "firmware/boards", "docs", "xtask"] {
        copy_tree(&ws.join(d), &src.join(d));
    }
    std::fs::copy(ws.join("Cargo.lock"), src.join("Cargo.lock")).unwrap();
    let manifest = std::fs::read_to_string(ws.join("Cargo.toml")).unwrap();
    let manifest: String = manifest
        .lines()
        .map(|l| {
            if l.starts_with("members") {
                r#"members = ["firmware/runtime", "hdl", "host-tools", "xtask"]"#
            } else {
                l
            }
        })
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(src.join("Cargo.toml"), manifest).unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run(Command::new(&cargo).args(["xtask", "package"]).current_dir(&src).env("CARGO_TARGET_DIR", tmp.join("target")));
    std::fs::create_dir_all(&crates).unwrap();
    for name in ["polyact", "polyact-hdl", "polyact-tools"] {
        let file = tmp.join(format!("target/package/{name}-0.1.0.crate"));
        run(Command::new("tar").arg("xzf").arg(&file).arg("-C").arg(&crates));
    }
    std::fs::remove_dir_all(&src).unwrap();
    let listing = run(Command::new("find").arg(&crates).args(["-name", "boards.txt"]));
    assert!(listing.contains("polyact-tools-0.1.0/firmware-src/firmware/boards/boards.txt"), "{listing}");
    let mut install = Command::new(&cargo);
    install
        .args(["install", "--quiet", "--locked", "--debug", "--path"])
        .arg(crates.join("polyact-tools-0.1.0"))
        .arg("--root")
        .arg(&prefix)
        .arg("--target-dir")
        .arg(ws.join("target"))
        .current_dir(&tmp);
    for lib in ["polyact", "polyact-hdl"] {
        let path = crates.join(format!("{lib}-0.1.0"));
        install.arg("--config").arg(format!("patch.crates-io.{lib}.path={:?}", path.to_string_lossy()));
    }
    for p in PROFILE {
        install.arg("--config").arg(p);
    }
    run(&mut install);
    std::fs::remove_dir_all(&crates).unwrap();
    let polyact = prefix.join("bin/polyact");
    let cli = || {
        let mut c = Command::new(&polyact);
        c.env("POLYACT_FIRMWARE_DIR", &cache).env_remove("CARGO_MANIFEST_DIR").current_dir(&tmp);
        c
    };
    let sine = ws.join("models/sine");
    let blob = tmp.join("sine.pam");
    run(cli()
        .arg("quantize")
        .arg(sine.join("model.onnx"))
        .arg("--calib")
        .arg(sine.join("calib.npy"))
        .arg("-o")
        .arg(&blob));
    let rs = tmp.join("sine.rs");
    let compiled = run(cli().arg("compile").arg(&blob).arg("-o").arg(&rs));
    assert!(std::fs::read_to_string(&rs).unwrap().contains("ARENA_BYTES"), "{compiled}");
    for extra in [&[][..], &["--compiled"]] {
        let log = run(cli()
            .arg("flash")
            .arg(&blob)
            .args(["--board", "qemu-m4", "--count", "3", "--inputs"])
            .arg(sine.join("test_x.npy"))
            .args(extra));
        assert!(log.contains("exit status Ok") && log.contains("output 2:"), "flash {extra:?}:\n{log}");
    }
    // The firmware was built from the embedded sources, in the cache.
    let unpacked: Vec<_> = std::fs::read_dir(&cache).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(unpacked.iter().any(|p| p.join("firmware/boards/boards.txt").is_file()), "{unpacked:?}");
    let _ = std::fs::remove_dir_all(&tmp);
}
