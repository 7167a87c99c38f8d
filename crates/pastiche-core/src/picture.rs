//! Pictures as the engine sees them: planar RGB floats in 0..1 with the alpha channel carried
//! alongside. Decoding respects EXIF orientation; encoding goes through a temporary file and a
//! rename, so a failed or cancelled run never leaves a half-written output.

use std::io::{Cursor, ErrorKind};
use std::path::Path;

use image::imageops::{self, FilterType};
use image::{DynamicImage, ImageBuffer, ImageDecoder, ImageError, ImageFormat, ImageReader, Rgba};
use ndarray::{s, Array2, Array3};
use pastiche_graph::temporary_file_beside;

use crate::CoreError;

type RgbaF32 = ImageBuffer<Rgba<f32>, Vec<f32>>;

/// Largest side of an input image, checked from its header before any pixel is decoded.
pub const MAX_SIDE: usize = 32768;
/// Largest number of pixels of an input image (16 bytes each once decoded to RGBA floats).
pub const MAX_PIXELS: u64 = 150_000_000;

fn output_format(path: &Path) -> Result<ImageFormat, CoreError> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match extension.as_str() {
        "png" => Ok(ImageFormat::Png),
        "jpg" | "jpeg" => Ok(ImageFormat::Jpeg),
        "tif" | "tiff" => Ok(ImageFormat::Tiff),
        "webp" => Ok(ImageFormat::WebP),
        _ => Err(image_error(
            path,
            "unsupported output extension (use .png, .jpg, .tiff or .webp)",
        )),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Picture {
    /// RGB planes in 0..1, shape `[3, height, width]`.
    pub rgb: Array3<f32>,
    /// Alpha in 0..1, `[height, width]`, when the source has an alpha channel.
    pub alpha: Option<Array2<f32>>,
}

fn image_error(path: &Path, error: impl std::fmt::Display) -> CoreError {
    CoreError::Image {
        path: path.to_owned(),
        message: error.to_string(),
    }
}

/// Whether a JPEG stream reaches its end-of-image marker after its first scan. The decoder
/// accepts a truncated file and paints the missing part grey; this refuses it instead. Marker
/// segments are walked to the first scan (so that a thumbnail's own marker in the EXIF block does
/// not count); the entropy-coded data after it escapes every 0xFF as 0xFF00, so 0xFFD9 there can
/// only be the end marker.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    const START_OF_SCAN: u8 = 0xDA;
    const END_OF_IMAGE: [u8; 2] = [0xFF, 0xD9];
    let mut at = 2; // after the start-of-image marker
    while at + 4 <= bytes.len() {
        match (bytes[at], bytes[at + 1]) {
            (0xFF, 0xFF) => at += 1,               // fill byte
            (0xFF, 0x01 | 0xD0..=0xD7) => at += 2, // markers without a length
            (0xFF, marker) => {
                let length = u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]) as usize;
                let next = at + 2 + length;
                if marker == START_OF_SCAN {
                    return bytes
                        .get(next..)
                        .is_some_and(|rest| rest.windows(2).any(|pair| pair == END_OF_IMAGE));
                }
                at = next;
            }
            _ => return false,
        }
    }
    false
}

/// Says in words what is wrong with an image that would not decode: the decoders' own messages
/// ("Illegal start bytes:5468", "expected 2 but found 0") are written for their developers.
fn undecodable(path: &Path, format: ImageFormat, error: ImageError) -> CoreError {
    let name = match format {
        ImageFormat::Png => "PNG",
        ImageFormat::Jpeg => "JPEG",
        ImageFormat::WebP => "WebP",
        ImageFormat::Tiff => "TIFF",
        other => other.extensions_str().first().copied().unwrap_or("image"),
    };
    let message = match error {
        ImageError::Decoding(_) => format!("not a valid {name} image (truncated or corrupt)"),
        ImageError::IoError(e) if e.kind() == ErrorKind::UnexpectedEof => {
            format!("not a valid {name} image (truncated)")
        }
        ImageError::IoError(e) => format!("cannot read it: {e}"),
        ImageError::Unsupported(e) => format!("a {name} image this decoder does not support: {e}"),
        ImageError::Limits(_) => format!("a {name} image too large to decode"),
        other => format!("cannot decode this {name} image: {other}"),
    };
    image_error(path, message)
}

