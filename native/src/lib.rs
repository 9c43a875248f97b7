//! The optional native verification core of evoting (docs/protocol.md, "The native
//! verification core").
//!
//! Only what checking public data needs: validating point encodings, linear
//! combinations of points (variable-time multi-scalar multiplication), and the check
//! that many such combinations are all the identity, through one random linear
//! combination. Nothing here sees a secret: proving, encryption, decryption and key
//! handling stay on libsodium's constant-time code in `evoting.crypto.group`.
//!
//! Every function takes flat byte strings (32 bytes per point or scalar) and lists of
//! small integers, so that a call costs one conversion, not one per element, and runs
//! without the GIL.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use curve25519_dalek::constants::RISTRETTO_BASEPOINT_COMPRESSED;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

const ENCODED: usize = 32;
const WEIGHT: usize = 16;

fn encoding(data: &[u8], i: usize) -> [u8; ENCODED] {
    let mut out = [0u8; ENCODED];
    out.copy_from_slice(&data[ENCODED * i..ENCODED * (i + 1)]);
    out
}

fn count(data: &[u8], what: &str) -> PyResult<usize> {
    if data.len() % ENCODED != 0 {
        return Err(PyValueError::new_err(format!(
            "{what}: a multiple of 32 bytes is expected"
        )));
    }
    Ok(data.len() / ENCODED)
}

/// A canonical ristretto255 encoding (RFC 9496: bit 255 clear, s < p, s non-negative,
/// and the decoding's own checks; curve25519-dalek refuses any encoding that does not
/// re-encode to itself), the identity included.
fn decode(bytes: [u8; ENCODED]) -> Option<RistrettoPoint> {
    CompressedRistretto(bytes).decompress()
}

fn points_of(data: &[u8]) -> PyResult<Vec<RistrettoPoint>> {
    let n = count(data, "points")?;
    (0..n)
        .map(|i| {
            decode(encoding(data, i)).ok_or_else(|| {
                PyValueError::new_err(format!("point {i} is not a ristretto255 encoding"))
            })
        })
        .collect()
}

fn scalars_of(data: &[u8]) -> PyResult<Vec<Scalar>> {
    let n = count(data, "scalars")?;
    (0..n)
        .map(|i| {
            Option::<Scalar>::from(Scalar::from_canonical_bytes(encoding(data, i)))
                .ok_or_else(|| PyValueError::new_err(format!("scalar {i} is not reduced modulo L")))
        })
        .collect()
}

/// The combinations' shape, checked: `lengths[k]` terms each, `indices` into the points.
fn check_shape(points: usize, terms: usize, indices: &[u32], lengths: &[u32]) -> PyResult<()> {
    let total: u64 = lengths.iter().map(|&n| u64::from(n)).sum();
    if total != indices.len() as u64 || indices.len() != terms {
        return Err(PyValueError::new_err(
            "the combinations' lengths, indices and scalars do not agree",
        ));
    }
    if let Some(bad) = indices.iter().find(|&&i| i as usize >= points) {
        return Err(PyValueError::new_err(format!(
            "point index {bad} is out of range"
        )));
    }
    Ok(())
}

/// The 32 bytes that `text` is the canonical base64url form of (43 characters of the
/// URL-safe alphabet, no padding, the last character's two spare bits zero), or None
/// for any other text: `evoting.crypto.canonical.b64decode`'s rule for 32 bytes, which
/// the caller falls back on (for the reason) when this says None.
#[pyfunction]
fn b64_32<'py>(py: Python<'py>, text: &str) -> Option<Bound<'py, PyBytes>> {
    let mut out = [0u8; 48]; // room for any length estimate; 32 are expected
    if text.len() != 43 {
        return None;
    }
    match URL_SAFE_NO_PAD.decode_slice(text.as_bytes(), &mut out) {
        Ok(ENCODED) => Some(PyBytes::new(py, &out[..ENCODED])),
        _ => None,
    }
}

/// Index of the first encoding in `data` (32 bytes each) that a point from outside may
/// not have: not canonical, not a ristretto255 element, or the identity; None if all
/// are valid. The same rule as `evoting.crypto.group.Point.from_bytes`.
#[pyfunction]
fn first_invalid_point(py: Python<'_>, data: &[u8]) -> PyResult<Option<usize>> {
    let n = count(data, "points")?;
    let data = data.to_vec();
    Ok(py.allow_threads(move || {
        (0..n).find(|&i| {
            let bytes = encoding(&data, i);
            bytes == [0u8; ENCODED] || decode(bytes).is_none()
        })
    }))
}

/// The linear combinations `sum(scalars[t] * points[indices[t]])`, `lengths[k]` terms
/// for the k-th, each as its 32-byte encoding (the identity as 32 zero bytes),
/// concatenated. Variable time: for public values only.
#[pyfunction]
fn lincombs<'py>(
    py: Python<'py>,
    points: &[u8],
    scalars: &[u8],
    indices: Vec<u32>,
    lengths: Vec<u32>,
) -> PyResult<Bound<'py, PyBytes>> {
    let decoded = points_of(points)?;
    let coefficients = scalars_of(scalars)?;
    check_shape(decoded.len(), coefficients.len(), &indices, &lengths)?;
    // G's index, if G is among the points: a G term then uses the precomputed table.
    let base = (0..decoded.len())
        .find(|&i| encoding(points, i) == RISTRETTO_BASEPOINT_COMPRESSED.to_bytes());
    let out = py.allow_threads(move || {
        let mut out = Vec::with_capacity(ENCODED * lengths.len());
        let mut start = 0usize;
        for &n in &lengths {
            let end = start + n as usize;
            let (s, i) = (&coefficients[start..end], &indices[start..end]);
            let sum = match (n, base) {
                // a·G + b·P, the shape of most commitments (z·G − c·X)
                (2, Some(g)) if i[0] as usize == g && i[1] as usize != g => {
                    RistrettoPoint::vartime_double_scalar_mul_basepoint(
                        &s[1],
                        &decoded[i[1] as usize],
                        &s[0],
                    )
                }
                (2, Some(g)) if i[1] as usize == g && i[0] as usize != g => {
                    RistrettoPoint::vartime_double_scalar_mul_basepoint(
                        &s[0],
                        &decoded[i[0] as usize],
                        &s[1],
                    )
                }
                _ => RistrettoPoint::vartime_multiscalar_mul(
                    s,
                    i.iter().map(|&k| decoded[k as usize]),
                ),
            };
            out.extend_from_slice(sum.compress().as_bytes());
            start = end;
        }
        out
    });
    Ok(PyBytes::new(py, &out))
}

