// Store conformance: users, settings and concurrent access.
#include <atomic>
#include <chrono>
#include <thread>

#include "core/errors.hpp"
#include "storage/store_conformance.hpp"

namespace churnwatch::storage::testing {

TEST_P(StoreConformance, UsersCanBeCreatedFoundListedAndUpdated) {
  User ada = store().create_user({0, "ada", "hash-a", "admin", true, "", ""});
  EXPECT_GT(ada.id, 0);
  EXPECT_FALSE(ada.created_at.empty());
  User bob = store().create_user({0, "bob", "hash-b", "viewer", true, "", ""});
  EXPECT_NE(bob.id, ada.id);

  auto found = store().find_user("ada");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, ada.id);
  EXPECT_EQ(found->password_hash, "hash-a");
  EXPECT_EQ(found->role, "admin");
  EXPECT_TRUE(found->active);
  EXPECT_EQ(store().find_user_by_id(bob.id)->username, "bob");
  EXPECT_FALSE(store().find_user("carol").has_value());
  EXPECT_FALSE(store().find_user_by_id(ada.id + bob.id + 100).has_value());

  auto all = store().list_users();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].username, "ada");
  EXPECT_EQ(all[1].username, "bob");

  bob.role = "analyst";
  bob.active = false;
  bob.password_hash = "hash-b2";
  bob.username = "ignored";  // usernames do not change through update_user
  User updated = store().update_user(bob);
  EXPECT_EQ(updated.username, "bob");
  EXPECT_EQ(updated.role, "analyst");
  EXPECT_FALSE(updated.active);
  EXPECT_EQ(store().find_user("bob")->password_hash, "hash-b2");
  EXPECT_EQ(store().find_user("bob")->created_at, bob.created_at);
}

TEST_P(StoreConformance, DuplicateUsernameIsAConflict) {
  store().create_user({0, "ada", "hash-a", "admin", true, "", ""});
  try {
    store().create_user({0, "ada", "other", "viewer", true, "", ""});
    FAIL() << "a second 'ada' was created";
  } catch (const core::Conflict& e) {
    EXPECT_NE(std::string(e.what()).find("ada"), std::string::npos);
    EXPECT_EQ(std::string(e.what()).find("INSERT"), std::string::npos);
  }
  EXPECT_EQ(store().list_users().size(), 1u);
  EXPECT_EQ(store().find_user("ada")->password_hash, "hash-a");
}

TEST_P(StoreConformance, UpdatingAMissingUserIsNotFound) {
  EXPECT_THROW(store().update_user({4242, "ghost", "h", "viewer", true, "", ""}),
               core::NotFound);
}

TEST_P(StoreConformance, SessionVersionsOnlyGrowAndSurviveOtherUpdates) {
  User ada = store().create_user({0, "ada", "hash-a", "admin", true, "", ""});
  User bob = store().create_user({0, "bob", "hash-b", "viewer", true, "", ""});
  EXPECT_EQ(store().find_user_by_id(ada.id)->session_version, 0);
  EXPECT_EQ(store().bump_session_version(ada.id), 1);
  EXPECT_EQ(store().bump_session_version(ada.id), 2);
  EXPECT_EQ(store().find_user("ada")->session_version, 2);
  EXPECT_EQ(store().find_user_by_id(bob.id)->session_version, 0);
  // An update written from an older read never takes the version back.
  ada.role = "analyst";
  EXPECT_EQ(store().update_user(ada).session_version, 2);
  // Concurrent bumps are never lost.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) store().bump_session_version(bob.id);
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(store().find_user_by_id(bob.id)->session_version, 40);
  EXPECT_THROW(store().bump_session_version(ada.id + bob.id + 100), core::NotFound);
}

TEST_P(StoreConformance, SettingsAreUpserted) {
  EXPECT_FALSE(store().get_setting("jwt.secret").has_value());
  store().put_setting("jwt.secret", "s1");
  EXPECT_EQ(store().get_setting("jwt.secret"), "s1");
  store().put_setting("jwt.secret", "s2");
  EXPECT_EQ(store().get_setting("jwt.secret"), "s2");
  store().put_setting("empty", "");
  EXPECT_EQ(store().get_setting("empty"), "");
}

TEST_P(StoreConformance, ReadersRunWhileAWriterIsOpenAndWritersTakeTurns) {
  seed({customer("c1", "Hargrave", 42, 1000.5, "France", true),
        customer("c2", "Onio", 30, 0, "Spain", false)});
  Store& s = store();
  auto w = s.begin_write(WriteMode::kUpsert);
  for (int i = 0; i < 500; ++i) w->put(customer("n" + std::to_string(i), "New", i, i, "Spain", true));

  std::atomic<int> wrong{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        if (s.count_customers() != 2) ++wrong;
        if (s.list_customers({}).total != 2) ++wrong;
        if (!s.find_customer("c1")) ++wrong;
      }
    });
  }
  for (auto& r : readers) r.join();
  EXPECT_EQ(wrong.load(), 0);

  std::atomic<bool> second_opened{false};
  std::thread second([&] {
    auto w2 = s.begin_write(WriteMode::kUpsert);
    second_opened = true;
    w2->put(customer("late", "Late", 1, 1, "France", true));
    w2->commit();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(second_opened.load()) << "a second writer opened while the first was open";
  w->commit();
  w.reset();
  second.join();
  EXPECT_TRUE(second_opened.load());
  EXPECT_EQ(s.count_customers(), 503);
}

}  // namespace churnwatch::storage::testing

namespace churnwatch::storage::testing {

// Lookups made on every request may reuse prepared statements; each must
// still see every change committed before it, whichever session serves it.
TEST_P(StoreConformance, RepeatedLookupsSeeEachCommittedChange) {
  seed({customer("c1", "Hargrave", 42, 1000.5, "France", true)});
  User u = store().create_user({0, "ada", "hash-a", "viewer", true, "", ""});
  const char* roles[] = {"viewer", "analyst", "admin"};
  for (int i = 0; i < 12; ++i) {
    u.role = roles[i % 3];
    store().update_user(u);
    EXPECT_EQ(store().find_user_by_id(u.id)->role, roles[i % 3]) << "round " << i;
    {
      auto w = store().begin_write(WriteMode::kUpsert);
      w->put(customer("c1", "Hargrave", 50 + i, 1000.5, "France", true));
      w->commit();
    }
    EXPECT_EQ(store().find_customer("c1")->attributes["Age"], 50 + i) << "round " << i;
    EXPECT_FALSE(store().find_customer("c2").has_value());
  }
}

}  // namespace churnwatch::storage::testing
