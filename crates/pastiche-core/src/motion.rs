//! Global motion between consecutive video frames, for motion-compensated warm starts.
//!
//! Starting a frame from the previous stylised frame *where it was on screen* keeps a static
//! shot steady, but on a pan the strokes stay put while the picture slides beneath them (the
//! "shower-door" effect) and the optimiser does not move them back. Moving the previous result
//! along the camera's motion first (Ruder et al. 2016 use optical flow; a global translation
//! covers pans and tilts) lets the strokes travel with the content.

use ndarray::{s, Array2, Array3};

use crate::Picture;

/// Largest shift searched, as a fraction of each side.
const MAX_SHIFT_FRACTION: f32 = 0.125;
/// The coarse search runs on images whose longest side is about this many pixels.
const COARSE_SIDE: usize = 96;
/// Shifts leaving less than this share of the picture overlapping are not considered.
const MIN_OVERLAP: f32 = 0.5;
/// A shift counts as motion only if it lowers the difference between the frames by at least
/// this share against standing still: on flat, grainy pictures every shift matches about
/// equally well, and following the grain would make a static shot jitter.
const MIN_GAIN: f32 = 0.05;

/// Integer translation (dx, dy) such that `current(x, y) ≈ previous(x − dx, y − dy)`: what the
/// picture content moved by between the frames. Both pictures must have the same size.
pub fn estimate_shift(previous: &Picture, current: &Picture) -> (isize, isize) {
    assert_eq!(
        (previous.width(), previous.height()),
        (current.width(), current.height())
    );
    let (before, after) = (luminance(previous), luminance(current));
    let factor = (previous.longest_side() / COARSE_SIDE).max(1);
    let (coarse_before, coarse_after) = (
        box_downsample(&before, factor),
        box_downsample(&after, factor),
    );
    let (h, w) = coarse_before.dim();
    let reach_x = ((w as f32 * MAX_SHIFT_FRACTION).ceil() as isize).max(1);
    let reach_y = ((h as f32 * MAX_SHIFT_FRACTION).ceil() as isize).max(1);
    let coarse = best_shift(&coarse_before, &coarse_after, (0, 0), reach_x, reach_y);
    let guess = (coarse.0 * factor as isize, coarse.1 * factor as isize);
    let reach = factor as isize;
    let best = best_shift(&before, &after, guess, reach, reach);
    let still = difference_at(&before, &after, (0, 0)).unwrap_or(f32::INFINITY);
    match difference_at(&before, &after, best) {
        Some(moved) if moved < (1.0 - MIN_GAIN) * still => best,
        _ => (0, 0),
    }
}

/// `picture` moved by (dx, dy); the area uncovered at the edges is taken from `fill` (the new
/// frame's content), which the optimiser then paints like the rest.
pub fn shifted(picture: &Picture, (dx, dy): (isize, isize), fill: &Picture) -> Picture {
    let (h, w) = (picture.height() as isize, picture.width() as isize);
    let mut rgb = fill.rgb.clone();
    let x_range = (dx.max(0), (w + dx).min(w));
    let y_range = (dy.max(0), (h + dy).min(h));
    if x_range.0 < x_range.1 && y_range.0 < y_range.1 {
        rgb.slice_mut(s![.., y_range.0..y_range.1, x_range.0..x_range.1])
            .assign(&picture.rgb.slice(s![
                ..,
                y_range.0 - dy..y_range.1 - dy,
                x_range.0 - dx..x_range.1 - dx
            ]));
    }
    fill.with_rgb(rgb)
}

fn luminance(picture: &Picture) -> Array2<f32> {
    let rgb: &Array3<f32> = &picture.rgb;
    &rgb.index_axis(ndarray::Axis(0), 0) * 0.299
        + &rgb.index_axis(ndarray::Axis(0), 1) * 0.587
        + &rgb.index_axis(ndarray::Axis(0), 2) * 0.114
}

fn box_downsample(image: &Array2<f32>, factor: usize) -> Array2<f32> {
    if factor == 1 {
        return image.clone();
    }
    let (h, w) = (image.nrows() / factor, image.ncols() / factor);
    Array2::from_shape_fn((h.max(1), w.max(1)), |(y, x)| {
        image
            .slice(s![
                y * factor..(y + 1) * factor,
                x * factor..(x + 1) * factor
            ])
            .mean()
            .unwrap_or(0.0)
    })
}

/// The shift within `reach` of `centre` with the smallest mean absolute difference over the
/// overlap of the two images; ties go to the smallest shift, so a still picture gives (0, 0).
fn best_shift(
    before: &Array2<f32>,
    after: &Array2<f32>,
    centre: (isize, isize),
    reach_x: isize,
    reach_y: isize,
) -> (isize, isize) {
    let mut best = ((0, 0), f32::INFINITY);
    for dy in centre.1 - reach_y..=centre.1 + reach_y {
        for dx in centre.0 - reach_x..=centre.0 + reach_x {
            let Some(difference) = difference_at(before, after, (dx, dy)) else {
                continue;
            };
            let magnitude = |(x, y): (isize, isize)| x.abs() + y.abs();
            if difference < best.1
                || (difference == best.1 && magnitude((dx, dy)) < magnitude(best.0))
            {
                best = ((dx, dy), difference);
            }
        }
    }
    best.0
}