fn check_weights(weights: &[u8], lengths: &[u32]) -> PyResult<()> {
    if weights.len() != WEIGHT * lengths.len() {
        return Err(PyValueError::new_err(
            "one 16-byte weight per combination is expected",
        ));
    }
    Ok(())
}

/// Σ_k weight_k · (k-th combination) = identity? One multi-scalar multiplication over
/// the points the combinations use (their coefficients gathered per point first).
fn weighted_sum_is_identity(
    points: &[RistrettoPoint],
    coefficients: &[Scalar],
    indices: &[u32],
    lengths: &[u32],
    weights: &[u8],
) -> bool {
    let mut per_point = vec![Scalar::ZERO; points.len()];
    let mut used = vec![false; points.len()];
    let mut start = 0usize;
    for (k, &n) in lengths.iter().enumerate() {
        let mut wide = [0u8; ENCODED];
        wide[..WEIGHT].copy_from_slice(&weights[WEIGHT * k..WEIGHT * (k + 1)]);
        let weight = Scalar::from_bytes_mod_order(wide);
        let end = start + n as usize;
        for t in start..end {
            let i = indices[t] as usize;
            per_point[i] += weight * coefficients[t];
            used[i] = true;
        }
        start = end;
    }
    let chosen: Vec<usize> = (0..points.len()).filter(|&i| used[i]).collect();
    RistrettoPoint::vartime_multiscalar_mul(
        chosen.iter().map(|&i| per_point[i]),
        chosen.iter().map(|&i| points[i]),
    )
    .is_identity()
}

/// Points decoded once and kept, for a batch: the points of many ballots are checked
/// (decoded) as they are read, and the batch's multi-scalar multiplication uses them
/// without decoding again.
#[pyclass(module = "evoting_native")]
struct PointTable {
    points: Vec<RistrettoPoint>,
}

#[pymethods]
impl PointTable {
    #[new]
    fn new() -> Self {
        PointTable { points: Vec::new() }
    }

    fn __len__(&self) -> usize {
        self.points.len()
    }

    /// Decode `data` (32 bytes each) and append the points, all or none: returns the
    /// index of the first encoding that is not a ristretto255 element (or is the
    /// identity, unless `identity`), and then appends nothing; else None.
    fn extend(&mut self, data: &[u8], identity: bool) -> PyResult<Option<usize>> {
        let n = count(data, "points")?;
        let mut decoded = Vec::with_capacity(n);
        for i in 0..n {
            let bytes = encoding(data, i);
            match decode(bytes) {
                Some(point) if identity || bytes != [0u8; ENCODED] => decoded.push(point),
                _ => return Ok(Some(i)),
            }
        }
        self.points.extend(decoded);
        Ok(None)
    }

    /// The sum of the points at `indices` (a ciphertexts' sum whose parts are in the
    /// table already: no decoding), appended to the table; returns its encoding.
    fn sum<'py>(&mut self, py: Python<'py>, indices: Vec<u32>) -> PyResult<Bound<'py, PyBytes>> {
        if let Some(bad) = indices.iter().find(|&&i| i as usize >= self.points.len()) {
            return Err(PyValueError::new_err(format!(
                "point index {bad} is out of range"
            )));
        }
        let total: RistrettoPoint = indices.iter().map(|&i| self.points[i as usize]).sum();
        self.points.push(total);
        Ok(PyBytes::new(py, total.compress().as_bytes()))
    }

    /// Whether every combination (as in `lincombs`, its indices into this table) is the
    /// identity, checked at once: the k-th is multiplied by the 128-bit weight
    /// `weights[16k..16k+16]` (little-endian, drawn by the caller after the combinations
    /// were fixed) and the weighted sum is one multi-scalar multiplication over the
    /// distinct points. If any combination is not the identity, the sum is the identity
    /// with probability at most 2^-128 over the weights (prime-order group;
    /// docs/protocol.md, "Batch verification").
    fn all_identity(
        &self,
        py: Python<'_>,
        scalars: &[u8],
        indices: Vec<u32>,
        lengths: Vec<u32>,
        weights: &[u8],
    ) -> PyResult<bool> {
        let coefficients = scalars_of(scalars)?;
        check_shape(self.points.len(), coefficients.len(), &indices, &lengths)?;
        check_weights(weights, &lengths)?;
        let weights = weights.to_vec();
        let table = &self.points;
        Ok(py.allow_threads(move || {
            weighted_sum_is_identity(table, &coefficients, &indices, &lengths, &weights)
        }))
    }
}

#[pymodule]
fn evoting_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(b64_32, m)?)?;
    m.add_function(wrap_pyfunction!(first_invalid_point, m)?)?;
    m.add_function(wrap_pyfunction!(lincombs, m)?)?;
    m.add_class::<PointTable>()?;
    m.add(
        "BACKEND",
        "curve25519-dalek 4 (variable time, verification only)",
    )?;
    Ok(())
}
