//! Every variant of the fixture unions decodes to that variant, whichever rule tells them
//! apart, and encodes back to the same JSON; decoding errors name the union and the rule.

use serde_json::{json, Value};

fn decode<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{value} does not decode: {e}"))
}

fn error<T: serde::de::DeserializeOwned + std::fmt::Debug>(value: Value) -> String {
    match serde_json::from_value::<T>(value.clone()) {
        Ok(decoded) => panic!("{value} decoded as {decoded:?}"),
        Err(e) => e.to_string(),
    }
}

fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(value: Value) {
    let decoded: T = decode(value.clone());
    assert_eq!(serde_json::to_value(&decoded).expect("encodes"), value);
}

mod discriminators {
    use super::*;
    use discriminators_types as t;

    #[test]
    fn the_embedded_discriminator_of_the_base_schema_decides_and_nothing_is_lost() {
        // Cat comes first and needs only `pet_type`: decoded in order, the dog would be a cat.
        let dog = json!({"pet_type": "Dog", "bark": true, "breed": "Husky"});
        match decode::<t::PatchEmbeddedDiscriminatorRequest>(dog.clone()) {
            t::PatchEmbeddedDiscriminatorRequest::Dog(d) => {
                assert_eq!(d.bark, Some(true));
                assert_eq!(d.breed, Some(t::DogBreed::Husky));
            }
            other => panic!("decoded as {other:?}"),
        }
        let cat = json!({"pet_type": "Cat", "hunts": true, "age": 3});
        assert!(matches!(decode(cat.clone()), t::PatchEmbeddedDiscriminatorRequest::Cat(c) if c.age == Some(3)));
        round_trip::<t::PatchEmbeddedDiscriminatorRequest>(dog);
        round_trip::<t::PatchEmbeddedDiscriminatorRequest>(cat);
    }

    #[test]
    fn explicit_mapping_values_name_the_variant() {
        let two = json!({"discrim": "Option Two", "optiontwo": "2"});
        assert!(matches!(
            decode(two.clone()),
            t::OneOfWithTopLevelDiscriminatorAndMappingRequest::OptionTwoNoDisc(o) if o.optiontwo.as_deref() == Some("2")
        ));
        let one = json!({"discrim": "Option One", "optionone": 1.5});
        assert!(matches!(decode(one.clone()), t::OneOfWithTopLevelDiscriminatorAndMappingRequest::OptionOneNoDisc(_)));
        round_trip::<t::OneOfWithTopLevelDiscriminatorAndMappingRequest>(two);
        // Mapping values given as bare schema names work the same.
        let two = json!({"discrim": "Option Two", "optiontwo": "x"});
        assert!(matches!(decode(two), t::PatchMappingOfSchemaNamesRequest::OptionTwoNoDisc(_)));
    }

    #[test]
    fn without_a_mapping_the_schema_names_are_the_values() {
        let two = json!({"discrim": "OptionTwoNoDisc", "optiontwo": "x"});
        assert!(matches!(decode(two), t::OneOfWithTopLevelDiscriminatorNoMappingRequest::OptionTwoNoDisc(_)));
        let dog = json!({"pet_type": "DogNoDisc", "bark": false});
        assert!(matches!(decode(dog), t::PatchOneofAllofTopLevelDiscRequest::DogNoDisc(_)));
    }

    #[test]
    fn several_values_may_name_one_variant_and_each_value_is_kept() {
        // `OptionOneNoDisc` has no `discrimValue` field: a variant per value remembers which.
        use t::PatchMappingWithDuplicateSchemasRequest as R;
        let decoded: R = decode(json!({"discrim": "x", "discrimValue": "oneC"}));
        assert!(matches!(decoded, R::OptionOneNoDiscOneC(_)), "{decoded:?}");
        for tag in ["oneA", "oneB", "oneC", "twoA", "twoB", "three"] {
            round_trip::<R>(json!({"discrim": "x", "discrimValue": tag}));
        }
        let three: R = decode(json!({"discrim": "x", "discrimValue": "three"}));
        assert!(matches!(three, R::OptionThreeNoDisc(_)));
    }

