//! Progress bars (hidden with POLYACT_NO_PROGRESS).

use indicatif::{ProgressBar, ProgressStyle};

/// A bar of `len` steps (0: a spinner) labelled `what`.
pub fn bar(len: u64, what: &str) -> ProgressBar {
    let pb =
        if std::env::var_os("POLYACT_NO_PROGRESS").is_some() { ProgressBar::hidden() } else { ProgressBar::new(len) };
    pb.set_style(
        ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}
