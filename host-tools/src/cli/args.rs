//! Argument parsers and conversions shared by the commands.

use polyact::DType;

/// The QEMU boards of the board table, as `--board` values.
pub fn board_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(polyact_tools::flash::boards().iter().map(|b| b.name))
}

pub fn parse_bits(s: &str) -> Result<u32, String> {
    match s {
        "8" => Ok(8),
        "16" => Ok(16),
        _ => Err(format!("'{s}': activation width must be 8 or 16")),
    }
}

pub fn parse_addr(s: &str) -> Result<u64, String> {
    let t = s.trim_start_matches("0x").trim_start_matches("0X");
    u64::from_str_radix(t, if t.len() < s.len() { 16 } else { 10 }).map_err(|_| format!("'{s}' is not an address"))
}

pub fn parse_range(s: &str) -> Result<(f64, f64), String> {
    let (a, b) = s.split_once(',').ok_or_else(|| format!("'{s}': expected LO,HI"))?;
    let (lo, hi): (f64, f64) = (
        a.trim().parse().map_err(|_| format!("'{a}' is not a number"))?,
        b.trim().parse().map_err(|_| format!("'{b}' is not a number"))?,
    );
    if lo >= hi || lo.is_nan() || hi.is_nan() {
        return Err(format!("'{s}': LO must be below HI"));
    }
    Ok((lo, hi))
}

pub fn parse_count(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("'{s}': a count must be a whole number of at least 1")),
    }
}

pub fn parse_percentile(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(p) if p > 0.0 && p <= 100.0 => Ok(p),
        _ => Err(format!("'{s}': a percentile must be a number in (0, 100]")),
    }
}

pub fn parse_headroom(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(h) if (0.0..=100.0).contains(&h) => Ok(h),
        _ => Err(format!("'{s}': headroom is a fraction of the range, from 0 to 100")),
    }
}

/// A certified error target in output LSBs: a positive finite number.
pub fn parse_error_lsb(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(e) if e > 0.0 && e <= 1e6 => Ok(e),
        _ => Err(format!("'{s}': the error target is a number of output LSBs in (0, 1e6]")),
    }
}

pub fn dtype(bits: u32) -> DType {
    if bits == 8 {
        DType::I8
    } else {
        DType::I16
    }
}