    #[test]
    fn encoding_writes_the_discriminator_value() {
        // The variant's own field says something else: the encoding names the variant.
        let value = t::OneOfWithTopLevelDiscriminatorAndMappingRequest::OptionTwoNoDisc(t::OptionTwoNoDisc {
            discrim: "whatever".into(),
            optiontwo: Some("x".into()),
        });
        let encoded = serde_json::to_value(&value).expect("encodes");
        assert_eq!(encoded["discrim"], "Option Two");
        assert_eq!(decode::<t::OneOfWithTopLevelDiscriminatorAndMappingRequest>(encoded), value_with_tag("Option Two"));

        fn value_with_tag(tag: &str) -> t::OneOfWithTopLevelDiscriminatorAndMappingRequest {
            t::OneOfWithTopLevelDiscriminatorAndMappingRequest::OptionTwoNoDisc(t::OptionTwoNoDisc {
                discrim: tag.into(),
                optiontwo: Some("x".into()),
            })
        }
    }

    #[test]
    fn unknown_and_missing_discriminators_of_sent_types_are_refused_with_the_union_named() {
        let message = error::<t::PatchEmbeddedDiscriminatorRequest>(json!({"pet_type": "Lizard"}));
        assert_eq!(message, "PatchEmbeddedDiscriminatorRequest: discriminator `pet_type` is `Lizard`, expected one of: Cat, Dog");
        // Without the discriminator, the variants are tried as JSON Schema reads a `oneOf`;
        // both require it here, so none fits, and each says why.
        let message = error::<t::PatchEmbeddedDiscriminatorRequest>(json!({"bark": true}));
        assert_eq!(
            message,
            "PatchEmbeddedDiscriminatorRequest: no variant fits (tried in order): Cat: missing field `pet_type`; Dog: missing field `pet_type`"
        );
        let message = error::<t::PatchEmbeddedDiscriminatorRequest>(json!({"pet_type": "Dog", "bark": "loud"}));
        assert!(
            message.starts_with("PatchEmbeddedDiscriminatorRequest: decoded as Dog by discriminator `pet_type`, but invalid type"),
            "{message}"
        );
    }

    #[test]
    fn a_nested_union_is_told_by_the_property_all_its_variants_require() {
        type Config = t::PatchNestedOneOfObjectWithNestedOneOfRequestConfig;
        let dog = json!({"pet_type": "Dog", "bark": true});
        match decode::<Config>(dog.clone()) {
            Config::PatchNestedOneOfObjectWithNestedOneOfRequestConfigVariant3(inner) => {
                assert!(matches!(inner, t::PatchNestedOneOfObjectWithNestedOneOfRequestConfigVariant3::Dog(_)))
            }
            other => panic!("decoded as {other:?}"),
        }
        // object1 and object2 have only optional properties: the one that keeps them wins.
        assert!(matches!(decode::<Config>(json!({"c": "x", "d": "y"})), Config::Object2(_)));
        assert!(matches!(decode::<Config>(json!({"a": "x"})), Config::Object1(_)));
        round_trip::<Config>(json!({"c": "x"}));
        round_trip::<Config>(dog);
    }

    #[test]
    fn a_discriminator_beside_properties_of_the_parent_is_read_from_the_member() {
        type Props = t::OneOfWithImproperlyPlacedDiscriminatorRequestConnectorProperties;
        let value = json!({"connector_type": "s3Import", "s3_bucket": "b"});
        assert!(matches!(decode::<Props>(value), Props::S3Import(s) if s.s3_bucket.as_deref() == Some("b")));
    }
}

mod polymorphism {
    use super::*;
    use polymorphism_types as t;

    #[test]
    fn cats_and_dogs_by_discriminator() {
        assert!(matches!(decode(json!({"pet_type": "Dog", "bark": true})), t::PatchPetsRequest::Dog(_)));
        assert!(matches!(decode(json!({"pet_type": "Cat", "hunts": true})), t::PatchPetsRequest::Cat(_)));
    }

    #[test]
    fn primitives_by_json_type() {
        assert!(matches!(decode(json!(5)), t::PostAnythingOneOfPrimitiveRequest::Integer(5)));
        assert!(matches!(decode(json!("5")), t::PostAnythingOneOfPrimitiveRequest::String(s) if s == "5"));
        assert!(matches!(decode(json!(7)), t::PostAnythingAnyOfPrimitiveRequest::Integer(7)));
        let message = error::<t::PostAnythingOneOfPrimitiveRequest>(json!(true));
        assert_eq!(message, "PostAnythingOneOfPrimitiveRequest: no variant takes a boolean; expected an integer or a string");
    }

