//! The INI dialect of the shared AWS `config` and `credentials` files, as the AWS SDKs read it.
//!
//! - Lines end with LF or CRLF; a UTF-8 byte order mark at the start is skipped. Blank lines
//!   and lines starting with `#` or `;` are comments.
//! - `[name]` starts a section. A `#` or `;` anywhere on that line starts a comment; what
//!   is left must end with `]`. Spaces and tabs around the name are trimmed.
//!   - In the config file, `[default]` and `[profile NAME]` (any spaces or tabs after
//!     `profile`) are profiles, `[sso-session NAME]` and `[services NAME]` are sections of
//!     their own; any other section is ignored. `[profile default]` wins over `[default]`:
//!     when both appear, `[default]` is ignored.
//!   - In the credentials file every `[NAME]` is a profile (`[profile foo]` is not a
//!     profile named `foo`, and is ignored).
//!   - Names hold only `A-Z a-z 0-9 - _ / . % @ : +`; a section with another name is
//!     ignored, with its properties.
//! - `name = value` sets a property of the current section. Both sides are trimmed; names
//!   are case-insensitive (kept in lower case); in a value, `#` or `;` after a space or tab
//!   starts a comment. A property name with other characters than a section name's is
//!   ignored. The last value of a property wins, and a section that appears twice is one
//!   section.
//! - A line starting with a space or tab continues the last property's value (a new line,
//!   trimmed, comments included). When that property's value was empty, the lines are
//!   sub-properties, each `name = value` (the `[services]` section's service entries).
//! - A property or continuation before any section, a property line without `=` or without
//!   a name, and a continuation without a property are errors, reported by line number only
//!   (a line may hold a secret).
//!
//! These rules are those of the AWS SDKs' shared profile-parser test suite
//! (`profile-parser-tests.json` in the SDKs' repositories); the tests below cite its cases.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};

/// Which of the two shared files a text is: their section names differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// `~/.aws/config`: `[default]`, `[profile NAME]`, `[sso-session NAME]`, `[services NAME]`.
    Config,
    /// `~/.aws/credentials`: `[NAME]`.
    Credentials,
}

/// One section's properties, names in lower case.
pub(crate) type Properties = BTreeMap<String, String>;

/// A parsed file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ProfileFile {
    /// Profiles by name.
    pub(crate) profiles: BTreeMap<String, Properties>,
    /// `[services NAME]` sections by name (config file only).
    pub(crate) services: BTreeMap<String, Properties>,
    /// `[sso-session NAME]` sections by name (config file only).
    pub(crate) sso_sessions: BTreeMap<String, Properties>,
}

/// A line the SDKs would refuse. The line is not kept: it may hold a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    /// 1-based line number.
    pub(crate) line: usize,
    /// What is wrong, in the SDKs' words.
    pub(crate) problem: &'static str,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    /// A profile; `prefixed` for the config file's `[profile default]`.
    Profile {
        prefixed_default: bool,
    },
    Services,
    SsoSession,
    /// A section whose properties are dropped.
    Ignored,
}

