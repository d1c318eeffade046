//! TikTok tokens at rest: XChaCha20-Poly1305 with a random nonce per value and a key id
//! stored beside the ciphertext, so `TIKTOK_TOKEN_KEY` can be rotated
//! (`TIKTOK_TOKEN_KEY_PREVIOUS` still decrypts until `wevion rotate-token-key` re-encrypts).

use crate::settings::ConfigError;
use base64::{engine::general_purpose::STANDARD, Engine};
use chacha20poly1305::{
    aead::{Aead, AeadCore, KeyInit, OsRng, Payload},
    XChaCha20Poly1305, XNonce,
};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::fmt;

const NONCE_LEN: usize = 24;
/// Binds ciphertexts to their purpose so a blob cannot be replayed as something else.
const AAD: &[u8] = b"wevion.tiktok_token.v1";

#[derive(Clone)]
struct TokenKey {
    id: String,
    cipher: XChaCha20Poly1305,
}

impl TokenKey {
    fn from_bytes(bytes: &[u8; 32]) -> Self {
        let digest = Sha256::digest(bytes);
        Self { id: hex::encode(&digest[..4]), cipher: XChaCha20Poly1305::new(bytes.into()) }
    }

    fn parse(var: &'static str, raw: &str) -> Result<Self, ConfigError> {
        let raw = raw.trim();
        let bytes = hex::decode(raw)
            .ok()
            .filter(|b| b.len() == 32)
            .or_else(|| STANDARD.decode(raw).ok().filter(|b| b.len() == 32))
            .ok_or_else(|| ConfigError::new(var, "must be 32 bytes written as base64 or hex"))?;
        let mut key = [0u8; 32];
        key.copy_from_slice(&bytes);
        Ok(Self::from_bytes(&key))
    }
}

/// The current key (encrypts and decrypts) and an optional previous key (decrypts only).
#[derive(Clone)]
pub struct TokenKeys {
    current: TokenKey,
    previous: Option<TokenKey>,
    development: bool,
}

impl fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenKeys")
            .field("current_id", &self.current.id)
            .field("previous_id", &self.previous.as_ref().map(|k| &k.id))
            .field("development", &self.development)
            .finish()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("token was encrypted with key {0}, which is neither TIKTOK_TOKEN_KEY nor TIKTOK_TOKEN_KEY_PREVIOUS")]
    UnknownKey(String),
    #[error("token ciphertext is damaged or was encrypted with another key")]
    Damaged,
}

/// A value ready to store: which key sealed it, and nonce followed by ciphertext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    pub blob: Vec<u8>,
}

impl TokenKeys {
    pub fn parse(current: &str, previous: Option<&str>) -> Result<Self, ConfigError> {
        Ok(Self {
            current: TokenKey::parse("TIKTOK_TOKEN_KEY", current)?,
            previous: previous.map(|p| TokenKey::parse("TIKTOK_TOKEN_KEY_PREVIOUS", p)).transpose()?,
            development: false,
        })
    }

    /// A fixed, public key for sandbox mode only. Start-up warns loudly when it is in use.
    pub fn development() -> Self {
        let key: [u8; 32] = Sha256::digest(b"wevion development key: never use in production").into();
        Self { current: TokenKey::from_bytes(&key), previous: None, development: true }
    }

    pub fn is_development(&self) -> bool {
        self.development
    }

    pub fn current_key_id(&self) -> &str {
        &self.current.id
    }

    pub fn encrypt(&self, plaintext: &SecretString) -> Sealed {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ciphertext = self
            .current
            .cipher
            .encrypt(&nonce, Payload { msg: plaintext.expose_secret().as_bytes(), aad: AAD })
            .expect("XChaCha20-Poly1305 encryption of an in-memory buffer cannot fail");
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&ciphertext);
        Sealed { key_id: self.current.id.clone(), blob }
    }

    pub fn decrypt(&self, key_id: &str, blob: &[u8]) -> Result<SecretString, CryptoError> {
        let key = [Some(&self.current), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|k| k.id == key_id)
            .ok_or_else(|| CryptoError::UnknownKey(key_id.to_string()))?;
        if blob.len() <= NONCE_LEN {
            return Err(CryptoError::Damaged);
        }
        let (nonce, ciphertext) = blob.split_at(NONCE_LEN);
        let plain = key
            .cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: AAD })
            .map_err(|_| CryptoError::Damaged)?;
        String::from_utf8(plain).map(SecretString::from).map_err(|_| CryptoError::Damaged)
    }

    /// Whether a value sealed under `key_id` should be re-encrypted with the current key.
    pub fn needs_rotation(&self, key_id: &str) -> bool {
        key_id != self.current.id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_string())
    }

    #[test]
    fn a_sealed_token_opens_with_the_same_key_and_hides_the_plaintext() {
        let keys = TokenKeys::parse(&"11".repeat(32), None).unwrap();
        let sealed = keys.encrypt(&secret("act.plaintext-token"));
        assert!(!sealed.blob.windows(5).any(|w| w == b"act.p"));
        assert_eq!(keys.decrypt(&sealed.key_id, &sealed.blob).unwrap().expose_secret(), "act.plaintext-token");
    }

    #[test]
    fn each_encryption_uses_a_fresh_nonce() {
        let keys = TokenKeys::development();
        assert_ne!(keys.encrypt(&secret("same")).blob, keys.encrypt(&secret("same")).blob);
    }

    #[test]
    fn the_previous_key_still_decrypts_after_rotation() {
        let old = TokenKeys::parse(&"11".repeat(32), None).unwrap();
        let sealed = old.encrypt(&secret("tok"));
        let rotated = TokenKeys::parse(&STANDARD.encode([0x22u8; 32]), Some(&"11".repeat(32))).unwrap();
        assert!(rotated.needs_rotation(&sealed.key_id));
        assert_eq!(rotated.decrypt(&sealed.key_id, &sealed.blob).unwrap().expose_secret(), "tok");
        let without_previous = TokenKeys::parse(&STANDARD.encode([0x22u8; 32]), None).unwrap();
        assert!(matches!(without_previous.decrypt(&sealed.key_id, &sealed.blob), Err(CryptoError::UnknownKey(_))));
    }

    #[test]
    fn a_tampered_blob_is_rejected() {
        let keys = TokenKeys::development();
        let mut sealed = keys.encrypt(&secret("tok"));
        let last = sealed.blob.len() - 1;
        sealed.blob[last] ^= 1;
        assert!(matches!(keys.decrypt(&sealed.key_id, &sealed.blob), Err(CryptoError::Damaged)));
    }

    #[test]
    fn keys_must_be_32_bytes() {
        assert!(TokenKeys::parse("abcd", None).is_err());
        assert!(TokenKeys::parse(&"11".repeat(32), Some("nope")).unwrap_err().var == "TIKTOK_TOKEN_KEY_PREVIOUS");
    }
}
