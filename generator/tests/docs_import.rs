//! Tests of the endpoint-docs importer: snapshot tests over small fixtures (one per block shape,
//! one per malformed case), and a check of the real docs against a table written out by hand.

use std::path::{Path, PathBuf};

use generator::docs::import;
use generator::source::SourceFile;
use serde_json::Value;

/// A fixture is one docs file, or a folder of docs files imported together in name order.
fn load_fixture(fixture: &Path) -> Vec<SourceFile> {
    let fixtures_root = fixture.parent().unwrap_or(fixture);
    let mut paths: Vec<PathBuf> = if fixture.is_dir() {
        std::fs::read_dir(fixture).unwrap().map(|entry| entry.unwrap().path()).collect()
    } else {
        vec![fixture.to_path_buf()]
    };
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let display = path.strip_prefix(fixtures_root).unwrap().to_string_lossy().replace('\\', "/");
            SourceFile::new(display, std::fs::read_to_string(path).unwrap())
        })
        .collect()
}

fn to_crlf(files: &[SourceFile]) -> Vec<SourceFile> {
    files.iter().map(|file| SourceFile::new(file.path.clone(), file.text.replace('\n', "\r\n"))).collect()
}

#[test]
fn well_formed_fixtures_import() {
    insta::glob!("fixtures/docs/ok/*", |fixture| {
        let files = load_fixture(fixture);
        let document = import(&files).unwrap_or_else(|errors| panic!("{}: {errors}", fixture.display()));
        // CRLF line endings are accepted and mean the same as LF.
        assert_eq!(import(&to_crlf(&files)), Ok(document.clone()), "{} with CRLF endings", fixture.display());
        insta::assert_snapshot!(serde_yaml::to_string(&document).unwrap());
    });
}

#[test]
fn malformed_fixtures_are_rejected() {
    insta::glob!("fixtures/docs/err/*", |fixture| {
        let files = load_fixture(fixture);
        let errors = match import(&files) {
            Ok(document) => panic!("{} imported without error: {document:#}", fixture.display()),
            Err(errors) => errors,
        };
        insta::assert_snapshot!(errors.to_string());
    });
}

fn real_docs() -> SourceFile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/docs/pipedrive-v1.txt");
    SourceFile::new("spec/docs/pipedrive-v1.txt", std::fs::read_to_string(path).unwrap())
}

/// Every operation of spec/docs/pipedrive-v1.txt, in docs order, with its parameters
/// (`param name in required type`) and request body (`body media-type SchemaName`, then
/// `prop name type required`), as read from the docs independently of the importer.
const EXPECTED_REAL_DOCS: &str = "POST /meetings/userProviderLinks
  body application/json MeetingsLinkUserProviderRequest
    prop user_id integer required
    prop company_id integer required
    prop user_provider_id string required
    prop marketplace_client_id string required
DELETE /meetings/userProviderLinks/{id}
  param id path required string
GET /noteFields
GET /notes
  param user_id query optional integer
  param lead_id query optional string
  param deal_id query optional integer
  param person_id query optional integer
  param org_id query optional integer
  param start query optional integer
  param limit query optional integer
  param sort query optional string
  param start_date query optional string
  param end_date query optional string
  param pinned_to_lead_flag query optional number
  param pinned_to_deal_flag query optional number
  param pinned_to_organization_flag query optional number
  param pinned_to_person_flag query optional number
POST /notes
  body application/json NotesCreateNoteRequest
    prop org_id integer optional
    prop content string required
    prop deal_id integer optional
    prop lead_id string optional
    prop person_id integer optional
    prop user_id integer optional
    prop add_time string optional
    prop pinned_to_deal_flag number optional
    prop pinned_to_lead_flag number optional
    prop pinned_to_person_flag number optional
    prop pinned_to_organization_flag number optional
DELETE /notes/{id}
  param id path required integer
GET /notes/{id}
  param id path required integer
PUT /notes/{id}
  param id path required integer
  body application/json NotesUpdateNoteRequest
    prop content string optional
    prop org_id integer optional
    prop deal_id integer optional
    prop lead_id string optional
    prop person_id integer optional
    prop user_id integer optional
    prop add_time string optional
    prop pinned_to_deal_flag number optional
    prop pinned_to_lead_flag number optional
    prop pinned_to_person_flag number optional
    prop pinned_to_organization_flag number optional
GET /notes/{id}/comments
  param id path required integer
  param start query optional integer
  param limit query optional integer
POST /notes/{id}/comments
  param id path required integer
  body application/json NotesAddNewCommentRequest
    prop content string required
DELETE /notes/{id}/comments/{commentId}
  param id path required integer
  param commentId path required string
