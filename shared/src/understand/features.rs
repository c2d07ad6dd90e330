//! Text features for the linear model: hashed word unigrams and bigrams (from jieba tokens) and
//! character 1–3-grams (robust to segmentation errors and typos), all hashed with 64-bit FNV-1a so
//! that no string table is stored anywhere — the model is a flat array of weights.

/// One feature occurrence set: its hash and its value (binary presence, L2-normalised).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Feature {
    pub hash: u64,
    pub value: f32,
}

/// The hash of a word unigram feature, for mapping model weights back to words (explanations).
pub fn word_hash(word: &str) -> u64 {
    fnv(b'w', &[word])
}

/// The hash of any named feature (`kind` keeps feature families apart), for other models that
/// build their own features (the paraphrase model).
pub fn named_hash(kind: u8, parts: &[&str]) -> u64 {
    fnv(kind, parts)
}

fn fnv(kind: u8, parts: &[&str]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET;
    let mut eat = |b: u8| {
        h ^= u64::from(b);
        h = h.wrapping_mul(PRIME);
    };
    eat(kind);
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            eat(0x1f);
        }
        p.bytes().for_each(&mut eat);
    }
    // Final avalanche so that the low bits used as bucket index are well mixed.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{9fff}')
}

/// Extracts the features of one text. `normalized` must come from [`crate::understand::text::normalize`] and
/// `tokens` from [`crate::understand::segment::Segmenter::cut`] on it. Deterministic: sorted by hash.
pub fn extract(normalized: &str, tokens: &[&str]) -> Vec<Feature> {
    let mut hashes: Vec<u64> = Vec::with_capacity(tokens.len() * 2 + normalized.len());
    for (i, t) in tokens.iter().enumerate() {
        hashes.push(word_hash(t));
        if let Some(next) = tokens.get(i + 1) {
            hashes.push(fnv(b'b', &[t, next]));
        }
    }
    let chars: Vec<char> = normalized.chars().filter(|c| !c.is_whitespace()).collect();
    let mut buf = [0u8; 12];
    for i in 0..chars.len() {
        if is_cjk(chars[i]) {
            hashes.push(fnv(b'1', &[chars[i].encode_utf8(&mut buf)]));
        }
        for (n, kind) in [(2usize, b'2'), (3, b'3')] {
            if i + n <= chars.len() {
                let gram: String = chars[i..i + n].iter().collect();
                hashes.push(fnv(kind, &[&gram]));
            }
        }
    }
    hashes.sort_unstable();
    hashes.dedup();
    if hashes.is_empty() {
        return Vec::new();
    }
    let value = 1.0 / (hashes.len() as f32).sqrt();
    hashes.into_iter().map(|hash| Feature { hash, value }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_are_deterministic_sorted_and_normalised() {
        let a = extract("送餐太慢", &["送餐", "太慢"]);
        let b = extract("送餐太慢", &["送餐", "太慢"]);
        assert_eq!(a, b);
        assert!(a.windows(2).all(|w| w[0].hash < w[1].hash));
        let norm: f32 = a.iter().map(|f| f.value * f.value).sum();
        assert!((norm - 1.0).abs() < 1e-5);
    }

    #[test]
    fn kinds_do_not_collide() {
        // The word "慢" and the character unigram "慢" are different features.
        assert_ne!(word_hash("慢"), fnv(b'1', &["慢"]));
        assert_ne!(fnv(b'b', &["ab", "c"]), fnv(b'b', &["a", "bc"]));
    }

    #[test]
    fn empty_text_has_no_features() {
        assert!(extract("", &[]).is_empty());
    }
}
