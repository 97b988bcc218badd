//! The `polyact` commands: one file each, listed once in [`Cmd`].

/// `println!` that returns an error instead of panicking when standard
/// output is closed or full (`| head -1`, `> /dev/full`).
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($t)*).map_err(|e| anyhow::anyhow!("writing to standard output: {e}"))?
    }};
}

/// `print!` with [`out!`]'s error handling.
macro_rules! out_raw {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($t)*).map_err(|e| anyhow::anyhow!("writing to standard output: {e}"))?
    }};
}

mod args;
mod compile;
mod eval;
mod fit;
mod flash;
mod hdl;
mod import_tflite;
mod inspect;
mod progress;
mod quantize;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "polyact", version, about = "Fixed-point deployment of networks with learned and smooth activations")]
pub struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

/// Every command (its help is the doc comment of its `Args`).
#[derive(Subcommand)]
enum Cmd {
    Quantize(quantize::Args),
    ImportTflite(import_tflite::Args),
    Fit(fit::Args),
    Hdl(hdl::Args),
    Eval(eval::Args),
    Flash(flash::Args),
    Compile(compile::Args),
    Inspect(inspect::Args),
}

impl Cli {
    /// Run the command the arguments name.
    pub fn run(self) -> Result<()> {
        match self.cmd {
            Cmd::Quantize(a) => quantize::run(a),
            Cmd::ImportTflite(a) => import_tflite::run(a),
            Cmd::Fit(a) => fit::run(a),
            Cmd::Hdl(a) => hdl::run(a),
            Cmd::Eval(a) => eval::run(a),
            Cmd::Flash(a) => flash::run(a),
            Cmd::Compile(a) => compile::run(a),
            Cmd::Inspect(a) => inspect::run(a),
        }?;
        use std::io::Write as _;
        std::io::stdout().flush().map_err(|e| anyhow::anyhow!("writing to standard output: {e}"))
    }
}
