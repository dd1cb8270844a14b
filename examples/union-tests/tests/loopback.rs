//! Unions through the generated server and client on loopback: the server hands the
//! implementation the variant the client sent (after its validator checked the variant the
//! discriminator names), and the client decodes the variant the server answered.

use std::sync::{Arc, Mutex};

use serde_json::json;
use unions_decided_server as server;
use unions_decided_types as t;

/// Records what the server received and answers it back.
#[derive(Clone, Default)]
struct Echo {
    received: Arc<Mutex<Vec<String>>>,
}

impl server::Api for Echo {
    async fn send_event(&self, request: server::SendEventParams) -> Result<server::SendEventResponse, server::ApiError> {
        self.received.lock().expect("not poisoned").push(format!("{:?}", request.body));
        Ok(server::SendEventResponse::Ok(request.body))
    }

    async fn send_thing(&self, request: server::SendThingParams) -> Result<server::SendThingResponse, server::ApiError> {
        self.received.lock().expect("not poisoned").push(format!("{:?}", request.body));
        let echo = t::Echo {
            thing: request.body,
            object: t::ObjectKind::Invoice(t::Invoice {
                object: t::InvoiceObject::Invoice,
                id: "in_1".into(),
                customer: Some("cus_1".into()),
            }),
            status: t::Status::String("paused".into()),
            id: t::Id::Integer(7),
        };
        Ok(server::SendThingResponse::Ok(echo))
    }
}

async fn start<A: server::Api + Clone>(api: A) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, server::router(api)).await });
    format!("http://{address}")
}

#[tokio::test]
async fn every_variant_of_a_discriminated_union_arrives_as_sent_and_comes_back() {
    let api = Echo::default();
    let base = start(api.clone()).await;
    let client = unions_decided_client::Client::builder().base_url(&base).build().expect("client");
    let created = t::Event::Created(t::Created { at: "now".into(), by: Some("ann".into()) });
    let deleted = t::Event::Deleted(t::Deleted { kind: "deleted".into(), at: "then".into() });
    for event in [created, deleted] {
        let answered = client.send_event(event.clone()).send().await.expect("answered");
        assert_eq!(answered, event);
    }
    let received = api.received.lock().expect("not poisoned").clone();
    assert!(received[0].starts_with("Created(Created { at: \"now\""), "{received:?}");
    assert!(received[1].starts_with("Deleted("), "{received:?}");
}

#[tokio::test]
async fn variants_told_apart_by_shape_arrive_as_sent_and_come_back() {
    let api = Echo::default();
    let base = start(api.clone()).await;
    let client = unions_decided_client::Client::builder().base_url(&base).build().expect("client");
    let things = [
        t::Thing::Song(t::Song { title: Some("T".into()), seconds: Some(200) }),
        t::Thing::Book(t::Book { isbn: "978".into(), title: Some("T".into()) }),
        t::Thing::Array(vec!["a".into()]),
        t::Thing::String("plain".into()),
    ];
    for thing in things {
        let echo = client.send_thing(thing.clone()).send().await.expect("answered");
        assert_eq!(echo.thing, thing);
        assert!(matches!(echo.object, t::ObjectKind::Invoice(ref i) if i.customer.as_deref() == Some("cus_1")));
        assert_eq!(echo.status, t::Status::String("paused".into()));
        assert_eq!(echo.id, t::Id::Integer(7));
    }
    let received = api.received.lock().expect("not poisoned").clone();
    let kinds: Vec<&str> = received.iter().map(|r| r.split('(').next().unwrap_or_default()).collect();
    assert_eq!(kinds, ["Song", "Book", "Array", "String"]);
}

