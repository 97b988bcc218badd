//! polyact firmware for QEMU Cortex-M machines: the model and test vectors
//! are placed in their own flash partitions by QEMU's `-device loader`, so a
//! new model needs no rebuild. Outputs and per-op SysTick counts go to host
//! files through semihosting; the log stream is pure defmt.
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
use polyact_fw_common::{run, Board, Status};

static mut ARENA: [u8; board::ARENA_BYTES] = [0; board::ARENA_BYTES];

struct Qemu {
    results: HostFile,
    profile: HostFile,
}

impl Board for Qemu {
    const NAME: &'static str = board::NAME;
    fn now(&self) -> u64 {
        clock::now()
    }
    fn output(&mut self, _index: usize, bytes: &[u8]) -> bool {
        self.results.write(bytes)
    }
    fn profile(&mut self, op_counts: &[u64], mean: u64) -> bool {
        op_counts.iter().chain([&mean]).all(|c| self.profile.write(&c.to_le_bytes()))
    }
}

fn partition(p: (usize, usize)) -> &'static [u8] {
    // SAFETY: the partitions are fixed, always-mapped flash regions of this board.
    unsafe { core::slice::from_raw_parts(p.0 as *const u8, p.1) }
}

#[entry]
fn main() -> ! {
    if let Some(cp) = cortex_m::Peripherals::take() {
        clock::start(cp.SYST);
    }
    let status = match (HostFile::create(b"polyact-results.bin\0"), HostFile::create(b"polyact-profile.bin\0")) {
        (Some(results), Some(profile)) => {
            // SAFETY: the only reference to ARENA, taken once.
            let arena: &'static mut [u8] = unsafe { &mut *addr_of_mut!(ARENA) };
            let painted = polyact_fw_common::stack::paint(board::STACK_PROBE_BYTES);
            let (model, vectors) = (partition(board::MODEL_PARTITION), partition(board::VECTOR_PARTITION));
            let status = run(&mut Qemu { results, profile }, model, vectors, arena);
            defmt::info!("stack high-water mark {=usize} bytes (validation and inference)", painted.used());
            status
        }
        _ => {
            defmt::error!("cannot create the result files on the host");
            Status::HostIo
        }
    };
    defmt::info!("exit status {}", status);
    debug::exit(if status == Status::Ok { debug::EXIT_SUCCESS } else { debug::EXIT_FAILURE });
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