impl Picture {
    /// Decodes PNG, JPEG, WebP or TIFF (8 or 16 bit), turned upright by its EXIF orientation.
    pub fn load(path: &Path) -> Result<Picture, CoreError> {
        let fail = |e: &dyn std::fmt::Display| image_error(path, e);
        let bytes = std::fs::read(path).map_err(|e| fail(&e))?;
        let reader = ImageReader::new(std::io::Cursor::new(&bytes[..]))
            .with_guessed_format()
            .map_err(|e| fail(&e))?;
        match reader.format() {
            None => return Err(fail(&"not a PNG, JPEG, WebP or TIFF image")),
            Some(ImageFormat::Jpeg) if !jpeg_is_complete(&bytes) => {
                return Err(fail(&"the JPEG data ends early (the file is truncated)"))
            }
            Some(_) => {}
        }
        let format = reader.format().expect("checked above");
        let undecodable = |e| undecodable(path, format, e);
        let mut decoder = reader.into_decoder().map_err(undecodable)?;
        let (width, height) = decoder.dimensions();
        if width == 0 || height == 0 {
            return Err(fail(&"image has no pixels"));
        }
        if width.max(height) as usize > MAX_SIDE || width as u64 * height as u64 > MAX_PIXELS {
            return Err(fail(&format!(
                "image is {width}x{height}; the largest supported is {MAX_SIDE} pixels a side and {} megapixels",
                MAX_PIXELS / 1_000_000
            )));
        }
        let orientation = decoder.orientation().map_err(undecodable)?;
        let mut image = DynamicImage::from_decoder(decoder).map_err(undecodable)?;
        image.apply_orientation(orientation);
        if image.width() == 0 || image.height() == 0 {
            return Err(fail(&"image has no pixels"));
        }
        Ok(Picture::from_image(&image))
    }

    pub fn from_image(image: &DynamicImage) -> Picture {
        let has_alpha = image.color().has_alpha();
        Picture::from_rgba(&image.to_rgba32f(), has_alpha)
    }

    fn from_rgba(buffer: &RgbaF32, keep_alpha: bool) -> Picture {
        let (width, height) = (buffer.width() as usize, buffer.height() as usize);
        let mut rgb = Array3::zeros((3, height, width));
        let mut alpha = keep_alpha.then(|| Array2::zeros((height, width)));
        for (x, y, pixel) in buffer.enumerate_pixels() {
            let (x, y) = (x as usize, y as usize);
            for c in 0..3 {
                rgb[[c, y, x]] = pixel[c];
            }
            if let Some(alpha) = alpha.as_mut() {
                alpha[[y, x]] = pixel[3];
            }
        }
        Picture { rgb, alpha }
    }

    fn to_rgba(&self) -> RgbaF32 {
        ImageBuffer::from_fn(self.width() as u32, self.height() as u32, |x, y| {
            let (x, y) = (x as usize, y as usize);
            let a = self.alpha.as_ref().map_or(1.0, |a| a[[y, x]]);
            Rgba([
                self.rgb[[0, y, x]],
                self.rgb[[1, y, x]],
                self.rgb[[2, y, x]],
                a,
            ])
        })
    }

    pub fn width(&self) -> usize {
        self.rgb.shape()[2]
    }

    pub fn height(&self) -> usize {
        self.rgb.shape()[1]
    }

    pub fn longest_side(&self) -> usize {
        self.width().max(self.height())
    }

    /// Resampled to exactly `width` × `height` (Catmull-Rom), alpha included.
    pub fn resized(&self, width: usize, height: usize) -> Picture {
        if (width, height) == (self.width(), self.height()) {
            return self.clone();
        }
        let resized = imageops::resize(
            &self.to_rgba(),
            width as u32,
            height as u32,
            FilterType::CatmullRom,
        );
        let mut picture = Picture::from_rgba(&resized, self.alpha.is_some());
        // Catmull-Rom overshoots a little at edges.
        picture.rgb.mapv_inplace(|v| v.clamp(0.0, 1.0));
        if let Some(alpha) = picture.alpha.as_mut() {
            alpha.mapv_inplace(|v| v.clamp(0.0, 1.0));
        }
        picture
    }