/// Mean absolute difference between `after` and `before` moved by (dx, dy), over their
/// overlap; `None` when they overlap too little to tell.
fn difference_at(
    before: &Array2<f32>,
    after: &Array2<f32>,
    (dx, dy): (isize, isize),
) -> Option<f32> {
    let (h, w) = (before.nrows() as isize, before.ncols() as isize);
    let (x0, x1) = (dx.max(0), (w + dx).min(w));
    let (y0, y1) = (dy.max(0), (h + dy).min(h));
    let overlap = ((x1 - x0).max(0) * (y1 - y0).max(0)) as f32;
    if overlap < MIN_OVERLAP * (w * h) as f32 {
        return None;
    }
    let moved = after.slice(s![y0..y1, x0..x1]);
    let original = before.slice(s![y0 - dy..y1 - dy, x0 - dx..x1 - dx]);
    (&moved - &original).mapv(f32::abs).mean()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A smooth but textured test picture, `width` × `height`, sampled from a larger plane at an
    /// offset, so that two windows at different offsets are the same scene moved.
    fn window(offset_x: isize, offset_y: isize, width: usize, height: usize) -> Picture {
        let rgb = Array3::from_shape_fn((3, height, width), |(c, y, x)| {
            let (x, y) = (
                (x as isize + offset_x) as f32,
                (y as isize + offset_y) as f32,
            );
            0.5 + 0.25 * ((x * 0.21 + c as f32).sin() * (y * 0.13).cos())
                + 0.2 * ((x * 0.047 - y * 0.061).sin())
        });
        Picture { rgb, alpha: None }
    }

    #[test]
    fn finds_the_shift_of_a_pan() {
        // The camera moves right and up: the content moves left and down in the frame.
        for (camera_x, camera_y) in [(4, 0), (-7, 3), (0, -5), (13, 9)] {
            let previous = window(100, 100, 320, 180);
            let current = window(100 + camera_x, 100 + camera_y, 320, 180);
            assert_eq!(estimate_shift(&previous, &current), (-camera_x, -camera_y));
        }
    }

    /// `picture` with uniform noise of amplitude ±`amplitude` (camera grain), from `seed`.
    fn grainy(picture: &Picture, amplitude: f32, seed: u64) -> Picture {
        let mut state = seed;
        let rgb = picture.rgb.mapv(|value| {
            // A linear congruential generator: deterministic grain without a dependency.
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let unit = (state >> 40) as f32 / (1u64 << 24) as f32;
            value + amplitude * (2.0 * unit - 1.0)
        });
        picture.with_rgb(rgb)
    }

    #[test]
    fn a_still_picture_has_no_motion() {
        let frame = window(0, 0, 200, 120);
        assert_eq!(estimate_shift(&frame, &frame), (0, 0));
    }

    #[test]
    fn grain_on_a_still_shot_is_not_motion() {
        let flat = Picture {
            rgb: Array3::from_elem((3, 120, 200), 0.5),
            alpha: None,
        };
        for (picture, name) in [(window(0, 0, 200, 120), "textured"), (flat, "flat")] {
            for seed in 1..6 {
                let (before, after) = (
                    grainy(&picture, 0.05, seed),
                    grainy(&picture, 0.05, seed + 100),
                );
                assert_eq!(
                    estimate_shift(&before, &after),
                    (0, 0),
                    "{name}, seed {seed}"
                );
            }
        }
    }

    #[test]
    fn a_pan_under_grain_is_still_found() {
        let (before, after) = (window(50, 50, 200, 120), window(53, 50, 200, 120));
        assert_eq!(
            estimate_shift(&grainy(&before, 0.05, 1), &grainy(&after, 0.05, 2)),
            (-3, 0)
        );
    }

    #[test]
    fn shifting_moves_pixels_and_fills_the_uncovered_edge() {
        let picture = window(0, 0, 40, 30);
        let fill = Picture {
            rgb: Array3::zeros((3, 30, 40)),
            alpha: None,
        };
        let moved = shifted(&picture, (3, -2), &fill);
        assert_eq!(moved.rgb[[1, 10, 13]], picture.rgb[[1, 12, 10]]);
        assert_eq!(
            moved.rgb[[0, 5, 1]],
            0.0,
            "uncovered columns come from the fill"
        );
        assert_eq!(
            moved.rgb[[2, 29, 20]],
            0.0,
            "uncovered rows come from the fill"
        );
    }
}
