//! `pastiche-video`: neural style transfer for video files on the FFmpeg libraries, reaching
//! the engine only through libpastiche's C API.

mod cli;
mod colour;
mod decode;
mod encode;
mod error;
mod ffi;
mod pastiche;
mod pipeline;
mod progress;
mod raw;
mod rgb;
mod segment;
mod stylise;

use std::process::ExitCode;

use clap::Parser;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::low_level::signal_name;

use crate::error::Failure;
use crate::pipeline::Report;
use crate::progress::say;
use crate::stylise::Stop;

/// The signals that stop a run the way Ctrl-C does, keeping the frames done: SIGTERM is what
/// `timeout`, `kill` and job schedulers send, SIGHUP what a closed terminal or SSH session sends.
const STOPPING_SIGNALS: [i32; 3] = [SIGINT, SIGTERM, SIGHUP];

fn main() -> ExitCode {
    let args = cli::Args::parse();
    if let Err(e) = ffmpeg_next::init() {
        eprintln!("pastiche-video: cannot initialise the FFmpeg libraries: {e}");
        return ExitCode::from(1);
    }
    // FFmpeg's warnings and errors say what is wrong with a file; its notes (x264's settings
    // and statistics) would bury the progress.
    ffmpeg_next::util::log::set_level(ffmpeg_next::util::log::Level::Warning);
    let stop = Stop::default();
    for signal in STOPPING_SIGNALS {
        // Replaces the default action (terminate at once, losing every frame done).
        if let Err(e) =
            signal_hook::flag::register_usize(signal, stop.signal_flag(), signal as usize)
        {
            eprintln!(
                "pastiche-video: cannot handle {}: {e}",
                signal_name(signal).unwrap_or("a signal")
            );
        }
    }
    match run(&args, &stop) {
        Ok(report) if report.interrupted => {
            let signal = stop.signal().expect("interrupted by a signal");
            say(format_args!(
                "pastiche-video: interrupted by {}; {}",
                signal_name(signal).unwrap_or("a signal"),
                match (report.frames_written, &args.output) {
                    (0, _) => "no output written".to_owned(),
                    (n, Some(output)) => format!("{} holds the {n} frames done", output.display()),
                    (n, None) => format!("wrote the {n} frames done"),
                }
            ));
            // The shells' convention: 128 + the signal's number (130 for Ctrl-C).
            ExitCode::from(128 + signal as u8)
        }
        Ok(report) => {
            let Report {
                summary,
                frames_written,
                ..
            } = report;
            let flow = match summary.warm_started {
                0 => String::new(),
                warm => format!(
                    ", optical flow {:.1} ms a warm frame ({:.2}% of its time)",
                    1e3 * summary.flow_seconds / warm as f64,
                    100.0 * summary.flow_seconds / summary.warm_seconds.max(1e-9)
                ),
            };
            say(format_args!(
                "pastiche-video: {frames_written} frames, {}, {} warm-started, {} scene cuts{flow}",
                progress::rate(summary.fps),
                summary.warm_started,
                summary.scene_cuts
            ));
            ExitCode::SUCCESS
        }
        Err(failure) => {
            say(format_args!("pastiche-video: {failure}"));
            ExitCode::from(failure.exit_status())
        }
    }
}

fn run(args: &cli::Args, stop: &Stop) -> Result<Report, Failure> {
    args.validate().map_err(Failure::input)?;
    let report = match args.raw {
        Some(size) => raw::run(args, size, args.output.as_deref(), stop)?,
        None => {
            let output = match args.output.as_deref() {
                Some(path) if path.as_os_str() != "-" => path,
                _ => {
                    return Err(Failure::input(
                        "--output: give an output file (only --raw writes to stdout)",
                    ))
                }
            };
            pipeline::run(args, output, stop)?
        }
    };
    if report.frames_written == 0 && !report.interrupted {
        return Err(Failure::input(format!(
            "{}: no video frames to stylise{}",
            args.input.display(),
            if args.segment().is_some() {
                " in the segment asked for"
            } else {
                ""
            }
        )));
    }
    Ok(report)
}
