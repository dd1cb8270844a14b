//! The 50 operations.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use pipedrive_server::operations::*;
use pipedrive_server::types::{self as t, support::Nullable};
use pipedrive_server::{ApiError, Credential, Credentials};
use serde_json::Value;

use crate::pages;
use crate::state::{
    self, json_text, now, now_datetime, parse_time, AccessToken, FieldRec, FollowerRec, NoteRec, OrgRec, ProviderLink,
    RelationshipRec, State,
};
use crate::{Mock, Principal};

fn unauthorized(detail: &str, challenge: &'static str) -> ApiError {
    ApiError::unauthorized("unauthorized access", challenge).with_detail(detail.to_owned())
}

fn user_of(principal: &Principal) -> Result<i64, ApiError> {
    match principal {
        Principal::User(id) => Ok(*id),
        Principal::App(_) => Err(ApiError::forbidden("the app's client credentials only grant tokens")),
    }
}

fn note_not_found(id: i64) -> ApiError {
    ApiError::not_found("Note not found").with_detail(format!("there is no note with id {id}"))
}

fn org_not_found(id: i64) -> ApiError {
    ApiError::not_found("Organization not found").with_detail(format!("there is no organization with id {id}"))
}

fn field_not_found(id: i64) -> ApiError {
    ApiError::not_found("Field not found").with_detail(format!("there is no field with id {id}"))
}

fn relationship_not_found(id: i64) -> ApiError {
    ApiError::not_found("Organization relationship not found")
        .with_detail(format!("there is no organization relationship with id {id}"))
}

fn flag(value: Option<t::support::Flag>) -> Option<bool> {
    value.map(t::support::Flag::is_set)
}

/// `add_time` as sent (`YYYY-MM-DD HH:MM:SS`), normalised; now when absent.
fn add_time(given: Option<&str>) -> Result<String, ApiError> {
    match given {
        None => Ok(now()),
        Some(text) => parse_time(text)
            .map(|time| time.format("%Y-%m-%d %H:%M:%S").to_string())
            .ok_or_else(|| ApiError::bad_request("add_time must be a date and time as YYYY-MM-DD HH:MM:SS")),
    }
}

fn require_user(state: &State, user_id: i64) -> Result<(), ApiError> {
    if state.users.contains_key(&user_id) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!("user {user_id} does not exist")))
    }
}

fn active_org(state: &State, id: i64) -> Result<&OrgRec, ApiError> {
    state.active_org(id).ok_or_else(|| org_not_found(id))
}

fn id_response(id: i64) -> t::IdResponse {
    t::IdResponse { success: true, data: Some(t::IdResponseData { id: Some(id) }) }
}

/// Options of an enum or set field from the request: strings or objects with a `label`.
fn field_options(options: Option<&[Value]>, first_id: i64) -> Result<Vec<BTreeMap<String, Value>>, ApiError> {
    let mut result = Vec::new();
    for (id, option) in (first_id..).zip(options.unwrap_or_default()) {
        let label = match option {
            Value::String(label) => label.clone(),
            Value::Object(map) => match map.get("label") {
                Some(Value::String(label)) => label.clone(),
                _ => return Err(ApiError::bad_request("each option needs a string `label`")),
            },
            _ => return Err(ApiError::bad_request("options must be labels or objects with a `label`")),
        };
        let mut entry = BTreeMap::new();
        entry.insert("id".to_owned(), Value::from(id));
        entry.insert("label".to_owned(), Value::from(label));
        result.push(entry);
    }
    Ok(result)
}

fn relationship_view(
    state: &State,
    rel: &RelationshipRec,
    base: Option<i64>,
) -> t::OrganizationRelationshipWithCalculatedFields {
    let base = base.filter(|base| *base == rel.owner || *base == rel.linked).unwrap_or(rel.owner);
    let other = if base == rel.owner { rel.linked } else { rel.owner };
    let calculated = match (rel.parent, base == rel.owner) {
        (false, _) => "related",
        (true, true) => "daughter",
        (true, false) => "parent",
    };
    t::OrganizationRelationshipWithCalculatedFields {
        id: Some(rel.id),
        type_: Some(if rel.parent {
            t::OrganizationRelationshipType::Parent
        } else {
            t::OrganizationRelationshipType::Related
        }),
        rel_owner_org_id: Some(state.org_reference(rel.owner)),
        rel_linked_org_id: Some(state.org_reference(rel.linked)),
        add_time: Some(rel.add_time.clone()),
        update_time: Some(rel.update_time.clone()),
        active_flag: Some("true".to_owned()),
        calculated_type: Some(calculated.to_owned()),
        calculated_related_org_id: Some(other),
    }
}

fn relationship_plain(state: &State, rel: &RelationshipRec) -> t::OrganizationRelationship {
    let view = relationship_view(state, rel, None);
    t::OrganizationRelationship {
        id: view.id,
        type_: view.type_,
        rel_owner_org_id: view.rel_owner_org_id,
        rel_linked_org_id: view.rel_linked_org_id,
        add_time: view.add_time,
        update_time: view.update_time,
        active_flag: view.active_flag,
    }
}

fn check_relationship_orgs(state: &State, owner: i64, linked: i64) -> Result<(), ApiError> {
    if owner == linked {
        return Err(ApiError::bad_request("an organization cannot have a relationship with itself"));
    }
    for id in [owner, linked] {
        body_org(state, id)?;
    }
    Ok(())
}

/// An organization named in a request body or query: unknown ones make the request invalid
/// (400); 404 is kept for the resource the path names.
fn body_org(state: &State, id: i64) -> Result<(), ApiError> {
    match state.active_org(id) {
        Some(_) => Ok(()),
        None => Err(ApiError::bad_request(format!("organization {id} does not exist"))),
    }
}

const SCOPES: &str = "base,deals:full,contacts:full,contact-fields:full,activities:full,mail:full,recents:read,search:read,admin,video-calls";

