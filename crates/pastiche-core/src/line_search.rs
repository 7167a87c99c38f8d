//! A line search satisfying the strong Wolfe conditions (Nocedal & Wright, algorithms 3.5 and
//! 3.6, with cubic interpolation; the same procedure as PyTorch's `LBFGS(line_search_fn=
//! "strong_wolfe")`, so the two optimisers are compared like for like in bench/run.sh).
//!
//! Strong Wolfe, unlike plain Armijo backtracking, also bounds the slope at the accepted point,
//! `|g(x+td)·d| ≤ c₂|g(x)·d|`: the step is neither too short nor past the valley floor, which keeps
//! the L-BFGS curvature pairs informative (sᵀy > 0 is guaranteed).

use rayon::ThreadPool;

use crate::optimizer::Objective;
use crate::vector::dot;
use crate::CoreError;

/// Sufficient decrease (Armijo) constant.
const C1: f64 = 1e-4;
/// Curvature constant; 0.9 is the usual choice for quasi-Newton directions.
const C2: f64 = 0.9;
/// Most loss+gradient evaluations one search may spend.
const MAX_EVALUATIONS: usize = 25;
/// A bracket narrower than this (in the largest pixel change) cannot improve further.
const TOLERANCE_CHANGE: f64 = 1e-9;

/// A point on the line `x + t·d`: the step, the loss, its gradient and slope along `d`.
pub struct LinePoint {
    pub t: f64,
    pub loss: f64,
    pub gradient: Vec<f32>,
    pub slope: f64,
}

/// Searches along `direction` from `x`, whose loss and slope along `direction` are `start`,
/// beginning with the step `t`. Returns the accepted point and the evaluations spent; a point
/// with `t == 0` (and an empty gradient: the caller has it) means no better point was found.
/// The slopes are computed on `pool`.
pub fn strong_wolfe(
    pool: &ThreadPool,
    objective: &mut Objective<'_>,
    x: &[f32],
    direction: &[f32],
    (start_loss, start_slope): (f64, f64),
    t: f64,
) -> Result<(LinePoint, usize), CoreError> {
    let largest_move = direction.iter().fold(0f32, |m, d| m.max(d.abs())) as f64;
    let mut trial = vec![0f32; x.len()];
    let mut evaluations = 0;
    let mut evaluate = |t: f64| -> Result<LinePoint, CoreError> {
        trial
            .iter_mut()
            .zip(x.iter().zip(direction))
            .for_each(|(v, (x, d))| *v = x + t as f32 * d);
        let mut gradient = vec![0f32; x.len()];
        let loss = objective(&trial, &mut gradient)?;
        let slope = dot(pool, &gradient, direction);
        // A non-finite loss (overflow far along the line) counts as too far.
        let loss = if loss.is_finite() {
            loss
        } else {
            f64::INFINITY
        };
        Ok(LinePoint {
            t,
            loss,
            gradient,
            slope,
        })
    };
    let sufficient = |p: &LinePoint| p.loss <= start_loss + C1 * p.t * start_slope;
    let curvature = |p: &LinePoint| p.slope.abs() <= -C2 * start_slope;

    // Bracketing: grow the step until it passes a minimum or satisfies both conditions.
    let mut previous = LinePoint {
        t: 0.0,
        loss: start_loss,
        gradient: Vec::new(),
        slope: start_slope,
    };
    let mut current = evaluate(t)?;
    evaluations += 1;
    let mut bracket = loop {
        if !sufficient(&current) || (evaluations > 1 && current.loss >= previous.loss) {
            break [previous, current];
        }
        if curvature(&current) {
            return Ok((current, evaluations));
        }
        if current.slope >= 0.0 {
            break [previous, current];
        }
        if evaluations == MAX_EVALUATIONS {
            return Ok((current, evaluations));
        }
        let next = cubic_minimum(
            &previous,
            &current,
            (
                current.t + 0.01 * (current.t - previous.t),
                current.t * 10.0,
            ),
        );
        previous = current;
        current = evaluate(next)?;
        evaluations += 1;
    };

    // Zoom: shrink the bracket around the point satisfying both conditions.
    let mut insufficient_progress = false;
    let (mut low, mut high) = if bracket[0].loss <= bracket[1].loss {
        (0, 1)
    } else {
        (1, 0)
    };
    while evaluations < MAX_EVALUATIONS
        && (bracket[1].t - bracket[0].t).abs() * largest_move >= TOLERANCE_CHANGE
    {
        let (lo_t, hi_t) = (
            bracket[0].t.min(bracket[1].t),
            bracket[0].t.max(bracket[1].t),
        );
        let mut t = cubic_minimum(&bracket[0], &bracket[1], (lo_t, hi_t));
        // Keep the next trial away from the bracket's ends, or the search can crawl.
        let margin = 0.1 * (hi_t - lo_t);
        if (hi_t - t).min(t - lo_t) < margin {
            if insufficient_progress || t >= hi_t || t <= lo_t {
                t = if (t - hi_t).abs() < (t - lo_t).abs() {
                    hi_t - margin
                } else {
                    lo_t + margin
                };
                insufficient_progress = false;
            } else {
                insufficient_progress = true;
            }
        } else {
            insufficient_progress = false;
        }
        let point = evaluate(t)?;
        evaluations += 1;
        if !sufficient(&point) || point.loss >= bracket[low].loss {
            bracket[high] = point;
        } else {
            if curvature(&point) {
                return Ok((point, evaluations));
            }
            if point.slope * (bracket[high].t - bracket[low].t) >= 0.0 {
                bracket.swap(low, high);
            }
            bracket[low] = point;
        }
        (low, high) = if bracket[0].loss <= bracket[1].loss {
            (0, 1)
        } else {
            (1, 0)
        };
    }
    let [a, b] = bracket;
    Ok((if low == 0 { a } else { b }, evaluations))
}

