//! The last few answers a thread worked out, by key: a package's records repeat the same
//! certificates, OIDs, blocks and keys, and working them out again per record was measurable.
//! Bounded: when full, the oldest goes first.

use std::collections::VecDeque;

/// Up to `capacity` recent (key, answer) pairs, oldest first.
pub struct Recent<K, V> {
    kept: VecDeque<(K, V)>,
    capacity: usize,
}

impl<K, V: Clone> Recent<K, V> {
    /// Empty, keeping at most `capacity` answers (at least one).
    pub const fn new(capacity: usize) -> Recent<K, V> {
        Recent {
            kept: VecDeque::new(),
            capacity,
        }
    }

    /// The answer kept for the first key that `is_key` accepts.
    pub fn find(&self, is_key: impl Fn(&K) -> bool) -> Option<V> {
        self.kept
            .iter()
            .find(|(key, _)| is_key(key))
            .map(|(_, answer)| answer.clone())
    }

    /// Keeps `answer` for `key`, letting the oldest go when full.
    pub fn keep(&mut self, key: K, answer: V) {
        if self.kept.len() >= self.capacity.max(1) {
            self.kept.pop_front();
        }
        self.kept.push_back((key, answer));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_goes_first_and_each_key_finds_its_own() {
        let mut recent: Recent<u8, String> = Recent::new(2);
        assert_eq!(recent.find(|k| *k == 1), None);
        recent.keep(1, "one".into());
        recent.keep(2, "two".into());
        assert_eq!(recent.find(|k| *k == 1).as_deref(), Some("one"));
        recent.keep(3, "three".into());
        assert_eq!(recent.find(|k| *k == 1), None);
        assert_eq!(recent.find(|k| *k == 2).as_deref(), Some("two"));
        assert_eq!(recent.find(|k| *k == 3).as_deref(), Some("three"));
        let mut none: Recent<u8, u8> = Recent::new(0);
        none.keep(1, 1);
        assert_eq!(none.find(|k| *k == 1), Some(1), "a capacity of 0 keeps one");
    }
}
