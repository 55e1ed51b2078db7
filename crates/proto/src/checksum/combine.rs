//! Checksums of multipart objects computed from the checksums of their parts.
//!
//! A reflected CRC whose initial value equals its final XOR (true of CRC-32, CRC-32C and
//! CRC-64/NVME) satisfies `crc(a || b) = crc(a) * x^(8 * len(b)) + crc(b)` in GF(2) modulo its
//! polynomial, which is how zlib's `crc32_combine` works. We implement that once for both
//! widths, because crc64fast-nvme has no combine function.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::{ChecksumAlgorithm, Checksummer};

/// A reflected CRC: its width in bits and its bit-reversed polynomial.
struct Crc {
    width: u32,
    polynomial: u64,
}

const CRC32: Crc = Crc {
    width: 32,
    polynomial: 0xEDB8_8320,
};
const CRC32C: Crc = Crc {
    width: 32,
    polynomial: 0x82F6_3B78,
};
const CRC64_NVME: Crc = Crc {
    width: 64,
    polynomial: 0x9A6C_9329_AC4B_C9B5,
};

impl Crc {
    /// Returns the polynomial 1 (`x^0`), which the reflected representation keeps in bit
    /// `width - 1`.
    fn one(&self) -> u64 {
        1 << (self.width - 1)
    }

    /// Multiplies two polynomials modulo the CRC polynomial.
    fn multiply(&self, a: u64, mut b: u64) -> u64 {
        let mut product = 0;
        let mut bit = self.one();
        while bit != 0 {
            if a & bit != 0 {
                product ^= b;
            }
            bit >>= 1;
            // Multiply b by x: in the reflected form that is a right shift, reduced by the
            // polynomial when the x^(width-1) term falls off.
            b = if b & 1 != 0 {
                (b >> 1) ^ self.polynomial
            } else {
                b >> 1
            };
        }
        product
    }

    /// Computes `x^(8 * bytes)` modulo the polynomial by square-and-multiply.
    fn shift_by_bytes(&self, bytes: u64) -> u64 {
        let mut result = self.one();
        // x^8, reached from x^1 by squaring three times.
        let mut square = self.one() >> 1;
        for _ in 0..3 {
            square = self.multiply(square, square);
        }
        let mut remaining = bytes;
        while remaining != 0 {
            if remaining & 1 != 0 {
                result = self.multiply(square, result);
            }
            square = self.multiply(square, square);
            remaining >>= 1;
        }
        result
    }

    fn combine(&self, crc1: u64, crc2: u64, len2: u64) -> u64 {
        self.multiply(self.shift_by_bytes(len2), crc1) ^ crc2
    }
}

/// Returns the CRC-32 of `a || b` from `crc32(a)`, `crc32(b)` and the length of `b`.
pub fn crc32_combine(crc1: u32, crc2: u32, len2: u64) -> u32 {
    CRC32.combine(crc1.into(), crc2.into(), len2) as u32
}

/// Returns the CRC-32C of `a || b` from `crc32c(a)`, `crc32c(b)` and the length of `b`.
pub fn crc32c_combine(crc1: u32, crc2: u32, len2: u64) -> u32 {
    CRC32C.combine(crc1.into(), crc2.into(), len2) as u32
}

/// Returns the CRC-64/NVME of `a || b` from the CRCs of `a` and `b` and the length of `b`.
pub fn crc64nvme_combine(crc1: u64, crc2: u64, len2: u64) -> u64 {
    CRC64_NVME.combine(crc1, crc2, len2)
}

/// Computes the full-object checksum of a multipart object from its parts' base64 CRCs and
/// sizes in bytes, in part order.
///
/// Returns `None` when the algorithm is not a CRC or a part checksum does not decode.
pub fn full_object_crc(algorithm: ChecksumAlgorithm, parts: &[(&str, u64)]) -> Option<String> {
    let crc = match algorithm {
        ChecksumAlgorithm::Crc32 => &CRC32,
        ChecksumAlgorithm::Crc32c => &CRC32C,
        ChecksumAlgorithm::Crc64Nvme => &CRC64_NVME,
        ChecksumAlgorithm::Sha1 | ChecksumAlgorithm::Sha256 => return None,
    };
    // The CRC of no bytes is 0 for all three, so folding from 0 also covers the first part.
    let mut combined = 0;
    for &(value, size) in parts {
        let raw = algorithm.decode(value)?;
        let part_crc = raw
            .iter()
            .fold(0u64, |acc, &byte| (acc << 8) | u64::from(byte));
        combined = crc.combine(combined, part_crc, size);
    }
    let bytes = combined.to_be_bytes();
    let digest = &bytes[bytes.len() - algorithm.digest_len()..];
    Some(BASE64.encode(digest))
}

