//! Invitation tokens and API keys. Only SHA-256 hashes are stored.
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Bytes of an invitation token: 160 bits.
const TOKEN_BYTES: usize = 20;

pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

pub fn sha256_hex(s: &str) -> String {
    to_hex(&Sha256::digest(s.as_bytes()))
}

/// A token derived from the instance secret and the invitation id with HMAC-SHA256: as
/// unguessable as a random one, yet a retried API call can hand out the same link again
/// without the token ever being stored.
pub fn invitation_token(secret: &[u8], invitation_id: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"invitation:");
    mac.update(&invitation_id.to_be_bytes());
    to_hex(&mac.finalize().into_bytes()[..TOKEN_BYTES])
}

/// Well-formed tokens are lowercase hex of the right length; anything else is rejected
/// before touching the database.
pub fn is_well_formed(token: &str) -> bool {
    token.len() == TOKEN_BYTES * 2 && token.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// 256 random bits, hex, for secrets and API keys.
pub fn random_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    to_hex(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_sha256_match_known_values() {
        assert_eq!(to_hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        // SHA-256("abc") from FIPS 180-2.
        assert_eq!(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn tokens_are_160_bits_stable_and_distinct() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let a = invitation_token(secret, 1);
        assert_eq!(a.len(), 40);
        assert!(is_well_formed(&a));
        assert_eq!(a, invitation_token(secret, 1));
        assert_ne!(a, invitation_token(secret, 2));
        assert_ne!(a, invitation_token(b"another secret", 1));
        assert!(!is_well_formed("ABC"));
        assert!(!is_well_formed(&a.to_uppercase()));
    }
}
