//! Limited-memory BFGS (Nocedal 1980; Liu & Nocedal 1989) with a backtracking line search, for
//! the smooth convex objectives of the linear floors: it runs them to convergence, as
//! scikit-learn's `lbfgs` solver does.

/// Minimises `f` from `x0`; `f(x, grad)` returns the objective and writes its gradient. Stops
/// when the largest gradient component is at most `tol` (scikit-learn's `gtol` criterion), when
/// the objective stops decreasing, or after `max_iter` iterations.
pub fn minimise(
    mut x: Vec<f64>,
    mut f: impl FnMut(&[f64], &mut [f64]) -> f64,
    tol: f64,
    max_iter: usize,
) -> Vec<f64> {
    const MEMORY: usize = 10;
    let d = x.len();
    let mut g = vec![0.0; d];
    let mut fx = f(&x, &mut g);
    let mut s_hist: Vec<Vec<f64>> = Vec::new();
    let mut y_hist: Vec<Vec<f64>> = Vec::new();
    let mut rho: Vec<f64> = Vec::new();
    let mut x_new = vec![0.0; d];
    let mut g_new = vec![0.0; d];
    for _ in 0..max_iter {
        if g.iter().fold(0f64, |m, v| m.max(v.abs())) <= tol {
            break;
        }
        // Two-loop recursion: direction = −H g.
        let mut q = g.clone();
        let k = s_hist.len();
        let mut alpha = vec![0.0; k];
        for i in (0..k).rev() {
            alpha[i] = rho[i] * dot(&s_hist[i], &q);
            axpy(-alpha[i], &y_hist[i], &mut q);
        }
        let gamma = if k > 0 {
            dot(&s_hist[k - 1], &y_hist[k - 1]) / dot(&y_hist[k - 1], &y_hist[k - 1])
        } else {
            1.0 / g.iter().map(|v| v * v).sum::<f64>().sqrt().max(1.0)
        };
        for v in &mut q {
            *v *= gamma;
        }
        for i in 0..k {
            let beta = rho[i] * dot(&y_hist[i], &q);
            axpy(alpha[i] - beta, &s_hist[i], &mut q);
        }
        let dir: Vec<f64> = q.iter().map(|v| -v).collect();
        let slope = dot(&g, &dir);
        if slope >= 0.0 {
            // Not a descent direction (numerical trouble): restart from the gradient.
            s_hist.clear();
            y_hist.clear();
            rho.clear();
            continue;
        }
        // Backtracking line search (Armijo).
        let mut step = 1.0;
        let mut f_new;
        loop {
            for i in 0..d {
                x_new[i] = x[i] + step * dir[i];
            }
            f_new = f(&x_new, &mut g_new);
            if f_new <= fx + 1e-4 * step * slope || step < 1e-20 {
                break;
            }
            step *= 0.5;
        }
        let s: Vec<f64> = (0..d).map(|i| x_new[i] - x[i]).collect();
        let y: Vec<f64> = (0..d).map(|i| g_new[i] - g[i]).collect();
        let sy = dot(&s, &y);
        let decrease = fx - f_new;
        std::mem::swap(&mut x, &mut x_new);
        std::mem::swap(&mut g, &mut g_new);
        fx = f_new;
        if sy > 1e-12 {
            if s_hist.len() == MEMORY {
                s_hist.remove(0);
                y_hist.remove(0);
                rho.remove(0);
            }
            s_hist.push(s);
            y_hist.push(y);
            rho.push(1.0 / sy);
        }
        if decrease.abs() <= 1e-15 * fx.abs().max(1.0) {
            break;
        }
    }
    x
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimises_a_quadratic_and_rosenbrock() {
        // (x − 3)² + 10 (y + 1)²: minimum at (3, −1).
        let x = minimise(
            vec![0.0, 0.0],
            |x, g| {
                g[0] = 2.0 * (x[0] - 3.0);
                g[1] = 20.0 * (x[1] + 1.0);
                (x[0] - 3.0).powi(2) + 10.0 * (x[1] + 1.0).powi(2)
            },
            1e-10,
            100,
        );
        assert!(
            (x[0] - 3.0).abs() < 1e-8 && (x[1] + 1.0).abs() < 1e-8,
            "{x:?}"
        );
        // Rosenbrock: minimum at (1, 1).
        let x = minimise(
            vec![-1.2, 1.0],
            |x, g| {
                let (a, b) = (x[0], x[1]);
                g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
                g[1] = 200.0 * (b - a * a);
                (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
            },
            1e-9,
            1000,
        );
        assert!(
            (x[0] - 1.0).abs() < 1e-5 && (x[1] - 1.0).abs() < 1e-5,
            "{x:?}"
        );
    }
}
