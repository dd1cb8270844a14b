//! The mock's records and how they render as the API's types.

use std::collections::BTreeMap;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use pipedrive_server::types::{
    self as t, Activity, Comment, Deal, File, FollowerUser, MailMessage, Note, NoteDeal, NoteOrganization, NotePerson,
    NoteUser, OrganizationCollectionItem, OrganizationDetails, OrganizationField, OrganizationItem,
    OrganizationReference, OwnerReference, Person, RelatedObjects, RelatedOrganization, RelatedUser,
};
use serde_json::{json, Value};

/// A user of the mock account.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub admin: bool,
}

#[derive(Debug, Clone)]
pub struct NoteRec {
    pub id: i64,
    pub content: String,
    pub user_id: i64,
    pub last_update_user_id: Option<i64>,
    pub deal_id: Option<i64>,
    pub lead_id: Option<uuid::Uuid>,
    pub person_id: Option<i64>,
    pub org_id: Option<i64>,
    pub add_time: String,
    pub update_time: String,
    pub pinned_to_deal: bool,
    pub pinned_to_lead: bool,
    pub pinned_to_person: bool,
    pub pinned_to_organization: bool,
}

#[derive(Debug, Clone)]
pub struct OrgRec {
    pub id: i64,
    pub name: String,
    pub owner_id: i64,
    pub label: Option<i64>,
    pub visible_to: String,
    pub address: Option<String>,
    pub add_time: String,
    pub update_time: String,
    pub active: bool,
    pub delete_time: Option<String>,
    /// Custom field values by field key.
    pub custom: BTreeMap<String, Value>,
}

#[derive(Debug, Clone)]
pub struct FollowerRec {
    pub id: i64,
    pub org_id: i64,
    pub user_id: i64,
    pub add_time: chrono::DateTime<chrono::FixedOffset>,
}

#[derive(Debug, Clone)]
pub struct RelationshipRec {
    pub id: i64,
    pub parent: bool,
    pub owner: i64,
    pub linked: i64,
    pub add_time: String,
    pub update_time: String,
}

#[derive(Debug, Clone)]
pub struct FieldRec {
    pub field: OrganizationField,
    /// System fields cannot be deleted.
    pub system: bool,
}

#[derive(Debug, Clone)]
pub struct ChangeRec {
    pub org_id: i64,
    pub item: t::ChangelogItem,
}

#[derive(Debug, Clone)]
pub struct FlowRec {
    pub org_id: i64,
    pub object: String,
    pub timestamp: String,
    pub data: Value,
    /// A change of a custom field (shown only with `all_changes=1`).
    pub custom_change: bool,
}

/// An item that belongs to an organization and has no operation of its own here.
#[derive(Debug, Clone)]
pub struct Owned<T> {
    pub org_id: i64,
    pub item: T,
}

/// A video-call user link as saved (kept whole so that `Debug` of the state shows it).
#[derive(Debug, Clone)]
#[allow(dead_code)]
pub struct ProviderLink {
    pub user_id: i64,
    pub company_id: i64,
    pub marketplace_client_id: String,
}

#[derive(Debug, Clone)]
pub struct AccessToken {
    pub user_id: i64,
    pub expires: Instant,
}

#[derive(Debug)]
pub struct State {
    pub users: BTreeMap<i64, User>,
    pub next_id: i64,
    pub notes: BTreeMap<i64, NoteRec>,
    pub comments: BTreeMap<i64, Vec<Comment>>,
    pub orgs: BTreeMap<i64, OrgRec>,
    pub followers: Vec<FollowerRec>,
    pub relationships: BTreeMap<i64, RelationshipRec>,
    pub org_fields: BTreeMap<i64, FieldRec>,
    /// Person fields: id → (custom, active).
    pub person_fields: BTreeMap<i64, (bool, bool)>,
    pub permission_sets: Vec<t::PermissionSetDetails>,
    pub assignments: Vec<t::Assignment>,
    pub changelog: Vec<ChangeRec>,
    pub flow: Vec<FlowRec>,
    pub persons: Vec<Owned<Person>>,
    pub deals: Vec<Owned<Deal>>,
    pub activities: Vec<Owned<Activity>>,
    pub files: Vec<Owned<File>>,
    pub mails: Vec<Owned<MailMessage>>,
    pub provider_links: BTreeMap<String, ProviderLink>,
    pub access_tokens: BTreeMap<String, AccessToken>,
    pub refresh_tokens: BTreeMap<String, i64>,
    pub codes_issued: u64,
    pub api_domain: String,
    pub rng: fastrand::Rng,
}

