//! The encoding stage: encodes stylised frames (libx264 by default) and muxes them with the
//! copied audio and subtitle packets into a temporary file beside the output, which becomes
//! the output only once finalised (see [`Sink::finish`]).

use std::collections::{HashMap, HashSet};
use std::ffi::CString;
use std::fs::Permissions;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crossbeam_channel::Receiver;
use ffmpeg_next::codec::{self, encoder};
use ffmpeg_next::format::{self, Pixel};
use ffmpeg_next::media::Type;
use ffmpeg_next::software::scaling;
use ffmpeg_next::{ffi, frame, Packet, Rational};
use tempfile::NamedTempFile;

use crate::colour;
use crate::decode::Source;
use crate::error::{Classify, Failure};
use crate::progress::say;
use crate::stylise::{Frame, Item};

/// What to encode the video with.
pub struct EncoderChoice<'a> {
    /// An FFmpeg encoder name, e.g. libx264, libx265, libvpx-vp9, ffv1.
    pub codec: &'a str,
    /// Constant rate factor, for encoders that have one.
    pub crf: Option<u32>,
}

/// A copied stream: its input time base and where its packets go.
struct CopiedStream {
    input_time_base: Rational,
    output_index: usize,
    output_time_base: Rational,
}

/// The output being written: muxer, video encoder and the copied streams' mapping.
pub struct Sink {
    output: format::context::Output,
    /// Deleted on drop unless [`Sink::finish`] persisted it.
    temporary: NamedTempFile,
    destination: PathBuf,
    encoder: encoder::Video,
    /// The encoded frame size: the video's, or enlarged to whole blocks of the encoder's
    /// chroma subsampling (see [`chroma_block`]).
    encoded_size: (u32, u32),
    encoder_time_base: Rational,
    video_index: usize,
    video_time_base: Rational,
    /// The duration of each frame sent to the encoder and not yet back, by timestamp (in the
    /// encoder's time base): libx264 leaves packet durations at 0, and an mp4 muxer then drops
    /// the last frame's duration (and so, in players, the frame). With a variable frame rate
    /// only the input frame's own duration keeps the output's.
    durations: HashMap<i64, i64>,
    copied: HashMap<usize, CopiedStream>,
    frames: u64,
}

impl Sink {
    /// Creates the temporary output beside `destination`, its streams and the encoder, and
    /// writes the header. Audio and subtitle streams are copied when the container can hold
    /// them (others are left out with a warning).
    pub fn create(
        destination: &Path,
        source: &Source,
        choice: &EncoderChoice<'_>,
    ) -> Result<Sink, Failure> {
        let name = destination.display().to_string();
        let temporary = temporary_beside(destination)?;
        let mut output = format::output(temporary.path()).or_bad_input(|| {
            format!("cannot write {name} (is its extension a container FFmpeg knows?)")
        })?;
        let global_header = output
            .format()
            .flags()
            .contains(format::flag::Flags::GLOBAL_HEADER);
        let (codec, encoder) = open_encoder(source, choice, global_header)?;

        let input_video = source
            .input()
            .stream(source.video_stream())
            .expect("the video stream exists");
        let mut video = output
            .add_stream(codec)
            .or_runtime(|| format!("cannot add a video stream to {name}"))?;
        video.set_parameters(&encoder);
        video.set_time_base(encoder.time_base());
        video.set_avg_frame_rate(source.frame_rate());
        video.set_metadata(without_encoder_tag(input_video.metadata().to_owned()));
        copy_rotation(&input_video, &mut video)?;
        let video_index = video.index();
        let mut copied = add_copied_streams(&mut output, source, &name)?;
        output.set_metadata(source.input().metadata().to_owned());
        output
            .write_header()
            .or_runtime(|| format!("cannot write the header of {name}"))?;
        // The muxer may have chosen other time bases than those asked for.
        let video_time_base = output.stream(video_index).expect("added").time_base();
        for stream in copied.values_mut() {
            stream.output_time_base = output
                .stream(stream.output_index)
                .expect("added")
                .time_base();
        }
        Ok(Sink {
            output,
            temporary,
            destination: destination.to_owned(),
            encoded_size: (encoder.width(), encoder.height()),
            encoder_time_base: encoder.time_base(),
            encoder,
            video_index,
            video_time_base,
            durations: HashMap::new(),
            copied,
            frames: 0,
        })
    }

