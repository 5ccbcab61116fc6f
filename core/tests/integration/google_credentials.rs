//! Google application default credentials: every source and its precedence, both file types,
//! and every way a file can be unusable, with the environment and the files as closures.

#![cfg(feature = "google-auth")]

use std::cell::RefCell;

use llm_sse_core::google::{
    CredentialKind, CredentialSource, Credentials, CredentialsError, CredentialsProblem,
    DEFAULT_METADATA_HOST, DEFAULT_TOKEN_URI, KeyProblem, PRODUCT_NAME_FILE, Platform,
    well_known_file,
};

/// The test service account key (a key generated for these tests; it grants nothing).
const SERVICE_ACCOUNT: &str = include_str!("../fixtures/google/service_account.json");

const AUTHORIZED_USER: &str = r#"{
  "account": "",
  "client_id": "764086051850-test.apps.googleusercontent.com",
  "client_secret": "test-client-secret-XYZ",
  "quota_project_id": "ada-quota-project",
  "refresh_token": "1//test-refresh-token-XYZ",
  "type": "authorized_user",
  "universe_domain": "googleapis.com"
}"#;

/// Secrets that must never show in `Debug`, `Display` or errors.
const SECRETS: [&str; 3] = [
    "test-client-secret-XYZ",
    "1//test-refresh-token-XYZ",
    "ya29.test-access-token",
];

/// Lines of the base64 body of the fixture's private key, which must never show either.
fn private_key_fragments() -> Vec<String> {
    let pem = serde_json::from_str::<serde_json::Value>(SERVICE_ACCOUNT).unwrap()["private_key"]
        .as_str()
        .unwrap()
        .to_owned();
    pem.lines()
        .filter(|line| !line.starts_with("-----"))
        .map(str::to_owned)
        .collect()
}

fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

/// A file system of the given files that records every path read.
struct Files {
    files: Vec<(String, String)>,
    reads: RefCell<Vec<String>>,
}

impl Files {
    fn new(files: &[(&str, &str)]) -> Files {
        Files {
            files: files
                .iter()
                .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
                .collect(),
            reads: RefCell::new(Vec::new()),
        }
    }

    fn reader(&self) -> impl Fn(&str) -> Option<String> + '_ {
        |path| {
            self.reads.borrow_mut().push(path.to_owned());
            self.files
                .iter()
                .find(|(p, _)| p == path)
                .map(|(_, t)| t.clone())
        }
    }

    fn reads(&self) -> Vec<String> {
        self.reads.borrow().clone()
    }
}

const HOME_FILE: &str = "/home/ada/.config/gcloud/application_default_credentials.json";

fn resolve(vars: &[(&str, &str)], files: &Files) -> Result<Credentials, CredentialsError> {
    Credentials::from_lookup_on(Platform::Unix, env(vars), files.reader())
}

fn assert_no_secret(text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret:?} in {text}");
    }
    for fragment in private_key_fragments() {
        assert!(!text.contains(&fragment), "the private key in {text}");
    }
}

// ---- Sources and precedence ---------------------------------------------------------------

#[test]
fn access_token_variable_comes_first_and_reads_no_file() {
    let files = Files::new(&[("/sa.json", SERVICE_ACCOUNT), (HOME_FILE, AUTHORIZED_USER)]);
    let credentials = resolve(
        &[
            ("CLOUDSDK_AUTH_ACCESS_TOKEN", "ya29.test-access-token"),
            ("GOOGLE_APPLICATION_CREDENTIALS", "/sa.json"),
            ("HOME", "/home/ada"),
        ],
        &files,
    )
    .unwrap();
    assert_eq!(credentials.kind(), CredentialKind::AccessToken);
    assert_eq!(
        credentials.source(),
        &CredentialSource::Environment("CLOUDSDK_AUTH_ACCESS_TOKEN")
    );
    assert!(!credentials.is_refreshable());
    assert_eq!(credentials.project_id(), None);
    assert_eq!(credentials.token_uri(), None);
    assert!(files.reads().is_empty());
    assert_no_secret(&format!("{credentials:?}"));
}

