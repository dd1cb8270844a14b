//! Every one of the 50 operations, called through the generated client against the mock on
//! loopback, with its result asserted. Each test names the operation ids it covers; the
//! `every_operation_is_covered` test checks that the union is the spec's 50.

mod common;

use std::collections::BTreeSet;

use pipedrive_client::types::{self as t, support::Flag};
use pipedrive_client::Error;
use pipedrive_mock::{Mock, ADMIN_USER_ID, REGULAR_USER_ID, THIRD_USER_ID};
use serde_json::json;

const NOTES_OPS: &[&str] = &[
    "getNoteFields",
    "getNotes",
    "addNote",
    "getNote",
    "updateNote",
    "deleteNote",
    "getNoteComments",
    "addNoteComment",
    "getComment",
    "updateCommentForNote",
    "deleteComment",
];
const FIELD_OPS: &[&str] = &[
    "getOrganizationFields",
    "addOrganizationField",
    "deleteOrganizationFields",
    "getOrganizationField",
    "updateOrganizationField",
    "deleteOrganizationField",
    "deletePersonFields",
];
const ORG_OPS: &[&str] = &[
    "getOrganizations",
    "addOrganization",
    "deleteOrganizations",
    "getOrganizationsCollection",
    "searchOrganization",
    "getOrganization",
    "updateOrganization",
    "deleteOrganization",
    "getOrganizationChangelog",
    "getOrganizationUpdates",
];
const ORG_RELATED_OPS: &[&str] = &[
    "getOrganizationActivities",
    "getOrganizationDeals",
    "getOrganizationFiles",
    "getOrganizationFollowers",
    "addOrganizationFollower",
    "deleteOrganizationFollower",
    "getOrganizationMailMessages",
    "mergeOrganizations",
    "getOrganizationUsers",
    "getOrganizationPersons",
];
const RELATIONSHIP_OPS: &[&str] = &[
    "getOrganizationRelationships",
    "addOrganizationRelationship",
    "getOrganizationRelationship",
    "updateOrganizationRelationship",
    "deleteOrganizationRelationship",
];
const PERMISSION_OPS: &[&str] = &["getPermissionSets", "getPermissionSet", "getPermissionSetAssignments"];
const MEETING_OPS: &[&str] = &["saveUserProviderLink", "deleteUserProviderLink"];
/// Covered in `oauth.rs`.
const OAUTH_OPS: &[&str] = &["authorize", "get-tokens"];

#[test]
fn every_operation_is_covered() {
    let spec = include_str!("../../../spec/pipedrive-v1.yaml");
    let in_spec: BTreeSet<&str> =
        spec.lines().filter_map(|line| line.trim().strip_prefix("operationId: ")).map(str::trim).collect();
    let covered: BTreeSet<&str> =
        [NOTES_OPS, FIELD_OPS, ORG_OPS, ORG_RELATED_OPS, RELATIONSHIP_OPS, PERMISSION_OPS, MEETING_OPS, OAUTH_OPS]
            .concat()
            .into_iter()
            .collect();
    assert_eq!(in_spec.len(), 50, "the spec has 50 operations");
    assert_eq!(covered, in_spec);
}

fn note(content: &str, org_id: Option<i64>) -> t::NotesCreateNoteRequest {
    t::NotesCreateNoteRequest { content: content.to_owned(), org_id, ..Default::default() }
}

async fn add_org(client: &pipedrive_client::Client, name: &str) -> i64 {
    let body = t::OrganizationsAddNewOrganizationRequest { name: name.to_owned(), ..Default::default() };
    let created = client.add_organization(body).send().await.expect("organization added");
    created.data.and_then(|org| org.id).expect("an id")
}

