//! Video coherence on clips made from a real photo with exactly known motion: zoom, rotation, an
//! object moving over a still background, a pan, and a static shot with camera grain.
//!
//! Because the motion is known, the warping error (Lai et al. 2018) needs no estimated flow:
//! for every pixel of stylised frame t+1, the squared difference (pixels 0..1, channels
//! averaged) to stylised frame t at the exact point it came from (bilinear), over the pixels
//! frame t shows (not outside it, not behind the moving object). Warm-started frames (the video
//! session: the previous result warped along the optical flow, held by the temporal term) are
//! compared with independent frames (each from its own content) with the same iteration budget
//! as the session's first frame.

#![cfg(feature = "optical-flow")]

mod support;

use std::sync::OnceLock;

use ndarray::{Array2, Array3};
use pastiche_core::flow::{self, FlowEstimator};
use pastiche_core::{
    Control, Engine, Params, Picture, Style, VideoSession, DEFAULT_TEMPORAL_WEIGHT,
};
use support::{data, engine};

/// Frame size (the working size: `Params::size` is its longest side).
const WIDTH: usize = 96;
const HEIGHT: usize = 64;
/// Iterations of a frame started from its content (the session's first, every independent one)
/// and of a warm-started frame.
const FIRST: usize = 30;
const LATER: usize = 15;

fn params() -> Params {
    Params {
        size: WIDTH,
        scales: 1,
        iterations: FIRST,
        temporal_weight: DEFAULT_TEMPORAL_WEIGHT,
        ..Params::default()
    }
}

fn starry() -> Style {
    Style {
        picture: Picture::load(&data("starry_night.jpg"))
            .unwrap()
            .with_longest_side(160),
        weight: 1.0,
    }
}

/// Tübingen at 240×180: the scene the cameras film.
fn photo() -> &'static Picture {
    static PHOTO: OnceLock<Picture> = OnceLock::new();
    PHOTO.get_or_init(|| {
        Picture::load(&data("tubingen.jpg"))
            .unwrap()
            .resized(240, 180)
    })
}