#[test]
fn blank_access_token_variable_counts_as_unset() {
    let files = Files::new(&[("/sa.json", SERVICE_ACCOUNT)]);
    let credentials = resolve(
        &[
            ("CLOUDSDK_AUTH_ACCESS_TOKEN", "  \n"),
            ("GOOGLE_APPLICATION_CREDENTIALS", "/sa.json"),
        ],
        &files,
    )
    .unwrap();
    assert_eq!(credentials.kind(), CredentialKind::ServiceAccount);
}

#[test]
fn access_token_variable_is_trimmed() {
    let files = Files::new(&[]);
    let credentials = resolve(
        &[("CLOUDSDK_AUTH_ACCESS_TOKEN", " ya29.test-access-token\n")],
        &files,
    )
    .unwrap();
    let source = llm_sse_core::google::TokenSource::new(credentials);
    assert_eq!(
        source.token(0).map(|t| t.expose()),
        Some("ya29.test-access-token")
    );
}

#[test]
fn malformed_access_token_variable_is_an_error() {
    for token in ["ya29.a b", "ya29.é", "ya29\u{7f}"] {
        let files = Files::new(&[(HOME_FILE, AUTHORIZED_USER)]);
        let error = resolve(
            &[("CLOUDSDK_AUTH_ACCESS_TOKEN", token), ("HOME", "/home/ada")],
            &files,
        )
        .unwrap_err();
        assert_eq!(
            error,
            CredentialsError::Invalid {
                origin: CredentialSource::Environment("CLOUDSDK_AUTH_ACCESS_TOKEN"),
                problem: CredentialsProblem::MalformedAccessToken,
            },
            "{token:?}"
        );
        assert!(!error.to_string().contains(token));
        assert_eq!(
            error.to_string(),
            "CLOUDSDK_AUTH_ACCESS_TOKEN: the access token is empty or holds a character that \
             cannot be sent in a header"
        );
    }
}

#[test]
fn credentials_file_variable_comes_before_the_well_known_file() {
    let files = Files::new(&[
        ("/keys/sa.json", SERVICE_ACCOUNT),
        (HOME_FILE, AUTHORIZED_USER),
    ]);
    let credentials = resolve(
        &[
            ("GOOGLE_APPLICATION_CREDENTIALS", "/keys/sa.json"),
            ("HOME", "/home/ada"),
        ],
        &files,
    )
    .unwrap();
    assert_eq!(credentials.kind(), CredentialKind::ServiceAccount);
    assert_eq!(
        credentials.source(),
        &CredentialSource::CredentialsFile {
            path: "/keys/sa.json".to_owned()
        }
    );
    assert_eq!(files.reads(), ["/keys/sa.json"]);
}

#[test]
fn credentials_file_path_is_trimmed() {
    let files = Files::new(&[("/keys/sa.json", SERVICE_ACCOUNT)]);
    resolve(
        &[("GOOGLE_APPLICATION_CREDENTIALS", " /keys/sa.json\n")],
        &files,
    )
    .unwrap();
    assert_eq!(files.reads(), ["/keys/sa.json"]);
}

#[test]
fn unreadable_credentials_file_is_an_error_not_a_fallback() {
    // The well-known file exists, but the file the variable names wins, and is missing.
    let files = Files::new(&[(HOME_FILE, AUTHORIZED_USER)]);
    let error = resolve(
        &[
            ("GOOGLE_APPLICATION_CREDENTIALS", "/missing.json"),
            ("HOME", "/home/ada"),
        ],
        &files,
    )
    .unwrap_err();
    assert_eq!(
        error,
        CredentialsError::Unreadable {
            path: "/missing.json".to_owned()
        }
    );
    assert_eq!(
        error.to_string(),
        "cannot read the credentials file /missing.json that GOOGLE_APPLICATION_CREDENTIALS names"
    );
    assert_eq!(files.reads(), ["/missing.json"]);
}

