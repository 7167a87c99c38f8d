//! Segments (`--start`/`--duration`) for rendering one clip on many machines: which frames a
//! segment outputs, which frames before it only warm the session up, which frames after it
//! overlap the next segment (to be cross-faded at the join), and how its timestamps are
//! shifted so that it starts at zero.
//!
//! Boundaries snap to whole frames of the nominal frame rate and are tested as half-open
//! intervals, so segments cut at `k·D` share no audio or subtitle packet and miss none, and no
//! video frame either beyond the overlap asked for.

use ffmpeg_next::Rational;

/// Parses a time: seconds (`12.5`) or `[HH:]MM:SS[.fraction]` (`1:02:03.5`).
pub fn parse_time(text: &str) -> Result<f64, String> {
    let invalid = || format!("{text:?} is not a time (seconds, or [HH:]MM:SS[.fraction])");
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
        return Err(invalid());
    }
    let mut seconds = 0.0;
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let value: f64 = if last {
            part.parse().map_err(|_| invalid())?
        } else {
            f64::from(part.parse::<u32>().map_err(|_| invalid())?)
        };
        if !value.is_finite() || value < 0.0 || (i > 0 && value >= 60.0) {
            return Err(invalid());
        }
        seconds = seconds * 60.0 + value;
    }
    Ok(seconds)
}

/// The frame at `seconds` (rounded to the nearest) at `frame_rate`, counted from 0. Segment
/// ends are computed from the absolute end time, so that consecutive segments agree on their
/// common boundary whatever the rounding.
pub fn frame_index(seconds: f64, frame_rate: Rational) -> i64 {
    (seconds * f64::from(frame_rate)).round() as i64
}

/// A segment asked for on the command line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// Seconds from the stream's start.
    pub start: f64,
    /// Seconds; `None`: to the end.
    pub duration: Option<f64>,
    /// Frames before `start` stylised only to warm the session up.
    pub warm_up_frames: u32,
    /// Frames after the segment's end also stylised and written, for a cross-fade into the
    /// next segment's first frames.
    pub overlap_frames: u32,
}

/// What a decoded frame is to the segment being rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Before the warm-up frames: decoded only because seeking lands on an earlier keyframe.
    Skip,
    /// Stylised so that the segment's first frame starts warm, but not written.
    WarmUp,
    /// Stylised and written.
    Output,
    /// Past the segment: decoding can stop.
    After,
}

/// The part of the video stream a run renders, in the stream's time base: nominal frame
/// times (half-open intervals) of the first warm-up frame, the first frame, the first frame
/// after the segment, and the first frame after its overlap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    warm_up_from: i64,
    start: i64,
    end: i64,
    overlap_end: i64,
    /// Half a frame: frames are compared with the boundaries shifted back by it, so that a
    /// frame whose timestamp was rounded down still lands on its own side.
    tolerance: i64,
}

impl Window {
    /// The whole stream, timestamps unchanged.
    pub fn whole() -> Window {
        Window {
            warm_up_from: i64::MIN,
            start: i64::MIN,
            end: i64::MAX,
            overlap_end: i64::MAX,
            tolerance: 0,
        }
    }

    /// The `segment` (times rounded to whole frames at `frame_rate`) after `origin`, the
    /// stream's start in `time_base`.
    pub fn segment(
        segment: &Segment,
        origin: i64,
        time_base: Rational,
        frame_rate: Rational,
    ) -> Window {
        let frame_time = |index: i64| {
            origin + (index as f64 / f64::from(frame_rate) / f64::from(time_base)).round() as i64
        };
        let first = frame_index(segment.start, frame_rate);
        let last = segment
            .duration
            .map(|d| frame_index(segment.start + d, frame_rate));
        let tolerance = ((frame_time(1) - frame_time(0)) / 2).max(0);
        Window {
            warm_up_from: frame_time(first - i64::from(segment.warm_up_frames)),
            start: frame_time(first),
            end: last.map_or(i64::MAX, frame_time),
            overlap_end: last.map_or(i64::MAX, |last| {
                frame_time(last + i64::from(segment.overlap_frames))
            }),
            tolerance,
        }
    }

    pub fn is_whole(&self) -> bool {
        self.start == i64::MIN && self.end == i64::MAX
    }

