//! The bundled styles: a few public-domain paintings compiled into the engine, so that a name
//! such as `starry-night` works wherever a style image path does — the CLI, libpastiche and the
//! hosts over it — with no search path and no files installed beside a binary. The images and
//! their sources are in the repository's `styles/` folder (see its README).

use std::path::Path;

use image::ImageFormat;

use crate::{CoreError, Picture};

/// A painting bundled with Pastiche.
#[derive(Debug)]
pub struct BundledStyle {
    /// The name to pass instead of a path: kebab-case, e.g. `starry-night`.
    pub name: &'static str,
    pub title: &'static str,
    pub artist: &'static str,
    /// When it was painted, as art historians give it (`1889`, `c. 1810`).
    pub date: &'static str,
    pub licence: &'static str,
    /// The image, JPEG-encoded.
    pub jpeg: &'static [u8],
}

impl BundledStyle {
    /// The decoded painting.
    pub fn picture(&self) -> Picture {
        let image = image::load_from_memory_with_format(self.jpeg, ImageFormat::Jpeg)
            .unwrap_or_else(|e| panic!("bundled style {} does not decode: {e}", self.name));
        Picture::from_image(&image)
    }
}

macro_rules! painting {
    ($name:literal, $title:literal, $artist:literal, $date:literal) => {
        BundledStyle {
            name: $name,
            title: $title,
            artist: $artist,
            date: $date,
            licence: "public domain",
            jpeg: include_bytes!(concat!("../../../styles/", $name, ".jpg")),
        }
    };
}

/// Every bundled style, in the order menus list them.
pub static BUNDLED_STYLES: &[BundledStyle] = &[
    painting!(
        "starry-night",
        "The Starry Night",
        "Vincent van Gogh",
        "1889"
    ),
    painting!(
        "shipwreck",
        "The Shipwreck of the Minotaur",
        "J. M. W. Turner",
        "c. 1810"
    ),
    painting!("the-scream", "The Scream", "Edvard Munch", "1893"),
];

/// The bundled style called `name`.
pub fn bundled_style(name: &str) -> Option<&'static BundledStyle> {
    BUNDLED_STYLES.iter().find(|style| style.name == name)
}

/// Loads a style given as an image path or a bundled style's name. An existing path wins, so
/// that adding a bundled style never changes what an existing command reads; a name that is
/// neither gets an error listing the bundled names.
pub fn load_style(path_or_name: &Path) -> Result<Picture, CoreError> {
    if path_or_name.exists() {
        return Picture::load(path_or_name);
    }
    match path_or_name.to_str().and_then(bundled_style) {
        Some(style) => Ok(style.picture()),
        None => Err(CoreError::Image {
            path: path_or_name.to_owned(),
            message: format!(
                "no such file, and not the name of a bundled style ({})",
                BUNDLED_STYLES
                    .iter()
                    .map(|style| style.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_style_decodes_within_the_documented_size() {
        for style in BUNDLED_STYLES {
            let picture = style.picture();
            assert!(
                (256..=1024).contains(&picture.longest_side()),
                "{}: {}x{}",
                style.name,
                picture.width(),
                picture.height()
            );
            assert!(picture.alpha.is_none(), "{}", style.name);
        }
    }

    #[test]
    fn names_are_unique_kebab_case() {
        for (i, style) in BUNDLED_STYLES.iter().enumerate() {
            assert!(
                style
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}",
                style.name
            );
            assert!(
                BUNDLED_STYLES[..i].iter().all(|s| s.name != style.name),
                "{} twice",
                style.name
            );
        }
    }

    #[test]
    fn a_name_loads_its_painting() {
        let loaded = load_style(Path::new("the-scream")).unwrap();
        assert_eq!((loaded.width(), loaded.height()), (804, 1024));
    }

    #[test]
    fn an_unknown_name_lists_the_bundled_ones() {
        let error = load_style(Path::new("starry-nite"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "starry-nite: no such file, and not the name of a bundled style \
             (starry-night, shipwreck, the-scream)"
        );
    }

    #[test]
    fn an_unreadable_existing_path_keeps_its_own_error() {
        let dir = tempfile::tempdir().unwrap();
        let error = load_style(dir.path()).unwrap_err().to_string();
        assert!(!error.contains("bundled style"), "{error}");
    }
}
