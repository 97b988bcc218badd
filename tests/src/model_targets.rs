//! Targets that run a whole model: the host runtime (the reference every
//! other target is compared with) and QEMU boards, from the model partition
//! or compiled into the image.

use anyhow::{bail, Result};
use polyact::{Interpreter, Model};
use polyact_tools::flash::{
    board, check_arena, check_fits, compiled_firmware, firmware, quantize_inputs, run_qemu, Board,
};
use std::time::Duration;

/// Something that runs a model blob on real inputs and returns the output
/// tensors' bytes, concatenated in input order.
pub trait ModelTarget {
    /// What the target is, for messages.
    fn name(&self) -> String;
    /// Run `blob` on every input.
    fn run(&self, blob: &[u8], inputs: &[Vec<f32>], model_name: &str) -> Result<Vec<u8>>;
}

/// The `polyact` runtime on the host: the reference.
#[derive(Debug, Clone, Copy)]
pub struct HostRuntime;

impl ModelTarget for HostRuntime {
    fn name(&self) -> String {
        "host runtime".into()
    }

    fn run(&self, blob: &[u8], inputs: &[Vec<f32>], _: &str) -> Result<Vec<u8>> {
        let vectors = quantize_inputs(blob, inputs)?;
        let m = Model::from_bytes(blob).map_err(|e| anyhow::anyhow!("{e}"))?;
        let v = polyact::vectors::Vectors::from_bytes(&vectors).map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut arena = vec![0u8; m.arena_size()];
        let mut it = Interpreter::new(m, &mut arena).map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut out = Vec::new();
        for i in 0..v.len() {
            it.input_bytes_mut().map_err(|e| anyhow::anyhow!("{e}"))?.copy_from_slice(v.get(i));
            it.invoke().map_err(|e| anyhow::anyhow!("{e}"))?;
            out.extend_from_slice(it.output_bytes().map_err(|e| anyhow::anyhow!("{e}"))?);
        }
        Ok(out)
    }
}

/// Where the firmware takes the model from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The model blob in its own flash partition (one firmware, any model).
    Partition,
    /// The model compiled into the image (`polyact compile`).
    Compiled,
}

/// An emulated Cortex-M board.
#[derive(Debug, Clone, Copy)]
pub struct Qemu {
    pub board: &'static Board,
    pub mode: Mode,
}

impl Qemu {
    /// Board `name` of the board table, in `mode`.
    pub fn new(name: &str, mode: Mode) -> Qemu {
        Qemu { board: board(name).unwrap(), mode }
    }
}

impl ModelTarget for Qemu {
    fn name(&self) -> String {
        format!("{} ({:?})", self.board.name, self.mode)
    }

    fn run(&self, blob: &[u8], inputs: &[Vec<f32>], model_name: &str) -> Result<Vec<u8>> {
        let b = self.board;
        let (fw, partition): (_, &[u8]) = match self.mode {
            Mode::Partition => (firmware(b)?, blob),
            Mode::Compiled => (compiled_firmware(b, blob, model_name)?.0, &[]),
        };
        match self.mode {
            Mode::Partition => check_fits(b.name, &fw.info, blob)?,
            Mode::Compiled => check_arena(b.name, &fw.info, blob)?,
        }
        let in_bytes = Model::from_bytes(blob).map_err(|e| anyhow::anyhow!("{e}"))?.input().unwrap().bytes();
        // As many inputs per boot as the board's vector partition holds.
        let per_boot = (fw.info.vectors.1 as usize - polyact::vectors::VECTORS_HEADER_LEN) / in_bytes;
        let mut out = Vec::new();
        for chunk in inputs.chunks(per_boot.max(1)) {
            let vectors = quantize_inputs(blob, chunk)?;
            let run = run_qemu(b, &fw, partition, &vectors, false, Duration::from_secs(900))?;
            if run.exit_code != 0 {
                bail!("{} exited with {}: {:?}", self.name(), run.exit_code, run.log);
            }
            out.extend(run.outputs);
        }
        Ok(out)
    }
}

/// Run `blob` on `inputs` on every target and require the host runtime's
/// bytes from each (the same length, no differing byte).
pub fn assert_same_bits(label: &str, blob: &[u8], inputs: &[Vec<f32>], targets: &[&dyn ModelTarget]) {
    let want = HostRuntime.run(blob, inputs, label).unwrap();
    assert!(!want.is_empty(), "{label}: the host produced no output");
    for t in targets {
        let got = t.run(blob, inputs, label).unwrap_or_else(|e| panic!("{label} on {}: {e:#}", t.name()));
        assert_eq!(got.len(), want.len(), "{label} on {}: output length", t.name());
        let first_diff = got.iter().zip(&want).position(|(a, b)| a != b);
        assert_eq!(first_diff, None, "{label} on {}: outputs differ from the host runtime", t.name());
        println!("{label} on {}: {} inputs byte-identical", t.name(), inputs.len());
    }
}
