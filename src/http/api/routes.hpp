// Each file under http/api/ adds one group of routes.
#pragma once

#include "http/api/api_router.hpp"
#include "http/api/context.hpp"

namespace churnwatch::http {

void add_auth_routes(ApiRouter& api, ApiContext& ctx);
void add_customer_routes(ApiRouter& api, ApiContext& ctx);
void add_schema_routes(ApiRouter& api, ApiContext& ctx);
void add_transfer_routes(ApiRouter& api, ApiContext& ctx);
void add_job_routes(ApiRouter& api, ApiContext& ctx);

// 202 Accepted with Location: /api/v1/jobs/<id> and the job: the answer to a
// request that started a background job.
Response job_accepted(const queue::Job& job);
void add_system_routes(ApiRouter& api, ApiContext& ctx);
void add_audit_routes(ApiRouter& api, ApiContext& ctx);
void add_model_routes(ApiRouter& api, ApiContext& ctx);
void add_risk_routes(ApiRouter& api, ApiContext& ctx);
void add_schedule_routes(ApiRouter& api, ApiContext& ctx);
void add_run_routes(ApiRouter& api, ApiContext& ctx);
void add_alert_routes(ApiRouter& api, ApiContext& ctx);

// Every API route, in one router (the server adds static files beside it).
// `access` receives the route/role table for the OpenAPI agreement test.
Router build_api_router(ApiContext& ctx, std::vector<RouteAccess>* access = nullptr);

}  // namespace churnwatch::http