GET /notes/{id}/comments/{commentId}
  param id path required integer
  param commentId path required string
PUT /notes/{id}/comments/{commentId}
  param id path required integer
  param commentId path required string
  body application/json NotesUpdateCommentRequest
    prop content string required
GET /oauth/authorize
  param client_id query required string
  param redirect_uri query required string
  param state query optional string
POST /oauth/token
  body application/x-www-form-urlencoded OauthRefreshTokenRequest
    prop grant_type string optional
    prop refresh_token string optional
DELETE /organizationFields
  param ids query required string
GET /organizationFields
  param start query optional integer
  param limit query optional integer
POST /organizationFields
  body application/json OrganizationFieldsAddNewFieldRequest
    prop name string required
    prop options array optional
    prop add_visible_flag boolean optional
    prop field_type string required
DELETE /organizationFields/{id}
  param id path required integer
GET /organizationFields/{id}
  param id path required integer
PUT /organizationFields/{id}
  param id path required integer
  body application/json OrganizationFieldsUpdateFieldRequest
    prop name string optional
    prop options array optional
    prop add_visible_flag boolean optional
GET /organizationRelationships
  param org_id query required integer
POST /organizationRelationships
  body application/json OrganizationRelationshipsCreateNewRelationshipRequest
    prop type string required
    prop org_id integer optional
    prop rel_owner_org_id integer required
    prop rel_linked_org_id integer required
DELETE /organizationRelationships/{id}
  param id path required integer
GET /organizationRelationships/{id}
  param id path required integer
  param org_id query optional integer
PUT /organizationRelationships/{id}
  param id path required integer
  body application/json OrganizationRelationshipsUpdateAndReturnRequest
    prop type string optional
    prop org_id integer optional
    prop rel_owner_org_id integer optional
    prop rel_linked_org_id integer optional
DELETE /organizations
  param ids query required string
GET /organizations
  param user_id query optional integer
  param filter_id query optional integer
  param first_char query optional string
  param start query optional integer
  param limit query optional integer
  param sort query optional string
POST /organizations
  body application/json OrganizationsAddNewOrganizationRequest
    prop name string required
    prop add_time string optional
    prop label integer optional
    prop owner_id integer optional
    prop visible_to string optional
GET /organizations/collection
  param cursor query optional string
  param limit query optional integer
  param since query optional string
  param until query optional string
  param owner_id query optional integer
  param first_char query optional string
GET /organizations/search
  param term query required string
  param fields query optional string
  param exact_match query optional boolean
  param start query optional integer
  param limit query optional integer
DELETE /organizations/{id}
  param id path required integer
GET /organizations/{id}
  param id path required integer
PUT /organizations/{id}
  param id path required integer
  body application/json OrganizationsUpdatePropertiesRequest
    prop name string optional
    prop label integer optional
    prop owner_id integer optional
    prop visible_to string optional
GET /organizations/{id}/activities
  param id path required integer
  param start query optional integer
  param limit query optional integer
  param done query optional number
  param exclude query optional string
GET /organizations/{id}/changelog
  param id path required integer
  param cursor query optional string
  param limit query optional integer
GET /organizations/{id}/deals
  param id path required integer
  param start query optional integer
  param limit query optional integer
  param status query optional string
  param sort query optional string
  param only_primary_association query optional number
GET /organizations/{id}/files
  param id path required integer
  param start query optional integer
  param limit query optional integer
  param sort query optional string
GET /organizations/{id}/flow
  param id path required integer
  param start query optional integer
  param limit query optional integer
  param all_changes query optional string
  param items query optional string
GET /organizations/{id}/followers
  param id path required integer
POST /organizations/{id}/followers
  param id path required integer
  body application/json OrganizationsAddFollowerRequest
    prop user_id integer required
DELETE /organizations/{id}/followers/{follower_id}
  param id path required integer
  param follower_id path required integer
GET /organizations/{id}/mailMessages
  param id path required integer
  param start query optional integer
  param limit query optional integer
PUT /organizations/{id}/merge
  param id path required integer
  body application/json OrganizationsMergeTwoRequest
    prop merge_with_id integer required
GET /organizations/{id}/permittedUsers
  param id path required integer
GET /organizations/{id}/persons
  param id path required integer
  param start query optional integer
  param limit query optional integer
GET /permissionSets
  param app query optional string
GET /permissionSets/{id}
  param id path required string
GET /permissionSets/{id}/assignments
  param id path required string
  param start query optional integer
  param limit query optional integer
DELETE /personFields
  param ids query required string
";

