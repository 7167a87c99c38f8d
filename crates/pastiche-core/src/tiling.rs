//! Overlapping tiles for scales too large to optimise whole: where each tile lies, how tiles
//! are feathered together, and Gram matrices accumulated over tiles. Memory then depends on the
//! tile size, not on the picture.

use ndarray::{s, Array2, Array3, ArrayD};

/// Pixels neighbouring tiles share at each scale: enough for the optimisation of a tile to see
/// its neighbour's strokes, and for the feathered join to hide the border.
pub const OVERLAP: usize = 64;

/// A window of the picture at one scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tile {
    pub x: usize,
    pub y: usize,
    pub width: usize,
    pub height: usize,
}

/// Starts of windows of `tile` pixels covering `0..length`, neighbours overlapping by at least
/// `overlap`, spread evenly so no window is a sliver.
fn starts(length: usize, tile: usize, overlap: usize) -> Vec<usize> {
    if length <= tile {
        return vec![0];
    }
    let step = tile - overlap;
    let count = (length - overlap).div_ceil(step);
    let last = length - tile;
    (0..count).map(|i| i * last / (count - 1)).collect()
}

/// Tiles of at most `tile` × `tile` covering a `width` × `height` picture, row by row.
pub fn layout(width: usize, height: usize, tile: usize) -> Vec<Tile> {
    let overlap = OVERLAP.min(tile / 4);
    let (tile_w, tile_h) = (tile.min(width), tile.min(height));
    let mut tiles = Vec::new();
    for y in starts(height, tile_h, overlap) {
        for x in starts(width, tile_w, overlap) {
            tiles.push(Tile {
                x,
                y,
                width: tile_w,
                height: tile_h,
            });
        }
    }
    tiles
}

/// How much each pixel of `tile` counts where tiles overlap. On every side with a neighbour, the
/// outer quarter of the overlap counts for nothing (there the tile's optimisation saw a mirrored
/// border, not the picture), then the weight rises linearly over half the overlap to 1. Summed
/// over the tiles and divided out, it cross-fades neighbours with no visible border.
pub fn feather(tile: &Tile, width: usize, height: usize) -> Array2<f32> {
    let ramp = |position: usize, length: usize, start: usize, total: usize| -> f32 {
        let overlap = OVERLAP.min(length / 4) as f32;
        let (margin, fade) = (overlap / 4.0, (overlap / 2.0).max(1.0));
        let rise = |distance: f32| ((distance + 0.5 - margin) / fade).clamp(0.0, 1.0);
        let from_start = if start > 0 {
            rise(position as f32)
        } else {
            1.0
        };
        let from_end = if start + length < total {
            rise((length - 1 - position) as f32)
        } else {
            1.0
        };
        from_start.min(from_end)
    };
    Array2::from_shape_fn((tile.height, tile.width), |(y, x)| {
        ramp(x, tile.width, tile.x, width) * ramp(y, tile.height, tile.y, height)
    })
}

/// Accumulates feathered tiles into a whole picture.
pub struct Canvas {
    sum: Array3<f32>,
    weight: Array2<f32>,
    /// What shows where no tile has been added yet.
    base: Array3<f32>,
}

impl Canvas {
    /// A canvas showing `base` (shape `[3, height, width]`) until tiles cover it.
    pub fn new(base: Array3<f32>) -> Canvas {
        let (h, w) = (base.shape()[1], base.shape()[2]);
        Canvas {
            sum: Array3::zeros((3, h, w)),
            weight: Array2::zeros((h, w)),
            base,
        }
    }

    /// The picture as it stands inside `tile`: the tiles added so far, cross-faded into the base
    /// where their weights fall below 1 — so that a tile starts from its neighbours' strokes with
    /// no edge where their coverage ends.
    pub fn region(&self, tile: &Tile) -> Array3<f32> {
        let rows = tile.y..tile.y + tile.height;
        let columns = tile.x..tile.x + tile.width;
        let weight = self.weight.slice(s![rows.clone(), columns.clone()]);
        let mut region = self
            .base
            .slice(s![.., rows.clone(), columns.clone()])
            .to_owned();
        let sum = self.sum.slice(s![.., rows, columns]);
        ndarray::Zip::from(region.lanes_mut(ndarray::Axis(0)))
            .and(sum.lanes(ndarray::Axis(0)))
            .and(&weight)
            .for_each(|mut pixel, summed, &w| {
                pixel.zip_mut_with(&summed, |p, &s| {
                    *p = if w >= 1.0 { s / w } else { s + (1.0 - w) * *p }
                });
            });
        region
    }

