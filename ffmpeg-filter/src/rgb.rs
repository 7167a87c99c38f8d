//! Frames as the pipeline passes them between threads: tightly packed RGB, 3 bytes a pixel.

/// An RGB8 picture whose rows are exactly `3 * width` bytes apart.
#[derive(Debug, Clone, PartialEq)]
pub struct RgbImage {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl RgbImage {
    pub fn black(width: u32, height: u32) -> RgbImage {
        RgbImage {
            width,
            height,
            pixels: vec![0; Self::byte_len(width, height)],
        }
    }

    pub fn byte_len(width: u32, height: u32) -> usize {
        width as usize * height as usize * 3
    }

    pub fn row_len(&self) -> usize {
        self.width as usize * 3
    }

    /// Copies a picture whose rows are `stride` bytes apart (FFmpeg pads rows for alignment).
    pub fn from_padded(width: u32, height: u32, data: &[u8], stride: usize) -> RgbImage {
        let row = width as usize * 3;
        let mut pixels = Vec::with_capacity(row * height as usize);
        for y in 0..height as usize {
            pixels.extend_from_slice(&data[y * stride..y * stride + row]);
        }
        RgbImage {
            width,
            height,
            pixels,
        }
    }

    /// Writes the picture into rows `stride` bytes apart.
    pub fn copy_to_padded(&self, data: &mut [u8], stride: usize) {
        let row = self.row_len();
        for (y, source) in self.pixels.chunks_exact(row).enumerate() {
            data[y * stride..y * stride + row].copy_from_slice(source);
        }
    }

    /// The picture enlarged to `width` × `height` (at least its own size) by repeating its last
    /// column and row.
    pub fn extended(&self, width: u32, height: u32) -> RgbImage {
        assert!(
            width >= self.width && height >= self.height,
            "only enlarges"
        );
        let row = self.row_len();
        let mut pixels = Vec::with_capacity(Self::byte_len(width, height));
        for source in self.pixels.chunks_exact(row) {
            pixels.extend_from_slice(source);
            let last = &source[row - 3..];
            for _ in self.width..width {
                pixels.extend_from_slice(last);
            }
        }
        let extended_row = width as usize * 3;
        for _ in self.height..height {
            pixels.extend_from_within(pixels.len() - extended_row..);
        }
        RgbImage {
            width,
            height,
            pixels,
        }
    }

    /// Mean absolute difference of the two pictures' samples, from 0 (equal) to 1.
    pub fn mean_absolute_difference(&self, other: &RgbImage) -> f64 {
        assert_eq!(
            (self.width, self.height),
            (other.width, other.height),
            "pictures of different sizes"
        );
        let sum: u64 = self
            .pixels
            .iter()
            .zip(&other.pixels)
            .map(|(&a, &b)| u64::from(a.abs_diff(b)))
            .sum();
        sum as f64 / (self.pixels.len().max(1) as f64 * 255.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_rows_round_trip() {
        let picture = RgbImage {
            width: 2,
            height: 2,
            pixels: (1..=12).collect(),
        };
        let mut padded = vec![0; 16];
        picture.copy_to_padded(&mut padded, 8);
        assert_eq!(padded, [1, 2, 3, 4, 5, 6, 0, 0, 7, 8, 9, 10, 11, 12, 0, 0]);
        assert_eq!(RgbImage::from_padded(2, 2, &padded, 8), picture);
    }

    #[test]
    fn extending_repeats_the_last_column_and_row() {
        let picture = RgbImage {
            width: 2,
            height: 1,
            pixels: vec![1, 2, 3, 4, 5, 6],
        };
        let extended = picture.extended(3, 2);
        assert_eq!((extended.width, extended.height), (3, 2));
        let row = [1, 2, 3, 4, 5, 6, 4, 5, 6];
        assert_eq!(extended.pixels, [row, row].concat());
        assert_eq!(picture.extended(2, 1), picture);
    }

    #[test]
    fn mean_absolute_difference_is_zero_for_equal_and_one_for_opposite_pictures() {
        let black = RgbImage::black(4, 3);
        let mut white = black.clone();
        white.pixels.fill(255);
        assert_eq!(black.mean_absolute_difference(&black), 0.0);
        assert_eq!(black.mean_absolute_difference(&white), 1.0);
    }
}
