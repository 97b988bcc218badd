//! polyact firmware for the STM32F411 "black pill": the model lives in flash
//! sector 5 (written by `polyact flash --chip STM32F411CEUx`) — or, with the
//! `compiled` feature, in the image itself (`--compiled`) — inputs in sector
//! 6. Logs and outputs go over RTT (defmt); per-op counts are DWT cycles. The
//! user LED (PC13, active low) blinks once per inference and stays on after
//! an error — driven through embedded-hal 1.0 traits only.
#![no_std]
#![no_main]

use cortex_m::peripheral::DWT;
use cortex_m_rt::entry;
use defmt_rtt as _;
use polyact_fw_common::{LedBoard, Platform, Status};
use stm32f4xx_hal::{pac, prelude::*};

polyact_fw_common::real_board_image!();

/// The chip's part of the board: DWT cycles, an active-low LED.
struct Chip;

impl Platform for Chip {
    const NAME: &'static str = "stm32f411-blackpill";
    const UNIT: &'static str = "cycles";
    const LED_ACTIVE_LOW: bool = true;
    fn now(&self) -> u64 {
        DWT::cycle_count() as u64
    }
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
    let mut board = LedBoard { platform: Chip, led, delay };
    let status = run_image(&mut board);
    defmt::info!("done: {}", status);
    if status != Status::Ok {
        board.light(true);
    }
    loop {
        cortex_m::asm::wfi();
    }
}
