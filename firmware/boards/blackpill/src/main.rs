//! polyact firmware for the STM32F411 "black pill": the model lives in flash
//! sector 5 (written by `polyact flash --chip STM32F411CEUx`), inputs in sector
//! 6. Logs and outputs go over RTT (defmt); per-op counts are DWT cycles. The
//! user LED (PC13, active low) blinks once per inference and stays on after
//! an error — driven through embedded-hal 1.0 traits only.
#![no_std]
#![no_main]

use core::ptr::addr_of_mut;
use cortex_m::peripheral::DWT;
use cortex_m_rt::entry;
use defmt_rtt as _;
use embedded_hal::delay::DelayNs;
use embedded_hal::digital::OutputPin;
use polyact_fw_common::{run, Board, Status};
use stm32f4xx_hal::{pac, prelude::*};

const MODEL_PARTITION: (usize, usize) = (0x0802_0000, 0x2_0000);
const VECTOR_PARTITION: (usize, usize) = (0x0804_0000, 0x2_0000);
const ARENA_BYTES: usize = 96 * 1024;

static mut ARENA: [u8; ARENA_BYTES] = [0; ARENA_BYTES];

// This image's layout, for the host tools (`polyact flash --chip` reads it).
polyact_fw_common::board_info!(MODEL_PARTITION, VECTOR_PARTITION, ARENA_BYTES);

/// The board: a status LED, a delay, and the DWT cycle counter.
struct BlackPill<L: OutputPin, D: DelayNs> {
    led: L,
    delay: D,
}

impl<L: OutputPin, D: DelayNs> Board for BlackPill<L, D> {
    const NAME: &'static str = "stm32f411-blackpill";
    fn now(&self) -> u64 {
        DWT::cycle_count() as u64
    }
    fn output(&mut self, index: usize, bytes: &[u8]) -> bool {
        defmt::info!("output {=usize}: {=[u8]:x}", index, bytes);
        let on = self.led.set_low().is_ok();
        self.delay.delay_ms(20);
        on && self.led.set_high().is_ok()
    }
    fn profile(&mut self, op_counts: &[u64], mean: u64) -> bool {
        for (op, c) in op_counts.iter().enumerate() {
            defmt::info!("op {=usize}: {=u64} cycles", op, c);
        }
        defmt::info!("{=u64} cycles per inference", mean);
        true
    }
}

fn partition(p: (usize, usize)) -> &'static [u8] {
    // SAFETY: fixed, always-mapped internal flash sectors.
    unsafe { core::slice::from_raw_parts(p.0 as *const u8, p.1) }
}

#[entry]
fn main() -> ! {
    let (Some(dp), Some(mut cp)) = (pac::Peripherals::take(), cortex_m::Peripherals::take()) else {
        panic!("peripherals taken twice");
    };
    cp.DCB.enable_trace();
    cp.DWT.enable_cycle_counter();
    let rcc = dp.RCC.constrain();
    let clocks = rcc.cfgr.sysclk(100.MHz()).freeze();
    let gpioc = dp.GPIOC.split();
    let mut led = gpioc.pc13.into_push_pull_output();
    led.set_high();
    let delay = cp.SYST.delay(&clocks);
    let mut board = BlackPill { led, delay };
    // SAFETY: the only reference to ARENA, taken once.
    let arena: &'static mut [u8] = unsafe { &mut *addr_of_mut!(ARENA) };
    let status = run(&mut board, partition(MODEL_PARTITION), partition(VECTOR_PARTITION), arena);
    defmt::info!("done: {}", status);
    if status != Status::Ok {
        let _ = board.led.set_low();
    }
    loop {
        cortex_m::asm::wfi();
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    defmt::error!("panic");
    loop {
        cortex_m::asm::bkpt();
    }
}
