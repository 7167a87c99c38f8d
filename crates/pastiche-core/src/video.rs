//! Video: frames stylised one after another, each started from the previous stylised frame
//! warped along the dense optical flow between the two input frames (`flow.rs`), and held to it
//! by a temporal loss term where the flow says the previous frame shows the pixel (Ruder et al.
//! 2016). Strokes travel with the picture under any motion (pans, zooms, rotations, objects
//! moving over a still background); pixels the previous frame does not show start from the new
//! frame and are painted freely. Style targets are computed once and reused for every frame of
//! the same size.

use std::time::{Duration, Instant};

use crate::engine::{Control, Engine, LossTerms, Progress, StyleTargets};
use crate::flow::{self, Flow, FlowEstimator};
use crate::params::{Init, Params, TemporalTarget};
use crate::{CoreError, Picture};

/// The temporal term's weight video sessions use unless told otherwise (`Params::temporal_weight`;
/// chosen by the measurements in docs/benchmarks.md, "Video: temporal coherence").
pub const DEFAULT_TEMPORAL_WEIGHT: f32 = 2000.0;

/// Iteration counts and loss of the last frame.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FrameStats {
    pub iterations: usize,
    pub evaluations: usize,
    pub loss: LossTerms,
    /// Whether the frame started from the previous stylised frame.
    pub warm_started: bool,
    /// Share of the frame's pixels the previous frame shows (consistent flow both ways, not on
    /// a motion boundary): where the temporal term holds the strokes. 0 for a cold start.
    pub held: f32,
    /// Time the two optical flows took.
    pub flow_time: Duration,
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

pub struct VideoSession {
    targets: StyleTargets,
    params: Params,
    first_iterations: usize,
    later_iterations: usize,
    previous: Option<Previous>,
    flow: FlowEstimator,
    last: FrameStats,
}

impl VideoSession {
    /// `targets` are the styles, prepared once by [`Engine::style_targets`]; `params` describe
    /// every frame (size, weights, layers, `temporal_weight`: 0 leaves the temporal term out…).
    /// The first frame after creation or [`VideoSession::reset`] runs `first_iterations` through
    /// the multi-resolution schedule from `params.init`, later frames run `later_iterations` at
    /// full size from the previous output warped along the motion.
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
            flow: FlowEstimator::new()?,
            last: FrameStats::default(),
        })
    }

    /// Where a frame following `previous` starts: the previous result warped along the flow,
    /// and the temporal target; `None` when the frames cannot be compared (another size).
    fn follow(
        &mut self,
        previous: Previous,
        frame: &Picture,
    ) -> Result<(Picture, TemporalTarget, Duration), CoreError> {
        let now = frame.resized(previous.frame.width(), previous.frame.height());
        let started = Instant::now();
        let mut backward = self.flow.flow(&now, &previous.frame)?;
        let mut forward = self.flow.flow(&previous.frame, &now)?;
        // A still shot stays exactly where it was: the flow would follow its grain.
        if flow::is_still(&previous.frame, &now, &backward) {
            backward = Flow::zero(now.height(), now.width());
            forward = Flow::zero(now.height(), now.width());
        }
        let flow_time = started.elapsed();
        let correspondence = flow::correspondence(&previous.result, &now, &backward, &forward);
        Ok((
            correspondence.warped.clone(),
            TemporalTarget {
                previous: correspondence.warped,
                mask: correspondence.mask,
            },
            flow_time,
        ))
    }

    /// Stylises the next frame.
    pub fn push(
        &mut self,
        engine: &mut Engine,
        frame: &Picture,
        progress: &mut dyn FnMut(&Progress<'_>) -> Control,
    ) -> Result<Picture, CoreError> {
        let previous = self
            .previous
            .take()
            .filter(|p| p.input_size == (frame.width(), frame.height()));
        let (params, warm) = match previous {
            Some(previous) => {
                let (init, target, flow_time) = self.follow(previous, frame)?;
                let held = target.mask.mean().unwrap_or(0.0);
                let params = Params {
                    iterations: self.later_iterations,
                    scales: 1,
                    init: Init::Image(init),
                    temporal_target: Some(target),
                    ..self.params.clone()
                };
                (params, Some((held, flow_time)))
            }
            None => {
                let params = Params {
                    iterations: self.first_iterations,
                    temporal_target: None,
                    ..self.params.clone()
                };
                (params, None)
            }
        };
        let result = engine.stylize(frame, &mut self.targets, &params, progress)?;
        let (held, flow_time) = warm.unwrap_or_default();
        self.last = FrameStats {
            iterations: result.iterations,
            evaluations: result.evaluations,
            loss: result.loss,
            warm_started: warm.is_some(),
            held,
            flow_time,
        };
        let (width, height) = (result.picture.width(), result.picture.height());
        self.previous = Some(Previous {
            input_size: (frame.width(), frame.height()),
            frame: frame.resized(width, height),
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
