//! Decrypt an arbitrary ContentInfo (EnvelopedData or AuthEnvelopedData, DER or BER) with fixed
//! credentials of every recipient kind: an RSA-2048 key with its certificate (key transport), a
//! P-256 key without certificate (key agreement), a pre-shared KEK and a password. An input of odd
//! length is opened with `try_all_recipients`, so both recipient selection paths are reached.
//!
//! The keys are test keys made for this fuzzer (by `smime_x509::builder::TestIdentity`, RustCrypto
//! provider), the ones the seeds in `seeds/enveloped_decrypt/` were encrypted to (AES-GCM and
//! AES-CBC, each recipient kind alone and all four together; PWRI with 10 PBKDF2 iterations).
//! Never use them for anything else.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use smime_cms::DecryptOptions;
use smime_crypto::PrivateKey;

/// RSA-2048 recipient key (PKCS#8), test key for this fuzzer only.
const RSA_KEY_PEM: &str = "\
-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCWe41mWV253g5c
p+7ALXs69STM8WHeG/43q5WEYrYbLR8/6FhrQh46e3HTRJBYirfRgzRPBdfEK24T
Xd35UcpStzYOpH0Pm7rRAh19EdLTzJeLmcKYSDJWBUA7S8k48l8eaPa56lVJ0JZ/
7c0Lze39Gvih5PdTeI2/WygP6sHNx8W4qbrWj9I+J//SfplUAXFYCSMxbHHKo8F4
xyvohWAmT6vvjF5hFWBTucEdMVT3f1aTb0LBjEMl5EFAolW1fRowC5Ly2yupQBMa
ZKR/kXtJ2H4f2ObZL1nY8tbYvr9O9KzLUS4NbKgjZQ0cViFi4cQ8DWSQfiLFhvHJ
HujdQX1PAgMBAAECggEBAIlLvN0O2DbG5O+gwHJSjMZj9+mMqjBN9gmw4T/iGCh/
aK2UPWfO8WmGS3noapJ+LexX+xfGSvBOd6Xv1KCvARuq0QVXCkt9WFttxJ3h7ysS
1YmnBiaOaG6XZ90x7iuo5yQFvGYv6RTp3QZnXtdQUbzGKOb80rMzoJBgiRLMq3ol
Tov9QPZPzQQ4E4VhIf8Aeyts6FRp2JNU5+AwA3CUz5TqJn+CyGVw4J+Xq1zPbi6w
rj0FotJGbYfWzM1YrlehqXwga1sxtzmvMsj3Db3hsa1VN+ODwGL8Vcg8dsAk70Ve
QbSSnd0hU4vWboMjZhiASas6/xq32kHYHvMsemmGcSECgYEAwUVyxq/ClnQae/rI
RVDO4HvgOerw6CxuYt7cNnA/zbh5rTUYEZBEOREmQGkatLXSy1Chhqn6D3hPO8eR
+eEN8UNA1/lwVPpQbhLm123S9xqx3hNtRmMU8FRmhahkp7VDh7U6LtjNfmdy+K91
0jJWKGycvvLaqTUY1KbzvpaujdkCgYEAx1Lfw49XQCOY3+TyiREMy398Ku/wM1fr
UopMw5SujOYQ/qlKAlYKAnbIKwOfy/XQJNOF3k8jTFZrr7MLXAIf++uPLcSW2Wir
JAohIdPqRhdnECYPDAXyBuyMzQ4ER2wDBpLfhpD5aUyE1b95AwZJYAtkt7XF12vs
8z0x7nTX42cCgYBoS7fibFqPolvgZ7bHYRIipfaciqIySDfRdv5TCkQEGfbfd3Vj
lPyb5xtDSvS0bCIywXJJH1ToID5xvgKSW9aQSYCmi98InIPmwqB7xLJB0tAFTWp8
v18/SeyBWBvpPLISe8PIIArUmbK7bMQiCDPiYKo9iQRip1qc9vM1+E5+EQKBgDNO
JKSsr7OltgLjZn5bciSrQuW2buh4V+0eBhZNngRMb9Fs98zUIq1xr6JKw4X3VsUz
4QBQ9HAAyqUl++WJ8nugrXEFaiK561tSdCbF6kZyXaftc/APU7Xui2t4kSdlKP43
LevwQxKUjJiMOXTK2HYtWJZk5nDFqe8OMF0FnFA/AoGAfkP2ja3Nb5yx847JRIbK
B6R4BwbQY7nDEE3qH5nVjwtJ2iCTCxXNLKlw5vEUxhQf42GA5EvwPpiFaLBTkjeB
yk+VFdm7Q2wsyH8RjIDLUI4MAcMm2pS+Zjl9lLFmklYzfdMFZ0AsfRAqBpLWdBQQ
BFOlm34bsvJa0fE0+ZKZ9OQ=
-----END PRIVATE KEY-----
";

