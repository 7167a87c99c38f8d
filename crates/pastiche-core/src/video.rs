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
    /// The input frame's own size: only a frame of the same size is compared with it.
    input_size: (usize, usize),
    /// The input frame at the result's (working) size, where the strokes are and where motion
    /// is measured.
    frame: Picture,
    result: Picture,
}

/// Where a warm-started frame begins.
struct WarmStart {
    /// The previous result, moved along the motion when the frames could be compared.
    init: Picture,
    motion: (isize, isize),
    /// The new frame at the working size, when it was made for the comparison.
    frame: Option<Picture>,
}

impl Previous {
    /// The previous result moved along the motion from the previous frame to `frame`.
    fn follow(self, frame: &Picture) -> WarmStart {
        if self.input_size != (frame.width(), frame.height()) {
            return WarmStart {
                init: self.result,
                motion: (0, 0),
                frame: None,
            };
        }
        let now = frame.resized(self.frame.width(), self.frame.height());
        let motion = motion::estimate_shift(&self.frame, &now);
        WarmStart {
            init: motion::shifted(&self.result, motion, &now),
            motion,
            frame: Some(now),
        }
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
            if !(1..=crate::MAX_ITERATIONS).contains(&value) {
                return Err(CoreError::parameter(
                    name,
                    value,
                    format!("must be 1..={}", crate::MAX_ITERATIONS),
                ));
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
        // `motion` is None for a cold start; `working_frame` is this frame at the working size
        // when following the motion already made it.
        let (params, motion, working_frame) = match self.previous.take() {
            Some(previous) => {
                let start = previous.follow(frame);
                let params = Params {
                    iterations: self.later_iterations,
                    scales: 1,
                    init: Init::Image(start.init),
                    ..self.params.clone()
                };
                (params, Some(start.motion), start.frame)
            }
            None => {
                let params = Params {
                    iterations: self.first_iterations,
                    ..self.params.clone()
                };
                (params, None, None)
            }
        };
        let result = engine.stylize(frame, &mut self.targets, &params, progress)?;
        self.last = FrameStats {
            iterations: result.iterations,
            evaluations: result.evaluations,
            loss: result.loss,
            warm_started: motion.is_some(),
            motion: motion.unwrap_or((0, 0)),
        };
        let (width, height) = (result.picture.width(), result.picture.height());
        let working_frame = working_frame
            .filter(|now| (now.width(), now.height()) == (width, height))
            .unwrap_or_else(|| frame.resized(width, height));
        self.previous = Some(Previous {
            input_size: (frame.width(), frame.height()),
            frame: working_frame,
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
