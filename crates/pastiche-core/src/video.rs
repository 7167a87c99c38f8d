//! Video: frames stylised one after another, each starting from the previous stylised frame
//! (warm start), so consecutive frames stay coherent and later frames need fewer iterations.
//! Style targets are computed once and reused for every frame of the same size.

use crate::engine::{Control, Engine, LossTerms, Progress, StyleTargets};
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
}

pub struct VideoSession {
    targets: StyleTargets,
    params: Params,
    first_iterations: usize,
    later_iterations: usize,
    previous: Option<Picture>,
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
        let params = match self.previous.take() {
            Some(previous) => Params {
                iterations: self.later_iterations,
                scales: 1,
                init: Init::Image(previous),
                ..self.params.clone()
            },
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
        };
        self.previous = Some(result.picture.clone());
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
