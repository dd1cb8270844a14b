//! The binary starts as documented (`--listen ADDR --seed-data`), reports its address, and
//! answers the generated client.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_binary_serves_the_seeded_account() {
    let child = Command::new(env!("CARGO_BIN_EXE_pipedrive-mock"))
        .args(["--listen", "127.0.0.1:0", "--seed-data"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the binary starts");
    let mut child = Killed(child);
    let stdout = child.0.stdout.take().expect("stdout");
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first).expect("a line");
    let base = first
        .strip_prefix("pipedrive-mock listening on ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
        .to_owned();

    let client = pipedrive_client::Client::builder()
        .base_url(format!("{base}/v1"))
        .api_key(pipedrive_mock::ADMIN_API_TOKEN)
        .build()
        .expect("client");
    let orgs = client.get_organizations().send().await.expect("organizations");
    assert_eq!(orgs.data.as_ref().map(Vec::len), Some(5), "the seeded organizations");
    let oauth = pipedrive_client::Client::builder()
        .base_url(format!("{base}/v1"))
        .server_override("https://oauth.pipedrive.com", &base)
        .expect("a valid URL")
        .basic_authentication(pipedrive_mock::CLIENT_ID, pipedrive_mock::CLIENT_SECRET)
        .build()
        .expect("client");
    let tokens = oauth
        .get_tokens()
        .body(pipedrive_client::types::OauthRefreshTokenRequest {
            grant_type: Some("authorization_code".to_owned()),
            refresh_token: None,
        })
        .send()
        .await
        .expect("tokens");
    assert_eq!(tokens.api_domain.as_deref(), Some(base.as_str()), "the binary reports its own address");
}

#[test]
fn a_bad_listen_address_fails_with_a_message() {
    let output = Command::new(env!("CARGO_BIN_EXE_pipedrive-mock"))
        .args(["--listen", "not-an-address"])
        .output()
        .expect("the binary runs");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--listen"));
}