/// `picture` at the real position (x, y), bilinear, per channel; `None` outside.
fn sample(rgb: &Array3<f32>, x: f32, y: f32) -> Option<[f32; 3]> {
    let (h, w) = (rgb.shape()[1], rgb.shape()[2]);
    if !(x >= 0.0 && y >= 0.0 && x <= (w - 1) as f32 && y <= (h - 1) as f32) {
        return None;
    }
    let (x0, y0) = (x.floor() as usize, y.floor() as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    Some(std::array::from_fn(|c| {
        let top = rgb[[c, y0, x0]] * (1.0 - fx) + rgb[[c, y0, x1]] * fx;
        let bottom = rgb[[c, y1, x0]] * (1.0 - fx) + rgb[[c, y1, x1]] * fx;
        top * (1.0 - fy) + bottom * fy
    }))
}

/// A camera over the photo: frame pixel (x, y) shows photo point
/// `centre + scale·R(angle)·(x − W/2, y − H/2)`.
#[derive(Clone, Copy)]
struct Camera {
    centre: (f32, f32),
    scale: f32,
    angle: f32,
}

impl Camera {
    fn photo_point(&self, x: f32, y: f32) -> (f32, f32) {
        let (dx, dy) = (x - WIDTH as f32 / 2.0, y - HEIGHT as f32 / 2.0);
        let (sin, cos) = self.angle.sin_cos();
        (
            self.centre.0 + self.scale * (cos * dx - sin * dy),
            self.centre.1 + self.scale * (sin * dx + cos * dy),
        )
    }

    fn frame_point(&self, px: f32, py: f32) -> (f32, f32) {
        let (dx, dy) = (
            (px - self.centre.0) / self.scale,
            (py - self.centre.1) / self.scale,
        );
        let (sin, cos) = self.angle.sin_cos();
        (
            cos * dx + sin * dy + WIDTH as f32 / 2.0,
            -sin * dx + cos * dy + HEIGHT as f32 / 2.0,
        )
    }

    fn film(&self) -> Picture {
        let rgb = photo().rgb.clone();
        let mut frame = Array3::zeros((3, HEIGHT, WIDTH));
        for y in 0..HEIGHT {
            for x in 0..WIDTH {
                let (px, py) = self.photo_point(x as f32, y as f32);
                let value = sample(&rgb, px, py).expect("the camera stays over the photo");
                for c in 0..3 {
                    frame[[c, y, x]] = value[c];
                }
            }
        }
        Picture {
            rgb: frame,
            alpha: None,
        }
    }
}

/// A clip and its exact motion.
struct Clip {
    name: &'static str,
    frames: Vec<Picture>,
    /// For frame t+1 (index t), where each pixel was in frame t: (x, y), or `None` where
    /// frame t does not show it.
    motion: Vec<Array2<Option<(f32, f32)>>>,
    /// The moving object's pixels in each frame (object clip only).
    object: Option<Vec<Array2<bool>>>,
}

fn camera_clip(name: &'static str, frames: usize, camera: impl Fn(usize) -> Camera) -> Clip {
    let cameras: Vec<Camera> = (0..frames).map(&camera).collect();
    let motion = cameras
        .windows(2)
        .map(|pair| {
            Array2::from_shape_fn((HEIGHT, WIDTH), |(y, x)| {
                let (px, py) = pair[1].photo_point(x as f32, y as f32);
                let (x0, y0) = pair[0].frame_point(px, py);
                let inside = (0.0..=(WIDTH - 1) as f32).contains(&x0)
                    && (0.0..=(HEIGHT - 1) as f32).contains(&y0);
                inside.then_some((x0, y0))
            })
        })
        .collect();
    Clip {
        name,
        frames: cameras.iter().map(Camera::film).collect(),
        motion,
        object: None,
    }
}

const STILL: Camera = Camera {
    centre: (120.0, 95.0),
    scale: 1.0,
    angle: 0.0,
};

fn zoom(frames: usize) -> Clip {
    camera_clip("zoom", frames, |t| Camera {
        scale: 1.4 * 0.96f32.powi(t as i32),
        ..STILL
    })
}

fn rotation(frames: usize) -> Clip {
    camera_clip("rotation", frames, |t| Camera {
        scale: 1.1,
        angle: (2.0 * t as f32).to_radians(),
        ..STILL
    })
}

fn pan(frames: usize) -> Clip {
    camera_clip("pan", frames, |t| Camera {
        centre: (80.0 + 2.0 * t as f32, 95.0),
        ..STILL
    })
}

/// A patch of another photo moving 3 px right and 1 px down per frame over a still shot.
fn object(frames: usize) -> Clip {
    let background = STILL.film();
    let patch = Picture::load(&data("shipwreck.jpg"))
        .unwrap()
        .resized(40, 28);
    let (pw, ph) = (patch.width(), patch.height());
    let position = |t: usize| (14 + 3 * t, 14 + t);
    let masks: Vec<Array2<bool>> = (0..frames)
        .map(|t| {
            let (ox, oy) = position(t);
            Array2::from_shape_fn((HEIGHT, WIDTH), |(y, x)| {
                (ox..ox + pw).contains(&x) && (oy..oy + ph).contains(&y)
            })
        })
        .collect();
    let pictures = (0..frames)
        .map(|t| {
            let (ox, oy) = position(t);
            let mut rgb = background.rgb.clone();
            rgb.slice_mut(ndarray::s![.., oy..oy + ph, ox..ox + pw])
                .assign(&patch.rgb);
            Picture { rgb, alpha: None }
        })
        .collect();
    let motion = (1..frames)
        .map(|t| {
            Array2::from_shape_fn((HEIGHT, WIDTH), |(y, x)| {
                if masks[t][[y, x]] {
                    Some(((x - 3) as f32, (y - 1) as f32))
                } else if masks[t - 1][[y, x]] {
                    None // uncovered: behind the object in frame t
                } else {
                    Some((x as f32, y as f32))
                }
            })
        })
        .collect();
    Clip {
        name: "object",
        frames: pictures,
        motion,
        object: Some(masks),
    }
}

/// A still shot with new camera grain (uniform, ±0.04) every frame.
fn grain(frames: usize) -> Clip {
    let still = STILL.film();
    let mut state = 7u64;
    let pictures = (0..frames)
        .map(|_| {
            still.with_rgb(still.rgb.mapv(|v| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let unit = (state >> 40) as f32 / (1u64 << 24) as f32;
                (v + 0.04 * (2.0 * unit - 1.0)).clamp(0.0, 1.0)
            }))
        })
        .collect();
    let identity = Array2::from_shape_fn((HEIGHT, WIDTH), |(y, x)| Some((x as f32, y as f32)));
    Clip {
        name: "grain",
        frames: pictures,
        motion: vec![identity; frames - 1],
        object: None,
    }
}

/// The warping error between `before` (frame t) and `after` (frame t+1) under the clip's exact
/// motion.
fn pair_error(clip: &Clip, t: usize, before: &Picture, after: &Picture) -> f64 {
    let single = Clip {
        name: clip.name,
        frames: Vec::new(),
        motion: vec![clip.motion[t].clone()],
        object: None,
    };
    warping_error(&single, &[before.clone(), after.clone()]).0
}