#[test]
fn invalid_credentials_file_is_an_error_not_a_fallback() {
    let files = Files::new(&[("/bad.json", "{"), (HOME_FILE, AUTHORIZED_USER)]);
    let error = resolve(
        &[
            ("GOOGLE_APPLICATION_CREDENTIALS", "/bad.json"),
            ("HOME", "/home/ada"),
        ],
        &files,
    )
    .unwrap_err();
    assert_eq!(
        error,
        CredentialsError::Invalid {
            origin: CredentialSource::CredentialsFile {
                path: "/bad.json".to_owned()
            },
            problem: CredentialsProblem::NotJson { line: 1, column: 1 },
        }
    );
    assert_eq!(
        error.to_string(),
        "the credentials file /bad.json (from GOOGLE_APPLICATION_CREDENTIALS): not valid JSON \
         (at line 1, column 1)"
    );
}

#[test]
fn well_known_file_under_home() {
    let files = Files::new(&[(HOME_FILE, AUTHORIZED_USER)]);
    let credentials = resolve(&[("HOME", "/home/ada")], &files).unwrap();
    assert_eq!(credentials.kind(), CredentialKind::AuthorizedUser);
    assert_eq!(
        credentials.source(),
        &CredentialSource::WellKnownFile {
            path: HOME_FILE.to_owned()
        }
    );
    assert_eq!(files.reads(), [HOME_FILE]);
}

#[test]
fn cloudsdk_config_overrides_the_directory() {
    let files = Files::new(&[
        (
            "/etc/gcloud/application_default_credentials.json",
            AUTHORIZED_USER,
        ),
        (HOME_FILE, SERVICE_ACCOUNT),
    ]);
    let credentials = resolve(
        &[("CLOUDSDK_CONFIG", "/etc/gcloud/"), ("HOME", "/home/ada")],
        &files,
    )
    .unwrap();
    assert_eq!(credentials.kind(), CredentialKind::AuthorizedUser);
    assert_eq!(
        files.reads(),
        ["/etc/gcloud/application_default_credentials.json"]
    );
}