/// Parses `text` as a `kind` file.
pub(crate) fn parse(text: &str, kind: FileKind) -> Result<ProfileFile, SyntaxError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut file = ProfileFile::default();
    // `[default]` of the config file, kept apart until we know whether `[profile default]`
    // appears.
    let mut plain_default: Option<Properties> = None;
    let mut saw_prefixed_default = false;
    // The current section: where it goes and its name.
    let mut section: Option<(Target, String)> = None;
    // The current property (for continuations), and whether it takes sub-properties.
    let mut property: Option<(String, bool)> = None;

    for (index, raw) in text.split('\n').enumerate() {
        let line_no = index + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let err = |problem| SyntaxError {
            line: line_no,
            problem,
        };
        if line.trim_matches([' ', '\t']).is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            // A continuation.
            let Some((target, name)) = &section else {
                return Err(err("Expected a profile definition"));
            };
            let Some((prop, sub)) = &property else {
                return Err(err("Expected a property definition, found continuation"));
            };
            let content = line.trim_matches([' ', '\t']);
            if *sub {
                let Some((sub_name, _)) = content.split_once('=') else {
                    return Err(err("Expected an '=' sign defining a sub-property"));
                };
                if sub_name.trim_matches([' ', '\t']).is_empty() {
                    return Err(err("Sub-property did not have a name"));
                }
            }
            if let Some(props) = properties_mut(&mut file, &mut plain_default, *target, name) {
                if let Some(value) = props.get_mut(prop) {
                    value.push('\n');
                    value.push_str(content);
                }
            }
            continue;
        }
        if line.starts_with('[') {
            let without_comment = line.split(['#', ';']).next().unwrap_or_default();
            let trimmed = without_comment.trim_end_matches([' ', '\t']);
            let Some(inner) = trimmed
                .strip_prefix('[')
                .and_then(|rest| rest.strip_suffix(']'))
            else {
                return Err(err("Profile definition must end with ']'"));
            };
            let (target, name) = section_target(inner.trim_matches([' ', '\t']), kind);
            if target
                == (Target::Profile {
                    prefixed_default: true,
                })
            {
                saw_prefixed_default = true;
            }
            if target != Target::Ignored {
                // Create the section, so an empty one still exists.
                let _ = properties_mut(&mut file, &mut plain_default, target, &name);
            }
            section = Some((target, name));
            property = None;
            continue;
        }
        // A property.
        let Some((target, section_name)) = &section else {
            return Err(err("Expected a profile definition"));
        };
        let Some((name, value)) = line.split_once('=') else {
            return Err(err("Expected an '=' sign defining a property"));
        };
        let name = name.trim_matches([' ', '\t']);
        if name.is_empty() {
            return Err(err("Property did not have a name"));
        }
        let value = strip_value_comment(value).trim_matches([' ', '\t']);
        if !is_valid_name(name) {
            // Ignored, and so are its continuations (no property has an empty name).
            property = Some((String::new(), value.is_empty()));
            continue;
        }
        let name = name.to_ascii_lowercase();
        if let Some(props) = properties_mut(&mut file, &mut plain_default, *target, section_name) {
            props.insert(name.clone(), value.to_string());
        }
        property = Some((name, value.is_empty()));
    }

    if !saw_prefixed_default {
        if let Some(props) = plain_default {
            file.profiles.insert("default".to_string(), props);
        }
    }
    Ok(file)
}

/// Where a section's properties go, or `None` for an ignored section.
fn properties_mut<'f>(
    file: &'f mut ProfileFile,
    plain_default: &'f mut Option<Properties>,
    target: Target,
    name: &str,
) -> Option<&'f mut Properties> {
    let map = match target {
        Target::Ignored => return None,
        Target::Profile {
            prefixed_default: false,
        } if name == "default" => {
            return Some(plain_default.get_or_insert_with(Properties::new));
        }
        Target::Profile { .. } => &mut file.profiles,
        Target::Services => &mut file.services,
        Target::SsoSession => &mut file.sso_sessions,
    };
    Some(map.entry(name.to_string()).or_default())
}