#[tokio::test]
async fn notes_and_comments() {
    let running = common::spawn(Mock::new()).await;
    let client = running.admin();

    let fields = client.get_note_fields().send().await.expect("note fields");
    let keys: Vec<String> =
        fields.data.as_ref().map(|data| data.iter().filter_map(|f| f.key.clone()).collect()).unwrap_or_default();
    assert!(keys.contains(&"content".to_owned()) && keys.contains(&"pinned_to_deal_flag".to_owned()), "{keys:?}");

    let org = add_org(&client, "Notes Org").await;
    let first = client
        .add_note(t::NotesCreateNoteRequest {
            pinned_to_organization_flag: Some(Flag::ON),
            add_time: Some("2024-01-10 09:00:00".to_owned()),
            ..note("Zebra call", Some(org))
        })
        .send()
        .await
        .expect("note added")
        .data
        .expect("note data");
    assert_eq!(first.content.as_deref(), Some("Zebra call"));
    assert_eq!(first.org_id, Some(org));
    assert_eq!(first.organization.and_then(|o| o.name).as_deref(), Some("Notes Org"));
    assert_eq!(first.pinned_to_organization_flag, Some(true));
    assert_eq!(first.user_id, Some(ADMIN_USER_ID));
    assert_eq!(first.add_time.as_deref(), Some("2024-01-10 09:00:00"));
    let first_id = first.id.expect("id");

    let second = client
        .add_note(t::NotesCreateNoteRequest {
            user_id: Some(REGULAR_USER_ID),
            deal_id: Some(77),
            add_time: Some("2024-03-01 10:00:00".to_owned()),
            ..note("Apple meeting", None)
        })
        .send()
        .await
        .expect("note added")
        .data
        .expect("data");
    let second_id = second.id.expect("id");

    // Filters.
    let by_org = client.get_notes().org_id(org).send().await.expect("notes");
    let ids: Vec<i64> = by_org.data.as_ref().map(|d| d.iter().filter_map(|n| n.id).collect()).unwrap_or_default();
    assert_eq!(ids, vec![first_id]);
    let by_user = client.get_notes().user_id(REGULAR_USER_ID).send().await.expect("notes");
    assert_eq!(by_user.data.as_ref().map(Vec::len), Some(1));
    let by_deal = client.get_notes().deal_id(77).send().await.expect("notes");
    assert_eq!(by_deal.data.as_ref().and_then(|d| d.first()).and_then(|n| n.id), Some(second_id));
    let pinned = client.get_notes().pinned_to_organization_flag(Flag::ON).send().await.expect("notes");
    assert_eq!(pinned.data.as_ref().map(|d| d.iter().filter_map(|n| n.id).collect::<Vec<_>>()), Some(vec![first_id]));
    let unpinned = client.get_notes().pinned_to_organization_flag(Flag::OFF).send().await.expect("notes");
    assert_eq!(
        unpinned.data.as_ref().map(|d| d.iter().filter_map(|n| n.id).collect::<Vec<_>>()),
        Some(vec![second_id])
    );
    let dated = client
        .get_notes()
        .start_date("2024-02-01".parse().expect("date"))
        .end_date("2024-03-31".parse().expect("date"))
        .send()
        .await
        .expect("notes");
    assert_eq!(dated.data.as_ref().map(|d| d.iter().filter_map(|n| n.id).collect::<Vec<_>>()), Some(vec![second_id]));
    // Sort.
    let sorted = client.get_notes().sort("content ASC").send().await.expect("notes");
    let contents: Vec<String> =
        sorted.data.as_ref().map(|d| d.iter().filter_map(|n| n.content.clone()).collect()).unwrap_or_default();
    assert_eq!(contents, vec!["Apple meeting".to_owned(), "Zebra call".to_owned()]);
    let sorted = client.get_notes().sort("add_time DESC").send().await.expect("notes");
    assert_eq!(sorted.data.as_ref().and_then(|d| d.first()).and_then(|n| n.id), Some(second_id));
    let page = client.get_notes().limit(1).send().await.expect("notes");
    let pagination = page.additional_data.and_then(|a| a.pagination).expect("pagination");
    assert_eq!((pagination.more_items_in_collection, pagination.next_start), (Some(true), Some(1)));

    // One note, update.
    let fetched = client.get_note(first_id).send().await.expect("note").data.expect("data");
    assert_eq!(fetched.content.as_deref(), Some("Zebra call"));
    let updated = client
        .update_note(first_id)
        .body(t::NotesUpdateNoteRequest {
            content: Some("Zebra call, rescheduled".to_owned()),
            pinned_to_organization_flag: Some(Flag::OFF),
            ..Default::default()
        })
        .send()
        .await
        .expect("updated")
        .data
        .expect("data");
    assert_eq!(updated.content.as_deref(), Some("Zebra call, rescheduled"));
    assert_eq!(updated.pinned_to_organization_flag, Some(false));
    assert_eq!(updated.last_update_user_id, Some(ADMIN_USER_ID));

    // Comments.
    let comment = client
        .add_note_comment(first_id, t::NotesAddNewCommentRequest { content: "First!".to_owned() })
        .send()
        .await
        .expect("comment")
        .data
        .expect("data");
    let comment_id = comment.uuid.expect("uuid");
    assert_eq!(comment.object_id, Some(first_id.to_string()));
    assert_eq!(comment.object_type.as_deref(), Some("note"));
    client
        .add_note_comment(first_id, t::NotesAddNewCommentRequest { content: "Second".to_owned() })
        .send()
        .await
        .expect("comment");
    let comments = client.get_note_comments(first_id).send().await.expect("comments");
    assert_eq!(comments.data.as_ref().map(Vec::len), Some(2));
    let got = client.get_comment(first_id, comment_id).send().await.expect("comment").data.expect("data");
    assert_eq!(got.content.as_deref(), Some("First!"));
    let changed = client
        .update_comment_for_note(first_id, comment_id, t::NotesUpdateCommentRequest { content: "Edited".to_owned() })
        .send()
        .await
        .expect("updated")
        .data
        .expect("data");
    assert_eq!(changed.content.as_deref(), Some("Edited"));
    assert_eq!(changed.updater_id, Some(ADMIN_USER_ID));
    // Only the author (or an admin) may change a comment.
    let regular = running.client(pipedrive_mock::USER_API_TOKEN);
    let refused = regular
        .update_comment_for_note(first_id, comment_id, t::NotesUpdateCommentRequest { content: "Mine".to_owned() })
        .send()
        .await;
    assert_eq!(common::status_of(&refused), Some(403), "{refused:?}");
    let deleted = client.delete_comment(first_id, comment_id).send().await.expect("deleted");
    assert_eq!(deleted.data, Some(true));
    let gone = client.get_comment(first_id, comment_id).send().await;
    assert_eq!(common::status_of(&gone), Some(404), "{gone:?}");

    // Delete the note: it and its comments are gone.
    assert_eq!(client.delete_note(first_id).send().await.expect("deleted").data, Some(true));
    let gone = client.get_note(first_id).send().await;
    assert_eq!(common::status_of(&gone), Some(404), "{gone:?}");
    let gone = client.get_note_comments(first_id).send().await;
    assert_eq!(common::status_of(&gone), Some(404), "{gone:?}");
}