/// Seconds since the epoch as the API's `YYYY-MM-DD HH:MM:SS` (UTC).
pub fn now() -> String {
    now_datetime().format("%Y-%m-%d %H:%M:%S").to_string()
}

pub fn now_datetime() -> chrono::DateTime<chrono::FixedOffset> {
    let elapsed = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = i64::try_from(elapsed.as_secs()).unwrap_or(0);
    chrono::DateTime::from_timestamp(seconds, 0).unwrap_or_default().fixed_offset()
}

/// Parses `YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DDTHH:MM:SS[Z|±hh:mm]` or `YYYY-MM-DD` as UTC.
pub fn parse_time(text: &str) -> Option<chrono::NaiveDateTime> {
    let text = text.trim();
    if let Ok(with_offset) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(with_offset.naive_utc());
    }
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"] {
        if let Ok(parsed) = chrono::NaiveDateTime::parse_from_str(text.trim_end_matches('Z'), format) {
            return Some(parsed);
        }
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().and_then(|date| date.and_hms_opt(0, 0, 0))
}

impl State {
    pub fn new() -> Self {
        let mut state = State {
            users: BTreeMap::new(),
            next_id: 1000,
            notes: BTreeMap::new(),
            comments: BTreeMap::new(),
            orgs: BTreeMap::new(),
            followers: Vec::new(),
            relationships: BTreeMap::new(),
            org_fields: BTreeMap::new(),
            person_fields: BTreeMap::new(),
            permission_sets: Vec::new(),
            assignments: Vec::new(),
            changelog: Vec::new(),
            flow: Vec::new(),
            persons: Vec::new(),
            deals: Vec::new(),
            activities: Vec::new(),
            files: Vec::new(),
            mails: Vec::new(),
            provider_links: BTreeMap::new(),
            access_tokens: BTreeMap::new(),
            refresh_tokens: BTreeMap::new(),
            codes_issued: 0,
            api_domain: "http://127.0.0.1".to_owned(),
            rng: fastrand::Rng::with_seed(0x5eed),
        };
        crate::seed::base(&mut state);
        state
    }

    /// A fresh id (shared by every kind of record, so ids never repeat).
    pub fn id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    /// A random token of 40 hex digits.
    pub fn token(&mut self) -> String {
        (0..5).map(|_| format!("{:08x}", self.rng.u32(..))).collect()
    }

    pub fn uuid(&mut self) -> uuid::Uuid {
        uuid::Builder::from_random_bytes(self.rng.u128(..).to_le_bytes()).into_uuid()
    }

    pub fn is_admin(&self, user_id: i64) -> bool {
        self.users.get(&user_id).is_some_and(|user| user.admin)
    }

    pub fn active_org(&self, id: i64) -> Option<&OrgRec> {
        self.orgs.get(&id).filter(|org| org.active)
    }

    /// Keys of active custom organization fields.
    pub fn custom_keys(&self) -> Vec<String> {
        self.org_fields
            .values()
            .filter(|field| !field.system && field.field.active_flag == Some(true))
            .filter_map(|field| field.field.key.clone())
            .collect()
    }

    pub fn note(&self, rec: &NoteRec, viewer: i64) -> Note {
        let org = rec.org_id.and_then(|id| self.orgs.get(&id));
        let person = rec.person_id.and_then(|id| self.persons.iter().find(|person| person.item.id == Some(id)));
        let deal = rec.deal_id.and_then(|id| self.deals.iter().find(|deal| deal.item.id == Some(id)));
        let user = self.users.get(&rec.user_id);
        Note {
            id: Some(rec.id),
            active_flag: Some(true),
            add_time: Some(rec.add_time.clone()),
            content: Some(rec.content.clone()),
            deal: deal.map(|deal| NoteDeal { title: deal.item.title.clone() }),
            lead_id: rec.lead_id,
            deal_id: rec.deal_id,
            last_update_user_id: rec.last_update_user_id,
            org_id: rec.org_id,
            organization: org.map(|org| NoteOrganization { name: Some(org.name.clone()) }),
            person: person.map(|person| NotePerson { name: person.item.name.clone() }),
            person_id: rec.person_id,
            pinned_to_deal_flag: Some(rec.pinned_to_deal),
            pinned_to_organization_flag: Some(rec.pinned_to_organization),
            pinned_to_person_flag: Some(rec.pinned_to_person),
            update_time: Some(rec.update_time.clone()),
            user: user.map(|user| NoteUser {
                email: Some(user.email.clone()),
                icon_url: None,
                is_you: Some(user.id == viewer),
                name: Some(user.name.clone()),
            }),
            user_id: Some(rec.user_id),
        }
    }

