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

pub fn dtype(bits: u32) -> DType {
    if bits == 8 {
        DType::I8
    } else {
        DType::I16
    }
}
