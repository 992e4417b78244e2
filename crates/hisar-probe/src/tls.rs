//! TLS for the HTTP probe: the ONE place the client's rustls configuration is built
//! ([`client_config`] from [`TlsSettings`]). Server certificates are verified against the
//! platform's roots (and any extra roots given), loaded on the first certificate to verify
//! rather than when the client is built. A sweep of an `http://` backend never reads the
//! system's CA store (about 3 ms of every run, and an error on a machine that has none); an
//! `https://` one reads it once, on its first handshake.
//!
//! The client is given this configuration whole (`tls_backend_preconfigured`), so reqwest's
//! own TLS builder methods (`tls_certs_only`, `danger_accept_invalid_certs`, `identity`) no
//! longer apply: every TLS option (curl's `--cacert`, `-k`, `--cert`/`--key`) is a field of
//! [`TlsSettings`] that [`client_config`] turns into rustls terms, keeping the roots lazy:
//! `--cacert` replaces the platform verifier by a webpki one over those roots (built in
//! `LazyVerifier::verifier` as the platform one is), `-k` by a verifier that accepts any
//! certificate, and a client certificate goes to `with_client_auth_cert` instead of
//! `with_no_client_auth`.
//!
//! rustls-platform-verifier does the verifying; this only defers building it. Written by hand
//! because neither it nor reqwest offers a lazy verifier.

use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};

/// What the client's TLS is built from; see the module's documentation for the options that
/// join it.
#[derive(Debug, Clone, Default)]
pub(crate) struct TlsSettings {
    /// Trust anchors beyond the platform's (such as a private CA), in DER.
    pub(crate) extra_roots: Vec<CertificateDer<'static>>,
}

/// A verifier that builds the platform verifier on first use.
#[derive(Debug)]
pub(crate) struct LazyVerifier {
    provider: Arc<CryptoProvider>,
    extra: Vec<CertificateDer<'static>>,
    inner: OnceLock<Result<Arc<rustls_platform_verifier::Verifier>, String>>,
}

impl LazyVerifier {
    pub(crate) fn new(provider: Arc<CryptoProvider>, extra: Vec<CertificateDer<'static>>) -> Self {
        Self {
            provider,
            extra,
            inner: OnceLock::new(),
        }
    }

    /// Whether the roots have been loaded.
    pub(crate) fn loaded(&self) -> bool {
        self.inner.get().is_some()
    }

    fn verifier(&self) -> Result<&rustls_platform_verifier::Verifier, rustls::Error> {
        self.inner
            .get_or_init(|| {
                let built = if self.extra.is_empty() {
                    rustls_platform_verifier::Verifier::new(Arc::clone(&self.provider))
                } else {
                    rustls_platform_verifier::Verifier::new_with_extra_roots(
                        self.extra.iter().cloned(),
                        Arc::clone(&self.provider),
                    )
                };
                built
                    .map(Arc::new)
                    .map_err(|e| format!("no trusted CA certificates could be loaded: {e}"))
            })
            .as_deref()
            .map_err(|e| rustls::Error::General(e.clone()))
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
        self.verifier()?.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )
    }

    // Handshake signatures need the provider's algorithms, not the roots.
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

/// The client's TLS configuration (ring, the default protocol versions, HTTP/2 then 1.1 by
/// ALPN as reqwest would offer) with a lazy verifier, which it returns for inspection.
pub(crate) fn client_config(
    settings: &TlsSettings,
) -> Result<(ClientConfig, Arc<LazyVerifier>), rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(LazyVerifier::new(
        Arc::clone(&provider),
        settings.extra_roots.clone(),
    ));
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::clone(&verifier) as Arc<dyn ServerCertVerifier>)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok((config, verifier))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_load_on_the_first_certificate_and_a_bad_one_is_refused() {
        let (_, verifier) = client_config(&TlsSettings::default()).unwrap();
        assert!(
            !verifier.loaded(),
            "building the configuration loads nothing"
        );
        assert!(!verifier.supported_verify_schemes().is_empty());
        assert!(
            !verifier.loaded(),
            "nor does the handshake's list of schemes"
        );
        let garbage = CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x00]);
        let name = ServerName::try_from("example.com").unwrap();
        let verdict = verifier.verify_server_cert(&garbage, &[], &name, &[], UnixTime::now());
        assert!(
            verdict.is_err(),
            "a certificate that is not one is never trusted"
        );
        assert!(verifier.loaded());
    }

    #[test]
    fn extra_roots_that_are_not_certificates_are_an_error_on_use() {
        let settings = TlsSettings {
            extra_roots: vec![CertificateDer::from(vec![1, 2, 3])],
        };
        let (_, verifier) = client_config(&settings).unwrap();
        let name = ServerName::try_from("example.com").unwrap();
        let err = verifier
            .verify_server_cert(
                &CertificateDer::from(vec![1]),
                &[],
                &name,
                &[],
                UnixTime::now(),
            )
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no trusted CA certificates could be loaded"),
            "{err}"
        );
    }
}
