//! Who the token is and what it reaches: `user/info`, `oauth2/advertiser/get`,
//! `advertiser/info`, `bc/get` and `bc/asset/get`, plus the advertiser check every data call makes.

use super::super::{
    wire::*,
    world::{AccessGrant, SandboxAdvertiser, UserKind, World},
    Sandbox,
};
use axum::{http::HeaderMap, response::Response};
use serde_json::{json, Value};

/// The advertiser, if the token's user has a role on it (40001 otherwise, as at TikTok).
pub(super) fn reachable<'w>(
    world: &'w World,
    grant: &AccessGrant,
    advertiser_id: &str,
) -> Answer<&'w SandboxAdvertiser> {
    let user = world.user(&grant.user_id).ok_or_else(|| fail(40105, "Access token is invalid."))?;
    let advertiser = world.advertisers.get(advertiser_id);
    match advertiser {
        Some(a) if user.advertisers.iter().any(|id| id == advertiser_id) => Ok(a),
        _ => Err(fail(40001, format!("No permission to operate advertiser {advertiser_id}."))),
    }
}

impl Sandbox {
    /// `user/info/`: the token's TikTok user.
    pub(super) fn user_info(&self, headers: &HeaderMap) -> Answer<Response> {
        let (world, grant) = self.authorized(headers)?;
        let user = world.user(&grant.user_id).ok_or_else(|| fail(40105, "Access token is invalid."))?;
        Ok(ok(json!({
            "core_user_id": user.id, "display_name": user.display_name, "email": user.email,
            "create_time": 1_700_000_000, "avatar_url": "",
        })))
    }

    /// `oauth2/advertiser/get/`: the advertisers the token's user shared with this app.
    pub(super) fn authorized_advertisers(&self, q: &Query, headers: &HeaderMap) -> Answer<Response> {
        let app_id = q.required("app_id")?;
        let secret = q.required("secret")?;
        let (world, grant) = self.authorized(headers)?;
        let app = world
            .apps
            .get(app_id)
            .filter(|a| a.secret == secret)
            .ok_or_else(|| fail(40101, "Invalid app_id or secret."))?;
        if app.app_id != grant.app_id {
            return Err(fail(40001, format!("app_id {} is inconsistent with the access token.", app.app_id)));
        }
        let user = world.user(&grant.user_id).ok_or_else(|| fail(40105, "Access token is invalid."))?;
        let list: Vec<Value> = user
            .advertisers
            .iter()
            .filter_map(|id| world.advertisers.get(id))
            .map(|a| json!({"advertiser_id": a.id, "advertiser_name": a.name}))
            .collect();
        Ok(ok(json!({ "list": list })))
    }

    /// `advertiser/info/`: details of up to 100 reachable advertisers.
    pub(super) fn advertiser_info(&self, q: &Query, headers: &HeaderMap) -> Answer<Response> {
        let ids = q
            .string_array("advertiser_ids")?
            .ok_or_else(|| param_error("advertiser_ids: Missing data for required field."))?;
        if ids.is_empty() || ids.len() > 100 {
            return Err(param_error("advertiser_ids: Length must be between 1 and 100."));
        }
        q.json_array("fields")?;
        let (world, grant) = self.authorized(headers)?;
        let list = ids
            .iter()
            .map(|id| reachable(&world, &grant, id).map(|a| advertiser_json(&world, a)))
            .collect::<Answer<Vec<_>>>()?;
        Ok(ok(json!({ "list": list })))
    }

    /// `bc/get/`: a Business user's one Business Center; a personal user has none.
    pub(super) fn business_centers(&self, q: &Query, headers: &HeaderMap) -> Answer<Response> {
        let (page, size) = q.paging(50, 10)?;
        let (world, grant) = self.authorized(headers)?;
        let user = world.user(&grant.user_id).ok_or_else(|| fail(40105, "Access token is invalid."))?;
        let list: Vec<Value> = if user.kind == UserKind::Business {
            vec![json!({
                "bc_info": {"bc_id": bc_id(&user.id), "name": format!("{}'s Business Center", user.display_name),
                            "company": "Sandbox Co.", "currency": "USD", "registered_area": "US", "status": "ENABLE",
                            "timezone": "Etc/GMT", "type": "NORMAL", "verification_status": "VERIFIED"},
                "user_role": "ADMIN", "ext_user_role": {"finance_role": "MANAGER"},
            })]
        } else {
            vec![]
        };
        Ok(ok(paged(list, page, size)))
    }

    /// `bc/asset/get/`: the advertisers in the user's Business Center (no other asset types).
    pub(super) fn business_center_assets(&self, q: &Query, headers: &HeaderMap) -> Answer<Response> {
        let bc = q.required("bc_id")?.to_owned();
        let asset_type = q.required("asset_type")?;
        let (page, size) = q.paging(50, 10)?;
        q.json_object("filtering")?;
        let (world, grant) = self.authorized(headers)?;
        let user = world.user(&grant.user_id).ok_or_else(|| fail(40105, "Access token is invalid."))?;
        if bc != bc_id(&user.id) {
            return Err(fail(40001, "No permission to operate this Business Center."));
        }
        if asset_type != "ADVERTISER" {
            return Ok(ok(paged(vec![], page, size)));
        }
        let list: Vec<Value> = user
            .advertisers
            .iter()
            .filter_map(|id| world.advertisers.get(id))
            .map(|a| json!({"asset_id": a.id, "asset_name": a.name, "asset_type": "ADVERTISER", "relation_type": "OWNER_BC",
                            "relation_status": "BOUND", "advertiser_status": a.status, "advertiser_account_type": "AUCTION",
                            "advertiser_role": "ADMIN", "owner_bc_name": format!("{}'s Business Center", user.display_name)}))
            .collect();
        Ok(ok(paged(list, page, size)))
    }
}

/// A user's Business Center id: their user id with the `72` prefix.
fn bc_id(user_id: &str) -> String {
    format!("72{}", &user_id[2..])
}

/// One page of an already built list, with its `page_info`.
fn paged(list: Vec<Value>, page: u32, size: u32) -> Value {
    let total = list.len() as u64;
    let skip = (page as u64 - 1) * size as u64;
    let items: Vec<Value> =
        list.into_iter().skip(usize::try_from(skip).unwrap_or(usize::MAX)).take(size as usize).collect();
    json!({ "list": items, "page_info": page_info(page, size, total) })
}

fn advertiser_json(world: &World, a: &SandboxAdvertiser) -> Value {
    let balance = (world.generator(a).seed % 10_000) as f64 + a.index as f64 * 1234.56;
    json!({
        "advertiser_id": a.id, "name": a.name, "company": a.company, "status": a.status, "role": "ROLE_ADVERTISER",
        "rejection_reason": "", "timezone": a.timezone, "display_timezone": a.timezone, "currency": a.currency,
        "country": a.country, "address": "", "industry": "290303", "language": "en",
        "balance": (balance * 100.0).round() / 100.0, "create_time": 1_650_000_000 + a.index as i64 * 86_400,
        "contacter": "Sa****ox", "email": "sa****@example.com", "telephone_number": "+1****0000",
        "advertiser_account_type": "AUCTION", "owner_bc_id": "", "description": "",
    })
}
