//! Writing to standard output when the reader may go away (`run | head`). A closed pipe is not
//! an error of the run: output stops, the run goes on, seals its folder and exits with its own
//! code. (Rust ignores SIGPIPE, so `println!` would panic on the first write after it.)

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once a write found the reader gone; later output is dropped.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes `args` to stdout as they are, ignoring a reader that went away.
pub fn write(args: std::fmt::Arguments<'_>) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if out.write_fmt(args).and_then(|()| out.flush()).is_err() {
        // Broken pipe, or stdout closed some other way: either way nobody reads it.
        CLOSED.store(true, Ordering::Relaxed);
    }
}

/// `println!` that survives a closed stdout.
#[macro_export]
macro_rules! outln {
    () => { $crate::stdout::write(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::stdout::write(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `print!` that survives a closed stdout.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::stdout::write(format_args!($($arg)*)) };
}
