//! One measured run of a model on an emulated Cortex-M board, as the
//! benchmark tables report it: instructions per inference from SysTick
//! under `-icount shift=0`, flash and static RAM from the ELF, the stack
//! high-water mark from the firmware's own log line.

use crate::flash::{board, check_fits, compiled_firmware, elf_sizes, firmware, quantize_inputs, run_qemu};
use polyact::Model;
use std::time::Duration;

/// One run: instructions per inference, flash, static RAM, stack high-water.
pub struct Run {
    pub instructions: f64,
    /// Instructions per op, in blob order (profiled first inference).
    pub op_instructions: Vec<f64>,
    pub flash: u64,
    pub ram: u64,
    pub stack: String,
}

/// Run `blob` on `inputs` on board `b` (partition or compiled); `Ok(Err)`
/// says why the board refuses the model.
pub fn measure(
    name: &str,
    blob: &[u8],
    inputs: &[Vec<f32>],
    b: &str,
    compiled: bool,
) -> anyhow::Result<Result<Run, String>> {
    let b = board(b)?;
    let budget = firmware(b)?.info;
    if check_fits(b.name, &budget, blob).is_err() {
        let need = Model::from_bytes(blob).map_err(|e| anyhow::anyhow!("{e}"))?.arena_size();
        return Ok(Err(format!("refused: arena {need} B > {} B", budget.arena)));
    }
    let (fw, partition): (_, &[u8]) =
        if compiled { (compiled_firmware(b, blob, name)?.0, &[]) } else { (firmware(b)?, blob) };
    let r = run_qemu(b, &fw, partition, &quantize_inputs(blob, inputs)?, true, Duration::from_secs(900))?;
    anyhow::ensure!(r.exit_code == 0, "{name} on {}: {:?}", b.name, r.log);
    let (flash, ram) = elf_sizes(&std::fs::read(&fw.elf)?)?;
    let stack = r
        .log
        .iter()
        .find_map(|l| l.split("stack high-water mark ").nth(1)?.split(' ').next().map(str::to_string))
        .unwrap_or_else(|| "?".into());
    let per_tick = b.instructions_per_tick;
    let op_instructions = r.op_ticks.iter().map(|&t| t as f64 * per_tick).collect();
    Ok(Ok(Run { instructions: r.mean_ticks as f64 * per_tick, op_instructions, flash, ram, stack }))
}