    /// Input streams whose packets the sink copies.
    pub fn copied_streams(&self) -> HashSet<usize> {
        self.copied.keys().copied().collect()
    }

    /// Encodes and muxes everything received until the sender hangs up, then flushes the
    /// encoder and writes the trailer: the file is complete and playable.
    pub fn run(&mut self, input: &Receiver<Item<Packet>>) -> Result<(), Failure> {
        let mut scaler: Option<scaling::Context> = None;
        for item in input {
            match item {
                Item::Frame(frame) => {
                    let converted = self.to_encoder_format(&frame, &mut scaler)?;
                    self.durations.insert(frame.pts, frame.duration);
                    self.encoder
                        .send_frame(&converted)
                        .or_runtime(|| "the encoder refused a frame".to_owned())?;
                    self.write_encoded()?;
                    self.frames += 1;
                }
                Item::Passthrough(packet) => self.write_copied(packet)?,
            }
        }
        self.encoder
            .send_eof()
            .or_runtime(|| "cannot flush the encoder".to_owned())?;
        self.write_encoded()?;
        self.output
            .write_trailer()
            .or_runtime(|| format!("cannot finish {}", self.destination.display()))
    }

    /// Frames encoded so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Moves the finished temporary file to the destination.
    pub fn finish(self) -> Result<(), Failure> {
        let Sink {
            output,
            temporary,
            destination,
            ..
        } = self;
        drop(output);
        temporary
            .persist(&destination)
            .map(drop)
            .or_runtime(|| format!("cannot move the result to {}", destination.display()))
    }

    fn to_encoder_format(
        &self,
        frame: &Frame,
        scaler: &mut Option<scaling::Context>,
    ) -> Result<frame::Video, Failure> {
        let (width, height) = self.encoded_size;
        let mut rgb = frame::Video::new(Pixel::RGB24, width, height);
        let stride = rgb.stride(0);
        if (frame.image.width, frame.image.height) == (width, height) {
            frame.image.copy_to_padded(rgb.data_mut(0), stride);
        } else {
            frame
                .image
                .extended(width, height)
                .copy_to_padded(rgb.data_mut(0), stride);
        }
        if scaler.is_none() {
            let mut context = scaling::Context::get(
                Pixel::RGB24,
                width,
                height,
                self.encoder.format(),
                width,
                height,
                scaling::Flags::BICUBIC,
            )
            .or_runtime(|| "cannot convert frames to the encoder's format".to_owned())?;
            colour::set_rgb_to_yuv(
                &mut context,
                self.encoder.colorspace(),
                self.encoder.color_range(),
            );
            *scaler = Some(context);
        }
        let mut converted = frame::Video::empty();
        scaler
            .as_mut()
            .expect("created above")
            .run(&rgb, &mut converted)
            .or_runtime(|| "cannot convert a frame to the encoder's format".to_owned())?;
        converted.set_pts(Some(frame.pts));
        Ok(converted)
    }

    fn write_encoded(&mut self) -> Result<(), Failure> {
        let mut packet = Packet::empty();
        loop {
            match self.encoder.receive_packet(&mut packet) {
                Ok(()) => {}
                Err(ffmpeg_next::Error::Eof) => return Ok(()),
                Err(ffmpeg_next::Error::Other { errno }) if errno == libc::EAGAIN => return Ok(()),
                Err(error) => return Err(Failure::runtime(format!("encoding failed: {error}"))),
            }
            packet.set_stream(self.video_index);
            let duration = packet.pts().and_then(|pts| self.durations.remove(&pts));
            if let (0, Some(duration)) = (packet.duration(), duration) {
                packet.set_duration(duration);
            }
            packet.rescale_ts(self.encoder_time_base, self.video_time_base);
            packet
                .write_interleaved(&mut self.output)
                .or_runtime(|| format!("cannot write to {}", self.destination.display()))?;
        }
    }

