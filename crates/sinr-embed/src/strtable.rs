//! A string-to-id table for the tokenizer's hot loops: keys are stored back to back in one byte
//! arena and found through an open-addressing table of ids, so a lookup touches two small
//! arrays instead of chasing a heap pointer per key.

use std::hash::Hasher;

use rustc_hash::FxHasher;

/// Interned strings with dense ids `0..len()` in insertion order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct StrTable {
    arena: Vec<u8>,
    /// `ends[i]` is the end of key `i` in the arena (its start is `ends[i - 1]`, or 0).
    ends: Vec<u32>,
    /// 0 = empty, else id + 1.
    slots: Vec<u32>,
    hashes: Vec<u64>,
}

#[inline]
fn hash(bytes: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(bytes);
    h.finish()
}

impl StrTable {
    /// Number of keys.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Key `i`.
    pub fn key(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        std::str::from_utf8(&self.arena[start..self.ends[i] as usize]).expect("keys are UTF-8")
    }

    #[inline]
    fn find(&self, s: &[u8], h: u64) -> Result<u32, usize> {
        if self.slots.is_empty() {
            return Err(usize::MAX);
        }
        let mask = self.slots.len() - 1;
        let mut i = (h as usize) & mask;
        loop {
            let v = self.slots[i];
            if v == 0 {
                return Err(i);
            }
            let id = v - 1;
            if self.hashes[id as usize] == h && self.key(id).as_bytes() == s {
                return Ok(id);
            }
            i = (i + 1) & mask;
        }
    }

    /// The id of `s`, if present.
    #[inline]
    pub fn get(&self, s: &str) -> Option<u32> {
        self.find(s.as_bytes(), hash(s.as_bytes())).ok()
    }

    /// The id of `s`, inserting it if needed.
    pub fn insert(&mut self, s: &str) -> u32 {
        let h = hash(s.as_bytes());
        match self.find(s.as_bytes(), h) {
            Ok(id) => id,
            Err(_) => {
                if (self.len() + 1) * 4 > self.slots.len() * 3 {
                    self.grow();
                }
                let slot = self.find(s.as_bytes(), h).expect_err("absent");
                let id = self.len() as u32;
                self.arena.extend_from_slice(s.as_bytes());
                self.ends
                    .push(u32::try_from(self.arena.len()).expect("arena below 4 GiB"));
                self.hashes.push(h);
                self.slots[slot] = id + 1;
                id
            }
        }
    }

    fn grow(&mut self) {
        let cap = (self.slots.len() * 2).max(64);
        self.slots = vec![0; cap];
        let mask = cap - 1;
        for (id, &h) in self.hashes.iter().enumerate() {
            let mut i = (h as usize) & mask;
            while self.slots[i] != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = id as u32 + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_get_grow() {
        let mut t = StrTable::default();
        for i in 0..1000 {
            assert_eq!(t.insert(&format!("w{i}")), i);
        }
        assert_eq!(t.insert("w7"), 7);
        assert_eq!(t.get("w999"), Some(999));
        assert_eq!(t.get("nope"), None);
        assert_eq!(t.key(42), "w42");
        assert_eq!(t.len(), 1000);
        assert_eq!(StrTable::default().get("x"), None);
    }
}
