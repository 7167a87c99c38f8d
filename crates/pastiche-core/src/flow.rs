//! Dense optical flow between consecutive video frames, and what the video session derives from
//! it: where each pixel of the new frame was in the previous one, and which pixels the previous
//! frame does not show.
//!
//! The flow is OpenCV's DIS (Dense Inverse Search, Kroeger et al. 2016; `cv::DISOpticalFlow`,
//! preset MEDIUM refined down to full resolution) through the `opencv` crate, on the frames' luminance at the working size:
//! a maintained, fast estimator (a few milliseconds a flow at 320×180, docs/benchmarks.md) that
//! follows zooms, rotations and objects moving over a still background. Occlusions follow Ruder
//! et al. (2016) and Sundaram et al. (2010): a pixel whose backward flow is not undone by the
//! forward flow at the point it lands on, or that lies on a motion boundary, gets no temporal
//! weight.

use ndarray::{Array2, Array3};

use crate::warp::{sample, warp};
use crate::Picture;
#[cfg(feature = "optical-flow")]
pub use with_opencv::FlowEstimator;
#[cfg(not(feature = "optical-flow"))]
pub use without_opencv::FlowEstimator;

/// A displacement field: `picture_a(x, y) ≈ picture_b(x + dx, y + dy)` for the flow from a to b.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    pub dx: Array2<f32>,
    pub dy: Array2<f32>,
}

impl Flow {
    /// No motion.
    pub fn zero(height: usize, width: usize) -> Flow {
        Flow {
            dx: Array2::zeros((height, width)),
            dy: Array2::zeros((height, width)),
        }
    }

    /// (height, width).
    pub fn dim(&self) -> (usize, usize) {
        self.dx.dim()
    }
}

#[cfg(feature = "optical-flow")]
mod with_opencv {
    use ndarray::Array2;
    use opencv::core::{Mat, Vec2f, CV_8UC1};
    use opencv::prelude::*;
    use opencv::video::DISOpticalFlow;

    use super::Flow;
    use crate::{CoreError, Picture};

    /// OpenCV's DIS flow; one per video session, so that its buffers are reused frame after frame.
    pub struct FlowEstimator {
        dis: opencv::core::Ptr<DISOpticalFlow>,
    }

    fn opencv_error(what: &'static str) -> impl FnOnce(opencv::Error) -> CoreError {
        move |e| CoreError::Flow(format!("{what}: {e}"))
    }

    /// The picture's luminance as an 8-bit single-channel image (what DIS takes).
    fn grey(picture: &Picture) -> Result<Mat, CoreError> {
        let (h, w) = (picture.height(), picture.width());
        let rgb = &picture.rgb;
        let mut mat = Mat::new_rows_cols_with_default(
            h as i32,
            w as i32,
            CV_8UC1,
            opencv::core::Scalar::all(0.0),
        )
        .map_err(opencv_error("allocating a frame"))?;
        let data = mat
            .data_typed_mut::<u8>()
            .map_err(opencv_error("writing a frame"))?;
        for y in 0..h {
            for x in 0..w {
                let value =
                    0.299 * rgb[[0, y, x]] + 0.587 * rgb[[1, y, x]] + 0.114 * rgb[[2, y, x]];
                data[y * w + x] = (value.clamp(0.0, 1.0) * 255.0).round() as u8;
            }
        }
        Ok(mat)
    }

    impl FlowEstimator {
        pub fn new() -> Result<FlowEstimator, CoreError> {
            let mut dis = DISOpticalFlow::create(opencv::video::DISOpticalFlow_PRESET_MEDIUM)
                .map_err(opencv_error("creating the DIS optical flow"))?;
            // Down to full resolution (the preset stops at half): 5× smaller endpoint errors on a
            // small moving object at 96×64 (0.69 → 0.14 px), for a few milliseconds at 320×180.
            dis.set_finest_scale(0)
                .map_err(opencv_error("configuring the DIS optical flow"))?;
            Ok(FlowEstimator { dis })
        }

