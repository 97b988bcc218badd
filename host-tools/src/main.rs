//! `polyact` — quantize ONNX models with learned and smooth activations for
//! Cortex-M and FPGA, with certified activation error. Each command lives in
//! `cli/`; this file only parses and reports.

mod cli;

use clap::Parser;

fn main() {
    if let Err(e) = cli::Cli::parse().run() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
