//! Input preprocessing of a VGG network: how the user's RGB pixels in 0..1 become the values the
//! weights were trained on. Pastiche folds it into every graph it emits, so gradients are always
//! with respect to the user's pixels.

use std::fmt;
use std::str::FromStr;

use crate::GraphError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelOrder {
    Rgb,
    Bgr,
}

/// `model_input[c] = (pixel[order(c)] * scale - mean[c]) / std[c]`, with `mean` and `std` given in
/// the model's channel order and in scaled units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Preprocessing {
    pub order: ChannelOrder,
    pub scale: f32,
    pub mean: [f32; 3],
    pub std: [f32; 3],
}

impl Preprocessing {
    /// Caffe / Keras `preprocess_input(mode="caffe")`: BGR, 0..255, minus the ImageNet mean.
    pub const CAFFE: Preprocessing = Preprocessing {
        order: ChannelOrder::Bgr,
        scale: 255.0,
        mean: [103.939, 116.779, 123.68],
        std: [1.0, 1.0, 1.0],
    };

    /// torchvision (and ONNX model zoo) ImageNet normalisation: RGB, 0..1, mean/std per channel.
    pub const TORCH: Preprocessing = Preprocessing {
        order: ChannelOrder::Rgb,
        scale: 1.0,
        mean: [0.485, 0.456, 0.406],
        std: [0.229, 0.224, 0.225],
    };

    /// Per model channel, the multiplier and offset applied after channel reordering:
    /// `model_input[c] = pixel[order(c)] * gain[c] + offset[c]`.
    pub fn affine(&self) -> ([f32; 3], [f32; 3]) {
        let gain = std::array::from_fn(|c| self.scale / self.std[c]);
        let offset = std::array::from_fn(|c| -self.mean[c] / self.std[c]);
        (gain, offset)
    }

    /// The RGB channel that feeds each model input channel.
    pub fn source_channels(&self) -> [i64; 3] {
        match self.order {
            ChannelOrder::Rgb => [0, 1, 2],
            ChannelOrder::Bgr => [2, 1, 0],
        }
    }

    /// A short human name: `caffe`, `torch`, or the full specification.
    pub fn describe(&self) -> String {
        if *self == Self::CAFFE {
            format!("caffe ({self})")
        } else if *self == Self::TORCH {
            format!("torch ({self})")
        } else {
            self.to_string()
        }
    }
}

impl fmt::Display for Preprocessing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let order = match self.order {
            ChannelOrder::Rgb => "rgb",
            ChannelOrder::Bgr => "bgr",
        };
        let list = |v: &[f32; 3]| format!("{},{},{}", v[0], v[1], v[2]);
        write!(
            f,
            "order={order};scale={};mean={};std={}",
            self.scale,
            list(&self.mean),
            list(&self.std)
        )
    }
}

impl FromStr for Preprocessing {
    type Err = GraphError;

    /// Accepts `caffe`, `torch` (alias `imagenet`) or `order=rgb|bgr;scale=S;mean=a,b,c;std=a,b,c`
    /// (omitted keys: rgb, 1, 0,0,0, 1,1,1).
    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let fail = |reason: String| GraphError::Preprocessing {
            spec: spec.to_owned(),
            reason,
        };
        match spec {
            "caffe" => return Ok(Self::CAFFE),
            "torch" | "imagenet" => return Ok(Self::TORCH),
            _ => {}
        }
        let mut result = Preprocessing {
            order: ChannelOrder::Rgb,
            scale: 1.0,
            mean: [0.0; 3],
            std: [1.0; 3],
        };
        for part in spec.split(';').filter(|p| !p.is_empty()) {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| fail(format!("'{part}' is not key=value (or use caffe|torch)")))?;
            let number = |text: &str| {
                text.trim()
                    .parse::<f32>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| fail(format!("'{text}' in {key} is not a finite number")))
            };
            let triple = |text: &str| -> Result<[f32; 3], GraphError> {
                let values: Vec<f32> = text.split(',').map(number).collect::<Result<_, _>>()?;
                values
                    .try_into()
                    .map_err(|_| fail(format!("{key} needs three comma-separated values")))
            };
            match key.trim() {
                "order" => {
                    result.order = match value.trim() {
                        "rgb" => ChannelOrder::Rgb,
                        "bgr" => ChannelOrder::Bgr,
                        other => return Err(fail(format!("order '{other}' is not rgb or bgr"))),
                    }
                }
                "scale" => result.scale = number(value)?,
                "mean" => result.mean = triple(value)?,
                "std" => result.std = triple(value)?,
                other => return Err(fail(format!("unknown key '{other}'"))),
            }
        }
        if result.scale <= 0.0 || result.std.iter().any(|s| *s <= 0.0) {
            return Err(fail("scale and std must be positive".to_owned()));
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_round_trips() {
        for p in [Preprocessing::CAFFE, Preprocessing::TORCH] {
            assert_eq!(p.to_string().parse::<Preprocessing>().unwrap(), p);
        }
    }

    #[test]
    fn caffe_affine_maps_white_to_255_minus_mean() {
        let (gain, offset) = Preprocessing::CAFFE.affine();
        assert_eq!(gain[0] + offset[0], 255.0 - 103.939);
        assert_eq!(Preprocessing::CAFFE.source_channels(), [2, 1, 0]);
    }

    #[test]
    fn rejects_bad_specs() {
        for bad in [
            "order=xyz",
            "scale=-1",
            "mean=1,2",
            "std=0,1,1",
            "weird",
            "scale=nan",
        ] {
            let err = bad.parse::<Preprocessing>().unwrap_err().to_string();
            assert!(err.contains(bad), "{err}");
        }
    }
}
