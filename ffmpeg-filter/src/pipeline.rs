//! Decode → stylise → encode on three threads joined by bounded channels: decoding and encoding
//! overlap stylisation, and at most [`CHANNEL_CAPACITY`] items wait between two stages, so memory
//! stays bounded for any clip length.

use std::path::Path;
use std::thread;

use crossbeam_channel::{bounded, Receiver, Sender};

use crate::cli::Args;
use crate::decode::Source;
use crate::encode::{EncoderChoice, Sink};
use crate::error::Failure;
use crate::pastiche::Stylist;
use crate::progress::Progress;
use crate::stylise::{self, Item, Stop, Summary, Temporal};

/// Frames or copied packets waiting between two stages. Stylising a frame takes far longer
/// than decoding or encoding it, so a short queue keeps both ends busy.
pub const CHANNEL_CAPACITY: usize = 16;

/// How a run ended.
pub struct Report {
    pub summary: Summary,
    /// Frames in the output file (0: no file was written).
    pub frames_written: u64,
    /// A signal (Ctrl-C, SIGTERM, SIGHUP) ended it.
    pub interrupted: bool,
}

/// Stylises the video file `args.input` into `output`.
pub fn run(args: &Args, output: &Path, stop: &Stop) -> Result<Report, Failure> {
    let mut source = Source::open(&args.input)?;
    let segment = args.segment();
    if let Some(segment) = &segment {
        source.select_segment(segment)?;
    }
    let total = source.frames_to_write(segment.as_ref());
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

    let (summary, ()) = three_stages(
        |decoded| source.run(&copied, decoded),
        stylist,
        args.temporal(),
        Progress::new(total, args.later_frames()),
        |stylised| sink.run(stylised),
        stop,
    )?;

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

/// Runs `read`, the stylising stage and `write` on three threads joined by bounded channels and
/// returns the stylising summary and what `write` returned. The first stage to fail stops the
/// others; errors are reported in pipeline order (a reading error explains a writing one).
pub fn three_stages<P: Send, W: Send>(
    read: impl FnOnce(Sender<Item<P>>) -> Result<(), Failure> + Send,
    stylist: Stylist,
    temporal: Temporal,
    progress: Progress,
    write: impl FnOnce(&Receiver<Item<P>>) -> Result<W, Failure> + Send,
    stop: &Stop,
) -> Result<(Summary, W), Failure> {
    let (decoded_sender, decoded) = bounded(CHANNEL_CAPACITY);
    let (stylised_sender, stylised) = bounded(CHANNEL_CAPACITY);
    let (reading, stylising, writing) = thread::scope(|scope| {
        let reading = scope.spawn(|| read(decoded_sender).inspect_err(|_| stop.fail()));
        let stylising = scope.spawn(|| {
            stylise::run(stylist, decoded, stylised_sender, temporal, stop, progress)
                .inspect_err(|_| stop.fail())
        });
        let writing = scope.spawn(|| {
            let result = write(&stylised);
            // Hang up at once on failure, so the stylising stage stops sending.
            drop(stylised);
            result.inspect_err(|_| stop.fail())
        });
        (
            reading.join().expect("the reading thread does not panic"),
            stylising
                .join()
                .expect("the stylising thread does not panic"),
            writing.join().expect("the writing thread does not panic"),
        )
    });
    reading?;
    let summary = stylising?;
    Ok((summary, writing?))
}
