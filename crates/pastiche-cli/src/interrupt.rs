//! Ctrl-C for a command whose only lasting effects are atomic file writes.
//!
//! The first Ctrl-C asks the run to stop; the optimisation loop sees it after the current
//! iteration. Set-up (model load, graph compile, ONNX Runtime sessions, style targets) and a
//! single evaluation at a large size are ONNX Runtime calls that cannot be interrupted and
//! may take many seconds, so if the run has not stopped by itself within [`GRACE`], the
//! process exits from the signal-handling thread; a second Ctrl-C exits at once. Exiting
//! abandons nothing: every file is written whole through a temporary file and a rename, and
//! exits wait for a write in progress (milliseconds: pictures are encoded in memory first).
//! Once the output is written the run counts as done and Ctrl-C no longer changes that.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::ProgressBar;
use pastiche_core::CoreError;

/// How long the run may take to stop by itself after the first Ctrl-C.
pub const GRACE: Duration = Duration::from_millis(500);

/// Exit status for a run interrupted with Ctrl-C (128 + SIGINT).
pub const INTERRUPTED: u8 = 130;

#[derive(Default)]
struct State {
    /// The output is written: the run has succeeded whatever happens next.
    committed: bool,
    /// The progress display, cleared before the exit message.
    bar: Option<ProgressBar>,
}

#[derive(Clone, Default)]
pub struct Interrupt {
    requested: Arc<AtomicBool>,
    /// Held while a file is written, so that an exit never leaves a temporary file behind.
    state: Arc<Mutex<State>>,
}

impl Interrupt {
    /// Installs the Ctrl-C handler (once per process).
    pub fn install() -> Result<Interrupt, ctrlc::Error> {
        let interrupt = Interrupt::default();
        let handler = interrupt.clone();
        ctrlc::set_handler(move || {
            if handler.requested.swap(true, Ordering::SeqCst) {
                handler.exit();
            } else {
                let watchdog = handler.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(GRACE);
                    watchdog.exit();
                });
            }
        })?;
        Ok(interrupt)
    }

    /// Whether Ctrl-C was pressed.
    pub fn requested(&self) -> bool {
        self.requested.load(Ordering::SeqCst)
    }

    /// The progress display to clear before the exit message.
    pub fn show_progress_on(&self, bar: &ProgressBar) {
        self.lock().bar = Some(bar.clone());
    }

    /// Runs one file write (an intermediate picture) that Ctrl-C must not cut in half; refuses
    /// to start it after Ctrl-C.
    pub fn write<T>(&self, write: impl FnOnce() -> Result<T, CoreError>) -> Result<T, CoreError> {
        let _writing = self.lock();
        if self.requested() {
            return Err(CoreError::Cancelled);
        }
        write()
    }

    /// Writes the output; once it is written, Ctrl-C no longer interrupts the run.
    pub fn commit(&self, write: impl FnOnce() -> Result<(), CoreError>) -> Result<(), CoreError> {
        let mut state = self.lock();
        if self.requested() {
            return Err(CoreError::Cancelled);
        }
        write()?;
        state.committed = true;
        Ok(())
    }

    /// Ends the process with [`INTERRUPTED`] unless the output is already written; waits for a
    /// write in progress first. Returns only in that committed case.
    pub fn exit(&self) {
        let state = self.lock();
        if state.committed {
            return;
        }
        if let Some(bar) = &state.bar {
            bar.finish_and_clear();
        }
        eprintln!("pastiche: interrupted; no output written");
        // _exit rather than exit: the main thread may be inside ONNX Runtime, whose static
        // destructors must not run under it. Nothing is buffered (stderr is unbuffered, files
        // are written whole or not at all).
        // SAFETY: _exit has no preconditions; it ends the process without running any code.
        unsafe { libc::_exit(i32::from(INTERRUPTED)) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state inconsistent (two plain fields).
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
