//! Secrets: passwords hashed with Argon2id; session, API and reset tokens random and kept only
//! as SHA-256 hashes; comparisons in constant time.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};

/// An Argon2id hash of `password` in PHC form.
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// The working memory of one Argon2 computation (about 19 MiB with the default parameters),
/// kept from one check to the next: allocated on every check instead, on whichever blocking
/// thread ran it, it stayed with the allocator's arena of that thread, and a burst of sign-ins
/// left the server hundreds of MiB larger.
#[derive(Default)]
pub struct Argon2Memory(Vec<argon2::Block>);

impl std::fmt::Debug for Argon2Memory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Argon2Memory({} blocks)", self.0.len())
    }
}

/// [`verify_password`], computing in `memory` instead of allocating.
pub fn verify_password_in(password: &str, hash: &str, memory: &mut Argon2Memory) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else { return false };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else { return false };
    let Ok(params) = argon2::Params::try_from(&parsed) else { return false };
    let Ok(algorithm) = argon2::Algorithm::try_from(parsed.algorithm) else { return false };
    let Ok(version) = parsed.version.map(argon2::Version::try_from).transpose() else { return false };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else { return false };
    memory.0.resize(params.block_count(), argon2::Block::default());
    let argon2 = Argon2::new(algorithm, version.unwrap_or_default(), params);
    let mut out = vec![0u8; expected.len()];
    argon2.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut memory.0[..]).is_ok()
        // `Output`'s comparison takes the same time wherever the outputs differ.
        && argon2::password_hash::Output::new(&out).is_ok_and(|out| out == expected)
}

/// A new random token: 32 bytes from the operating system, as hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the database keeps of a token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("correct horse battery staple").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse battery staple", &hash));
        assert!(!verify_password("Correct horse battery staple", &hash));
        assert!(!verify_password("anything", "not a hash"));
        let mut memory = Argon2Memory::default();
        assert!(verify_password_in("correct horse battery staple", &hash, &mut memory));
        assert!(!verify_password_in("Correct horse battery staple", &hash, &mut memory));
        assert!(!verify_password_in("anything", "not a hash", &mut memory));
        assert!(verify_password_in("correct horse battery staple", &hash, &mut memory), "memory reused");
        assert_ne!(hash, hash_password("correct horse battery staple").unwrap(), "salted");
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), a);
        assert!(same_secret(&a, &a.clone()) && !same_secret(&a, &b) && !same_secret("a", "ab"));
    }
}
