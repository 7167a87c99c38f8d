//! The optimisers over the image: L-BFGS with a strong-Wolfe line search (`line_search.rs`; a
//! fixed step diverges on this problem) and Adam. Both take one iteration at a time so that the
//! engine can report progress and cancel between iterations.

use std::collections::VecDeque;
use std::sync::Arc;

use rayon::ThreadPool;

use crate::line_search::strong_wolfe;
use crate::vector::{axpy, dot, scale};
use crate::CoreError;

/// Loss and gradient at a point: `objective(x, gradient_out) -> loss`.
pub type Objective<'a> = dyn FnMut(&[f32], &mut [f32]) -> Result<f64, CoreError> + 'a;

/// Outcome of one iteration.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    /// Loss at the point the iteration ended on.
    pub loss: f64,
    /// Loss+gradient evaluations the iteration used.
    pub evaluations: usize,
}

pub enum Optimizer {
    Lbfgs(Lbfgs),
    Adam(Adam),
}

impl Optimizer {
    pub fn step(
        &mut self,
        x: &mut [f32],
        objective: &mut Objective<'_>,
    ) -> Result<Step, CoreError> {
        match self {
            Optimizer::Lbfgs(o) => o.step(x, objective),
            Optimizer::Adam(o) => o.step(x, objective),
        }
    }
}

struct Pair {
    s: Vec<f32>,
    y: Vec<f32>,
    /// 1 / sᵀy.
    rho: f64,
    /// yᵀy, kept for the initial Hessian scale when this is the newest pair.
    yy: f64,
}

/// Limited-memory BFGS. Each stored pair costs two image-sized vectors, so the history is
/// bounded by a memory budget as well as by a count.
pub struct Lbfgs {
    /// Threads for the vector work (`vector.rs`).
    pool: Arc<ThreadPool>,
    history_limit: usize,
    history: VecDeque<Pair>,
    /// Loss and gradient at the current point, once evaluated.
    current: Option<(f64, Vec<f32>)>,
}

impl Lbfgs {
    /// History of at most `max_pairs` pairs and `memory_budget` bytes for `n` variables (at least
    /// 3 pairs); the vector work runs on `pool`.
    pub fn new(n: usize, max_pairs: usize, memory_budget: usize, pool: Arc<ThreadPool>) -> Lbfgs {
        let pair_bytes = 2 * n * std::mem::size_of::<f32>();
        Lbfgs {
            pool,
            history_limit: (memory_budget / pair_bytes.max(1)).clamp(3, max_pairs.max(3)),
            history: VecDeque::new(),
            current: None,
        }
    }

    #[cfg(test)]
    fn history_limit(&self) -> usize {
        self.history_limit
    }

    /// Two-loop recursion: `-H g`, with `H₀ = γI` scaled by the newest pair.
    fn direction(&self, gradient: &[f32]) -> Vec<f32> {
        let pool = &*self.pool;
        let mut q: Vec<f32> = gradient.iter().map(|g| -g).collect();
        let mut alphas = Vec::with_capacity(self.history.len());
        for pair in self.history.iter().rev() {
            let alpha = pair.rho * dot(pool, &pair.s, &q);
            axpy(pool, -alpha, &pair.y, &mut q);
            alphas.push(alpha);
        }
        let gamma = match self.history.back() {
            Some(newest) => 1.0 / (newest.rho * newest.yy),
            // No curvature yet: a first step that moves the largest pixel by 1/10 of the range.
            None => {
                0.1 / gradient
                    .iter()
                    .fold(0f32, |m, g| m.max(g.abs()))
                    .max(f32::MIN_POSITIVE) as f64
            }
        };
        scale(pool, gamma, &mut q);
        for (pair, alpha) in self.history.iter().zip(alphas.into_iter().rev()) {
            let beta = pair.rho * dot(pool, &pair.y, &q);
            axpy(pool, alpha - beta, &pair.s, &mut q);
        }
        q
    }