/// What a section header's trimmed inside names.
fn section_target(inner: &str, kind: FileKind) -> (Target, String) {
    let valid = |name: &str, target: Target| {
        if is_valid_name(name) {
            (target, name.to_string())
        } else {
            (Target::Ignored, String::new())
        }
    };
    match kind {
        FileKind::Credentials => valid(
            inner,
            Target::Profile {
                prefixed_default: false,
            },
        ),
        FileKind::Config => {
            if inner == "default" {
                // The config file's plain `[default]`, kept apart (see `parse`).
                return (
                    Target::Profile {
                        prefixed_default: false,
                    },
                    "default".to_string(),
                );
            }
            for (prefix, target) in [
                (
                    "profile",
                    Target::Profile {
                        prefixed_default: false,
                    },
                ),
                ("sso-session", Target::SsoSession),
                ("services", Target::Services),
            ] {
                if let Some(rest) = inner.strip_prefix(prefix) {
                    if rest.starts_with([' ', '\t']) {
                        let name = rest.trim_matches([' ', '\t']);
                        let target = match target {
                            Target::Profile { .. } if name == "default" => Target::Profile {
                                prefixed_default: true,
                            },
                            t => t,
                        };
                        return valid(name, target);
                    }
                }
            }
            (Target::Ignored, String::new())
        }
    }
}

/// A value up to a `#` or `;` that follows a space or tab.
fn strip_value_comment(value: &str) -> &str {
    let bytes = value.as_bytes();
    for i in 1..bytes.len() {
        if matches!(bytes[i], b'#' | b';') && matches!(bytes[i - 1], b' ' | b'\t') {
            return &value[..i];
        }
    }
    value
}

/// Section and property names: `A-Z a-z 0-9 - _ / . % @ : +`.
fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(b, b'-' | b'_' | b'/' | b'.' | b'%' | b'@' | b':' | b'+')
        })
}

