//! Backward warping: a picture moved along a displacement field by bilinear sampling.

use ndarray::{Array2, Array3};

use crate::flow::Flow;

/// `field` at the real position (x, y), bilinear; `None` outside the pixel centres' hull
/// (half a pixel of tolerance at the edges, which are clamped).
pub fn sample(field: &Array2<f32>, x: f32, y: f32) -> Option<f32> {
    let (h, w) = field.dim();
    let (x, y) = (position(x, w)?, position(y, h)?);
    let (x0, y0) = (x.floor() as usize, y.floor() as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let top = field[[y0, x0]] * (1.0 - fx) + field[[y0, x1]] * fx;
    let bottom = field[[y1, x0]] * (1.0 - fx) + field[[y1, x1]] * fx;
    Some(top * (1.0 - fy) + bottom * fy)
}

/// A coordinate along a side of `length` pixels, clamped within half a pixel of the edges.
fn position(value: f32, length: usize) -> Option<f32> {
    let last = (length - 1) as f32;
    (value.is_finite() && (-0.5..=last + 0.5).contains(&value)).then(|| value.clamp(0.0, last))
}

/// `rgb` (3 × h × w) warped along `flow`: `out(x) = rgb(x + flow(x))`, bilinear. Also returns
/// which pixels landed inside the picture; the others are 0.
pub fn warp(rgb: &Array3<f32>, flow: &Flow) -> (Array3<f32>, Array2<bool>) {
    let (h, w) = flow.dim();
    assert_eq!(
        (rgb.shape()[1], rgb.shape()[2]),
        (h, w),
        "flow of the picture's size"
    );
    let mut out = Array3::zeros((3, h, w));
    let mut inside = Array2::from_elem((h, w), false);
    for y in 0..h {
        for x in 0..w {
            let (px, py) = (x as f32 + flow.dx[[y, x]], y as f32 + flow.dy[[y, x]]);
            let (Some(px), Some(py)) = (position(px, w), position(py, h)) else {
                continue;
            };
            let (x0, y0) = (px.floor() as usize, py.floor() as usize);
            let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
            let (fx, fy) = (px - x0 as f32, py - y0 as f32);
            for c in 0..3 {
                let top = rgb[[c, y0, x0]] * (1.0 - fx) + rgb[[c, y0, x1]] * fx;
                let bottom = rgb[[c, y1, x0]] * (1.0 - fx) + rgb[[c, y1, x1]] * fx;
                out[[c, y, x]] = top * (1.0 - fy) + bottom * fy;
            }
            inside[[y, x]] = true;
        }
    }
    (out, inside)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_pixel_shifts_move_pixels_exactly_and_mark_the_uncovered_edge() {
        let rgb = Array3::from_shape_fn((3, 6, 8), |(c, y, x)| (c * 100 + y * 10 + x) as f32);
        let mut flow = Flow::zero(6, 8);
        flow.dx.fill(2.0);
        flow.dy.fill(-1.0);
        let (out, inside) = warp(&rgb, &flow);
        assert_eq!(out[[1, 3, 2]], rgb[[1, 2, 4]]);
        assert!(inside[[3, 5]] && !inside[[3, 7]] && !inside[[0, 0]]);
    }

    #[test]
    fn sampling_between_pixels_interpolates() {
        let field = Array2::from_shape_fn((4, 4), |(y, x)| (10 * y + x) as f32);
        assert_eq!(sample(&field, 1.5, 2.0), Some(21.5));
        assert_eq!(sample(&field, 0.25, 0.5), Some(5.25));
        assert_eq!(sample(&field, -0.4, 0.0), Some(0.0), "clamped at the edge");
        assert_eq!(sample(&field, 4.0, 0.0), None);
    }
}
