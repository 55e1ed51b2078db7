//! TLS on the S3 endpoint, with a certificate authority and server certificate made at test
//! time: boto3 with its default checksum settings (aws-chunked trailers over https), aws-cli,
//! and a plain-HTTP request on the TLS port.

use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use tempfile::TempDir;

use crate::awscli::AwsCli;
use crate::boto3::run_script_on;
use crate::server::{Options, Server};

/// PEM files of a test certificate authority and a server certificate it signed for
/// `localhost` and `127.0.0.1`. The private keys exist only in this temporary directory.
pub struct TestPki {
    dir: TempDir,
}

impl TestPki {
    /// Generates a fresh authority, server key and server certificate.
    pub fn generate() -> TestPki {
        let dir = tempfile::Builder::new()
            .prefix("oss-pki-")
            .tempdir()
            .expect("create PKI dir");

        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "oss integration test CA");
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_key = KeyPair::generate().expect("CA key");
        let ca = ca_params.self_signed(&ca_key).expect("self-sign CA");

        let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
        let mut server_params = CertificateParams::new(names).expect("server params");
        server_params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        server_params.use_authority_key_identifier_extension = true;
        server_params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_key = KeyPair::generate().expect("server key");
        let server_cert = server_params
            .signed_by(&server_key, &ca, &ca_key)
            .expect("sign server certificate");

        let pki = TestPki { dir };
        fs::write(pki.ca_path(), ca.pem()).expect("write CA");
        fs::write(pki.cert_path(), server_cert.pem()).expect("write certificate");
        fs::write(pki.key_path(), server_key.serialize_pem()).expect("write key");
        pki
    }

    /// Returns the PEM file of the authority, for clients to trust.
    pub fn ca_path(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    fn cert_path(&self) -> PathBuf {
        self.dir.path().join("server.pem")
    }

    fn key_path(&self) -> PathBuf {
        self.dir.path().join("server.key")
    }

    /// Starts a server whose S3 endpoint serves this certificate.
    pub fn start_server(&self) -> Server {
        Server::start_with(Options {
            env: vec![
                ("OSS_S3_TLS_CERT".into(), path_string(&self.cert_path())),
                ("OSS_S3_TLS_KEY".into(), path_string(&self.key_path())),
            ],
            ..Options::default()
        })
    }
}

fn path_string(path: &Path) -> String {
    path.to_str().expect("UTF-8 path").to_owned()
}

#[test]
fn tls_endpoint_is_https() {
    let pki = TestPki::generate();
    let server = pki.start_server();
    assert!(
        server.endpoint().starts_with("https://127.0.0.1:"),
        "endpoint {}",
        server.endpoint()
    );
}

#[test]
fn boto3_over_tls() {
    let pki = TestPki::generate();
    let server = pki.start_server();
    let ca = path_string(&pki.ca_path());
    run_script_on(&server, "test_tls.py", &[("OSS_TEST_CA_BUNDLE", &ca)]);
}

#[test]
fn awscli_over_tls() {
    let pki = TestPki::generate();
    let server = pki.start_server();
    let aws = AwsCli::new(&server);
    let ca = path_string(&pki.ca_path());
    aws.ok(&[
        "s3api",
        "create-bucket",
        "--bucket",
        "tls",
        "--ca-bundle",
        &ca,
    ]);
    let body = server.dir().join("body.txt");
    fs::write(&body, b"over TLS").expect("write body");
    aws.ok(&[
        "s3api",
        "put-object",
        "--bucket",
        "tls",
        "--key",
        "k",
        "--body",
        body.to_str().expect("UTF-8 path"),
        "--ca-bundle",
        &ca,
    ]);
    let target = server.dir().join("target.txt");
    aws.ok(&[
        "s3",
        "cp",
        "s3://tls/k",
        target.to_str().expect("UTF-8 path"),
        "--ca-bundle",
        &ca,
    ]);
    assert_eq!(fs::read(&target).expect("read download"), b"over TLS");

    // Without the authority, the client must refuse the certificate.
    let output = aws.run(&["s3api", "list-buckets"]);
    assert!(
        !output.status.success(),
        "an untrusted certificate was accepted"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("SSL"), "unexpected error: {stderr}");
}

#[test]
fn plain_http_on_tls_port_gets_no_response() {
    let pki = TestPki::generate();
    let server = pki.start_server();
    let mut stream = TcpStream::connect(server.s3_addr()).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("set timeout");
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .expect("send request");
    let mut received = Vec::new();
    let _ = stream.read_to_end(&mut received);
    assert!(
        !received.starts_with(b"HTTP/"),
        "plain HTTP got an HTTP answer: {:?}",
        String::from_utf8_lossy(&received)
    );
}
