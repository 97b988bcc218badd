//! Running a model on a microcontroller: QEMU's Cortex-M machines (the model
//! and its inputs are placed in their own flash partitions with `-device
//! loader`, so the firmware is built once per board), or a real board through
//! probe-rs.

use anyhow::{anyhow, bail, Context, Result};
use polyact::board_info::{BoardInfo, BOARD_INFO_SYMBOL};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use wait_timeout::ChildExt;

/// The board table's parser, shared with the firmware build scripts and xtask.
mod table {
    include!(concat!(env!("OUT_DIR"), "/board_table.rs"));
}
pub use table::{BoardLine, RunsOn};

/// The board table, `firmware/boards/boards.txt` (QEMU and real boards).
pub const BOARDS_TXT: &str = embedded::BOARDS_TXT;

/// Every board of the table (checked by a unit test, so a bad line is found
/// before release rather than skipped).
pub fn board_table() -> &'static [BoardLine<'static>] {
    static TABLE: std::sync::OnceLock<Vec<BoardLine<'static>>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| table::parse_board_table(BOARDS_TXT).unwrap_or_default())
}

/// An emulated board the firmware supports (a `qemu:` line of the table).
#[derive(Clone, Copy, Debug)]
pub struct Board {
    pub name: &'static str,
    pub package: &'static str,
    pub machine: &'static str,
    pub cpu: &'static str,
    pub target: &'static str,
    /// Instructions per SysTick tick under `-icount shift=0`.
    pub instructions_per_tick: f64,
}

/// The QEMU boards, by the name `polyact flash --board` takes.
pub fn boards() -> &'static [Board] {
    static BOARDS: std::sync::OnceLock<Vec<Board>> = std::sync::OnceLock::new();
    BOARDS.get_or_init(|| {
        board_table()
            .iter()
            .filter_map(|b| match b.runs_on {
                RunsOn::Qemu(machine) => Some(Board {
                    name: b.name,
                    package: b.package,
                    machine,
                    cpu: b.cpu,
                    target: b.target,
                    instructions_per_tick: b.instructions_per_tick?,
                }),
                RunsOn::Probe(_) => None,
            })
            .collect()
    })
}

/// The real boards' lines: `(probe-rs chip, line)`.
pub fn real_boards() -> impl Iterator<Item = (&'static str, &'static BoardLine<'static>)> {
    board_table().iter().filter_map(|b| match b.runs_on {
        RunsOn::Probe(chip) => Some((chip, b)),
        RunsOn::Qemu(_) => None,
    })
}

/// The real board whose chip is `chip` (probe-rs names, any case).
fn real_board(chip: &str) -> Option<&'static BoardLine<'static>> {
    real_boards().find(|(c, _)| c.eq_ignore_ascii_case(chip)).map(|(_, b)| b)
}

/// Names of the real boards' chips, for messages and help.
pub fn real_chip_names() -> String {
    real_boards().map(|(c, _)| c).collect::<Vec<_>>().join(", ")
}

/// Quantize float samples with the model's input quantization into a
/// test-vector partition.
pub fn quantize_inputs(blob: &[u8], samples: &[Vec<f32>]) -> Result<Vec<u8>> {
    let m = polyact::Model::from_bytes(blob).map_err(|e| anyhow!("{e}"))?;
    let t = m.input().map_err(|e| anyhow!("{e}"))?;
    let mut data = vec![0u8; samples.len() * t.bytes()];
    for (i, s) in samples.iter().enumerate() {
        if s.len() != t.len() {
            bail!("input {i} has {} values, the model expects {}", s.len(), t.len());
        }
        let buf = &mut data[i * t.bytes()..(i + 1) * t.bytes()];
        for (k, &v) in s.iter().enumerate() {
            t.dtype.store(buf, k, polyact::writer::quantize_value(v as f64, t.dtype, t.quant));
        }
    }
    Ok(polyact::vectors::write_vectors(&data, t.bytes()))
}