fn issue_tokens(state: &mut State, user_id: i64, refresh_token: Option<String>) -> t::OAuthToken {
    let access_token = format!("v1:{}", state.token());
    let refresh_token = refresh_token.unwrap_or_else(|| format!("{}:{}", user_id, state.token()));
    let expires = Instant::now() + Duration::from_secs(u64::try_from(crate::TOKEN_LIFETIME_SECONDS).unwrap_or(3599));
    state.access_tokens.insert(access_token.clone(), AccessToken { user_id, expires });
    state.refresh_tokens.insert(refresh_token.clone(), user_id);
    t::OAuthToken {
        access_token: Some(access_token),
        token_type: Some("Bearer".to_owned()),
        refresh_token: Some(refresh_token),
        scope: Some(SCOPES.to_owned()),
        expires_in: Some(crate::TOKEN_LIFETIME_SECONDS),
        api_domain: Some(state.api_domain.clone()),
    }
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn query_escape(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The organizations search: which fields to look in.
struct SearchFields {
    name: bool,
    address: bool,
    custom_fields: bool,
    notes: bool,
}

fn search_fields(fields: Option<&str>) -> Result<SearchFields, ApiError> {
    let Some(fields) = fields.map(str::trim).filter(|fields| !fields.is_empty()) else {
        return Ok(SearchFields { name: true, address: true, custom_fields: true, notes: true });
    };
    let mut chosen = SearchFields { name: false, address: false, custom_fields: false, notes: false };
    for field in fields.split(',').map(str::trim) {
        match field {
            "name" => chosen.name = true,
            "address" => chosen.address = true,
            "custom_fields" => chosen.custom_fields = true,
            "notes" => chosen.notes = true,
            other => {
                return Err(ApiError::bad_request(format!("cannot search in `{other}`"))
                    .with_detail("searchable fields: address, custom_fields, notes, name"))
            }
        }
    }
    Ok(chosen)
}

fn matches(text: &str, term: &str, exact: bool) -> bool {
    let (text, term) = (text.to_lowercase(), term.to_lowercase());
    if exact {
        text == term
    } else {
        text.contains(&term)
    }
}

fn bounded_time(name: &str, text: Option<&str>) -> Result<Option<chrono::NaiveDateTime>, ApiError> {
    match text {
        None => Ok(None),
        Some(text) => parse_time(text).map(Some).ok_or_else(|| {
            ApiError::bad_request(format!("{name} must be a date and time in ISO 8601 format"))
                .with_detail("for example 2022-11-01 08:55:59")
        }),
    }
}

fn starts_with_char(name: &str, first_char: Option<&str>) -> bool {
    match first_char.and_then(|text| text.chars().next()) {
        None => true,
        Some(first) => name.chars().next().is_some_and(|own| own.to_lowercase().eq(first.to_lowercase())),
    }
}

impl pipedrive_server::Api for Mock {
    type Principal = Principal;

    async fn authenticate(&self, credentials: Credentials, _operation: &'static str) -> Result<Principal, ApiError> {
        let state = self.lock();
        let Some((_, credential)) = credentials.presented.first() else {
            return Err(unauthorized("send an api_token or a bearer token", "Bearer"));
        };
        match credential {
            Credential::ApiKey(key) => match key.expose() {
                crate::ADMIN_API_TOKEN => Ok(Principal::User(crate::ADMIN_USER_ID)),
                crate::USER_API_TOKEN => Ok(Principal::User(crate::REGULAR_USER_ID)),
                _ => Err(unauthorized("the api_token is not valid", "Bearer")),
            },
            Credential::Bearer(token) => match token.expose() {
                crate::ADMIN_BEARER => Ok(Principal::User(crate::ADMIN_USER_ID)),
                crate::USER_BEARER => Ok(Principal::User(crate::REGULAR_USER_ID)),
                issued => match state.access_tokens.get(issued) {
                    Some(token) if token.expires > Instant::now() => Ok(Principal::User(token.user_id)),
                    Some(_) => Err(unauthorized("the access token has expired; refresh it", "Bearer")),
                    None => Err(unauthorized("the access token is not valid", "Bearer")),
                },
            },
            Credential::Basic { username, password } => {
                if username == crate::CLIENT_ID && password.expose() == crate::CLIENT_SECRET {
                    Ok(Principal::App(username.clone()))
                } else {
                    Err(unauthorized("the client credentials are not valid", "Basic"))
                }
            }
        }
    }

    // ----- video call provider links -----

    async fn save_user_provider_link(
        &self,
        principal: Principal,
        request: SaveUserProviderLinkParams,
    ) -> Result<SaveUserProviderLinkResponse, ApiError> {
        user_of(&principal)?;
        let Some(body) = request.body else {
            return Err(ApiError::bad_request("the request body is required"));
        };
        if body.marketplace_client_id != crate::CLIENT_ID {
            return Ok(SaveUserProviderLinkResponse::Unauthorized(t::MessageResponse {
                success: Some(false),
                message: Some("No permission to create user provider link".to_owned()),
            }));
        }
        let key = match uuid::Uuid::parse_str(body.user_provider_id.trim()) {
            Ok(id) => id.to_string(),
            Err(_) => body.user_provider_id.clone(),
        };
        let link = ProviderLink {
            user_id: body.user_id,
            company_id: body.company_id,
            marketplace_client_id: body.marketplace_client_id,
        };
        self.lock().provider_links.insert(key, link);
        Ok(SaveUserProviderLinkResponse::Ok(t::UserProviderLinkResponse {
            success: true,
            data: Some(t::UserProviderLinkResponseData { message: Some("The user was added successfully".to_owned()) }),
        }))
    }

    async fn delete_user_provider_link(
        &self,
        principal: Principal,
        request: DeleteUserProviderLinkParams,
    ) -> Result<DeleteUserProviderLinkResponse, ApiError> {
        user_of(&principal)?;
        let removed = self.lock().provider_links.remove(&request.id.to_string());
        match removed {
            Some(_) => Ok(DeleteUserProviderLinkResponse::Ok(t::UserProviderLinkResponse {
                success: true,
                data: Some(t::UserProviderLinkResponseData {
                    message: Some("The user was removed successfully".to_owned()),
                }),
            })),
            None => Ok(DeleteUserProviderLinkResponse::Forbidden(t::MessageResponse {
                success: Some(false),
                message: Some("Incorrect parameter provided".to_owned()),
            })),
        }
    }

    // ----- notes -----

    async fn get_note_fields(
        &self,
        principal: Principal,
        _request: GetNoteFieldsParams,
    ) -> Result<GetNoteFieldsResponse, ApiError> {
        user_of(&principal)?;
        let fields = [
            ("id", "ID", t::FieldType::Double),
            ("content", "Content", t::FieldType::Text),
            ("user_id", "Owner", t::FieldType::User),
            ("deal_id", "Deal", t::FieldType::Double),
            ("lead_id", "Lead", t::FieldType::Varchar),
            ("person_id", "Person", t::FieldType::People),
            ("org_id", "Organization", t::FieldType::Org),
            ("add_time", "Add time", t::FieldType::Date),
            ("update_time", "Update time", t::FieldType::Date),
            ("pinned_to_deal_flag", "Pinned to deal", t::FieldType::Enum),
            ("pinned_to_person_flag", "Pinned to person", t::FieldType::Enum),
            ("pinned_to_organization_flag", "Pinned to organization", t::FieldType::Enum),
            ("pinned_to_lead_flag", "Pinned to lead", t::FieldType::Enum),
        ];
        let data: Vec<t::NoteField> = (1_i64..)
            .zip(fields)
            .map(|(id, (key, name, field_type))| {
                let is_flag = key.starts_with("pinned_");
                t::NoteField {
                    id: Some(id),
                    key: Some(key.to_owned()),
                    name: Some(name.to_owned()),
                    field_type: Some(field_type),
                    active_flag: Some(true),
                    edit_flag: Some(false),
                    bulk_edit_allowed: Some(key != "id"),
                    mandatory_flag: Some(key == "content"),
                    options: is_flag.then(|| {
                        vec![
                            t::NoteFieldOptionsItem { id: Some(0), label: Some("Not pinned".to_owned()) },
                            t::NoteFieldOptionsItem { id: Some(1), label: Some("Pinned".to_owned()) },
                        ]
                    }),
                }
            })
            .collect();
        let count = state::count(data.iter());
        Ok(GetNoteFieldsResponse::Ok(t::NoteFieldsResponse {
            success: true,
            data: Some(data).into(),
            additional_data: Some(t::AdditionalDataFlatPagination {
                start: Some(0),
                limit: Some(count),
                more_items_in_collection: Some(false),
            }),
        }))
    }

    async fn get_notes(&self, principal: Principal, request: GetNotesParams) -> Result<GetNotesResponse, ApiError> {
        let viewer = user_of(&principal)?;
        let state = self.lock();
        let date_of = |note: &NoteRec| parse_time(&note.add_time).map(|time| time.date());
        let notes: Vec<t::Note> = state
            .notes
            .values()
            .filter(|note| request.user_id.is_none_or(|id| note.user_id == id))
            .filter(|note| request.lead_id.is_none_or(|id| note.lead_id == Some(id)))
            .filter(|note| request.deal_id.is_none_or(|id| note.deal_id == Some(id)))
            .filter(|note| request.person_id.is_none_or(|id| note.person_id == Some(id)))
            .filter(|note| request.org_id.is_none_or(|id| note.org_id == Some(id)))
            .filter(|note| request.start_date.is_none_or(|from| date_of(note).is_some_and(|date| date >= from)))
            .filter(|note| request.end_date.is_none_or(|until| date_of(note).is_some_and(|date| date <= until)))
            .filter(|note| flag(request.pinned_to_lead_flag).is_none_or(|pinned| note.pinned_to_lead == pinned))
            .filter(|note| flag(request.pinned_to_deal_flag).is_none_or(|pinned| note.pinned_to_deal == pinned))
            .filter(|note| {
                flag(request.pinned_to_organization_flag).is_none_or(|pinned| note.pinned_to_organization == pinned)
            })
            .filter(|note| flag(request.pinned_to_person_flag).is_none_or(|pinned| note.pinned_to_person == pinned))
            .map(|note| state.note(note, viewer))
            .collect();
        let notes = pages::sort(
            notes,
            request.sort.as_deref(),
            &[
                "id",
                "user_id",
                "deal_id",
                "lead_id",
                "person_id",
                "org_id",
                "content",
                "add_time",
                "update_time",
                "pinned_to_deal_flag",
                "pinned_to_organization_flag",
                "pinned_to_person_flag",
            ],
        )?;
        let page = pages::offset(notes, request.start, request.limit, pages::MAX_LIMIT);
        Ok(GetNotesResponse::Ok(t::NotesListResponse {
            success: true,
            additional_data: Some(t::AdditionalDataWithPagination { pagination: Some(page.details()) }),
            data: Some(page.items).into(),
        }))
    }

    async fn add_note(&self, principal: Principal, request: AddNoteParams) -> Result<AddNoteResponse, ApiError> {
        let viewer = user_of(&principal)?;
        let body = request.body;
        let mut state = self.lock();
        let user_id = body.user_id.unwrap_or(viewer);
        require_user(&state, user_id)?;
        if let Some(org_id) = body.org_id {
            body_org(&state, org_id)?;
        }
        let time = add_time(body.add_time.as_deref())?;
        let id = state.id();
        let note = NoteRec {
            id,
            content: body.content,
            user_id,
            last_update_user_id: None,
            deal_id: body.deal_id,
            lead_id: body.lead_id,
            person_id: body.person_id,
            org_id: body.org_id,
            add_time: time.clone(),
            update_time: now(),
            pinned_to_deal: flag(body.pinned_to_deal_flag).unwrap_or(false),
            pinned_to_lead: flag(body.pinned_to_lead_flag).unwrap_or(false),
            pinned_to_person: flag(body.pinned_to_person_flag).unwrap_or(false),
            pinned_to_organization: flag(body.pinned_to_organization_flag).unwrap_or(false),
        };
        let rendered = state.note(&note, viewer);
        if let Some(org_id) = note.org_id {
            let data = serde_json::to_value(&rendered).unwrap_or(Value::Null);
            state.record_flow(org_id, "note", time, data);
        }
        state.notes.insert(id, note);
        Ok(AddNoteResponse::Ok(t::NoteResponse { success: true, data: Some(rendered) }))
    }

    async fn get_note(&self, principal: Principal, request: GetNoteParams) -> Result<GetNoteResponse, ApiError> {
        let viewer = user_of(&principal)?;
        let state = self.lock();
        let note = state.notes.get(&request.id).ok_or_else(|| note_not_found(request.id))?;
        Ok(GetNoteResponse::Ok(t::NoteResponse { success: true, data: Some(state.note(note, viewer)) }))
    }

    async fn update_note(
        &self,
        principal: Principal,
        request: UpdateNoteParams,
    ) -> Result<UpdateNoteResponse, ApiError> {
        let viewer = user_of(&principal)?;
        let mut state = self.lock();
        let mut note = state.notes.get(&request.id).cloned().ok_or_else(|| note_not_found(request.id))?;
        if let Some(body) = request.body {
            if let Some(user_id) = body.user_id {
                require_user(&state, user_id)?;
                note.user_id = user_id;
            }
            if let Some(org_id) = body.org_id {
                body_org(&state, org_id)?;
                note.org_id = Some(org_id);
            }
            if let Some(text) = body.add_time.as_deref() {
                note.add_time = add_time(Some(text))?;
            }
            if let Some(content) = body.content {
                note.content = content;
            }
            note.deal_id = body.deal_id.or(note.deal_id);
            note.lead_id = body.lead_id.or(note.lead_id);
            note.person_id = body.person_id.or(note.person_id);
            note.pinned_to_deal = flag(body.pinned_to_deal_flag).unwrap_or(note.pinned_to_deal);
            note.pinned_to_lead = flag(body.pinned_to_lead_flag).unwrap_or(note.pinned_to_lead);
            note.pinned_to_person = flag(body.pinned_to_person_flag).unwrap_or(note.pinned_to_person);
            note.pinned_to_organization = flag(body.pinned_to_organization_flag).unwrap_or(note.pinned_to_organization);
        }
        note.update_time = now();
        note.last_update_user_id = Some(viewer);
        let rendered = state.note(&note, viewer);
        state.notes.insert(note.id, note);
        Ok(UpdateNoteResponse::Ok(t::NoteResponse { success: true, data: Some(rendered) }))
    }

    async fn delete_note(
        &self,
        principal: Principal,
        request: DeleteNoteParams,
    ) -> Result<DeleteNoteResponse, ApiError> {
        user_of(&principal)?;
        let mut state = self.lock();
        state.notes.remove(&request.id).ok_or_else(|| note_not_found(request.id))?;
        state.comments.remove(&request.id);
        Ok(DeleteNoteResponse::Ok(t::BooleanResponse { success: true, data: Some(true) }))
    }

    async fn get_note_comments(
        &self,
        principal: Principal,
        request: GetNoteCommentsParams,
    ) -> Result<GetNoteCommentsResponse, ApiError> {
        user_of(&principal)?;
        let state = self.lock();
        if !state.notes.contains_key(&request.id) {
            return Err(note_not_found(request.id));
        }
        let comments = state.comments.get(&request.id).cloned().unwrap_or_default();
        let page = pages::offset(comments, request.start, request.limit, pages::MAX_LIMIT);
        Ok(GetNoteCommentsResponse::Ok(t::CommentsListResponse {
            success: true,
            additional_data: Some(t::AdditionalDataWithPagination { pagination: Some(page.details()) }),
            data: Some(page.items).into(),
        }))
    }

    async fn add_note_comment(
        &self,
        principal: Principal,
        request: AddNoteCommentParams,
    ) -> Result<AddNoteCommentResponse, ApiError> {
        let viewer = user_of(&principal)?;
        let mut state = self.lock();
        if !state.notes.contains_key(&request.id) {
            return Err(note_not_found(request.id));
        }
        let comment = t::Comment {
            uuid: Some(state.uuid()),
            active_flag: Some(true),
            add_time: Some(now()),
            update_time: None,
            content: Some(request.body.content),
            object_id: Some(request.id.to_string()),
            object_type: Some("note".to_owned()),
            user_id: Some(viewer),
            updater_id: None,
            company_id: Some(1),
        };
        state.comments.entry(request.id).or_default().push(comment.clone());
        Ok(AddNoteCommentResponse::Ok(t::CommentResponse { success: true, data: Some(comment) }))
    }

    async fn get_comment(
        &self,
        principal: Principal,
        request: GetCommentParams,
    ) -> Result<GetCommentResponse, ApiError> {
        user_of(&principal)?;
        let state = self.lock();
        let comment = state
            .comments
            .get(&request.id)
            .and_then(|comments| comments.iter().find(|comment| comment.uuid == Some(request.comment_id)))
            .cloned()
            .ok_or_else(|| ApiError::not_found("Comment not found"))?;
        Ok(GetCommentResponse::Ok(t::CommentResponse { success: true, data: Some(comment) }))
    }

    async fn update_comment_for_note(
        &self,
        principal: Principal,
        request: UpdateCommentForNoteParams,
    ) -> Result<UpdateCommentForNoteResponse, ApiError> {
        let viewer = user_of(&principal)?;
        let mut state = self.lock();
        let admin = state.is_admin(viewer);
        let comment = state
            .comments
            .get_mut(&request.id)
            .and_then(|comments| comments.iter_mut().find(|comment| comment.uuid == Some(request.comment_id)))
            .ok_or_else(|| ApiError::not_found("Comment not found"))?;
        if comment.user_id != Some(viewer) && !admin {
            return Err(ApiError::forbidden("only the author of a comment may change it"));
        }
        comment.content = Some(request.body.content);
        comment.update_time = Some(now());
        comment.updater_id = Some(viewer);
        let comment = comment.clone();
        Ok(UpdateCommentForNoteResponse::Ok(t::CommentResponse { success: true, data: Some(comment) }))
    }

    async fn delete_comment(
        &self,
        principal: Principal,
        request: DeleteCommentParams,
    ) -> Result<DeleteCommentResponse, ApiError> {
        let viewer = user_of(&principal)?;
        let mut state = self.lock();
        let admin = state.is_admin(viewer);
        let comments = state.comments.get_mut(&request.id).ok_or_else(|| ApiError::not_found("Comment not found"))?;
        let position = comments
            .iter()
            .position(|comment| comment.uuid == Some(request.comment_id))
            .ok_or_else(|| ApiError::not_found("Comment not found"))?;
        if comments[position].user_id != Some(viewer) && !admin {
            return Err(ApiError::forbidden("only the author of a comment may delete it"));
        }
        comments.remove(position);
        Ok(DeleteCommentResponse::Ok(t::BooleanResponse { success: true, data: Some(true) }))
    }

    // ----- OAuth -----

    async fn authorize(&self, request: AuthorizeParams) -> Result<AuthorizeResponse, ApiError> {
        // RFC 6749, 4.1.2.1: with an unknown client or no redirect URI the user is told on the
        // page, never redirected (the spec documents only the 200 page).
        let problem = if request.client_id != crate::CLIENT_ID {
            Some(("invalid_client", "The client_id is not a registered app."))
        } else if request.redirect_uri.trim().is_empty() {
            Some(("invalid_request", "The redirect_uri is missing."))
        } else {
            None
        };
        if let Some((error, description)) = problem {
            return Ok(AuthorizeResponse::Ok(format!(
                "<!DOCTYPE html>\n<html><head><title>Authorization failed</title></head><body>\n\
                 <h1>Pipedrive mock: authorization failed</h1>\n\
                 <p id=\"error\">{error}</p>\n<p>{description}</p>\n</body></html>\n"
            )));
        }
        let code = {
            let mut state = self.lock();
            state.codes_issued += 1;
            let issued = state.codes_issued;
            format!("{issued}.{}", state.token())
        };
        let separator = if request.redirect_uri.contains('?') { '&' } else { '?' };
        let mut target = format!("{}{separator}code={}", request.redirect_uri, query_escape(&code));
        if let Some(state) = &request.state {
            target.push_str(&format!("&state={}", query_escape(state)));
        }
        let target = html_escape(&target);
        Ok(AuthorizeResponse::Ok(format!(
            "<!DOCTYPE html>\n<html><head><title>Authorize {client}</title></head><body>\n\
             <h1>Pipedrive mock: authorize {client}</h1>\n\
             <p>Admin User (user {user}) approves the app.</p>\n\
             <a id=\"approve\" href=\"{target}\">{target}</a>\n</body></html>\n",
            client = html_escape(&request.client_id),
            user = crate::ADMIN_USER_ID,
        )))
    }

    async fn get_tokens(&self, principal: Principal, request: GetTokensParams) -> Result<GetTokensResponse, ApiError> {
        let Principal::App(_) = principal else {
            return Err(ApiError::forbidden("the token endpoint needs the app's client credentials"));
        };
        let body = request.body.unwrap_or_default();
        let mut state = self.lock();
        match body.grant_type.as_deref() {
            Some("authorization_code") => {
                Ok(GetTokensResponse::Ok(issue_tokens(&mut state, crate::ADMIN_USER_ID, None)))
            }
            Some("refresh_token") => {
                let given = body.refresh_token.unwrap_or_default();
                let Some(user_id) = state.refresh_tokens.get(&given).copied() else {
                    return Err(ApiError::bad_request("invalid_grant").with_detail("the refresh token is not valid"));
                };
                Ok(GetTokensResponse::Ok(issue_tokens(&mut state, user_id, Some(given))))
            }
            _ => Err(ApiError::bad_request("unsupported_grant_type")
                .with_detail("grant_type must be authorization_code or refresh_token")),
        }
    }

    // ----- organization fields -----

    async fn get_organization_fields(
        &self,
        principal: Principal,
        request: GetOrganizationFieldsParams,
    ) -> Result<GetOrganizationFieldsResponse, ApiError> {
        user_of(&principal)?;
        let state = self.lock();
        let fields: Vec<t::OrganizationField> = state
            .org_fields
            .values()
            .filter(|field| field.field.active_flag == Some(true))
            .map(|field| field.field.clone())
            .collect();
        let page = pages::offset(fields, request.start, request.limit, pages::MAX_LIMIT);
        Ok(GetOrganizationFieldsResponse::Ok(t::OrganizationFieldsListResponse {
            success: true,
            additional_data: Some(page.flat()),
            data: Some(page.items).into(),
        }))
    }

    async fn add_organization_field(
        &self,
        principal: Principal,
        request: AddOrganizationFieldParams,
    ) -> Result<AddOrganizationFieldResponse, ApiError> {
        let viewer = user_of(&principal)?;
        let body = request.body;
        if body.name.trim().is_empty() {
            return Err(ApiError::bad_request("the field name must not be empty"));
        }
        let field_type: t::FieldType = body
            .field_type
            .as_str()
            .parse()
            .unwrap_or_else(|_| t::FieldType::Unknown(body.field_type.as_str().to_owned()));
        let has_options = matches!(field_type, t::FieldType::Enum | t::FieldType::Set);
        let options = if has_options {
            let options = field_options(body.options.as_deref(), 1)?;
            if options.is_empty() {
                return Err(ApiError::bad_request("enum and set fields need options"));
            }
            Nullable::Value(options)
        } else {
            Nullable::Null
        };
        let mut state = self.lock();
        let id = state.org_fields.keys().max().copied().unwrap_or(0) + 1;
        let key = state::field_key(&mut state);
        let time = now_datetime();
        let field = t::OrganizationField {
            id: Some(id),
            key: Some(key),
            name: Some(body.name),
            order_nr: Some(id),
            field_type: Some(field_type),
            add_time: Some(time),
            update_time: Some(time),
            last_updated_by_user_id: Some(viewer),
            active_flag: Some(true),
            edit_flag: Some(true),
            index_visible_flag: Some(true),
            details_visible_flag: Some(true),
            add_visible_flag: Some(body.add_visible_flag.unwrap_or(true)),
            important_flag: Some(false),
            bulk_edit_allowed: Some(true),
            searchable_flag: Some(false),
            filtering_allowed: Some(true),
            sortable_flag: Some(true),
            mandatory_flag: Some(false),
            options,
            ..t::OrganizationField::default()
        };
        state.org_fields.insert(id, FieldRec { field: field.clone(), system: false });
        Ok(AddOrganizationFieldResponse::Ok(t::OrganizationFieldResponse { success: true, data: Some(field) }))
    }

    async fn delete_organization_fields(
        &self,
        principal: Principal,
        request: DeleteOrganizationFieldsParams,
    ) -> Result<DeleteOrganizationFieldsResponse, ApiError> {
        user_of(&principal)?;
        let ids = pages::ids(&request.ids)?;
        let mut state = self.lock();
        if let Some(system) = ids.iter().find(|id| state.org_fields.get(id).is_some_and(|field| field.system)) {
            return Err(ApiError::forbidden(format!("field {system} is a system field and cannot be deleted")));
        }
        let mut deleted = Vec::new();
        for id in ids {
            if let Some(field) = state.org_fields.get_mut(&id).filter(|field| field.field.active_flag == Some(true)) {
                field.field.active_flag = Some(false);
                deleted.push(id);
            }
        }
        Ok(DeleteOrganizationFieldsResponse::Ok(t::BulkDeleteFieldsResponse {
            success: true,
            data: Some(t::BulkDeleteFieldsResponseData { id: Some(deleted) }),
        }))
    }

    async fn get_organization_field(
        &self,
        principal: Principal,
        request: GetOrganizationFieldParams,
    ) -> Result<GetOrganizationFieldResponse, ApiError> {
        user_of(&principal)?;
        let state = self.lock();
        let field = state
            .org_fields
            .get(&request.id)
            .filter(|field| field.field.active_flag == Some(true))
            .ok_or_else(|| field_not_found(request.id))?;
        Ok(GetOrganizationFieldResponse::Ok(t::OrganizationFieldResponse {
            success: true,
            data: Some(field.field.clone()),
        }))
    }

    async fn update_organization_field(
        &self,
        principal: Principal,
        request: UpdateOrganizationFieldParams,
    ) -> Result<UpdateOrganizationFieldResponse, ApiError> {
        let viewer = user_of(&principal)?;
        let mut state = self.lock();
        let field = state
            .org_fields
            .get_mut(&request.id)
            .filter(|field| field.field.active_flag == Some(true))
            .ok_or_else(|| field_not_found(request.id))?;
        if field.system {
            return Err(ApiError::forbidden(format!("field {} is a system field and cannot be changed", request.id)));
        }
        if let Some(body) = request.body {
            if let Some(name) = body.name {
                if name.trim().is_empty() {
                    return Err(ApiError::bad_request("the field name must not be empty"));
                }
                field.field.name = Some(name);
            }
            if let Some(options) = body.options.as_deref() {
                if matches!(field.field.field_type, Some(t::FieldType::Enum | t::FieldType::Set)) {
                    field.field.options = Nullable::Value(field_options(Some(options), 1)?);
                }
            }
            if let Some(visible) = body.add_visible_flag {
                field.field.add_visible_flag = Some(visible);
            }
        }
        field.field.update_time = Some(now_datetime());
        field.field.last_updated_by_user_id = Some(viewer);
        Ok(UpdateOrganizationFieldResponse::Ok(t::OrganizationFieldResponse {
            success: true,
            data: Some(field.field.clone()),
        }))
    }

    async fn delete_organization_field(
        &self,
        principal: Principal,
        request: DeleteOrganizationFieldParams,
    ) -> Result<DeleteOrganizationFieldResponse, ApiError> {
        user_of(&principal)?;
        let mut state = self.lock();
        let field = state
            .org_fields
            .get_mut(&request.id)
            .filter(|field| field.field.active_flag == Some(true))
            .ok_or_else(|| field_not_found(request.id))?;
        if field.system {
            return Err(ApiError::forbidden(format!("field {} is a system field and cannot be deleted", request.id)));
        }
        field.field.active_flag = Some(false);
        Ok(DeleteOrganizationFieldResponse::Ok(id_response(request.id)))
    }

    // ----- organization relationships -----

    async fn get_organization_relationships(
        &self,
        principal: Principal,
        request: GetOrganizationRelationshipsParams,
    ) -> Result<GetOrganizationRelationshipsResponse, ApiError> {
        user_of(&principal)?;
        let state = self.lock();
        // The organization is a filter in the query: an unknown one has no relationships.
        let mut orgs = vec![request.org_id];
        let items: Vec<t::OrganizationRelationshipListItem> = state
            .relationships
            .values()
            .filter(|rel| rel.owner == request.org_id || rel.linked == request.org_id)
            .map(|rel| {
                let view = relationship_view(&state, rel, Some(request.org_id));
                let other = view.calculated_related_org_id.unwrap_or_default();
                orgs.push(other);
                t::OrganizationRelationshipListItem {
                    id: view.id,
                    type_: view.type_,
                    rel_owner_org_id: view.rel_owner_org_id,
                    rel_linked_org_id: view.rel_linked_org_id,
                    add_time: view.add_time,
                    update_time: view.update_time,
                    active_flag: view.active_flag,
                    calculated_type: view.calculated_type,
                    calculated_related_org_id: view.calculated_related_org_id,
                    related_organization_name: state.orgs.get(&other).map(|org| org.name.clone()),
                }
            })
            .collect();
        let count = state::count(items.iter());
        Ok(GetOrganizationRelationshipsResponse::Ok(t::OrganizationRelationshipsListResponse {
            success: true,
            data: Some(items).into(),
            additional_data: Some(t::AdditionalDataFlatPagination {
                start: Some(0),
                limit: Some(count),
                more_items_in_collection: Some(false),
            }),
            related_objects: Some(state.related(&[], &orgs)),
        }))
    }

    async fn add_organization_relationship(
        &self,
        principal: Principal,
        request: AddOrganizationRelationshipParams,
    ) -> Result<AddOrganizationRelationshipResponse, ApiError> {
        user_of(&principal)?;
        let body = request.body;
        let mut state = self.lock();
        check_relationship_orgs(&state, body.rel_owner_org_id, body.rel_linked_org_id)?;
        let duplicate = state.relationships.values().any(|rel| {
            (rel.owner, rel.linked) == (body.rel_owner_org_id, body.rel_linked_org_id)
                || (rel.owner, rel.linked) == (body.rel_linked_org_id, body.rel_owner_org_id)
        });
        if duplicate {
            return Err(ApiError::bad_request("these organizations already have a relationship"));
        }
        let id = state.id();
        let time = now();
        let rel = RelationshipRec {
            id,
            parent: matches!(body.type_, t::OrganizationRelationshipsCreateNewRelationshipRequestType::Parent),
            owner: body.rel_owner_org_id,
            linked: body.rel_linked_org_id,
            add_time: time.clone(),
            update_time: time,
        };
        let data = relationship_plain(&state, &rel);
        let related = state.related(&[], &[rel.owner, rel.linked]);
        state.relationships.insert(id, rel);
        Ok(AddOrganizationRelationshipResponse::Ok(t::OrganizationRelationshipResponse {
            success: true,
            data: Some(data),
            related_objects: Some(related),
        }))
    }

    async fn get_organization_relationship(
        &self,
        principal: Principal,
        request: GetOrganizationRelationshipParams,
    ) -> Result<GetOrganizationRelationshipResponse, ApiError> {
        user_of(&principal)?;
        let state = self.lock();
        let rel = state.relationships.get(&request.id).ok_or_else(|| relationship_not_found(request.id))?;
        Ok(GetOrganizationRelationshipResponse::Ok(t::OrganizationRelationshipWithCalculatedFieldsResponse {
            success: true,
            data: Some(relationship_view(&state, rel, request.org_id)),
            related_objects: Some(state.related(&[], &[rel.owner, rel.linked])),
        }))
    }

    async fn update_organization_relationship(
        &self,
        principal: Principal,
        request: UpdateOrganizationRelationshipParams,
    ) -> Result<UpdateOrganizationRelationshipResponse, ApiError> {
        user_of(&principal)?;
        let mut state = self.lock();
        let mut rel =
            state.relationships.get(&request.id).cloned().ok_or_else(|| relationship_not_found(request.id))?;
        if let Some(body) = request.body {
            if let Some(kind) = body.type_ {
                rel.parent = matches!(kind, t::OrganizationRelationshipsUpdateAndReturnRequestType::Parent);
            }
            rel.owner = body.rel_owner_org_id.unwrap_or(rel.owner);
            rel.linked = body.rel_linked_org_id.unwrap_or(rel.linked);
            check_relationship_orgs(&state, rel.owner, rel.linked)?;
        }
        rel.update_time = now();
        let data = relationship_plain(&state, &rel);
        let related = state.related(&[], &[rel.owner, rel.linked]);
        state.relationships.insert(rel.id, rel);
        Ok(UpdateOrganizationRelationshipResponse::Ok(t::OrganizationRelationshipResponse {
            success: true,
            data: Some(data),
            related_objects: Some(related),
        }))
    }

    async fn delete_organization_relationship(
        &self,
        principal: Principal,
        request: DeleteOrganizationRelationshipParams,
    ) -> Result<DeleteOrganizationRelationshipResponse, ApiError> {
        user_of(&principal)?;
        let mut state = self.lock();
        state.relationships.remove(&request.id).ok_or_else(|| relationship_not_found(request.id))?;
        Ok(DeleteOrganizationRelationshipResponse::Ok(id_response(request.id)))
    }

    // ----- organizations -----

    async fn get_organizations(
        &self,
        principal: Principal,
        request: GetOrganizationsParams,
    ) -> Result<GetOrganizationsResponse, ApiError> {
        user_of(&principal)?;
        if let Some(filter_id) = request.filter_id {
            return Err(ApiError::bad_request(format!("filter {filter_id} does not exist"))
                .with_detail("the mock account has no saved filters"));
        }
        let state = self.lock();
        let items: Vec<t::OrganizationItem> = state
            .orgs
            .values()
            .filter(|org| org.active)
            .filter(|org| request.user_id.is_none_or(|owner| org.owner_id == owner))
            .filter(|org| starts_with_char(&org.name, request.first_char.as_deref()))
            .map(|org| state.org_item(org))
            .collect();
        let items = pages::sort(
            items,
            request.sort.as_deref(),
            &["id", "name", "add_time", "update_time", "label", "people_count", "notes_count", "visible_to"],
        )?;
        let page = pages::offset(items, request.start, request.limit, pages::MAX_LIMIT);
        let owners: Vec<i64> =
            page.items.iter().filter_map(|org| org.owner_id.as_ref().and_then(|owner| owner.id)).collect();
        Ok(GetOrganizationsResponse::Ok(t::OrganizationsListResponse {
            success: true,
            additional_data: Some(t::AdditionalDataWithPagination { pagination: Some(page.details()) }),
            related_objects: Some(state.related(&owners, &[])),
            data: Some(page.items).into(),
        }))
    }

    async fn add_organization(
        &self,
        principal: Principal,
        request: AddOrganizationParams,
    ) -> Result<AddOrganizationResponse, ApiError> {
        let viewer = user_of(&principal)?;
        let body = request.body;
        if body.name.trim().is_empty() {
            return Err(ApiError::bad_request("the organization name must not be empty"));
        }
        let mut state = self.lock();
        let owner_id = body.owner_id.unwrap_or(viewer);
        require_user(&state, owner_id)?;
        let time = add_time(body.add_time.as_deref())?;
        let keys = state.custom_keys();
        let custom: BTreeMap<String, Value> = body.extra.into_iter().filter(|(key, _)| keys.contains(key)).collect();
        let id = state.id();
        let org = OrgRec {
            id,
            name: body.name,
            owner_id,
            label: body.label,
            visible_to: body.visible_to.map_or_else(|| "3".to_owned(), |visible| visible.as_str().to_owned()),
            address: None,
            add_time: time.clone(),
            update_time: time,
            active: true,
            delete_time: None,
            custom,
        };
        state.orgs.insert(id, org.clone());
        let follower_id = state.id();
        state.followers.push(FollowerRec { id: follower_id, org_id: id, user_id: owner_id, add_time: now_datetime() });
        Ok(AddOrganizationResponse::Created(t::OrganizationDetailsResponse {
            success: true,
            data: Some(state.org_details(&org)),
            additional_data: Some(t::OrganizationDetailsResponseAdditionalData {
                followers: Some(state.follower_users(id)),
                dropbox_email: Some(state::cc_email(id)),
            }),
            related_objects: Some(state.related(&[owner_id], &[])),
        }))
    }

    async fn delete_organizations(
        &self,
        principal: Principal,
        request: DeleteOrganizationsParams,
    ) -> Result<DeleteOrganizationsResponse, ApiError> {
        user_of(&principal)?;
        let ids = pages::ids(&request.ids)?;
        let mut state = self.lock();
        let time = now();
        let mut deleted = Vec::new();
        for id in ids {
            if let Some(org) = state.orgs.get_mut(&id).filter(|org| org.active) {
                org.active = false;
                org.delete_time = Some(time.clone());
                org.update_time = time.clone();
                deleted.push(id as f64);
            }
        }
        Ok(DeleteOrganizationsResponse::Ok(t::BulkDeleteOrganizationsResponse {
            success: true,
            data: Some(t::BulkDeleteOrganizationsResponseData { id: Some(deleted) }),
        }))
    }

    async fn get_organizations_collection(
        &self,
        principal: Principal,
        request: GetOrganizationsCollectionParams,
    ) -> Result<GetOrganizationsCollectionResponse, ApiError> {
        let viewer = user_of(&principal)?;
        let state = self.lock();
        if !state.is_admin(viewer) {
            return Ok(GetOrganizationsCollectionResponse::Forbidden(t::ErrorResponse {
                success: Some(false),
                error: Some("Forbidden: only global admins can access the collection endpoints".to_owned()),
                error_info: Some("Please check developers.pipedrive.com".to_owned()).into(),
            }));
        }
        let since = bounded_time("since", request.since.as_deref())?;
        let until = bounded_time("until", request.until.as_deref())?;
        let items: Vec<t::OrganizationCollectionItem> = state
            .orgs
            .values()
            .filter(|org| org.active)
            .filter(|org| request.owner_id.is_none_or(|owner| org.owner_id == owner))
            .filter(|org| starts_with_char(&org.name, request.first_char.as_deref()))
            .filter(|org| {
                let updated = parse_time(&org.update_time);
                since.is_none_or(|since| updated.is_some_and(|time| time >= since))
                    && until.is_none_or(|until| updated.is_some_and(|time| time <= until))
            })
            .map(|org| state.org_collection_item(org))
            .collect();
        let page = pages::cursor(items, |org| org.id.unwrap_or_default(), request.cursor.as_deref(), request.limit)?;
        Ok(GetOrganizationsCollectionResponse::Ok(t::OrganizationsCollectionResponse {
            success: true,
            additional_data: Some(page.additional()),
            data: Some(page.items).into(),
        }))
    }

    async fn search_organization(
        &self,
        principal: Principal,
        request: SearchOrganizationParams,
    ) -> Result<SearchOrganizationResponse, ApiError> {
        user_of(&principal)?;
        let exact = request.exact_match.unwrap_or(false);
        let term = request.term.trim().to_owned();
        if term.chars().count() < if exact { 1 } else { 2 } {
            return Err(ApiError::bad_request("the search term must be at least 2 characters (1 with exact_match)"));
        }
        let fields = search_fields(request.fields.as_deref())?;
        let state = self.lock();
        let keys = state.custom_keys();
        let mut results: Vec<(f64, t::OrganizationSearchItem)> = Vec::new();
        for org in state.orgs.values().filter(|org| org.active) {
            let name_hit = fields.name && matches(&org.name, &term, exact);
            let address_hit =
                fields.address && org.address.as_deref().is_some_and(|address| matches(address, &term, exact));
            let custom_hits: Vec<String> = if fields.custom_fields {
                keys.iter()
                    .filter_map(|key| org.custom.get(key).and_then(json_text))
                    .filter(|value| matches(value, &term, exact))
                    .collect()
            } else {
                Vec::new()
            };
            let note_hits: Vec<String> = if fields.notes {
                state
                    .notes
                    .values()
                    .filter(|note| note.org_id == Some(org.id) && matches(&note.content, &term, exact))
                    .map(|note| note.content.clone())
                    .collect()
            } else {
                Vec::new()
            };
            if !name_hit && !address_hit && custom_hits.is_empty() && note_hits.is_empty() {
                continue;
            }
            let score = if org.name.eq_ignore_ascii_case(&term) {
                1.0
            } else if name_hit {
                0.8
            } else {
                0.5
            };
            results.push((
                score,
                t::OrganizationSearchItem {
                    result_score: Some(score),
                    item: Some(t::OrganizationSearchItemItem {
                        id: Some(org.id),
                        type_: Some("organization".to_owned()),
                        name: Some(org.name.clone()),
                        address: org.address.clone(),
                        visible_to: org.visible_to.parse().ok(),
                        owner: Some(t::OrganizationSearchItemItemOwner { id: Some(org.owner_id) }),
                        custom_fields: Some(custom_hits),
                        notes: Some(note_hits),
                    }),
                },
            ));
        }
        results.sort_by(|(left, _), (right, _)| right.total_cmp(left));
        let items: Vec<t::OrganizationSearchItem> = results.into_iter().map(|(_, item)| item).collect();
        let page = pages::offset(items, request.start, request.limit, pages::MAX_LIMIT);
        Ok(SearchOrganizationResponse::Ok(t::OrganizationSearchResponse {
            success: true,
            additional_data: Some(t::AdditionalDataWithPagination { pagination: Some(page.details()) }),
            data: Some(t::OrganizationSearchResponseData { items: Some(page.items) }),
        }))
    }

    async fn get_organization(
        &self,
        principal: Principal,
        request: GetOrganizationParams,
    ) -> Result<GetOrganizationResponse, ApiError> {
        user_of(&principal)?;
        let state = self.lock();
        let org = state.orgs.get(&request.id).ok_or_else(|| org_not_found(request.id))?;
        Ok(GetOrganizationResponse::Ok(t::OrganizationDetailsResponse {
            success: true,
            data: Some(state.org_details(org)),
            additional_data: Some(t::OrganizationDetailsResponseAdditionalData {
                followers: Some(state.follower_users(org.id)),
                dropbox_email: Some(state::cc_email(org.id)),
            }),
            related_objects: Some(state.related(&[org.owner_id], &[])),
        }))
    }

    async fn update_organization(
        &self,
        principal: Principal,
        request: UpdateOrganizationParams,
    ) -> Result<UpdateOrganizationResponse, ApiError> {
        let viewer = user_of(&principal)?;
        let mut state = self.lock();
        let mut org = active_org(&state, request.id)?.clone();
        let mut changes: Vec<(String, Option<String>, Option<String>)> = Vec::new();
        if let Some(body) = request.body {
            if let Some(name) = body.name {
                if name.trim().is_empty() {
                    return Err(ApiError::bad_request("the organization name must not be empty"));
                }
                if name != org.name {
                    changes.push(("name".to_owned(), Some(org.name.clone()), Some(name.clone())));
                    org.name = name;
                }
            }
            if let Some(owner_id) = body.owner_id {
                require_user(&state, owner_id)?;
                if owner_id != org.owner_id {
                    changes.push(("owner_id".to_owned(), Some(org.owner_id.to_string()), Some(owner_id.to_string())));
                    org.owner_id = owner_id;
                }
            }
            if let Some(label) = body.label {
                if Some(label) != org.label {
                    changes.push(("label".to_owned(), org.label.map(|old| old.to_string()), Some(label.to_string())));
                    org.label = Some(label);
                }
            }
            if let Some(visible) = body.visible_to {
                let visible = visible.as_str().to_owned();
                if visible != org.visible_to {
                    changes.push(("visible_to".to_owned(), Some(org.visible_to.clone()), Some(visible.clone())));
                    org.visible_to = visible;
                }
            }
            let keys = state.custom_keys();
            for (key, value) in body.extra.into_iter().filter(|(key, _)| keys.contains(key)) {
                let old = org.custom.get(&key).cloned().unwrap_or(Value::Null);
                if old != value {
                    changes.push((key.clone(), json_text(&old), json_text(&value)));
                    org.custom.insert(key, value);
                }
            }
        }
        org.update_time = now();
        for (key, old, new) in changes {
            state.record_change(org.id, viewer, &key, old, new);
        }
        state.orgs.insert(org.id, org.clone());
        Ok(UpdateOrganizationResponse::Ok(t::OrganizationResponse {
            success: true,
            data: Some(state.org_item(&org)),
            related_objects: Some(state.related(&[org.owner_id], &[])),
        }))
    }

    async fn delete_organization(
        &self,
        principal: Principal,
        request: DeleteOrganizationParams,
    ) -> Result<DeleteOrganizationResponse, ApiError> {
        user_of(&principal)?;
        let mut state = self.lock();
        let org = state.orgs.get_mut(&request.id).filter(|org| org.active).ok_or_else(|| org_not_found(request.id))?;
        let time = now();
        org.active = false;
        org.delete_time = Some(time.clone());
        org.update_time = time;
        Ok(DeleteOrganizationResponse::Ok(id_response(request.id)))
    }

    async fn get_organization_activities(
        &self,
        principal: Principal,
        request: GetOrganizationActivitiesParams,
    ) -> Result<GetOrganizationActivitiesResponse, ApiError> {
        user_of(&principal)?;
        let excluded = match request.exclude.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
            Some(text) => pages::ids(text)?,
            None => Vec::new(),
        };
        let state = self.lock();
        active_org(&state, request.id)?;
        let activities: Vec<t::Activity> = state
            .activities
            .iter()
            .filter(|activity| activity.org_id == request.id)
            .map(|activity| activity.item.clone())
            .filter(|activity| flag(request.done).is_none_or(|done| activity.done == Some(done)))
            .filter(|activity| activity.id.is_none_or(|id| !excluded.contains(&id)))
            .collect();
        let total = activities.len().max(1) as f64;
        let mut distribution: BTreeMap<String, t::ActivityDistribution> = BTreeMap::new();
        for activity in &activities {
            let user_id = activity.assigned_to_user_id.unwrap_or_default();
            let entry = distribution.entry(user_id.to_string()).or_insert_with(|| t::ActivityDistribution {
                activities: Some(BTreeMap::new()),
                name: state.users.get(&user_id).map(|user| user.name.clone()),
                activity_count: Some(0),
                share: Some(0),
            });
            let kind = activity.type_.clone().unwrap_or_else(|| "task".to_owned());
            *entry.activities.get_or_insert_with(BTreeMap::new).entry(kind).or_insert(0) += 1;
            entry.activity_count = Some(entry.activity_count.unwrap_or(0) + 1);
        }
        for entry in distribution.values_mut() {
            entry.share = Some((entry.activity_count.unwrap_or(0) as f64 * 100.0 / total).round() as i64);
        }
        let page = pages::offset(activities, request.start, request.limit, pages::MAX_LIMIT);
        Ok(GetOrganizationActivitiesResponse::Ok(t::OrganizationActivitiesResponse {
            success: true,
            additional_data: Some(t::OrganizationActivitiesResponseAdditionalData {
                start: Some(page.start),
                limit: Some(page.limit),
                more_items_in_collection: Some(page.more),
                activity_distribution: Some(distribution),
            }),
            data: Some(page.items).into(),
        }))
    }

    async fn get_organization_changelog(
        &self,
        principal: Principal,
        request: GetOrganizationChangelogParams,
    ) -> Result<GetOrganizationChangelogResponse, ApiError> {
        user_of(&principal)?;
        let state = self.lock();
        active_org(&state, request.id)?;
        // Newest first: the cursor key is the negated position in the log.
        let changes: Vec<(i64, t::ChangelogItem)> = state
            .changelog
            .iter()
            .enumerate()
            .rev()
            .filter(|(_, change)| change.org_id == request.id)
            .map(|(position, change)| (-i64::try_from(position).unwrap_or(i64::MAX), change.item.clone()))
            .collect();
        let page = pages::cursor(changes, |(key, _)| *key, request.cursor.as_deref(), request.limit)?;
        Ok(GetOrganizationChangelogResponse::Ok(t::ChangelogResponse {
            success: true,
            additional_data: Some(page.additional()),
            data: Some(page.items.into_iter().map(|(_, item)| item).collect::<Vec<_>>()).into(),
        }))
    }

    async fn get_organization_deals(
        &self,
        principal: Principal,
        request: GetOrganizationDealsParams,
    ) -> Result<GetOrganizationDealsResponse, ApiError> {
        user_of(&principal)?;
        let state = self.lock();
        active_org(&state, request.id)?;
        let status = request.status.unwrap_or(t::GetOrganizationDealsStatus::AllNotDeleted);
        let deals: Vec<t::Deal> = state
            .deals
            .iter()
            .filter(|deal| deal.org_id == request.id)
            .map(|deal| {
                let mut item = deal.item.clone();
                item.org_id = Some(state.org_reference(deal.org_id));
                item.org_name = state.orgs.get(&deal.org_id).map(|org| org.name.clone());
                item
            })
            .filter(|deal| {
                let deleted = deal.deleted == Some(true);
                match status {
                    t::GetOrganizationDealsStatus::AllNotDeleted => !deleted,
                    t::GetOrganizationDealsStatus::Deleted => deleted,
                    ref other => !deleted && deal.status.as_deref() == Some(other.as_str()),
                }
            })
            .collect();
        let deals = pages::sort(
            deals,
            request.sort.as_deref(),
            &["id", "title", "value", "add_time", "update_time", "status"],
        )?;
        let page = pages::offset(deals, request.start, request.limit, pages::MAX_LIMIT);
        Ok(GetOrganizationDealsResponse::Ok(t::OrganizationDealsResponse {
            success: true,
            additional_data: Some(page.flat()),
            related_objects: Some(state.related(&[], &[request.id])),
            data: Some(page.items).into(),
        }))
    }

    async fn get_organization_files(
        &self,
        principal: Principal,
        request: GetOrganizationFilesParams,
    ) -> Result<GetOrganizationFilesResponse, ApiError> {
        user_of(&principal)?;
        let state = self.lock();
        active_org(&state, request.id)?;
        let files: Vec<t::File> =
            state.files.iter().filter(|file| file.org_id == request.id).map(|file| file.item.clone()).collect();
        let files = pages::sort(
            files,
            request.sort.as_deref(),
            &["id", "user_id", "add_time", "update_time", "file_name", "file_size", "name"],
        )?;
        let page = pages::offset(files, request.start, request.limit, 100);
        Ok(GetOrganizationFilesResponse::Ok(t::OrganizationFilesResponse {
            success: true,
            additional_data: Some(page.flat()),
            data: Some(page.items).into(),
        }))
    }

    async fn get_organization_updates(
        &self,
        principal: Principal,
        request: GetOrganizationUpdatesParams,
    ) -> Result<GetOrganizationUpdatesResponse, ApiError> {
        user_of(&principal)?;
        let all_changes = request.all_changes.as_deref().map(str::trim) == Some("1");
        let wanted: Option<Vec<String>> = request
            .items
            .as_deref()
            .map(|items| items.split(',').map(|item| item.trim().to_owned()).filter(|item| !item.is_empty()).collect())
            .filter(|items: &Vec<String>| !items.is_empty());
        let state = self.lock();
        active_org(&state, request.id)?;
        let items: Vec<t::FlowItem> = state
            .flow
            .iter()
            .rev()
            .filter(|entry| entry.org_id == request.id)
            .filter(|entry| all_changes || !entry.custom_change)
            .filter(|entry| wanted.as_ref().is_none_or(|wanted| wanted.contains(&entry.object)))
            .map(|entry| t::FlowItem {
                object: Some(entry.object.clone()),
                timestamp: Some(entry.timestamp.clone()),
                data: match &entry.data {
                    Value::Object(map) => Some(map.clone().into_iter().collect()),
                    _ => Some(BTreeMap::new()),
                },
            })
            .collect();
        let page = pages::offset(items, request.start, request.limit, pages::MAX_LIMIT);
        let users: Vec<i64> = state.users.keys().copied().collect();
        Ok(GetOrganizationUpdatesResponse::Ok(t::OrganizationFlowResponse {
            success: true,
            additional_data: Some(page.flat()),
            related_objects: Some(state.related(&users, &[request.id])),
            data: Some(page.items).into(),
        }))
    }

    async fn get_organization_followers(
        &self,
        principal: Principal,
        request: GetOrganizationFollowersParams,
    ) -> Result<GetOrganizationFollowersResponse, ApiError> {
        user_of(&principal)?;
        let state = self.lock();
        active_org(&state, request.id)?;
        let followers: Vec<t::Follower> = state
            .followers
            .iter()
            .filter(|follower| follower.org_id == request.id)
            .map(|follower| t::Follower {
                org_id: Some(follower.org_id),
                user_id: Some(follower.user_id),
                id: Some(follower.id),
                add_time: Some(follower.add_time),
            })
            .collect();
        let count = state::count(followers.iter());
        Ok(GetOrganizationFollowersResponse::Ok(t::FollowersListResponse {
            success: true,
            data: Some(followers).into(),
            additional_data: Some(t::AdditionalDataWithPagination {
                pagination: Some(t::PaginationDetails {
                    start: Some(0),
                    limit: Some(count),
                    more_items_in_collection: Some(false),
                    next_start: None,
                }),
            }),
        }))
    }

    async fn add_organization_follower(
        &self,
        principal: Principal,
        request: AddOrganizationFollowerParams,
    ) -> Result<AddOrganizationFollowerResponse, ApiError> {
        user_of(&principal)?;
        let user_id = request.body.user_id;
        let mut state = self.lock();
        active_org(&state, request.id)?;
        require_user(&state, user_id)?;
        if state.followers.iter().any(|follower| follower.org_id == request.id && follower.user_id == user_id) {
            return Err(ApiError::bad_request(format!("user {user_id} already follows organization {}", request.id)));
        }
        let id = state.id();
        let time = now_datetime();
        state.followers.push(FollowerRec { id, org_id: request.id, user_id, add_time: time });
        let follower =
            t::Follower { org_id: Some(request.id), user_id: Some(user_id), id: Some(id), add_time: Some(time) };
        let data = serde_json::to_value(&follower).unwrap_or(Value::Null);
        state.record_flow(request.id, "follower", now(), data);
        Ok(AddOrganizationFollowerResponse::Ok(t::FollowerResponse { success: true, data: Some(follower) }))
    }

    async fn delete_organization_follower(
        &self,
        principal: Principal,
        request: DeleteOrganizationFollowerParams,
    ) -> Result<DeleteOrganizationFollowerResponse, ApiError> {
        user_of(&principal)?;
        let mut state = self.lock();
        active_org(&state, request.id)?;
        let position = state
            .followers
            .iter()
            .position(|follower| follower.org_id == request.id && follower.id == request.follower_id)
            .ok_or_else(|| ApiError::not_found("Follower not found"))?;
        state.followers.remove(position);
        Ok(DeleteOrganizationFollowerResponse::Ok(id_response(request.follower_id)))
    }

    async fn get_organization_mail_messages(
        &self,
        principal: Principal,
        request: GetOrganizationMailMessagesParams,
    ) -> Result<GetOrganizationMailMessagesResponse, ApiError> {
        user_of(&principal)?;
        let state = self.lock();
        active_org(&state, request.id)?;
        let mails: Vec<t::MailMessageItem> = state
            .mails
            .iter()
            .filter(|mail| mail.org_id == request.id)
            .map(|mail| crate::seed::mail_item(&mail.item))
            .collect();
        let page = pages::offset(mails, request.start, request.limit, pages::MAX_LIMIT);
        Ok(GetOrganizationMailMessagesResponse::Ok(t::OrganizationMailMessagesResponse {
            success: true,
            additional_data: Some(page.flat()),
            data: Some(page.items).into(),
        }))
    }

    async fn merge_organizations(
        &self,
        principal: Principal,
        request: MergeOrganizationsParams,
    ) -> Result<MergeOrganizationsResponse, ApiError> {
        user_of(&principal)?;
        let (from, into) = (request.id, request.body.merge_with_id);
        if from == into {
            return Err(ApiError::bad_request("an organization cannot be merged with itself"));
        }
        let mut state = self.lock();
        let source = active_org(&state, from)?.clone();
        active_org(&state, into)?;
        for note in state.notes.values_mut().filter(|note| note.org_id == Some(from)) {
            note.org_id = Some(into);
        }
        for person in state.persons.iter_mut().filter(|person| person.org_id == from) {
            person.org_id = into;
        }
        for deal in state.deals.iter_mut().filter(|deal| deal.org_id == from) {
            deal.org_id = into;
        }
        for activity in state.activities.iter_mut().filter(|activity| activity.org_id == from) {
            activity.org_id = into;
            activity.item.org_id = Some(into);
        }
        for file in state.files.iter_mut().filter(|file| file.org_id == from) {
            file.org_id = into;
            file.item.org_id = Some(into);
        }
        for mail in state.mails.iter_mut().filter(|mail| mail.org_id == from) {
            mail.org_id = into;
        }
        for entry in state.flow.iter_mut().filter(|entry| entry.org_id == from) {
            entry.org_id = into;
        }
        let existing: Vec<i64> = state
            .followers
            .iter()
            .filter(|follower| follower.org_id == into)
            .map(|follower| follower.user_id)
            .collect();
        state.followers.retain(|follower| follower.org_id != from || !existing.contains(&follower.user_id));
        for follower in state.followers.iter_mut().filter(|follower| follower.org_id == from) {
            follower.org_id = into;
        }
        for rel in state.relationships.values_mut() {
            if rel.owner == from {
                rel.owner = into;
            }
            if rel.linked == from {
                rel.linked = into;
            }
        }
        state.relationships.retain(|_, rel| rel.owner != rel.linked);
        let time = now();
        if let Some(target) = state.orgs.get_mut(&into) {
            for (key, value) in &source.custom {
                let empty = target.custom.get(key).is_none_or(Value::is_null);
                if empty {
                    target.custom.insert(key.clone(), value.clone());
                }
            }
            if target.address.is_none() {
                target.address = source.address.clone();
            }
            target.update_time = time.clone();
        }
        if let Some(merged) = state.orgs.get_mut(&from) {
            merged.active = false;
            merged.delete_time = Some(time.clone());
            merged.update_time = time;
        }
        Ok(MergeOrganizationsResponse::Ok(id_response(into)))
    }

    async fn get_organization_users(
        &self,
        principal: Principal,
        request: GetOrganizationUsersParams,
    ) -> Result<GetOrganizationUsersResponse, ApiError> {
        user_of(&principal)?;
        let state = self.lock();
        let org = active_org(&state, request.id)?;
        let users: Vec<f64> = state
            .users
            .values()
            .filter(|user| {
                org.visible_to != "1"
                    || user.admin
                    || user.id == org.owner_id
                    || state.followers.iter().any(|follower| follower.org_id == org.id && follower.user_id == user.id)
            })
            .map(|user| user.id as f64)
            .collect();
        Ok(GetOrganizationUsersResponse::Ok(t::PermittedUsersResponse { success: true, data: Some(users) }))
    }

    async fn get_organization_persons(
        &self,
        principal: Principal,
        request: GetOrganizationPersonsParams,
    ) -> Result<GetOrganizationPersonsResponse, ApiError> {
        user_of(&principal)?;
        let state = self.lock();
        active_org(&state, request.id)?;
        let persons: Vec<t::Person> = state
            .persons
            .iter()
            .filter(|person| person.org_id == request.id)
            .map(|person| {
                let mut item = person.item.clone();
                item.org_id = Some(state.org_reference(person.org_id));
                item.org_name = state.orgs.get(&person.org_id).map(|org| org.name.clone());
                item
            })
            .collect();
        let page = pages::offset(persons, request.start, request.limit, pages::MAX_LIMIT);
        Ok(GetOrganizationPersonsResponse::Ok(t::OrganizationPersonsResponse {
            success: true,
            additional_data: Some(page.flat()),
            related_objects: Some(state.related(&[], &[request.id])),
            data: Some(page.items).into(),
        }))
    }

    // ----- permission sets and person fields -----

    async fn get_permission_sets(
        &self,
        principal: Principal,
        request: GetPermissionSetsParams,
    ) -> Result<GetPermissionSetsResponse, ApiError> {
        user_of(&principal)?;
        let state = self.lock();
        let sets: Vec<t::PermissionSet> = state
            .permission_sets
            .iter()
            .filter(|set| {
                request
                    .app
                    .as_ref()
                    .is_none_or(|app| set.app.as_ref().map(t::PermissionSetApp::as_str) == Some(app.as_str()))
            })
            .map(|set| t::PermissionSet {
                id: set.id.clone(),
                name: set.name.clone(),
                description: set.description.clone(),
                app: set.app.clone(),
                type_: set.type_.clone(),
                assignment_count: Some(assignment_count(&state, set.id.as_deref())),
            })
            .collect();
        Ok(GetPermissionSetsResponse::Ok(t::PermissionSetsResponse { success: true, data: Some(sets) }))
    }

    async fn get_permission_set(
        &self,
        principal: Principal,
        request: GetPermissionSetParams,
    ) -> Result<GetPermissionSetResponse, ApiError> {
        user_of(&principal)?;
        let state = self.lock();
        match state.permission_sets.iter().find(|set| set.id.as_deref() == Some(request.id.as_str())) {
            Some(set) => {
                let mut set = set.clone();
                set.assignment_count = Some(assignment_count(&state, set.id.as_deref()));
                Ok(GetPermissionSetResponse::Ok(set))
            }
            None => Ok(GetPermissionSetResponse::NotFound(permission_set_not_found(&request.id))),
        }
    }

    async fn get_permission_set_assignments(
        &self,
        principal: Principal,
        request: GetPermissionSetAssignmentsParams,
    ) -> Result<GetPermissionSetAssignmentsResponse, ApiError> {
        user_of(&principal)?;
        let state = self.lock();
        if !state.permission_sets.iter().any(|set| set.id.as_deref() == Some(request.id.as_str())) {
            return Ok(GetPermissionSetAssignmentsResponse::NotFound(permission_set_not_found(&request.id)));
        }
        let assignments: Vec<t::Assignment> = state
            .assignments
            .iter()
            .filter(|assignment| assignment.permission_set_id.as_deref() == Some(request.id.as_str()))
            .cloned()
            .collect();
        let page = pages::offset(assignments, request.start, request.limit, pages::MAX_LIMIT);
        Ok(GetPermissionSetAssignmentsResponse::Ok(t::AssignmentsResponse {
            success: true,
            data: Some(page.items).into(),
        }))
    }

    async fn delete_person_fields(
        &self,
        principal: Principal,
        request: DeletePersonFieldsParams,
    ) -> Result<DeletePersonFieldsResponse, ApiError> {
        user_of(&principal)?;
        let ids = pages::ids(&request.ids)?;
        let mut state = self.lock();
        if let Some(system) = ids.iter().find(|id| state.person_fields.get(id).is_some_and(|(custom, _)| !custom)) {
            return Err(ApiError::forbidden(format!("field {system} is a system field and cannot be deleted")));
        }
        let mut deleted = Vec::new();
        for id in ids {
            if let Some((_, active)) = state.person_fields.get_mut(&id).filter(|(_, active)| *active) {
                *active = false;
                deleted.push(id);
            }
        }
        Ok(DeletePersonFieldsResponse::Ok(t::BulkDeleteFieldsResponse {
            success: true,
            data: Some(t::BulkDeleteFieldsResponseData { id: Some(deleted) }),
        }))
    }
}

fn assignment_count(state: &State, set_id: Option<&str>) -> i64 {
    state::count(state.assignments.iter().filter(|assignment| assignment.permission_set_id.as_deref() == set_id))
}

fn permission_set_not_found(id: &str) -> t::ErrorResponse {
    t::ErrorResponse {
        success: Some(false),
        error: Some("Permission set not found".to_owned()),
        error_info: Some(format!("there is no permission set with id `{id}`")).into(),
    }
}
