//! The OpenAPI 3.1 document of the API (`hosts/worker/openapi.json`), served at
//! `GET /v1/openapi.json`.

/// The document's text.
pub const OPENAPI_JSON: &str = include_str!("../openapi.json");

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::OPENAPI_JSON;
    use crate::routes::ROUTES;

    #[test]
    fn the_document_lists_exactly_the_routes_served() {
        let doc: serde_json::Value =
            serde_json::from_str(OPENAPI_JSON).expect("openapi.json is JSON");
        assert_eq!(doc["openapi"], "3.1.0");
        let mut documented = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for method in item.as_object().expect("path item").keys() {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
        let served: BTreeSet<_> =
            ROUTES.iter().map(|r| (r.method.to_owned(), r.path.to_owned())).collect();
        assert_eq!(served.len(), ROUTES.len(), "a route is listed twice");
        let undocumented: Vec<_> = served.difference(&documented).collect();
        let unserved: Vec<_> = documented.difference(&served).collect();
        assert!(
            undocumented.is_empty() && unserved.is_empty(),
            "served but undocumented: {undocumented:?}; documented but not served: {unserved:?}"
        );
    }
}
