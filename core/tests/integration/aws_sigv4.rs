//! AWS Signature Version 4: AWS's published SigV4 test suite, two Bedrock requests signed by
//! botocore, the errors, and properties (URI encoding against a naive oracle, no panics on
//! any input, header order and pre-hashed payloads change nothing).

use llm_sse_core::aws::AwsCredentials;
use llm_sse_core::aws::sigv4::{
    SignError, SignableRequest, Signer, is_unsigned_header, uri_encode,
};
use proptest::prelude::*;

/// The suite's credentials, region, service and time (2015-08-30T12:36:00Z).
const ACCESS_KEY_ID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const REGION: &str = "us-east-1";
const SERVICE: &str = "service";
const SUITE_TIME: u64 = 1_440_938_160;

struct Case {
    name: &'static str,
    method: &'static str,
    host: &'static str,
    path: &'static str,
    query: &'static str,
    headers: &'static [(&'static str, &'static str)],
    body: &'static str,
    session_token: Option<&'static str>,
    normalize_path: bool,
    content_sha256_header: bool,
    canonical_request: &'static str,
    string_to_sign: &'static str,
    authorization: &'static str,
}

/// Cases of AWS's SigV4 test suite (`aws-sig-v4-test-suite`), as shipped in
/// awslabs/aws-c-auth under `tests/aws-signing-test-suite/v4/<name>/`: the request from
/// `request.txt` (its `Host` header is `host`; the other headers in order), `normalize` and
/// `sign_body` from `context.json` (`sign_body` is the `x-amz-content-sha256` header), and the
/// expected `header-canonical-request.txt`, `header-string-to-sign.txt` and the
/// `Authorization` of `header-signed-request.txt`. Left out: `get-header-value-multiline`
/// (a header value with line breaks, which we refuse: see `refused_inputs`) and
/// `post-sts-header-after` (a session token added after signing, which no AWS service but
/// IoT's presigned WebSocket URLs wants).
const SUITE: &[Case] = &[
    Case {
        name: "get-vanilla",
        method: "GET",
        host: "example.amazonaws.com",
        path: "/",
        query: "",
        headers: &[],
        body: "",
        session_token: None,
        normalize_path: true,
        content_sha256_header: false,
        canonical_request: "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    },
    Case {
        name: "get-vanilla-query",
        method: "GET",
        host: "example.amazonaws.com",
        path: "/",
        query: "",
        headers: &[],
        body: "",
        session_token: None,
        normalize_path: true,
        content_sha256_header: false,
        canonical_request: "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    },
    Case {
        name: "get-vanilla-empty-query-key",
        method: "GET",
        host: "example.amazonaws.com",
        path: "/",
        query: "Param1=value1",
        headers: &[],
        body: "",
        session_token: None,
        normalize_path: true,
        content_sha256_header: false,
        canonical_request: "GET\n/\nParam1=value1\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n1e24db194ed7d0eec2de28d7369675a243488e08526e8c1c73571282f7c517ab",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb",
    },
    Case {
        name: "get-vanilla-query-order-key-case",
        method: "GET",
        host: "example.amazonaws.com",
        path: "/",
        query: "Param2=value2&Param1=value1",
        headers: &[],
        body: "",
        session_token: None,
        normalize_path: true,
        content_sha256_header: false,
        canonical_request: "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
    },
    Case {
        name: "get-vanilla-query-order-encoded",
        method: "GET",
        host: "example.amazonaws.com",
        path: "/",
        query: "Param-3=Value3&Param=Value2&%E1%88%B4=Value1",
        headers: &[],
        body: "",
        session_token: None,
        normalize_path: true,
        content_sha256_header: false,
        canonical_request: "GET\n/\n%E1%88%B4=Value1&Param=Value2&Param-3=Value3\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n868294f5c38bd141c4972a373a76654f1418a8e4fc18b2e7903ae45e8ae0ec71",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac",
    },
    Case {
        name: "get-vanilla-query-unreserved",
        method: "GET",
        host: "example.amazonaws.com",
        path: "/",
        query: "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        headers: &[],
        body: "",
        session_token: None,
        normalize_path: true,
        content_sha256_header: false,
        canonical_request: "GET\n/\n-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nc30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
    },
    Case {
        name: "get-vanilla-utf8-query",
        method: "GET",
        host: "example.amazonaws.com",
        path: "/",
        query: "\u{1234}=bar",
        headers: &[],
        body: "",
        session_token: None,
        normalize_path: true,
        content_sha256_header: false,
        canonical_request: "GET\n/\n%E1%88%B4=bar\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\neb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
    },
    Case {
        name: "get-unreserved",
        method: "GET",
        host: "example.amazonaws.com",
        path: "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        query: "",
        headers: &[],
        body: "",
        session_token: None,
        normalize_path: true,
        content_sha256_header: false,
        canonical_request: "GET\n/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
    },
    Case {
        name: "get-utf8",
        method: "GET",
        host: "example.amazonaws.com",
        path: "/\u{1234}",
        query: "",
        headers: &[],
        body: "",
        session_token: None,
        normalize_path: true,
        content_sha256_header: false,
        canonical_request: "GET\n/%E1%88%B4\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
    },
    Case {
        name: "get-space-normalized",
        method: "GET",
        host: "example.amazonaws.com",
        path: "/example space/",
        query: "",
        headers: &[],
        body: "",
        session_token: None,
        normalize_path: true,
        content_sha256_header: false,
        canonical_request: "GET\n/example%20space/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
    },
    Case {
        name: "get-space-unnormalized",
        method: "GET",
        host: "example.amazonaws.com",
        path: "/example space/",
        query: "",
        headers: &[],
        body: "",
        session_token: None,
        normalize_path: false,
        content_sha256_header: false,
        canonical_request: "GET\n/example%20space/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
    },
    Case {
        name: "get-slash-normalized",
        method: "GET",
        host: "example.amazonaws.com",
        path: "//",
        query: "",
        headers: &[],
        body: "",
        session_token: None,
        normalize_path: true,
        content_sha256_header: false,
        canonical_request: "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    },
    Case {
        name: "get-slash-unnormalized",
        method: "GET",
        host: "example.amazonaws.com",
        path: "//",
        query: "",
        headers: &[],
        body: "",
        session_token: None,
        normalize_path: false,
        content_sha256_header: false,
        canonical_request: "GET\n//\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n80cb39203d058af815de2b79250ff56e1b73eb9b4718c86556cdc6f150c5d209",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=c88bcd3d312d75078c0cd961d6deae3f4c754924b01669efcfcb439fd5e5b76e",
    },
    Case {
        name: "get-slashes-normalized",
        method: "GET",
        host: "example.amazonaws.com",
        path: "//example//",
        query: "",
        headers: &[],
        body: "",
        session_token: None,
        normalize_path: true,
        content_sha256_header: false,
        canonical_request: "GET\n/example/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\ncb96b4ac96d501f7c5c15bc6d67b3035061cfced4af6585ad927f7e6c985c015",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84",
    },
    Case {
        name: "get-slashes-unnormalized",
        method: "GET",
        host: "example.amazonaws.com",
        path: "//example//",
        query: "",
        headers: &[],
        body: "",
        session_token: None,
        normalize_path: false,
        content_sha256_header: false,
        canonical_request: "GET\n//example//\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n528ec3105ee1f34ab014bb0a1a45da0ed2742a4fea3555149e5b4d5d201eb240",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=87cca117541a147f6df867677d98a7d80dff226d2bfca9e4ffa899665623c7e5",
    },
    Case {
        name: "get-slash-dot-slash-normalized",
        method: "GET",
        host: "example.amazonaws.com",
        path: "/./",
        query: "",
        headers: &[],
        body: "",
        session_token: None,
        normalize_path: true,
        content_sha256_header: false,
        canonical_request: "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    },
    Case {
        name: "get-slash-dot-slash-unnormalized",
        method: "GET",
        host: "example.amazonaws.com",
        path: "/./",
        query: "",
        headers: &[],
        body: "",
        session_token: None,
        normalize_path: false,
        content_sha256_header: false,
        canonical_request: "GET\n/./\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nd67825e2268bd77a97c7688b8d72c31a3c1855b309808505ba0a9747d2465aa7",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=68714168e6557f8f2de0ef956fc24dc2593a4bd2961f8df51898d8a134695145",
    },
    Case {
        name: "get-slash-pointless-dot-normalized",
        method: "GET",
        host: "example.amazonaws.com",
        path: "/./example",
        query: "",
        headers: &[],
        body: "",
        session_token: None,
        normalize_path: true,
        content_sha256_header: false,
        canonical_request: "GET\n/example\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n214d50c111a8edc4819da6a636336472c916b5240f51e9a51b5c3305180cf702",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5",
    },
    Case {
        name: "get-slash-pointless-dot-unnormalized",
        method: "GET",
        host: "example.amazonaws.com",
        path: "/./example",
        query: "",
        headers: &[],
        body: "",
        session_token: None,
        normalize_path: false,
        content_sha256_header: false,
        canonical_request: "GET\n/./example\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n73895e0e829507e28e39fd24669aedc2434a8e179e547e3c075b42921f952cdb",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=beb03f223f7deae4146464f06e29eebbee9c8afbe15c290cf07aa8b119e14cff",
    },
    Case {
        name: "get-relative-normalized",
        method: "GET",
        host: "example.amazonaws.com",
        path: "/example/..",
        query: "",
        headers: &[],
        body: "",
        session_token: None,
        normalize_path: true,
        content_sha256_header: false,
        canonical_request: "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    },
    Case {
        name: "get-relative-unnormalized",
        method: "GET",
        host: "example.amazonaws.com",
        path: "/example/..",
        query: "",
        headers: &[],
        body: "",
        session_token: None,
        normalize_path: false,
        content_sha256_header: false,
        canonical_request: "GET\n/example/..\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n0511f456aa502b456d135fcb9d749374a55228f9dbeedda1eacf659e05b0615b",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=eca7ead57bb5aa5c8e28007acd4ff04e1ff9a0ff3b237ec1554a184887ff9282",
    },
    Case {
        name: "get-relative-relative-normalized",
        method: "GET",
        host: "example.amazonaws.com",
        path: "/example1/example2/../..",
        query: "",
        headers: &[],
        body: "",
        session_token: None,
        normalize_path: true,
        content_sha256_header: false,
        canonical_request: "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    },
    Case {
        name: "get-relative-relative-unnormalized",
        method: "GET",
        host: "example.amazonaws.com",
        path: "/example1/example2/../..",
        query: "",
        headers: &[],
        body: "",
        session_token: None,
        normalize_path: false,
        content_sha256_header: false,
        canonical_request: "GET\n/example1/example2/../..\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n76115030c0f3ff06c20fdff5ceb6d5e0b835a1743e00b94fea7c7f381269437b",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=dc33e0856fd4baca4d7aa2146c38958283844764f38c74252a333df5e613003b",
    },
    Case {
        name: "get-header-value-trim",
        method: "GET",
        host: "example.amazonaws.com",
        path: "/",
        query: "",
        headers: &[("My-Header1", " value1"), ("My-Header2", " \"a   b   c\"")],
        body: "",
        session_token: None,
        normalize_path: true,
        content_sha256_header: false,
        canonical_request: "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\nx-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\na726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
    },
    Case {
        name: "get-header-key-duplicate",
        method: "GET",
        host: "example.amazonaws.com",
        path: "/",
        query: "",
        headers: &[
            ("My-Header1", "value2"),
            ("My-Header1", "value2"),
            ("My-Header1", "value1"),
        ],
        body: "",
        session_token: None,
        normalize_path: true,
        content_sha256_header: false,
        canonical_request: "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\ndc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
    },
    Case {
        name: "get-header-value-order",
        method: "GET",
        host: "example.amazonaws.com",
        path: "/",
        query: "",
        headers: &[
            ("My-Header1", "value4"),
            ("My-Header1", "value1"),
            ("My-Header1", "value3"),
            ("My-Header1", "value2"),
        ],
        body: "",
        session_token: None,
        normalize_path: true,
        content_sha256_header: false,
        canonical_request: "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value4,value1,value3,value2\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n31ce73cd3f3d9f66977ad3dd957dc47af14df92fcd8509f59b349e9137c58b86",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01",
    },
    Case {
        name: "post-header-key-case",
        method: "POST",
        host: "example.amazonaws.com",
        path: "/",
        query: "",
        headers: &[],
        body: "",
        session_token: None,
        normalize_path: true,
        content_sha256_header: false,
        canonical_request: "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
    },
    Case {
        name: "post-header-key-sort",
        method: "POST",
        host: "example.amazonaws.com",
        path: "/",
        query: "",
        headers: &[("My-Header1", "value1")],
        body: "",
        session_token: None,
        normalize_path: true,
        content_sha256_header: false,
        canonical_request: "POST\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n9368318c2967cf6de74404b30c65a91e8f6253e0a8659d6d5319f1a812f87d65",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c",
    },
    Case {
        name: "post-header-value-case",
        method: "POST",
        host: "example.amazonaws.com",
        path: "/",
        query: "",
        headers: &[("My-Header1", "VALUE1")],
        body: "",
        session_token: None,
        normalize_path: true,
        content_sha256_header: false,
        canonical_request: "POST\n/\n\nhost:example.amazonaws.com\nmy-header1:VALUE1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nd51ced243e649e3de6ef63afbbdcbca03131a21a7103a1583706a64618606a93",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d",
    },
    Case {
        name: "post-vanilla",
        method: "POST",
        host: "example.amazonaws.com",
        path: "/",
        query: "",
        headers: &[],
        body: "",
        session_token: None,
        normalize_path: true,
        content_sha256_header: false,
        canonical_request: "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
    },
    Case {
        name: "post-vanilla-empty-query-value",
        method: "POST",
        host: "example.amazonaws.com",
        path: "/",
        query: "Param1=value1",
        headers: &[],
        body: "",
        session_token: None,
        normalize_path: true,
        content_sha256_header: false,
        canonical_request: "POST\n/\nParam1=value1\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
    },
    Case {
        name: "post-vanilla-query",
        method: "POST",
        host: "example.amazonaws.com",
        path: "/",
        query: "Param1=value1",
        headers: &[],
        body: "",
        session_token: None,
        normalize_path: true,
        content_sha256_header: false,
        canonical_request: "POST\n/\nParam1=value1\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
    },
    Case {
        name: "post-x-www-form-urlencoded",
        method: "POST",
        host: "example.amazonaws.com",
        path: "/",
        query: "",
        headers: &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Content-Length", "13"),
        ],
        body: "Param1=value1",
        session_token: None,
        normalize_path: true,
        content_sha256_header: true,
        canonical_request: "POST\n/\n\ncontent-length:13\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-content-sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e\nx-amz-date:20150830T123600Z\n\ncontent-length;content-type;host;x-amz-content-sha256;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nb1edd1d03544c25390e32085d55b57acc9a3961bb59415ff86c45c3d89d16cfb",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, Signature=d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b",
    },
    Case {
        name: "post-x-www-form-urlencoded-parameters",
        method: "POST",
        host: "example.amazonaws.com",
        path: "/",
        query: "",
        headers: &[
            (
                "Content-Type",
                "application/x-www-form-urlencoded; charset=utf-8",
            ),
            ("Content-Length", "13"),
        ],
        body: "Param1=value1",
        session_token: None,
        normalize_path: true,
        content_sha256_header: true,
        canonical_request: "POST\n/\n\ncontent-length:13\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\nhost:example.amazonaws.com\nx-amz-content-sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e\nx-amz-date:20150830T123600Z\n\ncontent-length;content-type;host;x-amz-content-sha256;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\na89f1a5b53e37702ee6363ce1da3ce8f54386f3c8f352ae652153c2982a0bc4d",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, Signature=328d1b9eaadca9f5818ef05e8392801e091653bafec24fcab71e7344e7f51422",
    },
    Case {
        name: "post-sts-header-before",
        method: "POST",
        host: "example.amazonaws.com",
        path: "/",
        query: "",
        headers: &[],
        body: "",
        session_token: Some(
            "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==",
        ),
        normalize_path: true,
        content_sha256_header: false,
        canonical_request: "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\nx-amz-security-token:AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==\n\nhost;x-amz-date;x-amz-security-token\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nc237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
    },
    Case {
        name: "get-vanilla-with-session-token",
        method: "GET",
        host: "example.amazonaws.com",
        path: "/",
        query: "",
        headers: &[],
        body: "",
        session_token: Some("6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"),
        normalize_path: true,
        content_sha256_header: false,
        canonical_request: "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\nx-amz-security-token:6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267\n\nhost;x-amz-date;x-amz-security-token\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        string_to_sign: "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n067b36aa60031588cea4a4cde1f21215227a047690c72247f1d70b32fbbfad2b",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8",
    },
];

fn credentials(token: Option<&str>) -> AwsCredentials {
    AwsCredentials::new(ACCESS_KEY_ID, SECRET, token.map(String::from))
}

fn check(case: &Case, signer: Signer<'_>, request: &SignableRequest<'_>, time: u64) {
    let signed = signer
        .sign(request, time)
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    assert_eq!(
        signed.canonical_request(),
        case.canonical_request,
        "{}: canonical request",
        case.name
    );
    assert_eq!(
        signed.string_to_sign(),
        case.string_to_sign,
        "{}: string to sign",
        case.name
    );
    assert_eq!(
        signed.authorization(),
        case.authorization,
        "{}: authorization",
        case.name
    );
    let signature = case.authorization.rsplit("Signature=").next().unwrap();
    assert_eq!(signed.signature(), signature, "{}", case.name);
}

#[test]
fn aws_sigv4_test_suite() {
    for case in SUITE {
        let credentials = credentials(case.session_token);
        let signer = Signer::new(&credentials, REGION, SERVICE)
            .normalize_path(case.normalize_path)
            .content_sha256_header(case.content_sha256_header);
        let request = SignableRequest::new(case.method, case.host, case.path)
            .query(case.query)
            .headers(case.headers.iter().copied())
            .payload(case.body.as_bytes());
        check(case, signer, &request, SUITE_TIME);

        // The headers to add: the date, the token when there is one, the payload hash when
        // asked for, the authorization.
        let signed = signer.sign(&request, SUITE_TIME).unwrap();
        let names: Vec<&str> = signed.headers().map(|(n, _)| n).collect();
        let mut want = vec!["x-amz-date"];
        if case.session_token.is_some() {
            want.push("x-amz-security-token");
        }
        if case.content_sha256_header {
            want.push("x-amz-content-sha256");
        }
        want.push("authorization");
        assert_eq!(names, want, "{}", case.name);
        assert_eq!(signed.amz_date(), "20150830T123600Z");
        let token = signed
            .headers()
            .find(|(n, _)| *n == "x-amz-security-token")
            .map(|(_, v)| v);
        assert_eq!(token, case.session_token, "{}", case.name);
    }
}

#[test]
fn suite_cases_through_from_url_and_a_prehashed_payload() {
    use sha2::Digest as _;
    for case in SUITE.iter().filter(|c| !c.path.contains(' ')) {
        let url = if case.query.is_empty() {
            format!("https://{}{}", case.host, case.path)
        } else {
            format!("https://{}{}?{}", case.host, case.path, case.query)
        };
        let credentials = credentials(case.session_token);
        let signer = Signer::new(&credentials, REGION, SERVICE)
            .normalize_path(case.normalize_path)
            .content_sha256_header(case.content_sha256_header);
        let hash: [u8; 32] = sha2::Sha256::digest(case.body.as_bytes()).into();
        let request = SignableRequest::from_url(case.method, &url)
            .unwrap()
            .headers(case.headers.iter().copied())
            .payload_sha256(hash);
        check(case, signer, &request, SUITE_TIME);
    }
}

/// Two Bedrock Runtime `InvokeModelWithResponseStream` requests as botocore 1.44.18 signs
/// them. What we ran: in a venv with `pip install botocore`, a script created a
/// `bedrock-runtime` client (region `us-east-1`, the suite's access key id and secret, and
/// for the second call the session token below), registered a `before-send` event handler
/// that recorded the request's URL and headers and then raised to stop the call, patched
/// `botocore.auth.get_current_datetime` to return 2026-01-01T12:34:56 (UTC), turned on
/// `DEBUG` logging of `botocore.auth` (which prints the canonical request and string to
/// sign), and called `invoke_model_with_response_stream(modelId=..., body=BODY,
/// contentType='application/json', accept='application/json')`. The URL, the signed headers
/// and the body below are what botocore sent: `amz-sdk-invocation-id`, `amz-sdk-request`,
/// `User-Agent` and `Content-Length` went out unsigned. The model ids' `:` and `/` are sent
/// as `%3A` and `%2F` and signed as `%253A` and `%252F`.
#[test]
fn bedrock_requests_as_botocore_signs_them() {
    const BODY: &str = r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":256,"messages":[{"role":"user","content":"Hi"}]}"#;
    const TIME: u64 = 1_767_270_896; // 2026-01-01T12:34:56Z
    const HASH: &str = "9ff463588bcf8c162c0550153df2fecd196757944dfd3611980fb1b3e6d60482";
    let cases = [
        Case {
            name: "bedrock model id with ':'",
            method: "POST",
            host: "bedrock-runtime.us-east-1.amazonaws.com",
            path: "/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/invoke-with-response-stream",
            query: "",
            headers: &[],
            body: BODY,
            session_token: None,
            normalize_path: true,
            content_sha256_header: false,
            canonical_request: "POST\n\
                /model/anthropic.claude-3-5-sonnet-20241022-v2%253A0/invoke-with-response-stream\n\
                \n\
                content-type:application/json\n\
                host:bedrock-runtime.us-east-1.amazonaws.com\n\
                x-amz-date:20260101T123456Z\n\
                x-amzn-bedrock-accept:application/json\n\
                \n\
                content-type;host;x-amz-date;x-amzn-bedrock-accept\n\
                9ff463588bcf8c162c0550153df2fecd196757944dfd3611980fb1b3e6d60482",
            string_to_sign: "AWS4-HMAC-SHA256\n20260101T123456Z\n20260101/us-east-1/bedrock/aws4_request\n\
                3058e6898ffc469e7a1f377ed72ae28e09d3d3cb5474103669f36bac02b23ea2",
            authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/bedrock/aws4_request, \
                SignedHeaders=content-type;host;x-amz-date;x-amzn-bedrock-accept, \
                Signature=66ee3cd81319951e470815fcebab8f855c80e4e153a79684074e256f187266be",
        },
        Case {
            name: "bedrock inference profile ARN with ':' and '/', session token",
            method: "POST",
            host: "bedrock-runtime.us-east-1.amazonaws.com",
            path: "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-5-sonnet-20241022-v2%3A0/invoke-with-response-stream",
            query: "",
            headers: &[],
            body: BODY,
            session_token: Some("IQoJb3JpZ2luX2VjEXAMPLETOKEN"),
            normalize_path: true,
            content_sha256_header: false,
            canonical_request: "POST\n\
                /model/arn%253Aaws%253Abedrock%253Aus-east-1%253A123456789012%253Ainference-profile%252Fus.anthropic.claude-3-5-sonnet-20241022-v2%253A0/invoke-with-response-stream\n\
                \n\
                content-type:application/json\n\
                host:bedrock-runtime.us-east-1.amazonaws.com\n\
                x-amz-date:20260101T123456Z\n\
                x-amz-security-token:IQoJb3JpZ2luX2VjEXAMPLETOKEN\n\
                x-amzn-bedrock-accept:application/json\n\
                \n\
                content-type;host;x-amz-date;x-amz-security-token;x-amzn-bedrock-accept\n\
                9ff463588bcf8c162c0550153df2fecd196757944dfd3611980fb1b3e6d60482",
            string_to_sign: "AWS4-HMAC-SHA256\n20260101T123456Z\n20260101/us-east-1/bedrock/aws4_request\n\
                730395127be3a656ed5e27436c373d179022c04c4b0303dea5c6defda84f28a0",
            authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/bedrock/aws4_request, \
                SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amzn-bedrock-accept, \
                Signature=395fbcc2dd238ebf0ff283f77ef1a02c6ca2b5dd932366ecc9c3b383846a6b3e",
        },
    ];
    for (case, model) in cases.iter().zip([
        "anthropic.claude-3-5-sonnet-20241022-v2:0",
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0",
    ]) {
        // The path the request is sent with is the model id through `uri_encode`.
        assert_eq!(
            case.path,
            format!("/model/{}/invoke-with-response-stream", uri_encode(model))
        );
        let credentials = credentials(case.session_token);
        let signer = Signer::new(&credentials, REGION, "bedrock");
        let url = format!("https://{}{}", case.host, case.path);
        // The headers botocore sent, in its order; the unsigned ones are left out by the signer.
        let request = SignableRequest::from_url("POST", &url)
            .unwrap()
            .header("Content-Type", "application/json")
            .header("X-Amzn-Bedrock-Accept", "application/json")
            .header("User-Agent", "Botocore/1.44.18 ua/2.1 os/linux lang/python#3.11.7")
            .header("amz-sdk-request", "attempt=1; max=3")
            .payload(case.body.as_bytes());
        // `amz-sdk-request` is not on botocore's unsigned list: botocore adds it after
        // signing. We leave it out here.
        let request_signed_like_botocore = SignableRequest::from_url("POST", &url)
            .unwrap()
            .header("Content-Type", "application/json")
            .header("X-Amzn-Bedrock-Accept", "application/json")
            .header("User-Agent", "Botocore/1.44.18 ua/2.1 os/linux lang/python#3.11.7")
            .payload(case.body.as_bytes());
        check(case, signer, &request_signed_like_botocore, TIME);
        assert!(case.canonical_request.ends_with(HASH));
        // Signing one more header changes the signature.
        let other = signer.sign(&request, TIME).unwrap();
        assert_ne!(other.signature(), signer.sign(&request_signed_like_botocore, TIME).unwrap().signature());
        assert!(other.canonical_request().contains("\namz-sdk-request:attempt=1; max=3\n"));
    }
}

fn suite_signer(credentials: &AwsCredentials) -> Signer<'_> {
    Signer::new(credentials, REGION, SERVICE)
}

fn sign_err(request: &SignableRequest<'_>) -> SignError {
    let credentials = credentials(None);
    suite_signer(&credentials)
        .sign(request, SUITE_TIME)
        .expect_err("signing should fail")
}

#[test]
fn refused_inputs() {
    let get = |path| SignableRequest::new("GET", "example.amazonaws.com", path);
    // get-header-value-multiline of the suite: a folded header value cannot be sent today.
    assert_eq!(
        sign_err(&get("/").header("My-Header1", "value1\n  value2\n     value3")),
        SignError::InvalidHeaderValue {
            name: "my-header1".into()
        }
    );
    for value in ["a\rb", "a\0b", "a\u{7f}b"] {
        assert_eq!(
            sign_err(&get("/").header("X-Test", value)),
            SignError::InvalidHeaderValue {
                name: "x-test".into()
            }
        );
    }
    for name in ["", "my header", "a:b", "é"] {
        assert_eq!(
            sign_err(&get("/").header(name, "v")),
            SignError::InvalidHeaderName,
            "{name:?}"
        );
    }
    for name in [
        "Host",
        "X-Amz-Date",
        "x-amz-security-token",
        "X-Amz-Content-Sha256",
        "Authorization",
    ] {
        assert_eq!(
            sign_err(&get("/").header(name, "v")),
            SignError::HeaderSetBySigner {
                name: name.to_ascii_lowercase()
            }
        );
    }
    for query in ["a=%", "a=%4", "a=%zz", "%G0=1"] {
        assert_eq!(
            sign_err(&get("/").query(query)),
            SignError::InvalidQueryEscape,
            "{query}"
        );
    }
    for host in ["", "a b", "a/b", "a?b", "a#b", "a\tb"] {
        assert_eq!(
            sign_err(&SignableRequest::new("GET", host, "/")),
            SignError::InvalidHost,
            "{host:?}"
        );
    }
    for method in ["", "G ET", "GET\n"] {
        assert_eq!(
            sign_err(&SignableRequest::new(method, "example.amazonaws.com", "/")),
            SignError::InvalidMethod
        );
    }

    let request = get("/");
    let ok = credentials(None);
    assert_eq!(
        suite_signer(&ok).sign(&request, 253_402_300_800),
        Err(SignError::TimeOutOfRange)
    );
    assert!(suite_signer(&ok).sign(&request, 253_402_300_799).is_ok());
    for region in ["", "us east", "us/east-1"] {
        assert_eq!(
            Signer::new(&ok, region, SERVICE).sign(&request, 0),
            Err(SignError::InvalidRegion)
        );
    }
    for service in ["", "a/b", "a b"] {
        assert_eq!(
            Signer::new(&ok, REGION, service).sign(&request, 0),
            Err(SignError::InvalidService)
        );
    }
    for id in ["", "AKID EXAMPLE", "AKID/EXAMPLE", "AKID,X"] {
        let bad = AwsCredentials::new(id, SECRET, None);
        assert_eq!(
            suite_signer(&bad).sign(&request, 0),
            Err(SignError::InvalidAccessKeyId)
        );
    }
    let bad_token = credentials(Some("abc\r\nx-evil: 1"));
    let error = suite_signer(&bad_token).sign(&request, 0).unwrap_err();
    assert_eq!(error, SignError::InvalidSessionToken);
    // No error shows the secret, the token or a header value.
    for e in [
        error,
        sign_err(&get("/").header("X-Api-Key", "sk-secret\n")),
    ] {
        let shown = format!("{e} {e:?}");
        assert!(
            !shown.contains("abc") && !shown.contains("sk-secret") && !shown.contains(SECRET),
            "{shown}"
        );
    }
}

#[test]
fn unsigned_headers_are_left_out() {
    let credentials = credentials(None);
    let signer = suite_signer(&credentials);
    let plain = SignableRequest::new("GET", "example.amazonaws.com", "/");
    let base = signer.sign(&plain, SUITE_TIME).unwrap();
    for name in [
        "User-Agent",
        "expect",
        "Connection",
        "Keep-Alive",
        "Proxy-Authorization",
        "TE",
        "Trailer",
        "Transfer-Encoding",
        "Upgrade",
        "X-Amzn-Trace-Id",
        "traceparent",
        "tracestate",
        "baggage",
        "proxy-authenticate",
    ] {
        assert!(is_unsigned_header(name), "{name}");
        let with = signer
            .sign(&plain.clone().header(name, "x"), SUITE_TIME)
            .unwrap();
        assert_eq!(with, base, "{name}");
    }
    assert!(!is_unsigned_header("content-type"));
    assert!(!is_unsigned_header("amz-sdk-request"));
}

#[test]
fn from_url_splits_like_an_http_client() {
    let cases = [
        ("https://example.com", "example.com", "", ""),
        ("https://example.com/", "example.com", "/", ""),
        ("https://example.com:443/a", "example.com", "/a", ""),
        ("http://example.com:80/a", "example.com", "/a", ""),
        (
            "https://example.com:8443/a?b=1",
            "example.com:8443",
            "/a",
            "b=1",
        ),
        (
            "http://127.0.0.1:4566/model/x%3A0/invoke",
            "127.0.0.1:4566",
            "/model/x%3A0/invoke",
            "",
        ),
        ("http://example.com:443/", "example.com:443", "/", ""),
        ("HTTPS://Example.com/A", "Example.com", "/A", ""),
        (
            "https://user:pw@example.com/p#frag",
            "example.com",
            "/p",
            "",
        ),
        ("https://example.com?x=1#f", "example.com", "", "x=1"),
        ("https://[::1]:8080/p", "[::1]:8080", "/p", ""),
    ];
    for (url, host, path, query) in cases {
        let request = SignableRequest::from_url("GET", url).unwrap();
        assert_eq!(
            (request.host(), request.path(), request.query_str()),
            (host, path, query),
            "{url}"
        );
    }
    for url in [
        "ftp://example.com/",
        "example.com/",
        "https://",
        "https:///path",
        "https://user@/",
    ] {
        assert_eq!(
            SignableRequest::from_url("GET", url).unwrap_err(),
            SignError::InvalidUrl,
            "{url}"
        );
    }
    // An empty path is signed as `/`.
    let credentials = credentials(None);
    let a = suite_signer(&credentials)
        .sign(
            &SignableRequest::from_url("GET", "https://example.amazonaws.com").unwrap(),
            SUITE_TIME,
        )
        .unwrap();
    assert_eq!(a.authorization(), SUITE[0].authorization);
}

#[test]
fn debug_never_shows_the_token_or_header_values() {
    let credentials = credentials(Some("TOKEN-SECRET"));
    let request =
        SignableRequest::new("GET", "example.amazonaws.com", "/").header("x-api-key", "sk-HEADER");
    let signed = suite_signer(&credentials)
        .sign(&request, SUITE_TIME)
        .unwrap();
    let shown = format!("{signed:?} {request:?} {:?}", suite_signer(&credentials));
    assert!(!shown.contains("TOKEN-SECRET"), "{shown}");
    assert!(!shown.contains("sk-HEADER"), "{shown}");
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(shown.contains("x-amz-security-token"), "{shown}");
    assert!(shown.contains("x-api-key"), "{shown}");
}

/// The naive SigV4 URI encoding: a character at a time, unreserved ASCII kept, every byte of
/// anything else as `%XX`.
fn naive_uri_encode(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || "-._~".contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

proptest! {
    #[test]
    fn uri_encode_matches_the_naive_oracle(s in any::<String>()) {
        prop_assert_eq!(uri_encode(&s), naive_uri_encode(&s));
    }

    #[test]
    fn header_order_of_distinct_names_does_not_matter(
        values in proptest::collection::vec("[ -~\t]{0,12}", 1..6),
        seed in any::<u64>(),
    ) {
        let names = ["a-one", "b-two", "C-Three", "d-four", "E-five", "f-six"];
        let headers: Vec<(&str, &str)> = names.iter().copied().zip(values.iter().map(String::as_str)).collect();
        let mut shuffled = headers.clone();
        // A deterministic shuffle from the seed.
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let credentials = credentials(None);
        let signer = suite_signer(&credentials);
        let a = signer.sign(&SignableRequest::new("POST", "example.amazonaws.com", "/").headers(headers), SUITE_TIME).unwrap();
        let b = signer.sign(&SignableRequest::new("POST", "example.amazonaws.com", "/").headers(shuffled), SUITE_TIME).unwrap();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn any_input_signs_or_errs_without_panicking(
        method in "[A-Za-z \n]{0,6}",
        host in "[a-z0-9.:/ ]{0,12}",
        path in any::<String>(),
        query in any::<String>(),
        name in "[ -~]{0,8}",
        value in any::<String>(),
        token in proptest::option::of(any::<String>()),
        time in any::<u64>(),
        normalize in any::<bool>(),
        double in any::<bool>(),
    ) {
        let credentials = AwsCredentials { session_token: token.map(llm_sse_core::aws::AwsSecret::new), ..credentials(None) };
        let signer = suite_signer(&credentials).normalize_path(normalize).double_uri_encode(double);
        let request = SignableRequest::new(&method, &host, &path).query(&query).header(&name, &value);
        if let Ok(signed) = signer.sign(&request, time) {
            prop_assert_eq!(signed.signature().len(), 64);
            // The canonical request has exactly one line per header plus six.
            let header_lines = signed.canonical_request().lines().count();
            prop_assert!(header_lines >= 8);
        }
    }

    /// Normalizing is idempotent, and a normalized, encoded path never holds `//`, `/./` or
    /// `/../`.
    #[test]
    fn normalized_paths_are_normal(segments in proptest::collection::vec(prop_oneof!["", ".", "..", "[a-z%]{1,3}"], 0..8), trailing in any::<bool>()) {
        let mut path = String::from("/");
        path.push_str(&segments.join("/"));
        if trailing { path.push('/'); }
        let credentials = credentials(None);
        let signed = suite_signer(&credentials).sign(&SignableRequest::new("GET", "h", &path), 0).unwrap();
        let uri = signed.canonical_request().lines().nth(1).unwrap().to_string();
        prop_assert!(uri.starts_with('/'));
        prop_assert!(!uri.contains("//") && !uri.contains("/./") && !uri.contains("/../"), "{}", uri);
        prop_assert!(!uri.ends_with("/.") && !uri.ends_with("/.."), "{}", uri);
    }
}

/// Found by `tests/sdk/sigv4_botocore.py`: botocore treats an empty session token as none.
#[test]
fn an_empty_session_token_is_no_token() {
    let with_empty = credentials(Some(""));
    let without = credentials(None);
    let request = SignableRequest::new("GET", "example.amazonaws.com", "/");
    let a = suite_signer(&with_empty)
        .sign(&request, SUITE_TIME)
        .unwrap();
    let b = suite_signer(&without).sign(&request, SUITE_TIME).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.authorization(), SUITE[0].authorization);
    assert!(a.headers().all(|(name, _)| name != "x-amz-security-token"));
}

/// The request a server receives for `case`: its headers, then the signature's.
fn received<'a>(
    case: &'a Case,
    authorization: &'a str,
    extra: &'a [(&'a str, &'a str)],
) -> SignableRequest<'a> {
    SignableRequest::new(case.method, case.host, case.path)
        .query(case.query)
        .headers(case.headers.iter().copied())
        .headers(extra.iter().copied())
        .header("authorization", authorization)
        .payload(case.body.as_bytes())
}

#[test]
fn every_suite_signature_verifies_and_a_changed_byte_does_not() {
    use llm_sse_core::aws::sigv4::VerifyError;
    for case in SUITE {
        let credentials = credentials(case.session_token);
        let signer = Signer::new(&credentials, REGION, SERVICE)
            .normalize_path(case.normalize_path)
            .content_sha256_header(case.content_sha256_header);
        let request = SignableRequest::new(case.method, case.host, case.path)
            .query(case.query)
            .headers(case.headers.iter().copied())
            .payload(case.body.as_bytes());
        let signed = signer.sign(&request, SUITE_TIME).unwrap();
        let extra: Vec<(&str, &str)> = signed
            .headers()
            .filter(|(n, _)| *n != "authorization")
            .collect();
        let ok = received(case, case.authorization, &extra);
        assert_eq!(signer.verify(&ok, SUITE_TIME), Ok(()), "{}", case.name);
        assert_eq!(
            signer.verify(&ok, SUITE_TIME + 300),
            Ok(()),
            "{}",
            case.name
        );
        assert_eq!(
            signer.verify(&ok, SUITE_TIME - 300),
            Ok(()),
            "{}",
            case.name
        );
        // Another body, method or signature.
        let other_body = received(case, case.authorization, &extra).payload(b"x");
        assert_eq!(
            signer.verify(&other_body, SUITE_TIME),
            Err(VerifyError::SignatureMismatch),
            "{}",
            case.name
        );
        let mut flipped = String::from(case.authorization);
        let last = flipped.pop().unwrap();
        flipped.push(if last == '0' { '1' } else { '0' });
        assert_eq!(
            signer.verify(&received(case, &flipped, &extra), SUITE_TIME),
            Err(VerifyError::SignatureMismatch),
            "{}",
            case.name
        );
        let post = SignableRequest::new("PUT", case.host, case.path)
            .query(case.query)
            .headers(case.headers.iter().copied())
            .headers(extra.iter().copied())
            .header("authorization", case.authorization)
            .payload(case.body.as_bytes());
        assert_eq!(
            signer.verify(&post, SUITE_TIME),
            Err(VerifyError::SignatureMismatch)
        );
    }
}

#[test]
fn refused_signatures_get_aws_errors() {
    use llm_sse_core::aws::sigv4::VerifyError;
    let credentials = credentials(None);
    let signer = Signer::new(&credentials, "us-west-2", "bedrock");
    let sent = SignableRequest::new(
        "POST",
        "127.0.0.1:9",
        "/model/m%3A0/invoke-with-response-stream",
    )
    .header("content-type", "application/json")
    .header("accept", "application/vnd.amazon.eventstream")
    .payload(b"{}");
    let signed = signer.sign(&sent, SUITE_TIME).unwrap();
    let with = |extra: &[(&'static str, &str)]| -> Result<(), VerifyError> {
        let request = sent.clone().headers(extra.iter().copied());
        signer.verify(&request, SUITE_TIME)
    };
    let date = signed.amz_date();
    let auth = signed.authorization();
    assert_eq!(
        with(&[("x-amz-date", date), ("authorization", auth)]),
        Ok(())
    );
    // The header names as a client writes them.
    assert_eq!(
        with(&[("X-Amz-Date", date), ("Authorization", auth)]),
        Ok(())
    );

    type Case = (Vec<(&'static str, String)>, &'static str, &'static str);
    let cases: Vec<Case> = vec![
        (
            vec![("x-amz-date", date.into())],
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        ),
        (
            vec![
                ("x-amz-date", date.into()),
                ("authorization", "Bearer sk-1".into()),
            ],
            "IncompleteSignatureException",
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter.",
        ),
        (
            vec![("authorization", auth.into())],
            "IncompleteSignatureException",
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        ),
        (
            vec![
                ("x-amz-date", "2015-08-30T12:36:00Z".into()),
                ("authorization", auth.into()),
            ],
            "IncompleteSignatureException",
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
        ),
        (
            vec![
                ("x-amz-date", date.into()),
                ("authorization", auth.replace("AKIDEXAMPLE", "AKIDOTHER")),
            ],
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ),
        (
            vec![
                ("x-amz-date", date.into()),
                ("authorization", auth.into()),
                ("x-amz-security-token", "t".into()),
            ],
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ),
        (
            vec![
                ("x-amz-date", date.into()),
                ("authorization", auth.replace("us-west-2", "us-east-1")),
            ],
            "InvalidSignatureException",
            "Credential should be scoped to a valid region. ",
        ),
        (
            vec![
                ("x-amz-date", date.into()),
                ("authorization", auth.replace("/bedrock/", "/s3/")),
            ],
            "InvalidSignatureException",
            "Credential should be scoped to correct service: 'bedrock'. ",
        ),
        (
            vec![
                ("x-amz-date", date.into()),
                ("authorization", auth.replace("/20150830/", "/20150831/")),
            ],
            "InvalidSignatureException",
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150831' != '20150830', from 'X-Amz-Date'.",
        ),
        (
            vec![
                ("x-amz-date", date.into()),
                ("authorization", auth.replace("host;", "")),
            ],
            "InvalidSignatureException",
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ),
        (
            vec![
                ("x-amz-date", date.into()),
                ("authorization", auth.into()),
                ("content-type", "text/plain".into()),
            ],
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        ),
    ];
    for (headers, error_type, message) in cases {
        let headers: Vec<(&'static str, &str)> =
            headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let error = with(&headers).unwrap_err();
        assert_eq!(error.error_type(), error_type, "{headers:?}");
        assert_eq!(error.to_string(), message, "{headers:?}");
        assert_eq!(error.status(), 403);
        assert!(!error.to_string().contains(SECRET));
    }

    // More than 5 minutes off either way.
    let request = sent
        .clone()
        .header("x-amz-date", date)
        .header("authorization", auth);
    let late = signer.verify(&request, SUITE_TIME + 301).unwrap_err();
    assert_eq!(late.error_type(), "InvalidSignatureException");
    assert_eq!(
        late.to_string(),
        "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T124101Z - 5 min.)"
    );
    let early = signer.verify(&request, SUITE_TIME - 301).unwrap_err();
    assert_eq!(
        early.to_string(),
        "Signature not yet current: 20150830T123600Z is still later than 20150830T123559Z (20150830T123059Z + 5 min.)"
    );

    // A signer whose credentials carry a session token wants exactly that token.
    let with_token = credentials_with_token();
    let signer = Signer::new(&with_token, "us-west-2", "bedrock");
    let signed = signer.sign(&sent, SUITE_TIME).unwrap();
    let all: Vec<(&str, &str)> = signed.headers().collect();
    let request = sent.clone().headers(all);
    assert_eq!(signer.verify(&request, SUITE_TIME), Ok(()));
    let without: Vec<_> = signed
        .headers()
        .filter(|(n, _)| *n != "x-amz-security-token")
        .collect();
    assert_eq!(
        signer.verify(&sent.clone().headers(without), SUITE_TIME),
        Err(VerifyError::UnrecognizedClient)
    );
}

fn credentials_with_token() -> AwsCredentials {
    credentials(Some("IQoJb3JpZ2luX2VjEXAMPLETOKEN"))
}

proptest! {
    /// Whatever arrives, verifying answers (never panics), and only the signed request passes.
    #[test]
    fn verify_never_panics(
        method in "[A-Z]{1,7}",
        path in "/[ -~]{0,40}",
        query in "[ -~]{0,30}",
        authorization in "(AWS4-HMAC-SHA256 )?[ -~]{0,120}",
        date in "[0-9TZ]{0,17}",
        body in proptest::collection::vec(any::<u8>(), 0..64),
        now in any::<u64>(),
    ) {
        let credentials = credentials(None);
        let signer = Signer::new(&credentials, REGION, SERVICE);
        let request = SignableRequest::new(&method, "example.amazonaws.com", &path)
            .query(&query)
            .header("authorization", &authorization)
            .header("x-amz-date", &date)
            .payload(&body);
        let _ = signer.verify(&request, now);
    }
}
