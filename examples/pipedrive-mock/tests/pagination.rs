//! The client's `*_stream` methods walk 250+ items through the mock, for each pagination style
//! of the spec's `x-pagination`: offset with `additional_data.pagination.next_start`, offset
//! with a flat `additional_data.more_items_in_collection`, and cursor with
//! `additional_data.next_cursor`.

mod common;

use std::collections::BTreeSet;

use futures::TryStreamExt as _;
use pipedrive_client::types as t;
use pipedrive_mock::Mock;

const COUNT: usize = 260;

async fn add_orgs(client: &pipedrive_client::Client, count: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for number in 0..count {
        let body = t::OrganizationsAddNewOrganizationRequest { name: format!("Org {number:03}"), ..Default::default() };
        let created = client.add_organization(body).send().await.expect("organization added");
        ids.push(created.data.and_then(|org| org.id).expect("an id"));
    }
    ids
}

#[tokio::test]
async fn offset_with_next_start_notes_and_search() {
    let running = common::spawn(Mock::new()).await;
    let client = running.admin();
    let mut created = Vec::new();
    for number in 0..COUNT {
        let body = t::NotesCreateNoteRequest { content: format!("note {number}"), ..Default::default() };
        let note = client.add_note(body).send().await.expect("note added");
        created.push(note.data.and_then(|note| note.id).expect("an id"));
    }
    // Default page size (100): three pages.
    let notes: Vec<t::Note> = client.get_notes_stream().try_collect().await.expect("every note");
    let ids: Vec<i64> = notes.iter().filter_map(|note| note.id).collect();
    assert_eq!(ids, created, "every note once, in order");
    // Small pages from an offset.
    let tail: Vec<t::Note> = client.get_notes().start(7).limit(9).stream().try_collect().await.expect("notes");
    assert_eq!(tail.len(), COUNT - 7);
    assert_eq!(tail.first().and_then(|note| note.id), Some(created[7]));

    // Comments of one note, 30 per page.
    let note = created[0];
    for number in 0..COUNT {
        let body = t::NotesAddNewCommentRequest { content: format!("comment {number}") };
        client.add_note_comment(note, body).send().await.expect("comment added");
    }
    let comments: Vec<t::Comment> =
        client.get_note_comments(note).limit(30).stream().try_collect().await.expect("comments");
    assert_eq!(comments.len(), COUNT);
    let unique: BTreeSet<_> = comments.iter().filter_map(|comment| comment.uuid).collect();
    assert_eq!(unique.len(), COUNT);

    // Search: items at /data/items.
    add_orgs(&client, COUNT).await;
    let found: Vec<t::OrganizationSearchItem> =
        client.search_organization("org".to_owned()).limit(50).stream().try_collect().await.expect("search results");
    assert_eq!(found.len(), COUNT);
    let organizations: Vec<t::OrganizationItem> =
        client.get_organizations().limit(64).stream().try_collect().await.expect("orgs");
    assert_eq!(organizations.len(), COUNT);
}

#[tokio::test]
async fn offset_with_flat_more_items_fields_and_activities() {
    let running = common::spawn(Mock::new()).await;
    let client = running.admin();
    let system =
        client.get_organization_fields().send().await.expect("fields").data.as_ref().map(Vec::len).unwrap_or(0);
    for number in 0..COUNT {
        let body = t::OrganizationFieldsAddNewFieldRequest {
            name: format!("Field {number}"),
            field_type: t::OrganizationFieldsAddNewFieldRequestFieldType::Varchar,
            options: None,
            add_visible_flag: None,
        };
        client.add_organization_field(body).send().await.expect("field added");
    }
    let fields: Vec<t::OrganizationField> =
        client.get_organization_fields_stream().try_collect().await.expect("fields");
    assert_eq!(fields.len(), system + COUNT);
    let keys: BTreeSet<_> = fields.iter().filter_map(|field| field.key.clone()).collect();
    assert_eq!(keys.len(), system + COUNT, "no field twice");
    let page = client.get_organization_fields().limit(100).send().await.expect("a page");
    let more = page.additional_data.and_then(|additional| additional.more_items_in_collection);
    assert_eq!(more, Some(true));

    let org = add_orgs(&client, 1).await[0];
    assert!(running.mock.seed_activities(org, COUNT));
    let activities: Vec<t::Activity> =
        client.get_organization_activities(org).limit(25).stream().try_collect().await.expect("activities");
    assert_eq!(activities.len(), COUNT);
    let ids: BTreeSet<_> = activities.iter().filter_map(|activity| activity.id).collect();
    assert_eq!(ids.len(), COUNT);
    let flow: Vec<t::FlowItem> =
        client.get_organization_updates(org).limit(40).stream().try_collect().await.expect("flow");
    assert_eq!(flow.len(), COUNT, "one flow entry per activity");
}

#[tokio::test]
async fn cursor_collection_and_changelog() {
    let running = common::spawn(Mock::new()).await;
    let client = running.admin();
    let ids = add_orgs(&client, COUNT).await;
    let collection: Vec<t::OrganizationCollectionItem> =
        client.get_organizations_collection().limit(37).stream().try_collect().await.expect("collection");
    let seen: Vec<i64> = collection.iter().filter_map(|org| org.id).collect();
    assert_eq!(seen, ids, "every organization once, in id order");
    // Default page size is 100; a filter applies on every page.
    let filtered: Vec<t::OrganizationCollectionItem> = client
        .get_organizations_collection()
        .first_char("o".to_owned())
        .stream()
        .try_collect()
        .await
        .expect("collection");
    assert_eq!(filtered.len(), COUNT);

    let org = ids[0];
    for number in 0..COUNT {
        let body =
            t::OrganizationsUpdatePropertiesRequest { name: Some(format!("Renamed {number}")), ..Default::default() };
        client.update_organization(org).body(body).send().await.expect("updated");
    }
    let changes: Vec<t::ChangelogItem> =
        client.get_organization_changelog(org).limit(50).stream().try_collect().await.expect("changelog");
    assert_eq!(changes.len(), COUNT);
    assert_eq!(
        changes.first().and_then(|change| change.new_value.as_ref().cloned()),
        Some(format!("Renamed {}", COUNT - 1))
    );
    assert_eq!(changes.last().and_then(|change| change.old_value.as_ref().cloned()), Some("Org 000".to_owned()));
}

#[tokio::test]
async fn offset_without_pointers_assignments() {
    // `getPermissionSetAssignments` pages by offset with neither next offset nor has-more
    // pointer: the client asks until an empty or short page.
    let running = common::spawn(Mock::new()).await;
    let client = running.admin();
    let sets = client.get_permission_sets().send().await.expect("sets").data.unwrap_or_default();
    let mut total = 0;
    for set in sets {
        let id = set.id.expect("id");
        let walked: Vec<t::Assignment> = client
            .get_permission_set_assignments(id.clone())
            .limit(1)
            .stream()
            .try_collect()
            .await
            .expect("assignments");
        assert_eq!(i64::try_from(walked.len()).ok(), set.assignment_count, "set {id}");
        total += walked.len();
    }
    assert_eq!(total, 7);
}
