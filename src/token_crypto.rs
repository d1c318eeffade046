//! TikTok tokens at rest: XChaCha20-Poly1305 with a random nonce per value and a key id
//! stored beside the ciphertext, so `TIKTOK_TOKEN_KEY` can be rotated
//! (`TIKTOK_TOKEN_KEY_PREVIOUS` still decrypts until `wevion rotate-token-key` re-encrypts).
//!
//! Each ciphertext is bound to its place: the associated data names the workspace, the TikTok
//! user and the column (access or refresh), so a blob copied to another row or column fails to
//! open. Format 1 (before binding) used one fixed associated data; it still opens, and callers
//! re-seal it as format 2 on first read.

use base64::{engine::general_purpose::STANDARD, Engine};
use chacha20poly1305::{
    aead::{Aead, AeadCore, KeyInit, OsRng, Payload},
    XChaCha20Poly1305, XNonce,
};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::fmt;

const NONCE_LEN: usize = 24;
/// Format 1's associated data: the purpose only.
const LEGACY_AAD: &[u8] = b"wevion.tiktok_token.v1";
/// The format new values are sealed in.
pub const CURRENT_FORMAT: i16 = 2;

/// Which secret of a connection a ciphertext holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Access,
    Refresh,
}

/// Where a sealed value belongs. The same workspace and TikTok user own a pending grant and the
/// connection it becomes, so a grant's ciphertext moves to its connection unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding<'a> {
    pub workspace_id: i32,
    pub tiktok_user: &'a str,
    pub column: Column,
}

impl Binding<'_> {
    fn aad(&self) -> Vec<u8> {
        let column = match self.column {
            Column::Access => "access",
            Column::Refresh => "refresh",
        };
        // NUL separators: no field can run into the next.
        format!(
            "wevion.tiktok_token.v2\0workspace={}\0tiktok_user={}\0column={column}",
            self.workspace_id, self.tiktok_user
        )
        .into_bytes()
    }
}

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

    fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        let bytes = hex::decode(raw)
            .ok()
            .filter(|b| b.len() == 32)
            .or_else(|| STANDARD.decode(raw).ok().filter(|b| b.len() == 32))?;
        let mut key = [0u8; 32];
        key.copy_from_slice(&bytes);
        Some(Self::from_bytes(&key))
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

/// A key that is not 32 bytes of base64 or hex; `previous` says which of the two.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be 32 bytes written as base64 or hex")]
pub struct KeyError {
    pub previous: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("token was encrypted with key {0}, which is neither TIKTOK_TOKEN_KEY nor TIKTOK_TOKEN_KEY_PREVIOUS")]
    UnknownKey(String),
    #[error("token ciphertext is damaged, belongs to another row or column, or was encrypted with another key")]
    Damaged,
}

/// A value ready to store: which key sealed it, in which format, and nonce followed by ciphertext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    pub format: i16,
    pub blob: Vec<u8>,
}

impl TokenKeys {
    pub fn parse(current: &str, previous: Option<&str>) -> Result<Self, KeyError> {
        Ok(Self {
            current: TokenKey::parse(current).ok_or(KeyError { previous: false })?,
            previous: previous.map(|p| TokenKey::parse(p).ok_or(KeyError { previous: true })).transpose()?,
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

    pub fn encrypt(&self, plaintext: &SecretString, binding: Binding<'_>) -> Sealed {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ciphertext = self
            .current
            .cipher
            .encrypt(&nonce, Payload { msg: plaintext.expose_secret().as_bytes(), aad: &binding.aad() })
            .expect("XChaCha20-Poly1305 encryption of an in-memory buffer cannot fail");
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&ciphertext);
        Sealed { key_id: self.current.id.clone(), format: CURRENT_FORMAT, blob }
    }

    /// Opens a value sealed under `key_id` in `format` for `binding`.
    pub fn decrypt(
        &self,
        key_id: &str,
        format: i16,
        blob: &[u8],
        binding: Binding<'_>,
    ) -> Result<SecretString, CryptoError> {
        let key = [Some(&self.current), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|k| k.id == key_id)
            .ok_or_else(|| CryptoError::UnknownKey(key_id.to_string()))?;
        if blob.len() <= NONCE_LEN {
            return Err(CryptoError::Damaged);
        }
        let aad = if format < CURRENT_FORMAT { LEGACY_AAD.to_vec() } else { binding.aad() };
        let (nonce, ciphertext) = blob.split_at(NONCE_LEN);
        let plain = key
            .cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: &aad })
            .map_err(|_| CryptoError::Damaged)?;
        String::from_utf8(plain).map(SecretString::from).map_err(|_| CryptoError::Damaged)
    }