#[tokio::test]
async fn organization_fields_and_person_fields() {
    let running = common::spawn(Mock::new()).await;
    let client = running.admin();
    let system = client.get_organization_fields().send().await.expect("fields");
    let system_count = system.data.as_ref().map(Vec::len).unwrap_or_default();
    assert!(system_count >= 5, "system fields are seeded");
    assert_eq!(system.additional_data.and_then(|a| a.more_items_in_collection), Some(false));

    let added = client
        .add_organization_field(t::OrganizationFieldsAddNewFieldRequest {
            name: "Tier".to_owned(),
            field_type: t::OrganizationFieldsAddNewFieldRequestFieldType::Enum,
            options: Some(vec![json!({"label": "Gold"}), json!({"label": "Silver"})]),
            add_visible_flag: None,
        })
        .send()
        .await
        .expect("field added")
        .data
        .expect("data");
    let field_id = added.id.expect("id");
    let key = added.key.clone().expect("key");
    assert_eq!(key.len(), 40, "custom field keys are 40-hex hashes");
    assert_eq!(added.field_type, Some(t::FieldType::Enum));
    let labels: Vec<_> =
        added.options.as_ref().map(|o| o.iter().filter_map(|o| o.get("label").cloned()).collect()).unwrap_or_default();
    assert_eq!(labels, vec![json!("Gold"), json!("Silver")]);

    let fetched = client.get_organization_field(field_id).send().await.expect("field").data.expect("data");
    assert_eq!(fetched.name.as_deref(), Some("Tier"));
    let renamed = client
        .update_organization_field(field_id)
        .body(t::OrganizationFieldsUpdateFieldRequest { name: Some("Customer tier".to_owned()), ..Default::default() })
        .send()
        .await
        .expect("updated")
        .data
        .expect("data");
    assert_eq!(renamed.name.as_deref(), Some("Customer tier"));
    assert_eq!(renamed.key.as_deref(), Some(key.as_str()));

    let deleted = client.delete_organization_field(field_id).send().await.expect("deleted");
    assert_eq!(deleted.data.and_then(|d| d.id), Some(field_id));
    let gone = client.get_organization_field(field_id).send().await;
    assert_eq!(common::status_of(&gone), Some(404), "{gone:?}");

    // Bulk delete: custom fields go, unknown ids are skipped, system fields refuse.
    let mut ids = Vec::new();
    for name in ["A", "B", "C"] {
        let field = client
            .add_organization_field(t::OrganizationFieldsAddNewFieldRequest {
                name: name.to_owned(),
                field_type: t::OrganizationFieldsAddNewFieldRequestFieldType::Varchar,
                options: None,
                add_visible_flag: None,
            })
            .send()
            .await
            .expect("added");
        ids.push(field.data.and_then(|f| f.id).expect("id"));
    }
    let bulk = client.delete_organization_fields(format!("{},{},999999", ids[0], ids[1])).send().await.expect("bulk");
    assert_eq!(bulk.data.and_then(|d| d.id), Some(vec![ids[0], ids[1]]));
    let left = client.get_organization_fields().send().await.expect("fields");
    assert_eq!(left.data.as_ref().map(Vec::len), Some(system_count + 1));
    let refused = client.delete_organization_fields("1".to_owned()).send().await;
    assert_eq!(common::status_of(&refused), Some(403), "{refused:?}");

    let persons = client.delete_person_fields("101,102".to_owned()).send().await.expect("person fields");
    assert_eq!(persons.data.and_then(|d| d.id), Some(vec![101, 102]));
    let again = client.delete_person_fields("101,103".to_owned()).send().await.expect("person fields");
    assert_eq!(again.data.and_then(|d| d.id), Some(vec![103]), "already deleted fields are not deleted twice");
    let bad = client.delete_person_fields("one,two".to_owned()).send().await;
    assert_eq!(common::status_of(&bad), Some(400), "{bad:?}");
}

