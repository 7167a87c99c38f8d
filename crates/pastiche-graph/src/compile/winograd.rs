//! 3×3 convolutions (stride 1, padding 1) as Winograd's minimal filtering F(4×4, 3×3)
//! (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR 2016), written out
//! in standard ONNX ops.
//!
//! A direct convolution spends 9·C·K multiply-adds per output pixel; F(4×4, 3×3) transforms
//! each 6×6 input tile and each 3×3 kernel into 36 values, multiplies them as 36 matrix
//! products (`U[ij] · V[ij]`, C·K each per 16 output pixels: 2.25·C·K per pixel, a quarter of
//! the direct count) and transforms the products back to a 4×4 output tile. The transforms
//! move data rather than compute, so the saving shows only where channels are many and the
//! planes small: ONNX Runtime's CPU `Conv` already runs near the cores' peak, and this form
//! took 0.44–0.71× its time for the 256–512-channel layers of a 512 px picture, but about as
//! long or longer with 128 channels or fewer (docs/benchmarks.md, `bench/winograd_layers.py`).
//! [`worthwhile`] encodes that measurement.

use crate::builder::GraphBuilder;
use crate::onnx::{attr_int, attr_ints, attr_string};

/// Bᵀ: 6×6 input tile → 36 transformed values, one row per output (interpolation points
/// 0, ±1, ±2 and ∞).
const BT: [[f32; 6]; 6] = [
    [4.0, 0.0, -5.0, 0.0, 1.0, 0.0],
    [0.0, -4.0, -4.0, 1.0, 1.0, 0.0],
    [0.0, 4.0, -4.0, -1.0, 1.0, 0.0],
    [0.0, -2.0, -1.0, 2.0, 1.0, 0.0],
    [0.0, 2.0, -1.0, -2.0, 1.0, 0.0],
    [0.0, 4.0, 0.0, -5.0, 0.0, 1.0],
];

/// G: 3 kernel taps → 6 transformed taps.
const G: [[f32; 3]; 6] = [
    [1.0 / 4.0, 0.0, 0.0],
    [-1.0 / 6.0, -1.0 / 6.0, -1.0 / 6.0],
    [-1.0 / 6.0, 1.0 / 6.0, -1.0 / 6.0],
    [1.0 / 24.0, 1.0 / 12.0, 1.0 / 6.0],
    [1.0 / 24.0, -1.0 / 12.0, 1.0 / 6.0],
    [0.0, 0.0, 1.0],
];

/// Aᵀ: 6 products → 4 outputs.
const AT: [[f32; 6]; 4] = [
    [1.0, 1.0, 1.0, 1.0, 1.0, 0.0],
    [0.0, 1.0, -1.0, 2.0, -2.0, 0.0],
    [0.0, 1.0, 1.0, 4.0, 4.0, 0.0],
    [0.0, 1.0, -1.0, 8.0, -8.0, 1.0],
];

/// Whether the Winograd form beats ONNX Runtime's CPU `Conv` for a layer with these channel
/// counts: measured 0.44–0.71× the time with 256–512 channels on one side and at least 128 on
/// the other (0.53–0.95× at a 1024 px picture's larger planes), 0.94–1.13× with 128 on both
/// sides, 2× with 64.
pub(super) fn worthwhile(in_channels: usize, out_channels: usize) -> bool {
    in_channels.min(out_channels) >= 128 && in_channels.max(out_channels) >= 256
}