    pub fn owner_reference(&self, user_id: i64) -> OwnerReference {
        let user = self.users.get(&user_id);
        OwnerReference {
            id: Some(user_id),
            name: user.map(|user| user.name.clone()),
            email: user.map(|user| user.email.clone()),
            has_pic: Some(0),
            pic_hash: t::support::Nullable::Null,
            active_flag: Some(true),
            value: Some(user_id),
        }
    }

    pub fn related_user(&self, user_id: i64) -> Option<RelatedUser> {
        self.users.get(&user_id).map(|user| RelatedUser {
            id: Some(user.id),
            name: Some(user.name.clone()),
            email: Some(user.email.clone()),
            has_pic: Some(0),
            pic_hash: t::support::Nullable::Null,
            active_flag: Some(true),
        })
    }

    /// `related_objects` with the given users and organizations.
    pub fn related(&self, users: &[i64], orgs: &[i64]) -> RelatedObjects {
        let user: BTreeMap<String, RelatedUser> =
            users.iter().filter_map(|id| self.related_user(*id).map(|user| (id.to_string(), user))).collect();
        let organization: BTreeMap<String, RelatedOrganization> = orgs
            .iter()
            .filter_map(|id| self.orgs.get(id))
            .map(|org| {
                let related = RelatedOrganization {
                    id: Some(org.id),
                    name: Some(org.name.clone()),
                    people_count: Some(self.people_count(org.id)),
                    owner_id: Some(org.owner_id),
                    address: org.address.clone(),
                    cc_email: Some(cc_email(org.id)),
                    active_flag: Some(org.active),
                };
                (org.id.to_string(), related)
            })
            .collect();
        RelatedObjects {
            organization: (!organization.is_empty()).then_some(organization),
            user: (!user.is_empty()).then_some(user),
            ..RelatedObjects::default()
        }
    }

    pub fn people_count(&self, org_id: i64) -> i64 {
        count(self.persons.iter().filter(|person| person.org_id == org_id))
    }

    pub fn org_reference(&self, org_id: i64) -> OrganizationReference {
        let org = self.orgs.get(&org_id);
        OrganizationReference {
            name: org.map(|org| org.name.clone()),
            people_count: Some(self.people_count(org_id)),
            owner_id: org.map(|org| org.owner_id),
            address: org.and_then(|org| org.address.clone()),
            active_flag: org.map(|org| org.active),
            cc_email: Some(cc_email(org_id)),
            value: Some(org_id),
        }
    }

    pub fn org_item(&self, org: &OrgRec) -> OrganizationItem {
        let id = org.id;
        let activities: Vec<&Activity> =
            self.activities.iter().filter(|activity| activity.org_id == id).map(|activity| &activity.item).collect();
        let done = count(activities.iter().filter(|activity| activity.done == Some(true)));
        let deals: Vec<&Deal> = self.deals.iter().filter(|deal| deal.org_id == id).map(|deal| &deal.item).collect();
        let with_status = |status: &str| count(deals.iter().filter(|deal| deal.status.as_deref() == Some(status)));
        let (open, won, lost) = (with_status("open"), with_status("won"), with_status("lost"));
        let mut extra = BTreeMap::new();
        for key in self.custom_keys() {
            extra.insert(key.clone(), org.custom.get(&key).cloned().unwrap_or(Value::Null));
        }
        OrganizationItem {
            id: Some(id),
            company_id: Some(1),
            owner_id: Some(self.owner_reference(org.owner_id)),
            name: Some(org.name.clone()),
            active_flag: Some(org.active),
            picture_id: None,
            country_code: None,
            first_char: org.name.chars().next().map(|first| first.to_lowercase().to_string()),
            add_time: Some(org.add_time.clone()),
            update_time: Some(org.update_time.clone()),
            visible_to: Some(org.visible_to.clone()),
            label: org.label,
            owner_name: self.users.get(&org.owner_id).map(|user| user.name.clone()),
            cc_email: Some(cc_email(id)),
            email_messages_count: Some(count(self.mails.iter().filter(|mail| mail.org_id == id))),
            people_count: Some(self.people_count(id)),
            activities_count: Some(count(activities.iter())),
            done_activities_count: Some(done),
            undone_activities_count: Some(count(activities.iter()) - done),
            files_count: Some(count(self.files.iter().filter(|file| file.org_id == id))),
            notes_count: Some(count(self.notes.values().filter(|note| note.org_id == Some(id)))),
            followers_count: Some(count(self.followers.iter().filter(|follower| follower.org_id == id))),
            address: org.address.clone(),
            address_formatted_address: org.address.clone(),
            open_deals_count: Some(open),
            related_open_deals_count: Some(0),
            closed_deals_count: Some(won + lost),
            related_closed_deals_count: Some(0),
            won_deals_count: Some(won),
            related_won_deals_count: Some(0),
            lost_deals_count: Some(lost),
            related_lost_deals_count: Some(0),
            next_activity_date: t::support::Nullable::Null,
            next_activity_time: t::support::Nullable::Null,
            next_activity_id: t::support::Nullable::Null,
            last_activity_id: t::support::Nullable::Null,
            last_activity_date: t::support::Nullable::Null,
            extra,
            ..OrganizationItem::default()
        }
    }

