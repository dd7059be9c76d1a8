//! TLS, both ends, on rustls (ring): the certificate `listen --tls` serves (generated at start for
//! localhost, 127.0.0.1 and ::1, or read from PEM files), and the trust a client adds (`--cacert`,
//! `--insecure`, a client certificate for mutual TLS). A certificate failure becomes one line that names
//! the problem and the flag that fixes it.
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Result;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};

use crate::error::UserError;

/// TLS 1.2 and 1.3 only (rustls offers nothing older).
static VERSIONS: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS13, &rustls::version::TLS12];

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// What `listen --tls` serves, and what to tell the user about it.
pub struct ServerTls {
    pub config: Arc<rustls::ServerConfig>,
    /// The certificate's PEM file (written for a generated one).
    pub cert_path: PathBuf,
    /// SHA-256 of the certificate (DER), as `AB:CD:…`.
    pub fingerprint: String,
    /// The private folder a generated certificate was written into: removed when this is dropped.
    pub folder: Option<crate::files::PrivateFolder>,
}

/// The SHA-256 fingerprint of a DER certificate, colon-separated upper-case hex (as browsers show it).
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der).iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

fn server_config(certs: Vec<CertificateDer<'static>>, key: PrivateKeyDer<'static>) -> Result<rustls::ServerConfig> {
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(VERSIONS)?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| UserError::new(format!("the TLS certificate and key do not go together: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// A certificate generated now for `localhost`, `127.0.0.1` and `::1`, its PEM written as `file_name` into a
/// private folder (0700, made new) under `under`: nobody else chooses what `--cacert` will trust, no link
/// left there is followed, and the folder goes when the returned value is dropped.
pub fn generated(under: &Path, file_name: &str) -> Result<ServerTls> {
    let names = vec!["localhost".to_string(), "127.0.0.1".to_string(), "::1".to_string()];
    let certified = rcgen::generate_simple_self_signed(names)
        .map_err(|e| UserError::new(format!("cannot generate a TLS certificate: {e}")))?;
    let pem = certified.cert.pem();
    let cannot =
        |e: std::io::Error| UserError::new(format!("cannot write the TLS certificate under {}: {e}", under.display()));
    let folder = crate::files::PrivateFolder::create(under, "hookctl-tls-").map_err(cannot)?;
    let pem_path = folder.write_new(file_name, pem.as_bytes()).map_err(cannot)?;
    let der = certified.cert.der().clone();
    let key = PrivateKeyDer::try_from(certified.signing_key.serialize_der())
        .map_err(|e| UserError::new(format!("cannot use the generated key: {e}")))?;
    Ok(ServerTls {
        fingerprint: fingerprint(&der),
        config: Arc::new(server_config(vec![der], key)?),
        cert_path: pem_path,
        folder: Some(folder),
    })
}

/// Every certificate in a PEM file (a chain, or one).
fn read_certs(path: &Path, flag: &str) -> Result<Vec<CertificateDer<'static>>> {
    let cannot = |why: String| UserError::new(format!("{flag} {}: {why}", path.display()));
    let bytes = read_pem(path, flag)?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| cannot(format!("not a PEM certificate ({e:?})")))?;
    if certs.is_empty() {
        return Err(cannot("holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into()).into());
    }
    Ok(certs)
}

/// A PEM file named by `flag`: a regular file of at most 1 MiB.
fn read_pem(path: &Path, flag: &str) -> Result<Vec<u8>, UserError> {
    crate::files::read_regular(path, PEM_LIMIT, &format!("{flag} {}", path.display()), true)
}

/// The most a PEM file (a certificate chain, a key) may be.
const PEM_LIMIT: u64 = 1 << 20;

fn read_key(path: &Path, flag: &str) -> Result<PrivateKeyDer<'static>> {
    let bytes = read_pem(path, flag)?;
    PrivateKeyDer::from_pem_slice(&bytes)
        .map_err(|e| UserError::new(format!("{flag} {}: not a PEM private key ({e:?})", path.display())).into())
}

/// `--tls-cert FILE --tls-key FILE` (PEM: mkcert's output works).
pub fn from_files(cert: &Path, key: &Path) -> Result<ServerTls> {
    let certs = read_certs(cert, "--tls-cert")?;
    let fingerprint = fingerprint(&certs[0]);
    let key = read_key(key, "--tls-key")?;
    Ok(ServerTls {
        config: Arc::new(server_config(certs, key)?),
        cert_path: cert.to_path_buf(),
        fingerprint,
        folder: None,
    })
}

/// The trust a client adds to the system's, from its flags.
#[derive(Debug, Clone, Default)]
pub struct ClientTls {
    /// Also trust this CA (or self-signed certificate).
    pub cacert: Option<PathBuf>,
    /// Verify nothing.
    pub insecure: bool,
    /// A client certificate and its key, for a receiver that asks for one (mutual TLS).
    pub identity: Option<(PathBuf, PathBuf)>,
}

impl ClientTls {
    pub fn is_default(&self) -> bool {
        self.cacert.is_none() && !self.insecure && self.identity.is_none()
    }

    /// The rustls configuration these flags call for; `None` when they call for nothing (the client's own
    /// default then verifies with the system's trust).
    pub fn config(&self) -> Result<Option<rustls::ClientConfig>> {
        if self.is_default() {
            return Ok(None);
        }
        let builder = rustls::ClientConfig::builder_with_provider(provider()).with_protocol_versions(VERSIONS)?;
        let builder = if self.insecure {
            builder.dangerous().with_custom_certificate_verifier(Arc::new(NoVerification(provider())))
        } else {
            let mut roots = rustls::RootCertStore::empty();
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
            if let Some(path) = &self.cacert {
                for cert in read_certs(path, "--cacert")? {
                    roots.add(cert).map_err(|e| {
                        UserError::new(format!("--cacert {}: cannot be trusted as a CA ({e})", path.display()))
                    })?;
                }
            }
            builder.with_root_certificates(roots)
        };
        let mut config = match &self.identity {
            Some((cert, key)) => builder.with_client_cert_resolver(Arc::new(ClientIdentity::load(cert, key)?)),
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Some(config))
    }
}

/// `--cert FILE --key FILE`: the client certificate offered to a receiver that asks for one. Any X.509
/// version is taken, v1 too (`openssl x509 -req` without an extensions file makes those, and curl and
/// Python's `ssl` send them): the receiver judges the certificate, hookctl only checks that the key is the
/// certificate's (its public key is in the certificate, byte for byte).
#[derive(Debug)]
struct ClientIdentity(Arc<rustls::sign::CertifiedKey>);

impl ClientIdentity {
    fn load(cert: &Path, key: &Path) -> Result<ClientIdentity> {
        let certs = read_certs(cert, "--cert")?;
        let signing_key = provider()
            .key_provider
            .load_private_key(read_key(key, "--key")?)
            .map_err(|e| UserError::new(format!("--key {}: cannot be used to sign ({e})", key.display())))?;
        if let Some(public) = signing_key.public_key() {
            if memchr::memmem::find(certs[0].as_ref(), public.as_ref()).is_none() {
                return Err(UserError::with_hint(
                    format!(
                        "--cert {} and --key {} do not go together: the key is not the certificate's",
                        cert.display(),
                        key.display()
                    ),
                    "pass the key the certificate was made for (its first certificate is the client's own)",
                )
                .into());
            }
        }
        Ok(ClientIdentity(Arc::new(rustls::sign::CertifiedKey::new(certs, signing_key))))
    }
}

impl rustls::client::ResolvesClientCert for ClientIdentity {
    fn resolve(
        &self,
        _hints: &[&[u8]],
        _schemes: &[rustls::SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        Some(self.0.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

/// `--insecure`: every certificate is accepted (signatures are still checked, so the handshake is real).
#[derive(Debug)]
struct NoVerification(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// An error and every cause under it, `: `-joined and lower-cased (for matching words, never shown).
pub fn chain_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(error) = cause {
        text.push_str(": ");
        text.push_str(&error.to_string());
        cause = error.source();
    }
    text.to_lowercase()
}

/// The advice that goes with a refused certificate.
const FIX: &str = "trust it with --cacert FILE (its certificate or CA, PEM), or skip the check with --insecure";

/// A certificate failure somewhere in an error's chain, as one line naming the problem and the flag that
/// fixes it; `None` when the error is not about a certificate.
pub fn certificate_failure(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    typed_failure(err).or_else(|| worded_failure(err))
}

/// The same, read from the chain's words: some layers (the platform verifier behind the default client)
/// pass the rustls error on as text only.
fn worded_failure(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    let text = chain_text(err);
    if !text.contains("certificate") {
        return None;
    }
    let what = if text.contains("unknownissuer") || text.contains("unknown issuer") {
        "it is signed by an issuer this machine does not trust (self-signed or a dev CA)"
    } else if text.contains("notvalidforname") || text.contains("not valid for name") {
        "it is not valid for this host name"
    } else if text.contains("badsignature") || text.contains("bad signature") {
        "it is not signed by the certificate or CA you trust (is --cacert the receiver's own?)"
    } else if text.contains("expired") {
        "it has expired"
    } else if text.contains("certificaterequired") || text.contains("certificate required") {
        return Some("the receiver asks for a client certificate: pass --cert FILE --key FILE".into());
    } else if text.contains("invalid peer certificate") {
        "it is not one this machine accepts"
    } else {
        return None;
    };
    Some(format!("the receiver's TLS certificate was refused: {what}; {FIX}"))
}

fn typed_failure(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    use rustls::CertificateError as C;
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(mut error) = cause {
        // An io::Error's `source` skips the error it wraps: look inside it (TLS errors travel that way).
        if let Some(inner) = error.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            error = inner;
        }
        if let Some(rustls::Error::InvalidCertificate(problem)) = error.downcast_ref::<rustls::Error>() {
            let what = match problem {
                C::UnknownIssuer => "it is signed by an issuer this machine does not trust (self-signed or a dev CA)",
                C::NotValidForName | C::NotValidForNameContext { .. } => "it is not valid for this host name",
                C::Expired | C::ExpiredContext { .. } => "it has expired",
                C::NotValidYet | C::NotValidYetContext { .. } => "it is not valid yet",
                C::BadSignature => {
                    "it is not signed by the certificate or CA you trust (is --cacert the receiver's own?)"
                }
                other => return Some(format!("the receiver's TLS certificate was refused ({other:?}); {FIX}")),
            };
            return Some(format!("the receiver's TLS certificate was refused: {what}; {FIX}"));
        }
        if let Some(rustls::Error::AlertReceived(rustls::AlertDescription::CertificateRequired)) =
            error.downcast_ref::<rustls::Error>()
        {
            return Some("the receiver asks for a client certificate: pass --cert FILE --key FILE".into());
        }
        cause = error.source();
    }
    None
}
