// Store conformance: refresh tokens and the audit log.
#include "core/errors.hpp"
#include "storage/store_conformance.hpp"

namespace churnwatch::storage::testing {

TEST_P(StoreConformance, RefreshTokensAreFoundByHashAndRevokedOnce) {
  User ada = store().create_user({0, "ada", "h", "admin", true, "", ""});
  auto t = store().create_refresh_token({0, ada.id, "fam-1", "hash-1", "", "2099-01-01T00:00:00.000Z", ""});
  EXPECT_GT(t.id, 0);
  EXPECT_FALSE(t.created_at.empty());
  auto found = store().find_refresh_token("hash-1");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->user_id, ada.id);
  EXPECT_EQ(found->family, "fam-1");
  EXPECT_EQ(found->expires_at, "2099-01-01T00:00:00.000Z");
  EXPECT_TRUE(found->revoked_at.empty());
  EXPECT_FALSE(store().find_refresh_token("hash-2").has_value());

  EXPECT_TRUE(store().revoke_refresh_token(t.id));
  EXPECT_FALSE(store().revoke_refresh_token(t.id));  // the second rotation of one token loses
  EXPECT_FALSE(reopen().find_refresh_token("hash-1")->revoked_at.empty());
  EXPECT_THROW(
      store().create_refresh_token({0, ada.id, "fam-1", "hash-1", "", "2099-01-01T00:00:00.000Z", ""}),
      core::Conflict);
}

TEST_P(StoreConformance, RefreshTokensAreRevokedByFamilyAndByUser) {
  User ada = store().create_user({0, "ada", "h", "admin", true, "", ""});
  User bob = store().create_user({0, "bob", "h", "viewer", true, "", ""});
  const std::string later = "2099-01-01T00:00:00.000Z";
  store().create_refresh_token({0, ada.id, "a1", "h-a1-1", "", later, ""});
  store().create_refresh_token({0, ada.id, "a1", "h-a1-2", "", later, ""});
  store().create_refresh_token({0, ada.id, "a2", "h-a2-1", "", later, ""});
  store().create_refresh_token({0, bob.id, "b1", "h-b1-1", "", later, ""});

  EXPECT_EQ(store().revoke_refresh_family("a1"), 2);
  EXPECT_FALSE(store().find_refresh_token("h-a1-2")->revoked_at.empty());
  EXPECT_TRUE(store().find_refresh_token("h-a2-1")->revoked_at.empty());
  EXPECT_EQ(store().revoke_user_refresh_tokens(ada.id), 1);
  EXPECT_FALSE(store().find_refresh_token("h-a2-1")->revoked_at.empty());
  EXPECT_TRUE(store().find_refresh_token("h-b1-1")->revoked_at.empty());
}

TEST_P(StoreConformance, AuditEntriesAreFilteredAndPagedNewestFirst) {
  auto entry = [](std::string at, std::string actor, std::string action, std::string target) {
    AuditEntry e;
    e.at = std::move(at);
    e.actor_id = actor == "ada" ? 1 : 0;
    e.actor = std::move(actor);
    e.action = std::move(action);
    e.target = std::move(target);
    e.address = "10.0.0.1";
    e.details = {{"note", "it's 100% \"quoted\""}};
    return e;
  };
  store().append_audit(entry("2026-01-01T10:00:00.000Z", "ada", "auth.login", ""));
  store().append_audit(entry("2026-01-02T10:00:00.000Z", "ada", "user.create", "user:2"));
  store().append_audit(entry("2026-01-03T10:00:00.000Z", "mallory", "auth.login_failed", ""));
  store().append_audit(entry("2026-01-04T10:00:00.000Z", "ada", "user.update", "user:2"));
  AuditEntry now;
  now.actor = "ada";
  now.action = "customers.import";
  store().append_audit(now);

  auto all = reopen().list_audit({});
  EXPECT_EQ(all.total, 5);
  ASSERT_EQ(all.items.size(), 5u);
  EXPECT_EQ(all.items[0].action, "customers.import");
  EXPECT_FALSE(all.items[0].at.empty());
  EXPECT_EQ(all.items[1].action, "user.update");
  EXPECT_EQ(all.items[1].details["note"], "it's 100% \"quoted\"");
  EXPECT_EQ(all.items[1].address, "10.0.0.1");

  AuditQuery by_actor;
  by_actor.actor = "mallory";
  EXPECT_EQ(store().list_audit(by_actor).total, 1);

  AuditQuery users;
  users.action = "user.";
  auto page = store().list_audit(users);
  EXPECT_EQ(page.total, 2);
  AuditQuery exact;
  exact.action = "auth.login";
  EXPECT_EQ(store().list_audit(exact).total, 1);

  AuditQuery window;
  window.since = "2026-01-02T00:00:00Z";
  window.until = "2026-01-04T00:00:00Z";
  window.limit = 1;
  window.offset = 1;
  page = store().list_audit(window);
  EXPECT_EQ(page.total, 2);
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].action, "user.create");
}

}  // namespace churnwatch::storage::testing
