//! The generated types crate: three-state optional fields, 0/1 flags, tolerant string enums
//! and the flattened custom-field map.

use pipedrive_client::types::support::{Flag, Nullable};
use pipedrive_client::types::{Activity, FieldType};
use serde_json::json;

#[test]
fn an_optional_nullable_field_is_absent_null_or_a_value() {
    let absent: Activity = serde_json::from_value(json!({})).expect("decodes");
    let null: Activity = serde_json::from_value(json!({"project_id": null})).expect("decodes");
    let value: Activity = serde_json::from_value(json!({"project_id": 4})).expect("decodes");
    assert_eq!(absent.project_id, Nullable::Absent);
    assert_eq!(null.project_id, Nullable::Null);
    assert_eq!(value.project_id, Nullable::Value(4));
    assert_eq!(serde_json::to_value(&absent).expect("encodes").get("project_id"), None);
    assert_eq!(serde_json::to_value(&null).expect("encodes")["project_id"], json!(null));
    assert_eq!(serde_json::to_value(&value).expect("encodes")["project_id"], json!(4));
}

#[test]
fn flags_accept_numbers_booleans_and_digit_strings_and_send_numbers() {
    for (input, expected) in [(json!(0), false), (json!(1), true), (json!(true), true), (json!("0"), false)] {
        let flag: Flag = serde_json::from_value(input.clone()).expect("decodes");
        assert_eq!(flag.is_set(), expected, "{input}");
    }
    assert!(serde_json::from_value::<Flag>(json!(2)).is_err());
    assert_eq!(serde_json::to_value(Flag::ON).expect("encodes"), json!(1));
}

#[test]
fn a_received_string_enum_keeps_unknown_values() {
    let known: FieldType = serde_json::from_value(json!("varchar")).expect("decodes");
    assert_eq!(known, FieldType::Varchar);
    let unknown: FieldType = serde_json::from_value(json!("hologram")).expect("decodes");
    assert_eq!(unknown, FieldType::Unknown("hologram".to_owned()));
    assert_eq!(serde_json::to_value(&unknown).expect("encodes"), json!("hologram"));
    assert_eq!(known.to_string(), "varchar");
    assert_eq!("varchar".parse::<FieldType>(), Ok(FieldType::Varchar));
}

#[test]
fn custom_fields_land_in_the_flattened_map_and_round_trip() {
    let input = json!({"id": 1, "name": "Acme", "a1b2c3_custom": "gold"});
    let organization: pipedrive_client::types::OrganizationCollectionItem =
        serde_json::from_value(input.clone()).expect("decodes");
    assert_eq!(organization.name.as_deref(), Some("Acme"));
    assert_eq!(organization.extra.get("a1b2c3_custom"), Some(&json!("gold")));
    assert_eq!(serde_json::to_value(&organization).expect("encodes"), input);
}
