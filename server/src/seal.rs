//! Stream ids and page cursors, sealed with a server key so that a user
//! learns nothing from them: they hold database ids and the newest id of the
//! whole table, which grow with everyone's notifications. Sealed values are
//! encrypted and authenticated (ChaCha20-Poly1305, a random nonce each), with
//! a key derived from `BELL_JWT_SECRET`, so every instance opens what another
//! sealed. What a client sends back is opened; a value from before sealing
//! (a client connected across the upgrade) is still read as it was.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

const NONCE: usize = 12;

#[derive(Clone)]
pub struct Seal(Arc<ChaCha20Poly1305>);

impl Seal {
    /// The sealing key of a server secret (the same on every instance).
    pub fn new(secret: &str) -> Seal {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
        mac.update(b"qontak-bell: stream ids and page cursors");
        let key = mac.finalize().into_bytes();
        Seal(Arc::new(ChaCha20Poly1305::new(&Key::from(<[u8; 32]>::from(key)))))
    }

    pub fn seal(&self, plain: &str) -> String {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self.0.encrypt(&nonce, plain.as_bytes()).expect("sealing a short text cannot fail");
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The text `token` was sealed from; `None` when it is not a sealed value
    /// of this key (forged, altered, or never sealed).
    pub fn open(&self, token: &str) -> Option<String> {
        let bytes = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
        if bytes.len() <= NONCE {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(NONCE);
        let nonce: [u8; NONCE] = nonce.try_into().ok()?;
        let plain = self.0.decrypt(&Nonce::from(nonce), sealed).ok()?;
        String::from_utf8(plain).ok()
    }
}

impl std::fmt::Debug for Seal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Seal")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_opens_and_refuses_what_it_did_not_seal() {
        let seal = Seal::new("secret");
        let a = seal.seal("n281188.r6");
        assert!(!a.contains("281188"));
        assert_ne!(a, seal.seal("n281188.r6"), "a fresh nonce each time");
        assert_eq!(seal.open(&a).as_deref(), Some("n281188.r6"));
        assert_eq!(Seal::new("another secret").open(&a), None);
        let mut altered = URL_SAFE_NO_PAD.decode(&a).unwrap();
        altered[NONCE] ^= 1;
        assert_eq!(seal.open(&URL_SAFE_NO_PAD.encode(altered)), None);
        assert_eq!(seal.open("n1.r1"), None);
        assert_eq!(seal.open(""), None);
    }
}
