//! The decoding stage: reads the input's packets, decodes the video stream into RGB frames and
//! hands copied streams' packets on untouched, all in file order.
//!
//! Damage is an error, never silently skipped: a read error, a packet the demuxer flags as
//! corrupt, a decoder error (decoders run with `err_detect explode`), and for a whole file,
//! fewer video packets than the container's index lists or packets that stop well before the
//! duration its header announces (a truncated file: demuxers report the early end as a normal
//! end of file).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crossbeam_channel::Sender;
use ffmpeg_next::codec::decoder;
use ffmpeg_next::format::{self, Pixel};
use ffmpeg_next::media::Type;
use ffmpeg_next::software::scaling;
use ffmpeg_next::{frame, Packet, Rational, Rescale};

use crate::colour;
use crate::error::{Classify, Failure};
use crate::rgb::RgbImage;
use crate::segment::{frame_index, Role, Segment, Window};
use crate::stylise::{Frame, Item};

/// An opened input: its video stream and decoder, and the part of it to render.
pub struct Source {
    path: PathBuf,
    input: format::context::Input,
    video_stream: usize,
    decoder: decoder::Video,
    window: Window,
    /// Timestamp of the last frame decoded (to extrapolate a missing one).
    last_pts: Option<i64>,
}

impl Source {
    pub fn open(path: &Path) -> Result<Source, Failure> {
        let name = path.display().to_string();
        let input = format::input(&path).or_bad_input(|| format!("cannot open {name}"))?;
        let stream = input
            .streams()
            .best(Type::Video)
            .ok_or_else(|| Failure::input(format!("{name} has no video stream")))?;
        let video_stream = stream.index();
        let context = ffmpeg_next::codec::context::Context::from_parameters(stream.parameters())
            .or_bad_input(|| format!("{name}: unusable video stream parameters"))?;
        let mut decoder = context.decoder();
        decoder.set_packet_time_base(stream.time_base());
        // Corrupt data must fail the run instead of being concealed into garbage frames.
        decoder.check(decoder::Check::CRC | decoder::Check::EXPLODE);
        let decoder = decoder
            .video()
            .or_bad_input(|| format!("{name}: cannot decode its video stream"))?;
        if decoder.width() == 0 || decoder.height() == 0 {
            return Err(Failure::input(format!(
                "{name}: the video has no frame size"
            )));
        }
        Ok(Source {
            path: path.to_owned(),
            input,
            video_stream,
            decoder,
            window: Window::whole(),
            last_pts: None,
        })
    }

    pub fn input(&self) -> &format::context::Input {
        &self.input
    }

    pub fn video_stream(&self) -> usize {
        self.video_stream
    }

    pub fn decoder(&self) -> &decoder::Video {
        &self.decoder
    }

    pub fn time_base(&self) -> Rational {
        self.stream().time_base()
    }

