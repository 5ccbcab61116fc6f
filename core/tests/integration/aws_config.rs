//! AWS credentials, region and endpoint resolution: every precedence rule and every error,
//! with the environment and the shared files given as closures (no real HOME is read).

use std::cell::RefCell;
use std::collections::HashMap;

use llm_sse_core::aws::container::{
    AUTHORIZATION_TOKEN_ENV, ContainerError, FULL_URI_ENV, RELATIVE_URI_ENV,
};
use llm_sse_core::aws::{
    AwsConfig, AwsConfigError, AwsCredentialsFrom, BEDROCK_RUNTIME, ConfigSource, FileStatus,
    FilesChecked,
};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const HOME_CREDENTIALS: &str = "/home/me/.aws/credentials";
const HOME_CONFIG: &str = "/home/me/.aws/config";

/// A fake environment and file system. `HOME` is `/home/me` unless a test changes it.
#[derive(Default)]
struct World {
    env: HashMap<&'static str, String>,
    files: HashMap<String, String>,
    reads: RefCell<Vec<String>>,
}

impl World {
    fn new() -> World {
        World::default().var("HOME", "/home/me")
    }

    fn var(mut self, name: &'static str, value: &str) -> World {
        self.env.insert(name, value.to_owned());
        self
    }

    fn no_var(mut self, name: &'static str) -> World {
        self.env.remove(name);
        self
    }

    fn file(mut self, path: &str, text: &str) -> World {
        self.files.insert(path.to_owned(), text.to_owned());
        self
    }

    /// Region and keys from the environment, so a test can look at one thing alone.
    fn with_env_keys(self) -> World {
        self.var("AWS_ACCESS_KEY_ID", "AKIDENV")
            .var("AWS_SECRET_ACCESS_KEY", SECRET)
    }

    fn resolve(&self) -> Result<AwsConfig, AwsConfigError> {
        AwsConfig::from_lookup(
            &BEDROCK_RUNTIME,
            |name| self.env.get(name).cloned(),
            |path| {
                self.reads.borrow_mut().push(path.to_owned());
                self.files.get(path).cloned()
            },
        )
    }

    fn ok(&self) -> AwsConfig {
        match self.resolve() {
            Ok(config) => config,
            Err(e) => panic!("{e}"),
        }
    }

    fn err(&self) -> AwsConfigError {
        match self.resolve() {
            Ok(config) => panic!("resolved: {config:?}"),
            Err(e) => {
                let shown = format!("{e} {e:?}");
                assert!(!shown.contains(SECRET), "{shown}");
                assert!(!shown.contains("TOKENSECRET"), "{shown}");
                e
            }
        }
    }
}

fn profile(name: &str, file: &str) -> ConfigSource {
    ConfigSource::Profile {
        profile: name.into(),
        file: file.into(),
    }
}

fn home_files(credentials: bool, config: bool) -> FilesChecked {
    let status = |found, path: &str| {
        if found {
            FileStatus::Read(path.into())
        } else {
            FileStatus::Missing(path.into())
        }
    };
    FilesChecked {
        credentials: status(credentials, HOME_CREDENTIALS),
        config: status(config, HOME_CONFIG),
    }
}

/// The keys a config holds (not a container endpoint).
fn keys_of(config: &AwsConfig) -> &llm_sse_core::aws::AwsCredentials {
    config
        .credentials
        .keys()
        .expect("keys, not a container endpoint")
}

#[test]
fn keys_region_and_endpoint_from_the_environment() {
    let config = World::new()
        .var("AWS_ACCESS_KEY_ID", " AKIDENV \n")
        .var("AWS_SECRET_ACCESS_KEY", SECRET)
        .var("AWS_SESSION_TOKEN", "TOKENSECRET")
        .var("AWS_REGION", "eu-central-1")
        .ok();
    assert_eq!(keys_of(&config).access_key_id, "AKIDENV");
    assert_eq!(keys_of(&config).secret_access_key.expose(), SECRET);
    assert_eq!(
        keys_of(&config).session_token.as_ref().map(|t| t.expose()),
        Some("TOKENSECRET")
    );
    assert_eq!(
        config.credentials_source,
        ConfigSource::Environment("AWS_ACCESS_KEY_ID")
    );
    assert_eq!(config.region, "eu-central-1");
    assert_eq!(
        config.region_source,
        ConfigSource::Environment("AWS_REGION")
    );
    assert_eq!(
        config.endpoint_url,
        "https://bedrock-runtime.eu-central-1.amazonaws.com"
    );
    assert_eq!(config.endpoint_source, ConfigSource::Default);
    assert_eq!(config.profile, "default");
    let shown = format!("{config:?}");
    assert!(
        !shown.contains(SECRET) && !shown.contains("TOKENSECRET"),
        "{shown}"
    );
    assert!(shown.contains("AKIDENV"));
}

