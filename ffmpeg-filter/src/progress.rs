//! Progress on stderr: frames done out of the total, frames per second and the time left. On a
//! terminal a bar that also shows the current frame's iteration; elsewhere (a batch job's log)
//! one line per frame.

use std::fmt;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::pastiche::Iteration;

/// Writes a line to stderr, ignoring failures: after SIGHUP the terminal may be gone, and the
/// run must still finish its output file rather than panic on a message.
pub fn say(line: fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// What the frames after the first cost, as far as the settings tell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LaterFrames {
    /// Started from the previous stylised frame (`--init prev`): this many iterations at full
    /// size.
    Warm { iterations: u32 },
    /// Started from their content like the first (`--init content`).
    Cold,
}

pub struct Progress {
    /// Frames to write, when known.
    total: Option<u64>,
    done: u64,
    started: Instant,
    estimate: Estimate,
    bar: Option<ProgressBar>,
}

impl Progress {
    pub fn new(total: Option<u64>, later: LaterFrames) -> Progress {
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
            estimate: Estimate::new(later),
            bar,
        }
    }

    fn now(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    fn rate_and_eta(&self) -> String {
        let fps = self.done as f64 / self.now().max(1e-9);
        let left = self
            .total
            .and_then(|total| self.estimate.seconds_left(total.saturating_sub(self.done)));
        match (self.done, left) {
            (0, Some(left)) => format!("ETA {}", clock(left)),
            (0, None) => String::new(),
            (_, Some(left)) => format!("{}, ETA {}", rate(fps), clock(left)),
            (_, None) => rate(fps),
        }
    }

    /// After every optimiser iteration of the current frame (`warm_up`: a frame before the segment).
    pub fn iteration(&mut self, warm_up: bool, iteration: &Iteration) {
        let now = self.now();
        self.estimate
            .iteration(now, !warm_up, &Step::from(iteration));
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

    /// After a frame was stylised (`warm_started`: from the previous one) and, unless it was a
    /// warm-up frame, handed to the encoder.
    pub fn frame_stylised(&mut self, warm_started: bool, warm_up: bool) {
        let now = self.now();
        self.estimate.frame_finished(now, warm_started);
        if warm_up {
            return;
        }
        self.done += 1;
        match &self.bar {
            Some(bar) => bar.set_position(self.done),
            None => {
                let of_total = self.total.map_or(String::new(), |t| format!("/{t}"));
                say(format_args!(
                    "frame {}{of_total}, {}",
                    self.done,
                    self.rate_and_eta()
                ));
            }
        }
    }

    /// Frames done so far and the frames per second since the start.
    pub fn finish(&self) -> (u64, f64) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        (self.done, self.done as f64 / self.now().max(1e-9))
    }
}

/// Where an optimisation stands: iteration `iteration` of `iterations` at scale `scale` of
/// `scales` (from 0; each scale doubles the sides of the one before).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Step {
    scale: u32,
    scales: u32,
    iteration: u32,
    iterations: u32,
}

impl From<&Iteration> for Step {
    fn from(iteration: &Iteration) -> Step {
        Step {
            scale: iteration.scale,
            scales: iteration.scales,
            iteration: iteration.iteration,
            iterations: iteration.iterations,
        }
    }
}

/// An average of seconds.
#[derive(Debug, Default, Clone, Copy)]
struct Mean {
    seconds: f64,
    count: u32,
}

impl Mean {
    fn add(&mut self, seconds: f64) {
        self.seconds += seconds;
        self.count += 1;
    }

    fn value(&self) -> Option<f64> {
        (self.count > 0).then(|| self.seconds / f64::from(self.count))
    }
}

/// The frame being stylised, as far as its iterations tell.
#[derive(Debug, Clone, Copy)]
struct Current {
    step: Step,
    /// Whether it will be written (not a warm-up frame).
    counts: bool,
    /// When its current scale reported its first iteration, and the seconds per iteration there.
    scale_first_report: f64,
    seconds_per_iteration: f64,
    last_report: f64,
}

impl Current {
    /// Seconds per iteration at scale `scale`, from this scale's: each scale has four times the
    /// pixels of the one before.
    fn seconds_per_iteration_at(&self, scale: u32) -> f64 {
        self.seconds_per_iteration * 4f64.powi(scale as i32 - self.step.scale as i32)
    }

    /// Seconds until this frame is done: the rest of this scale and the larger scales.
    fn seconds_left(&self) -> f64 {
        let Step {
            scale,
            scales,
            iteration,
            iterations,
        } = self.step;
        let here = f64::from(iterations.saturating_sub(iteration)) * self.seconds_per_iteration;
        let larger: f64 = (scale + 1..scales)
            .map(|s| f64::from(iterations) * self.seconds_per_iteration_at(s))
            .sum();
        here + larger
    }
}

/// Predicts the seconds left. A frame started from its content (the first, the first after a
/// scene cut, every frame with `--init content`) runs the multi-resolution schedule with
/// `--iterations-first` and costs as much as several warm-started ones: averaged into the others,
/// it would inflate every estimate. So frames to come are predicted from finished frames of their
/// kind, and until one has finished, from the speed of the iterations so far.
#[derive(Debug)]
struct Estimate {
    later: LaterFrames,
    /// Finished frames started from their content, and warm-started ones.
    cold: Mean,
    warm: Mean,
    /// When the frame in progress started (the previous one finished).
    frame_started: f64,
    current: Option<Current>,
    /// Seconds per iteration at full size, measured there or scaled from a smaller scale.
    full_size_iteration: Option<f64>,
}

