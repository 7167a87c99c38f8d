//! Colour preservation (Gatys et al. 2017, "Controlling Perceptual Factors in Neural Style
//! Transfer"): keep the content's colours either by transferring only luminance, or by matching
//! the style image's colour distribution to the content's before the style is measured.

use ndarray::{Array3, Axis};

/// RGB → YIQ (NTSC); Y is luminance, I and Q carry colour.
const TO_YIQ: [[f32; 3]; 3] = [
    [0.299, 0.587, 0.114],
    [0.596, -0.274, -0.322],
    [0.211, -0.523, 0.312],
];
const FROM_YIQ: [[f32; 3]; 3] = [
    [1.0, 0.956, 0.621],
    [1.0, -0.272, -0.647],
    [1.0, -1.106, 1.703],
];

fn transform(m: &[[f32; 3]; 3], rgb: [f32; 3]) -> [f32; 3] {
    std::array::from_fn(|r| m[r][0] * rgb[0] + m[r][1] * rgb[1] + m[r][2] * rgb[2])
}

fn pixel(planes: &Array3<f32>, y: usize, x: usize) -> [f32; 3] {
    [planes[[0, y, x]], planes[[1, y, x]], planes[[2, y, x]]]
}

/// The stylised luminance with the content's colour (I and Q), same size images.
pub fn luminance_transfer(stylised: &Array3<f32>, content: &Array3<f32>) -> Array3<f32> {
    assert_eq!(stylised.shape(), content.shape());
    let mut out = Array3::zeros(stylised.raw_dim());
    for y in 0..stylised.shape()[1] {
        for x in 0..stylised.shape()[2] {
            let luminance = transform(&TO_YIQ, pixel(stylised, y, x))[0];
            let colour = transform(&TO_YIQ, pixel(content, y, x));
            let rgb = transform(&FROM_YIQ, [luminance, colour[1], colour[2]]);
            for c in 0..3 {
                out[[c, y, x]] = rgb[c].clamp(0.0, 1.0);
            }
        }
    }
    out
}

/// Mean and covariance of the RGB values.
fn statistics(planes: &Array3<f32>) -> ([f64; 3], [[f64; 3]; 3]) {
    let flat = planes
        .view()
        .into_shape_with_order((3, planes.len() / 3))
        .expect("contiguous planes");
    let n = flat.len_of(Axis(1)) as f64;
    let mean: [f64; 3] =
        std::array::from_fn(|c| flat.row(c).iter().map(|v| *v as f64).sum::<f64>() / n);
    let mut covariance = [[0.0; 3]; 3];
    for i in 0..3 {
        for j in 0..3 {
            covariance[i][j] = flat
                .row(i)
                .iter()
                .zip(flat.row(j))
                .map(|(a, b)| (*a as f64 - mean[i]) * (*b as f64 - mean[j]))
                .sum::<f64>()
                / n;
        }
        covariance[i][i] += 1e-5; // flat images have a singular covariance
    }
    (mean, covariance)
}

/// Lower-triangular L with L Lᵀ = m (m symmetric positive definite).
fn cholesky(m: &[[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let mut l = [[0.0; 3]; 3];
    for i in 0..3 {
        for j in 0..=i {
            let sum: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            l[i][j] = if i == j {
                (m[i][i] - sum).max(1e-12).sqrt()
            } else {
                (m[i][j] - sum) / l[j][j]
            };
        }
    }
    l
}

#[allow(clippy::needless_range_loop)] // index arithmetic mirrors the textbook recurrence
fn invert_lower(l: &[[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let mut inv = [[0.0; 3]; 3];
    for i in 0..3 {
        inv[i][i] = 1.0 / l[i][i];
        for j in (0..i).rev() {
            let sum: f64 = (j..i).map(|k| l[i][k] * inv[k][j]).sum();
            inv[i][j] = -sum / l[i][i];
        }
    }
    inv
}

/// The style image recoloured so that its RGB mean and covariance equal the content's:
/// `x' = L_c L_s⁻¹ (x − μ_s) + μ_c` with Cholesky factors L of the covariances.
pub fn match_colour_histogram(style: &Array3<f32>, content: &Array3<f32>) -> Array3<f32> {
    let (style_mean, style_cov) = statistics(style);
    let (content_mean, content_cov) = statistics(content);
    let (lc, ls_inv) = (cholesky(&content_cov), invert_lower(&cholesky(&style_cov)));
    let m: [[f64; 3]; 3] = std::array::from_fn(|i| {
        std::array::from_fn(|j| (0..3).map(|k| lc[i][k] * ls_inv[k][j]).sum())
    });
    let mut out = Array3::zeros(style.raw_dim());
    for y in 0..style.shape()[1] {
        for x in 0..style.shape()[2] {
            let centred: [f64; 3] =
                std::array::from_fn(|c| style[[c, y, x]] as f64 - style_mean[c]);
            for c in 0..3 {
                let v = (0..3).map(|k| m[c][k] * centred[k]).sum::<f64>() + content_mean[c];
                out[[c, y, x]] = (v as f32).clamp(0.0, 1.0);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient_image(tint: [f32; 3], contrast: f32) -> Array3<f32> {
        Array3::from_shape_fn((3, 16, 24), |(c, y, x)| {
            (tint[c] + contrast * ((x as f32 * 0.3 + c as f32).sin() * (y as f32 * 0.2).cos()))
                .clamp(0.0, 1.0)
        })
    }

    #[test]
    fn luminance_transfer_keeps_content_colour_and_stylised_brightness() {
        let content = gradient_image([0.7, 0.3, 0.2], 0.1);
        let stylised = gradient_image([0.2, 0.3, 0.8], 0.2);
        let out = luminance_transfer(&stylised, &content);
        let y = |p: [f32; 3]| transform(&TO_YIQ, p);
        let (o, s, c) = (
            y(pixel(&out, 5, 7)),
            y(pixel(&stylised, 5, 7)),
            y(pixel(&content, 5, 7)),
        );
        assert!((o[0] - s[0]).abs() < 1e-2, "luminance {o:?} vs {s:?}");
        assert!(
            (o[1] - c[1]).abs() < 2e-2 && (o[2] - c[2]).abs() < 2e-2,
            "colour {o:?} vs {c:?}"
        );
    }

    #[test]
    fn histogram_matching_gives_the_content_statistics() {
        let content = gradient_image([0.6, 0.5, 0.3], 0.15);
        let style = gradient_image([0.2, 0.4, 0.7], 0.25);
        let matched = match_colour_histogram(&style, &content);
        let (mean, cov) = statistics(&matched);
        let (target_mean, target_cov) = statistics(&content);
        for i in 0..3 {
            assert!((mean[i] - target_mean[i]).abs() < 1e-3);
            for j in 0..3 {
                assert!(
                    (cov[i][j] - target_cov[i][j]).abs() < 1e-3,
                    "{cov:?} vs {target_cov:?}"
                );
            }
        }
    }
}
