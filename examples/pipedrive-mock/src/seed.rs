//! What every mock starts with (users, system fields, permission sets) and the optional demo data.

use std::collections::BTreeMap;

use pipedrive_server::types::{
    self as t, Activity, Comment, ContactValue, Deal, DealUserReference, File, MailMessage, MailMessageItem,
    MailParticipant, OrganizationField, PermissionSetApp, PermissionSetDetails, PermissionSetType, Person,
};
use serde_json::{json, Value};

use crate::state::{now, now_datetime, FieldRec, FollowerRec, NoteRec, OrgRec, Owned, RelationshipRec, State, User};

/// Ids of the seeded permission sets (the first is the global admin set).
pub const PERMISSION_SETS: [(&str, &str, PermissionSetApp, PermissionSetType); 6] = [
    ("0f1e2d3c-4b5a-4697-8877-665544332211", "Global admin", PermissionSetApp::Global, PermissionSetType::Admin),
    ("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "Regular user", PermissionSetApp::Global, PermissionSetType::Regular),
    ("2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e", "Sales admin", PermissionSetApp::Sales, PermissionSetType::Admin),
    ("3c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e7f", "Sales regular", PermissionSetApp::Sales, PermissionSetType::Regular),
    (
        "4d5e6f7a-8b9c-4d0e-9f2a-3b4c5d6e7f8a",
        "Projects manager",
        PermissionSetApp::Projects,
        PermissionSetType::Manager,
    ),
    (
        "5e6f7a8b-9c0d-4e1f-8a3b-4c5d6e7f8a9b",
        "Campaigns custom",
        PermissionSetApp::Campaigns,
        PermissionSetType::Custom,
    ),
];

pub fn base(state: &mut State) {
    for (id, name, admin) in [
        (crate::ADMIN_USER_ID, "Admin User", true),
        (crate::REGULAR_USER_ID, "Regular User", false),
        (crate::THIRD_USER_ID, "Third User", false),
    ] {
        let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
        state.users.insert(id, User { id, name: name.to_owned(), email, admin });
    }
    let time = now_datetime();
    let system = [
        ("name", "Name", t::FieldType::Varchar),
        ("owner_id", "Owner", t::FieldType::User),
        ("address", "Address", t::FieldType::Address),
        ("label", "Label", t::FieldType::Enum),
        ("visible_to", "Visible to", t::FieldType::VisibleTo),
        ("add_time", "Organization created", t::FieldType::Date),
        ("update_time", "Update time", t::FieldType::Date),
        ("people_count", "People", t::FieldType::Double),
    ];
    for (order, (key, name, field_type)) in (1_i64..).zip(system) {
        let options = (key == "label").then(|| {
            vec![
                json!({"id": 1, "label": "Customer", "color": "green"}),
                json!({"id": 2, "label": "Hot lead", "color": "red"}),
            ]
            .into_iter()
            .filter_map(|value| serde_json::from_value::<BTreeMap<String, Value>>(value).ok())
            .collect::<Vec<_>>()
        });
        let field = OrganizationField {
            id: Some(order),
            key: Some(key.to_owned()),
            name: Some(name.to_owned()),
            order_nr: Some(order),
            field_type: Some(field_type),
            add_time: Some(time),
            update_time: Some(time),
            last_updated_by_user_id: None,
            active_flag: Some(true),
            edit_flag: Some(false),
            index_visible_flag: Some(true),
            details_visible_flag: Some(true),
            add_visible_flag: Some(true),
            important_flag: Some(false),
            bulk_edit_allowed: Some(true),
            searchable_flag: Some(key == "name" || key == "address"),
            filtering_allowed: Some(true),
            sortable_flag: Some(true),
            mandatory_flag: Some(key == "name"),
            options: options.into(),
            ..OrganizationField::default()
        };
        state.org_fields.insert(order, FieldRec { field, system: true });
    }
    // Person fields: 1..=9 system, 101..=110 custom (bulk-deletable).
    for id in 1..=9 {
        state.person_fields.insert(id, (false, true));
    }
    for id in 101..=110 {
        state.person_fields.insert(id, (true, true));
    }
    let contents = |app: &PermissionSetApp, kind: &PermissionSetType| -> Vec<String> {
        let mut contents = vec![format!("{}_view", app.as_str())];
        if matches!(kind, PermissionSetType::Admin | PermissionSetType::Manager) {
            contents.push(format!("{}_manage", app.as_str()));
        }
        if matches!(kind, PermissionSetType::Admin) {
            contents.push(format!("{}_admin", app.as_str()));
        }
        contents
    };
    for (id, name, app, kind) in PERMISSION_SETS {
        state.permission_sets.push(PermissionSetDetails {
            id: Some(id.to_owned()),
            name: Some(name.to_owned()),
            description: Some(format!("{name} ({} permissions)", app.as_str())),
            contents: Some(contents(&app, &kind)),
            app: Some(app),
            type_: Some(kind),
            assignment_count: None,
        });
    }
    let assign = |state: &mut State, set: usize, user_id: i64| {
        let (id, ..) = PERMISSION_SETS[set];
        let name = state.users.get(&user_id).map(|user| user.name.clone());
        state.assignments.push(t::Assignment { user_id: Some(user_id), permission_set_id: Some(id.to_owned()), name });
    };
    assign(state, 0, crate::ADMIN_USER_ID);
    assign(state, 2, crate::ADMIN_USER_ID);
    assign(state, 1, crate::REGULAR_USER_ID);
    assign(state, 3, crate::REGULAR_USER_ID);
    assign(state, 1, crate::THIRD_USER_ID);
    assign(state, 3, crate::THIRD_USER_ID);
    assign(state, 4, crate::THIRD_USER_ID);
}

/// Demo organizations and everything around them.
pub fn demo(state: &mut State) {
    let time = now();
    let custom_key = crate::state::field_key(state);
    let field_id = state.org_fields.keys().max().copied().unwrap_or(0) + 1;
    let stamp = now_datetime();
    state.org_fields.insert(
        field_id,
        FieldRec {
            field: OrganizationField {
                id: Some(field_id),
                key: Some(custom_key.clone()),
                name: Some("Industry".to_owned()),
                order_nr: Some(field_id),
                field_type: Some(t::FieldType::Varchar),
                add_time: Some(stamp),
                update_time: Some(stamp),
                last_updated_by_user_id: Some(crate::ADMIN_USER_ID),
                active_flag: Some(true),
                edit_flag: Some(true),
                searchable_flag: Some(true),
                ..OrganizationField::default()
            },
            system: false,
        },
    );
    let names = [
        ("Acme Corporation", "1 Main Street, Springfield", "Manufacturing"),
        ("Globex", "500 Oak Avenue, Cypress Creek", "Energy"),
        ("Initech", "4120 Freidrich Lane, Austin", "Software"),
        ("Umbrella Corp", "1 Raccoon Road, Raccoon City", "Pharmaceuticals"),
        ("Stark Industries", "10880 Malibu Point, Malibu", "Defense"),
    ];
    let mut org_ids = Vec::new();
    for (index, (name, address, industry)) in names.into_iter().enumerate() {
        let id = state.id();
        org_ids.push(id);
        let owner_id = if index % 2 == 0 { crate::ADMIN_USER_ID } else { crate::REGULAR_USER_ID };
        let mut custom = BTreeMap::new();
        custom.insert(custom_key.clone(), Value::from(industry));
        state.orgs.insert(
            id,
            OrgRec {
                id,
                name: name.to_owned(),
                owner_id,
                label: Some(1),
                visible_to: "3".to_owned(),
                address: Some(address.to_owned()),
                add_time: time.clone(),
                update_time: time.clone(),
                active: true,
                delete_time: None,
                custom,
            },
        );
        let follower_id = state.id();
        state.followers.push(FollowerRec { id: follower_id, org_id: id, user_id: owner_id, add_time: stamp });
        for person in 0..2 {
            let person_id = state.id();
            let name = format!("Person {person} of {name}");
            let email = format!("person{person}.{id}@example.com");
            state.persons.push(Owned {
                org_id: id,
                item: Person {
                    id: Some(person_id),
                    company_id: Some(1),
                    active_flag: Some(true),
                    email: Some(vec![ContactValue {
                        label: Some("work".to_owned()),
                        value: Some(email),
                        primary: Some(true),
                    }]),
                    first_char: name.chars().next().map(|first| first.to_lowercase().to_string()),
                    add_time: Some(time.clone()),
                    update_time: Some(time.clone()),
                    visible_to: Some("3".to_owned()),
                    name: Some(name),
                    ..Person::default()
                },
            });
        }
        for (number, status) in ["open", "won", "lost"].into_iter().enumerate() {
            let deal_id = state.id();
            let user = DealUserReference { id: Some(owner_id), value: Some(owner_id), ..DealUserReference::default() };
            state.deals.push(Owned {
                org_id: id,
                item: Deal {
                    id: Some(deal_id),
                    creator_user_id: Some(user.clone()),
                    user_id: Some(user),
                    title: Some(format!("{name} deal {number}")),
                    value: Some(1000.0 * (number as f64 + 1.0)),
                    currency: Some("EUR".to_owned()),
                    add_time: Some(time.clone()),
                    update_time: Some(time.clone()),
                    active: Some(status == "open"),
                    deleted: Some(false),
                    status: Some(status.to_owned()),
                    org_name: Some(name.to_owned()),
                    ..Deal::default()
                },
            });
        }
        let file_id = state.id();
        state.files.push(Owned {
            org_id: id,
            item: File {
                id: Some(file_id),
                user_id: Some(owner_id),
                org_id: Some(id),
                add_time: Some(time.clone()),
                update_time: Some(time.clone()),
                file_name: Some(format!("contract-{id}.pdf")),
                file_size: Some(1024),
                active_flag: Some(true),
                org_name: Some(name.to_owned()),
                name: Some(format!("contract-{id}.pdf")),
                ..File::default()
            },
        });
        let mail_id = state.id();
        state.mails.push(Owned {
            org_id: id,
            item: MailMessage {
                id: Some(mail_id),
                from: Some(vec![MailParticipant {
                    id: Some(1),
                    email_address: Some("admin.user@example.com".to_owned()),
                    name: Some("Admin User".to_owned()),
                    ..MailParticipant::default()
                }]),
                user_id: Some(owner_id),
                subject: Some(format!("Hello {name}")),
                snippet: Some("Following up on our call".to_owned()),
                read_flag: Some(t::support::Flag::ON),
                sent_flag: Some(t::support::Flag::ON),
                add_time: Some(stamp),
                update_time: Some(stamp),
                message_time: Some(stamp),
                item_type: Some("mailMessage".to_owned()),
                company_id: Some(1),
                ..MailMessage::default()
            },
        });
        activities(state, id, 3);
        let note_id = state.id();
        state.notes.insert(
            note_id,
            NoteRec {
                id: note_id,
                content: format!("Met the team at {name}"),
                user_id: owner_id,
                last_update_user_id: None,
                deal_id: None,
                lead_id: None,
                person_id: None,
                org_id: Some(id),
                add_time: time.clone(),
                update_time: time.clone(),
                pinned_to_deal: false,
                pinned_to_lead: false,
                pinned_to_person: false,
                pinned_to_organization: index == 0,
            },
        );
        let uuid = state.uuid();
        state.comments.insert(
            note_id,
            vec![Comment {
                uuid: Some(uuid),
                active_flag: Some(true),
                add_time: Some(time.clone()),
                update_time: None,
                content: Some("Agreed".to_owned()),
                object_id: Some(note_id.to_string()),
                object_type: Some("note".to_owned()),
                user_id: Some(crate::ADMIN_USER_ID),
                updater_id: None,
                company_id: Some(1),
            }],
        );
    }
    if let [first, second, ..] = org_ids[..] {
        let id = state.id();
        state.relationships.insert(
            id,
            RelationshipRec {
                id,
                parent: true,
                owner: first,
                linked: second,
                add_time: time.clone(),
                update_time: time,
            },
        );
    }
}

/// Adds `count` activities to organization `org_id`.
pub fn activities(state: &mut State, org_id: i64, count: usize) -> bool {
    if !state.orgs.contains_key(&org_id) {
        return false;
    }
    let time = now();
    for number in 0..count {
        let id = state.id();
        let user_id = if number % 2 == 0 { crate::ADMIN_USER_ID } else { crate::REGULAR_USER_ID };
        let activity = Activity {
            id: Some(id),
            org_id: Some(org_id),
            subject: Some(format!("Call {number}")),
            type_: Some("call".to_owned()),
            done: Some(number % 3 == 0),
            user_id: Some(user_id),
            assigned_to_user_id: Some(user_id),
            company_id: Some(1),
            add_time: Some(time.clone()),
            update_time: Some(time.clone()),
            active_flag: Some(true),
            busy_flag: Some(true),
            ..Activity::default()
        };
        let data = serde_json::to_value(&activity).unwrap_or(Value::Null);
        state.activities.push(Owned { org_id, item: activity });
        state.record_flow(org_id, "activity", time.clone(), data);
    }
    true
}

/// Mail messages as the list shows them.
pub fn mail_item(mail: &MailMessage) -> MailMessageItem {
    MailMessageItem {
        object: Some("mailMessage".to_owned()),
        timestamp: mail.message_time.map(|time| time.format("%Y-%m-%d %H:%M:%S").to_string()),
        data: Some(mail.clone()),
    }
}