    /// Whether a value sealed under `key_id` in `format` should be sealed again.
    pub fn needs_reseal(&self, key_id: &str, format: i16) -> bool {
        key_id != self.current.id || format < CURRENT_FORMAT
    }

    /// Seals in the legacy format (tests of the upgrade path only).
    #[doc(hidden)]
    pub fn encrypt_legacy(&self, plaintext: &SecretString) -> Sealed {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ciphertext = self
            .current
            .cipher
            .encrypt(&nonce, Payload { msg: plaintext.expose_secret().as_bytes(), aad: LEGACY_AAD })
            .expect("XChaCha20-Poly1305 encryption of an in-memory buffer cannot fail");
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&ciphertext);
        Sealed { key_id: self.current.id.clone(), format: 1, blob }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_string())
    }

    const ACCESS: Binding<'static> = Binding { workspace_id: 1, tiktok_user: "u1", column: Column::Access };

    fn open(keys: &TokenKeys, sealed: &Sealed, binding: Binding<'_>) -> Result<String, CryptoError> {
        keys.decrypt(&sealed.key_id, sealed.format, &sealed.blob, binding).map(|s| s.expose_secret().to_owned())
    }

    #[test]
    fn a_sealed_token_opens_with_the_same_key_and_place_and_hides_the_plaintext() {
        let keys = TokenKeys::parse(&"11".repeat(32), None).unwrap();
        let sealed = keys.encrypt(&secret("act.plaintext-token"), ACCESS);
        assert!(!sealed.blob.windows(5).any(|w| w == b"act.p"));
        assert_eq!(open(&keys, &sealed, ACCESS).unwrap(), "act.plaintext-token");
    }

    #[test]
    fn a_ciphertext_moved_to_another_workspace_user_or_column_fails_to_open() {
        let keys = TokenKeys::development();
        let sealed = keys.encrypt(&secret("tok"), ACCESS);
        for elsewhere in [
            Binding { workspace_id: 2, ..ACCESS },
            Binding { tiktok_user: "u2", ..ACCESS },
            Binding { column: Column::Refresh, ..ACCESS },
        ] {
            assert_eq!(open(&keys, &sealed, elsewhere), Err(CryptoError::Damaged), "{elsewhere:?}");
        }
    }

    #[test]
    fn legacy_ciphertexts_still_open_and_ask_to_be_sealed_again() {
        let keys = TokenKeys::development();
        let legacy = keys.encrypt_legacy(&secret("old"));
        assert_eq!(open(&keys, &legacy, ACCESS).unwrap(), "old");
        assert!(keys.needs_reseal(&legacy.key_id, legacy.format));
        let fresh = keys.encrypt(&secret("new"), ACCESS);
        assert!(!keys.needs_reseal(&fresh.key_id, fresh.format));
    }

    #[test]
    fn each_encryption_uses_a_fresh_nonce() {
        let keys = TokenKeys::development();
        assert_ne!(keys.encrypt(&secret("same"), ACCESS).blob, keys.encrypt(&secret("same"), ACCESS).blob);
    }

    #[test]
    fn the_previous_key_still_decrypts_after_rotation() {
        let old = TokenKeys::parse(&"11".repeat(32), None).unwrap();
        let sealed = old.encrypt(&secret("tok"), ACCESS);
        let rotated = TokenKeys::parse(&STANDARD.encode([0x22u8; 32]), Some(&"11".repeat(32))).unwrap();
        assert!(rotated.needs_reseal(&sealed.key_id, sealed.format));
        assert_eq!(open(&rotated, &sealed, ACCESS).unwrap(), "tok");
        let without_previous = TokenKeys::parse(&STANDARD.encode([0x22u8; 32]), None).unwrap();
        assert!(matches!(open(&without_previous, &sealed, ACCESS), Err(CryptoError::UnknownKey(_))));
    }

    #[test]
    fn a_tampered_blob_is_rejected() {
        let keys = TokenKeys::development();
        let mut sealed = keys.encrypt(&secret("tok"), ACCESS);
        let last = sealed.blob.len() - 1;
        sealed.blob[last] ^= 1;
        assert_eq!(open(&keys, &sealed, ACCESS), Err(CryptoError::Damaged));
    }

    #[test]
    fn keys_must_be_32_bytes() {
        assert_eq!(TokenKeys::parse("abcd", None).unwrap_err(), KeyError { previous: false });
        assert_eq!(TokenKeys::parse(&"11".repeat(32), Some("nope")).unwrap_err(), KeyError { previous: true });
    }
}