    fn write_copied(&mut self, mut packet: Packet) -> Result<(), Failure> {
        let stream = &self.copied[&packet.stream()];
        packet.set_stream(stream.output_index);
        packet.rescale_ts(stream.input_time_base, stream.output_time_base);
        // The byte position refers to the input file.
        packet.set_position(-1);
        packet
            .write_interleaved(&mut self.output)
            .or_runtime(|| format!("cannot write to {}", self.destination.display()))
    }
}

/// An empty file beside `destination` with the same extension (FFmpeg picks the container
/// from it), so that the final rename stays on one file system.
pub fn temporary_beside(destination: &Path) -> Result<NamedTempFile, Failure> {
    let directory = match destination.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let suffix = destination
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    tempfile::Builder::new()
        .prefix(".pastiche-video-")
        .suffix(&suffix)
        // Like any new file (the umask applies), not tempfile's private 0600.
        .permissions(Permissions::from_mode(0o666))
        .tempfile_in(directory)
        .or_bad_input(|| format!("cannot create a file beside {}", destination.display()))
}

/// Opens the video encoder for frames of the source's size, rate, aspect and colours, in the
/// video stream's time base (so that timestamps pass through unchanged).
fn open_encoder(
    source: &Source,
    choice: &EncoderChoice<'_>,
    global_header: bool,
) -> Result<(ffmpeg_next::Codec, encoder::Video), Failure> {
    let codec = encoder::find_by_name(choice.codec)
        .filter(|c| c.medium() == Type::Video)
        .ok_or_else(|| {
            Failure::input(format!(
                "--codec {}: no such video encoder in this FFmpeg",
                choice.codec
            ))
        })?;
    let decoder = source.decoder();
    let mut context = codec::context::Context::new_with_codec(codec)
        .encoder()
        .video()
        .or_runtime(|| format!("cannot set up encoder {}", choice.codec))?;
    let format = pick_pixel_format(&codec, decoder.format());
    let size = (decoder.width(), decoder.height());
    let (block_width, block_height) = chroma_block(format);
    let (width, height) = (
        size.0.next_multiple_of(block_width),
        size.1.next_multiple_of(block_height),
    );
    if (width, height) != size {
        say(format_args!(
            "pastiche-video: note: {} stores colour per {block_width}x{block_height} pixels, \
             which {}x{} does not divide into; the output is {width}x{height}, the last column \
             or row repeated",
            format.descriptor().map_or("the pixel format", |d| d.name()),
            size.0,
            size.1,
        ));
    }
    context.set_width(width);
    context.set_height(height);
    context.set_format(format);
    context.set_time_base(source.time_base());
    context.set_frame_rate(Some(source.frame_rate()));
    context.set_aspect_ratio(decoder.aspect_ratio());
    context.set_colorspace(decoder.color_space());
    context.set_color_range(decoder.color_range());
    context.set_color_primaries(decoder.color_primaries());
    context.set_color_transfer_characteristic(decoder.color_transfer_characteristic());
    if global_header {
        context.set_flags(codec::Flags::GLOBAL_HEADER);
    }
    if let Some(crf) = choice.crf {
        set_private_option(&mut context, "crf", &crf.to_string()).map_err(|()| {
            Failure::input(format!(
                "--crf: encoder {} has no constant rate factor",
                choice.codec
            ))
        })?;
    }
    let encoder = context
        .open_as(codec)
        .or_bad_input(|| format!("cannot open encoder {} for this video", choice.codec))?;
    Ok((codec, encoder))
}

/// Adds an output stream for each audio and subtitle stream of the input that the container
/// can hold, with the input's parameters, tags and disposition.
fn add_copied_streams(
    output: &mut format::context::Output,
    source: &Source,
    name: &str,
) -> Result<HashMap<usize, CopiedStream>, Failure> {
    let mut copied = HashMap::new();
    for stream in source.input().streams() {
        let parameters = stream.parameters();
        if !matches!(parameters.medium(), Type::Audio | Type::Subtitle) {
            continue;
        }
        if !container_accepts(output, parameters.id()) {
            eprintln!(
                "pastiche-video: warning: {name} cannot hold stream #{} ({:?} {:?}); it is left out",
                stream.index(),
                parameters.medium(),
                parameters.id()
            );
            continue;
        }
        let mut copy = output
            .add_stream(encoder::find(codec::Id::None))
            .or_runtime(|| format!("cannot add a stream to {name}"))?;
        copy.set_parameters(parameters);
        copy.set_metadata(stream.metadata().to_owned());
        // SAFETY: both streams are live. A zero tag lets the muxer choose its own (the input
        // container's tag may mean nothing in the output's).
        unsafe {
            (*copy.parameters().as_mut_ptr()).codec_tag = 0;
            (*copy.as_mut_ptr()).disposition = (*stream.as_ptr()).disposition;
        }
        copied.insert(
            stream.index(),
            CopiedStream {
                input_time_base: stream.time_base(),
                output_index: copy.index(),
                // Known after the header is written.
                output_time_base: Rational(0, 1),
            },
        );
    }
    Ok(copied)
}

