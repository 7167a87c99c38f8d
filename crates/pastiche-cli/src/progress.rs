//! What `stylize` shows while it runs: each set-up step, then the scale, iteration, loss and
//! the time left. On a terminal that is one progress bar; otherwise (a log file, a pipe, CI)
//! plain lines: one per set-up step and about ten per scale.
//!
//! The bar counts work, not iterations: an iteration costs about as much as the picture it
//! optimises has pixels (the whole scale, or one tile of a scale run in tiles), so a 512-pixel
//! scale weighs four times a 256-pixel one and the time left holds across scales and tiles.
//! Elapsed time runs from the start of the command, set-up included.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use pastiche_core::{Progress, ScalePlan};

/// Plain lines per scale when stderr is not a terminal.
const PLAIN_LINES_PER_SCALE: usize = 10;

pub struct Display {
    bar: ProgressBar,
    /// stderr is not a terminal: print lines instead of drawing the bar.
    plain: bool,
    /// Work done before each scale, and the work of one iteration at each scale (the pixels of
    /// one of its tiles).
    work_before: Vec<u64>,
    work_per_iteration: Vec<u64>,
}

impl Display {
    /// Starts the clock for a run of `plan`, each scale (each tile) at most its iterations.
    pub fn start(plan: &[ScalePlan]) -> Display {
        let work_per_iteration: Vec<u64> = plan
            .iter()
            .map(|scale| (scale.tiles[0].width * scale.tiles[0].height) as u64)
            .collect();
        let work_of_scale: Vec<u64> = plan
            .iter()
            .zip(&work_per_iteration)
            .map(|(scale, per)| per * scale.iterations as u64 * scale.tiles.len() as u64)
            .collect();
        let work_before = work_of_scale
            .iter()
            .scan(0, |done, work| {
                let before = *done;
                *done += work;
                Some(before)
            })
            .collect();
        let bar = ProgressBar::new(work_of_scale.iter().sum());
        let plain = bar.is_hidden();
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
                .expect("valid template"),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        Display {
            bar,
            plain,
            work_before,
            work_per_iteration,
        }
    }

    pub fn bar(&self) -> &ProgressBar {
        &self.bar
    }

    /// Announces a set-up step (loading, compiling, style targets).
    pub fn setup(&self, step: &str) {
        if self.plain {
            eprintln!("pastiche: {step}…");
        } else {
            self.bar.set_message(format!("setting up: {step}…"));
        }
    }

    /// Set-up is over: from now on the bar and the time left follow the iterations.
    pub fn optimising(&self) {
        self.bar.set_style(
            ProgressStyle::with_template("{bar:30} [{elapsed_precise} < {eta_precise}] {msg}")
                .expect("valid template"),
        );
        self.bar.set_message("first iteration…");
        self.bar.reset_eta();
    }

    pub fn iteration(&self, p: &Progress<'_>) {
        let iterations_done = (p.tile * p.iterations + p.iteration) as u64;
        self.bar.set_position(
            self.work_before[p.scale] + self.work_per_iteration[p.scale] * iterations_done,
        );
        let tile = match p.tiles {
            1 => String::new(),
            tiles => format!(" tile {}/{tiles}", p.tile + 1),
        };
        let status = format!(
            "scale {}/{} {}x{}{tile}  iteration {}/{}  loss {:.4e} (content {:.3e}, style {:.3e}, tv {:.3e})",
            p.scale + 1,
            p.scales,
            p.width,
            p.height,
            p.iteration,
            p.iterations,
            p.loss.total,
            p.loss.content,
            p.loss.style,
            p.loss.tv
        );
        if !self.plain {
            self.bar.set_message(status);
            return;
        }
        let every = (p.iterations * p.tiles).div_ceil(PLAIN_LINES_PER_SCALE);
        let at = p.tile * p.iterations + p.iteration;
        if at.is_multiple_of(every) || at == p.iterations * p.tiles {
            eprintln!(
                "pastiche: {status}  [{} < {}]",
                clock(self.bar.elapsed()),
                clock(self.bar.eta())
            );
        }
    }

    /// Time since the start, set-up included.
    pub fn elapsed(&self) -> Duration {
        self.bar.elapsed()
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// `hh:mm:ss`, as the bar shows it.
fn clock(duration: Duration) -> String {
    let seconds = duration.as_secs();
    format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_reads_like_the_bar() {
        assert_eq!(
            clock(Duration::from_secs(3 * 3600 + 4 * 60 + 5)),
            "03:04:05"
        );
        assert_eq!(clock(Duration::from_millis(59_999)), "00:00:59");
    }

    #[test]
    fn scales_and_tiles_weigh_by_their_pixels_times_their_budgets() {
        let params = pastiche_core::Params {
            size: pastiche_core::FULL_SIZE,
            tile_size: 320,
            iterations: 10,
            coarse_iterations: 30,
            ..pastiche_core::Params::default()
        };
        let plan = params.plan(600, 450);
        assert_eq!(
            plan.iter().map(|s| s.tiles.len()).collect::<Vec<_>>(),
            [1, 6]
        );
        let display = Display::start(&plan);
        assert_eq!(display.work_before, [0, 300 * 225 * 30]);
        assert_eq!(
            display.bar.length(),
            Some(300 * 225 * 30 + 320 * 320 * 10 * 6)
        );
    }
}