/// The warping error of consecutive `outputs` under the clip's exact motion, over every shown
/// pixel and over the moving object's (object clip), averaged over the pairs.
fn warping_error(clip: &Clip, outputs: &[Picture]) -> (f64, Option<f64>) {
    let mut all = (0.0, 0usize);
    let mut object = (0.0, 0usize);
    for (t, motion) in clip.motion.iter().enumerate() {
        let (before, after) = (&outputs[t].rgb, &outputs[t + 1].rgb);
        for ((y, x), from) in motion.indexed_iter() {
            let Some((x0, y0)) = from else { continue };
            let Some(then) = sample(before, *x0, *y0) else {
                continue;
            };
            let error: f64 = (0..3)
                .map(|c| ((after[[c, y, x]] - then[c]) as f64).powi(2))
                .sum::<f64>()
                / 3.0;
            all = (all.0 + error, all.1 + 1);
            if clip.object.as_ref().is_some_and(|m| m[t + 1][[y, x]]) {
                object = (object.0 + error, object.1 + 1);
            }
        }
    }
    (
        all.0 / all.1 as f64,
        clip.object.as_ref().map(|_| object.0 / object.1 as f64),
    )
}

/// The clip through a video session (warm starts).
fn warm(engine: &mut Engine, frames: &[Picture], params: &Params) -> Vec<Picture> {
    let targets = engine
        .style_targets(vec![starry()], params, &frames[0])
        .unwrap();
    let mut session = VideoSession::new(targets, params.clone(), FIRST, LATER).unwrap();
    frames
        .iter()
        .map(|frame| {
            session
                .push(engine, frame, &mut |_| Control::Continue)
                .unwrap()
        })
        .collect()
}

/// Each frame of the clip on its own, from its content.
fn independent(engine: &mut Engine, frames: &[Picture], params: &Params) -> Vec<Picture> {
    let params = Params {
        temporal_weight: 0.0,
        ..params.clone()
    };
    let mut targets = engine
        .style_targets(vec![starry()], &params, &frames[0])
        .unwrap();
    frames
        .iter()
        .map(|frame| {
            engine
                .stylize(frame, &mut targets, &params, &mut |_| Control::Continue)
                .unwrap()
                .picture
        })
        .collect()
}