/// The sub-properties of a value that holds them (`"\nname = value\n..."`), names in lower
/// case.
pub(crate) fn sub_properties(value: &str) -> Properties {
    let mut out = Properties::new();
    for line in value.split('\n') {
        if let Some((name, value)) = line.split_once('=') {
            let name = name.trim_matches([' ', '\t']);
            if is_valid_name(name) {
                out.insert(
                    name.to_ascii_lowercase(),
                    value.trim_matches([' ', '\t']).to_string(),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> Properties {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn profiles(text: &str, kind: FileKind) -> BTreeMap<String, Properties> {
        match parse(text, kind) {
            Ok(file) => file.profiles,
            Err(e) => panic!("{text:?}: {e:?}"),
        }
    }

    fn config(text: &str) -> BTreeMap<String, Properties> {
        profiles(text, FileKind::Config)
    }

    fn one(name: &str, pairs: &[(&str, &str)]) -> BTreeMap<String, Properties> {
        [(name.to_string(), props(pairs))].into_iter().collect()
    }

    fn error(text: &str, kind: FileKind) -> SyntaxError {
        match parse(text, kind) {
            Ok(file) => panic!("{text:?} parsed: {file:?}"),
            Err(e) => e,
        }
    }

    // Each test names the case of the AWS SDKs' `profile-parser-tests.json` it transcribes.

    #[test]
    fn empty_files_and_empty_profiles() {
        // "Empty files have no profiles." / "Empty profiles have no properties."
        assert!(config("").is_empty());
        assert_eq!(config("[profile foo]"), one("foo", &[]));
        // "Multiple profiles can be empty."
        assert_eq!(config("[profile foo]\n[profile bar]").len(), 2);
    }

    #[test]
    fn profile_names() {
        // "Profile names support alphanumeric characters and - / . % @ _ : +"
        assert_eq!(
            config("[profile some-thing:long/the_one%only.foo@bar+]\n[profile foo!bar]"),
            one("some-thing:long/the_one%only.foo@bar+", &[])
        );
        // "Profile names should be trimmed." / "Tabs can separate profile names from profile prefix."
        assert_eq!(config("[profile \tfoo \t]"), one("foo", &[]));
        assert_eq!(config("[profile\tfoo]"), one("foo", &[]));
        // "profile name with extra whitespace"
        assert_eq!(
            config("[   profile foo    ]\nname = value"),
            one("foo", &[("name", "value")])
        );
        // "sneaky profile name"
        assert_eq!(
            config("[profilefoo]\nname = value\n[profile bar]"),
            one("bar", &[])
        );
        // "Invalid profile names are ignored." / "properties from an invalid profile name are ignored"
        assert!(config("[profile in valid]\nname = value").is_empty());
        assert_eq!(
            config(
                "[profile foo]\nname = value\n[profile in valid]\nx = 1\n[profile bar]\nname = value2"
            ),
            [
                ("bar".to_string(), props(&[("name", "value2")])),
                ("foo".to_string(), props(&[("name", "value")])),
            ]
            .into_iter()
            .collect()
        );
        // "All valid profile name characters are supported."
        let all = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        assert_eq!(config(&alloc::format!("[profile {all}]")), one(all, &[]));
    }

    #[test]
    fn section_errors() {
        // "Profile definitions must end with brackets."
        assert_eq!(
            error("[profile foo", FileKind::Config),
            SyntaxError {
                line: 1,
                problem: "Profile definition must end with ']'"
            }
        );
        assert_eq!(
            error("[default] x", FileKind::Credentials).problem,
            "Profile definition must end with ']'"
        );
        // "Properties must be defined in a profile."
        assert_eq!(
            error("name = value", FileKind::Config).problem,
            "Expected a profile definition"
        );
    }

    #[test]
    fn properties() {
        // "Profiles can contain properties." / "Windows style line endings are supported."
        assert_eq!(
            config("[profile foo]\nname = value"),
            one("foo", &[("name", "value")])
        );
        assert_eq!(
            config("[profile foo]\r\nname = value\r\n"),
            one("foo", &[("name", "value")])
        );
        // "Equals signs are supported in property values."
        assert_eq!(
            config("[profile foo]\nname = val=ue"),
            one("foo", &[("name", "val=ue")])
        );
        // "Unicode characters are supported in property values."
        assert_eq!(
            config("[profile foo]\nname = \u{1F602}"),
            one("foo", &[("name", "\u{1F602}")])
        );
        // "Profiles can contain multiple properties."
        assert_eq!(
            config("[profile foo]\nname = value\nname2 = value2"),
            one("foo", &[("name", "value"), ("name2", "value2")])
        );
        // "Property keys and values are trimmed." / "Property values can be empty."
        assert_eq!(
            config("[profile foo]\nname \t=  \tvalue \t"),
            one("foo", &[("name", "value")])
        );
        assert_eq!(config("[profile foo]\nname ="), one("foo", &[("name", "")]));
        // "Invalid property names are ignored."
        assert_eq!(config("[profile foo]\nin valid = value"), one("foo", &[]));
        // "All valid property name characters are supported."
        assert_eq!(
            config(
                "[profile foo]\nABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_ = value"
            ),
            one(
                "foo",
                &[(
                    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz0123456789-_",
                    "value"
                )]
            )
        );
        // "Blank lines are ignored."
        assert_eq!(
            config("\t \n[profile foo]\n\t\n \nname = value\n\t \n[profile bar]\n \t"),
            [
                ("bar".to_string(), props(&[])),
                ("foo".to_string(), props(&[("name", "value")])),
            ]
            .into_iter()
            .collect()
        );
    }

    #[test]
    fn property_errors() {
        // "Property key cannot be empty."
        assert_eq!(
            error("[profile foo]\n= value", FileKind::Config),
            SyntaxError {
                line: 2,
                problem: "Property did not have a name"
            }
        );
        // "Property definitions must contain an equals sign."
        assert_eq!(
            error("[profile foo]\nkey : value", FileKind::Config).problem,
            "Expected an '=' sign defining a property"
        );
        // Syntax errors count in ignored sections too.
        assert_eq!(
            error("[other]\n\n# c\nkey value", FileKind::Config),
            SyntaxError {
                line: 4,
                problem: "Expected an '=' sign defining a property"
            }
        );
    }

    #[test]
    fn comments() {
        // "Pound sign comments are ignored." / "Semicolon sign comments are ignored."
        // "All comment types can be used together." / "Comments can be empty."
        for text in [
            "# Comment\n[profile foo] # Comment\nname = value # Comment with # sign",
            "; Comment\n[profile foo] ; Comment\nname = value ; Comment with ; sign",
            "# Comment\n[profile foo] ; Comment\nname = value # Comment with ; sign",
            ";\n[profile foo];\nname = value ;\n",
            "[profile foo]\nname = value\t# tab before the comment",
        ] {
            assert_eq!(config(text), one("foo", &[("name", "value")]), "{text:?}");
        }
        // "Comments can be adjacent to profile names." / "Comment characters adjacent to profile decls"
        assert_eq!(
            config("[profile foo]; Adjacent semicolons\n[profile bar]# Adjacent pound signs").len(),
            2
        );
        // "Comments adjacent to values are included in the value."
        assert_eq!(
            config(
                "[profile foo]\nname = value; Adjacent semicolons\nname2 = value# Adjacent pound signs"
            ),
            one(
                "foo",
                &[
                    ("name", "value; Adjacent semicolons"),
                    ("name2", "value# Adjacent pound signs")
                ]
            )
        );
        // A secret that contains `#` or `;` without a space before it survives.
        assert_eq!(
            profiles(
                "[default]\naws_secret_access_key = ab#c;d/e+f",
                FileKind::Credentials
            ),
            one("default", &[("aws_secret_access_key", "ab#c;d/e+f")])
        );
    }

    #[test]
    fn continuations() {
        // "Property values can be continued on the next line." / "... with multiple lines."
        assert_eq!(
            config("[profile foo]\nname = value\n -continued"),
            one("foo", &[("name", "value\n-continued")])
        );
        assert_eq!(
            config("[profile foo]\nname = value\n -continued\n -and-continued"),
            one("foo", &[("name", "value\n-continued\n-and-continued")])
        );
        // "Continuations are trimmed."
        assert_eq!(
            config("[profile foo]\nname = value\n \t -continued \t "),
            one("foo", &[("name", "value\n-continued")])
        );
        // "Continuation values include pound comments." / "... semicolon comments."
        assert_eq!(
            config("[profile foo]\nname = value\n -continued # Comment"),
            one("foo", &[("name", "value\n-continued # Comment")])
        );
        assert_eq!(
            config("[profile foo]\nname = value\n -continued ; Comment"),
            one("foo", &[("name", "value\n-continued ; Comment")])
        );
        // "Continuations cannot be used outside of a profile."
        assert_eq!(
            error(" -continued", FileKind::Config).problem,
            "Expected a profile definition"
        );
        // "Continuations cannot be used outside of a property."
        assert_eq!(
            error("[profile foo]\n -continued", FileKind::Config).problem,
            "Expected a property definition, found continuation"
        );
        // "Continuations reset with profile definitions." / "Invalid continuation"
        assert_eq!(
            error(
                "[profile foo]\nname = value\n[profile foo]\n -continued",
                FileKind::Config
            ),
            SyntaxError {
                line: 4,
                problem: "Expected a property definition, found continuation"
            }
        );
    }

    #[test]
    fn sub_properties_cases() {
        // "Properties can have sub-properties."
        assert_eq!(
            config("[profile foo]\ns3 =\n name = value"),
            one("foo", &[("s3", "\nname = value")])
        );
        // "Invalid sub-property definitions cause an error."
        assert_eq!(
            error("[profile foo]\ns3 =\n invalid", FileKind::Config).problem,
            "Expected an '=' sign defining a sub-property"
        );
        // "Sub-property definitions can have an empty value."
        assert_eq!(
            config("[profile foo]\ns3 =\n name ="),
            one("foo", &[("s3", "\nname =")])
        );
        // "Sub-property definitions cannot have an empty name."
        assert_eq!(
            error("[profile foo]\ns3 =\n = value", FileKind::Config).problem,
            "Sub-property did not have a name"
        );
        // "Sub-property definitions can have an invalid name."
        assert_eq!(
            config("[profile foo]\ns3 =\n in valid = value"),
            one("foo", &[("s3", "\nin valid = value")])
        );
        // "Sub-properties can have blank lines that are ignored"
        assert_eq!(
            config("[profile foo]\ns3 =\n name = value\n\t \n name2 = value2"),
            one("foo", &[("s3", "\nname = value\nname2 = value2")])
        );
        assert_eq!(
            sub_properties("\nname = value\nName2 = value2\nin valid = x"),
            props(&[("name", "value"), ("name2", "value2")])
        );
    }

    #[test]
    fn duplicates() {
        // "Duplicate profiles in the same file merge properties."
        assert_eq!(
            config("[profile foo]\nname = value\n[profile foo]\nname2 = value2"),
            one("foo", &[("name", "value"), ("name2", "value2")])
        );
        // "Duplicate properties in a profile use the last one defined."
        assert_eq!(
            config("[profile foo]\nname = value\nname = value2"),
            one("foo", &[("name", "value2")])
        );
        // "Duplicate properties in duplicate profiles use the last one defined (case insensitive)."
        assert_eq!(
            config("[profile foo]\nName = value\n[profile foo]\nname = value2"),
            one("foo", &[("name", "value2")])
        );
    }

    #[test]
    fn default_profile_prefixes() {
        // "Default profile with profile prefix overrides default profile without prefix when
        // profile prefix is first." / "... is last."
        assert_eq!(
            config("[profile default]\nname = value\n[default]\nname2 = value2"),
            one("default", &[("name", "value")])
        );
        assert_eq!(
            config("[default]\nname2 = value2\n[profile default]\nname = value"),
            one("default", &[("name", "value")])
        );
        // "Default profiles with mixed prefixes in the config file ignore the one without
        // prefix when merging."
        assert_eq!(
            config(
                "[profile default]\nname = value\n[default]\nname2 = value2\n[profile default]\nname3 = value3"
            ),
            one("default", &[("name", "value"), ("name3", "value3")])
        );
        assert_eq!(
            config("[default]\nregion = us-west-2"),
            one("default", &[("region", "us-west-2")])
        );
    }

    #[test]
    fn file_kinds() {
        // "Config profiles without prefix are ignored."
        assert!(config("[foo]\nname = value").is_empty());
        // "Credentials profiles with prefix are ignored."
        assert!(profiles("[profile foo]\nname = value", FileKind::Credentials).is_empty());
        // "profile name with extra whitespace in credentials"
        assert_eq!(
            profiles(
                "[   foo    ]\nname = value\n[profile bar]",
                FileKind::Credentials
            ),
            one("foo", &[("name", "value")])
        );
        // "sso-session with properties"
        let file = parse(
            "[sso-session foo]\nname = value\n[profile bar]",
            FileKind::Config,
        )
        .unwrap();
        assert_eq!(file.sso_sessions, one("foo", &[("name", "value")]));
        assert_eq!(file.profiles, one("bar", &[]));
        // "sso-session without the space before the name is a profile" (credentials file)
        assert_eq!(
            profiles(
                "[sso-sessionfoo]\nname = value\n[bar]",
                FileKind::Credentials
            )
            .len(),
            2
        );
        // A services section with a service's sub-properties.
        let file = parse(
            "[services local]\nbedrock_runtime =\n  endpoint_url = http://127.0.0.1:4566\n",
            FileKind::Config,
        )
        .unwrap();
        assert_eq!(
            file.services,
            one(
                "local",
                &[("bedrock_runtime", "\nendpoint_url = http://127.0.0.1:4566")]
            )
        );
        // A byte order mark is skipped.
        assert_eq!(
            profiles("\u{feff}[default]\nregion = eu-west-1", FileKind::Config),
            one("default", &[("region", "eu-west-1")])
        );
    }
}