    pub fn step(
        &mut self,
        x: &mut [f32],
        objective: &mut Objective<'_>,
    ) -> Result<Step, CoreError> {
        let mut evaluations = 0;
        let (loss, gradient) = match self.current.take() {
            Some(current) => current,
            None => {
                let mut gradient = vec![0.0; x.len()];
                evaluations += 1;
                (objective(x, &mut gradient)?, gradient)
            }
        };
        // The two-loop recursion's hundreds of vector operations run inside the pool, so each
        // starts on its threads directly rather than being handed over from this one.
        let pool = Arc::clone(&self.pool);
        let mut direction = pool.install(|| self.direction(&gradient));
        let mut slope = dot(&pool, &gradient, &direction);
        if slope.is_nan() || slope >= 0.0 {
            // Lost curvature information (e.g. rounding): restart from steepest descent.
            self.history.clear();
            direction = pool.install(|| self.direction(&gradient));
            slope = dot(&pool, &gradient, &direction);
        }

        let (point, spent) = strong_wolfe(&pool, objective, x, &direction, (loss, slope), 1.0)?;
        evaluations += spent;
        if point.t == 0.0 {
            // No decrease found: stay put, forget the curvature pairs, and report the current loss.
            self.history.clear();
            self.current = Some((loss, gradient));
            return Ok(Step { loss, evaluations });
        }
        // The same arithmetic as the line search's trial point, so x is exactly where it evaluated.
        let t = point.t as f32;
        let s: Vec<f32> = x
            .iter_mut()
            .zip(&direction)
            .map(|(x, d)| {
                let moved = *x + t * d;
                let step = moved - *x;
                *x = moved;
                step
            })
            .collect();
        pool.install(|| self.remember(s, &point.gradient, &gradient));
        self.current = Some((point.loss, point.gradient));
        Ok(Step {
            loss: point.loss,
            evaluations,
        })
    }

    /// Adds the pair (s, y = new − old gradient) unless its curvature is too small to trust.
    fn remember(&mut self, s: Vec<f32>, new_gradient: &[f32], old_gradient: &[f32]) {
        let y: Vec<f32> = new_gradient
            .iter()
            .zip(old_gradient)
            .map(|(a, b)| a - b)
            .collect();
        let pool = &*self.pool;
        let (curvature, yy) = (dot(pool, &s, &y), dot(pool, &y, &y));
        if curvature > 1e-10 * yy.sqrt() * dot(pool, &s, &s).sqrt() {
            if self.history.len() == self.history_limit {
                self.history.pop_front();
            }
            self.history.push_back(Pair {
                s,
                y,
                rho: 1.0 / curvature,
                yy,
            });
        }
    }
}

/// Adam (Kingma & Ba) with the usual β₁ = 0.9, β₂ = 0.999.
pub struct Adam {
    learning_rate: f32,
    first: Vec<f32>,
    second: Vec<f32>,
    gradient: Vec<f32>,
    iteration: i32,
}

impl Adam {
    pub fn new(n: usize, learning_rate: f32) -> Adam {
        Adam {
            learning_rate,
            first: vec![0.0; n],
            second: vec![0.0; n],
            gradient: vec![0.0; n],
            iteration: 0,
        }
    }