        /// The flow from `from` to `to` (pictures of one size): `from(x) ≈ to(x + flow(x))`.
        pub fn flow(&mut self, from: &Picture, to: &Picture) -> Result<Flow, CoreError> {
            assert_eq!(
                (from.width(), from.height()),
                (to.width(), to.height()),
                "flow between pictures of one size"
            );
            let (h, w) = (from.height(), from.width());
            let (a, b) = (grey(from)?, grey(to)?);
            let mut flow = Mat::default();
            self.dis
                .calc(&a, &b, &mut flow)
                .map_err(opencv_error("computing the optical flow"))?;
            let vectors = flow
                .data_typed::<Vec2f>()
                .map_err(opencv_error("reading the optical flow"))?;
            if vectors.len() != h * w {
                return Err(CoreError::Flow(format!(
                    "the optical flow has {} vectors for {w}×{h} pixels",
                    vectors.len()
                )));
            }
            Ok(Flow {
                dx: Array2::from_shape_fn((h, w), |(y, x)| vectors[y * w + x][0]),
                dy: Array2::from_shape_fn((h, w), |(y, x)| vectors[y * w + x][1]),
            })
        }
    }
}

/// A build without OpenCV: no optical flow, so no video sessions.
#[cfg(not(feature = "optical-flow"))]
mod without_opencv {
    use super::Flow;
    use crate::{CoreError, Picture};

    pub enum FlowEstimator {}

    impl FlowEstimator {
        pub fn new() -> Result<FlowEstimator, CoreError> {
            Err(CoreError::Flow(
                "this build has no optical flow (pastiche-core without its `optical-flow` \
                 feature), which video needs"
                    .into(),
            ))
        }

        pub fn flow(&mut self, _from: &Picture, _to: &Picture) -> Result<Flow, CoreError> {
            match *self {}
        }
    }
}

/// Where the previous frame's strokes go in the new frame, and how far to trust them.
pub struct Correspondence {
    /// The previous result moved along the motion; pixels the previous frame does not show
    /// (disoccluded: nothing of it lands there along the forward flow; or outside it) are the
    /// new frame's own content.
    pub warped: Picture,
    /// Per-pixel weight of the temporal term, 0 or 1: 1 where the flow is consistent both ways
    /// and not on a motion boundary.
    pub mask: Array2<f32>,
}

/// Follows the motion from the previous frame to `frame` (one size): `backward` is the flow from
/// `frame` to the previous frame, `forward` the flow the other way. `previous_result` (the
/// stylised previous frame, same size) is warped along `backward`; disoccluded pixels start from
/// `frame`. Where the flow is not consistent both ways the warped strokes are still the better
/// start (the flow is usually a little off there, at an object's edge), but the temporal term
/// does not hold them.
pub fn correspondence(
    previous_result: &Picture,
    frame: &Picture,
    backward: &Flow,
    forward: &Flow,
) -> Correspondence {
    let (h, w) = backward.dim();
    let (warped_rgb, inside) = warp(&previous_result.rgb, backward);
    let consistent = consistency(backward, forward);
    let boundaries = motion_boundaries(backward);
    let covered = coverage(forward);
    let mut mask = Array2::zeros((h, w));
    let mut rgb: Array3<f32> = warped_rgb;
    for y in 0..h {
        for x in 0..w {
            let shown = inside[[y, x]] && consistent[[y, x]];
            // Disoccluded (nothing of the previous frame lands here) or outside it: the new
            // frame's own content. Elsewhere the warped strokes, also where the flow is not
            // consistent enough for the temporal term to hold them.
            if !inside[[y, x]] || covered[[y, x]] < MIN_COVERAGE {
                for c in 0..3 {
                    rgb[[c, y, x]] = frame.rgb[[c, y, x]];
                }
            }
            mask[[y, x]] = if shown && !boundaries[[y, x]] {
                1.0
            } else {
                0.0
            };
        }
    }
    Correspondence {
        warped: frame.with_rgb(rgb),
        mask,
    }
}

/// The flow must match the frames this much better than standing still for the shot to count as
/// moving (the mean absolute luminance difference over the frame): on a still shot the flow
/// follows camera grain by fractions of a pixel, and warping the strokes along that noise would
/// make them wobble.
const MIN_GAIN: f32 = 0.05;

fn luminance(picture: &Picture) -> Array2<f32> {
    let rgb = &picture.rgb;
    Array2::from_shape_fn((picture.height(), picture.width()), |(y, x)| {
        0.299 * rgb[[0, y, x]] + 0.587 * rgb[[1, y, x]] + 0.114 * rgb[[2, y, x]]
    })
}