#[test]
fn empty_variables_count_as_unset() {
    let config = World::new()
        .with_env_keys()
        .var("AWS_SESSION_TOKEN", "  ")
        .var("AWS_REGION", "")
        .var("AWS_DEFAULT_REGION", "us-west-2")
        .var("AWS_PROFILE", "")
        .var("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", " ")
        .ok();
    assert_eq!(keys_of(&config).session_token, None);
    assert_eq!(
        config.region_source,
        ConfigSource::Environment("AWS_DEFAULT_REGION")
    );
    assert_eq!(config.profile, "default");
    assert_eq!(config.endpoint_source, ConfigSource::Default);
}

#[test]
fn half_a_key_pair_in_the_environment_is_an_error() {
    let e = World::new()
        .var("AWS_ACCESS_KEY_ID", "AKIDENV")
        .var("AWS_REGION", "us-east-1")
        .err();
    assert_eq!(
        e,
        AwsConfigError::PartialEnvCredentials {
            set: "AWS_ACCESS_KEY_ID",
            missing: "AWS_SECRET_ACCESS_KEY"
        }
    );
    assert_eq!(
        e.to_string(),
        "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both, or unset \
         AWS_ACCESS_KEY_ID to use a profile of the shared AWS files"
    );
    let e = World::new().var("AWS_SECRET_ACCESS_KEY", SECRET).err();
    assert_eq!(
        e,
        AwsConfigError::PartialEnvCredentials {
            set: "AWS_SECRET_ACCESS_KEY",
            missing: "AWS_ACCESS_KEY_ID"
        }
    );
    // Even with a complete profile on disk: half a pair is a mistake to report, not to skip.
    let e = World::new()
        .var("AWS_ACCESS_KEY_ID", "AKIDENV")
        .file(
            HOME_CREDENTIALS,
            "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = x\n",
        )
        .err();
    assert!(matches!(e, AwsConfigError::PartialEnvCredentials { .. }));
}

#[test]
fn environment_keys_win_over_a_named_profile() {
    let config = World::new()
        .with_env_keys()
        .var("AWS_PROFILE", "work")
        .file(
            HOME_CREDENTIALS,
            "[work]\naws_access_key_id = AKIDFILE\naws_secret_access_key = x\n",
        )
        .file(HOME_CONFIG, "[profile work]\nregion = ap-south-1\n")
        .ok();
    assert_eq!(keys_of(&config).access_key_id, "AKIDENV");
    assert_eq!(config.profile, "work");
    // The profile still gives the region.
    assert_eq!(config.region, "ap-south-1");
    assert_eq!(config.region_source, profile("work", HOME_CONFIG));
}

#[test]
fn default_profile_from_the_credentials_file() {
    let config = World::new()
        .file(
            HOME_CREDENTIALS,
            "# my keys\n[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = ab#c;d\naws_session_token = TOKENSECRET\nregion = us-east-2\n",
        )
        .ok();
    assert_eq!(keys_of(&config).access_key_id, "AKIDFILE");
    assert_eq!(keys_of(&config).secret_access_key.expose(), "ab#c;d");
    assert_eq!(
        keys_of(&config).session_token.as_ref().map(|t| t.expose()),
        Some("TOKENSECRET")
    );
    assert_eq!(
        config.credentials_source,
        profile("default", HOME_CREDENTIALS)
    );
    // A region in the credentials file counts too: the two files make one profile.
    assert_eq!(config.region, "us-east-2");
    assert_eq!(config.region_source, profile("default", HOME_CREDENTIALS));
}