/// Writes the imported document in the form of [`EXPECTED_REAL_DOCS`].
fn summarize(document: &Value) -> String {
    let mut summary = String::new();
    let schemas = &document["components"]["schemas"];
    for (path, path_item) in document["paths"].as_object().unwrap() {
        for (method, operation) in path_item.as_object().unwrap() {
            summary += &format!("{} {path}\n", method.to_uppercase());
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let required = if parameter["required"] == Value::Bool(true) { "required" } else { "optional" };
                summary += &format!(
                    "  param {} {} {required} {}\n",
                    parameter["name"].as_str().unwrap(),
                    parameter["in"].as_str().unwrap(),
                    parameter["schema"]["type"].as_str().unwrap()
                );
            }
            for (media_type, content) in operation["requestBody"]["content"].as_object().into_iter().flatten() {
                let reference = content["schema"]["$ref"].as_str().unwrap();
                let schema_name = reference.strip_prefix("#/components/schemas/").unwrap();
                summary += &format!("  body {media_type} {schema_name}\n");
                let schema = &schemas[schema_name];
                let required_names = schema["required"].as_array().cloned().unwrap_or_default();
                for (name, property) in schema["properties"].as_object().unwrap() {
                    let required =
                        if required_names.contains(&Value::from(name.as_str())) { "required" } else { "optional" };
                    summary += &format!("    prop {name} {} {required}\n", property["type"].as_str().unwrap());
                }
            }
        }
    }
    summary
}

#[test]
fn real_docs_import_every_operation_parameter_and_property() {
    let document = import(&[real_docs()]).unwrap_or_else(|errors| panic!("{errors}"));
    let operation_count: usize =
        document["paths"].as_object().unwrap().values().map(|item| item.as_object().unwrap().len()).sum();
    assert_eq!(operation_count, 50);
    // The docs list blocks of one path together, so path-item order is docs order.
    assert_eq!(summarize(&document), EXPECTED_REAL_DOCS);
    assert_eq!(document["openapi"], "3.0.3");
}

#[test]
fn real_docs_keep_what_the_docs_say() {
    let document = import(&[real_docs()]).unwrap_or_else(|errors| panic!("{errors}"));
    let persons = &document["paths"]["/organizations/{id}/persons"]["get"];
    assert_eq!(
        persons["description"],
        "Lists persons associated with an organization.\nIf a company uses the Campaigns product, then this endpoint will also return the data.marketing_status field."
    );
    let token_body = &document["paths"]["/oauth/token"]["post"]["requestBody"]["content"];
    assert_eq!(token_body.as_object().unwrap().keys().collect::<Vec<_>>(), ["application/x-www-form-urlencoded"]);
    assert_eq!(
        token_body["application/x-www-form-urlencoded"]["schema"]["$ref"],
        "#/components/schemas/OauthRefreshTokenRequest"
    );
    // Descriptions the docs cut short stay cut short.
    let sort = &document["paths"]["/notes"]["get"]["parameters"][7];
    assert_eq!(sort["name"], "sort");
    assert_eq!(sort["description"], "The field names and sorting mode separated by a comma (");
    // Response lines wait, in order, for the overlay to give them status codes.
    let assignments = &document["paths"]["/permissionSets/{id}/assignments"]["get"];
    assert_eq!(
        assignments["x-docs-responses"],
        serde_json::json!([
            "The assignments of a specific user ID",
            "If the user ID has no assignments, then it will return NotFound"
        ])
    );
    assert_eq!(assignments["responses"], serde_json::json!({}));
    let untyped_array =
        &document["components"]["schemas"]["OrganizationFieldsAddNewFieldRequest"]["properties"]["options"];
    assert_eq!(*untyped_array, serde_json::json!({"type": "array", "items": {}}));
    assert_eq!(import(&to_crlf(&[real_docs()])), Ok(document));
}

/// Damaged copies of the real docs (cut after any line, or missing any one line) give a
/// document or errors, never a panic.
#[test]
fn damaged_real_docs_never_panic() {
    let docs = real_docs();
    let lines: Vec<&str> = docs.text.split('\n').collect();
    for cut in 0..=lines.len() {
        let _ = import(&[SourceFile::new("cut.txt", lines[..cut].join("\n"))]);
        let mut without_one = lines.clone();
        if cut < lines.len() {
            without_one.remove(cut);
            let _ = import(&[SourceFile::new("without.txt", without_one.join("\n"))]);
        }
    }
    for byte in (0..docs.text.len()).step_by(7).filter(|index| docs.text.is_char_boundary(*index)) {
        let _ = import(&[SourceFile::new("truncated.txt", &docs.text[..byte])]);
    }
}
