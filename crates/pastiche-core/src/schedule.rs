//! When a resolution is finished: the convergence stop.
//!
//! Coarse-to-fine, the low resolutions are cheap (a quarter of the pixels per halving) and may
//! run their own iteration budget (`Params::coarse_iterations`, in each `ScalePlan`); the
//! convergence stop ends any resolution once the loss has stopped falling, which makes the
//! iteration counts maxima rather than fixed amounts (docs/benchmarks.md has the measurements).

use std::collections::VecDeque;

/// Iterations over which the relative loss change is measured.
pub const CONVERGENCE_WINDOW: usize = 10;

/// Declares a resolution finished once the loss fell by less than `tolerance` (relative)
/// over the last [`CONVERGENCE_WINDOW`] iterations. A tolerance of 0 never stops.
pub struct Convergence {
    tolerance: f64,
    recent: VecDeque<f64>,
}

impl Convergence {
    pub fn new(tolerance: f64) -> Convergence {
        Convergence {
            tolerance,
            recent: VecDeque::with_capacity(CONVERGENCE_WINDOW + 1),
        }
    }

    /// Records the loss after one iteration; true once the window shows no real progress.
    pub fn converged(&mut self, loss: f64) -> bool {
        self.recent.push_back(loss);
        if self.recent.len() <= CONVERGENCE_WINDOW {
            return false;
        }
        let before = self.recent.pop_front().expect("window is full");
        self.tolerance > 0.0 && (before - loss) <= self.tolerance * loss.abs()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_once_the_loss_levels_off_and_not_before() {
        let mut convergence = Convergence::new(1e-3);
        // Falling by 1 % an iteration: never converged.
        let mut loss = 100.0;
        for _ in 0..50 {
            loss *= 0.99;
            assert!(!convergence.converged(loss));
        }
        // Falling by 0.001 % an iteration: converged once a whole window of that is seen.
        let flat: Vec<bool> = (0..CONVERGENCE_WINDOW + 1)
            .map(|_| {
                loss *= 0.99999;
                convergence.converged(loss)
            })
            .collect();
        assert!(
            flat[..CONVERGENCE_WINDOW - 1].iter().all(|c| !c),
            "{flat:?}"
        );
        assert!(flat[CONVERGENCE_WINDOW], "{flat:?}");
    }

    #[test]
    fn zero_tolerance_never_stops() {
        let mut convergence = Convergence::new(0.0);
        assert!((0..100).all(|_| !convergence.converged(1.0)));
    }
}
