//! polyact firmware for QEMU Cortex-M machines.
//!
//! Boot → validate the model partition (CRC and full validation by the
//! runtime) → validate the test-vector partition → run every vector →
//! write outputs and per-op tick counts to host files (semihosting) → log a
//! summary through defmt → exit with a status. A new model or new inputs need
//! no rebuild: QEMU's `-device loader` places the partitions.
#![no_std]
#![no_main]

mod board;
mod clock;
mod host_file;

use core::ptr::addr_of_mut;
use cortex_m_rt::entry;
use cortex_m_semihosting::debug;
use defmt_semihosting as _;
use host_file::HostFile;
use polyact::interpreter::Observer;
use polyact::vectors::Vectors;
use polyact::{Interpreter, Model, OpKind};

/// Most ops whose ticks are recorded individually.
const MAX_PROFILED_OPS: usize = 64;

static mut ARENA: [u8; board::ARENA_BYTES] = [0; board::ARENA_BYTES];

struct Profile {
    start: u64,
    ticks: [u64; MAX_PROFILED_OPS],
}

impl Observer for Profile {
    fn op_start(&mut self, _i: usize, _k: OpKind) {
        self.start = clock::now();
    }
    fn op_end(&mut self, i: usize, _k: OpKind) {
        if let Some(t) = self.ticks.get_mut(i) {
            *t = clock::now() - self.start;
        }
    }
}

fn partition(p: (usize, usize)) -> &'static [u8] {
    // SAFETY: the partitions are fixed, always-mapped flash regions of this board.
    unsafe { core::slice::from_raw_parts(p.0 as *const u8, p.1) }
}

/// Exit status: 0 ok, 2 model rejected, 3 vectors rejected, 4 inference error, 5 host I/O.
fn run() -> u8 {
    defmt::info!(
        "polyact firmware on {=str}: model partition {=usize:#x}, arena {=usize} bytes",
        board::NAME,
        board::MODEL_PARTITION.0,
        board::ARENA_BYTES
    );
    let model = match Model::from_bytes(partition(board::MODEL_PARTITION)) {
        Ok(m) => m,
        Err(e) => {
            defmt::error!("model partition rejected: {}", e);
            return 2;
        }
    };
    let vectors = match Vectors::from_bytes(partition(board::VECTOR_PARTITION)) {
        Ok(v) => v,
        Err(e) => {
            defmt::error!("vector partition rejected: {}", e);
            return 3;
        }
    };
    defmt::info!("model ok: {=usize} bytes, {=usize} ops, {=usize} kernels, arena {=usize} bytes; {=usize} vectors", model.blob().len(), model.n_ops(), model.n_kernels(), model.arena_size(), vectors.len());
    // SAFETY: the only reference to ARENA, taken once.
    let arena: &'static mut [u8] = unsafe { &mut *addr_of_mut!(ARENA) };
    let mut it = match Interpreter::new(model, arena) {
        Ok(it) => it,
        Err(e) => {
            defmt::error!("model rejected: {}", e);
            return 2;
        }
    };
    let (Some(mut results), Some(mut profile_file)) = (
        HostFile::create(b"polyact-results.bin\0"),
        HostFile::create(b"polyact-profile.bin\0"),
    ) else {
        defmt::error!("cannot create the result files on the host");
        return 5;
    };
    let n_ops = model.n_ops().min(MAX_PROFILED_OPS);
    let mut prof = Profile {
        start: 0,
        ticks: [0; MAX_PROFILED_OPS],
    };
    let (mut min, mut max, mut sum) = (u64::MAX, 0u64, 0u64);
    for i in 0..vectors.len() {
        let input = vectors.get(i);
        match it.input_bytes_mut() {
            Ok(buf) if buf.len() == input.len() => buf.copy_from_slice(input),
            _ => {
                defmt::error!(
                    "vector {=usize} has {=usize} bytes; the model input has a different size",
                    i,
                    input.len()
                );
                return 3;
            }
        }
        let t0 = clock::now();
        if let Err(e) = it.invoke_observed(&mut prof) {
            defmt::error!("inference {=usize} failed: {}", i, e);
            return 4;
        }
        let ticks = clock::now() - t0;
        if i == 0 {
            for (op, t) in prof.ticks.iter().enumerate().take(n_ops) {
                profile_file.write(&t.to_le_bytes());
                defmt::info!("op {=usize}: {=u64} ticks", op, t);
            }
        }
        min = min.min(ticks);
        max = max.max(ticks);
        sum += ticks;
        match it.output_bytes() {
            Ok(out) => {
                if !results.write(out) {
                    defmt::error!("cannot write results to the host");
                    return 5;
                }
            }
            Err(e) => {
                defmt::error!("output: {}", e);
                return 4;
            }
        }
    }
    let n = vectors.len().max(1) as u64;
    profile_file.write(&(sum / n).to_le_bytes());
    defmt::info!("{=usize} inferences; ticks per inference min {=u64} mean {=u64} max {=u64} (x{=u64} = instructions under -icount shift=0)", vectors.len(), min, sum / n, max, board::INSTRUCTIONS_PER_TICK);
    0
}

#[entry]
fn main() -> ! {
    let cp = cortex_m::Peripherals::take();
    if let Some(cp) = cp {
        clock::start(cp.SYST);
    }
    let status = run();
    defmt::info!("exit status {=u8}", status);
    debug::exit(if status == 0 {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {
        cortex_m::asm::wfi();
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    defmt::error!("panic");
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}

#[defmt::panic_handler]
fn defmt_panic() -> ! {
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}