/// Whether `frame` is `previous` standing still (with grain) rather than moved along `backward`
/// (the flow from `frame` to `previous`): the flow does not lower the mean absolute luminance
/// difference by [`MIN_GAIN`].
pub fn is_still(previous: &Picture, frame: &Picture, backward: &Flow) -> bool {
    let (before, now) = (luminance(previous), luminance(frame));
    let still = (&now - &before).mapv(f32::abs).mean().unwrap_or(0.0);
    // To the nearest pixel: interpolating between pixels would average the grain away and
    // favour any fractional flow over standing still.
    let moved = Array2::from_shape_fn(now.dim(), |(y, x)| {
        let (px, py) = (
            (x as f32 + backward.dx[[y, x]]).round(),
            (y as f32 + backward.dy[[y, x]]).round(),
        );
        sample(&before, px, py).map_or(still, |v| (now[[y, x]] - v).abs())
    })
    .mean()
    .unwrap_or(0.0);
    still <= (1.0 + MIN_GAIN) * moved
}

/// Below this share of a pixel's area covered by the previous frame's pixels moved along the
/// forward flow, the pixel is disoccluded: nothing of the previous frame lands there.
const MIN_COVERAGE: f32 = 0.5;

/// How much of each pixel of the next frame the previous frame's pixels cover once moved along
/// `forward` (bilinear splatting): about 1 where the motion carries content there, near 0 where
/// it uncovers the background (disocclusion).
pub fn coverage(forward: &Flow) -> Array2<f32> {
    let (h, w) = forward.dim();
    let mut covered = Array2::zeros((h, w));
    for y in 0..h {
        for x in 0..w {
            let (px, py) = (x as f32 + forward.dx[[y, x]], y as f32 + forward.dy[[y, x]]);
            if !(px > -1.0 && py > -1.0 && px < w as f32 && py < h as f32) {
                continue;
            }
            let (x0, y0) = (px.floor(), py.floor());
            let (fx, fy) = (px - x0, py - y0);
            for (dy, wy) in [(0, 1.0 - fy), (1, fy)] {
                for (dx, wx) in [(0, 1.0 - fx), (1, fx)] {
                    let (cx, cy) = (x0 as isize + dx, y0 as isize + dy);
                    if (0..w as isize).contains(&cx) && (0..h as isize).contains(&cy) {
                        covered[[cy as usize, cx as usize]] += wx * wy;
                    }
                }
            }
        }
    }
    covered
}

/// Forward–backward consistency (Sundaram et al. 2010, as Ruder et al. 2016 use it): with `w`
/// the backward flow at x and `ŵ` the forward flow at x + w, the pixel is consistent when
/// `|w + ŵ|² ≤ 0.01 (|w|² + |ŵ|²) + 0.5`: following the motion there and back returns to x.
pub fn consistency(backward: &Flow, forward: &Flow) -> Array2<bool> {
    let (h, w) = backward.dim();
    Array2::from_shape_fn((h, w), |(y, x)| {
        let (u, v) = (backward.dx[[y, x]], backward.dy[[y, x]]);
        let (px, py) = (x as f32 + u, y as f32 + v);
        let (Some(fu), Some(fv)) = (sample(&forward.dx, px, py), sample(&forward.dy, px, py))
        else {
            return false;
        };
        let (su, sv) = (u + fu, v + fv);
        su * su + sv * sv <= 0.01 * (u * u + v * v + fu * fu + fv * fv) + 0.5
    })
}