    fn stream(&self) -> format::stream::Stream<'_> {
        self.input
            .stream(self.video_stream)
            .expect("the video stream exists")
    }

    /// The nominal frame rate: the average, else the stream's base rate, else 25.
    pub fn frame_rate(&self) -> Rational {
        let stream = self.stream();
        [stream.avg_frame_rate(), stream.rate()]
            .into_iter()
            .find(|r| r.numerator() > 0 && r.denominator() > 0)
            .unwrap_or(Rational(25, 1))
    }

    /// One frame at the nominal rate, in the video stream's time base.
    pub fn frame_ticks(&self) -> i64 {
        1.rescale(self.frame_rate().invert(), self.time_base())
            .max(1)
    }

    /// The first timestamp of the input in the video stream's time base.
    fn origin(&self) -> i64 {
        // SAFETY: a live input context; start_time is a plain field.
        match unsafe { (*self.input.as_ptr()).start_time } {
            ffmpeg_next::ffi::AV_NOPTS_VALUE => 0,
            start => start.rescale(rescale_base(), self.time_base()),
        }
    }

    /// Seconds of the whole input.
    fn duration_seconds(&self) -> Option<f64> {
        let duration = self.input.duration();
        (duration > 0).then(|| duration as f64 / f64::from(ffmpeg_next::ffi::AV_TIME_BASE))
    }

    /// Frames in the whole video stream, from the container's index or its duration.
    fn frames_in_input(&self) -> Option<u64> {
        match self.stream().frames() {
            frames if frames > 0 => Some(frames as u64),
            _ => self
                .duration_seconds()
                .map(|d| (d * f64::from(self.frame_rate())).round() as u64),
        }
    }

    /// Frames the run will write: the whole stream, or the segment with its overlap.
    pub fn frames_to_write(&self, segment: Option<&Segment>) -> Option<u64> {
        let Some(segment) = segment else {
            return self.frames_in_input();
        };
        let first = frame_index(segment.start, self.frame_rate());
        let available = self
            .frames_in_input()
            .map(|total| (total as i64 - first).max(0) as u64);
        let wanted = segment.duration.map(|d| {
            let last = frame_index(segment.start + d, self.frame_rate());
            (last + i64::from(segment.overlap_frames) - first).max(0) as u64
        });
        match (available, wanted) {
            (Some(a), Some(w)) => Some(a.min(w)),
            (a, w) => a.or(w),
        }
    }

    /// Renders only the `segment`, decoding its warm-up frames before it; seeks to the keyframe
    /// before the first of them.
    pub fn select_segment(&mut self, segment: &Segment) -> Result<(), Failure> {
        self.window = Window::segment(segment, self.origin(), self.time_base(), self.frame_rate());
        if let Some(from) = self.window.decode_from() {
            let target = from.rescale(self.time_base(), rescale_base());
            self.input
                .seek(target, ..target)
                .or_bad_input(|| format!("cannot seek in {}", self.path.display()))?;
        }
        Ok(())
    }

    /// Decodes until the input or the segment ends, or the receiver hangs up; hangs up itself
    /// when done. Packets of the streams in `copied` pass through (timestamps shifted with the
    /// segment's).
    pub fn run(
        mut self,
        copied: &HashSet<usize>,
        output: Sender<Item<Packet>>,
    ) -> Result<(), Failure> {
        let name = self.path.display().to_string();
        let corrupt =
            |what: String| Failure::input(format!("{name} is corrupt or truncated: {what}"));
        let mut scaler: Option<scaling::Context> = None;
        let mut video_packets = 0u64;
        let mut read_end: Option<i64> = None;
        loop {
            let mut packet = Packet::empty();
            match packet.read(&mut self.input) {
                Ok(()) => {}
                Err(ffmpeg_next::Error::Eof) => break,
                Err(error) => return Err(corrupt(format!("read error ({error})"))),
            }
            if packet.is_corrupt() {
                return Err(corrupt(format!(
                    "damaged packet in stream {}",
                    packet.stream()
                )));
            }
            read_end = read_end.max(self.packet_end(&packet));
            let index = packet.stream();
            if index != self.video_stream {
                if let Some(packet) = copied
                    .contains(&index)
                    .then(|| self.shift_into_window(packet))
                    .flatten()
                {
                    if output.send(Item::Passthrough(packet)).is_err() {
                        return Ok(());
                    }
                }
                continue;
            }
            video_packets += 1;
            self.decoder
                .send_packet(&packet)
                .map_err(|e| corrupt(format!("video packet {video_packets}: {e}")))?;
            if !self.drain_frames(&mut scaler, &output, &corrupt)? {
                return Ok(());
            }
        }
        self.decoder
            .send_eof()
            .map_err(|e| corrupt(format!("at the end: {e}")))?;
        if self.drain_frames(&mut scaler, &output, &corrupt)? && self.window.is_whole() {
            self.check_complete(video_packets, read_end)
                .map_err(corrupt)?;
        }
        Ok(())
    }

    /// Whether the whole input was there: as many video packets as the index lists, and
    /// packets up to the duration the header announces. `read_end` is the latest end of a
    /// packet read, in presentation time and microseconds: the latest over all packets is
    /// where the presentation ends whatever the decoding order, so B-frames and variable
    /// frame rates (where the decoding timestamps trail by more than any nominal frame) need
    /// no allowance.
    fn check_complete(&self, video_packets: u64, read_end: Option<i64>) -> Result<(), String> {
        let listed = self.stream().frames();
        if listed > 0 && video_packets < listed as u64 {
            return Err(format!(
                "{video_packets} of the {listed} video packets its index lists"
            ));
        }
        let frame = self.frame_ticks().rescale(self.time_base(), rescale_base());
        if let (Some(announced), Some(read_end)) = (self.announced_end(), read_end) {
            if read_end < announced - frame / 2 {
                return Err(format!(
                    "its packets end at {:.3} s of the {:.3} s its header announces",
                    read_end as f64 * 1e-6,
                    announced as f64 * 1e-6
                ));
            }
        }
        Ok(())
    }

    /// Where the header says the input ends, in microseconds.
    fn announced_end(&self) -> Option<i64> {
        // SAFETY: a live input context; these are plain fields.
        let (start, duration) = unsafe {
            (
                (*self.input.as_ptr()).start_time,
                (*self.input.as_ptr()).duration,
            )
        };
        let start = if start == ffmpeg_next::ffi::AV_NOPTS_VALUE {
            0
        } else {
            start
        };
        (duration > 0).then_some(start + duration)
    }

    /// The end of `packet` by its presentation timestamp, in microseconds (a video packet lasts
    /// at least a nominal frame).
    fn packet_end(&self, packet: &Packet) -> Option<i64> {
        let base = self.input.stream(packet.stream())?.time_base();
        let mut duration = packet.duration().max(0);
        if packet.stream() == self.video_stream {
            duration = duration.max(self.frame_ticks());
        }
        Some((packet.pts().or(packet.dts())? + duration).rescale(base, rescale_base()))
    }

    /// Passes the decoded frames on. `Ok(false)`: stop decoding (the segment is over, or the
    /// receiver hung up).
    fn drain_frames(
        &mut self,
        scaler: &mut Option<scaling::Context>,
        output: &Sender<Item<Packet>>,
        corrupt: &dyn Fn(String) -> Failure,
    ) -> Result<bool, Failure> {
        let mut decoded = frame::Video::empty();
        loop {
            match self.decoder.receive_frame(&mut decoded) {
                Ok(()) => {}
                Err(ffmpeg_next::Error::Eof) => return Ok(true),
                Err(ffmpeg_next::Error::Other { errno }) if errno == libc::EAGAIN => {
                    return Ok(true)
                }
                Err(error) => return Err(corrupt(format!("decoding failed ({error})"))),
            }
            if decoded.is_corrupt() || decoded.has_decode_errors() {
                return Err(corrupt("a frame decoded with errors".into()));
            }
            let pts = decoded
                .timestamp()
                .or(self.last_pts.map(|last| last + self.frame_ticks()))
                .unwrap_or(0);
            self.last_pts = Some(pts);
            let warm_up = match self.window.role(pts) {
                Role::Skip => continue,
                Role::WarmUp => true,
                Role::Output => false,
                Role::After => return Ok(false),
            };
            let image = self.to_rgb(&decoded, scaler)?;
            let frame = Frame {
                image,
                pts: pts - self.window.offset(),
                duration: match decoded.packet().duration {
                    known if known > 0 => known,
                    _ => self.frame_ticks(),
                },
                warm_up,
            };
            if output.send(Item::Frame(frame)).is_err() {
                return Ok(false);
            }
        }
    }

    fn to_rgb(
        &self,
        decoded: &frame::Video,
        scaler: &mut Option<scaling::Context>,
    ) -> Result<RgbImage, Failure> {
        let (width, height) = (self.decoder.width(), self.decoder.height());
        if (decoded.width(), decoded.height()) != (width, height) {
            return Err(Failure::input(format!(
                "{}: the frame size changes mid-stream ({width}x{height} to {}x{}), which \
                 pastiche-video does not support",
                self.path.display(),
                decoded.width(),
                decoded.height()
            )));
        }
        if scaler.is_none() {
            let mut context = scaling::Context::get(
                decoded.format(),
                width,
                height,
                Pixel::RGB24,
                width,
                height,
                scaling::Flags::BICUBIC,
            )
            .or_runtime(|| "cannot convert the frames to RGB".to_owned())?;
            colour::set_yuv_to_rgb(&mut context, decoded.color_space(), decoded.color_range());
            *scaler = Some(context);
        }
        let mut rgb = frame::Video::new(Pixel::RGB24, width, height);
        scaler
            .as_mut()
            .expect("created above")
            .run(decoded, &mut rgb)
            .or_runtime(|| "cannot convert a frame to RGB".to_owned())?;
        Ok(RgbImage::from_padded(
            width,
            height,
            rgb.data(0),
            rgb.stride(0),
        ))
    }

    /// Keeps a copied stream's packet if it falls inside the segment, shifted to start at zero.
    fn shift_into_window(&self, mut packet: Packet) -> Option<Packet> {
        if self.window.is_whole() {
            return Some(packet);
        }
        let packet_base = self.input.stream(packet.stream())?.time_base();
        let at = packet.pts().or(packet.dts())?;
        if !self
            .window
            .contains(at.rescale(packet_base, self.time_base()))
        {
            return None;
        }
        let offset = self.window.offset().rescale(self.time_base(), packet_base);
        packet.set_pts(packet.pts().map(|t| t - offset));
        packet.set_dts(packet.dts().map(|t| t - offset));
        Some(packet)
    }
}

/// FFmpeg's internal time base, microseconds.
fn rescale_base() -> Rational {
    Rational(1, ffmpeg_next::ffi::AV_TIME_BASE)
}