#[test]
fn well_known_file_paths() {
    type Case<'a> = (Platform, &'a [(&'a str, &'a str)], Option<&'a str>);
    let cases: [Case; 9] = [
        (
            Platform::Unix,
            &[("HOME", "/home/ada")],
            Some("/home/ada/.config/gcloud/application_default_credentials.json"),
        ),
        (
            Platform::Unix,
            &[("HOME", "/home/ada/")],
            Some("/home/ada/.config/gcloud/application_default_credentials.json"),
        ),
        (
            Platform::Unix,
            &[("HOME", "/home/ada"), ("CLOUDSDK_CONFIG", "/cfg")],
            Some("/cfg/application_default_credentials.json"),
        ),
        (Platform::Unix, &[], None),
        (Platform::Unix, &[("HOME", " ")], None),
        (
            Platform::Windows,
            &[("APPDATA", r"C:\Users\ada\AppData\Roaming"), ("HOME", "/h")],
            Some(r"C:\Users\ada\AppData\Roaming\gcloud\application_default_credentials.json"),
        ),
        (
            Platform::Windows,
            &[("SystemDrive", "D:")],
            Some(r"D:\gcloud\application_default_credentials.json"),
        ),
        (
            Platform::Windows,
            &[],
            Some(r"C:\gcloud\application_default_credentials.json"),
        ),
        (
            Platform::Windows,
            &[("CLOUDSDK_CONFIG", r"E:\gcloud\"), ("APPDATA", r"C:\x")],
            Some(r"E:\gcloud\application_default_credentials.json"),
        ),
    ];
    for (platform, vars, expected) in cases {
        assert_eq!(
            well_known_file(platform, env(vars)).as_deref(),
            expected,
            "{platform:?} {vars:?}"
        );
    }
}

#[test]
fn windows_well_known_file_is_read() {
    let path = r"C:\Users\ada\AppData\Roaming\gcloud\application_default_credentials.json";
    let files = Files::new(&[(path, AUTHORIZED_USER)]);
    let credentials = Credentials::from_lookup_on(
        Platform::Windows,
        env(&[("APPDATA", r"C:\Users\ada\AppData\Roaming")]),
        files.reader(),
    )
    .unwrap();
    assert_eq!(credentials.kind(), CredentialKind::AuthorizedUser);
    assert_eq!(files.reads(), [path]);
}

#[test]
fn nothing_found_says_what_to_set() {
    let files = Files::new(&[]);
    let error = resolve(&[("HOME", "/home/ada")], &files).unwrap_err();
    assert_eq!(
        error,
        CredentialsError::NotFound {
            well_known_file: Some(HOME_FILE.to_owned())
        }
    );
    assert_eq!(
        error.to_string(),
        "no Google credentials: set CLOUDSDK_AUTH_ACCESS_TOKEN to an access token or \
         GOOGLE_APPLICATION_CREDENTIALS to a credentials file, or run `gcloud auth \
         application-default login` (which writes \
         /home/ada/.config/gcloud/application_default_credentials.json); on Google Cloud, \
         GCE_METADATA_HOST=169.254.169.254 uses the machine's metadata server"
    );
    assert_eq!(files.reads(), [HOME_FILE, PRODUCT_NAME_FILE]);

    let error = resolve(&[], &files).unwrap_err();
    assert_eq!(
        error,
        CredentialsError::NotFound {
            well_known_file: None
        }
    );
    assert!(
        error
            .to_string()
            .contains("(the gcloud credentials file was not looked for: HOME is not set); ")
    );
}

#[test]
fn the_metadata_server_comes_last_when_named_or_on_google_cloud() {
    let metadata = |host: &str| CredentialSource::MetadataServer {
        host: host.to_owned(),
    };
    // GCE_METADATA_HOST names it (an emulator, or a machine that does not say where it runs).
    let files = Files::new(&[]);
    let credentials = resolve(
        &[
            ("HOME", "/home/ada"),
            ("GCE_METADATA_HOST", " 127.0.0.1:8080 "),
        ],
        &files,
    )
    .unwrap();
    assert_eq!(credentials.kind(), CredentialKind::MetadataServer);
    assert_eq!(credentials.source(), &metadata("127.0.0.1:8080"));
    assert_eq!(
        credentials.source().to_string(),
        "the metadata server at 127.0.0.1:8080"
    );
    assert!(credentials.is_refreshable());
    assert_eq!(
        (credentials.token_uri(), credentials.project_id()),
        (None, None)
    );
    // The variable is not a reason to read the product name.
    assert_eq!(files.reads(), [HOME_FILE]);

    // A Linux machine on Google Cloud says so in its product name.
    for name in ["Google Compute Engine\n", "Google\n"] {
        let files = Files::new(&[(PRODUCT_NAME_FILE, name)]);
        let credentials = resolve(&[("HOME", "/home/ada")], &files).unwrap();
        assert_eq!(
            credentials.source(),
            &metadata(DEFAULT_METADATA_HOST),
            "{name}"
        );
    }
    // Other machines, Windows, and NO_GCE_CHECK: not found.
    let elsewhere = Files::new(&[(PRODUCT_NAME_FILE, "Standard PC (Q35 + ICH9, 2009)\n")]);
    assert!(matches!(
        resolve(&[("HOME", "/home/ada")], &elsewhere),
        Err(CredentialsError::NotFound { .. })
    ));
    let google = Files::new(&[(PRODUCT_NAME_FILE, "Google Compute Engine\n")]);
    let on_windows = Credentials::from_lookup_on(
        Platform::Windows,
        env(&[("APPDATA", r"C:\Users\ada")]),
        google.reader(),
    );
    assert!(matches!(on_windows, Err(CredentialsError::NotFound { .. })));
    for off in ["true", "TRUE", "1"] {
        let off = resolve(
            &[("NO_GCE_CHECK", off), ("GCE_METADATA_HOST", "127.0.0.1:1")],
            &google,
        );
        assert!(matches!(off, Err(CredentialsError::NotFound { .. })));
    }
    // Any earlier source wins.
    let files = Files::new(&[
        (PRODUCT_NAME_FILE, "Google Compute Engine\n"),
        (HOME_FILE, AUTHORIZED_USER),
    ]);
    let credentials = resolve(
        &[("HOME", "/home/ada"), ("GCE_METADATA_HOST", "127.0.0.1:1")],
        &files,
    )
    .unwrap();
    assert_eq!(credentials.kind(), CredentialKind::AuthorizedUser);
    // In code.
    let credentials = Credentials::from_metadata_server("metadata.google.internal");
    assert_eq!(credentials.source(), &metadata("metadata.google.internal"));
}

#[test]
fn invalid_well_known_file_is_an_error() {
    let files = Files::new(&[(HOME_FILE, r#"{"type":"external_account"}"#)]);
    let error = resolve(&[("HOME", "/home/ada")], &files).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the gcloud application default credentials file \
         /home/ada/.config/gcloud/application_default_credentials.json: credentials of type \
         \"external_account\" are not supported (supported: \"service_account\", \
         \"authorized_user\")"
    );
}

#[test]
fn current_platform_resolves_from_the_environment() {
    let files = Files::new(&[("/sa.json", SERVICE_ACCOUNT)]);
    let credentials = Credentials::from_lookup(
        env(&[("GOOGLE_APPLICATION_CREDENTIALS", "/sa.json")]),
        files.reader(),
    )
    .unwrap();
    assert_eq!(credentials.kind(), CredentialKind::ServiceAccount);
    assert_eq!(
        Platform::current(),
        if cfg!(windows) {
            Platform::Windows
        } else {
            Platform::Unix
        }
    );
}

// ---- Credentials given in code --------------------------------------------------------------

#[test]
fn access_token_in_code() {
    let credentials = Credentials::from_access_token("ya29.test-access-token").unwrap();
    assert_eq!(credentials.kind(), CredentialKind::AccessToken);
    assert_eq!(credentials.source(), &CredentialSource::Code);
    assert_no_secret(&format!("{credentials:?}"));
    for bad in ["", "a b", "a\nb", "tök"] {
        assert_eq!(
            Credentials::from_access_token(bad),
            Err(CredentialsError::Invalid {
                origin: CredentialSource::Code,
                problem: CredentialsProblem::MalformedAccessToken,
            }),
            "{bad:?}"
        );
    }
}

// ---- service_account files ------------------------------------------------------------------

#[test]
fn service_account_file() {
    let credentials = Credentials::from_json(SERVICE_ACCOUNT).unwrap();
    assert_eq!(credentials.kind(), CredentialKind::ServiceAccount);
    assert_eq!(credentials.kind().as_str(), "service_account");
    assert_eq!(credentials.source(), &CredentialSource::Code);
    assert_eq!(
        credentials.client_email(),
        Some("llm-sse-test@llm-sse-test-project.iam.gserviceaccount.com")
    );
    assert_eq!(credentials.project_id(), Some("llm-sse-test-project"));
    assert_eq!(credentials.quota_project_id(), None);
    assert_eq!(
        credentials.token_uri(),
        Some("https://oauth2.googleapis.com/token")
    );
    assert!(credentials.is_refreshable());
    let debug = format!("{credentials:?}");
    assert_no_secret(&debug);
    assert!(debug.contains("private_key: <redacted>"), "{debug}");
}

/// The fixture with `edit` applied to its JSON object.
fn service_account_with(
    edit: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>),
) -> String {
    let mut value: serde_json::Value = serde_json::from_str(SERVICE_ACCOUNT).unwrap();
    edit(value.as_object_mut().unwrap());
    value.to_string()
}

fn problem(json: &str) -> CredentialsProblem {
    match Credentials::from_json(json) {
        Err(CredentialsError::Invalid { origin, problem }) => {
            assert_eq!(origin, CredentialSource::Code);
            problem
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn service_account_token_uri_defaults_and_is_checked() {
    let json = service_account_with(|o| {
        o.remove("token_uri");
    });
    let credentials = Credentials::from_json(&json).unwrap();
    assert_eq!(credentials.token_uri(), Some(DEFAULT_TOKEN_URI));

    let json = service_account_with(|o| {
        o.insert("token_uri".into(), "http://127.0.0.1:4000/token".into());
    });
    let credentials = Credentials::from_json(&json).unwrap();
    assert_eq!(credentials.token_uri(), Some("http://127.0.0.1:4000/token"));

    for bad in [
        "ftp://example.com/token",
        "oauth2.googleapis.com/token",
        "https://",
        "https://a b",
    ] {
        let json = service_account_with(|o| {
            o.insert("token_uri".into(), bad.into());
        });
        assert_eq!(
            problem(&json),
            CredentialsProblem::InvalidField {
                field: "token_uri",
                expected: "an https:// URL"
            },
            "{bad:?}"
        );
    }
}

#[test]
fn service_account_optional_fields() {
    let json = service_account_with(|o| {
        o.remove("project_id");
        o.remove("private_key_id");
        o.insert("quota_project_id".into(), "billed-project".into());
    });
    let credentials = Credentials::from_json(&json).unwrap();
    assert_eq!(credentials.project_id(), None);
    assert_eq!(credentials.quota_project_id(), Some("billed-project"));

    // Empty and null optional fields count as absent.
    let json = service_account_with(|o| {
        o.insert("project_id".into(), "".into());
        o.insert("private_key_id".into(), serde_json::Value::Null);
    });
    assert_eq!(Credentials::from_json(&json).unwrap().project_id(), None);
}

#[test]
fn service_account_missing_and_invalid_fields() {
    for field in ["client_email", "private_key"] {
        let json = service_account_with(|o| {
            o.remove(field);
        });
        assert_eq!(
            problem(&json),
            CredentialsProblem::MissingField(field),
            "{field}"
        );
        let json = service_account_with(|o| {
            o.insert(field.into(), "".into());
        });
        assert_eq!(
            problem(&json),
            CredentialsProblem::MissingField(field),
            "{field}"
        );
    }
    for field in [
        "client_email",
        "private_key",
        "private_key_id",
        "project_id",
        "token_uri",
    ] {
        let json = service_account_with(|o| {
            o.insert(field.into(), serde_json::json!(42));
        });
        assert_eq!(
            problem(&json),
            CredentialsProblem::InvalidField {
                field,
                expected: "a string"
            },
            "{field}"
        );
    }
    let error = Credentials::from_json(&service_account_with(|o| {
        o.remove("client_email");
    }))
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "the credentials given in code: no \"client_email\" field"
    );
    assert_no_secret(&error.to_string());
    assert_no_secret(&format!("{error:?}"));
}

#[test]
fn service_account_private_key_problems() {
    let pem = serde_json::from_str::<serde_json::Value>(SERVICE_ACCOUNT).unwrap()["private_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let cases: Vec<(String, KeyProblem)> = vec![
        ("not a key".to_owned(), KeyProblem::NoPemBlock),
        (
            pem.replace("PRIVATE KEY", "RSA PRIVATE KEY"),
            KeyProblem::UnsupportedPemLabel("RSA PRIVATE KEY".to_owned()),
        ),
        (
            pem.replace("-----END PRIVATE KEY-----", ""),
            KeyProblem::MissingEndLine,
        ),
        (pem.replacen('M', "*", 1), KeyProblem::InvalidBase64),
        // A base64 body cut short: no longer a multiple of 4 characters.
        (
            format!(
                "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
                &body[..body.len() - 7]
            ),
            KeyProblem::InvalidBase64,
        ),
        // A base64 body cut at a group boundary: base64, but not the DER of a key.
        (
            format!(
                "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
                &body[..400]
            ),
            KeyProblem::Rejected("InvalidEncoding".to_owned()),
        ),
    ];
    for (key, expected) in cases {
        let json = service_account_with(|o| {
            o.insert("private_key".into(), key.clone().into());
        });
        let problem = problem(&json);
        assert_eq!(
            problem,
            CredentialsProblem::InvalidPrivateKey(expected.clone())
        );
        let message = problem.to_string();
        assert!(
            message.starts_with("the \"private_key\" cannot be used: "),
            "{message}"
        );
        assert_no_secret(&message);
    }
}

#[test]
fn service_account_key_with_crlf_line_ends_and_surrounding_text() {
    let json = service_account_with(|o| {
        let pem = o["private_key"].as_str().unwrap().replace('\n', "\r\n");
        o.insert(
            "private_key".into(),
            format!("comment before\r\n{pem}trailing text").into(),
        );
    });
    assert_eq!(
        Credentials::from_json(&json).unwrap().kind(),
        CredentialKind::ServiceAccount
    );
}

// ---- authorized_user files ------------------------------------------------------------------

#[test]
fn authorized_user_file() {
    let credentials = Credentials::from_json(AUTHORIZED_USER).unwrap();
    assert_eq!(credentials.kind(), CredentialKind::AuthorizedUser);
    assert_eq!(credentials.kind().to_string(), "authorized_user");
    assert_eq!(credentials.token_uri(), Some(DEFAULT_TOKEN_URI));
    assert_eq!(credentials.quota_project_id(), Some("ada-quota-project"));
    assert_eq!(credentials.project_id(), None);
    assert_eq!(credentials.client_email(), None);
    let debug = format!("{credentials:?}");
    assert_no_secret(&debug);
    assert!(debug.contains("client_secret: <redacted>"), "{debug}");
    assert!(debug.contains("refresh_token: <redacted>"), "{debug}");
}

#[test]
fn authorized_user_token_uri_and_missing_fields() {
    let mut value: serde_json::Value = serde_json::from_str(AUTHORIZED_USER).unwrap();
    value["token_uri"] = "https://oauth2.example.test/token".into();
    let credentials = Credentials::from_json(&value.to_string()).unwrap();
    assert_eq!(
        credentials.token_uri(),
        Some("https://oauth2.example.test/token")
    );

    for field in ["client_id", "client_secret", "refresh_token"] {
        let mut value: serde_json::Value = serde_json::from_str(AUTHORIZED_USER).unwrap();
        value.as_object_mut().unwrap().remove(field);
        let error = Credentials::from_json(&value.to_string()).unwrap_err();
        assert_eq!(
            error,
            CredentialsError::Invalid {
                origin: CredentialSource::Code,
                problem: CredentialsProblem::MissingField(field),
            }
        );
        assert_no_secret(&error.to_string());
        assert_no_secret(&format!("{error:?}"));
    }
}

// ---- Other types and malformed files -------------------------------------------------------

#[test]
fn unsupported_types_are_named() {
    for kind in [
        "external_account",
        "external_account_authorized_user",
        "impersonated_service_account",
        "gdch_service_account",
        "something_new",
    ] {
        let json = format!(r#"{{"type":"{kind}","client_secret":"test-client-secret-XYZ"}}"#);
        let error = Credentials::from_json(&json).unwrap_err();
        assert_eq!(
            error,
            CredentialsError::Invalid {
                origin: CredentialSource::Code,
                problem: CredentialsProblem::UnsupportedType(kind.to_owned()),
            }
        );
        assert_eq!(
            error.to_string(),
            format!(
                "the credentials given in code: credentials of type \"{kind}\" are not \
                 supported (supported: \"service_account\", \"authorized_user\")"
            )
        );
        assert_no_secret(&error.to_string());
    }
    let long = "x".repeat(1000);
    assert_eq!(
        problem(&format!(r#"{{"type":"{long}"}}"#)),
        CredentialsProblem::UnsupportedType(format!("{}…", "x".repeat(64)))
    );
}

#[test]
fn malformed_files() {
    let cases: [(&str, CredentialsProblem); 9] = [
        ("", CredentialsProblem::NotJson { line: 1, column: 0 }),
        (
            "{\n  \"type\": \n",
            CredentialsProblem::NotJson { line: 3, column: 0 },
        ),
        (
            "not json",
            CredentialsProblem::NotJson { line: 1, column: 2 },
        ),
        ("[]", CredentialsProblem::NotAnObject),
        ("\"service_account\"", CredentialsProblem::NotAnObject),
        ("{}", CredentialsProblem::MissingType),
        (r#"{"type":null}"#, CredentialsProblem::MissingType),
        (
            r#"{"type":["service_account"]}"#,
            CredentialsProblem::InvalidField {
                field: "type",
                expected: "a string",
            },
        ),
        (
            r#"{"type":""}"#,
            CredentialsProblem::UnsupportedType(String::new()),
        ),
    ];
    for (json, expected) in cases {
        assert_eq!(problem(json), expected, "{json:?}");
    }
}

#[test]
fn json_errors_do_not_repeat_the_file() {
    // A syntax error right after a secret: the message has the position, not the text.
    let json = r#"{"type":"authorized_user","client_secret":"test-client-secret-XYZ" "#;
    let error = Credentials::from_json(json).unwrap_err();
    assert_no_secret(&error.to_string());
    assert_no_secret(&format!("{error:?}"));
}