/// Refuse, before building, a model whose tensors the board `name` (layout
/// `info`) cannot hold: its arena. A compiled image needs only this; its
/// constants go to the image's flash, which the linker checks.
pub fn check_arena(name: &str, info: &BoardInfo, blob: &[u8]) -> Result<()> {
    let m = polyact::Model::from_bytes(blob).map_err(|e| anyhow!("model: {e}"))?;
    if m.arena_size() > info.arena as usize {
        bail!(
            "the model needs a {} byte arena; {name} has {} bytes — refused before flashing",
            m.arena_size(),
            info.arena
        );
    }
    Ok(())
}

/// Refuse, before flashing, a model the partition firmware `name` (layout
/// `info`) cannot hold or run: its arena and its model partition.
pub fn check_fits(name: &str, info: &BoardInfo, blob: &[u8]) -> Result<()> {
    check_arena(name, info, blob)?;
    if blob.len() > info.model.1 as usize {
        bail!(
            "the model ({} bytes) does not fit {name}'s {} byte model partition — refused before flashing",
            blob.len(),
            info.model.1
        );
    }
    Ok(())
}

/// Look a board up by name.
pub fn board(name: &str) -> Result<&'static Board> {
    boards().iter().find(|b| b.name == name).ok_or_else(|| {
        let names: Vec<&str> = boards().iter().map(|b| b.name).collect();
        anyhow!("unknown board '{name}' (boards: {})", names.join(", "))
    })
}

/// The firmware sources this CLI was built with (`build.rs`).
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/firmware_sources.rs"));
}

/// Where the firmware workspace is: the source tree the CLI was built from
/// when it is still there, else the sources embedded in the CLI, written
/// once to `$POLYACT_FIRMWARE_DIR` or the user cache directory (an
/// installed CLI needs no checkout).
fn repo_root() -> Result<PathBuf> {
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    if checkout.join("firmware/boards/boards.txt").is_file() && std::env::var_os("POLYACT_FIRMWARE_DIR").is_none() {
        return Ok(checkout);
    }
    static UNPACKED: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    UNPACKED.get_or_init(|| unpack_firmware().map_err(|e| format!("{e:#}"))).clone().map_err(|e| anyhow!(e))
}

