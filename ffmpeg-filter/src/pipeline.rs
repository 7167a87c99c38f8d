//! Decode → stylise → encode on three threads joined by bounded channels: decoding and encoding
//! overlap stylisation, and at most [`CHANNEL_CAPACITY`] items wait between two stages, so memory
//! stays bounded for any clip length.

use std::path::Path;
use std::thread;

use crossbeam_channel::bounded;

use crate::cli::Args;
use crate::decode::Source;
use crate::encode::{EncoderChoice, Sink};
use crate::error::Failure;
use crate::pastiche::Stylist;
use crate::progress::Progress;
use crate::stylise::{self, Stop, Summary};

/// Frames or copied packets waiting between two stages. Stylising a frame takes far longer
/// than decoding or encoding it, so a short queue keeps both ends busy.
pub const CHANNEL_CAPACITY: usize = 16;

/// How a run ended.
pub struct Report {
    pub summary: Summary,
    /// Frames in the output file (0: no file was written).
    pub frames_written: u64,
    /// Ctrl-C ended it.
    pub interrupted: bool,
}

/// Stylises the video file `args.input` into `output`.
pub fn run(args: &Args, output: &Path, stop: &Stop) -> Result<Report, Failure> {
    let mut source = Source::open(&args.input)?;
    if let Some((start, duration)) = args.segment() {
        source.select_segment(start, duration, args.warm_up_frames)?;
    }
    let total = source.frames_to_write(args.segment());
    let styles: Vec<&Path> = args.styles.iter().map(|p| p.as_path()).collect();
    let stylist = Stylist::new(&args.settings(&styles))?;
    if stop.interrupted() {
        return Ok(Report {
            summary: Summary::default(),
            frames_written: 0,
            interrupted: true,
        });
    }
    let mut sink = Sink::create(
        output,
        &source,
        &EncoderChoice {
            codec: &args.codec,
            crf: args.crf,
        },
    )?;
    let copied = sink.copied_streams();

    let (decoded_sender, decoded) = bounded(CHANNEL_CAPACITY);
    let (stylised_sender, stylised) = bounded(CHANNEL_CAPACITY);
    let (decoding, stylising, encoding) = thread::scope(|scope| {
        let decoding = scope.spawn(|| {
            source
                .run(&copied, decoded_sender)
                .inspect_err(|_| stop.fail())
        });
        let stylising = scope.spawn(|| {
            stylise::run(
                stylist,
                decoded,
                stylised_sender,
                args.temporal(),
                stop,
                Progress::new(total),
            )
            .inspect_err(|_| stop.fail())
        });
        let encoding = scope.spawn(|| {
            let result = sink.run(&stylised);
            // Hang up at once on failure, so the stylising stage stops sending.
            drop(stylised);
            result.inspect_err(|_| stop.fail())
        });
        (
            decoding.join().expect("the decoding thread does not panic"),
            stylising
                .join()
                .expect("the stylising thread does not panic"),
            encoding.join().expect("the encoding thread does not panic"),
        )
    });
    decoding?;
    let summary = stylising?;
    encoding?;

    let interrupted = summary.stopped && stop.interrupted();
    let frames_written = sink.frames();
    if frames_written > 0 {
        sink.finish()?;
    }
    Ok(Report {
        summary,
        frames_written,
        interrupted,
    })
}