#[test]
fn named_profile_from_the_config_file() {
    let config = World::new()
        .var("AWS_PROFILE", "dev")
        .file(
            HOME_CONFIG,
            "[default]\nregion = us-east-1\n\n[profile dev]\nregion = eu-west-1\naws_access_key_id = AKIDDEV\naws_secret_access_key = x\n[dev]\nregion = ignored-without-prefix\n",
        )
        .ok();
    assert_eq!(keys_of(&config).access_key_id, "AKIDDEV");
    assert_eq!(config.credentials_source, profile("dev", HOME_CONFIG));
    assert_eq!(config.region, "eu-west-1");
    // `[default]` of the config file.
    let config = World::new()
        .file(
            HOME_CONFIG,
            "[default]\naws_access_key_id = AKIDCFG\naws_secret_access_key = x\nregion = sa-east-1\n",
        )
        .ok();
    assert_eq!(keys_of(&config).access_key_id, "AKIDCFG");
    assert_eq!(config.region, "sa-east-1");
}

#[test]
fn the_credentials_file_wins_property_by_property() {
    let config = World::new()
        .var("AWS_PROFILE", "work")
        .file(
            HOME_CONFIG,
            "[profile work]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = config-secret\nregion = us-west-1\n",
        )
        .file(HOME_CREDENTIALS, "[work]\naws_access_key_id = AKIDCREDS\n")
        .ok();
    // The access key id from the credentials file, the secret and region from the config file.
    assert_eq!(keys_of(&config).access_key_id, "AKIDCREDS");
    assert_eq!(keys_of(&config).secret_access_key.expose(), "config-secret");
    assert_eq!(config.credentials_source, profile("work", HOME_CREDENTIALS));
    assert_eq!(config.region_source, profile("work", HOME_CONFIG));
}

#[test]
fn file_locations() {
    // The variables, with `~`.
    let world = World::new()
        .var("AWS_SHARED_CREDENTIALS_FILE", "~/secrets/aws-creds")
        .var("AWS_CONFIG_FILE", "/etc/aws/config")
        .file(
            "/home/me/secrets/aws-creds",
            "[default]\naws_access_key_id = AKIDX\naws_secret_access_key = x\n",
        )
        .file("/etc/aws/config", "[default]\nregion = us-east-1\n")
        .file(
            HOME_CREDENTIALS,
            "[default]\naws_access_key_id = NOT-THIS\naws_secret_access_key = x\n",
        );
    let config = world.ok();
    assert_eq!(keys_of(&config).access_key_id, "AKIDX");
    assert_eq!(config.region_source, profile("default", "/etc/aws/config"));
    // Each file is read once, and the home files are not read.
    let mut reads = world.reads.borrow().clone();
    reads.sort();
    assert_eq!(reads, ["/etc/aws/config", "/home/me/secrets/aws-creds"]);

    // Windows: USERPROFILE, joined with backslashes; then HOMEDRIVE + HOMEPATH.
    let keys =
        "[default]\naws_access_key_id = AKIDWIN\naws_secret_access_key = x\nregion = us-east-1\n";
    let config = World::new()
        .no_var("HOME")
        .var("USERPROFILE", r"C:\Users\me")
        .file(r"C:\Users\me\.aws\credentials", keys)
        .ok();
    assert_eq!(
        config.credentials_source,
        profile("default", r"C:\Users\me\.aws\credentials")
    );
    let config = World::new()
        .no_var("HOME")
        .var("HOMEDRIVE", "D:")
        .var("HOMEPATH", r"\home\me")
        .file(r"D:\home\me\.aws\credentials", keys)
        .ok();
    assert_eq!(keys_of(&config).access_key_id, "AKIDWIN");
    // A trailing slash on HOME is not doubled.
    let config = World::new()
        .var("HOME", "/home/me/")
        .file(HOME_CREDENTIALS, keys)
        .ok();
    assert_eq!(
        config.credentials_source,
        profile("default", HOME_CREDENTIALS)
    );
}