#[tokio::test]
async fn the_server_checks_the_variant_the_discriminator_names() {
    let base = start(Echo::default()).await;
    // Valid as a `Created` (only `at` is required), but the discriminator says `deleted`,
    // which requires `kind` and `at` -- both present: accepted as Deleted.
    let ok = post(&base, "/events", json!({"kind": "deleted", "at": "x"})).await;
    assert_eq!(ok.0, 200, "{}", ok.1);
    assert_eq!(ok.1["kind"], "deleted");
    // An unknown discriminator value, a missing one, and a variant that breaks its schema.
    let unknown = post(&base, "/events", json!({"kind": "archived", "at": "x"})).await;
    assert_eq!(unknown.0, 400, "{}", unknown.1);
    assert!(unknown.1.to_string().contains("must be one of created, deleted, got `archived`"), "{}", unknown.1);
    // Without the discriminator, the value is judged as JSON Schema judges a `oneOf`: a
    // `Created` (the one alternative it matches) is accepted, a value matching none is not.
    let untagged = post(&base, "/events", json!({"at": "x"})).await;
    assert_eq!(untagged, (200, json!({"kind": "created", "at": "x"})));
    let missing = post(&base, "/events", json!({"by": "x"})).await;
    assert_eq!(missing.0, 400, "{}", missing.1);
    assert!(missing.1.to_string().contains("must match one of 2 alternatives"), "{}", missing.1);
    let broken = post(&base, "/events", json!({"kind": "created", "at": 5})).await;
    assert_eq!(broken.0, 400, "{}", broken.1);
}

#[tokio::test]
async fn variants_named_by_the_values_they_fix_pass_the_server_and_not_by_their_schema_names() {
    #[derive(Clone)]
    struct Media;
    impl server::Api for Media {
        async fn send_media(&self, request: server::SendMediaParams) -> Result<server::SendMediaResponse, server::ApiError> {
            Ok(server::SendMediaResponse::Ok(request.body))
        }
    }
    let base = start(Media).await;
    let client = unions_decided_client::Client::builder().base_url(&base).build().expect("client");
    let episode = t::Media::Episode(t::Episode { type_: t::EpisodeType::Episode, show: "Talk".into() });
    assert_eq!(client.send_media(episode.clone()).send().await.expect("answered"), episode);
    let track = post(&base, "/media", json!({"type": "track", "name": "Intro"})).await;
    assert_eq!(track, (200, json!({"type": "track", "name": "Intro"})));
    let named = post(&base, "/media", json!({"type": "Track", "name": "Intro"})).await;
    assert_eq!(named.0, 400, "{}", named.1);
}

#[tokio::test]
async fn the_embedded_discriminator_reaches_the_server_as_the_right_pet() {
    #[derive(Clone, Default)]
    struct Pets(Arc<Mutex<Vec<discriminators_types::PatchEmbeddedDiscriminatorRequest>>>);
    impl discriminators_server::Api for Pets {
        async fn patch_embedded_discriminator(
            &self,
            request: discriminators_server::PatchEmbeddedDiscriminatorParams,
        ) -> Result<discriminators_server::PatchEmbeddedDiscriminatorResponse, discriminators_server::ApiError> {
            self.0.lock().expect("not poisoned").push(request.body.expect("the body is sent"));
            Ok(discriminators_server::PatchEmbeddedDiscriminatorResponse::Ok)
        }
    }
    let pets = Pets::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let router = discriminators_server::router(pets.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    // The spec's server is `https://httpbin.org/anything`: the router serves under its path.
    let client = discriminators_client::Client::builder().base_url(format!("{base}/anything")).build().expect("client");
    let dog = discriminators_types::PatchEmbeddedDiscriminatorRequest::Dog(discriminators_types::Dog {
        pet_type: "Dog".into(),
        bark: Some(true),
        breed: Some(discriminators_types::DogBreed::Husky),
    });
    client.patch_embedded_discriminator().body(dog.clone()).send().await.expect("accepted");
    assert_eq!(pets.0.lock().expect("not poisoned").as_slice(), [dog]);
}

/// Posts raw JSON, for requests the typed client would never send.
async fn post(base: &str, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new().post(format!("{base}{path}")).json(&body).send().await.expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}