    /// The size with the longest side scaled to `longest`, keeping the aspect ratio.
    pub fn size_for_longest(&self, longest: usize) -> (usize, usize) {
        let scale = longest as f64 / self.longest_side() as f64;
        let fit = |side: usize| ((side as f64 * scale).round() as usize).max(1);
        (fit(self.width()), fit(self.height()))
    }

    pub fn with_longest_side(&self, longest: usize) -> Picture {
        let (width, height) = self.size_for_longest(longest);
        self.resized(width, height)
    }

    /// A copy with the RGB planes replaced (same size), alpha kept.
    pub fn with_rgb(&self, rgb: Array3<f32>) -> Picture {
        assert_eq!(rgb.shape(), self.rgb.shape());
        Picture {
            rgb,
            alpha: self.alpha.clone(),
        }
    }

    /// The region of `tile`.
    pub fn window(&self, tile: &crate::tiling::Tile) -> Picture {
        let (rows, columns) = (tile.y..tile.y + tile.height, tile.x..tile.x + tile.width);
        Picture {
            rgb: self
                .rgb
                .slice(s![.., rows.clone(), columns.clone()])
                .to_owned(),
            alpha: self
                .alpha
                .as_ref()
                .map(|a| a.slice(s![rows, columns]).to_owned()),
        }
    }

    /// Top-left `width` × `height` region.
    pub fn cropped(&self, width: usize, height: usize) -> Picture {
        Picture {
            rgb: self.rgb.slice(s![.., ..height, ..width]).to_owned(),
            alpha: self
                .alpha
                .as_ref()
                .map(|a| a.slice(s![..height, ..width]).to_owned()),
        }
    }

    /// Checks, before any work, that [`Picture::save`] can write `path`: a supported extension
    /// and a writable folder (tried with a temporary file that is removed again). A failure
    /// names the folder, not the temporary file.
    pub fn check_output_path(path: &Path) -> Result<(), CoreError> {
        output_format(path)?;
        let folder = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !folder.is_dir() {
            return Err(image_error(
                path,
                format!("the folder {} does not exist", folder.display()),
            ));
        }
        temporary_file_beside(path).map(drop).map_err(|e| {
            // tempfile's message ends with the temporary file's name; keep only the cause.
            let cause = e
                .get_ref()
                .and_then(|inner| inner.source())
                .map_or_else(|| e.kind().to_string(), ToString::to_string);
            image_error(
                path,
                format!("cannot write in the folder {}: {cause}", folder.display()),
            )
        })
    }

    /// Encodes by the file's extension — PNG (8-bit), JPEG (8-bit, quality 95, alpha dropped),
    /// TIFF (16-bit), WebP (lossless, 8-bit) — into a temporary file beside `path`, renamed over
    /// it when complete.
    pub fn save(&self, path: &Path) -> Result<(), CoreError> {
        let encoded = self.encode(path)?;
        pastiche_graph::write_atomically(path, &encoded).map_err(|e| match e {
            pastiche_graph::GraphError::Io { source, .. } => image_error(path, source),
            other => other.into(),
        })
    }

    /// The file [`Picture::save`] would write to `path`, in memory: the slow part of saving,
    /// so that a caller can do it before the short write that must not be interrupted.
    pub fn encode(&self, path: &Path) -> Result<Vec<u8>, CoreError> {
        let format = output_format(path)?;
        let mut rgba = self.to_rgba();
        rgba.pixels_mut()
            .for_each(|p| p.0.iter_mut().for_each(|v| *v = v.clamp(0.0, 1.0)));
        let image = DynamicImage::ImageRgba32F(rgba);
        let encoded = match (format, self.alpha.is_some()) {
            (ImageFormat::Tiff, true) => DynamicImage::ImageRgba16(image.to_rgba16()),
            (ImageFormat::Tiff, false) => DynamicImage::ImageRgb16(image.to_rgb16()),
            (ImageFormat::Png | ImageFormat::WebP, true) => {
                DynamicImage::ImageRgba8(image.to_rgba8())
            }
            _ => DynamicImage::ImageRgb8(image.to_rgb8()),
        };
        let mut bytes = Cursor::new(Vec::new());
        let written = if format == ImageFormat::Jpeg {
            let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 95);
            encoded.write_with_encoder(encoder)
        } else {
            // The image crate's WebP encoder is lossless.
            encoded.write_to(&mut bytes, format)
        };
        written.map_err(|e| image_error(path, e))?;
        Ok(bytes.into_inner())
    }
}