    /// The earliest timestamp decoding needs (the first warm-up frame), or `None` from the start.
    pub fn decode_from(&self) -> Option<i64> {
        (self.warm_up_from != i64::MIN).then_some(self.warm_up_from)
    }

    /// Subtracted from every output timestamp, so that a segment starts at zero.
    pub fn offset(&self) -> i64 {
        if self.is_whole() {
            0
        } else {
            self.start
        }
    }

    /// The role of the video frame at `pts`.
    pub fn role(&self, pts: i64) -> Role {
        let pts = pts.saturating_add(self.tolerance);
        if pts >= self.overlap_end {
            Role::After
        } else if pts >= self.start {
            Role::Output
        } else if pts >= self.warm_up_from {
            Role::WarmUp
        } else {
            Role::Skip
        }
    }

    /// Whether a packet of a copied stream at `pts` (in this window's time base) belongs to the
    /// segment. Exact boundaries, without the frames' tolerance: nothing in a segment comes
    /// before its zero, where joining tools would otherwise shift the whole segment. The
    /// overlap carries video only: the next segment has that audio.
    pub fn contains(&self, pts: i64) -> bool {
        pts >= self.start && pts < self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_as_seconds_or_clock_notation() {
        assert_eq!(parse_time("12.5"), Ok(12.5));
        assert_eq!(parse_time("0"), Ok(0.0));
        assert_eq!(parse_time("1:02.5"), Ok(62.5));
        assert_eq!(parse_time("1:02:03"), Ok(3723.0));
        for bad in ["", "-1", "1:60", "a", "1::2", "1:2:3:4", "nan", "inf"] {
            assert!(parse_time(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn consecutive_segments_partition_the_frames() {
        // 25 fps in a 1/12800 time base (mp4): 512 ticks a frame; 30000/1001 fps in 1/1000 (mkv).
        for (time_base, rate) in [
            (Rational(1, 12800), Rational(25, 1)),
            (Rational(1, 1000), Rational(30000, 1001)),
        ] {
            let frame_pts = |i: i64| {
                (i as f64 * f64::from(rate.invert()) / f64::from(time_base)).round() as i64
            };
            let length = 0.4;
            let segments: Vec<Window> = (0..4)
                .map(|k| {
                    let segment = Segment {
                        start: k as f64 * length,
                        duration: Some(length),
                        warm_up_frames: 3,
                        overlap_frames: 0,
                    };
                    Window::segment(&segment, 0, time_base, rate)
                })
                .collect();
            for frame in 0..40 {
                let owners = segments
                    .iter()
                    .filter(|w| w.role(frame_pts(frame)) == Role::Output)
                    .count();
                assert_eq!(owners, 1, "frame {frame} at {time_base}, {rate}");
            }
        }
    }

    #[test]
    fn a_segment_warms_up_on_the_frames_before_it_and_starts_at_zero() {
        let segment = Segment {
            start: 1.0,
            duration: Some(0.4),
            warm_up_frames: 3,
            overlap_frames: 0,
        };
        let window = Window::segment(&segment, 0, Rational(1, 25), Rational(25, 1));
        let roles: Vec<Role> = (20..37).map(|pts| window.role(pts)).collect();
        assert_eq!(roles[..2], [Role::Skip; 2]);
        assert_eq!(roles[2..5], [Role::WarmUp; 3]);
        assert_eq!(roles[5..15], [Role::Output; 10]);
        assert_eq!(roles[15..], [Role::After; 2]);
        assert_eq!(window.offset(), 25);
        assert_eq!(Window::whole().offset(), 0);
        assert_eq!(window.decode_from(), Some(22));
        assert!(!window.is_whole());
        assert!(Window::whole().is_whole());
        assert_eq!(Window::whole().role(i64::MIN), Role::Output);
    }

    #[test]
    fn an_overlap_writes_the_next_segments_first_frames_but_not_its_packets() {
        let segment = Segment {
            start: 1.0,
            duration: Some(0.4),
            warm_up_frames: 0,
            overlap_frames: 4,
        };
        let window = Window::segment(&segment, 0, Rational(1, 25), Rational(25, 1));
        let roles: Vec<Role> = (25..40).map(|pts| window.role(pts)).collect();
        assert_eq!(roles[..14], [Role::Output; 14]);
        assert_eq!(roles[14], Role::After);
        assert!(window.contains(34) && !window.contains(35));
    }
}