/// Write the embedded firmware sources to a directory named by their
/// checksum (so a CLI of another version never builds stale sources).
fn unpack_firmware() -> Result<PathBuf> {
    let base = match (
        std::env::var_os("POLYACT_FIRMWARE_DIR"),
        std::env::var_os("XDG_CACHE_HOME"),
        std::env::var_os("HOME"),
    ) {
        (Some(d), _, _) => PathBuf::from(d),
        (None, Some(c), _) => PathBuf::from(c).join("polyact"),
        (None, None, Some(h)) => PathBuf::from(h).join(".cache/polyact"),
        _ => bail!("no place for the firmware sources: set POLYACT_FIRMWARE_DIR (or HOME)"),
    };
    let mut digest = polyact::format::header::CRC32.digest();
    for (path, bytes) in embedded::FIRMWARE_FILES {
        digest.update(path.as_bytes());
        digest.update(bytes);
    }
    let root = base.join(format!("firmware-{}-{:08x}", env!("CARGO_PKG_VERSION"), digest.finalize()));
    let done = root.join(".complete");
    if done.is_file() {
        return Ok(root);
    }
    for (path, bytes) in embedded::FIRMWARE_FILES {
        let p = root.join(path);
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(&p, bytes).with_context(|| format!("writing {}", p.display()))?;
    }
    // The runtime inherits edition and license from the workspace manifest;
    // only the runtime is a member here.
    let manifest: String =
        embedded::WORKSPACE_MANIFEST
            .lines()
            .filter(|l| !l.starts_with("default-members"))
            .map(|l| {
                if l.starts_with("members") {
                    "members = [\"firmware/runtime\"]\n".to_string()
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
    std::fs::write(root.join("Cargo.toml"), manifest)?;
    std::fs::write(&done, b"")?;
    eprintln!("polyact: firmware sources written to {}", root.display());
    Ok(root)
}

/// A built firmware image and the layout it declares.
#[derive(Clone, Debug)]
pub struct Firmware {
    pub elf: PathBuf,
    pub info: BoardInfo,
}

/// Build (if needed) the QEMU firmware for `board` and read its layout.
pub fn firmware(board: &Board) -> Result<Firmware> {
    build_firmware((board.package, board.target, board.name), None, board.name, None)
}

/// Build the QEMU firmware for `board` with `blob` compiled into it
/// (`polyact compile`): one image per model, kept as
/// `firmware/boards/target/compiled-<board>/polyact-fw-<crc>.elf`.
pub fn compiled_firmware(board: &Board, blob: &[u8], name: &str) -> Result<(Firmware, crate::compile::Generated)> {
    // The board's tensor budget is the partition firmware's arena: a compiled
    // image whose static arena exceeds it would overrun the stack. The model
    // partition is not used: the weights are in the image, and the linker
    // says whether it fits the flash.
    check_arena(board.name, &firmware(board)?.info, blob)?;
    build_compiled((board.package, board.target, board.name), blob, name)
}

/// Build `(package, target, board)` with `blob` compiled in, into
/// `firmware/boards/target/compiled-<board>/`.
fn build_compiled(
    (package, target, board): (&str, &str, &str),
    blob: &[u8],
    name: &str,
) -> Result<(Firmware, crate::compile::Generated)> {
    // One build directory per board, shared by every model: builds in this
    // process take turns, and each image is copied out before the next.
    static BUILD: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    let generated = crate::compile::generate(blob, name)?;
    let dir = format!("compiled-{board}");
    let out = repo_root()?.join("firmware/boards/target").join(&dir);
    std::fs::create_dir_all(&out)?;
    let crc = polyact::format::header::CRC32.checksum(blob);
    let model_rs = out.join(format!("model-{crc:08x}.rs"));
    std::fs::write(&model_rs, &generated.source)?;
    let fw = build_firmware((package, target, board), Some("compiled"), &dir, Some(&model_rs))?;
    let elf = out.join(format!("polyact-fw-{crc:08x}.elf"));
    std::fs::copy(&fw.elf, &elf).with_context(|| format!("copying {}", fw.elf.display()))?;
    Ok((Firmware { elf, info: fw.info }, generated))
}

/// Build `package` for `target` and `board` (a line of the board table) into
/// `firmware/boards/target/<dir>` (the same place `cargo xtask thumb` builds
/// it) and read the layout it declares. `model_rs` is the generated model of
/// a `compiled` build.
fn build_firmware(
    (package, target, board): (&str, &str, &str),
    feature: Option<&str>,
    dir: &str,
    model_rs: Option<&Path>,
) -> Result<Firmware> {
    let root = repo_root()?.join("firmware/boards");
    let target_dir = root.join("target").join(dir);
    let mut args = vec!["build", "--quiet", "--release", "-p", package, "--target", target];
    if let Some(f) = feature {
        args.extend(["--features", f]);
    }
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(&root).args(&args).env("CARGO_TARGET_DIR", &target_dir).env("POLYACT_BOARD", board);
    match model_rs {
        Some(p) => cmd.env("POLYACT_MODEL_RS", p),
        None => cmd.env_remove("POLYACT_MODEL_RS"),
    };
    let out = cmd.output().context("running cargo to build the firmware")?;
    if !out.status.success() {
        let log = String::from_utf8_lossy(&out.stderr);
        if let Some(why) = flash_overflow(&log) {
            bail!(
                "the {dir} image does not fit {board}'s flash ({why}): flash the model into the partition \
                 instead (without --compiled), or use a board with more flash"
            );
        }
        let tail: Vec<&str> = log.lines().rev().take(12).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!(
            "building the {dir} firmware failed (is the {target} target installed? `cargo xtask setup`):\n{}",
            tail.join("\n")
        );
    }
    let elf = target_dir.join(target).join("release").join(package);
    let info = board_info(&std::fs::read(&elf).with_context(|| format!("reading {}", elf.display()))?)
        .with_context(|| format!("{}", elf.display()))?;
    Ok(Firmware { elf, info })
}

/// The linker's complaint when an image overflows a memory region, from a
/// failed build's output (rust-lld and GNU ld word it differently).
pub fn flash_overflow(log: &str) -> Option<String> {
    log.lines()
        .find(|l| l.contains("will not fit in region") || l.contains("overflowed by"))
        .map(|l| l.trim().trim_start_matches("error: ").trim_start_matches("rust-lld: error: ").to_string())
}

/// The layout a firmware ELF declares (`polyact::board_info`).
pub fn board_info(elf: &[u8]) -> Result<BoardInfo> {
    use object::{Object, ObjectSection, ObjectSymbol};
    let f = object::File::parse(elf).map_err(|e| anyhow!("not an ELF: {e}"))?;
    let sym = f
        .symbols()
        .find(|s| s.name() == Ok(BOARD_INFO_SYMBOL))
        .ok_or_else(|| anyhow!("the firmware declares no {BOARD_INFO_SYMBOL}"))?;
    let section = sym
        .section_index()
        .and_then(|i| f.section_by_index(i).ok())
        .ok_or_else(|| anyhow!("{BOARD_INFO_SYMBOL} has no section"))?;
    let data = section.data().map_err(|e| anyhow!("{e}"))?;
    let at = (sym.address() - section.address()) as usize;
    let bytes = data
        .get(at..at + 4 * polyact::board_info::BOARD_INFO_WORDS)
        .ok_or_else(|| anyhow!("{BOARD_INFO_SYMBOL} lies outside its section"))?;
    BoardInfo::from_bytes(bytes).map_err(|e| anyhow!("{e}"))
}

/// Flash and RAM the firmware occupies (from its ELF sections).
pub fn elf_sizes(elf: &[u8]) -> Result<(u64, u64)> {
    use object::{Object, ObjectSection, SectionKind};
    let f = object::File::parse(elf).map_err(|e| anyhow!("not an ELF: {e}"))?;
    let (mut flash, mut ram) = (0, 0);
    for s in f.sections() {
        let name = s.name().unwrap_or("");
        match s.kind() {
            SectionKind::Text | SectionKind::ReadOnlyData | SectionKind::ReadOnlyString
                if s.address() < 0x2000_0000 =>
            {
                flash += s.size()
            }
            SectionKind::Data => {
                flash += s.size();
                ram += s.size();
            }
            SectionKind::UninitializedData => ram += s.size(),
            _ if name == ".vector_table" => flash += s.size(),
            _ => {}
        }
    }
    Ok((flash, ram))
}

/// What one QEMU run produced.
#[derive(Clone, Debug)]
pub struct QemuRun {
    /// QEMU's exit code (0 when the firmware exited successfully).
    pub exit_code: i32,
    /// Decoded defmt log lines.
    pub log: Vec<String>,
    /// Raw output tensor bytes, one vector after the other.
    pub outputs: Vec<u8>,
    /// SysTick ticks per op (first inference), then the mean per inference.
    pub op_ticks: Vec<u64>,
    pub mean_ticks: u64,
}

/// Decode a defmt byte stream with the firmware's ELF.
pub fn decode_defmt(elf: &[u8], bytes: &[u8]) -> Result<Vec<String>> {
    let table = defmt_decoder::Table::parse(elf)
        .map_err(|e| anyhow!("defmt table: {e}"))?
        .ok_or_else(|| anyhow!("the firmware has no defmt table"))?;
    let mut dec = table.new_stream_decoder();
    dec.received(bytes);
    let mut lines = Vec::new();
    loop {
        match dec.decode() {
            Ok(frame) => {
                let level = frame.level().map(|l| format!("{l:?}").to_uppercase()).unwrap_or_default();
                lines.push(format!("{level:<5} {}", frame.display_message()));
            }
            Err(defmt_decoder::DecodeError::UnexpectedEof) => break,
            Err(defmt_decoder::DecodeError::Malformed) => {
                lines.push("(malformed defmt frame)".into());
                break;
            }
        }
    }
    Ok(lines)
}

/// Run the firmware with `model` and `vectors` in their partitions (`model`
/// empty for a firmware with its model compiled in).
pub fn run_qemu(
    board: &Board,
    fw: &Firmware,
    model: &[u8],
    vectors: &[u8],
    icount: bool,
    timeout: Duration,
) -> Result<QemuRun> {
    let (elf_path, info) = (fw.elf.as_path(), &fw.info);
    if model.len() > info.model.1 as usize {
        bail!("the model ({} bytes) does not fit {}'s {} byte model partition", model.len(), board.name, info.model.1);
    }
    if vectors.len() > info.vectors.1 as usize {
        bail!(
            "the inputs ({} bytes) do not fit {}'s {} byte vector partition; pass fewer",
            vectors.len(),
            board.name,
            info.vectors.1
        );
    }
    let work = tempdir()?;
    std::fs::write(work.join("model.bin"), model)?;
    std::fs::write(work.join("vectors.bin"), vectors)?;
    let mut cmd = Command::new("qemu-system-arm");
    cmd.current_dir(&work)
        .args([
            "-machine",
            board.machine,
            "-cpu",
            board.cpu,
            "-nographic",
            "-monitor",
            "none",
            "-serial",
            "none",
            "-semihosting-config",
            "enable=on,target=native",
            "-kernel",
        ])
        .arg(elf_path);
    // A compiled firmware carries its model: its partition stays empty.
    if !model.is_empty() {
        cmd.arg("-device").arg(format!("loader,file=model.bin,addr={:#x}", info.model.0));
    }
    cmd.arg("-device").arg(format!("loader,file=vectors.bin,addr={:#x}", info.vectors.0));
    if icount {
        cmd.args(["-icount", "shift=0"]);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting qemu-system-arm (is it installed? `cargo xtask setup`)")?;
    let mut stdout = child.stdout.take().ok_or_else(|| anyhow!("no qemu stdout"))?;
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let status = match child.wait_timeout(timeout)? {
        Some(s) => s,
        None => {
            let _ = child.kill();
            bail!("the firmware did not finish within {timeout:?} on {}", board.name);
        }
    };
    let raw = reader.join().map_err(|_| anyhow!("qemu output reader failed"))?;
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    let elf = std::fs::read(elf_path)?;
    let log = decode_defmt(&elf, &raw)?;
    if log.is_empty() && !status.success() {
        bail!("qemu failed on {}: {}", board.name, err.trim());
    }
    let outputs = std::fs::read(work.join("polyact-results.bin")).unwrap_or_default();
    let prof = std::fs::read(work.join("polyact-profile.bin")).unwrap_or_default();
    let mut ticks: Vec<u64> = prof.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap())).collect();
    let mean_ticks = ticks.pop().unwrap_or(0);
    let _ = std::fs::remove_dir_all(&work);
    Ok(QemuRun { exit_code: status.code().unwrap_or(-1), log, outputs, op_ticks: ticks, mean_ticks })
}

fn tempdir() -> Result<PathBuf> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let d =
        std::env::temp_dir().join(format!("polyact-qemu-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}

/// Write `blob` into the model partition of a real board through probe-rs.
/// Only the partition is written: the firmware stays as it is.
pub fn flash_chip(chip: &str, blob: &[u8], model_addr: Option<u64>) -> Result<()> {
    use probe_rs::config::Registry;
    use probe_rs::flashing::DownloadOptions;
    polyact::Model::from_bytes(blob).map_err(|e| anyhow!("model: {e}"))?;
    Registry::from_builtin_families().get_target_by_name(chip).map_err(|e| anyhow!("chip '{chip}': {e}"))?;
    let (addr, size) = match (model_addr, real_board(chip)) {
        (Some(a), _) => (a, usize::MAX),
        (None, Some(b)) => {
            let info = build_firmware((b.package, b.target, b.name), None, b.name, None)?.info;
            check_fits(b.name, &info, blob)?;
            (info.model.0 as u64, info.model.1 as usize)
        }
        (None, None) => bail!("no polyact firmware is known for chip '{chip}': pass --model-addr"),
    };
    if blob.len() > size {
        bail!("the model ({} bytes) does not fit the {size} byte model partition of {chip}", blob.len());
    }
    let mut session = attach(chip)?;
    let mut loader = session.target().flash_loader();
    loader.add_data(addr, blob).map_err(|e| anyhow!("{e}"))?;
    loader.commit(&mut session, DownloadOptions::default()).map_err(|e| anyhow!("flashing {chip}: {e}"))?;
    Ok(())
}

/// Build the firmware of real board `chip` with `blob` compiled in.
pub fn compiled_chip_firmware(chip: &str, blob: &[u8], name: &str) -> Result<(Firmware, crate::compile::Generated)> {
    use probe_rs::config::Registry;
    Registry::from_builtin_families().get_target_by_name(chip).map_err(|e| anyhow!("chip '{chip}': {e}"))?;
    let Some(b) = real_board(chip) else {
        bail!("no polyact firmware is known for chip '{chip}'; --compiled needs one (known: {})", real_chip_names());
    };
    build_compiled((b.package, b.target, b.name), blob, name)
}

/// Write a whole firmware image (a compiled model's: the firmware changes
/// with the model) to `chip` through probe-rs.
pub fn flash_image(chip: &str, fw: &Firmware) -> Result<()> {
    use probe_rs::flashing::{download_file, ElfLoader, ElfOptions};
    let mut session = attach(chip)?;
    download_file(&mut session, &fw.elf, ElfLoader(ElfOptions::default())).map_err(|e| anyhow!("flashing {chip}: {e}"))
}

/// A probe-rs session on `chip`, or a clear error when no probe is connected.
fn attach(chip: &str) -> Result<probe_rs::Session> {
    use probe_rs::probe::list::Lister;
    use probe_rs::{Session, SessionConfig};
    if Lister::new().list_all().is_empty() {
        bail!("no debug probe found: connect an ST-Link, J-Link or CMSIS-DAP probe to flash {chip}");
    }
    Session::auto_attach(chip, SessionConfig::default()).map_err(|e| anyhow!("attaching to {chip}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn board_table_parses_every_line() {
        let lines = BOARDS_TXT.lines().filter(|l| !l.trim().is_empty() && !l.trim().starts_with('#')).count();
        assert_eq!(table::parse_board_table(BOARDS_TXT).map(|t| t.len()), Ok(lines), "a malformed line in boards.txt");
        assert_eq!(boards().len() + real_boards().count(), lines, "every line is a QEMU or a real board");
        assert!(real_board("stm32f411ceux").is_some());
        assert!(board("qemu-m0").is_ok() && board("qemu-m4").is_ok());
        assert!(board("nonexistent").unwrap_err().to_string().contains("qemu-m4"));
    }

    /// A compiled image is checked for its arena only: a blob larger than the
    /// model partition (which a compiled image does not use) is not refused
    /// for it, while partition mode still is.
    #[test]
    fn compiled_images_are_not_held_to_the_model_partition() {
        let blob = polyact::writer::samples::mlp(polyact::DType::I8, 64, 64, 10, 1).unwrap();
        let info = BoardInfo { model: (0x1000, 1024), vectors: (0x2000, 1024), arena: 4096 };
        check_arena("test-board", &info, &blob).unwrap();
        let e = check_fits("test-board", &info, &blob).unwrap_err().to_string();
        assert!(e.contains("model partition") && e.contains("refused before flashing"), "{e}");
        let tight = BoardInfo { arena: 8, ..info };
        assert!(check_arena("test-board", &tight, &blob).unwrap_err().to_string().contains("arena"));
    }

    /// The linker's overflow is reported as such (both linkers' wording),
    /// not as a missing target.
    #[test]
    fn a_flash_overflow_is_recognised_in_the_build_log() {
        let lld = "   Compiling polyact-fw-qemu v0.1.0\nrust-lld: error: section '.rodata' will not fit in region 'FLASH': overflowed by 41232 bytes\nerror: could not compile";
        assert_eq!(
            flash_overflow(lld).as_deref(),
            Some("section '.rodata' will not fit in region 'FLASH': overflowed by 41232 bytes")
        );
        let gnu = "arm-none-eabi-ld: region `FLASH' overflowed by 1024 bytes";
        assert!(flash_overflow(gnu).is_some_and(|w| w.contains("1024 bytes")));
        assert_eq!(flash_overflow("error[E0463]: can't find crate for `core`"), None);
    }
}
