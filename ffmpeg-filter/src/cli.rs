//! Command-line options.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use clap::Parser;

use crate::pastiche::{Device, Settings};
use crate::progress::LaterFrames;
use crate::segment::{parse_time, Segment};
use crate::stylise::{Init, Temporal};

#[derive(Parser, Debug)]
#[command(
    name = "pastiche-video",
    version,
    about = "Neural style transfer (Gatys et al.) for video, frame after frame with warm starts",
    after_help = "Exit status: 0 done, 2 bad input or usage (a file, parameter or value), \
                  1 runtime failure, 128 + N stopped by signal N: 130 Ctrl-C (SIGINT), 143 SIGTERM, \
                  129 SIGHUP (the frames done so far are kept)."
)]
pub struct Args {
    /// Video to stylise: any file FFmpeg reads. With --raw: raw rgb24 frames, `-` for stdin.
    pub input: PathBuf,
    /// Output file; its extension picks the container (.mp4, .mkv, .mov…). Written to a
    /// temporary file beside it and renamed when complete. With --raw: raw frames [default: stdout].
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// A style image, or a bundled style's name (`pastiche styles` lists them); repeat for a
    /// blend.
    #[arg(long = "style", required = true, value_name = "IMAGE|NAME")]
    pub styles: Vec<PathBuf>,
    /// Blend weights of the styles, comma-separated [default: equal].
    #[arg(long, value_delimiter = ',')]
    pub style_blend: Option<Vec<f32>>,
    /// Longest side the optimisation runs at; results are resampled to the frame size.
    #[arg(long, default_value_t = 512)]
    pub size: u32,
    /// Iterations at each scale for a frame started from its content: the first frame, the
    /// first after a scene cut, and every frame with --init content.
    #[arg(long, default_value_t = 150, value_parser = clap::value_parser!(u32).range(1..))]
    pub iterations_first: u32,
    /// Iterations for a frame started from the previous stylised frame (at full size only).
    #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u32).range(1..))]
    pub iterations: u32,
    /// Where each frame starts: prev (the previous stylised frame; temporally coherent) or
    /// content (each frame on its own).
    #[arg(long, value_enum, default_value_t = Init::Prev)]
    pub init: Init,
    /// Scene-cut threshold: mean absolute difference of consecutive input frames (0–1) above
    /// which the next frame starts from its content again. 1 never cuts.
    #[arg(long, default_value_t = 0.15, value_parser = parse_threshold)]
    pub scene_cut: f64,
    /// Video encoder (FFmpeg's name).
    #[arg(long, default_value = "libx264", conflicts_with = "raw")]
    pub codec: String,
    /// Constant rate factor of the encoder (libx264: 0–51, lower is better) [default: the
    /// encoder's own, 23 for libx264].
    #[arg(long, conflicts_with = "raw")]
    pub crf: Option<u32>,
    /// Render from this time on (seconds or [HH:]MM:SS[.frac]), rounded to a whole frame;
    /// the output starts at 0. For rendering segments separately and joining them.
    #[arg(long, value_parser = parse_time, conflicts_with = "raw")]
    pub start: Option<f64>,
    /// Render this long (seconds or [HH:]MM:SS[.frac]), rounded to whole frames.
    #[arg(long, value_parser = parse_time, conflicts_with = "raw")]
    pub duration: Option<f64>,
    /// Frames before --start that are stylised but not written, so that the segment's first
    /// frame starts warm like it would in a render of the whole clip.
    #[arg(long, default_value_t = 5, conflicts_with = "raw")]
    pub warm_up_frames: u32,
    /// Frames after the segment's end also stylised and written, to be cross-faded with the
    /// next segment's first frames when joining (ffmpeg-filter/join-segments.sh): the join
    /// then is as smooth as neighbouring frames.
    #[arg(
        long,
        default_value_t = 0,
        requires = "duration",
        conflicts_with = "raw"
    )]
    pub overlap_frames: u32,
    /// Raw pipe mode: INPUT carries rgb24 frames of this size (WIDTHxHEIGHT), the output
    /// gets the stylised frames in the same format.
    #[arg(long, value_parser = parse_frame_size, value_name = "WIDTHxHEIGHT")]
    pub raw: Option<(u32, u32)>,
    /// Weight of the content loss.
    #[arg(long, default_value_t = 1.0)]
    pub content_weight: f32,
    /// Weight of the style loss.
    #[arg(long, default_value_t = 10.0)]
    pub style_weight: f32,
    /// Weight of the total-variation (smoothness) term; 0 turns it off.
    #[arg(long, default_value_t = 1.0)]
    pub tv_weight: f32,
    /// Weight of the temporal term, which holds each warm-started frame to the previous
    /// stylised frame warped along the optical flow where both frames show the pixel; 0 turns
    /// it off [default: libpastiche's, 2000].
    #[arg(long, value_parser = parse_weight)]
    pub temporal_weight: Option<f32>,
    /// Where the optimisation runs.
    #[arg(long, value_enum, default_value_t = Device::Cpu)]
    pub device: Device,
    /// Threads for ONNX Runtime; 0 = one per core.
    #[arg(long, default_value_t = 0)]
    pub threads: u32,
    /// Model file, directory or store name [default: $PASTICHE_MODEL or the default model].
    #[arg(long)]
    pub model: Option<String>,
}

