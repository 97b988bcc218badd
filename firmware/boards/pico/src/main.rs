//! polyact firmware for the Raspberry Pi Pico (RP2040): the model lives in
//! its own flash partition (written by `polyact flash --chip RP2040`) — or,
//! with the `compiled` feature, in the image itself — inputs in the next.
//! Logs and outputs go over RTT (defmt); the Cortex-M0+ has no cycle
//! counter, so per-op counts are the RP2040 timer's microseconds. The LED
//! (GPIO 25) blinks once per inference and stays on after an error —
//! driven through embedded-hal 1.0 traits only.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use defmt_rtt as _;
use polyact_fw_common::{LedBoard, Platform, Status};
use rp2040_hal::{self as hal, pac, Clock};

/// The second-stage bootloader for the Pico's W25Q080-class flash.
#[link_section = ".boot2"]
#[used]
pub static BOOT2_FIRMWARE: [u8; 256] = rp2040_boot2::BOOT_LOADER_W25Q080;

/// The Pico's crystal.
const XOSC_HZ: u32 = 12_000_000;

polyact_fw_common::real_board_image!();

/// The chip's part of the board: the RP2040's microsecond timer (the
/// Cortex-M0+ has no cycle counter), an active-high LED.
struct Chip(hal::Timer);

impl Platform for Chip {
    const NAME: &'static str = "rp2040-pico";
    const UNIT: &'static str = "us";
    const LED_ACTIVE_LOW: bool = false;
    fn now(&self) -> u64 {
        self.0.get_counter().ticks()
    }
}

#[entry]
fn main() -> ! {
    let Some(mut pac) = pac::Peripherals::take() else { panic!("peripherals taken twice") };
    let mut watchdog = hal::Watchdog::new(pac.WATCHDOG);
    let Ok(clocks) = hal::clocks::init_clocks_and_plls(
        XOSC_HZ,
        pac.XOSC,
        pac.CLOCKS,
        pac.PLL_SYS,
        pac.PLL_USB,
        &mut pac.RESETS,
        &mut watchdog,
    ) else {
        panic!("clock setup failed")
    };
    defmt::info!("system clock {=u32} Hz", clocks.system_clock.freq().to_Hz());
    let timer = hal::Timer::new(pac.TIMER, &mut pac.RESETS, &clocks);
    let sio = hal::Sio::new(pac.SIO);
    let pins = hal::gpio::Pins::new(pac.IO_BANK0, pac.PADS_BANK0, sio.gpio_bank0, &mut pac.RESETS);
    let led = pins.gpio25.into_push_pull_output();
    // The timer is a handle (Copy): it counts for the profile and delays.
    let mut board = LedBoard { platform: Chip(timer), led, delay: timer };
    let status = run_image(&mut board);
    defmt::info!("done: {}", status);
    if status != Status::Ok {
        board.light(true);
    }
    loop {
        cortex_m::asm::wfi();
    }
}
