//! Raw pipe mode, to chain with the ffmpeg CLI: rgb24 frames of a given size in, stylised
//! rgb24 frames of the same size out, with the same three threads as for video files.

use std::fs::File;
use std::io::{self, BufWriter, ErrorKind, Read, Write};
use std::os::fd::AsFd;
use std::path::Path;

use crossbeam_channel::{Receiver, Sender};
use tempfile::NamedTempFile;

use crate::cli::Args;
use crate::encode::temporary_beside;
use crate::error::{Classify, Failure};
use crate::pastiche::Stylist;
use crate::pipeline::{three_stages, Report};
use crate::progress::Progress;
use crate::rgb::RgbImage;
use crate::stylise::{Frame, Item, Stop};

/// Raw frames carry nothing besides the frames.
type RawItem = Item<()>;

/// Where stylised frames go: stdout, or a temporary file renamed when complete.
enum Destination {
    Stdout,
    File(NamedTempFile),
}

/// Stylises `args.input` (`-`: stdin) frame by frame into `output` (`None` or `-`: stdout).
pub fn run(
    args: &Args,
    (width, height): (u32, u32),
    output: Option<&Path>,
    stop: &Stop,
) -> Result<Report, Failure> {
    let frame_bytes = RgbImage::byte_len(width, height);
    let (input, total): (Box<dyn Read + Send>, _) = if args.input.as_os_str() == "-" {
        let total = io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .ok()
            .and_then(|fd| frames_in(&File::from(fd), frame_bytes));
        (Box::new(io::stdin()), total)
    } else {
        let file = File::open(&args.input)
            .or_bad_input(|| format!("cannot open {}", args.input.display()))?;
        let total = frames_in(&file, frame_bytes);
        (Box::new(file), total)
    };
    let styles: Vec<&Path> = args.styles.iter().map(|p| p.as_path()).collect();
    let stylist = Stylist::new(&args.settings(&styles))?;
    let destination = match output {
        None => Destination::Stdout,
        Some(path) if path.as_os_str() == "-" => Destination::Stdout,
        Some(path) => Destination::File(temporary_beside(path)?),
    };
    let writer: Box<dyn Write + Send> = match &destination {
        Destination::Stdout => Box::new(io::stdout()),
        Destination::File(file) => Box::new(
            file.reopen()
                .or_runtime(|| "cannot open the temporary output".to_owned())?,
        ),
    };

    let name = if args.input.as_os_str() == "-" {
        "stdin".to_owned()
    } else {
        args.input.display().to_string()
    };
    let (summary, frames_written) = three_stages(
        |decoded| read_frames(input, (width, height), decoded, &name),
        stylist,
        args.temporal(),
        Progress::new(total, args.later_frames()),
        |stylised| write_frames(writer, stylised),
        stop,
    )?;
    if let (Destination::File(file), Some(path)) = (destination, output) {
        if frames_written > 0 {
            file.persist(path)
                .or_runtime(|| format!("cannot move the result to {}", path.display()))?;
        }
    }
    Ok(Report {
        interrupted: summary.stopped && stop.interrupted(),
        summary,
        frames_written,
    })
}

/// Frames in the input when it is a regular file (a path, or stdin redirected from one), so that
/// progress can show a total and the time left; a pipe has none.
fn frames_in(file: &File, frame_bytes: usize) -> Option<u64> {
    let metadata = file.metadata().ok()?;
    metadata
        .is_file()
        .then(|| metadata.len() / frame_bytes as u64)
}

/// Reads whole frames until the input ends; a partial frame at the end is an error.
fn read_frames(
    mut input: Box<dyn Read + Send>,
    (width, height): (u32, u32),
    output: Sender<RawItem>,
    name: &str,
) -> Result<(), Failure> {
    let frame_bytes = RgbImage::byte_len(width, height);
    let mut index = 0;
    loop {
        let mut image = RgbImage::black(width, height);
        let filled =
            fill(&mut input, &mut image.pixels).or_bad_input(|| format!("cannot read {name}"))?;
        if filled == 0 {
            return Ok(());
        }
        if filled < frame_bytes {
            return Err(Failure::input(format!(
                "{name} is truncated: it ends inside frame {} ({filled} of {frame_bytes} bytes \
                 of a {width}x{height} rgb24 frame)",
                index + 1
            )));
        }
        let frame = Frame {
            image,
            pts: index,
            duration: 1,
            warm_up: false,
        };
        if output.send(Item::Frame(frame)).is_err() {
            return Ok(());
        }
        index += 1;
    }
}

/// Reads until `buffer` is full or the input ends; returns the bytes read.
fn fill(input: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match input.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Writes every stylised frame as it arrives; returns how many.
fn write_frames(writer: Box<dyn Write + Send>, input: &Receiver<RawItem>) -> Result<u64, Failure> {
    let mut writer = BufWriter::new(writer);
    let mut frames = 0;
    for item in input {
        if let Item::Frame(frame) = item {
            writer
                .write_all(&frame.image.pixels)
                .and_then(|()| writer.flush())
                .or_runtime(|| "cannot write the stylised frames".to_owned())?;
            frames += 1;
        }
    }
    Ok(frames)
}
