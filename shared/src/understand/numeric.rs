//! Deterministic numerics: the same bits on every target.
//!
//! `f32::exp` goes to the platform's libm, which may differ in the last bit between the browser
//! (wasm32) and the native/edge build. These functions use only IEEE-exact operations (add,
//! multiply, floor, bit casts), so widget, worker and CLI produce identical scores.

const LOG2_E: f32 = std::f32::consts::LOG2_E;
// ln 2 split in two (Cody–Waite) so that `x - k ln 2` loses no precision for large |x|.
const LN_2_HI: f32 = 0.693_145_75;
const LN_2_LO: f32 = 1.428_606_8e-6;

/// e^x with a relative error below 1e-6 over the whole f32 range that does not overflow.
pub fn exp(x: f32) -> f32 {
    let x = x.clamp(-87.0, 88.0);
    let k = (x * LOG2_E + 0.5).floor();
    let r = (x - k * LN_2_HI) - k * LN_2_LO; // |r| <= ln 2 / 2: the degree-6 series is enough
    let p = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    let two_k = f32::from_bits((((k as i32) + 127) as u32) << 23);
    p * two_k
}

/// The logistic function 1 / (1 + e^-x).
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_matches_libm_closely() {
        let mut x = -80.0f32;
        while x < 80.0 {
            let (ours, std) = (exp(x), x.exp());
            assert!(((ours - std) / std).abs() < 2e-6, "exp({x}): {ours} vs {std}");
            x += 0.37;
        }
        assert_eq!(exp(0.0), 1.0);
    }

    #[test]
    fn sigmoid_is_a_probability_and_symmetric() {
        assert_eq!(sigmoid(0.0), 0.5);
        assert!((sigmoid(3.0) + sigmoid(-3.0) - 1.0).abs() < 1e-6);
        assert!(sigmoid(1000.0) <= 1.0 && sigmoid(-1000.0) >= 0.0);
    }
}