    pub fn org_details(&self, org: &OrgRec) -> OrganizationDetails {
        let mut value = serde_json::to_value(self.org_item(org)).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut value {
            map.insert("edit_name".to_owned(), Value::Bool(true));
            map.insert("last_activity".to_owned(), Value::Null);
            map.insert("next_activity".to_owned(), Value::Null);
        }
        serde_json::from_value(value).unwrap_or_default()
    }

    pub fn org_collection_item(&self, org: &OrgRec) -> OrganizationCollectionItem {
        let mut extra = BTreeMap::new();
        for key in self.custom_keys() {
            extra.insert(key.clone(), org.custom.get(&key).cloned().unwrap_or(Value::Null));
        }
        OrganizationCollectionItem {
            address: org.address.clone(),
            address_formatted_address: org.address.clone(),
            id: Some(org.id),
            active_flag: Some(org.active),
            owner_id: Some(org.owner_id),
            name: Some(org.name.clone()),
            update_time: Some(org.update_time.clone()),
            delete_time: org.delete_time.clone().into(),
            add_time: Some(org.add_time.clone()),
            visible_to: Some(org.visible_to.clone()),
            label: org.label.into(),
            cc_email: Some(cc_email(org.id)),
            extra,
            ..OrganizationCollectionItem::default()
        }
    }

    pub fn follower_users(&self, org_id: i64) -> BTreeMap<String, FollowerUser> {
        self.followers
            .iter()
            .filter(|follower| follower.org_id == org_id)
            .filter_map(|follower| self.users.get(&follower.user_id))
            .map(|user| {
                let follower = FollowerUser {
                    id: Some(user.id),
                    name: Some(user.name.clone()),
                    email: Some(user.email.clone()),
                    user_id: Some(user.id),
                    pic_hash: None,
                };
                (user.id.to_string(), follower)
            })
            .collect()
    }

    /// Records a field change of an organization in its changelog and flow.
    pub fn record_change(
        &mut self,
        org_id: i64,
        actor: i64,
        field_key: &str,
        old: Option<String>,
        new: Option<String>,
    ) {
        let time = now();
        let custom = self.custom_keys().iter().any(|key| key == field_key);
        let item = t::ChangelogItem {
            field_key: Some(field_key.to_owned()),
            old_value: old.clone().into(),
            new_value: new.clone().into(),
            actor_user_id: Some(actor),
            time: Some(time.clone()),
            change_source: Some("api".to_owned()).into(),
            change_source_user_agent: t::support::Nullable::Null,
            is_bulk_update_flag: Some(false),
        };
        self.changelog.push(ChangeRec { org_id, item });
        let id = self.id();
        let data = json!({
            "id": id, "item_id": org_id, "user_id": actor, "field_key": field_key,
            "old_value": old, "new_value": new, "is_bulk_update_flag": null,
            "log_time": time, "change_source": "api", "change_source_user_agent": null,
            "additional_data": {},
        });
        self.flow.push(FlowRec { org_id, object: "change".to_owned(), timestamp: time, data, custom_change: custom });
    }

    pub fn record_flow(&mut self, org_id: i64, object: &str, timestamp: String, data: Value) {
        self.flow.push(FlowRec { org_id, object: object.to_owned(), timestamp, data, custom_change: false });
    }
}

pub fn cc_email(org_id: i64) -> String {
    format!("mock+org{org_id}@pipedrivemail.com")
}

pub fn count<T>(items: impl Iterator<Item = T>) -> i64 {
    i64::try_from(items.count()).unwrap_or(i64::MAX)
}

/// A field key as Pipedrive makes them for custom fields: 40 hex digits.
pub fn field_key(state: &mut State) -> String {
    state.token()
}

pub fn json_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}
