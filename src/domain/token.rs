//! Invitation tokens, report subscription tokens and API keys. Only SHA-256 hashes are stored.
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Bytes of an invitation token's secret part: 160 bits.
const MAC_BYTES: usize = 20;
/// Hex digits of the invitation id that leads a token.
const ID_DIGITS: usize = 16;

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

/// A token: the invitation id in hex, then 160 bits of HMAC-SHA256 over that id with the
/// instance secret. The id makes the lookup a primary-key read (no index over random hashes,
/// whose scattered inserts would slow batch ingest), the MAC makes it unguessable, and since
/// it is derived, a retried API call hands out the same link again without the token being stored.
pub fn invitation_token(secret: &[u8], invitation_id: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"invitation:");
    mac.update(&invitation_id.to_be_bytes());
    format!("{invitation_id:016x}{}", to_hex(&mac.finalize().into_bytes()[..MAC_BYTES]))
}

/// The invitation id a well-formed token names; whether the token is genuine is for the
/// caller to check against the stored hash. Anything malformed is rejected before touching
/// the database.
pub fn invitation_id(token: &str) -> Option<i64> {
    let well_formed = token.len() == ID_DIGITS + MAC_BYTES * 2
        && token.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !well_formed {
        return None;
    }
    i64::from_str_radix(&token[..ID_DIGITS], 16).ok()
}

/// A report subscription's token for its stop link, made like an invitation's (the id, then a
/// MAC under another purpose, so neither kind of token passes for the other). Nothing is stored:
/// [`report_subscription_id`] checks it by making it again.
pub fn report_token(secret: &[u8], subscription_id: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"report-subscription:");
    mac.update(&subscription_id.to_be_bytes());
    format!("{subscription_id:016x}{}", to_hex(&mac.finalize().into_bytes()[..MAC_BYTES]))
}

/// The subscription a genuine report token names.
pub fn report_subscription_id(secret: &[u8], token: &str) -> Option<i64> {
    let id = invitation_id(token)?;
    // Compared in constant time: the MAC is the secret part.
    let expected = report_token(secret, id);
    let same =
        expected.len() == token.len() && expected.bytes().zip(token.bytes()).fold(0u8, |d, (a, b)| d | (a ^ b)) == 0;
    same.then_some(id)
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
    fn tokens_carry_the_id_and_160_secret_bits() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let a = invitation_token(secret, 0x1234_5678_9abc);
        assert_eq!(a.len(), 16 + 40);
        assert!(a.starts_with("0000123456789abc"));
        assert_eq!(invitation_id(&a), Some(0x1234_5678_9abc));
        assert_eq!(a, invitation_token(secret, 0x1234_5678_9abc));
        assert_ne!(a[16..], invitation_token(secret, 0x1234_5678_9abd)[16..]);
        assert_ne!(a, invitation_token(b"another secret", 0x1234_5678_9abc));
        assert_eq!(invitation_id("ABC"), None);
        assert_eq!(invitation_id(&a.to_uppercase()), None);
        assert_eq!(invitation_id(&a[..55]), None);
    }

    #[test]
    fn report_tokens_are_checked_and_differ_from_invitation_tokens() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let t = report_token(secret, 42);
        assert_eq!(report_subscription_id(secret, &t), Some(42));
        assert_eq!(report_subscription_id(b"another secret", &t), None);
        assert_eq!(report_subscription_id(secret, &invitation_token(secret, 42)), None);
        let mut forged = t.clone();
        forged.replace_range(55.., if t.ends_with('0') { "1" } else { "0" });
        assert_eq!(report_subscription_id(secret, &forged), None);
    }
}
