//! `cargo xtask <command>` — project automation in Rust (no shell scripts to port).
//!
//! - `setup`: install what builds and tests need (rustup targets, components).
//! - `test`:  the full test suite CI runs (setup, fmt, clippy, tests, thumb builds).
//! - `thumb`: build the runtime for every Cortex-M target.
//! - `demo`:  the main job — build a model in code, run it, print the result.
//! - `bench`: criterion benchmarks of the kernels.

use std::process::{exit, Command};

/// Cortex-M targets the runtime must build for (M0, M3, M4F/M7F, M33F).
const THUMB_TARGETS: [&str; 4] = [
    "thumbv6m-none-eabi",
    "thumbv7m-none-eabi",
    "thumbv7em-none-eabihf",
    "thumbv8m.main-none-eabihf",
];

fn run(program: &str, args: &[&str]) {
    eprintln!("+ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .status()
        .unwrap_or_else(|e| {
            eprintln!("xtask: cannot start {program}: {e}");
            exit(2)
        });
    if !status.success() {
        eprintln!("xtask: `{program} {}` failed ({status})", args.join(" "));
        exit(status.code().unwrap_or(1));
    }
}

fn output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

fn setup() {
    let installed = output("rustup", &["target", "list", "--installed"]);
    let missing: Vec<&str> = THUMB_TARGETS
        .iter()
        .copied()
        .filter(|t| !installed.lines().any(|l| l.trim() == *t))
        .collect();
    if !missing.is_empty() {
        let mut args = vec!["target", "add"];
        args.extend(missing);
        run("rustup", &args);
    }
    let components = output("rustup", &["component", "list", "--installed"]);
    for c in ["clippy", "rustfmt"] {
        if !components.lines().any(|l| l.starts_with(c)) {
            run("rustup", &["component", "add", c]);
        }
    }
}

fn thumb() {
    for t in THUMB_TARGETS {
        run(
            "cargo",
            &["build", "-p", "polyact", "--release", "--target", t],
        );
        run(
            "cargo",
            &[
                "build",
                "-p",
                "polyact",
                "--release",
                "--features",
                "defmt",
                "--target",
                t,
            ],
        );
    }
}

fn test() {
    setup();
    run("cargo", &["fmt", "--all", "--check"]);
    run(
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ],
    );
    run("cargo", &["test", "--workspace", "--all-features"]);
    thumb();
}

fn main() {
    let cmd = std::env::args().nth(1).unwrap_or_default();
    match cmd.as_str() {
        "setup" => setup(),
        "test" => test(),
        "thumb" => thumb(),
        "demo" => run(
            "cargo",
            &[
                "run",
                "--release",
                "-p",
                "polyact",
                "--features",
                "std",
                "--example",
                "demo",
            ],
        ),
        "bench" => run(
            "cargo",
            &[
                "bench",
                "-p",
                "polyact",
                "--features",
                "std",
                "--bench",
                "kernels",
            ],
        ),
        _ => {
            eprintln!("usage: cargo xtask <setup|test|thumb|demo|bench>");
            exit(2)
        }
    }
}