impl Args {
    /// Checks what clap cannot: agreement between options, and an output that is one of the
    /// inputs (the finished output is renamed over it, destroying the input).
    pub fn validate(&self) -> Result<(), String> {
        if let Some(weights) = &self.style_blend {
            if weights.len() != self.styles.len() {
                return Err(format!(
                    "--style-blend has {} weights for {} --style images",
                    weights.len(),
                    self.styles.len()
                ));
            }
        }
        let Some(output) = self.output.as_deref() else {
            return Ok(());
        };
        let inputs = std::iter::once(("input", &self.input))
            .chain(self.styles.iter().map(|style| ("--style image", style)));
        for (what, input) in inputs {
            if same_file(output, input) {
                return Err(format!(
                    "--output {} is the {what} {}: writing it would destroy the {what}; \
                     choose another output file",
                    output.display(),
                    input.display()
                ));
            }
        }
        Ok(())
    }

    pub fn temporal(&self) -> Temporal {
        Temporal {
            init: self.init,
            scene_cut_threshold: self.scene_cut,
        }
    }

    /// What the frames after the first cost, for the time-left estimate.
    pub fn later_frames(&self) -> LaterFrames {
        match self.init {
            Init::Prev => LaterFrames::Warm {
                iterations: self.iterations,
            },
            Init::Content => LaterFrames::Cold,
        }
    }

    /// The segment, when one was asked for.
    pub fn segment(&self) -> Option<Segment> {
        (self.start.is_some() || self.duration.is_some()).then(|| Segment {
            start: self.start.unwrap_or(0.0),
            duration: self.duration,
            warm_up_frames: self.warm_up_frames,
            overlap_frames: self.overlap_frames,
        })
    }

    pub fn settings<'a>(&'a self, styles: &'a [&'a Path]) -> Settings<'a> {
        Settings {
            model: self.model.as_deref(),
            device: self.device,
            threads: self.threads,
            styles,
            style_weights: self.style_blend.as_deref(),
            size: self.size,
            content_weight: self.content_weight,
            style_weight: self.style_weight,
            tv_weight: self.tv_weight,
            temporal_weight: self.temporal_weight,
            first_frame_iterations: self.iterations_first,
            later_frame_iterations: self.iterations,
        }
    }
}

/// Whether two paths name the same existing file (one inode on one device, through links):
/// `in.mp4` and `./in.mp4`, a symbolic or a hard link to it.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
        _ => false,
    }
}

fn parse_threshold(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if (0.0..=1.0).contains(&value) => Ok(value),
        _ => Err(format!("{text:?} is not a number from 0 to 1")),
    }
}

fn parse_weight(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(value) if value.is_finite() && value >= 0.0 => Ok(value),
        _ => Err(format!("{text:?} is not a number ≥ 0")),
    }
}

/// Parses `WIDTHxHEIGHT`.
fn parse_frame_size(text: &str) -> Result<(u32, u32), String> {
    let invalid = || format!("{text:?} is not WIDTHxHEIGHT (e.g. 640x360)");
    let (width, height) = text.split_once(['x', 'X']).ok_or_else(invalid)?;
    let (width, height): (u32, u32) = (
        width.parse().map_err(|_| invalid())?,
        height.parse().map_err(|_| invalid())?,
    );
    if width == 0 || height == 0 || width > 16384 || height > 16384 {
        return Err(format!("{text:?}: width and height must be 1..=16384"));
    }
    Ok((width, height))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn frame_sizes_parse() {
        assert_eq!(parse_frame_size("640x360"), Ok((640, 360)));
        for bad in ["640", "0x10", "x", "640x", "-1x2", "99999x2"] {
            assert!(parse_frame_size(bad).is_err(), "{bad:?} parsed");
        }
    }
}