#[test]
fn warm_frames_hold_together_under_known_motion_far_better_than_independent_ones() {
    let mut engine = engine();
    let params = params();
    let mut failures = Vec::new();
    for clip in [zoom(5), rotation(5), object(5), pan(5), grain(5)] {
        let warm_frames = warm(&mut engine, &clip.frames, &params);
        let cold_frames = independent(&mut engine, &clip.frames, &params);
        let (warm_error, warm_object) = warping_error(&clip, &warm_frames);
        let (cold_error, cold_object) = warping_error(&clip, &cold_frames);
        let ratio = warm_error / cold_error;
        eprintln!(
            "{:>8}: warping error warm {warm_error:.5}, independent {cold_error:.5}, ratio {ratio:.3}",
            clip.name
        );
        if ratio > 0.3 {
            failures.push(format!("{}: ratio {ratio:.3}", clip.name));
        }
        if let (Some(warm_object), Some(cold_object)) = (warm_object, cold_object) {
            let ratio = warm_object / cold_object;
            eprintln!(
                "{:>8}  on the object: warm {warm_object:.5}, independent {cold_object:.5}, ratio {ratio:.3}",
                ""
            );
            if ratio > 0.3 {
                failures.push(format!("{} (object): ratio {ratio:.3}", clip.name));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}

/// Mean gradient magnitude of a picture: how much texture the strokes carry.
fn texture_energy(picture: &Picture) -> f64 {
    let rgb = &picture.rgb;
    let (h, w) = (rgb.shape()[1], rgb.shape()[2]);
    let mut sum = 0.0;
    for c in 0..3 {
        for y in 0..h - 1 {
            for x in 0..w - 1 {
                let gx = rgb[[c, y, x + 1]] - rgb[[c, y, x]];
                let gy = rgb[[c, y + 1, x]] - rgb[[c, y, x]];
                sum += ((gx * gx + gy * gy) as f64).sqrt();
            }
        }
    }
    sum / (3 * (h - 1) * (w - 1)) as f64
}

/// Stylisation does not strengthen from frame to frame: over 30 frames of a pan, the last
/// frames carry no more texture than the first.
#[test]
fn stylisation_does_not_drift_stronger_over_thirty_frames() {
    let mut engine = engine();
    let clip = pan(30);
    let outputs = warm(&mut engine, &clip.frames, &params());
    let energy: Vec<f64> = outputs.iter().map(texture_energy).collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (early, late) = (mean(&energy[..5]), mean(&energy[25..]));
    eprintln!("texture energy per frame: {energy:.4?}; first five {early:.4}, last five {late:.4}");
    assert!(late <= 1.1 * early, "{late} against {early}");
}

/// The optical flow against the exact motion, between the first two frames of each clip: the
/// mean endpoint error of the backward flow where the previous frame shows the pixel, and the
/// share of pixels the temporal term holds (consistent both ways, off motion boundaries).
#[test]
fn the_optical_flow_follows_the_known_motion() {
    let mut estimator = FlowEstimator::new().unwrap();
    for clip in [zoom(2), rotation(2), object(2), pan(2)] {
        let (before, after) = (&clip.frames[0], &clip.frames[1]);
        let backward = estimator.flow(after, before).unwrap();
        let forward = estimator.flow(before, after).unwrap();
        let held = flow::correspondence(before, after, &backward, &forward).mask;
        let (mut all, mut on_object) = ((0.0, 0), (0.0, 0));
        for ((y, x), from) in clip.motion[0].indexed_iter() {
            let Some((x0, y0)) = from else { continue };
            let error =
                (x as f32 + backward.dx[[y, x]] - x0).hypot(y as f32 + backward.dy[[y, x]] - y0);
            all = (all.0 + error, all.1 + 1);
            if clip.object.as_ref().is_some_and(|m| m[1][[y, x]]) {
                on_object = (on_object.0 + error, on_object.1 + 1);
            }
        }
        let share = held.mean().unwrap();
        let (error, object_error) = (
            all.0 / all.1 as f32,
            on_object.0 / on_object.1.max(1) as f32,
        );
        eprintln!(
            "{}: endpoint error {error:.3} px (object {object_error:.3} px), held {share:.3}",
            clip.name
        );
        assert!(
            error < 0.15 && object_error < 0.2,
            "{}: {error}, {object_error}",
            clip.name
        );
        assert!(share > 0.8, "{}: {share}", clip.name);
    }
}

/// What `ffmpeg-filter/join-segments.sh` does at a join (FFmpeg's `xfade=fade`): over the
/// `overlap` frames from `start`, frame `start + i` is the earlier chain's with weight
/// `1 - i/overlap` and the later chain's with `i/overlap`; from `start + overlap` on, the later
/// chain's. `earlier[t]` and `later[t - later_from]` are clip frame `t`.
fn cross_fade(
    earlier: &[Picture],
    later: &[Picture],
    later_from: usize,
    start: usize,
    overlap: usize,
) -> Vec<Picture> {
    (0..later_from + later.len())
        .map(|t| {
            let weight = (t.saturating_sub(start) as f32 / overlap as f32).min(1.0);
            match weight {
                0.0 => earlier[t].clone(),
                1.0 => later[t - later_from].clone(),
                _ => Picture {
                    rgb: &earlier[t].rgb * (1.0 - weight) + &later[t - later_from].rgb * weight,
                    alpha: None,
                },
            }
        })
        .collect()
}

/// Segments rendered on their own (`pastiche-video --start … --duration … --overlap-frames N`,
/// 5 warm-up frames) and joined by cross-fading each segment's overlap into the next one's
/// first frames: every pair of frames across the join holds together about as well as
/// neighbouring frames of a render of the whole clip.
///
/// Two chains never meet exactly: the optimisation depends on the whole history, and the
/// temporal term keeps each chain's own strokes, so a hard cut between them is as large as
/// between independent frames (110× here). Spread over the overlap, the difference adds only
/// (1/N)² of its square to each pair.
#[test]
fn segments_cross_faded_over_their_overlap_join_as_smoothly_as_neighbouring_frames() {
    const START: usize = 8;
    const WARM_UP: usize = 5;
    const OVERLAP: usize = 20;
    const AFTER: usize = 3;
    let mut engine = engine();
    let clip = pan(START + OVERLAP + AFTER);
    let params = params();
    let whole = warm(&mut engine, &clip.frames, &params);
    let later_from = START - WARM_UP;
    let segment = warm(&mut engine, &clip.frames[later_from..], &params);
    let hard_cut = pair_error(
        &clip,
        START - 1,
        &whole[START - 1],
        &segment[START - later_from],
    );
    let joined = cross_fade(&whole, &segment, later_from, START, OVERLAP);
    let pairs = START - 1..START + OVERLAP + 1;
    let join: Vec<f64> = pairs
        .clone()
        .map(|t| pair_error(&clip, t, &joined[t], &joined[t + 1]))
        .collect();
    let neighbours: Vec<f64> = pairs
        .map(|t| pair_error(&clip, t, &whole[t], &whole[t + 1]))
        .collect();
    let mean = neighbours.iter().sum::<f64>() / neighbours.len() as f64;
    let worst = join.iter().copied().fold(0.0, f64::max);
    eprintln!(
        "hard cut {hard_cut:.5} ({:.1}×); across the cross-fade {join:.5?}, worst {worst:.5} \
         ({:.2}×); whole render {neighbours:.5?}, mean {mean:.5}",
        hard_cut / mean,
        worst / mean,
    );
    assert!(worst <= 1.5 * mean, "worst pair {worst} against {mean}");
}