    #[test]
    fn objects_nothing_tells_apart_go_to_the_one_that_keeps_every_property() {
        type Both = t::PostAnythingOneOfObjectRefRequest;
        assert!(matches!(decode::<Both>(json!({"c": "1"})), Both::Object2(o) if o.c.as_deref() == Some("1")));
        assert!(matches!(decode::<Both>(json!({"a": "1", "b": "2"})), Both::Object1(_)));
        round_trip::<Both>(json!({"d": "4"}));
        type Inline = t::PostAnythingAnyOfObjectRequest;
        assert!(matches!(decode::<Inline>(json!({"d": "4"})), Inline::PostAnythingAnyOfObjectRequestVariant2(_)));
    }

    #[test]
    fn a_failure_of_every_variant_tried_in_order_lists_why_each_failed() {
        let message = error::<t::PostAnythingOneOfObjectRefRequest>(json!({"a": 1, "c": 2}));
        assert!(message.starts_with("PostAnythingOneOfObjectRefRequest: no variant fits (tried in order): Object1: invalid type"), "{message}");
        assert!(message.contains("; Object2: invalid type"), "{message}");
    }
}

mod decided {
    use super::*;
    use unions_decided_types as t;

    #[test]
    fn received_unions_keep_unknown_discriminator_values() {
        let value = json!({"kind": "archived", "at": "now", "reason": "old"});
        assert_eq!(decode::<t::Event>(value.clone()), t::Event::Unknown(value.clone()));
        round_trip::<t::Event>(value);
    }

    #[test]
    fn a_variant_without_the_discriminator_property_gets_it_when_encoded() {
        let created = t::Event::Created(t::Created { at: "now".into(), by: None });
        let encoded = serde_json::to_value(&created).expect("encodes");
        assert_eq!(encoded, json!({"kind": "created", "at": "now"}));
        assert_eq!(decode::<t::Event>(encoded), created);
        let deleted = json!({"kind": "deleted", "at": "then"});
        assert!(matches!(decode::<t::Event>(deleted.clone()), t::Event::Deleted(d) if d.at == "then"));
        round_trip::<t::Event>(deleted);
    }

    #[test]
    fn a_value_without_the_discriminator_is_read_by_the_variants_it_fits() {
        // `Created` does not require `kind`; `Deleted` does: JSON Schema's `oneOf` reading.
        let created = json!({"at": "now", "by": "ann"});
        assert!(matches!(decode::<t::Event>(created), t::Event::Created(c) if c.by.as_deref() == Some("ann")));
    }

    #[test]
    fn sent_only_unions_refuse_unknown_discriminator_values() {
        let message = error::<t::Command>(json!({"action": "Pause"}));
        assert_eq!(message, "Command: discriminator `action` is `Pause`, expected one of: Start, Stop");
        assert!(matches!(decode(json!({"action": "Stop", "force": true})), t::Command::Stop(s) if s.force == Some(true)));
    }

    #[test]
    fn without_a_mapping_the_values_the_variants_fix_name_them_not_their_schema_names() {
        let track = json!({"type": "track", "name": "Intro"});
        assert!(matches!(decode::<t::Media>(track.clone()), t::Media::Track(tr) if tr.name.as_deref() == Some("Intro")));
        let episode = json!({"type": "episode", "show": "Talk"});
        assert!(matches!(decode::<t::Media>(episode.clone()), t::Media::Episode(e) if e.show == "Talk"));
        round_trip::<t::Media>(track);
        round_trip::<t::Media>(episode);
        // The schema name, which OpenAPI's implicit mapping would use, names no variant (no
        // value carrying it could be a valid `Track`): received, it is kept as unknown.
        let named = json!({"type": "Track", "name": "Intro"});
        assert_eq!(decode::<t::Media>(named.clone()), t::Media::Unknown(named));
    }

    #[test]
    fn a_discriminator_value_two_variants_fix_alike_leaves_the_choice_to_their_shape() {
        let asked = json!({"type": "message", "role": "user", "text": "hi"});
        assert!(matches!(decode::<t::Message>(asked.clone()), t::Message::InputMessage(_)));
        let answered = json!({"type": "message", "role": "assistant", "text": "hello"});
        assert!(matches!(decode::<t::Message>(answered.clone()), t::Message::OutputMessage(_)));
        round_trip::<t::Message>(asked);
        round_trip::<t::Message>(answered);
    }

