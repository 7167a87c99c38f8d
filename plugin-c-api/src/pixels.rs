//! Caller-owned image buffers to and from the engine's pictures. Every description is checked
//! in full — struct, format, sides, stride, the span of memory it covers — when a call starts,
//! before any work, so that a bad one is an error rather than a crash after a long run.

use ndarray::{Array2, Array3};
use pastiche_core::Picture;

use crate::boundary::Failure;
use crate::types::*;
use crate::versioned;

/// Sides and pixel counts beyond these are refused as absurd before touching memory.
pub const MAX_SIDE: u32 = 32768;
pub const MAX_PIXELS: u64 = 150_000_000;
/// The widest row of the widest format: a stride beyond it cannot belong to any image (a
/// "negative" stride cast to size_t lands far above it).
pub const MAX_STRIDE: usize = MAX_SIDE as usize * 16;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    Rgba8,
    Rgb8,
    Rgba32f,
    Bgra8,
}

impl Format {
    fn bytes_per_pixel(self) -> usize {
        match self {
            Format::Rgb8 => 3,
            Format::Rgba8 | Format::Bgra8 => 4,
            Format::Rgba32f => 16,
        }
    }

    fn has_alpha(self) -> bool {
        self != Format::Rgb8
    }

    /// Where R, G, B and A sit within a pixel, in channel units.
    fn channel_order(self) -> [usize; 4] {
        match self {
            Format::Bgra8 => [2, 1, 0, 3],
            _ => [0, 1, 2, 3],
        }
    }
}

/// A checked image description.
#[derive(Debug, Clone, Copy)]
pub struct Image {
    pixels: *mut u8,
    stride: usize,
    width: usize,
    height: usize,
    format: Format,
    premultiplied: bool,
}

impl Image {
    /// The bytes of row `y`.
    ///
    /// # Safety
    /// The description must be the caller's, whose rows it covers, untouched by others during the call.
    unsafe fn row<'a>(&self, y: usize) -> &'a mut [u8] {
        // SAFETY: describe() checked that every row lies inside the span the caller described.
        unsafe {
            std::slice::from_raw_parts_mut(
                self.pixels.add(y * self.stride),
                self.width * self.format.bytes_per_pixel(),
            )
        }
    }
}

/// Reads and checks a caller's image description (not its pixels).
///
/// # Safety
/// A non-null `image` must point to a readable `pastiche_image` of its `struct_size`.
pub unsafe fn describe(image: *const pastiche_image, name: &str) -> Result<Image, Failure> {
    let defaults = pastiche_image {
        struct_size: 0,
        pixels: std::ptr::null_mut(),
        stride: 0,
        width: 0,
        height: 0,
        format: PASTICHE_PIXEL_RGBA8,
        alpha: PASTICHE_ALPHA_STRAIGHT,
    };
    // SAFETY: forwarded.
    let image = unsafe { versioned::read(image, defaults, name) }?;
    let format = match image.format {
        PASTICHE_PIXEL_RGBA8 => Format::Rgba8,
        PASTICHE_PIXEL_RGB8 => Format::Rgb8,
        PASTICHE_PIXEL_RGBA32F => Format::Rgba32f,
        PASTICHE_PIXEL_BGRA8 => Format::Bgra8,
        other => {
            return Err(Failure::invalid(format!(
                "{name}.format {other} is not a pastiche_pixel_format"
            )))
        }
    };
    let premultiplied = match image.alpha {
        PASTICHE_ALPHA_STRAIGHT => false,
        PASTICHE_ALPHA_PREMULTIPLIED => format.has_alpha(),
        other => {
            return Err(Failure::invalid(format!(
                "{name}.alpha {other} is not a pastiche_alpha_mode"
            )))
        }
    };
    if image.pixels.is_null() {
        return Err(Failure::invalid(format!("{name}.pixels is NULL")));
    }
    let (w, h) = (image.width, image.height);
    if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE || w as u64 * h as u64 > MAX_PIXELS {
        return Err(Failure::invalid(format!(
            "{name} is {w}x{h}; sides must be 1..={MAX_SIDE} and at most {MAX_PIXELS} pixels"
        )));
    }
    let row_bytes = w as usize * format.bytes_per_pixel();
    if image.stride < row_bytes || image.stride > MAX_STRIDE {
        return Err(Failure::invalid(format!(
            "{name}.stride {} is outside {row_bytes}..={MAX_STRIDE} bytes (width {w} × {} bytes \
             per pixel, up to the widest image's row; rows run top to bottom)",
            image.stride,
            format.bytes_per_pixel()
        )));
    }
    // Bounded by MAX_STRIDE × MAX_SIDE (16 GiB), so no overflow; the span must not wrap around
    // the address space either.
    let span = image.stride * (h as usize - 1) + row_bytes;
    if (image.pixels as usize).checked_add(span).is_none() {
        return Err(Failure::invalid(format!(
            "{name}: {span} bytes from {:p} run past the end of the address space",
            image.pixels
        )));
    }
    Ok(Image {
        pixels: image.pixels.cast(),
        stride: image.stride,
        width: w as usize,
        height: h as usize,
        format,
        premultiplied,
    })
}

