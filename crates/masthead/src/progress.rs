//! Progress on a terminal: a bar while long work runs (imports, exports, pulls), nothing when
//! the output is not a terminal.

use std::io::IsTerminal;

/// A progress bar on a terminal; nothing otherwise.
pub(crate) fn bar(what: &str) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg:24} [{bar:30}] {pos}/{len} {per_sec} ETA {eta}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.set_message(what.to_owned());
    Some(bar)
}

/// Moves `bar`, if there is one, as a library reports its progress: (done, total).
pub(crate) fn follow(bar: &Option<indicatif::ProgressBar>) -> impl Fn(usize, usize) + Send + Sync + '_ {
    move |done, total| {
        if let Some(bar) = bar {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    }
}
