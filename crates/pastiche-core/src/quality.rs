//! Quality presets: a user picks how long to wait, not iteration counts. Each preset sets the
//! iteration budgets of the coarse-to-fine schedule and the convergence stop; the budgets come
//! from the measurements in docs/benchmarks.md.

use std::time::Duration;

use crate::params::Params;

/// How finished the picture should be, against how long it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Quality {
    /// A quick look at the composition: 40 % of `Standard`'s work.
    Draft,
    /// The default: half the work of the former fixed 300 iterations at every scale.
    #[default]
    Standard,
    /// The former budgets (300 at every scale), stopping only once the loss has all but
    /// stopped falling.
    Fine,
}

/// Iteration budgets of one preset.
struct Budget {
    /// Most iterations at each scale below the final one.
    coarse: usize,
    /// Most iterations at the final scale.
    last: usize,
    /// Convergence stop (relative loss change over the window).
    tolerance: f32,
}

impl Quality {
    pub const ALL: [Quality; 3] = [Quality::Draft, Quality::Standard, Quality::Fine];

    pub fn name(self) -> &'static str {
        match self {
            Quality::Draft => "draft",
            Quality::Standard => "standard",
            Quality::Fine => "fine",
        }
    }

    fn budget(self) -> Budget {
        match self {
            Quality::Draft => Budget {
                coarse: 100,
                last: 50,
                tolerance: 2e-3,
            },
            Quality::Standard => Budget {
                coarse: 150,
                last: 150,
                tolerance: 5e-4,
            },
            Quality::Fine => Budget {
                coarse: 300,
                last: 300,
                tolerance: 1e-4,
            },
        }
    }

    /// `params` with this preset's iteration budgets and convergence stop.
    pub fn apply(self, params: Params) -> Params {
        let budget = self.budget();
        Params {
            iterations: budget.last,
            coarse_iterations: budget.coarse,
            tolerance: budget.tolerance,
            ..params
        }
    }
}

impl std::str::FromStr for Quality {
    type Err = String;

    fn from_str(text: &str) -> Result<Quality, String> {
        Quality::ALL
            .into_iter()
            .find(|q| q.name() == text)
            .ok_or_else(|| format!("'{text}' is not a quality (draft, standard or fine)"))
    }
}

/// Seconds of one iteration's loss+gradient per megapixel on one core, set-up and the
/// optimiser's own work included: the standard preset at 512 px (512×384, 256 → 512) took
/// 123.0 s on the development machine's two otherwise idle cores with the CPU's Winograd
/// convolutions (docs/benchmarks.md). Taken as linear in pixels (the 256² and 512² timings
/// agree within 15 %) and in cores (not measured: the machine has two); a busy machine takes
/// longer.
const SECONDS_PER_MEGAPIXEL_CORE: f64 = 6.6;
/// Evaluations per iteration with the strong-Wolfe line search (measured: 151 for 150).
const EVALUATIONS_PER_ITERATION: f64 = 1.01;

/// The longest an optimisation with `params` on a `width` × `height` content can take on the
/// CPU with `threads` threads (0: one per core), set-up excluded: every scale (every tile)
/// running its whole budget. The convergence stop usually ends it sooner.
pub fn estimated_time(params: &Params, width: usize, height: usize, threads: usize) -> Duration {
    let cores = match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let megapixel_iterations: f64 = params
        .plan(width.max(1), height.max(1))
        .iter()
        .map(|scale| {
            let pixels: usize = scale.tiles.iter().map(|t| t.width * t.height).sum();
            scale.iterations as f64 * pixels as f64 / 1e6
        })
        .sum();
    Duration::from_secs_f64(
        megapixel_iterations * EVALUATIONS_PER_ITERATION * SECONDS_PER_MEGAPIXEL_CORE
            / cores as f64,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_order_by_time_and_round_trip_their_names() {
        let times: Vec<Duration> = Quality::ALL
            .iter()
            .map(|q| estimated_time(&q.apply(Params::default()), 512, 384, 2))
            .collect();
        assert!(times[0] < times[1] && times[1] < times[2], "{times:?}");
        for quality in Quality::ALL {
            assert_eq!(quality.name().parse::<Quality>(), Ok(quality));
        }
        assert!("best".parse::<Quality>().unwrap_err().contains("'best'"));
    }

    #[test]
    fn the_estimate_counts_each_scale_by_its_pixels() {
        let params = Params {
            size: 512,
            scales: 2,
            iterations: 100,
            coarse_iterations: 100,
            ..Params::default()
        };
        let both = estimated_time(&params, 512, 512, 1);
        let last_only = estimated_time(
            &Params {
                scales: 1,
                ..params.clone()
            },
            512,
            512,
            1,
        );
        // The 256 px scale has a quarter of the pixels.
        let ratio = both.as_secs_f64() / last_only.as_secs_f64();
        assert!((ratio - 1.25).abs() < 1e-9, "{ratio}");
        assert!(estimated_time(&params, 512, 512, 2) < both);
    }
}
