//! The trained model artefact: two hashed linear models (complaint vs not; one-vs-rest
//! categories) with i8 weights and a per-head scale, in one versioned binary file
//! (`shared/model/qingting.qtm`, embedded with `include_bytes!`).
//!
//! ## Format `QTM2` (little-endian)
//!
//! ```text
//! "QTM2" | u16 version length | version (UTF-8)
//! complaint table | category table | f32 platt_a | f32 platt_b
//! urgent table | f32 urgent platt_a | f32 urgent platt_b
//! (`QTM1`, the format before the urgent head, ends after the first `platt_b` and still parses.)
//! table := u8 bits | u8 heads | heads × (u8 name length | name | f32 scale | f32 bias | f32 threshold)
//!          | u32 non-zero count | non-zero × (LEB128 gap | i8 weight)
//! ```
//!
//! Weights are logically a dense `(1 << bits) × heads` i8 array, bucket-major (all heads of
//! bucket 0, then bucket 1 …); the file stores only the non-zero ones, each as the distance from
//! the previous one's flat index (the first from -1) and its value. Most are zero after pruning,
//! and a dense file full of zero runs costs nearly twice as much in the widget's WebAssembly
//! (wasm-opt splits data segments at zero runs) as this form.

use thiserror::Error;

use crate::understand::features::Feature;