/// Computes the composite checksum of a multipart object, `base64(hash(concat(raw part
/// digests)))-N`, from the parts' base64 checksums in part order.
///
/// Returns `None` when a part checksum does not decode.
pub fn composite_checksum(algorithm: ChecksumAlgorithm, parts: &[&str]) -> Option<String> {
    let mut checksummer = Checksummer::new(algorithm);
    for value in parts {
        checksummer.update(&algorithm.decode(value)?);
    }
    Some(format!("{}-{}", checksummer.finish(), parts.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &[u8] = b"The quick brown fox jumps over ";
    const B: &[u8] = b"the lazy dog, 0123456789 times over and over again";

    fn whole() -> Vec<u8> {
        [A, B].concat()
    }

    fn crc64nvme(data: &[u8]) -> u64 {
        let mut digest = crc64fast_nvme::Digest::new();
        digest.write(data);
        digest.sum64()
    }

    fn base64_checksum(algorithm: ChecksumAlgorithm, data: &[u8]) -> String {
        let mut checksummer = Checksummer::new(algorithm);
        checksummer.update(data);
        checksummer.finish()
    }

    #[test]
    fn crc32_combine_concat() {
        let combined = crc32_combine(crc32fast::hash(A), crc32fast::hash(B), B.len() as u64);
        assert_eq!(combined, crc32fast::hash(&whole()));
    }

    #[test]
    fn crc32c_combine_concat() {
        let combined = crc32c_combine(crc32c::crc32c(A), crc32c::crc32c(B), B.len() as u64);
        assert_eq!(combined, crc32c::crc32c(&whole()));
    }

    #[test]
    fn crc32c_combine_matches_crate() {
        let ours = crc32c_combine(crc32c::crc32c(A), crc32c::crc32c(B), B.len() as u64);
        let theirs = crc32c::crc32c_combine(crc32c::crc32c(A), crc32c::crc32c(B), B.len());
        assert_eq!(ours, theirs);
    }

    #[test]
    fn crc64nvme_combine_concat() {
        let combined = crc64nvme_combine(crc64nvme(A), crc64nvme(B), B.len() as u64);
        assert_eq!(combined, crc64nvme(&whole()));
    }

    #[test]
    fn combine_empty_second() {
        assert_eq!(crc32_combine(crc32fast::hash(A), 0, 0), crc32fast::hash(A));
    }

    #[test]
    fn combine_long_second() {
        let long = vec![0xA5; 3 * 1024 * 1024 + 7];
        let data = [A, &long].concat();
        let combined = crc64nvme_combine(crc64nvme(A), crc64nvme(&long), long.len() as u64);
        assert_eq!(combined, crc64nvme(&data));
    }

    #[test]
    fn full_object_three_parts() {
        let data = whole();
        let (first, rest) = data.split_at(10);
        let (second, third) = rest.split_at(25);
        for algorithm in [
            ChecksumAlgorithm::Crc32,
            ChecksumAlgorithm::Crc32c,
            ChecksumAlgorithm::Crc64Nvme,
        ] {
            let values: Vec<String> = [first, second, third]
                .iter()
                .map(|part| base64_checksum(algorithm, part))
                .collect();
            let parts = [
                (values[0].as_str(), first.len() as u64),
                (values[1].as_str(), second.len() as u64),
                (values[2].as_str(), third.len() as u64),
            ];
            let expected = base64_checksum(algorithm, &data);
            assert_eq!(
                full_object_crc(algorithm, &parts),
                Some(expected),
                "{algorithm}"
            );
        }
    }

    #[test]
    fn full_object_not_crc() {
        let value = base64_checksum(ChecksumAlgorithm::Sha256, A);
        assert_eq!(
            full_object_crc(ChecksumAlgorithm::Sha256, &[(&value, 1)]),
            None
        );
    }

    #[test]
    fn full_object_bad_part() {
        assert_eq!(
            full_object_crc(ChecksumAlgorithm::Crc32, &[("AAAA", 3)]),
            None
        );
    }

    #[test]
    fn composite_two_parts() {
        let first = base64_checksum(ChecksumAlgorithm::Sha256, A);
        let second = base64_checksum(ChecksumAlgorithm::Sha256, B);
        let mut raw = ChecksumAlgorithm::Sha256.decode(&first).unwrap();
        raw.extend(ChecksumAlgorithm::Sha256.decode(&second).unwrap());
        let expected = format!("{}-2", base64_checksum(ChecksumAlgorithm::Sha256, &raw));
        let composite = composite_checksum(ChecksumAlgorithm::Sha256, &[&first, &second]);
        assert_eq!(composite, Some(expected));
    }
}