/// `Conv(x, weight)` with a 3×3 kernel, stride 1 and padding 1, without bias: `x` is
/// `[1, C, H, W]` of any height and width, `weight` `[K, C, 3, 3]` (an initializer or a value
/// ONNX Runtime folds to a constant at load).
pub(super) fn conv3x3(
    b: &mut GraphBuilder,
    x: &str,
    weight: &str,
    in_channels: usize,
    out_channels: usize,
    name: &str,
) -> String {
    let (c, k) = (in_channels as i64, out_channels as i64);
    let kernels = kernel_transform(b, weight, c, k, name);

    // Input transform as a one-channel convolution over every channel's plane: each of its 36
    // 6×6 kernels is one Bᵀ row ⊗ one Bᵀ row, applied at stride 4. Padding 1 before and 4
    // after gives ⌈H/4⌉ × ⌈W/4⌉ tiles for any H, W; the extra output rows are cropped below.
    let planes_shape = b.const_i64(&[4], &[c, 1, 0, 0]);
    let planes = b.op(
        "Reshape",
        &[x, &planes_shape],
        vec![],
        &format!("{name}_planes"),
    );
    let input_kernels = b.const_f32(&[36, 1, 6, 6], &outer(&BT, &BT));
    let attrs = vec![
        attr_ints("kernel_shape", &[6, 6]),
        attr_ints("strides", &[4, 4]),
        attr_ints("pads", &[1, 1, 4, 4]),
    ];
    let tiles = b.op(
        "Conv",
        &[&planes, &input_kernels],
        attrs,
        &format!("{name}_tiles"),
    ); // [C, 36, Th, Tw]
    let tile_grid = b.plane_size(&tiles, &format!("{name}_tile_grid"));
    let by_channel_shape = b.const_i64(&[4], &[1, c, 36, -1]);
    let by_channel = b.op(
        "Reshape",
        &[&tiles, &by_channel_shape],
        vec![],
        "tiles_flat",
    );
    let by_point = b.op(
        "Transpose",
        &[&by_channel],
        vec![attr_ints("perm", &[0, 2, 1, 3])],
        "tiles_by_point",
    ); // [1, 36, C, T]

    // The 36 products: one [K, C] × [C, T] matrix product per transform point.
    let products = b.op(
        "MatMul",
        &[&kernels, &by_point],
        vec![],
        &format!("{name}_products"),
    ); // [1, 36, K, T]

    // Output transform: Aᵀ ⊗ Aᵀ maps each tile's 36 products to its 4×4 outputs. The result,
    // `[16, K, T]`, is already DepthToSpace's DCR layout (channel = offset · K + kernel), so
    // the pixels are laid out without a transpose first.
    let rows_shape = b.const_i64(&[2], &[36, -1]);
    let rows = b.op(
        "Reshape",
        &[&products, &rows_shape],
        vec![],
        "products_rows",
    );
    let output_matrix = b.const_f32(&[16, 36], &outer(&AT, &AT));
    let outputs = b.op(
        "MatMul",
        &[&output_matrix, &rows],
        vec![],
        &format!("{name}_outputs"),
    ); // [16, K·T]
    let blocks_lead = b.const_i64(&[2], &[1, 16 * k]);
    let blocks_shape = b.op(
        "Concat",
        &[&blocks_lead, &tile_grid],
        vec![attr_int("axis", 0)],
        "blocks_shape",
    );
    let blocks = b.op("Reshape", &[&outputs, &blocks_shape], vec![], "blocks");
    let attrs = vec![attr_int("blocksize", 4), attr_string("mode", "DCR")];
    let tiled = b.op("DepthToSpace", &[&blocks], attrs, &format!("{name}_tiled")); // [1, K, 4·Th, 4·Tw]

    let size = b.plane_size(x, &format!("{name}_size"));
    let origin = b.const_i64(&[2], &[0, 0]);
    let axes = b.const_i64(&[2], &[2, 3]);
    b.op(
        "Slice",
        &[&tiled, &origin, &size, &axes],
        vec![],
        &format!("{name}_winograd"),
    )
}

/// `U[ij] = (G w Gᵀ)[i, j]` for every kernel, as `[36, K, C]`: one matrix product of the
/// weights as `[K·C, 9]` rows by `Gᵀ ⊗ Gᵀ` (9 × 36). Computed in the graph from the weight so
/// the file holds only the network's own weights; ONNX Runtime folds it at load.
fn kernel_transform(b: &mut GraphBuilder, weight: &str, c: i64, k: i64, name: &str) -> String {
    let rows_shape = b.const_i64(&[2], &[k * c, 9]);
    let rows = b.op("Reshape", &[weight, &rows_shape], vec![], "kernel_rows");
    let g_transposed = transpose(&G);
    let kernel_matrix = b.const_f32(&[9, 36], &outer(&g_transposed, &g_transposed));
    let transformed = b.op(
        "MatMul",
        &[&rows, &kernel_matrix],
        vec![],
        &format!("{name}_gwg"),
    ); // [K·C, 36]
    let flat_shape = b.const_i64(&[3], &[k, c, 36]);
    let flat = b.op(
        "Reshape",
        &[&transformed, &flat_shape],
        vec![],
        "kernels_flat",
    );
    b.op(
        "Transpose",
        &[&flat],
        vec![attr_ints("perm", &[2, 0, 1])],
        &format!("{name}_kernels"),
    )
}

/// `(a ⊗ b)[(i, j), (p, q)] = a[i][p] · b[j][q]`, row-major: the 2-D transform of a tile is
/// the 1-D transform applied along rows and along columns.
fn outer<const R: usize, const N: usize>(a: &[[f32; N]; R], b: &[[f32; N]; R]) -> Vec<f32> {
    let mut values = Vec::with_capacity(R * R * N * N);
    for row_i in a {
        for row_j in b {
            for &p in row_i {
                for &q in row_j {
                    values.push(p * q);
                }
            }
        }
    }
    values
}

fn transpose<const R: usize, const N: usize>(m: &[[f32; N]; R]) -> [[f32; R]; N] {
    std::array::from_fn(|n| std::array::from_fn(|r| m[r][n]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1-D F(4, 3) on one tile: Aᵀ[(G g) ⊙ (Bᵀ d)] equals the direct correlation.
    #[test]
    fn the_matrices_compute_a_correlation() {
        let d = [0.3f32, -1.2, 2.5, 0.7, -0.4, 1.9];
        let g = [0.5f32, -0.25, 2.0];
        let transformed_kernel: Vec<f32> = G
            .iter()
            .map(|row| row.iter().zip(g).map(|(a, b)| a * b).sum())
            .collect();
        let transformed_tile: Vec<f32> = BT
            .iter()
            .map(|row| row.iter().zip(d).map(|(a, b)| a * b).sum())
            .collect();
        for (out, row) in AT.iter().enumerate() {
            let winograd: f32 = row
                .iter()
                .zip(transformed_kernel.iter().zip(&transformed_tile))
                .map(|(a, (u, v))| a * u * v)
                .sum();
            let direct: f32 = (0..3).map(|t| d[out + t] * g[t]).sum();
            assert!(
                (winograd - direct).abs() < 1e-5,
                "{out}: {winograd} vs {direct}"
            );
        }
    }
}