#[tokio::test]
async fn organizations_custom_fields_changelog_flow_and_soft_delete() {
    let running = common::spawn(Mock::new()).await;
    let client = running.admin();
    let field = client
        .add_organization_field(t::OrganizationFieldsAddNewFieldRequest {
            name: "Industry".to_owned(),
            field_type: t::OrganizationFieldsAddNewFieldRequestFieldType::Varchar,
            options: None,
            add_visible_flag: None,
        })
        .send()
        .await
        .expect("field")
        .data
        .expect("data");
    let key = field.key.expect("key");

    let mut body = t::OrganizationsAddNewOrganizationRequest {
        name: "Acme".to_owned(),
        label: Some(5),
        visible_to: Some(t::OrganizationsAddNewOrganizationRequestVisibleTo::V3),
        ..Default::default()
    };
    body.extra.insert(key.clone(), json!("Rockets"));
    body.extra.insert("not_a_field".to_owned(), json!("ignored"));
    let created = client.add_organization(body).send().await.expect("created");
    let details = created.data.expect("data");
    let id = details.id.expect("id");
    assert_eq!(details.name.as_deref(), Some("Acme"));
    assert_eq!(details.extra.get(&key), Some(&json!("Rockets")), "custom field values are stored and returned");
    assert!(!details.extra.contains_key("not_a_field"), "unknown keys are not stored");
    assert_eq!(details.owner_id.as_ref().and_then(|o| o.id), Some(ADMIN_USER_ID));
    let followers = created.additional_data.and_then(|a| a.followers).expect("followers");
    assert!(followers.contains_key(&ADMIN_USER_ID.to_string()), "the owner follows the new organization");

    let fetched = client.get_organization(id).send().await.expect("org").data.expect("data");
    assert_eq!(fetched.extra.get(&key), Some(&json!("Rockets")));
    assert_eq!(fetched.label, Some(5));

    let mut update = t::OrganizationsUpdatePropertiesRequest {
        name: Some("Acme Inc".to_owned()),
        owner_id: Some(REGULAR_USER_ID),
        ..Default::default()
    };
    update.extra.insert(key.clone(), json!("Anvils"));
    let updated = client.update_organization(id).body(update).send().await.expect("updated").data.expect("data");
    assert_eq!(updated.name.as_deref(), Some("Acme Inc"));
    assert_eq!(updated.owner_id.and_then(|o| o.id), Some(REGULAR_USER_ID));
    assert_eq!(updated.extra.get(&key), Some(&json!("Anvils")));

    let changelog = client.get_organization_changelog(id).send().await.expect("changelog");
    let changes: Vec<(Option<String>, Option<String>, Option<String>)> = changelog
        .data
        .as_ref()
        .map(|d| {
            d.iter()
                .map(|c| (c.field_key.clone(), c.old_value.as_ref().cloned(), c.new_value.as_ref().cloned()))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(changes.len(), 3, "{changes:?}");
    assert!(changes.contains(&(Some("name".to_owned()), Some("Acme".to_owned()), Some("Acme Inc".to_owned()))));
    assert!(changes.contains(&(Some(key.clone()), Some("Rockets".to_owned()), Some("Anvils".to_owned()))));
    assert!(changelog.data.as_ref().is_some_and(|d| d.iter().all(|c| c.actor_user_id == Some(ADMIN_USER_ID))));

    client.add_note(note("About Acme", Some(id))).send().await.expect("note");
    let flow = client.get_organization_updates(id).send().await.expect("flow");
    let objects: Vec<String> =
        flow.data.as_ref().map(|d| d.iter().filter_map(|f| f.object.clone()).collect()).unwrap_or_default();
    assert_eq!(objects.first().map(String::as_str), Some("note"), "newest first: {objects:?}");
    assert_eq!(objects.iter().filter(|o| *o == "change").count(), 2, "custom field changes only with all_changes=1");
    let all = client.get_organization_updates(id).all_changes("1").send().await.expect("flow");
    assert_eq!(all.data.as_ref().map(|d| d.iter().filter(|f| f.object.as_deref() == Some("change")).count()), Some(3));
    let notes_only = client.get_organization_updates(id).items("note").send().await.expect("flow");
    assert_eq!(notes_only.data.as_ref().map(Vec::len), Some(1));

    // Listing, first_char, owner filter, sort, search.
    let beta = add_org(&client, "Beta Corp").await;
    let gamma = add_org(&client, "acme labs").await;
    let listed = client.get_organizations().first_char("a").sort("name DESC").send().await.expect("orgs");
    let names: Vec<String> =
        listed.data.as_ref().map(|d| d.iter().filter_map(|o| o.name.clone()).collect()).unwrap_or_default();
    assert_eq!(names, vec!["acme labs".to_owned(), "Acme Inc".to_owned()]);
    let owned = client.get_organizations().user_id(REGULAR_USER_ID).send().await.expect("orgs");
    assert_eq!(owned.data.as_ref().map(|d| d.iter().filter_map(|o| o.id).collect::<Vec<_>>()), Some(vec![id]));

    let search = client.search_organization("acme".to_owned()).send().await.expect("search");
    let found: Vec<i64> = search
        .data
        .and_then(|d| d.items)
        .map(|items| items.iter().filter_map(|i| i.item.as_ref().and_then(|i| i.id)).collect())
        .unwrap_or_default();
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.contains(&id) && found.contains(&gamma));
    let exact = client.search_organization("ACME LABS".to_owned()).exact_match(true).send().await.expect("search");
    let found: Vec<i64> = exact
        .data
        .and_then(|d| d.items)
        .map(|items| items.iter().filter_map(|i| i.item.as_ref().and_then(|i| i.id)).collect())
        .unwrap_or_default();
    assert_eq!(found, vec![gamma]);
    let by_custom =
        client.search_organization("anvil".to_owned()).fields("custom_fields".to_owned()).send().await.expect("search");
    let items = by_custom.data.and_then(|d| d.items).unwrap_or_default();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].item.as_ref().and_then(|i| i.custom_fields.clone()), Some(vec!["Anvils".to_owned()]));
    let too_short = client.search_organization("a".to_owned()).send().await;
    assert_eq!(common::status_of(&too_short), Some(400), "{too_short:?}");

    // The collection (admin), with since/until.
    let collection = client.get_organizations_collection().send().await.expect("collection");
    assert_eq!(collection.data.as_ref().map(Vec::len), Some(3));
    assert_eq!(collection.additional_data.and_then(|a| a.next_cursor.as_ref().cloned()), None);
    let future =
        client.get_organizations_collection().since("2999-01-01 00:00:00".to_owned()).send().await.expect("collection");
    assert_eq!(future.data.as_ref().map(Vec::len), Some(0));
    let past = client
        .get_organizations_collection()
        .until("2000-01-01T00:00:00Z".to_owned())
        .send()
        .await
        .expect("collection");
    assert_eq!(past.data.as_ref().map(Vec::len), Some(0));
    let window = client
        .get_organizations_collection()
        .since("2000-01-01 00:00:00".to_owned())
        .until("2999-01-01 00:00:00".to_owned())
        .owner_id(REGULAR_USER_ID)
        .send()
        .await
        .expect("collection");
    assert_eq!(window.data.as_ref().map(|d| d.iter().filter_map(|o| o.id).collect::<Vec<_>>()), Some(vec![id]));

    // Soft delete: gone from lists, still readable with active_flag false.
    let deleted = client.delete_organization(beta).send().await.expect("deleted");
    assert_eq!(deleted.data.and_then(|d| d.id), Some(beta));
    let soft = client.get_organization(beta).send().await.expect("still readable").data.expect("data");
    assert_eq!(soft.active_flag, Some(false));
    let again = client.delete_organization(beta).send().await;
    assert_eq!(common::status_of(&again), Some(404), "{again:?}");
    let bulk = client.delete_organizations(format!("{id},{gamma},{beta}")).send().await.expect("bulk");
    assert_eq!(bulk.data.and_then(|d| d.id), Some(vec![id as f64, gamma as f64]));
    let listed = client.get_organizations().send().await.expect("orgs");
    assert_eq!(listed.data.as_ref().map(Vec::len), Some(0));
    let missing = client.get_organization(123_456).send().await;
    assert_eq!(common::status_of(&missing), Some(404), "{missing:?}");
}