/// Minimiser of the cubic through two points' losses and slopes, clamped to `bounds`; the
/// bounds' midpoint where the cubic has no minimum (or the points are not finite).
fn cubic_minimum(a: &LinePoint, b: &LinePoint, (low, high): (f64, f64)) -> f64 {
    let d1 = a.slope + b.slope - 3.0 * (a.loss - b.loss) / (a.t - b.t);
    let d2_square = d1 * d1 - a.slope * b.slope;
    let minimum = if d2_square >= 0.0 {
        let d2 = d2_square.sqrt();
        if a.t <= b.t {
            b.t - (b.t - a.t) * ((b.slope + d2 - d1) / (b.slope - a.slope + 2.0 * d2))
        } else {
            a.t - (a.t - b.t) * ((a.slope + d2 - d1) / (a.slope - b.slope + 2.0 * d2))
        }
    } else {
        f64::NAN
    };
    if minimum.is_finite() {
        minimum.clamp(low, high)
    } else {
        0.5 * (low + high)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// f(x) = Σ (x_i − 3)⁴ + (x_i − 3)²: a line through it has one minimum, far beyond t = 1.
    fn valley(x: &[f32], g: &mut [f32]) -> Result<f64, CoreError> {
        let mut loss = 0.0;
        for (x, g) in x.iter().zip(g.iter_mut()) {
            let d = (x - 3.0) as f64;
            loss += d.powi(4) + d * d;
            *g = (4.0 * d.powi(3) + 2.0 * d) as f32;
        }
        Ok(loss)
    }

    fn accepted(start_t: f64) -> (LinePoint, usize, f64, f64) {
        let x = vec![0.0f32; 4];
        let mut gradient = vec![0.0f32; 4];
        let loss = valley(&x, &mut gradient).unwrap();
        let direction: Vec<f32> = gradient.iter().map(|g| -g * 1e-3).collect();
        let pool = crate::vector::thread_pool(1).unwrap();
        let slope = dot(&pool, &gradient, &direction);
        let (point, evaluations) =
            strong_wolfe(&pool, &mut valley, &x, &direction, (loss, slope), start_t).unwrap();
        (point, evaluations, loss, slope)
    }

    #[test]
    fn the_accepted_step_satisfies_both_strong_wolfe_conditions() {
        // Too short a first step (the bracketing phase grows it) and far too long (zoom shrinks it).
        for start_t in [0.1, 1e4] {
            let (point, evaluations, loss, slope) = accepted(start_t);
            assert!(point.t > 0.0, "from t = {start_t}");
            assert!(
                point.loss <= loss + C1 * point.t * slope,
                "sufficient decrease"
            );
            assert!(
                point.slope.abs() <= -C2 * slope,
                "curvature, from t = {start_t}"
            );
            assert!(evaluations > 1 && evaluations <= MAX_EVALUATIONS);
        }
    }

    #[test]
    fn an_acceptable_first_step_costs_one_evaluation() {
        let (point, evaluations, ..) = accepted(30.0);
        assert_eq!((point.t, evaluations), (30.0, 1));
    }

    #[test]
    fn the_cubic_through_a_parabola_finds_its_minimum() {
        // f(t) = (t − 2)²: f(0) = 4, f'(0) = −4; f(3) = 1, f'(3) = 2.
        let point = |t: f64, loss, slope| LinePoint {
            t,
            loss,
            gradient: Vec::new(),
            slope,
        };
        let t = cubic_minimum(&point(0.0, 4.0, -4.0), &point(3.0, 1.0, 2.0), (0.0, 3.0));
        assert!((t - 2.0).abs() < 1e-12, "{t}");
    }
}
