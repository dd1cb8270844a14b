//! Names the scaffold derives from an operation's method and path, in the overlay's style:
//! operationIds (`getPersons`, `addPerson`, `getOrganizationFollowers`) and tags (`Persons`).

use heck::ToUpperCamelCase;

/// Last path words that name an action on the resource before them, not a resource:
/// `GET /persons/search` is `searchPersons`, `PUT /persons/{id}/merge` is `mergePerson`.
const ACTIONS: &[&str] = &["search", "merge", "duplicate"];

/// One path segment: a literal word or a `{parameter}`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment<'a> {
    Word(&'a str),
    Parameter,
}

/// The operationId for `METHOD /path`: a verb (`get`, `add`, `update`, `delete`, or an action
/// such as `search`) and the resource, each word singular when a parameter names one item
/// (`/persons/{id}` is `Person`) and as written otherwise (`/persons` is `Persons`), except the
/// collection a `POST` adds one item to (`addPerson`).
pub fn operation_id(method: &str, path: &str) -> String {
    let segments = segments(path);
    let (verb, resource) = match segments.split_last() {
        Some((Segment::Word(action), rest)) if ACTIONS.contains(action) && rest.iter().any(is_word) => {
            ((*action).to_owned(), resource_name(rest, false))
        }
        _ => {
            let verb = method_verb(method);
            let adds_one = verb == "add";
            (verb, resource_name(&segments, adds_one))
        }
    };
    format!("{verb}{resource}")
}

/// The tag of an operation: its first path word in upper camel case (`/personFields/{id}` is
/// `PersonFields`), spelled as a known tag when one matches it but for case and punctuation.
pub fn tag(path: &str, known: &[String]) -> Option<String> {
    let first = segments(path).into_iter().find_map(|segment| match segment {
        Segment::Word(word) => Some(word.to_upper_camel_case()),
        Segment::Parameter => None,
    })?;
    let spelled = known.iter().find(|tag| same_name(tag, &first));
    Some(spelled.cloned().unwrap_or(first))
}

/// Whether two names are the same to a generator: ids that differ only in case and punctuation
/// (`get-tokens`, `getTokens`) become the same Rust method name.
pub fn same_name(a: &str, b: &str) -> bool {
    normalized(a) == normalized(b)
}

fn normalized(name: &str) -> String {
    name.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

fn segments(path: &str) -> Vec<Segment<'_>> {
    path.split('/')
        .filter(|segment| !segment.is_empty())
        .map(|segment| if segment.contains('{') { Segment::Parameter } else { Segment::Word(segment) })
        .collect()
}

fn is_word(segment: &Segment<'_>) -> bool {
    matches!(segment, Segment::Word(_))
}

fn method_verb(method: &str) -> String {
    match method.to_ascii_uppercase().as_str() {
        "GET" => "get".to_owned(),
        "POST" => "add".to_owned(),
        "PUT" | "PATCH" => "update".to_owned(),
        "DELETE" => "delete".to_owned(),
        other => other.to_ascii_lowercase(),
    }
}

/// The words of the path joined: singular before a parameter, and the last one singular when
/// `last_singular` (a `POST` to a collection); `Root` for a path without words.
fn resource_name(segments: &[Segment<'_>], last_singular: bool) -> String {
    let last_word = segments.iter().rposition(is_word);
    let mut name = String::new();
    for (index, segment) in segments.iter().enumerate() {
        let Segment::Word(word) = segment else { continue };
        let names_one_item = segments.get(index + 1) == Some(&Segment::Parameter);
        let word = word.to_upper_camel_case();
        if names_one_item || (last_singular && Some(index) == last_word) {
            name.push_str(&singular(&word));
        } else {
            name.push_str(&word);
        }
    }
    if name.is_empty() {
        "Root".to_owned()
    } else {
        name
    }
}

/// The singular of an English plural, by its ending (`activities`, `addresses`, `boxes`,
/// `persons`); a word that does not look plural (`status`, `analysis`) is kept.
pub fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies").filter(|stem| !stem.is_empty()) {
        return format!("{stem}y");
    }
    for ending in ["sses", "shes", "ches", "xes"] {
        if let Some(stem) = word.strip_suffix(ending) {
            return format!("{stem}{}", &ending[..ending.len() - 2]);
        }
    }
    let not_plural = ["ss", "us", "is"].iter().any(|ending| word.ends_with(ending));
    match word.strip_suffix('s') {
        Some(stem) if !stem.is_empty() && !not_plural => stem.to_owned(),
        _ => word.to_owned(),
    }
}

/// The operationIds of one overlay, so each new one is unique.
#[derive(Debug, Default)]
pub struct OperationIds {
    /// Each id with the `METHOD /path` it belongs to.
    taken: Vec<(String, String)>,
}

/// A new operationId; `taken_by` names the operation that already had the wanted one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub id: String,
    pub taken_by: Option<(String, String)>,
}

impl OperationIds {
    /// The ids already used, each with its `METHOD /path`.
    pub fn new(taken: Vec<(String, String)>) -> Self {
        OperationIds { taken }
    }

    /// `wanted` for `owner`, or, when an id that is the same name is taken, the first free
    /// `wanted2`, `wanted3`, ...
    pub fn claim(&mut self, wanted: &str, owner: &str) -> Claimed {
        let taken_by = self.owner_of(wanted).cloned();
        let id = match taken_by {
            None => wanted.to_owned(),
            Some(_) => (2..).map(|n| format!("{wanted}{n}")).find(|id| self.owner_of(id).is_none()).unwrap_or_default(),
        };
        self.taken.push((id.clone(), owner.to_owned()));
        Claimed { id, taken_by }
    }