#[tokio::test]
async fn related_items_followers_merge_and_permitted_users() {
    let running = common::spawn(Mock::new().with_seed_data()).await;
    let client = running.admin();
    let orgs = client.get_organizations().send().await.expect("orgs").data.as_ref().cloned().unwrap_or_default();
    assert_eq!(orgs.len(), 5, "seeded organizations");
    let (keep, gone) = (orgs[0].id.expect("id"), orgs[1].id.expect("id"));

    let activities = client.get_organization_activities(keep).send().await.expect("activities");
    assert_eq!(activities.data.as_ref().map(Vec::len), Some(3));
    let distribution = activities.additional_data.and_then(|a| a.activity_distribution).expect("distribution");
    let total: i64 = distribution.values().filter_map(|d| d.activity_count).sum();
    assert_eq!(total, 3);
    let done = client.get_organization_activities(keep).done(Flag::ON).send().await.expect("activities");
    assert!(done.data.as_ref().is_some_and(|d| !d.is_empty() && d.iter().all(|a| a.done == Some(true))));
    let first_activity = activities.data.as_ref().and_then(|d| d.first()).and_then(|a| a.id).expect("id");
    let excluded =
        client.get_organization_activities(keep).exclude(first_activity.to_string()).send().await.expect("activities");
    assert_eq!(excluded.data.as_ref().map(Vec::len), Some(2));

    let deals = client.get_organization_deals(keep).send().await.expect("deals");
    assert_eq!(deals.data.as_ref().map(Vec::len), Some(3));
    let won =
        client.get_organization_deals(keep).status(t::GetOrganizationDealsStatus::Won).send().await.expect("deals");
    assert!(won.data.as_ref().is_some_and(|d| d.len() == 1 && d[0].status.as_deref() == Some("won")));
    assert_eq!(won.data.as_ref().and_then(|d| d[0].org_id.as_ref()).and_then(|o| o.value), Some(keep));
    let by_value = client.get_organization_deals(keep).sort("value DESC").send().await.expect("deals");
    let values: Vec<f64> =
        by_value.data.as_ref().map(|d| d.iter().filter_map(|deal| deal.value).collect()).unwrap_or_default();
    assert_eq!(values, vec![3000.0, 2000.0, 1000.0]);

    let files = client.get_organization_files(keep).send().await.expect("files");
    assert_eq!(files.data.as_ref().and_then(|d| d.first()).and_then(|f| f.org_id), Some(keep));
    let mails = client.get_organization_mail_messages(keep).send().await.expect("mail");
    assert_eq!(
        mails.data.as_ref().and_then(|d| d.first()).and_then(|m| m.object.clone()).as_deref(),
        Some("mailMessage")
    );
    let persons = client.get_organization_persons(keep).send().await.expect("persons");
    assert_eq!(persons.data.as_ref().map(Vec::len), Some(2));
    assert_eq!(persons.data.as_ref().and_then(|d| d[0].org_id.as_ref()).and_then(|o| o.value), Some(keep));

    // Followers.
    let follower = client
        .add_organization_follower(keep, t::OrganizationsAddFollowerRequest { user_id: THIRD_USER_ID })
        .send()
        .await
        .expect("follower")
        .data
        .expect("data");
    assert_eq!((follower.org_id, follower.user_id), (Some(keep), Some(THIRD_USER_ID)));
    let twice = client
        .add_organization_follower(keep, t::OrganizationsAddFollowerRequest { user_id: THIRD_USER_ID })
        .send()
        .await;
    assert_eq!(common::status_of(&twice), Some(400), "{twice:?}");
    let followers = client.get_organization_followers(keep).send().await.expect("followers");
    let users: Vec<i64> =
        followers.data.as_ref().map(|d| d.iter().filter_map(|f| f.user_id).collect()).unwrap_or_default();
    assert!(users.contains(&THIRD_USER_ID), "{users:?}");
    let removed = client.delete_organization_follower(keep, follower.id.expect("id")).send().await.expect("removed");
    assert_eq!(removed.data.and_then(|d| d.id), follower.id);
    let followers = client.get_organization_followers(keep).send().await.expect("followers");
    assert!(followers.data.as_ref().is_some_and(|d| d.iter().all(|f| f.user_id != Some(THIRD_USER_ID))));

    // Permitted users: everyone for visible_to 3; owner, followers and admins for visible_to 1.
    let permitted = client.get_organization_users(keep).send().await.expect("users");
    assert_eq!(permitted.data, Some(vec![1.0, 2.0, 3.0]));
    client
        .update_organization(gone)
        .body(t::OrganizationsUpdatePropertiesRequest {
            visible_to: Some(t::OrganizationsUpdatePropertiesRequestVisibleTo::V1),
            ..Default::default()
        })
        .send()
        .await
        .expect("updated");
    let permitted = client.get_organization_users(gone).send().await.expect("users");
    assert_eq!(permitted.data, Some(vec![1.0, 2.0]), "admin and the owner (user 2)");

    // Merge `gone` into `keep`: followers, relationships and related items move.
    client
        .add_organization_follower(gone, t::OrganizationsAddFollowerRequest { user_id: THIRD_USER_ID })
        .send()
        .await
        .expect("follower");
    let third = orgs[2].id.expect("id");
    client
        .add_organization_relationship(t::OrganizationRelationshipsCreateNewRelationshipRequest {
            type_: t::OrganizationRelationshipsCreateNewRelationshipRequestType::Related,
            org_id: None,
            rel_owner_org_id: gone,
            rel_linked_org_id: third,
        })
        .send()
        .await
        .expect("relationship");
    let merged = client
        .merge_organizations(gone, t::OrganizationsMergeTwoRequest { merge_with_id: keep })
        .send()
        .await
        .expect("merged");
    assert_eq!(merged.data.and_then(|d| d.id), Some(keep));
    let source = client.get_organization(gone).send().await.expect("merged org").data.expect("data");
    assert_eq!(source.active_flag, Some(false));
    let followers = client.get_organization_followers(keep).send().await.expect("followers");
    let users: BTreeSet<i64> =
        followers.data.as_ref().map(|d| d.iter().filter_map(|f| f.user_id).collect()).unwrap_or_default();
    assert_eq!(users, BTreeSet::from([ADMIN_USER_ID, REGULAR_USER_ID, THIRD_USER_ID]));
    let persons = client.get_organization_persons(keep).send().await.expect("persons");
    assert_eq!(persons.data.as_ref().map(Vec::len), Some(4));
    let deals = client.get_organization_deals(keep).send().await.expect("deals");
    assert_eq!(deals.data.as_ref().map(Vec::len), Some(6));
    let relationships = client.get_organization_relationships(keep).send().await.expect("relationships");
    let others: BTreeSet<i64> = relationships
        .data
        .as_ref()
        .map(|d| d.iter().filter_map(|r| r.calculated_related_org_id).collect())
        .unwrap_or_default();
    assert!(others.contains(&third), "the relationship of the merged organization moved: {others:?}");
    assert!(!others.contains(&gone) && !others.contains(&keep), "no relationship with itself: {others:?}");
    let self_merge =
        client.merge_organizations(keep, t::OrganizationsMergeTwoRequest { merge_with_id: keep }).send().await;
    assert_eq!(common::status_of(&self_merge), Some(400), "{self_merge:?}");
}