    #[test]
    fn keys_a_variant_declares_do_not_make_it_when_it_lacks_a_required_property() {
        // Draft declares `id` too, but requires `text`.
        let reference = json!({"id": "r1"});
        assert!(matches!(decode::<t::Entry>(reference.clone()), t::Entry::Ref(r) if r.id == "r1"));
        let draft = json!({"id": "d1", "text": "hello", "author": "ann"});
        assert!(matches!(decode::<t::Entry>(draft.clone()), t::Entry::Draft(d) if d.text == "hello"));
        round_trip::<t::Entry>(reference);
        round_trip::<t::Entry>(draft);
    }

    #[test]
    fn a_fixed_property_value_tells_objects_apart() {
        let invoice = json!({"object": "invoice", "id": "in_1", "customer": "cus_1"});
        assert!(matches!(decode::<t::ObjectKind>(invoice.clone()), t::ObjectKind::Invoice(_)));
        let customer = json!({"object": "customer", "id": "cus_1"});
        assert!(matches!(decode::<t::ObjectKind>(customer.clone()), t::ObjectKind::Customer(_)));
        round_trip::<t::ObjectKind>(invoice);
        let message = error::<t::ObjectKind>(json!({"object": "charge", "id": "ch_1"}));
        assert_eq!(message, "ObjectKind: no variant takes an object; expected one of Customer, Invoice (no variant's test holds)");
    }

    #[test]
    fn a_required_property_only_one_variant_has_and_the_json_type_tell_the_rest() {
        assert!(matches!(decode(json!({"isbn": "978", "title": "T"})), t::Thing::Book(b) if b.isbn == "978"));
        // Book comes first and has `title` too; without `isbn` this is a song.
        assert!(matches!(decode(json!({"title": "T", "seconds": 200})), t::Thing::Song(s) if s.seconds == Some(200)));
        assert!(matches!(decode(json!(["a", "b"])), t::Thing::Array(items) if items.len() == 2));
        assert!(matches!(decode(json!("plain")), t::Thing::String(_)));
        let message = error::<t::Thing>(json!({"isbn": 5}));
        assert!(message.starts_with("Thing: decoded as Book by property `isbn`, which only it requires, but invalid type"), "{message}");
    }

    #[test]
    fn tried_in_order_a_variant_whose_encoding_is_the_value_wins_over_one_that_adds_a_null() {
        let invalid = json!({"number": "1"});
        assert!(matches!(decode(invalid.clone()), t::PhoneResult::InvalidPhone(_)));
        round_trip::<t::PhoneResult>(invalid);
        let phone = json!({"number": "1", "carrier": null});
        assert!(matches!(decode(phone.clone()), t::PhoneResult::Phone(_)));
        round_trip::<t::PhoneResult>(phone);
    }

    #[test]
    fn an_optional_fixed_property_does_not_decide_but_a_required_one_only_one_variant_has_does() {
        assert!(matches!(decode(json!({"name": "F", "cvc": 123})), t::PaymentSource::Card(c) if c.cvc == 123));
        assert!(matches!(decode(json!({"name": "F", "sort_code": "12"})), t::PaymentSource::BankAccount(_)));
        let card = json!({"object": "card", "name": "F", "cvc": 1});
        assert!(matches!(decode(card.clone()), t::PaymentSource::Card(_)));
        round_trip::<t::PaymentSource>(card);
    }

    #[test]
    fn a_required_property_whose_enum_values_only_one_variant_allows_decides() {
        // An integer `value` fits the radius's number too, and both fix `field` alike.
        let zip = json!({"field": "ipgeo", "op": "notzip", "value": 30318});
        assert!(matches!(decode(zip.clone()), t::Condition::ZipCondition(z) if z.value == 30318));
        round_trip::<t::Condition>(zip);
        let radius = json!({"field": "ipgeo", "op": "within", "value": 25});
        assert!(matches!(decode(radius.clone()), t::Condition::RadiusCondition(_)));
        assert!(error::<t::Condition>(json!({"field": "ipgeo", "op": "elsewhere", "value": 1})).contains("Condition"));
    }

    #[test]
    fn enum_values_are_told_from_any_string() {
        assert!(matches!(decode(json!("active")), t::Status::StatusVariant1(t::StatusVariant1::Active)));
        assert!(matches!(decode(json!("paused")), t::Status::String(s) if s == "paused"));
        assert!(matches!(decode(json!(42)), t::Id::Integer(42)));
        assert!(matches!(decode(json!("42")), t::Id::String(s) if s == "42"));
    }
}
