//! The probe client's TLS, built in one place from the network settings: which server
//! certificates are trusted (the system's CA store, only `--cacert`'s, or any with `-k`) and the
//! client certificate (`--cert`, `--key`).
//!
//! The system's CA store is read on the first server certificate to verify, not when the
//! client is built: a sweep of an `http://` backend never reads it (about 3 ms of every run,
//! and an error on a host that has no CA bundle); an `https://` one reads it once, on its first
//! handshake. `--cacert` replaces the store, as curl's does, so with it the store is never
//! read. Handshake signatures need only the crypto provider, never the roots.
//!
//! This is the one place the client's rustls configuration is built: the client is given it
//! whole (`tls_backend_preconfigured`), so reqwest's own TLS builder methods do not apply, and a
//! new TLS option is a field of [`Network`] that [`client_config`] turns into rustls terms.
//! rustls-platform-verifier and rustls' WebPKI verifier do the verifying; this only chooses one
//! and defers building the platform's. Written by hand because neither rustls nor reqwest offers
//! a verifier that loads its roots on first use.

use std::sync::{Arc, OnceLock};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::error::ProbeError;
use crate::network::Network;

/// Which server certificates are trusted.
#[derive(Debug)]
enum Trust {
    /// The system's CA store, loaded on first use.
    System(OnceLock<Result<Arc<rustls_platform_verifier::Verifier>, String>>),
    /// Only these roots (`--cacert`).
    Only(Arc<WebPkiServerVerifier>),
    /// Any certificate (`-k`): the handshake's signatures are still checked.
    Any,
}

/// The server-certificate verifier of the probe's client: the system's store (read on first
/// use), only `--cacert`'s roots, or anything (`-k`).
#[derive(Debug)]
pub(crate) struct LazyVerifier {
    provider: Arc<CryptoProvider>,
    trust: Trust,
}

impl LazyVerifier {
    /// Whether the system's CA store has been read.
    pub(crate) fn loaded(&self) -> bool {
        matches!(&self.trust, Trust::System(lock) if lock.get().is_some())
    }

    fn system(
        &self,
        lock: &OnceLock<Result<Arc<rustls_platform_verifier::Verifier>, String>>,
    ) -> Result<Arc<rustls_platform_verifier::Verifier>, rustls::Error> {
        lock.get_or_init(|| {
            rustls_platform_verifier::Verifier::new(Arc::clone(&self.provider))
                .map(Arc::new)
                .map_err(|e| {
                    let why = match e {
                        rustls::Error::General(why) => why,
                        other => other.to_string(),
                    };
                    format!(
                        "the system's CA store could not be read ({why}); install a CA \
                         bundle, or name one with --cacert"
                    )
                })
        })
        .clone()
        .map_err(rustls::Error::General)
    }
}

impl ServerCertVerifier for LazyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match &self.trust {
            Trust::System(lock) => self.system(lock)?.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            ),
            Trust::Only(verifier) => verifier.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            ),
            Trust::Any => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The roots of a `--cacert` bundle, checked now: a bad file is a usage error before any probe.
fn only_roots(
    pem: &[u8],
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<WebPkiServerVerifier>, ProbeError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            ProbeError::Client(format!("--cacert is not a PEM bundle of certificates: {e}"))
        })?;
    if certs.is_empty() {
        return Err(ProbeError::Client(
            "--cacert holds no PEM certificate".to_owned(),
        ));
    }
    let mut roots = RootCertStore::empty();
    for cert in certs {
        roots.add(cert).map_err(|e| {
            ProbeError::Client(format!(
                "--cacert holds a certificate that cannot be a trust anchor: {e}"
            ))
        })?;
    }
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(provider))
        .build()
        .map_err(|e| ProbeError::Client(format!("--cacert: {e}")))
}

/// The client's TLS configuration for `network` (ring, TLS 1.2 and 1.3, HTTP/2 then 1.1 by ALPN
/// as reqwest would offer), and its verifier, for inspection. Reads no file and, unless a
/// certificate is verified, not the system's CA store.
pub(crate) fn client_config(
    network: &Network,
) -> Result<(ClientConfig, Arc<LazyVerifier>), ProbeError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let trust = if network.insecure {
        Trust::Any
    } else if let Some(pem) = &network.ca_pem {
        Trust::Only(only_roots(pem, &provider)?)
    } else {
        Trust::System(OnceLock::new())
    };
    let verifier = Arc::new(LazyVerifier {
        provider: Arc::clone(&provider),
        trust,
    });
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ProbeError::Client(format!("TLS configuration: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::clone(&verifier) as Arc<dyn ServerCertVerifier>);
    let mut config = match &network.identity {
        None => builder.with_no_client_auth(),
        Some(identity) => {
            let bad = |what: &str| {
                ProbeError::Client(format!(
                    "--cert and --key must be a PEM certificate and its PEM private key: {what}"
                ))
            };
            let chain = CertificateDer::pem_slice_iter(identity.pem())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| bad(&e.to_string()))?;
            if chain.is_empty() {
                return Err(bad("no certificate found"));
            }
            let key = PrivateKeyDer::from_pem_slice(identity.pem())
                .map_err(|_| bad("no private key found"))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| bad(&e.to_string()))?
        }
    };
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok((config, verifier))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn garbage() -> CertificateDer<'static> {
        CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x00])
    }

    #[test]
    fn the_system_store_is_read_on_the_first_certificate_and_a_bad_one_is_refused() {
        let (_, verifier) = client_config(&Network::default()).unwrap();
        assert!(!verifier.loaded(), "building reads nothing");
        assert!(!verifier.supported_verify_schemes().is_empty());
        assert!(!verifier.loaded(), "nor does the handshake");
        let name = ServerName::try_from("example.com").unwrap();
        let verdict = verifier.verify_server_cert(&garbage(), &[], &name, &[], UnixTime::now());
        assert!(
            verdict.is_err(),
            "what is not a certificate is never trusted"
        );
        assert!(verifier.loaded());
    }

    #[test]
    fn cacert_replaces_the_system_store_and_insecure_trusts_anything() {
        let not_pem = Network {
            ca_pem: Some(b"not a certificate".to_vec()),
            ..Network::default()
        };
        let err = client_config(&not_pem).unwrap_err().to_string();
        assert!(err.contains("--cacert holds no PEM certificate"), "{err}");
        let name = ServerName::try_from("example.com").unwrap();
        let insecure = Network {
            insecure: true,
            ..not_pem
        };
        let (_, verifier) = client_config(&insecure).unwrap();
        assert!(
            verifier
                .verify_server_cert(&garbage(), &[], &name, &[], UnixTime::now())
                .is_ok()
        );
        assert!(!verifier.loaded(), "-k reads no store");
    }

    #[test]
    fn a_client_identity_without_a_key_is_named() {
        let network = Network {
            identity: Some(crate::ClientIdentity::from_pem(
                b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
                b"not a key",
            )),
            ..Network::default()
        };
        let err = client_config(&network).unwrap_err().to_string();
        assert!(err.contains("--cert and --key"), "{err}");
    }
}
