//! Black-Scholes values and greeks for the demo options.
//!
//! This is the one place the sim computes in f64, because the model needs `ln`, `exp` and the
//! normal distribution; callers round the price to a tick into a `Decimal` before storing it.

/// Call or put.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PutCall {
    Call,
    Put,
}

/// A model price with the greeks Schwab's option quotes carry.
///
/// Units follow the quote fields: theta per calendar day, vega per volatility point, rho per
/// percentage point of rate.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Valuation {
    pub price: f64,
    pub delta: f64,
    pub gamma: f64,
    pub theta: f64,
    pub vega: f64,
    pub rho: f64,
}

/// The risk-free rate the demo assumes.
pub(crate) const RATE: f64 = 0.04;

/// Values a European option on a non-dividend stock; at or past expiry, intrinsic value only.
pub(crate) fn value(kind: PutCall, spot: f64, strike: f64, years: f64, vol: f64) -> Valuation {
    let intrinsic = match kind {
        PutCall::Call => (spot - strike).max(0.0),
        PutCall::Put => (strike - spot).max(0.0),
    };
    if years <= 0.0 || vol <= 0.0 || spot <= 0.0 || strike <= 0.0 {
        let delta = match kind {
            PutCall::Call if spot > strike => 1.0,
            PutCall::Put if spot < strike => -1.0,
            _ => 0.0,
        };
        return Valuation {
            price: intrinsic,
            delta,
            ..Valuation::default()
        };
    }

    let root_t = years.sqrt();
    let d1 = ((spot / strike).ln() + (RATE + vol * vol / 2.0) * years) / (vol * root_t);
    let d2 = d1 - vol * root_t;
    let discount = (-RATE * years).exp();
    let density = normal_pdf(d1);
    let gamma = density / (spot * vol * root_t);
    let vega = spot * density * root_t / 100.0;
    let decay = -spot * density * vol / (2.0 * root_t);

    let (price, delta, theta, rho) = match kind {
        PutCall::Call => (
            spot * normal_cdf(d1) - strike * discount * normal_cdf(d2),
            normal_cdf(d1),
            (decay - RATE * strike * discount * normal_cdf(d2)) / 365.0,
            strike * years * discount * normal_cdf(d2) / 100.0,
        ),
        PutCall::Put => (
            strike * discount * normal_cdf(-d2) - spot * normal_cdf(-d1),
            normal_cdf(d1) - 1.0,
            (decay + RATE * strike * discount * normal_cdf(-d2)) / 365.0,
            -strike * years * discount * normal_cdf(-d2) / 100.0,
        ),
    };
    Valuation {
        price: price.max(intrinsic * discount),
        delta,
        gamma,
        theta,
        vega,
        rho,
    }
}

fn normal_pdf(x: f64) -> f64 {
    (-x * x / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// The standard normal CDF through Abramowitz and Stegun 7.1.26 (error below 1.5e-7), which
/// is far finer than any tick.
fn normal_cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-z * z).exp();
    if x >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_call_parity_holds() {
        let (s, k, t, v) = (100.0, 95.0, 0.5, 0.3);
        let call = value(PutCall::Call, s, k, t, v).price;
        let put = value(PutCall::Put, s, k, t, v).price;
        let parity = s - k * (-RATE * t).exp();
        assert!((call - put - parity).abs() < 1e-4, "{call} {put} {parity}");
    }

    #[test]
    fn deltas_have_the_right_sign() {
        assert!(value(PutCall::Call, 100.0, 100.0, 1.0, 0.2).delta > 0.5);
        assert!(value(PutCall::Put, 100.0, 100.0, 1.0, 0.2).delta < 0.0);
    }

    #[test]
    fn expired_option_is_worth_its_intrinsic_value() {
        let v = value(PutCall::Call, 120.0, 100.0, 0.0, 0.3);
        assert!((v.price - 20.0).abs() < 1e-9);
        assert!((v.delta - 1.0).abs() < 1e-9);
    }
}