#[tokio::test]
async fn relationships() {
    let running = common::spawn(Mock::new()).await;
    let client = running.admin();
    let parent = add_org(&client, "Parent").await;
    let daughter = add_org(&client, "Daughter").await;
    let other = add_org(&client, "Other").await;
    let created = client
        .add_organization_relationship(t::OrganizationRelationshipsCreateNewRelationshipRequest {
            type_: t::OrganizationRelationshipsCreateNewRelationshipRequestType::Parent,
            org_id: Some(parent),
            rel_owner_org_id: parent,
            rel_linked_org_id: daughter,
        })
        .send()
        .await
        .expect("created");
    let rel = created.data.expect("data");
    let id = rel.id.expect("id");
    assert_eq!(rel.type_, Some(t::OrganizationRelationshipType::Parent));
    assert_eq!(rel.rel_owner_org_id.and_then(|o| o.name).as_deref(), Some("Parent"));
    assert!(created
        .related_objects
        .and_then(|r| r.organization)
        .is_some_and(|o| o.contains_key(&daughter.to_string())));

    let from_daughter =
        client.get_organization_relationship(id).org_id(daughter).send().await.expect("one").data.expect("data");
    assert_eq!(from_daughter.calculated_type.as_deref(), Some("parent"));
    assert_eq!(from_daughter.calculated_related_org_id, Some(parent));
    let listed = client.get_organization_relationships(parent).send().await.expect("list");
    let item = listed.data.as_ref().and_then(|d| d.first()).cloned().expect("one item");
    assert_eq!(item.calculated_type.as_deref(), Some("daughter"));
    assert_eq!(item.related_organization_name.as_deref(), Some("Daughter"));

    let updated = client
        .update_organization_relationship(id)
        .body(t::OrganizationRelationshipsUpdateAndReturnRequest {
            type_: Some(t::OrganizationRelationshipsUpdateAndReturnRequestType::Related),
            rel_linked_org_id: Some(other),
            ..Default::default()
        })
        .send()
        .await
        .expect("updated")
        .data
        .expect("data");
    assert_eq!(updated.type_, Some(t::OrganizationRelationshipType::Related));
    assert_eq!(updated.rel_linked_org_id.and_then(|o| o.value), Some(other));
    let to_itself = client
        .update_organization_relationship(id)
        .body(t::OrganizationRelationshipsUpdateAndReturnRequest {
            rel_linked_org_id: Some(parent),
            ..Default::default()
        })
        .send()
        .await;
    assert_eq!(common::status_of(&to_itself), Some(400), "{to_itself:?}");

    let deleted = client.delete_organization_relationship(id).send().await.expect("deleted");
    assert_eq!(deleted.data.and_then(|d| d.id), Some(id));
    let gone = client.get_organization_relationship(id).send().await;
    assert_eq!(common::status_of(&gone), Some(404), "{gone:?}");
    let empty = client.get_organization_relationships(parent).send().await.expect("list");
    assert_eq!(empty.data.as_ref().map(Vec::len), Some(0));
}

