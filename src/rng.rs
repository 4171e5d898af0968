//! Keyed random streams (SPEC R17): every draw comes from a ChaCha8 stream keyed by
//! (seed, trial, object's canonical name, purpose, attempt).
//!
//! Adding or removing an object or an edge changes no other object's key, so its draws are
//! unchanged: this is what makes paired what-if comparisons precise. The only place RNGs are made.

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What a draw is for. Part of the stream key, so two purposes never share numbers.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Purpose {
    /// Kustomization / HelmRelease apply (build + dry-run + apply) duration.
    Apply = 1,
    /// Workload readiness time for one start attempt.
    Ready = 2,
    /// Whether a start attempt fails (fault injection).
    Fail = 3,
    /// ±5 % interval jitter.
    Jitter = 4,
    /// Source fetch duration.
    Fetch = 5,
    /// HelmChart fetch duration.
    Chart = 6,
}

/// FNV-1a 64: a stable, platform-independent hash of a canonical name.
#[must_use]
pub fn name_hash(name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The key of one trial: made once per trial from the master seed and the trial index.
#[derive(Clone, Debug)]
pub struct TrialKey {
    seed: [u8; 32],
}

impl TrialKey {
    /// Key for `trial` under `master_seed`.
    #[must_use]
    pub fn new(master_seed: u64, trial: u64) -> Self {
        let mut seed = [0u8; 32];
        let mut x = master_seed ^ trial.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        for chunk in seed.chunks_mut(8) {
            x = splitmix64(x);
            chunk.copy_from_slice(&x.to_le_bytes());
        }
        TrialKey { seed }
    }

    /// The stream for (object name hash, purpose, attempt). Each attempt has its own window of
    /// 256 words in the stream, so attempt k's draws never depend on how many attempt j made.
    #[must_use]
    pub fn stream(&self, name_hash: u64, purpose: Purpose, attempt: u32) -> Stream {
        let mut rng = ChaCha8Rng::from_seed(self.seed);
        rng.set_stream(splitmix64(
            name_hash ^ (purpose as u64).wrapping_mul(0xA24B_AED4_963E_E407),
        ));
        rng.set_word_pos(u128::from(attempt) * 256);
        Stream { rng }
    }
}

/// A stream of uniform numbers for one (object, purpose, attempt).
pub struct Stream {
    rng: ChaCha8Rng,
}

impl Stream {
    /// A uniform number in [0, 1) with 53 bits.
    pub fn uniform(&mut self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let v = (self.rng.next_u64() >> 11) as f64;
        v * (1.0 / 9_007_199_254_740_992.0)
    }
    /// A uniform number in (0, 1].
    pub fn uniform_open0(&mut self) -> f64 {
        1.0 - self.uniform()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_keyed_and_reproducible() {
        let k = TrialKey::new(42, 3);
        let a = k
            .stream(name_hash("Kustomization/flux-system/a"), Purpose::Ready, 0)
            .uniform();
        let a2 = TrialKey::new(42, 3)
            .stream(name_hash("Kustomization/flux-system/a"), Purpose::Ready, 0)
            .uniform();
        assert_eq!(a.to_bits(), a2.to_bits());
        let b = k
            .stream(name_hash("Kustomization/flux-system/b"), Purpose::Ready, 0)
            .uniform();
        let a1 = k
            .stream(name_hash("Kustomization/flux-system/a"), Purpose::Ready, 1)
            .uniform();
        let af = k
            .stream(name_hash("Kustomization/flux-system/a"), Purpose::Fail, 0)
            .uniform();
        let t4 = TrialKey::new(42, 4)
            .stream(name_hash("Kustomization/flux-system/a"), Purpose::Ready, 0)
            .uniform();
        for other in [b, a1, af, t4] {
            assert_ne!(a.to_bits(), other.to_bits());
        }
    }

    #[test]
    fn name_hash_is_fnv1a() {
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (reference value).
        assert_eq!(name_hash("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