const MAGIC_V1: &[u8; 4] = b"QTM1";
const MAGIC: &[u8; 4] = b"QTM2";

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ModelError {
    #[error("not a Qingting model (bad magic)")]
    BadMagic,
    #[error("the model file is truncated")]
    Truncated,
    #[error("the model file is malformed: {0}")]
    Malformed(&'static str),
}

/// One output of a linear table.
#[derive(Clone, Debug, PartialEq)]
pub struct Head {
    pub name: String,
    /// Weight of a quantised step: `weight = i8 × scale`.
    pub scale: f32,
    pub bias: f32,
    /// Decision threshold on the head's probability.
    pub threshold: f32,
}

/// A hashed linear model: `logit[h] = bias[h] + scale[h] × Σ value × w[bucket(feature)][h]`.
#[derive(Clone, Debug, PartialEq)]
pub struct LinearTable {
    pub bits: u8,
    pub heads: Vec<Head>,
    pub weights: Vec<i8>,
}

impl LinearTable {
    pub fn buckets(&self) -> usize {
        1 << self.bits
    }

    /// The bucket of a feature hash.
    pub fn bucket(&self, hash: u64) -> usize {
        (hash & ((1u64 << self.bits) - 1)) as usize
    }

    /// The logits of every head for a feature vector.
    pub fn logits(&self, features: &[Feature]) -> Vec<f32> {
        let n = self.heads.len();
        let mut acc = vec![0f32; n];
        for f in features {
            let row = &self.weights[self.bucket(f.hash) * n..][..n];
            for (a, &w) in acc.iter_mut().zip(row) {
                *a += f32::from(w) * f.value;
            }
        }
        acc.iter().zip(&self.heads).map(|(a, h)| a * h.scale + h.bias).collect()
    }

    /// The contribution of one feature to one head's logit (for explanations).
    pub fn weight(&self, hash: u64, head: usize) -> f32 {
        f32::from(self.weights[self.bucket(hash) * self.heads.len() + head]) * self.heads[head].scale
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.push(self.bits);
        out.push(self.heads.len() as u8);
        for h in &self.heads {
            out.push(h.name.len() as u8);
            out.extend_from_slice(h.name.as_bytes());
            for v in [h.scale, h.bias, h.threshold] {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        let nonzero = self.weights.iter().filter(|&&w| w != 0).count();
        out.extend_from_slice(&(nonzero as u32).to_le_bytes());
        let mut prev: i64 = -1;
        for (i, &w) in self.weights.iter().enumerate() {
            if w != 0 {
                let mut gap = (i as i64 - prev) as u64;
                prev = i as i64;
                loop {
                    let byte = (gap & 0x7f) as u8;
                    gap >>= 7;
                    if gap == 0 {
                        out.push(byte);
                        break;
                    }
                    out.push(byte | 0x80);
                }
                out.push(w as u8);
            }
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<LinearTable, ModelError> {
        let bits = r.u8()?;
        if !(4..=24).contains(&bits) {
            return Err(ModelError::Malformed("bucket bits out of range"));
        }
        let n = r.u8()? as usize;
        if n == 0 {
            return Err(ModelError::Malformed("a table without heads"));
        }
        let mut heads = Vec::with_capacity(n);
        for _ in 0..n {
            let len = r.u8()? as usize;
            let name = std::str::from_utf8(r.bytes(len)?).map_err(|_| ModelError::Malformed("head name is not UTF-8"))?.to_string();
            heads.push(Head { name, scale: r.f32()?, bias: r.f32()?, threshold: r.f32()? });
        }
        let mut weights = vec![0i8; (1usize << bits) * n];
        let nonzero = r.u32()? as usize;
        let mut index: i64 = -1;
        for _ in 0..nonzero {
            let mut gap: u64 = 0;
            for shift in (0..).step_by(7) {
                if shift > 28 {
                    return Err(ModelError::Malformed("weight gap too long"));
                }
                let b = r.u8()?;
                gap |= u64::from(b & 0x7f) << shift;
                if b & 0x80 == 0 {
                    break;
                }
            }
            if gap == 0 {
                return Err(ModelError::Malformed("weight gap of zero"));
            }
            index += gap as i64;
            let slot = weights.get_mut(index as usize).ok_or(ModelError::Malformed("weight index out of range"))?;
            *slot = r.u8()? as i8;
        }
        Ok(LinearTable { bits, heads, weights })
    }
}

/// The whole artefact.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// Stored with every complaint (`model_version`).
    pub version: String,
    /// One head: `complaint`.
    pub complaint: LinearTable,
    /// One head per category of the taxonomy, `other` included.
    pub categories: LinearTable,
    /// Platt scaling of the complaint logit: `p = sigmoid(a × logit + b)`.
    pub platt_a: f32,
    pub platt_b: f32,
    /// The urgent (P1) detector, if the artefact has one (`QTM2`).
    pub urgent: Option<UrgentHead>,
}

/// A calibrated one-head table that says whether a text reports an urgent (P1) matter: a
/// food-safety incident (illness, a foreign object) or an account-security case. Its threshold
/// (in the head) was chosen on out-of-fold probabilities for recall with a precision floor.
#[derive(Clone, Debug, PartialEq)]
pub struct UrgentHead {
    pub table: LinearTable,
    /// Platt scaling of the logit: `p = sigmoid(a × logit + b)`.
    pub platt_a: f32,
    pub platt_b: f32,
}

struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    fn bytes(&mut self, n: usize) -> Result<&'a [u8], ModelError> {
        if self.data.len() < n {
            return Err(ModelError::Truncated);
        }
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, ModelError> {
        Ok(self.bytes(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, ModelError> {
        let b = self.bytes(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u16(&mut self) -> Result<u16, ModelError> {
        let b = self.bytes(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn f32(&mut self) -> Result<f32, ModelError> {
        let b = self.bytes(4)?;
        let v = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        if v.is_finite() { Ok(v) } else { Err(ModelError::Malformed("a number is not finite")) }
    }
}

impl LinearTable {
    /// A single table as its own file (`QTL1` + the table), e.g. the paraphrase model.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = b"QTL1".to_vec();
        self.write(&mut out);
        out
    }

    pub fn from_bytes(data: &[u8]) -> Result<LinearTable, ModelError> {
        let mut r = Reader { data };
        if r.bytes(4).map_err(|_| ModelError::BadMagic)? != b"QTL1" {
            return Err(ModelError::BadMagic);
        }
        let t = LinearTable::read(&mut r)?;
        if !r.data.is_empty() {
            return Err(ModelError::Malformed("trailing bytes"));
        }
        Ok(t)
    }
}

impl Model {
    /// Serialises to the `QTM2` format (`QTM1` when there is no urgent head).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.complaint.weights.len() + self.categories.weights.len() + 512);
        out.extend_from_slice(if self.urgent.is_some() { MAGIC } else { MAGIC_V1 });
        out.extend_from_slice(&(self.version.len() as u16).to_le_bytes());
        out.extend_from_slice(self.version.as_bytes());
        self.complaint.write(&mut out);
        self.categories.write(&mut out);
        out.extend_from_slice(&self.platt_a.to_le_bytes());
        out.extend_from_slice(&self.platt_b.to_le_bytes());
        if let Some(u) = &self.urgent {
            u.table.write(&mut out);
            out.extend_from_slice(&u.platt_a.to_le_bytes());
            out.extend_from_slice(&u.platt_b.to_le_bytes());
        }
        out
    }

    /// Parses a `QTM2` (or `QTM1`) file, checking every length.
    pub fn from_bytes(data: &[u8]) -> Result<Model, ModelError> {
        let mut r = Reader { data };
        let magic = r.bytes(4).map_err(|_| ModelError::BadMagic)?;
        let v2 = magic == MAGIC;
        if !v2 && magic != MAGIC_V1 {
            return Err(ModelError::BadMagic);
        }
        let len = r.u16()? as usize;
        let version = std::str::from_utf8(r.bytes(len)?).map_err(|_| ModelError::Malformed("version is not UTF-8"))?.to_string();
        let complaint = LinearTable::read(&mut r)?;
        if complaint.heads.len() != 1 {
            return Err(ModelError::Malformed("the complaint table must have one head"));
        }
        let categories = LinearTable::read(&mut r)?;
        let (platt_a, platt_b) = (r.f32()?, r.f32()?);
        let urgent = if v2 {
            let table = LinearTable::read(&mut r)?;
            if table.heads.len() != 1 {
                return Err(ModelError::Malformed("the urgent table must have one head"));
            }
            Some(UrgentHead { table, platt_a: r.f32()?, platt_b: r.f32()? })
        } else {
            None
        };
        if !r.data.is_empty() {
            return Err(ModelError::Malformed("trailing bytes"));
        }
        Ok(Model { version, complaint, categories, platt_a, platt_b, urgent })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Model {
        let table = |names: &[&str], bits: u8| LinearTable {
            bits,
            heads: names.iter().map(|n| Head { name: n.to_string(), scale: 0.01, bias: -0.5, threshold: 0.4 }).collect(),
            weights: (0..(1usize << bits) * names.len()).map(|i| if i % 3 == 0 { 0 } else { (i % 251) as i8 - 120 }).collect(),
        };
        Model {
            version: "test-1".into(),
            complaint: table(&["complaint"], 6),
            categories: table(&["delivery", "other"], 5),
            platt_a: 1.2,
            platt_b: -0.1,
            urgent: None,
        }
    }

    #[test]
    fn round_trips_through_bytes() {
        let m = tiny();
        assert_eq!(&m.to_bytes()[..4], b"QTM1");
        assert_eq!(Model::from_bytes(&m.to_bytes()), Ok(m.clone()));
        let urgent = Model { urgent: Some(UrgentHead { table: m.complaint.clone(), platt_a: 0.9, platt_b: 0.2 }), ..m };
        let bytes = urgent.to_bytes();
        assert_eq!(&bytes[..4], b"QTM2");
        assert_eq!(Model::from_bytes(&bytes), Ok(urgent));
        assert_eq!(Model::from_bytes(&bytes[..bytes.len() - 1]), Err(ModelError::Truncated));
    }

    #[test]
    fn refuses_damaged_files() {
        let bytes = tiny().to_bytes();
        assert_eq!(Model::from_bytes(b"nope"), Err(ModelError::BadMagic));
        assert_eq!(Model::from_bytes(&bytes[..bytes.len() - 3]), Err(ModelError::Truncated));
        let mut extra = bytes.clone();
        extra.push(0);
        assert_eq!(Model::from_bytes(&extra), Err(ModelError::Malformed("trailing bytes")));
        // A gap pointing past the table.
        let mut m = tiny();
        m.categories.weights.iter_mut().for_each(|w| *w = 0);
        let mut bytes = m.to_bytes();
        let n = bytes.len();
        bytes.truncate(n - 8); // platt
        let count_at = bytes.len() - 4;
        bytes[count_at..].copy_from_slice(&1u32.to_le_bytes());
        bytes.extend_from_slice(&[0xff, 0x7f, 5]);
        bytes.extend_from_slice(&1.0f32.to_le_bytes());
        bytes.extend_from_slice(&0.0f32.to_le_bytes());
        assert_eq!(Model::from_bytes(&bytes), Err(ModelError::Malformed("weight index out of range")));
    }

    #[test]
    fn logits_use_scale_and_bias() {
        let m = tiny();
        assert_ne!(m.complaint.weights[4], 0);
        let f = [Feature { hash: 4, value: 1.0 }];
        let expected = f32::from(m.complaint.weights[4]) * 0.01 - 0.5;
        assert_eq!(m.complaint.logits(&f), vec![expected]);
        assert_eq!(m.complaint.logits(&[]), vec![-0.5]);
    }
}