/// The input's pixel format if the encoder takes it (keeps 4:2:0 as 4:2:0, 10-bit as 10-bit),
/// else the encoder's first choice.
fn pick_pixel_format(codec: &ffmpeg_next::Codec, input: Pixel) -> Pixel {
    let supported: Vec<Pixel> = codec
        .video()
        .ok()
        .and_then(|v| v.formats().map(Iterator::collect))
        .unwrap_or_default();
    if supported.is_empty() || supported.contains(&input) {
        input
    } else {
        supported[0]
    }
}

/// The pixels that share one colour sample in `format` (2×2 in 4:2:0). H.264 and H.265 encoders
/// need frame sizes in whole blocks, so odd sizes in 4:2:0 are enlarged to the next even size.
fn chroma_block(format: Pixel) -> (u32, u32) {
    format
        .descriptor()
        .map_or((1, 1), |d| (1 << d.log2_chroma_w(), 1 << d.log2_chroma_h()))
}

/// Sets an option of the encoder itself (e.g. x264's crf); `Err` if it has no such option.
fn set_private_option(
    context: &mut encoder::video::Video,
    key: &str,
    value: &str,
) -> Result<(), ()> {
    let (key, value) = (
        CString::new(key).map_err(drop)?,
        CString::new(value).map_err(drop)?,
    );
    // SAFETY: a context made with its codec has its private options allocated (or NULL, which
    // av_opt_set rejects); the strings live across the call.
    let status = unsafe {
        ffi::av_opt_set(
            (*context.as_mut_ptr()).priv_data,
            key.as_ptr(),
            value.as_ptr(),
            0,
        )
    };
    if status >= 0 {
        Ok(())
    } else {
        Err(())
    }
}

/// Whether the output container can store a stream of `codec` (unknown counts as yes).
fn container_accepts(output: &format::context::Output, codec: codec::Id) -> bool {
    // SAFETY: a live output context; avformat_query_codec only reads the format description.
    let answer = unsafe {
        ffi::avformat_query_codec(
            (*output.as_ptr()).oformat,
            codec.into(),
            ffi::FF_COMPLIANCE_NORMAL,
        )
    };
    answer != 0
}

/// The input's stream tags, less the name of the encoder that made the input's video.
fn without_encoder_tag(
    metadata: ffmpeg_next::Dictionary<'static>,
) -> ffmpeg_next::Dictionary<'static> {
    metadata
        .iter()
        .filter(|(key, _)| !key.eq_ignore_ascii_case("encoder"))
        .collect()
}

/// Carries the display matrix (the rotation a player applies) over to the output stream. The
/// frames themselves stay as stored, so the rotation still applies to the stylised ones.
fn copy_rotation(
    input: &format::stream::Stream<'_>,
    output: &mut format::stream::StreamMut<'_>,
) -> Result<(), Failure> {
    for side_data in input.side_data() {
        if side_data.kind() != codec::packet::side_data::Type::DisplayMatrix {
            continue;
        }
        let bytes = side_data.data();
        // SAFETY: a live output stream; the returned buffer holds `bytes.len()` bytes.
        unsafe {
            let target = ffi::av_stream_new_side_data(
                output.as_mut_ptr(),
                ffi::AVPacketSideDataType::AV_PKT_DATA_DISPLAYMATRIX,
                bytes.len(),
            );
            if target.is_null() {
                return Err(Failure::runtime("out of memory copying the rotation"));
            }
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), target, bytes.len());
        }
    }
    Ok(())
}