#[tokio::test]
async fn permission_sets_and_assignments() {
    let running = common::spawn(Mock::new()).await;
    let client = running.admin();
    let sets = client.get_permission_sets().send().await.expect("sets").data.unwrap_or_default();
    assert_eq!(sets.len(), 6);
    let sales = client.get_permission_sets().app(t::GetPermissionSetsApp::Sales).send().await.expect("sets");
    let sales = sales.data.unwrap_or_default();
    assert_eq!(sales.len(), 2);
    assert!(sales.iter().all(|set| set.app == Some(t::PermissionSetApp::Sales)));

    let admin_set = sets
        .iter()
        .find(|set| set.type_ == Some(t::PermissionSetType::Admin) && set.app == Some(t::PermissionSetApp::Global))
        .expect("global admin");
    let id = admin_set.id.clone().expect("id");
    let details = client.get_permission_set(id.clone()).send().await.expect("set");
    assert_eq!(details.name.as_deref(), Some("Global admin"));
    assert!(details.contents.is_some_and(|contents| contents.contains(&"global_admin".to_owned())));
    assert_eq!(details.assignment_count, Some(1));

    let regular = sets
        .iter()
        .find(|set| set.name.as_deref() == Some("Regular user"))
        .and_then(|set| set.id.clone())
        .expect("regular");
    let assignments = client.get_permission_set_assignments(regular).send().await.expect("assignments");
    let users: Vec<i64> =
        assignments.data.as_ref().map(|d| d.iter().filter_map(|a| a.user_id).collect()).unwrap_or_default();
    assert_eq!(users, vec![REGULAR_USER_ID, THIRD_USER_ID]);
    let first = client.get_permission_set_assignments(id).limit(1).send().await.expect("assignments");
    assert_eq!(first.data.as_ref().and_then(|d| d.first()).and_then(|a| a.user_id), Some(ADMIN_USER_ID));
}

