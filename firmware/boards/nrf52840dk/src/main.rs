//! polyact firmware for the nRF52840-DK: the model lives in its own flash
//! partition (written by `polyact flash --chip nRF52840_xxAA`) — or, with
//! the `compiled` feature, in the image itself — inputs in the next. Logs
//! and outputs go over RTT (defmt); per-op counts are DWT cycles at 64 MHz.
//! LED 1 (P0.13, active low) blinks once per inference and stays on after
//! an error — driven through embedded-hal 1.0 traits only.
#![no_std]
#![no_main]

use cortex_m::peripheral::DWT;
use cortex_m_rt::entry;
use defmt_rtt as _;
use nrf52840_hal::{self as hal, gpio::Level, pac};
use polyact_fw_common::{LedBoard, Platform, Status};

polyact_fw_common::real_board_image!();

/// The chip's part of the board: DWT cycles, an active-low LED.
struct Chip;

impl Platform for Chip {
    const NAME: &'static str = "nrf52840-dk";
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
    let p0 = hal::gpio::p0::Parts::new(dp.P0);
    let led = p0.p0_13.into_push_pull_output(Level::High).degrade();
    let delay = hal::Delay::new(cp.SYST);
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
