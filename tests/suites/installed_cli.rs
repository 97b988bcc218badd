//! `cargo install` with no source tree left: the CLI is installed from a
//! copy of the sources into a temporary prefix, the copy is deleted, and
//! the installed `polyact` quantizes a model, compiles it and flashes it to
//! the emulated Cortex-M4, from its partition and compiled — building the
//! firmware from the sources embedded in the binary (`flash::repo_root`).

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
        if p.is_dir() {
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

#[test]
fn installed_cli_builds_firmware_without_the_source_tree() {
    let ws = workspace();
    let tmp = std::env::temp_dir().join(format!("polyact-install-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let (src, prefix, cache) = (tmp.join("src"), tmp.join("prefix"), tmp.join("cache"));
    // The CLI's sources and what they build on — not tests/, xtask/, models/.
    for d in ["host-tools", "hdl", "firmware/runtime", "firmware/boards", "docs"] {
        copy_tree(&ws.join(d), &src.join(d));
    }
    std::fs::copy(ws.join("Cargo.lock"), src.join("Cargo.lock")).unwrap();
    let manifest = std::fs::read_to_string(ws.join("Cargo.toml")).unwrap();
    let manifest: String = manifest
        .lines()
        .map(|l| if l.starts_with("members") { r#"members = ["firmware/runtime", "hdl", "host-tools"]"# } else { l })
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(src.join("Cargo.toml"), manifest).unwrap();
    // The workspace's own build directory: dependencies are not rebuilt.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run(Command::new(&cargo)
        .args(["install", "--quiet", "--locked", "--debug", "--path"])
        .arg(src.join("host-tools"))
        .arg("--root")
        .arg(&prefix)
        .arg("--target-dir")
        .arg(ws.join("target")));
    std::fs::remove_dir_all(&src).unwrap();
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