#[test]
fn no_credentials_anywhere() {
    // No HOME and no file variables: no files at all.
    let e = World::new()
        .no_var("HOME")
        .var("AWS_REGION", "us-east-1")
        .err();
    assert_eq!(
        e,
        AwsConfigError::NoCredentials {
            profile: "default".into(),
            profile_exists: false,
            files: FilesChecked {
                credentials: FileStatus::NoPath,
                config: FileStatus::NoPath
            },
        }
    );
    assert_eq!(
        e.to_string(),
        "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or \
         aws_access_key_id and aws_secret_access_key in profile `default` (no such profile) of a \
         shared file (no credentials file: neither AWS_SHARED_CREDENTIALS_FILE nor HOME is set; \
         no config file: neither AWS_CONFIG_FILE nor HOME is set); AWS_PROFILE selects the profile"
    );
    // Files without a default profile.
    let e = World::new()
        .file(HOME_CONFIG, "[profile other]\nregion = x\n")
        .err();
    assert_eq!(
        e,
        AwsConfigError::NoCredentials {
            profile: "default".into(),
            profile_exists: false,
            files: home_files(false, true),
        }
    );
    assert!(e.to_string().contains(
        "(credentials file /home/me/.aws/credentials not found; config file /home/me/.aws/config)"
    ));
    // A default profile without keys.
    let e = World::new()
        .file(HOME_CONFIG, "[default]\nregion = us-east-1\n")
        .err();
    assert_eq!(
        e,
        AwsConfigError::NoCredentials {
            profile: "default".into(),
            profile_exists: true,
            files: home_files(false, true),
        }
    );
    // Empty values are no keys.
    let e = World::new()
        .file(
            HOME_CREDENTIALS,
            "[default]\naws_access_key_id =\naws_secret_access_key =\n",
        )
        .err();
    assert!(
        matches!(
            e,
            AwsConfigError::NoCredentials {
                profile_exists: true,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn a_named_profile_that_does_not_exist() {
    let e = World::new()
        .var("AWS_PROFILE", "prod")
        .file(
            HOME_CREDENTIALS,
            "[default]\naws_access_key_id = A\naws_secret_access_key = x\n",
        )
        .file(HOME_CONFIG, "[prod]\nregion = us-east-1\n") // not a profile in the config file
        .err();
    assert_eq!(
        e,
        AwsConfigError::ProfileNotFound {
            profile: "prod".into(),
            files: home_files(true, true),
        }
    );
    assert_eq!(
        e.to_string(),
        "AWS profile `prod` (from AWS_PROFILE) is in neither shared file (credentials file \
         /home/me/.aws/credentials; config file /home/me/.aws/config)"
    );
    // With keys in the environment, the missing profile still fails the region lookup.
    let e = World::new()
        .with_env_keys()
        .var("AWS_PROFILE", "prod")
        .err();
    assert!(matches!(e, AwsConfigError::ProfileNotFound { .. }), "{e:?}");
}

#[test]
fn half_a_key_pair_in_a_profile() {
    let cases = [
        (
            "aws_access_key_id = A",
            "aws_access_key_id",
            "aws_secret_access_key",
        ),
        (
            "aws_secret_access_key = S",
            "aws_secret_access_key",
            "aws_access_key_id",
        ),
        (
            "aws_session_token = T",
            "aws_session_token",
            "aws_access_key_id",
        ),
        (
            "aws_access_key_id = A\naws_session_token = T",
            "aws_access_key_id",
            "aws_secret_access_key",
        ),
    ];
    for (lines, set, missing) in cases {
        let e = World::new()
            .var("AWS_PROFILE", "p")
            .file(HOME_CREDENTIALS, &format!("[p]\n{lines}\n"))
            .err();
        assert_eq!(
            e,
            AwsConfigError::PartialProfileCredentials {
                profile: "p".into(),
                set,
                missing,
                files: home_files(true, false),
            },
            "{lines}"
        );
        assert!(
            e.to_string()
                .starts_with(&format!("AWS profile `p` sets {set} but not {missing} ("))
        );
    }
}

#[test]
fn unsupported_credential_sources_are_named() {
    let cases = [
        (
            "role_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default",
            "role_arn",
            "assume role",
        ),
        (
            "credential_source = Ec2InstanceMetadata",
            "credential_source",
            "assume role from a credential source",
        ),
        (
            "role_arn = arn:aws:iam::1:role/r\nweb_identity_token_file = /t",
            "role_arn",
            "assume role",
        ),
        (
            "web_identity_token_file = /t",
            "web_identity_token_file",
            "web identity federation",
        ),
        (
            "sso_session = corp\nsso_account_id = 1\nsso_role_name = r",
            "sso_session",
            "IAM Identity Center (SSO)",
        ),
        (
            "sso_start_url = https://x.awsapps.com/start",
            "sso_start_url",
            "IAM Identity Center (SSO)",
        ),
        (
            "credential_process = /usr/bin/get-creds",
            "credential_process",
            "an external process (credential_process)",
        ),
        (
            "login_session = arn:aws:iam::1:user/me",
            "login_session",
            "console sign-in (aws login)",
        ),
    ];
    for (lines, setting, how) in cases {
        // Static keys in the same profile do not help: the SDKs would use the other source.
        let e = World::new()
            .var("AWS_PROFILE", "corp")
            .file(HOME_CONFIG, &format!("[profile corp]\n{lines}\n"))
            .file(
                HOME_CREDENTIALS,
                "[corp]\naws_access_key_id = A\naws_secret_access_key = S\n",
            )
            .err();
        assert_eq!(
            e,
            AwsConfigError::UnsupportedCredentials {
                profile: "corp".into(),
                setting,
                file: HOME_CONFIG.into(),
            },
            "{lines}"
        );
        assert_eq!(
            e.to_string(),
            format!(
                "AWS profile `corp` gets its credentials through {how} ({setting} in \
                 /home/me/.aws/config), which llm-sse does not support: set AWS_ACCESS_KEY_ID, \
                 AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN instead, for example from `aws \
                 configure export-credentials --profile corp --format env`"
            )
        );
    }
    // Keys in the environment still win over such a profile.
    let config = World::new()
        .with_env_keys()
        .var("AWS_PROFILE", "corp")
        .file(
            HOME_CONFIG,
            "[profile corp]\ncredential_process = x\nregion = us-east-1\n",
        )
        .ok();
    assert_eq!(keys_of(&config).access_key_id, "AKIDENV");
}

#[test]
fn a_syntax_error_names_the_file_and_line_only() {
    let e = World::new()
        .file(HOME_CREDENTIALS, "[default]\naws_access_key_id = A\naws_secret_access_key wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n")
        .err();
    assert_eq!(
        e,
        AwsConfigError::ProfileFileSyntax {
            file: HOME_CREDENTIALS.into(),
            line: 3,
            problem: "Expected an '=' sign defining a property",
        }
    );
    assert_eq!(
        e.to_string(),
        "cannot read the AWS shared file /home/me/.aws/credentials: line 3: Expected an '=' sign \
         defining a property"
    );
    // In the config file too, and even when the environment has the keys: the region and
    // endpoint lookups read it, as the AWS CLI would.
    let e = World::new()
        .with_env_keys()
        .file(HOME_CONFIG, "region = us-east-1\n")
        .err();
    assert_eq!(
        e,
        AwsConfigError::ProfileFileSyntax {
            file: HOME_CONFIG.into(),
            line: 1,
            problem: "Expected a profile definition",
        }
    );
}

#[test]
fn files_are_not_read_when_the_environment_settles_everything() {
    let world = World::new()
        .with_env_keys()
        .var("AWS_REGION", "us-east-1")
        .var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
        .file(HOME_CONFIG, "this is not an ini file\n");
    let config = world.ok();
    assert_eq!(
        config.endpoint_url,
        "https://bedrock-runtime.us-east-1.amazonaws.com"
    );
    assert!(world.reads.borrow().is_empty());
}

#[test]
fn region_precedence() {
    let world = || {
        World::new()
            .with_env_keys()
            .file(HOME_CONFIG, "[default]\nregion = ca-central-1\n")
    };
    let config = world()
        .var("AWS_REGION", "us-east-1")
        .var("AWS_DEFAULT_REGION", "us-west-2")
        .ok();
    assert_eq!(
        (config.region.as_str(), config.region_source),
        ("us-east-1", ConfigSource::Environment("AWS_REGION"))
    );
    let config = world().var("AWS_DEFAULT_REGION", "us-west-2").ok();
    assert_eq!(
        (config.region.as_str(), config.region_source),
        ("us-west-2", ConfigSource::Environment("AWS_DEFAULT_REGION"))
    );
    let config = world().ok();
    assert_eq!(
        (config.region.as_str(), config.region_source),
        ("ca-central-1", profile("default", HOME_CONFIG))
    );
}

#[test]
fn no_region() {
    let e = World::new()
        .with_env_keys()
        .var("AWS_PROFILE", "dev")
        .file(HOME_CONFIG, "[profile dev]\noutput = json\nregion =\n")
        .err();
    assert_eq!(
        e,
        AwsConfigError::NoRegion {
            profile: "dev".into(),
            files: home_files(false, true),
        }
    );
    assert_eq!(
        e.to_string(),
        "no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION), or region in profile `dev` of the \
         shared config file (credentials file /home/me/.aws/credentials not found; config file \
         /home/me/.aws/config)"
    );
    // No files and no profile at all.
    let e = World::new().with_env_keys().err();
    assert!(matches!(e, AwsConfigError::NoRegion { .. }), "{e:?}");
}

#[test]
fn invalid_regions() {
    for region in [
        "us east 1",
        "us-east-1.",
        "-us",
        "us/east",
        "évora",
        &"a".repeat(64),
    ] {
        let e = World::new().with_env_keys().var("AWS_REGION", region).err();
        assert_eq!(
            e,
            AwsConfigError::InvalidRegion {
                region: region.into(),
                from: ConfigSource::Environment("AWS_REGION")
            }
        );
    }
    let e = World::new()
        .with_env_keys()
        .file(HOME_CONFIG, "[default]\nregion = us_east_1\n")
        .err();
    assert_eq!(
        e.to_string(),
        "AWS region `us_east_1` (from profile `default` in /home/me/.aws/config) is not a region name"
    );
    // A value continued on the next line (found by the property test below): only its first
    // line is shown, whatever the rest holds (`err` checks no secret shows).
    let e = World::new()
        .with_env_keys()
        .file(
            HOME_CONFIG,
            &format!("[default]\nregion = us-east-1\n  TOKENSECRET {SECRET}\n"),
        )
        .err();
    assert_eq!(
        e.to_string(),
        "AWS region `us-east-1…` (from profile `default` in /home/me/.aws/config) is not a region \
         name"
    );
    let long = "a".repeat(100);
    let e = World::new().with_env_keys().var("AWS_REGION", &long).err();
    assert!(
        e.to_string().contains(&format!("`{}…`", &long[..64])),
        "{e}"
    );
    // The longest and shortest names are fine.
    World::new()
        .with_env_keys()
        .var("AWS_REGION", &"a".repeat(63))
        .ok();
    World::new().with_env_keys().var("AWS_REGION", "x").ok();
}

#[test]
fn endpoint_precedence() {
    let config_file = "[default]\nregion = us-east-1\nendpoint_url = http://profile.example/\nservices = local\n\
                       [services local]\nbedrock_runtime =\n  endpoint_url = http://services.example:4566\ns3 =\n  endpoint_url = http://s3.example\n";
    let world = || World::new().with_env_keys().file(HOME_CONFIG, config_file);
    let endpoint = |w: World| {
        let c = w.ok();
        (c.endpoint_url, c.endpoint_source)
    };
    assert_eq!(
        endpoint(
            world()
                .var("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "http://127.0.0.1:4566/")
                .var("AWS_ENDPOINT_URL", "http://global.example")
        ),
        (
            "http://127.0.0.1:4566".into(),
            ConfigSource::Environment("AWS_ENDPOINT_URL_BEDROCK_RUNTIME")
        )
    );
    assert_eq!(
        endpoint(world().var("AWS_ENDPOINT_URL", "https://global.example/base")),
        (
            "https://global.example/base".into(),
            ConfigSource::Environment("AWS_ENDPOINT_URL")
        )
    );
    assert_eq!(
        endpoint(world()),
        (
            "http://services.example:4566".into(),
            ConfigSource::ServicesSection {
                section: "local".into(),
                file: HOME_CONFIG.into()
            }
        )
    );
    // A services section without this service: the profile's endpoint_url.
    let config = World::new()
        .with_env_keys()
        .file(
            HOME_CONFIG,
            "[default]\nregion = us-east-1\nendpoint_url = http://profile.example/\nservices = local\n[services local]\ns3 =\n  endpoint_url = http://s3.example\n",
        )
        .ok();
    assert_eq!(config.endpoint_url, "http://profile.example");
    assert_eq!(config.endpoint_source, profile("default", HOME_CONFIG));
    // Ignored, from the environment or the profile: the default.
    for w in [
        world()
            .var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE")
            .var("AWS_ENDPOINT_URL", "http://global.example"),
        World::new().with_env_keys().file(
            HOME_CONFIG,
            &format!("{config_file}[default]\nignore_configured_endpoint_urls = true\n"),
        ),
    ] {
        assert_eq!(
            endpoint(w),
            (
                "https://bedrock-runtime.us-east-1.amazonaws.com".into(),
                ConfigSource::Default
            )
        );
    }
    // `false` in the environment wins over `true` in the profile.
    let config = World::new()
        .with_env_keys()
        .var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false")
        .file(
            HOME_CONFIG,
            "[default]\nregion = us-east-1\nendpoint_url = http://p.example\nignore_configured_endpoint_urls = true\n",
        )
        .ok();
    assert_eq!(config.endpoint_url, "http://p.example");
}

#[test]
fn default_endpoints_by_partition() {
    for (region, url) in [
        (
            "us-east-1",
            "https://bedrock-runtime.us-east-1.amazonaws.com",
        ),
        (
            "us-gov-west-1",
            "https://bedrock-runtime.us-gov-west-1.amazonaws.com",
        ),
        (
            "cn-north-1",
            "https://bedrock-runtime.cn-north-1.amazonaws.com.cn",
        ),
        (
            "eusc-de-east-1",
            "https://bedrock-runtime.eusc-de-east-1.amazonaws.eu",
        ),
        (
            "us-iso-east-1",
            "https://bedrock-runtime.us-iso-east-1.c2s.ic.gov",
        ),
        (
            "us-isob-east-1",
            "https://bedrock-runtime.us-isob-east-1.sc2s.sgov.gov",
        ),
    ] {
        let config = World::new().with_env_keys().var("AWS_REGION", region).ok();
        assert_eq!(config.endpoint_url, url);
    }
}

#[test]
fn endpoint_errors() {
    for url in [
        "localhost:4566",
        "ftp://x",
        "http://",
        "http:///path",
        "http://a b",
        "https://x/?q",
        "http://:80",
    ] {
        let e = World::new()
            .with_env_keys()
            .var("AWS_REGION", "us-east-1")
            .var("AWS_ENDPOINT_URL", url)
            .err();
        assert_eq!(
            e,
            AwsConfigError::InvalidEndpoint {
                url: url.into(),
                from: ConfigSource::Environment("AWS_ENDPOINT_URL")
            },
            "{url}"
        );
    }
    let e = World::new()
        .with_env_keys()
        .file(
            HOME_CONFIG,
            "[default]\nregion = us-east-1\nservices = nowhere\n",
        )
        .err();
    assert_eq!(
        e,
        AwsConfigError::MissingServicesSection {
            profile: "default".into(),
            section: "nowhere".into(),
            files: home_files(false, true),
        }
    );
    assert!(e.to_string().starts_with(
        "AWS profile `default` sets services = nowhere, but the config file has no [services nowhere] section"
    ));
    // A value continued on the next line: only its first line is shown (`err` checks that no
    // secret does).
    let e = World::new()
        .with_env_keys()
        .file(
            HOME_CONFIG,
            &format!("[default]\nregion = us-east-1\nservices = s\n  TOKENSECRET {SECRET}\n"),
        )
        .err();
    assert!(
        e.to_string()
            .starts_with("AWS profile `default` sets services = s…, but"),
        "{e}"
    );
}

#[test]
fn web_identity_is_named_when_nothing_else_is_found() {
    let variable = "AWS_WEB_IDENTITY_TOKEN_FILE";
    let e = World::new().var(variable, "/var/run/x").err();
    assert_eq!(e, AwsConfigError::UnsupportedEnvCredentials { variable });
    assert_eq!(
        e.to_string(),
        "no AWS keys in the environment or the shared files, and AWS_WEB_IDENTITY_TOKEN_FILE \
         asks for web identity federation (EKS service accounts), which llm-sse does not support: \
         set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN"
    );
    // Keys in the environment or the profile come first, as in the SDKs.
    World::new()
        .var(variable, "/var/run/x")
        .with_env_keys()
        .var("AWS_REGION", "us-east-1")
        .ok();
    World::new()
        .var(variable, "/var/run/x")
        .file(
            HOME_CREDENTIALS,
            "[default]\naws_access_key_id = A\naws_secret_access_key = S\nregion = us-east-1\n",
        )
        .ok();
    // And web identity before container credentials, as in the SDKs.
    let e = World::new()
        .var(variable, "/var/run/x")
        .var(RELATIVE_URI_ENV, "/v2/credentials/x")
        .err();
    assert_eq!(e, AwsConfigError::UnsupportedEnvCredentials { variable });
}

#[test]
fn container_credentials_come_after_the_keys_and_the_profile() {
    let ecs = World::new()
        .var(RELATIVE_URI_ENV, "/v2/credentials/4e1b")
        .var("AWS_REGION", "us-east-1");
    let config = ecs.ok();
    let AwsCredentialsFrom::Container(container) = &config.credentials else {
        panic!("{config:?}");
    };
    assert_eq!(container.url(), "http://169.254.170.2/v2/credentials/4e1b");
    assert_eq!(
        config.credentials_source,
        ConfigSource::Environment(RELATIVE_URI_ENV)
    );
    assert_eq!(config.credentials.keys(), None);

    let eks = World::new()
        .var(FULL_URI_ENV, "http://169.254.170.23/v1/credentials")
        .var(AUTHORIZATION_TOKEN_ENV, "TOKENSECRET-pod")
        .var("AWS_REGION", "us-east-1");
    let config = eks.ok();
    assert_eq!(
        config.credentials_source,
        ConfigSource::Environment(FULL_URI_ENV)
    );
    let shown = format!("{config:?}");
    assert!(!shown.contains("TOKENSECRET"), "{shown}");
    assert!(shown.contains("169.254.170.23"), "{shown}");

    // Keys in the environment or the profile win.
    let keys = eks.with_env_keys().ok();
    assert_eq!(keys.credentials.keys().unwrap().access_key_id, "AKIDENV");
    let profile = World::new()
        .var(RELATIVE_URI_ENV, "/v2/credentials/4e1b")
        .file(
            HOME_CREDENTIALS,
            "[default]\naws_access_key_id = A\naws_secret_access_key = S\nregion = us-east-1\n",
        )
        .ok();
    assert_eq!(profile.credentials.keys().unwrap().access_key_id, "A");

    // A URI the SDKs would not call is an error naming the variable.
    let e = World::new()
        .var(FULL_URI_ENV, "http://credentials.example.com/x")
        .err();
    assert!(
        matches!(e, AwsConfigError::Container(ContainerError::InvalidUri { variable, .. }) if variable == FULL_URI_ENV),
        "{e:?}"
    );
    assert!(
        e.to_string().starts_with(
            "AWS container credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI uses http:// to a host \
             that is not loopback"
        ),
        "{e}"
    );
    // Still a region is needed.
    assert!(matches!(
        World::new().var(RELATIVE_URI_ENV, "/v2/x").err(),
        AwsConfigError::NoRegion { .. }
    ));
}

proptest::proptest! {
    /// Any shared files resolve or fail without panicking, and no error shows a secret access
    /// key or session token, wherever in the files they are.
    #[test]
    fn any_files_resolve_or_fail_without_showing_secrets(
        lines in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::strategy::Just("[default]".to_string()),
                proptest::strategy::Just("[profile dev]".to_string()),
                proptest::strategy::Just("[services s]".to_string()),
                proptest::strategy::Just("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".to_string()),
                proptest::strategy::Just("aws_session_token = TOKENSECRET".to_string()),
                proptest::strategy::Just("  TOKENSECRET wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".to_string()),
                proptest::strategy::Just("aws_access_key_id = AKID".to_string()),
                proptest::strategy::Just("region = us-east-1".to_string()),
                proptest::strategy::Just("services = s".to_string()),
                proptest::strategy::Just("bedrock_runtime =".to_string()),
                proptest::strategy::Just("  endpoint_url = http://x".to_string()),
                "[ -~\t]{0,30}",
            ],
            0..12,
        ),
        in_credentials_file in proptest::bool::ANY,
        profile in proptest::option::of(proptest::prop_oneof!["dev", "default", "nope"]),
    ) {
        let text = lines.join("\n");
        let path = if in_credentials_file { HOME_CREDENTIALS } else { HOME_CONFIG };
        let mut world = World::new().file(path, &text);
        if let Some(profile) = &profile {
            world = world.var("AWS_PROFILE", profile);
        }
        if let Err(e) = world.resolve() {
            let shown = format!("{e} {e:?}");
            proptest::prop_assert!(!shown.contains(SECRET), "{}", shown);
            proptest::prop_assert!(!shown.contains("TOKENSECRET"), "{}", shown);
        }
    }
}
