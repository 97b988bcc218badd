// The board table's parser (`boards.txt` beside this file): one definition,
// `include!`d by the firmware build scripts, the host tools and xtask, so
// every reader agrees on what a line means. Plain std, no dependencies.

/// Where a board's firmware runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunsOn<'t> {
    /// An emulated QEMU machine (`-machine NAME`).
    Qemu(&'t str),
    /// A real board flashed through probe-rs (its chip name).
    Probe(&'t str),
}

/// One line of the board table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BoardLine<'t> {
    pub name: &'t str,
    pub package: &'t str,
    pub runs_on: RunsOn<'t>,
    pub cpu: &'t str,
    pub target: &'t str,
    /// Firmware region of flash, `(origin, length)`.
    pub flash: (u64, u64),
    pub ram: (u64, u64),
    pub model: (u64, u64),
    pub vectors: (u64, u64),
    pub arena: u64,
    /// Stack bytes probed for the high-water mark (0: none).
    pub stack_probe: u64,
    /// Instructions per SysTick tick under QEMU `-icount shift=0` (QEMU boards).
    pub instructions_per_tick: Option<f64>,
}

/// `1234`, `0x1F`, `64K`, `4M`.
fn parse_size(s: &str) -> Option<u64> {
    let (num, mult) = match s.as_bytes().last()? {
        b'K' => (&s[..s.len() - 1], 1024),
        b'M' => (&s[..s.len() - 1], 1024 * 1024),
        _ => (s, 1),
    };
    let v = match num.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok()?,
        None => num.parse().ok()?,
    };
    v.checked_mul(mult)
}

/// `ORIGIN:LENGTH`.
fn parse_region(s: &str) -> Option<(u64, u64)> {
    let (o, l) = s.split_once(':')?;
    Some((parse_size(o)?, parse_size(l)?))
}

/// Parse one non-comment line, or say what is wrong with it.
pub fn parse_board_line(line: &str) -> Result<BoardLine<'_>, String> {
    let f: Vec<&str> = line.split_whitespace().collect();
    let [name, package, runs_on, cpu, target, flash, ram, model, vectors, arena, stack, ticks] = f[..] else {
        return Err(format!("board line '{line}': expected 12 columns, found {}", f.len()));
    };
    let bad = |what: &str, v: &str| format!("board '{name}': bad {what} '{v}'");
    let runs_on = match runs_on.split_once(':') {
        Some(("qemu", m)) => RunsOn::Qemu(m),
        Some(("probe", c)) => RunsOn::Probe(c),
        _ => return Err(bad("runs_on (qemu:MACHINE or probe:CHIP)", runs_on)),
    };
    let region = |what: &str, v: &str| parse_region(v).ok_or_else(|| bad(what, v));
    let optional = |v: &str| if v == "-" { Some(0) } else { parse_size(v) };
    let instructions_per_tick = match ticks {
        "-" => None,
        t => Some(t.parse::<f64>().ok().filter(|v| *v > 0.0).ok_or_else(|| bad("ticks", t))?),
    };
    Ok(BoardLine {
        name,
        package,
        runs_on,
        cpu,
        target,
        flash: region("flash", flash)?,
        ram: region("ram", ram)?,
        model: region("model", model)?,
        vectors: region("vectors", vectors)?,
        arena: parse_size(arena).ok_or_else(|| bad("arena", arena))?,
        stack_probe: optional(stack).ok_or_else(|| bad("stack", stack))?,
        instructions_per_tick,
    })
}

/// Every board of the table text, in order; the first bad line is an error.
pub fn parse_board_table(text: &str) -> Result<Vec<BoardLine<'_>>, String> {
    let mut boards: Vec<BoardLine<'_>> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let b = parse_board_line(line)?;
        if boards.iter().any(|o| o.name == b.name) {
            return Err(format!("board '{}' is declared twice", b.name));
        }
        boards.push(b);
    }
    Ok(boards)
}
