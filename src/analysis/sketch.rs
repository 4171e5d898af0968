//! A mergeable histogram of millisecond values with log-spaced integer buckets (the layout of
//! an HDR histogram with 8 significant bits): values below 256 ms each have their own bucket,
//! larger ones share a bucket with the values that agree in their 8 leading bits. A bucket is
//! at most 1/128 of its lower bound wide, so its midpoint is within 1/256 (0.4 %) of every
//! value in it. Counts are integers: merging is exact and does not depend on the order.

use serde::{Deserialize, Serialize};

/// Largest relative error of [`LogHistogram::kth`] against the exact nearest-rank
/// percentile of the same values (1/256).
pub const RELATIVE_ERROR: f64 = 1.0 / 256.0;

/// Values per power of two above 256 ms.
const SUB: u64 = 128;

/// Bucket index of `v`: `v` itself below 256, else `s·128 + m` where `m` (128…255) is `v`'s
/// leading 8 bits and `s` the bits dropped.
#[must_use]
pub fn bucket(v: u64) -> u32 {
    if v < 2 * SUB {
        return u32::try_from(v).unwrap_or(u32::MAX);
    }
    let s = 63 - v.leading_zeros() - 7;
    let m = v >> s;
    u32::try_from(u64::from(s) * SUB + m).unwrap_or(u32::MAX)
}

/// The smallest and largest value of bucket `b` (inclusive).
#[must_use]
pub fn bounds(b: u32) -> (u64, u64) {
    let b = u64::from(b);
    if b < 2 * SUB {
        return (b, b);
    }
    let s = b / SUB - 1;
    let m = b - s * SUB;
    (m << s, ((m + 1) << s) - 1)
}

/// Counts per bucket over the window of buckets seen so far (most objects' Ready times span a
/// few hundred buckets).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogHistogram {
    /// Index of the first bucket in `counts`.
    pub first: u32,
    /// Counts of buckets `first`, `first + 1`, … (a run has at most 10 million trials).
    pub counts: Vec<u32>,
}

impl LogHistogram {
    /// Values counted.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.counts.iter().map(|c| u64::from(*c)).sum()
    }

    /// Whether nothing was counted.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.counts.iter().all(|c| *c == 0)
    }

    fn add_count(&mut self, b: u32, c: u32) {
        if self.counts.is_empty() {
            self.first = b;
        }
        if b < self.first {
            let grow = (self.first - b) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.first = b;
        }
        let i = (b - self.first) as usize;
        if i >= self.counts.len() {
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] = self.counts[i].saturating_add(c);
    }

    /// Counts one value.
    pub fn add(&mut self, v: u64) {
        self.add_count(bucket(v), 1);
    }

    /// Adds `other`'s counts.
    pub fn merge(&mut self, other: &LogHistogram) {
        for (i, c) in other.counts.iter().enumerate().filter(|(_, c)| **c > 0) {
            self.add_count(other.first + i as u32, *c);
        }
    }

    /// Values counted in the buckets whose middle is at most `v` (exact below 256).
    #[must_use]
    pub fn count_at_most(&self, v: u64) -> u64 {
        let mut n = 0;
        for (i, c) in self.counts.iter().enumerate() {
            let (lo, hi) = bounds(self.first + i as u32);
            if lo + (hi - lo) / 2 > v {
                break;
            }
            n += u64::from(*c);
        }
        n
    }

    /// The nearest-rank `k`-th smallest value (1-based), as the midpoint of its bucket; None
    /// when fewer than `k` values were counted.
    #[must_use]
    pub fn kth(&self, k: u64) -> Option<u64> {
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += u64::from(*c);
            if seen >= k {
                let (lo, hi) = bounds(self.first + i as u32);
                return Some(lo + (hi - lo) / 2);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_are_exact_and_large_ones_share_buckets() {
        assert_eq!(bucket(0), 0);
        assert_eq!(bucket(255), 255);
        assert_eq!(bounds(255), (255, 255));
        // 256 = 128·2: s = 1, m = 128 → bucket 256, values 256…257.
        assert_eq!(bucket(256), 256);
        assert_eq!(bounds(256), (256, 257));
        assert_eq!(bucket(257), 256);
        assert_eq!(bucket(258), 257);
        // 30,000 ms: 2^14 ≤ 30,000 < 2^15, s = 14 − 7 = 7, m = 30,000 >> 7 = 234
        // → bucket 7·128 + 234 = 1130, values 234·128 = 29,952 … 235·128 − 1 = 30,079.
        assert_eq!(bucket(30_000), 1130);
        assert_eq!(bounds(1130), (29_952, 30_079));
        // Every bucket's bounds map back to it, and buckets are contiguous.
        for b in 0..3000 {
            let (lo, hi) = bounds(b);
            assert_eq!((bucket(lo), bucket(hi)), (b, b));
            assert_eq!(bucket(hi + 1), b + 1);
        }
    }

    #[test]
    fn percentile_from_a_small_known_set() {
        let mut h = LogHistogram::default();
        for v in [100, 30_000, 30_050, 31_000, 200] {
            h.add(v);
        }
        assert_eq!(h.len(), 5);
        // Sorted: 100, 200, 30,000, 30,050, 31,000. 3rd: bucket 1130 → midpoint
        // 29,952 + (127 / 2) = 30,015 (exact value 30,000: 0.05 % off).
        assert_eq!(h.kth(1), Some(100));
        assert_eq!(h.kth(2), Some(200));
        assert_eq!(h.kth(3), Some(30_015));
        assert_eq!(h.kth(4), Some(30_015));
        // 31,000 >> 7 = 242 → 30,976 … 31,103, midpoint 31,039.
        assert_eq!(h.kth(5), Some(31_039));
        assert_eq!(h.kth(6), None);
        // At most 30,015 (bucket 1130's middle): 100, 200 and the two in bucket 1130.
        assert_eq!(h.count_at_most(30_014), 2);
        assert_eq!(h.count_at_most(30_015), 4);
        assert_eq!(h.count_at_most(1_000_000), 5);
    }

    #[test]
    fn merging_in_any_order_gives_the_same_counts() {
        let vals: Vec<u64> = (0..500).map(|i| (i * 7919) % 100_000).collect();
        let mut whole = LogHistogram::default();
        vals.iter().for_each(|v| whole.add(*v));
        let (mut a, mut b) = (LogHistogram::default(), LogHistogram::default());
        vals[..250].iter().for_each(|v| a.add(*v));
        vals[250..].iter().for_each(|v| b.add(*v));
        let mut ab = a.clone();
        ab.merge(&b);
        b.merge(&a);
        assert_eq!(ab, whole);
        assert_eq!(b, whole);
    }

    #[test]
    fn the_midpoint_is_within_the_stated_error() {
        for v in (256..2_000_000).step_by(997) {
            let (lo, hi) = bounds(bucket(v));
            let mid = lo + (hi - lo) / 2;
            #[allow(clippy::cast_precision_loss)]
            let err = (mid as f64 - v as f64).abs() / v as f64;
            assert!(err <= RELATIVE_ERROR, "{v}: {mid} is {err} off");
        }
    }
}