    pub fn step(
        &mut self,
        x: &mut [f32],
        objective: &mut Objective<'_>,
    ) -> Result<Step, CoreError> {
        const BETA1: f32 = 0.9;
        const BETA2: f32 = 0.999;
        const EPSILON: f32 = 1e-8;
        let loss = objective(x, &mut self.gradient)?;
        self.iteration += 1;
        let correction1 = 1.0 - BETA1.powi(self.iteration);
        let correction2 = 1.0 - BETA2.powi(self.iteration);
        for (((x, g), m), v) in x
            .iter_mut()
            .zip(&self.gradient)
            .zip(&mut self.first)
            .zip(&mut self.second)
        {
            *m = BETA1 * *m + (1.0 - BETA1) * g;
            *v = BETA2 * *v + (1.0 - BETA2) * g * g;
            *x -= self.learning_rate * (*m / correction1) / ((*v / correction2).sqrt() + EPSILON);
        }
        Ok(Step {
            loss,
            evaluations: 1,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> Arc<ThreadPool> {
        crate::vector::thread_pool(2).unwrap()
    }

    /// An ill-conditioned quadratic (condition number 10⁴) with a known minimum.
    fn quadratic() -> impl FnMut(&[f32], &mut [f32]) -> Result<f64, CoreError> {
        |x: &[f32], g: &mut [f32]| {
            let mut loss = 0.0;
            for (i, (x, g)) in x.iter().zip(g.iter_mut()).enumerate() {
                let scale = 10f32.powf(4.0 * i as f32 / 9.0);
                let d = x - 1.0;
                loss += 0.5 * (scale * d * d) as f64;
                *g = scale * d;
            }
            Ok(loss)
        }
    }

    #[test]
    fn lbfgs_minimises_an_ill_conditioned_quadratic() {
        let mut x = vec![0.0f32; 10];
        let mut objective = quadratic();
        let mut optimizer = Lbfgs::new(x.len(), 10, 1 << 20, pool());
        let mut loss = f64::INFINITY;
        for _ in 0..200 {
            loss = optimizer.step(&mut x, &mut objective).unwrap().loss;
        }
        assert!(loss < 1e-6, "loss {loss}");
        assert!(x.iter().all(|v| (v - 1.0).abs() < 1e-2), "{x:?}");
    }

    /// Rosenbrock's valley, minimum 0 at (1, 1).
    fn rosenbrock(x: &[f32], g: &mut [f32]) -> Result<f64, CoreError> {
        let (a, b) = (x[0] as f64, x[1] as f64);
        g[0] = (-2.0 * (1.0 - a) - 400.0 * a * (b - a * a)) as f32;
        g[1] = (200.0 * (b - a * a)) as f32;
        Ok((1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2))
    }

    #[test]
    fn both_optimisers_find_the_bottom_of_rosenbrocks_valley() {
        let mut x = vec![-1.2f32, 1.0];
        let mut lbfgs = Lbfgs::new(2, 10, 1 << 20, pool());
        for _ in 0..200 {
            lbfgs.step(&mut x, &mut rosenbrock).unwrap();
        }
        assert!(
            (x[0] - 1.0).abs() < 1e-2 && (x[1] - 1.0).abs() < 2e-2,
            "L-BFGS ended at {x:?}"
        );

        let mut x = vec![-1.2f32, 1.0];
        let mut adam = Adam::new(2, 0.01);
        for _ in 0..20000 {
            adam.step(&mut x, &mut rosenbrock).unwrap();
        }
        assert!(
            (x[0] - 1.0).abs() < 5e-2 && (x[1] - 1.0).abs() < 1e-1,
            "Adam ended at {x:?}"
        );
    }

    #[test]
    fn lbfgs_history_is_bounded_by_memory() {
        assert_eq!(
            Lbfgs::new(1_000_000, 100, 80_000_000, pool()).history_limit(),
            10
        );
        assert_eq!(Lbfgs::new(1_000_000, 100, 0, pool()).history_limit(), 3);
        assert_eq!(Lbfgs::new(10, 100, 1 << 30, pool()).history_limit(), 100);
    }

    #[test]
    fn adam_descends() {
        let mut x = vec![0.0f32; 10];
        let mut objective = quadratic();
        let mut optimizer = Adam::new(x.len(), 0.05);
        let first = optimizer.step(&mut x, &mut objective).unwrap().loss;
        let mut last = first;
        for _ in 0..200 {
            last = optimizer.step(&mut x, &mut objective).unwrap().loss;
        }
        assert!(last < first * 0.01, "{first} -> {last}");
    }
}
