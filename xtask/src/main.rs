//! `cargo xtask <command>` — project automation in Rust (no shell scripts to port).
//!
//! - `setup`: install what builds and tests need (rustup targets and
//!   components, qemu-system-arm from apt).
//! - `test`:  the full test suite CI runs (setup, fmt, clippy, tests, thumb builds).
//! - `thumb`: build the runtime for every Cortex-M target.
//! - `demo`:  the main job — build a model in code, run it, print the result.
//! - `bench`: criterion benchmarks of the kernels.
//! - `models-table`: regenerate the results table in models/README.md.

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

/// Run `cargo test` streaming its output, and return the summed
/// `(passed, failed)` over all `test result:` lines.
fn run_tests(args: &[&str]) -> (u64, u64) {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    eprintln!("+ cargo {}", args.join(" "));
    let mut child = Command::new("cargo")
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            eprintln!("xtask: cannot start cargo: {e}");
            exit(2)
        });
    let (mut passed, mut failed) = (0, 0);
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            println!("{line}");
            if let Some(rest) = line.strip_prefix("test result: ") {
                let count = |word: &str| -> u64 {
                    rest.split(';')
                        .find_map(|p| {
                            p.trim()
                                .trim_start_matches("ok. ")
                                .trim_start_matches("FAILED. ")
                                .strip_suffix(word)
                        })
                        .and_then(|n| n.trim().parse().ok())
                        .unwrap_or(0)
                };
                passed += count(" passed");
                failed += count(" failed");
            }
        }
    }
    let status = child.wait().unwrap_or_else(|e| {
        eprintln!("xtask: cargo test did not finish: {e}");
        exit(2)
    });
    if !status.success() {
        println!("{passed} passed, {} failed", failed.max(1));
        exit(status.code().unwrap_or(1));
    }
    (passed, failed)
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
    apt_setup();
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
    let (passed, failed) = run_tests(&["test", "--workspace", "--features", "polyact/std"]);
    thumb();
    println!("{passed} passed, {failed} failed");
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
        "models-table" => run(
            "cargo",
            &[
                "run",
                "--release",
                "-p",
                "polyact-tools",
                "--example",
                "models_table",
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
            eprintln!("usage: cargo xtask <setup|test|thumb|demo|bench|models-table>");
            exit(2)
        }
    }
}