#[tokio::test]
async fn video_call_provider_links() {
    let running = common::spawn(Mock::new()).await;
    let client = running.admin();
    let link = uuid_like("6c4a3b2e-1d0f-4e9a-8b7c-5d4e3f2a1b0c");
    let saved = client
        .save_user_provider_link()
        .body(t::MeetingsLinkUserProviderRequest {
            user_id: ADMIN_USER_ID,
            company_id: 1,
            user_provider_id: link.to_string(),
            marketplace_client_id: pipedrive_mock::CLIENT_ID.to_owned(),
        })
        .send()
        .await
        .expect("linked");
    assert!(saved.success);
    assert_eq!(saved.data.and_then(|d| d.message).as_deref(), Some("The user was added successfully"));

    let foreign = client
        .save_user_provider_link()
        .body(t::MeetingsLinkUserProviderRequest {
            user_id: ADMIN_USER_ID,
            company_id: 1,
            user_provider_id: "x".to_owned(),
            marketplace_client_id: "someone-else".to_owned(),
        })
        .send()
        .await;
    match foreign.map_err(Error::into_api) {
        Err(Ok(pipedrive_client::operations::SaveUserProviderLinkError::Unauthorized(body))) => {
            assert_eq!(body.message.as_deref(), Some("No permission to create user provider link"));
        }
        other => panic!("expected the documented 401, got {other:?}"),
    }

    let removed = client.delete_user_provider_link(link).send().await.expect("removed");
    assert_eq!(removed.data.and_then(|d| d.message).as_deref(), Some("The user was removed successfully"));
    let again = client.delete_user_provider_link(link).send().await;
    assert!(
        matches!(
            again.as_ref().err().and_then(Error::api),
            Some(pipedrive_client::operations::DeleteUserProviderLinkError::Forbidden(_))
        ),
        "{again:?}"
    );
}

fn uuid_like(text: &str) -> uuid::Uuid {
    text.parse().expect("a uuid")
}
