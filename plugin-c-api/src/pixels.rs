//! Caller-owned image buffers to and from the engine's pictures.

use ndarray::{Array2, Array3};
use pastiche_core::Picture;

use crate::boundary::Failure;
use crate::types::*;

/// Sides and pixel counts beyond these are refused as absurd before touching memory.
const MAX_SIDE: u32 = 32768;
const MAX_PIXELS: u64 = 150_000_000;

fn bytes_per_pixel(format: i32) -> Option<usize> {
    match format {
        PASTICHE_PIXEL_RGBA8 => Some(4),
        PASTICHE_PIXEL_RGB8 => Some(3),
        PASTICHE_PIXEL_RGBA32F => Some(16),
        _ => None,
    }
}

/// Checks an image description; returns its bytes per pixel.
pub fn validate(image: &pastiche_image, name: &str) -> Result<usize, Failure> {
    let bpp = bytes_per_pixel(image.format).ok_or_else(|| {
        Failure::invalid(format!(
            "{name}.format {} is not a pastiche_pixel_format",
            image.format
        ))
    })?;
    if image.pixels.is_null() {
        return Err(Failure::invalid(format!("{name}.pixels is NULL")));
    }
    let (w, h) = (image.width, image.height);
    if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE || w as u64 * h as u64 > MAX_PIXELS {
        return Err(Failure::invalid(format!(
            "{name} is {w}x{h}; sides must be 1..={MAX_SIDE} and at most {MAX_PIXELS} pixels"
        )));
    }
    if image.stride < w as usize * bpp {
        return Err(Failure::invalid(format!(
            "{name}.stride {} is less than width × {bpp} bytes",
            image.stride
        )));
    }
    Ok(bpp)
}

/// The bytes of row `y`.
///
/// # Safety
/// `image` must have passed [`validate`] and describe `height` rows of `stride` bytes that the
/// caller owns and nobody else touches during the call.
unsafe fn row<'a>(image: pastiche_image, y: usize, bpp: usize) -> &'a mut [u8] {
    // SAFETY: validate() checked the pointer and that a row of width × bpp bytes fits the stride;
    // the caller guarantees the rows.
    unsafe {
        std::slice::from_raw_parts_mut(
            (image.pixels as *mut u8).add(y * image.stride),
            image.width as usize * bpp,
        )
    }
}

/// Reads a caller's image.
///
/// # Safety
/// `image` must describe `height` rows of `stride` readable bytes at `pixels`.
pub unsafe fn read(image: &pastiche_image, name: &str) -> Result<Picture, Failure> {
    let bpp = validate(image, name)?;
    let (w, h) = (image.width as usize, image.height as usize);
    let mut rgb = Array3::zeros((3, h, w));
    let has_alpha = image.format != PASTICHE_PIXEL_RGB8;
    let mut alpha = has_alpha.then(|| Array2::zeros((h, w)));
    for y in 0..h {
        // SAFETY: forwarded from the caller.
        let bytes = unsafe { row(*image, y, bpp) };
        for x in 0..w {
            let pixel = &bytes[x * bpp..(x + 1) * bpp];
            let channel = |c: usize| match image.format {
                PASTICHE_PIXEL_RGBA32F => {
                    f32::from_ne_bytes(pixel[c * 4..c * 4 + 4].try_into().expect("4 bytes"))
                        .clamp(0.0, 1.0)
                }
                _ => pixel[c] as f32 / 255.0,
            };
            for c in 0..3 {
                rgb[[c, y, x]] = channel(c);
            }
            if let Some(alpha) = alpha.as_mut() {
                alpha[[y, x]] = channel(3);
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
pub unsafe fn write(
    picture: &Picture,
    content: &Picture,
    image: &pastiche_image,
) -> Result<(), Failure> {
    let bpp = validate(image, "output")?;
    let (w, h) = (image.width as usize, image.height as usize);
    let mut picture = picture.resized(w, h);
    // The result's alpha went down to the working size and back; the content's own alpha keeps
    // the edges of transparent areas exact (bit for bit when the output has the content's size).
    picture.alpha = match content.alpha {
        Some(_) => content.resized(w, h).alpha,
        None => None,
    };
    let to_byte = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    for y in 0..h {
        // SAFETY: forwarded from the caller.
        let bytes = unsafe { row(*image, y, bpp) };
        for x in 0..w {
            let alpha = picture.alpha.as_ref().map_or(1.0, |a| a[[y, x]]);
            let values = [
                picture.rgb[[0, y, x]],
                picture.rgb[[1, y, x]],
                picture.rgb[[2, y, x]],
                alpha,
            ];
            let pixel = &mut bytes[x * bpp..(x + 1) * bpp];
            match image.format {
                PASTICHE_PIXEL_RGBA32F => {
                    for (c, v) in values.iter().enumerate() {
                        pixel[c * 4..c * 4 + 4].copy_from_slice(&v.to_ne_bytes());
                    }
                }
                _ => {
                    for (c, target) in pixel.iter_mut().enumerate() {
                        *target = to_byte(values[c]);
                    }
                }
            }
        }
    }
    Ok(())
}