/// Motion boundaries (Ruder et al. 2016): `|∇u|² + |∇v|² > 0.01 |w|² + 0.002`, with central
/// differences of the flow `w = (u, v)`.
pub fn motion_boundaries(flow: &Flow) -> Array2<bool> {
    let (h, w) = flow.dim();
    let gradient = |field: &Array2<f32>, y: usize, x: usize| {
        let (x0, x1) = (x.saturating_sub(1), (x + 1).min(w - 1));
        let (y0, y1) = (y.saturating_sub(1), (y + 1).min(h - 1));
        let gx = (field[[y, x1]] - field[[y, x0]]) / (x1 - x0).max(1) as f32;
        let gy = (field[[y1, x]] - field[[y0, x]]) / (y1 - y0).max(1) as f32;
        gx * gx + gy * gy
    };
    Array2::from_shape_fn((h, w), |(y, x)| {
        let (u, v) = (flow.dx[[y, x]], flow.dy[[y, x]]);
        gradient(&flow.dx, y, x) + gradient(&flow.dy, y, x) > 0.01 * (u * u + v * v) + 0.002
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A smooth, textured picture sampled from a plane, moved by (`ox`, `oy`) pixels.
    fn scene(ox: f32, oy: f32, width: usize, height: usize) -> Picture {
        let rgb = Array3::from_shape_fn((3, height, width), |(c, y, x)| {
            let (x, y) = (x as f32 - ox, y as f32 - oy);
            0.5 + 0.2 * ((x * 0.31 + c as f32).sin() * (y * 0.23).cos())
                + 0.2 * ((x * 0.071 - y * 0.093).sin())
        });
        Picture { rgb, alpha: None }
    }

    #[cfg(feature = "optical-flow")]
    #[test]
    fn dis_finds_a_translation_and_its_inverse() {
        let (before, after) = (scene(0.0, 0.0, 160, 96), scene(3.0, -2.0, 160, 96));
        let mut estimator = FlowEstimator::new().unwrap();
        // after(x) = before(x − (3, −2)): the backward flow is (−3, 2).
        let backward = estimator.flow(&after, &before).unwrap();
        let forward = estimator.flow(&before, &after).unwrap();
        let centre = |f: &Array2<f32>| f.slice(ndarray::s![20..76, 20..140]).mean().unwrap();
        assert!(
            (centre(&backward.dx) + 3.0).abs() < 0.2,
            "{}",
            centre(&backward.dx)
        );
        assert!(
            (centre(&backward.dy) - 2.0).abs() < 0.2,
            "{}",
            centre(&backward.dy)
        );
        assert!((centre(&forward.dx) - 3.0).abs() < 0.2);
        let consistent = consistency(&backward, &forward);
        let share = consistent.iter().filter(|c| **c).count() as f32 / consistent.len() as f32;
        assert!(share > 0.8, "{share}");
    }

    #[test]
    fn inconsistent_flow_and_motion_boundaries_are_masked() {
        // Left half moves right by 4, right half still: the flows agree except where the
        // moving half covers the still one, and the edge between them is a motion boundary.
        let (h, w) = (20, 40);
        let mut backward = Flow::zero(h, w);
        let mut forward = Flow::zero(h, w);
        for y in 0..h {
            for x in 0..w {
                if x < 20 {
                    backward.dx[[y, x]] = -4.0;
                }
                if x < 16 {
                    forward.dx[[y, x]] = 4.0;
                }
            }
        }
        let consistent = consistency(&backward, &forward);
        assert!(consistent[[5, 10]] && consistent[[5, 30]]);
        assert!(!consistent[[5, 0]], "lands outside the previous frame");
        let boundaries = motion_boundaries(&backward);
        assert!(boundaries[[5, 19]] && boundaries[[5, 20]]);
        assert!(!boundaries[[5, 10]] && !boundaries[[5, 30]]);
        // Nothing lands on the four columns the moving half uncovers at the left edge; two
        // columns of the still half are covered twice (the moving half passes over them).
        let covered = coverage(&forward);
        assert!((0..4).all(|x| covered[[5, x]] < MIN_COVERAGE));
        assert!((4..40).all(|x| covered[[5, x]] >= 1.0), "{covered:?}");
    }

    #[test]
    fn grain_is_not_motion_and_a_shift_is() {
        let still = scene(0.0, 0.0, 64, 48);
        let mut state = 1u32;
        let grainy = still.with_rgb(still.rgb.mapv(|v| {
            state = state.wrapping_mul(1664525).wrapping_add(1013904223);
            v + 0.04 * ((state >> 8) as f32 / (1 << 24) as f32 - 0.5)
        }));
        // The flow a grain-following estimator might return: noise of a few tenths of a pixel.
        let mut wobble = Flow::zero(48, 64);
        wobble
            .dx
            .indexed_iter_mut()
            .for_each(|((y, x), v)| *v = 0.3 * ((x * 7 + y * 3) % 5) as f32 / 4.0 - 0.15);
        assert!(is_still(&still, &grainy, &wobble));
        let moved = scene(2.0, 0.0, 64, 48);
        let mut shift = Flow::zero(48, 64);
        shift.dx.fill(-2.0);
        assert!(!is_still(&still, &moved, &shift));
    }

    #[test]
    fn a_still_frame_keeps_the_previous_result_everywhere() {
        let frame = scene(0.0, 0.0, 32, 24);
        let result = scene(5.0, 5.0, 32, 24);
        let still = Flow::zero(24, 32);
        let c = correspondence(&result, &frame, &still, &still);
        assert_eq!(c.warped.rgb, result.rgb);
        assert!(c.mask.iter().all(|m| *m == 1.0));
    }
}