    /// Adds an optimised tile with its feather weights.
    pub fn add(&mut self, tile: &Tile, rgb: &Array3<f32>, feather: &Array2<f32>) {
        let window = s![tile.y..tile.y + tile.height, tile.x..tile.x + tile.width];
        let mut sum = self.sum.slice_mut(s![
            ..,
            tile.y..tile.y + tile.height,
            tile.x..tile.x + tile.width
        ]);
        for c in 0..3 {
            let mut plane = sum.index_axis_mut(ndarray::Axis(0), c);
            plane += &(&rgb.index_axis(ndarray::Axis(0), c) * feather);
        }
        let mut weight = self.weight.slice_mut(window);
        weight += feather;
    }

    /// The finished picture.
    pub fn into_rgb(self) -> Array3<f32> {
        let whole = crate::tiling::Tile {
            x: 0,
            y: 0,
            width: self.base.shape()[2],
            height: self.base.shape()[1],
        };
        self.region(&whole)
    }
}

/// Gram matrices of a picture too large to run whole, from its tiles: each tile's Gram matrix
/// (`F Fᵀ / M` over its M positions) weighted by its positions, so the sum is the whole
/// picture's `F Fᵀ / M` up to the receptive fields cut at tile borders. `tiles` holds each
/// tile's Gram matrices (one per style layer) and its pixel count.
pub fn combine_grams(tiles: Vec<(Vec<ArrayD<f32>>, usize)>) -> Vec<ArrayD<f32>> {
    let total: usize = tiles.iter().map(|(_, pixels)| pixels).sum();
    let mut combined: Vec<ArrayD<f32>> = Vec::new();
    for (grams, pixels) in tiles {
        let share = pixels as f32 / total as f32;
        for (i, gram) in grams.into_iter().enumerate() {
            match combined.get_mut(i) {
                Some(sum) => sum.scaled_add(share, &gram),
                None => combined.push(gram * share),
            }
        }
    }
    combined
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_cover_the_picture_with_overlaps_and_no_slivers() {
        for (width, height, tile) in [
            (1000, 700, 256),
            (513, 512, 512),
            (4096, 3072, 512),
            (90, 40, 64),
        ] {
            let tiles = layout(width, height, tile);
            let mut covered = Array2::<u8>::zeros((height, width));
            for t in &tiles {
                assert!(t.width <= tile && t.height <= tile);
                assert!(t.x + t.width <= width && t.y + t.height <= height);
                covered
                    .slice_mut(s![t.y..t.y + t.height, t.x..t.x + t.width])
                    .fill(1);
            }
            assert!(
                covered.iter().all(|&c| c == 1),
                "{width}x{height} not covered"
            );
            let xs: Vec<usize> = tiles.iter().filter(|t| t.y == 0).map(|t| t.x).collect();
            for pair in xs.windows(2) {
                let overlap = tiles[0].width - (pair[1] - pair[0]);
                assert!(
                    overlap >= OVERLAP.min(tile / 4),
                    "{width}: overlap {overlap}"
                );
            }
        }
        assert_eq!(layout(300, 200, 512).len(), 1);
    }

    #[test]
    fn feathered_tiles_of_one_picture_give_it_back() {
        let (width, height) = (300, 170);
        let picture = Array3::from_shape_fn((3, height, width), |(c, y, x)| {
            (c as f32 + y as f32 * 0.01 + x as f32 * 0.003).sin()
        });
        let mut canvas = Canvas::new(Array3::zeros((3, height, width)));
        for tile in layout(width, height, 128) {
            let part = picture
                .slice(s![
                    ..,
                    tile.y..tile.y + tile.height,
                    tile.x..tile.x + tile.width
                ])
                .to_owned();
            canvas.add(&tile, &part, &feather(&tile, width, height));
        }
        let joined = canvas.into_rgb();
        let error = (&joined - &picture)
            .mapv(f32::abs)
            .fold(0.0f32, |m, &v| m.max(v));
        assert!(error < 1e-5, "max error {error}");
    }
}