/// Reads a caller's image.
///
/// # Safety
/// `image` must describe `height` rows of `stride` readable bytes at `pixels`.
pub unsafe fn read(image: &Image, name: &str) -> Result<Picture, Failure> {
    let (w, h) = (image.width, image.height);
    let bpp = image.format.bytes_per_pixel();
    let order = image.format.channel_order();
    let mut rgb = Array3::zeros((3, h, w));
    let mut alpha = image.format.has_alpha().then(|| Array2::zeros((h, w)));
    for y in 0..h {
        // SAFETY: forwarded from the caller.
        let bytes = unsafe { image.row(y) };
        for x in 0..w {
            let pixel = &bytes[x * bpp..(x + 1) * bpp];
            let channel = |c: usize| -> Result<f32, Failure> {
                let c = order[c];
                match image.format {
                    Format::Rgba32f => {
                        let value = f32::from_ne_bytes(
                            pixel[c * 4..c * 4 + 4].try_into().expect("4 bytes"),
                        );
                        if value.is_finite() {
                            Ok(value.clamp(0.0, 1.0))
                        } else {
                            Err(Failure::invalid(format!(
                                "{name} has a {value} at pixel ({x}, {y}); values must be finite"
                            )))
                        }
                    }
                    _ => Ok(pixel[c] as f32 / 255.0),
                }
            };
            let a = match alpha.as_mut() {
                Some(alpha) => {
                    alpha[[y, x]] = channel(3)?;
                    alpha[[y, x]]
                }
                None => 1.0,
            };
            for c in 0..3 {
                let value = channel(c)?;
                rgb[[c, y, x]] = match (image.premultiplied, a > 0.0) {
                    (false, _) => value,
                    (true, true) => (value / a).min(1.0),
                    (true, false) => 0.0,
                };
            }
        }
    }
    Ok(Picture { rgb, alpha })
}

/// Writes `picture`, resampled to the output's size, into the caller's buffer, with the alpha of
/// `content` (the caller's input).
///
/// # Safety
/// `image` must describe `height` rows of `stride` writable bytes at `pixels`.
pub unsafe fn write(picture: &Picture, content: &Picture, image: &Image) {
    let (w, h) = (image.width, image.height);
    let bpp = image.format.bytes_per_pixel();
    let order = image.format.channel_order();
    let mut picture = picture.resized(w, h);
    // The result's alpha went down to the working size and back; the content's own alpha keeps
    // the edges of transparent areas exact (bit for bit when the output has the content's size).
    picture.alpha = match content.alpha {
        Some(_) => content.resized(w, h).alpha,
        None => None,
    };
    let to_byte = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    let channels = if image.format.has_alpha() { 4 } else { 3 };
    for y in 0..h {
        // SAFETY: forwarded from the caller.
        let bytes = unsafe { image.row(y) };
        for x in 0..w {
            let alpha = picture.alpha.as_ref().map_or(1.0, |a| a[[y, x]]);
            let colour = if image.premultiplied { alpha } else { 1.0 };
            let values = [
                picture.rgb[[0, y, x]] * colour,
                picture.rgb[[1, y, x]] * colour,
                picture.rgb[[2, y, x]] * colour,
                alpha,
            ];
            let pixel = &mut bytes[x * bpp..(x + 1) * bpp];
            for (c, value) in values.iter().enumerate().take(channels) {
                let at = order[c];
                match image.format {
                    Format::Rgba32f => {
                        pixel[at * 4..at * 4 + 4].copy_from_slice(&value.to_ne_bytes())
                    }
                    _ => pixel[at] = to_byte(*value),
                }
            }
        }
    }
}
