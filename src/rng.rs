//! Keyed random streams (SPEC R17): every draw comes from a ChaCha8 stream keyed by
//! (seed, trial, object's canonical name, purpose, attempt).
//!
//! Adding or removing an object or an edge changes no other object's key, so its draws are
//! unchanged: this is what makes paired what-if comparisons precise. The only place RNGs are made.

use rand_core::{RngCore, SeedableRng};

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
    key: [u32; 8],
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
        let mut key = [0u32; 8];
        for (i, k) in key.iter_mut().enumerate() {
            *k = u32::from_le_bytes([
                seed[4 * i],
                seed[4 * i + 1],
                seed[4 * i + 2],
                seed[4 * i + 3],
            ]);
        }
        TrialKey { seed, key }
    }

    /// The stream for (object name hash, purpose, attempt). Each attempt has its own window of
    /// 256 words in the stream, so attempt k's draws never depend on how many attempt j made.
    #[must_use]
    pub fn stream(&self, name_hash: u64, purpose: Purpose, attempt: u32) -> Stream {
        let nonce = splitmix64(name_hash ^ (purpose as u64).wrapping_mul(0xA24B_AED4_963E_E407));
        // Word position attempt·256 = block attempt·16 (16 words a block).
        Stream {
            key: self.key,
            nonce,
            counter: u64::from(attempt) * 16,
            buf: [0; 16],
            idx: 16,
        }
    }

    /// The 32-byte seed (for cross-checking against `rand_chacha`).
    #[must_use]
    pub fn seed(&self) -> [u8; 32] {
        self.seed
    }
}

/// A stream of uniform numbers for one (object, purpose, attempt): the ChaCha8 keystream
/// (Bernstein's layout: 64-bit block counter, 64-bit stream id) keyed by the trial key, computed
/// one 64-byte block at a time. Bit-identical to `rand_chacha::ChaCha8Rng` with the same seed,
/// `set_stream(nonce)` and word position (tested), but a draw costs one block, not four.
pub struct Stream {
    key: [u32; 8],
    nonce: u64,
    counter: u64,
    buf: [u32; 16],
    idx: usize,
}

#[inline]
fn quarter(x: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    x[a] = x[a].wrapping_add(x[b]);
    x[d] = (x[d] ^ x[a]).rotate_left(16);
    x[c] = x[c].wrapping_add(x[d]);
    x[b] = (x[b] ^ x[c]).rotate_left(12);
    x[a] = x[a].wrapping_add(x[b]);
    x[d] = (x[d] ^ x[a]).rotate_left(8);
    x[c] = x[c].wrapping_add(x[d]);
    x[b] = (x[b] ^ x[c]).rotate_left(7);
}

/// One ChaCha8 block.
#[must_use]
#[allow(clippy::cast_possible_truncation)]
pub fn chacha8_block(key: &[u32; 8], counter: u64, nonce: u64) -> [u32; 16] {
    let mut init = [0u32; 16];
    init[..4].copy_from_slice(&[0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574]);
    init[4..12].copy_from_slice(key);
    init[12] = counter as u32;
    init[13] = (counter >> 32) as u32;
    init[14] = nonce as u32;
    init[15] = (nonce >> 32) as u32;
    let mut x = init;
    for _ in 0..4 {
        quarter(&mut x, 0, 4, 8, 12);
        quarter(&mut x, 1, 5, 9, 13);
        quarter(&mut x, 2, 6, 10, 14);
        quarter(&mut x, 3, 7, 11, 15);
        quarter(&mut x, 0, 5, 10, 15);
        quarter(&mut x, 1, 6, 11, 12);
        quarter(&mut x, 2, 7, 8, 13);
        quarter(&mut x, 3, 4, 9, 14);
    }
    for (o, i) in x.iter_mut().zip(init) {
        *o = o.wrapping_add(i);
    }
    x
}

impl Stream {
    fn refill(&mut self) {
        self.buf = chacha8_block(&self.key, self.counter, self.nonce);
        self.counter = self.counter.wrapping_add(1);
        self.idx = 0;
    }