impl Estimate {
    fn new(later: LaterFrames) -> Estimate {
        Estimate {
            later,
            cold: Mean::default(),
            warm: Mean::default(),
            frame_started: 0.0,
            current: None,
            full_size_iteration: None,
        }
    }

    /// The frame in progress reported `step` at `now` (seconds); `counts`: it will be written.
    fn iteration(&mut self, now: f64, counts: bool, step: &Step) {
        let previous = self.current.filter(|c| c.step.scale == step.scale);
        let (scale_first_report, seconds_per_iteration) = match previous {
            Some(c) if step.iteration > 1 => (
                c.scale_first_report,
                (now - c.scale_first_report) / f64::from(step.iteration - 1),
            ),
            // A scale's first iteration: its set-up counts in, until the second one.
            _ => {
                let since = self.current.map_or(self.frame_started, |c| c.last_report);
                (now, now - since)
            }
        };
        let current = Current {
            step: *step,
            counts,
            scale_first_report,
            seconds_per_iteration,
            last_report: now,
        };
        self.full_size_iteration =
            Some(current.seconds_per_iteration_at(step.scales.saturating_sub(1)));
        self.current = Some(current);
    }

    fn frame_finished(&mut self, now: f64, warm_started: bool) {
        let kind = if warm_started {
            &mut self.warm
        } else {
            &mut self.cold
        };
        kind.add(now - self.frame_started);
        self.frame_started = now;
        self.current = None;
    }

    /// Seconds a frame to come takes.
    fn frame_to_come(&self) -> Option<f64> {
        match self.later {
            LaterFrames::Warm { iterations } => self.warm.value().or_else(|| {
                self.full_size_iteration
                    .map(|seconds| seconds * f64::from(iterations))
            }),
            LaterFrames::Cold => self.cold.value().or_else(|| {
                self.current
                    .map(|c| c.last_report - self.frame_started + c.seconds_left())
            }),
        }
    }

    /// Seconds until `frames` more frames are written (the one in progress included).
    fn seconds_left(&self, frames: u64) -> Option<f64> {
        let each = self.frame_to_come()?;
        Some(match self.current {
            Some(current) if current.counts => {
                current.seconds_left() + frames.saturating_sub(1) as f64 * each
            }
            Some(current) => current.seconds_left() + frames as f64 * each,
            None => frames as f64 * each,
        })
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
    use super::*;

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

    fn step(scale: u32, scales: u32, iteration: u32, iterations: u32) -> Step {
        Step {
            scale,
            scales,
            iteration,
            iterations,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    /// A first frame of two scales at 300 iterations (0.1 s an iteration at the small one, so
    /// 0.4 s at full size), then warm frames of 100 iterations at full size.
    #[test]
    fn later_frames_are_predicted_from_later_frames_not_the_expensive_first() {
        let mut estimate = Estimate::new(LaterFrames::Warm { iterations: 100 });
        assert_eq!(estimate.seconds_left(10), None, "nothing measured yet");
        // From the first iterations on: the rest of this frame, and nine warm frames of 100
        // iterations at the full-size speed (four times the pixels: 0.4 s an iteration).
        estimate.iteration(0.5, true, &step(0, 2, 1, 300));
        estimate.iteration(10.5, true, &step(0, 2, 101, 300));
        let this_frame = 199.0 * 0.1 + 300.0 * 0.4;
        assert!(close(
            estimate.seconds_left(10).unwrap(),
            this_frame + 9.0 * 100.0 * 0.4
        ));
        // The first frame took 150 s, a warm one 35 s: the eight frames left cost 8 × 35 s
        // (averaging the first in would give 8 × 92.5 s).
        estimate.frame_finished(150.0, false);
        estimate.frame_finished(185.0, true);
        assert!(close(estimate.seconds_left(8).unwrap(), 8.0 * 35.0));
        // Within a warm frame: its own remaining iterations, then the others.
        estimate.iteration(186.0, true, &step(0, 1, 1, 100));
        estimate.iteration(190.0, true, &step(0, 1, 21, 100));
        assert!(close(
            estimate.seconds_left(8).unwrap(),
            79.0 * 0.2 + 7.0 * 35.0
        ));
    }

    #[test]
    fn with_content_initialisation_every_frame_is_predicted_like_the_first() {
        let mut estimate = Estimate::new(LaterFrames::Cold);
        estimate.iteration(1.0, true, &step(0, 1, 1, 10));
        estimate.iteration(10.0, true, &step(0, 1, 10, 10));
        // The frame in progress projects to 10 s (1 s an iteration).
        assert!(close(estimate.seconds_left(3).unwrap(), 2.0 * 10.0));
        estimate.frame_finished(10.0, false);
        assert!(close(estimate.seconds_left(2).unwrap(), 2.0 * 10.0));
    }

    #[test]
    fn a_warm_up_frame_in_progress_is_not_one_of_the_frames_left() {
        let mut estimate = Estimate::new(LaterFrames::Warm { iterations: 10 });
        estimate.iteration(1.0, false, &step(0, 1, 1, 10));
        estimate.iteration(2.0, false, &step(0, 1, 2, 10));
        assert!(close(estimate.seconds_left(4).unwrap(), 8.0 + 4.0 * 10.0));
    }
}