    fn owner_of(&self, id: &str) -> Option<&(String, String)> {
        self.taken.iter().find(|(taken, _)| same_name(taken, id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collections_are_plural_and_items_singular() {
        assert_eq!(operation_id("GET", "/persons"), "getPersons");
        assert_eq!(operation_id("GET", "/persons/{id}"), "getPerson");
        assert_eq!(operation_id("POST", "/persons"), "addPerson");
        assert_eq!(operation_id("PUT", "/persons/{id}"), "updatePerson");
        assert_eq!(operation_id("PATCH", "/persons/{id}"), "updatePerson");
        assert_eq!(operation_id("DELETE", "/persons/{id}"), "deletePerson");
        assert_eq!(operation_id("DELETE", "/persons"), "deletePersons");
        assert_eq!(operation_id("get", "/personFields"), "getPersonFields");
        assert_eq!(operation_id("POST", "/personFields"), "addPersonField");
    }

    #[test]
    fn nested_resources_name_their_parent_item() {
        assert_eq!(operation_id("GET", "/organizations/{id}/followers"), "getOrganizationFollowers");
        assert_eq!(operation_id("POST", "/organizations/{id}/followers"), "addOrganizationFollower");
        assert_eq!(operation_id("DELETE", "/organizations/{id}/followers/{follower_id}"), "deleteOrganizationFollower");
        assert_eq!(operation_id("GET", "/permissionSets/{id}/assignments"), "getPermissionSetAssignments");
        assert_eq!(operation_id("GET", "/organizations/collection"), "getOrganizationsCollection");
        assert_eq!(operation_id("GET", "/organizations/{id}/mailMessages"), "getOrganizationMailMessages");
        assert_eq!(operation_id("GET", "/activities/{id}"), "getActivity");
    }

    #[test]
    fn action_words_become_the_verb() {
        assert_eq!(operation_id("GET", "/persons/search"), "searchPersons");
        assert_eq!(operation_id("PUT", "/persons/{id}/merge"), "mergePerson");
        assert_eq!(operation_id("POST", "/deals/{id}/duplicate"), "duplicateDeal");
        // An action word alone is a resource.
        assert_eq!(operation_id("GET", "/search"), "getSearch");
    }

    #[test]
    fn odd_paths_still_give_identifiers() {
        assert_eq!(operation_id("GET", "/"), "getRoot");
        assert_eq!(operation_id("GET", "/{id}"), "getRoot");
        assert_eq!(operation_id("GET", "/api-keys//{key_id}"), "getApiKey");
        assert_eq!(operation_id("HEAD", "/files/{id}"), "headFile");
        assert_eq!(operation_id("OPTIONS", "/v1/call_logs"), "optionsV1CallLogs");
    }

    #[test]
    fn singulars_by_ending() {
        let cases = [
            ("Persons", "Person"),
            ("Activities", "Activity"),
            ("Addresses", "Address"),
            ("Boxes", "Box"),
            ("Matches", "Match"),
            ("Wishes", "Wish"),
            ("Files", "File"),
            ("Status", "Status"),
            ("Analysis", "Analysis"),
            ("Access", "Access"),
            ("Data", "Data"),
            ("S", "S"),
        ];
        for (plural, expected) in cases {
            assert_eq!(singular(plural), expected, "{plural}");
        }
    }

    #[test]
    fn tags_follow_the_first_word_and_known_spellings() {
        assert_eq!(tag("/persons/{id}/followers", &[]), Some("Persons".to_owned()));
        assert_eq!(tag("/personFields", &[]), Some("PersonFields".to_owned()));
        assert_eq!(tag("/oauth/token", &["OAuth".to_owned()]), Some("OAuth".to_owned()));
        assert_eq!(tag("/{id}/items", &[]), Some("Items".to_owned()));
        assert_eq!(tag("/", &[]), None);
    }

    #[test]
    fn colliding_ids_are_numbered_and_name_the_first_owner() {
        let mut ids = OperationIds::new(vec![("getPersonFields".to_owned(), "GET /personFields".to_owned())]);
        let first = ids.claim("getPersonFields", "GET /persons/{id}/fields");
        assert_eq!(first.id, "getPersonFields2");
        assert_eq!(first.taken_by, Some(("getPersonFields".to_owned(), "GET /personFields".to_owned())));
        assert_eq!(ids.claim("getPersonFields", "GET /other").id, "getPersonFields3");
        assert_eq!(ids.claim("getPersons", "GET /persons"), Claimed { id: "getPersons".to_owned(), taken_by: None });
    }

    #[test]
    fn ids_that_differ_only_in_case_or_punctuation_collide() {
        let mut ids = OperationIds::new(vec![("get-tokens".to_owned(), "POST /oauth/token".to_owned())]);
        assert_eq!(ids.claim("getTokens", "GET /tokens").id, "getTokens2");
        let mut ids = OperationIds::new(vec![("getUser".to_owned(), "GET /user/{id}".to_owned())]);
        assert_eq!(ids.claim("GetUser", "GET /users/{id}").id, "GetUser2");
        // A numbered id that is itself taken is skipped.
        let mut ids = OperationIds::new(vec![
            ("getItem".to_owned(), "GET /item/{id}".to_owned()),
            ("getItem2".to_owned(), "GET /item2".to_owned()),
        ]);
        assert_eq!(ids.claim("getItem", "GET /items/{id}").id, "getItem3");
    }
}