    /// The next 64 bits of the keystream (low word first, as `rand_chacha`; a word left over
    /// at the end of a block is the low half, as `rand_core`'s block RNG does).
    pub fn next_u64(&mut self) -> u64 {
        if self.idx >= 16 {
            self.refill();
        } else if self.idx == 15 {
            let lo = u64::from(self.buf[15]);
            self.refill();
            self.idx = 1;
            return lo | (u64::from(self.buf[0]) << 32);
        }
        let v = u64::from(self.buf[self.idx]) | (u64::from(self.buf[self.idx + 1]) << 32);
        self.idx += 2;
        v
    }

    /// The next 32 bits of the keystream.
    pub fn next_u32(&mut self) -> u32 {
        if self.idx >= 16 {
            self.refill();
        }
        let v = self.buf[self.idx];
        self.idx += 1;
        v
    }

    /// A uniform number in [0, 1) with 53 bits.
    pub fn uniform(&mut self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let v = (self.next_u64() >> 11) as f64;
        v * (1.0 / 9_007_199_254_740_992.0)
    }
    /// A uniform number in (0, 1].
    pub fn uniform_open0(&mut self) -> f64 {
        1.0 - self.uniform()
    }
}

/// `rand_core` interface, so library users can drive `rand`'s distributions from the same
/// keystream. Every output is the same as `rand_chacha::ChaCha8Rng`'s for the same position.
impl RngCore for Stream {
    fn next_u32(&mut self) -> u32 {
        Stream::next_u32(self)
    }
    fn next_u64(&mut self) -> u64 {
        Stream::next_u64(self)
    }
    fn fill_bytes(&mut self, dst: &mut [u8]) {
        // Whole words are consumed, little-endian, as `rand_core::block::BlockRng` does.
        for chunk in dst.chunks_mut(4) {
            let w = Stream::next_u32(self).to_le_bytes();
            chunk.copy_from_slice(&w[..chunk.len()]);
        }
    }
}

/// A `Stream` seeded directly (stream id 0, word position 0): the same keystream as
/// `rand_chacha::ChaCha8Rng::from_seed(seed)`.
impl SeedableRng for Stream {
    type Seed = [u8; 32];
    fn from_seed(seed: [u8; 32]) -> Self {
        let mut key = [0u32; 8];
        for (k, c) in key.iter_mut().zip(seed.chunks_exact(4)) {
            *k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        }
        Stream {
            key,
            nonce: 0,
            counter: 0,
            buf: [0; 16],
            idx: 16,
        }
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

    /// Our one-block ChaCha8 is the same keystream as `rand_chacha::ChaCha8Rng` (seed, stream,
    /// word position), across block boundaries and for several attempts.
    #[test]
    fn matches_rand_chacha_bit_for_bit() {
        let k = TrialKey::new(99, 5);
        for attempt in [0u32, 1, 7, 1000] {
            let mut ours = k.stream(name_hash("HelmRelease/x/y"), Purpose::Apply, attempt);
            let mut theirs = rand_chacha::ChaCha8Rng::from_seed(k.seed());
            theirs.set_stream(splitmix64(
                name_hash("HelmRelease/x/y")
                    ^ (Purpose::Apply as u64).wrapping_mul(0xA24B_AED4_963E_E407),
            ));
            theirs.set_word_pos(u128::from(attempt) * 256);
            for _ in 0..40 {
                assert_eq!(ours.next_u64(), theirs.next_u64());
            }
        }
    }

    /// Mixed 32/64-bit draws and byte fills through `rand_core` stay on rand_chacha's
    /// keystream, including a 64-bit draw that straddles a block boundary.
    #[test]
    fn rand_core_interface_matches_rand_chacha() {
        let seed = TrialKey::new(7, 1).seed();
        let mut ours = Stream::from_seed(seed);
        let mut theirs = rand_chacha::ChaCha8Rng::from_seed(seed);
        for i in 0..100 {
            if i % 3 == 0 {
                assert_eq!(RngCore::next_u32(&mut ours), theirs.next_u32());
            } else {
                assert_eq!(RngCore::next_u64(&mut ours), theirs.next_u64());
            }
        }
        let (mut a, mut b) = ([0u8; 37], [0u8; 37]);
        ours.fill_bytes(&mut a);
        theirs.fill_bytes(&mut b);
        assert_eq!(a, b);
        assert_eq!(RngCore::next_u64(&mut ours), theirs.next_u64());
    }

    #[test]
    fn name_hash_is_fnv1a() {
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (reference value).
        assert_eq!(name_hash("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
