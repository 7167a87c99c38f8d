//! Video: frames stylised one after another, each starting from the previous stylised frame
//! (warm start), so consecutive frames stay coherent and later frames need fewer iterations.
//! The previous result is first moved along the camera's motion between the two frames
//! (`motion.rs`), so that on a pan the strokes travel with the picture. Style targets are
//! computed once and reused for every frame of the same size.

use crate::engine::{Control, Engine, LossTerms, Progress, StyleTargets};
use crate::motion;
use crate::params::{Init, Params};
use crate::{CoreError, Picture};

/// Iteration counts and loss of the last frame.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FrameStats {
    pub iterations: usize,
    pub evaluations: usize,
    pub loss: LossTerms,
    /// Whether the frame started from the previous stylised frame.
    pub warm_started: bool,
    /// How far (x, y), in working-size pixels, the previous result was moved to follow the
    /// picture before the frame started from it.
    pub motion: (isize, isize),
}

/// The last frame pushed and what it became.
struct Previous {
    frame: Picture,
    result: Picture,
}

impl Previous {
    /// The previous result moved along the motion from the previous frame to `frame`, and that
    /// motion. The motion is measured at the result's (working) size, where the strokes are.
    fn follow(self, frame: &Picture) -> (Picture, (isize, isize)) {
        if (self.frame.width(), self.frame.height()) != (frame.width(), frame.height()) {
            return (self.result, (0, 0));
        }
        let (width, height) = (self.result.width(), self.result.height());
        let now = frame.resized(width, height);
        let shift = motion::estimate_shift(&self.frame.resized(width, height), &now);
        (motion::shifted(&self.result, shift, &now), shift)
    }
}

pub struct VideoSession {
    targets: StyleTargets,
    params: Params,
    first_iterations: usize,
    later_iterations: usize,
    previous: Option<Previous>,
    last: FrameStats,
}

impl VideoSession {
    /// `targets` are the styles, prepared once by [`Engine::style_targets`]; `params` describe every frame (size, weights, layers…); the first frame after creation or
    /// [`VideoSession::reset`] runs `first_iterations` through the multi-resolution schedule from
    /// `params.init`, later frames run `later_iterations` at full size from the previous output.
    pub fn new(
        targets: StyleTargets,
        params: Params,
        first_iterations: usize,
        later_iterations: usize,
    ) -> Result<VideoSession, CoreError> {
        for (name, value) in [
            ("first-frame iterations", first_iterations),
            ("later-frame iterations", later_iterations),
        ] {
            if value == 0 {
                return Err(CoreError::parameter(name, value, "must be at least 1"));
            }
        }
        params.validate()?;
        Ok(VideoSession {
            targets,
            params,
            first_iterations,
            later_iterations,
            previous: None,
            last: FrameStats::default(),
        })
    }

    /// Stylises the next frame.
    pub fn push(
        &mut self,
        engine: &mut Engine,
        frame: &Picture,
        progress: &mut dyn FnMut(&Progress<'_>) -> Control,
    ) -> Result<Picture, CoreError> {
        let warm = self.previous.is_some();
        let mut motion = (0, 0);
        let params = match self.previous.take() {
            Some(previous) => {
                let (init, shift) = previous.follow(frame);
                motion = shift;
                Params {
                    iterations: self.later_iterations,
                    scales: 1,
                    init: Init::Image(init),
                    ..self.params.clone()
                }
            }
            None => Params {
                iterations: self.first_iterations,
                ..self.params.clone()
            },
        };
        let result = engine.stylize(frame, &mut self.targets, &params, progress)?;
        self.last = FrameStats {
            iterations: result.iterations,
            evaluations: result.evaluations,
            loss: result.loss,
            warm_started: warm,
            motion,
        };
        self.previous = Some(Previous {
            frame: frame.clone(),
            result: result.picture.clone(),
        });
        Ok(result.picture)
    }

    /// Forgets the previous frame (a scene cut): the next frame starts afresh.
    pub fn reset(&mut self) {
        self.previous = None;
    }

    pub fn last_frame(&self) -> FrameStats {
        self.last
    }
}
