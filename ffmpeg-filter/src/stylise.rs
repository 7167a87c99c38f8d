//! The stylising stage: the one thread that owns the engine. It receives decoded frames in
//! order, stylises each, detects scene cuts, and passes everything else (copied audio and
//! subtitle packets) through in the same order, so the muxer gets them interleaved as read.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};

use crate::error::Failure;
use crate::pastiche::Stylist;
use crate::progress::Progress;
use crate::rgb::RgbImage;

/// A decoded frame on its way through the pipeline.
pub struct Frame {
    pub image: RgbImage,
    /// Presentation timestamp in the video stream's time base (raw frames: their index).
    pub pts: i64,
    /// How long it is shown, in the same time base.
    pub duration: i64,
    /// Stylised only to warm the session up before a segment; not written.
    pub warm_up: bool,
}

/// What travels between the stages: frames, and packets of copied streams (`P`).
pub enum Item<P> {
    Frame(Frame),
    Passthrough(P),
}

/// Where each frame's optimisation starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Init {
    /// From the previous stylised frame (warm start), except after a scene cut.
    Prev,
    /// From the frame itself, every frame independently.
    Content,
}

/// Tells every stage to stop: set by a signal (SIGINT, SIGTERM, SIGHUP) or by a stage that failed.
#[derive(Clone, Default)]
pub struct Stop {
    /// The number of the signal received; 0: none.
    signal: Arc<AtomicUsize>,
    failed: Arc<AtomicBool>,
}

impl Stop {
    /// The flag a signal handler sets to the signal's number (an atomic store is all a
    /// handler may do).
    pub fn signal_flag(&self) -> Arc<AtomicUsize> {
        Arc::clone(&self.signal)
    }

    pub fn fail(&self) {
        self.failed.store(true, Ordering::Relaxed);
    }

    /// The signal that asked the run to stop, if one did.
    pub fn signal(&self) -> Option<i32> {
        match self.signal.load(Ordering::Relaxed) {
            0 => None,
            signal => i32::try_from(signal).ok(),
        }
    }

    pub fn interrupted(&self) -> bool {
        self.signal().is_some()
    }

    fn requested(&self) -> bool {
        self.interrupted() || self.failed.load(Ordering::Relaxed)
    }
}

/// How frames are started.
#[derive(Debug, Clone, Copy)]
pub struct Temporal {
    pub init: Init,
    /// Mean absolute difference of consecutive input frames (0–1) above which the session
    /// restarts from the content.
    pub scene_cut_threshold: f64,
}

/// What the stage did.
#[derive(Debug, Default)]
pub struct Summary {
    /// Frames stylised and passed on (warm-up frames excluded).
    pub frames: u64,
    pub scene_cuts: u64,
    /// Frames (warm-up frames included) that started from the previous stylised frame.
    pub warm_started: u64,
    /// Frames per second over the whole stage.
    pub fps: f64,
    /// Time the warm-started frames took in libpastiche, and their optical flows.
    pub warm_seconds: f64,
    pub flow_seconds: f64,
    /// Ended before the input did (a signal, or a failure in another stage).
    pub stopped: bool,
}

/// Runs the stage until the input ends, the output is closed, or `stop` is requested.
pub fn run<P>(
    mut stylist: Stylist,
    input: Receiver<Item<P>>,
    output: Sender<Item<P>>,
    temporal: Temporal,
    stop: &Stop,
    mut progress: Progress,
) -> Result<Summary, Failure> {
    let mut summary = Summary::default();
    let mut previous_input: Option<RgbImage> = None;
    for item in input {
        let frame = match item {
            Item::Frame(frame) => frame,
            passthrough @ Item::Passthrough(_) => {
                if output.send(passthrough).is_err() {
                    summary.stopped = true;
                    break;
                }
                continue;
            }
        };
        let restart = match (temporal.init, &previous_input) {
            (Init::Content, _) => true,
            (Init::Prev, None) => false,
            (Init::Prev, Some(previous)) => {
                let cut =
                    previous.mean_absolute_difference(&frame.image) > temporal.scene_cut_threshold;
                summary.scene_cuts += u64::from(cut && !frame.warm_up);
                cut
            }
        };
        if restart {
            stylist.reset()?;
        }
        let mut stylised = RgbImage::black(frame.image.width, frame.image.height);
        let pushed = stylist.push(&frame.image, &mut stylised, |iteration| {
            progress.iteration(frame.warm_up, iteration);
            !stop.requested()
        });
        let warm = match pushed {
            Ok(pushed) => {
                if pushed.warm_started {
                    summary.warm_seconds += pushed.seconds;
                    summary.flow_seconds += pushed.flow_seconds;
                }
                pushed.warm_started
            }
            Err(error) if error.is_cancelled() => {
                summary.stopped = true;
                break;
            }
            Err(error) => return Err(error.into()),
        };
        summary.warm_started += u64::from(warm);
        previous_input = Some(frame.image);
        if frame.warm_up {
            progress.frame_stylised(warm, true);
            continue;
        }
        let done = Frame {
            image: stylised,
            ..frame
        };
        if output.send(Item::Frame(done)).is_err() {
            summary.stopped = true;
            break;
        }
        summary.frames += 1;
        progress.frame_stylised(warm, false);
    }
    summary.fps = progress.finish().1;
    Ok(summary)
}
