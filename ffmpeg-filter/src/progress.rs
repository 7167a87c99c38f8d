//! Progress on stderr: frames done out of the total, frames per second and the time left. On a
//! terminal a bar that also shows the current frame's iteration; elsewhere (a batch job's log)
//! one line per frame.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::pastiche::Iteration;

pub struct Progress {
    /// Frames to write, when known.
    total: Option<u64>,
    done: u64,
    started: Instant,
    bar: Option<ProgressBar>,
}

impl Progress {
    pub fn new(total: Option<u64>) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
            let template = if total.is_some() {
                "{bar:30} {pos}/{len} frames {msg}"
            } else {
                "{spinner} {pos} frames {msg}"
            };
            bar.set_style(ProgressStyle::with_template(template).expect("valid template"));
            bar.enable_steady_tick(Duration::from_millis(500));
            bar
        });
        Progress {
            total,
            done: 0,
            started: Instant::now(),
            bar,
        }
    }

    fn rate_and_eta(&self) -> String {
        let seconds = self.started.elapsed().as_secs_f64();
        let fps = self.done as f64 / seconds.max(1e-9);
        match self.total {
            Some(total) if self.done > 0 => {
                let left = total.saturating_sub(self.done) as f64 / fps;
                format!("{}, ETA {}", rate(fps), clock(left))
            }
            _ => rate(fps),
        }
    }

    /// After every optimiser iteration of the current frame (`warm_up`: a frame before the segment).
    pub fn iteration(&self, warm_up: bool, iteration: &Iteration) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!(
                "{}  {}: scale {}/{}, iteration {}/{}, loss {:.3e}",
                self.rate_and_eta(),
                if warm_up { "warm-up frame" } else { "frame" },
                iteration.scale + 1,
                iteration.scales,
                iteration.iteration,
                iteration.iterations,
                iteration.loss
            ));
        }
    }

    /// After a frame was stylised and handed to the encoder.
    pub fn frame_done(&mut self) {
        self.done += 1;
        match &self.bar {
            Some(bar) => bar.set_position(self.done),
            None => {
                let of_total = self.total.map_or(String::new(), |t| format!("/{t}"));
                eprintln!("frame {}{of_total}, {}", self.done, self.rate_and_eta());
            }
        }
    }

    /// Frames done so far and the frames per second since the start.
    pub fn finish(&self) -> (u64, f64) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        let seconds = self.started.elapsed().as_secs_f64();
        (self.done, self.done as f64 / seconds.max(1e-9))
    }
}

/// Frames per second, and seconds per frame when that reads better.
pub fn rate(fps: f64) -> String {
    if fps >= 1.0 || fps <= 0.0 {
        format!("{fps:.2} fps")
    } else {
        format!("{fps:.3} fps ({:.1} s/frame)", 1.0 / fps)
    }
}

/// `h:mm:ss` (or `m:ss` under an hour).
fn clock(seconds: f64) -> String {
    let total = seconds.round() as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::{clock, rate};

    #[test]
    fn slow_rates_also_read_as_seconds_per_frame() {
        assert_eq!(rate(2.5), "2.50 fps");
        assert_eq!(rate(0.04), "0.040 fps (25.0 s/frame)");
    }

    #[test]
    fn clock_shows_hours_only_when_needed() {
        assert_eq!(clock(0.4), "0:00");
        assert_eq!(clock(75.0), "1:15");
        assert_eq!(clock(3725.0), "1:02:05");
    }
}