/// The RSA recipient's self-signed certificate.
const RSA_CERT_PEM: &str = "\
-----BEGIN CERTIFICATE-----
MIIDYDCCAkigAwIBAgIQC5XxhrAbzrwS5vEjo8vXmDANBgkqhkiG9w0BAQsFADAf
MR0wGwYDVQQDDBRmdXp6LXJzYUBleGFtcGxlLm9yZzAeFw0yNjExMjMwMzAxMjFa
Fw0yNzExMjMwMzAxMjFaMB8xHTAbBgNVBAMMFGZ1enotcnNhQGV4YW1wbGUub3Jn
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAlnuNZlldud4OXKfuwC17
OvUkzPFh3hv+N6uVhGK2Gy0fP+hYa0IeOntx00SQWIq30YM0TwXXxCtuE13d+VHK
Urc2DqR9D5u60QIdfRHS08yXi5nCmEgyVgVAO0vJOPJfHmj2uepVSdCWf+3NC83t
/Rr4oeT3U3iNv1soD+rBzcfFuKm61o/SPif/0n6ZVAFxWAkjMWxxyqPBeMcr6IVg
Jk+r74xeYRVgU7nBHTFU939Wk29CwYxDJeRBQKJVtX0aMAuS8tsrqUATGmSkf5F7
Sdh+H9jm2S9Z2PLW2L6/TvSsy1EuDWyoI2UNHFYhYuHEPA1kkH4ixYbxyR7o3UF9
TwIDAQABo4GXMIGUMAwGA1UdEwEB/wQCMAAwDgYDVR0PAQH/BAQDAgXgMBMGA1Ud
JQQMMAoGCCsGAQUFBwMEMB0GA1UdDgQWBBSKa8oPcJNqjz7smWeTj/tK/eap4jAf
BgNVHSMEGDAWgBSKa8oPcJNqjz7smWeTj/tK/eap4jAfBgNVHREEGDAWgRRmdXp6
LXJzYUBleGFtcGxlLm9yZzANBgkqhkiG9w0BAQsFAAOCAQEAk04YFNQto0YtEBqS
33mk+FewiVzzMkWEXFN4Duaup7/Cg4zwLajkH+vxsZiKLlW/cEKU4Em1wzsf7mRh
A2C9HxrI77ts/FB0zPLgFQYugts5BSum6anXtp/i/Vj6IEXKFBsLwfu7WXtNihTP
pDhIL19Lh7lLXAED9phWyVsngFNH+95Kw6eICJWzE0PWZkrEzKEGNDpI9FtcAVfR
NuLZqYXIYSEuMCiiCxBAXPScXff5yoWQfzvF/fRawlyeLFQPm526cRCrE2R6DYEz
US8SeTP8lQHInNd/5wTtK8Ks2/jhwyFD/gFtX6WRoXtIhCjGr0hHNzBNjkQ6Tuz/
deLtZw==
-----END CERTIFICATE-----
";

/// P-256 recipient key (PKCS#8), test key for this fuzzer only; used without its certificate.
const P256_KEY_PEM: &str = "\
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgBppKLPG2gGQl5Cqi
9+xwPpWGFU62oZL9GCD4shKIQ96hRANCAARX5byXlQYxFQDp8x2jLk1ZTiAzT+BO
PQ53Q3F6NFUJTZHk4cYS4ITtDd5UewnK+zBGV5H7xZy0lcCOR9jmrnLg
-----END PRIVATE KEY-----
";

/// The KEKRecipientInfo key identifier and key-encryption key (AES-256 key wrap) of the seeds.
const KEK_ID: &[u8] = b"fuzz-kek";
const KEK: [u8; 32] = [0x4b; 32];
/// The PasswordRecipientInfo password of the seeds.
const PASSWORD: &[u8] = b"fuzz password";

struct Keys {
    rsa_certificate: smime_cms::Certificate,
    rsa_key: Arc<dyn PrivateKey>,
    p256_key: Arc<dyn PrivateKey>,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let provider = smime_crypto::rustcrypto::provider();
        let load = |pem: &str| smime_crypto::load_private_key(provider, pem.as_bytes(), None);
        Keys {
            rsa_certificate: smime_x509::Certificate::from_pem(RSA_CERT_PEM.as_bytes())
                .expect("embedded RSA certificate")
                .x509()
                .clone(),
            rsa_key: load(RSA_KEY_PEM).expect("embedded RSA key"),
            p256_key: load(P256_KEY_PEM).expect("embedded P-256 key"),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let keys = keys();
    let options = DecryptOptions::new()
        .private_key(&keys.rsa_certificate, keys.rsa_key.as_ref())
        .private_key_without_certificate(keys.p256_key.as_ref())
        .kek(KEK_ID, &KEK)
        .password(PASSWORD)
        .try_all_recipients(data.len() % 2 == 1);
    let provider = smime_crypto::rustcrypto::provider();
    if let Ok(decrypted) = smime_cms::decrypt(data, &options, provider) {
        // Walk the whole result: nothing in it may panic either.
        let _ = format!("{decrypted:?}");
        let _ = (decrypted.content().len(), decrypted.is_authenticated());
        let _ = (decrypted.key_management(), decrypted.recipient_index());
    }
});
