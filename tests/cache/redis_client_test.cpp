// RedisClient against real redis-server processes.
#include "cache/redis_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "cache/redis_test_support.hpp"

namespace churnwatch::cache {
namespace {

using testing::PrivateRedis;

TEST(RedisUrl, ParsesEveryPart) {
  auto o = parse_redis_url("redis://:p%40ss@cache.example:6390/3?timeout_ms=250&pool_size=4");
  EXPECT_EQ(o.host, "cache.example");
  EXPECT_EQ(o.port, 6390);
  EXPECT_EQ(o.password, "p@ss");
  EXPECT_EQ(o.username, "");
  EXPECT_EQ(o.db, 3);
  EXPECT_EQ(o.command_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(o.pool_size, 4u);
  EXPECT_EQ(o.key_prefix, "churnwatch:");
  EXPECT_EQ(parse_redis_url("redis://h?prefix=eu%3A").key_prefix, "eu:");

  o = parse_redis_url("redis://churn:secret@[::1]/0");
  EXPECT_EQ(o.host, "::1");
  EXPECT_EQ(o.port, 6379);
  EXPECT_EQ(o.username, "churn");
  EXPECT_EQ(o.password, "secret");
  EXPECT_EQ(describe(o), "[::1]:6379/0");

  o = parse_redis_url("redis://localhost");
  EXPECT_EQ(o.host, "localhost");
  EXPECT_EQ(o.port, 6379);
  EXPECT_EQ(o.db, 0);
  EXPECT_TRUE(o.password.empty());
}

TEST(RedisUrl, RefusesBadUrlsNamingThePart) {
  auto message = [](const std::string& url) {
    try {
      parse_redis_url(url);
    } catch (const core::Invalid& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message("http://host").find("redis://"), std::string::npos);
  EXPECT_NE(message("rediss://host").find("TLS"), std::string::npos);
  EXPECT_NE(message("redis://host:99999").find("port"), std::string::npos);
  EXPECT_NE(message("redis://host/x").find("database number"), std::string::npos);
  EXPECT_NE(message("redis://:pw@").find("no host"), std::string::npos);
  EXPECT_NE(message("redis://host?colour=red").find("colour"), std::string::npos);
  const std::string bad_escape = message("redis://:s3cr%zzet@host");
  EXPECT_NE(bad_escape.find("password"), std::string::npos);
  EXPECT_EQ(bad_escape.find("s3cr"), std::string::npos) << "the password must not be echoed";
}

class RedisClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = testing::test_redis_url();
    if (url_.empty()) GTEST_SKIP() << testing::kNoRedis;
    prefix_ = testing::unique_prefix("client");
  }
  std::string url_;
  std::string prefix_;
};

TEST_F(RedisClientTest, RunsCommandsAndTypesReplies) {
  RedisClient redis(parse_redis_url(url_));
  EXPECT_TRUE(redis.ping());
  const std::string key = prefix_ + "k";
  EXPECT_EQ(redis.command({"SET", key, std::string("a\0b", 3)}).as_string(), "OK");
  EXPECT_EQ(redis.command({"GET", key}).as_string(), std::string("a\0b", 3));
  EXPECT_FALSE(redis.command({"GET", prefix_ + "missing"}).as_optional_string());
  EXPECT_EQ(redis.command({"INCRBY", prefix_ + "n", "5"}).as_integer(), 5);
  EXPECT_THROW(redis.command({"GET", key}).as_integer(), core::Unavailable);
  EXPECT_THROW(redis.command({"INCR", prefix_ + "n"}).as_array(), core::Unavailable);
  redis.command({"DEL", key, prefix_ + "n"});
}

TEST_F(RedisClientTest, ErrorRepliesAreTypedAndLeaveTheConnectionUsable) {
  RedisOptions o = parse_redis_url(url_);
  o.pool_size = 1;  // the same connection serves the next call
  RedisClient redis(o);
  const std::string key = prefix_ + "list";
  redis.command({"RPUSH", key, "x"});
  try {
    redis.command({"INCR", key});
    FAIL() << "INCR on a list succeeded";
  } catch (const RedisReplyError& e) {
    EXPECT_EQ(e.code(), "WRONGTYPE");
    EXPECT_EQ(e.kind(), core::ErrorKind::kUnavailable);
  }
  EXPECT_EQ(redis.command({"LLEN", key}).as_integer(), 1);
  redis.command({"DEL", key});
}

TEST_F(RedisClientTest, PipelinesATransaction) {
  RedisClient redis(parse_redis_url(url_));
  const std::string key = prefix_ + "counter";
  auto replies = redis.pipeline({{"MULTI"}, {"INCR", key}, {"INCR", key}, {"EXEC"}});
  ASSERT_EQ(replies.size(), 4u);
  const auto& exec = replies[3].as_array();
  ASSERT_EQ(exec.size(), 2u);
  EXPECT_EQ(exec[1].as_integer(), 2);
  redis.command({"DEL", key});
}

TEST_F(RedisClientTest, SelectsTheDatabaseFromTheUrl) {
  RedisClient db0(parse_redis_url(url_));
  RedisClient db5(parse_redis_url(url_ + "/5"));
  const std::string key = prefix_ + "where";
  db5.command({"SET", key, "five"});
  EXPECT_FALSE(db0.command({"GET", key}).as_optional_string());
  EXPECT_EQ(db5.command({"GET", key}).as_string(), "five");
  db5.command({"DEL", key});
}

TEST_F(RedisClientTest, ManyThreadsShareASmallPool) {
  RedisOptions o = parse_redis_url(url_);
  o.pool_size = 3;
  RedisClient redis(o);
  const std::string key = prefix_ + "shared";
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) try {
          redis.command({"INCR", key});
        } catch (const std::exception&) {
          ++failures;
        }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(redis.command({"GET", key}).as_string(), "1600");
  redis.command({"DEL", key});
}

TEST_F(RedisClientTest, ACommandThatOutlivesTheTimeoutIsUnavailable) {
  RedisClient redis(parse_redis_url(url_ + "?timeout_ms=200"));
  // BLPOP blocks for a second on an empty list: longer than the timeout.
  EXPECT_THROW(redis.command({"BLPOP", prefix_ + "empty", "1"}), core::Unavailable);
  EXPECT_TRUE(redis.ping()) << "the timed-out connection was replaced";
}

TEST_F(RedisClientTest, ScriptsReloadAfterTheServerForgetsThem) {
  RedisClient redis(parse_redis_url(url_));
  RedisScript script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  const std::string key = prefix_ + "scripted";
  EXPECT_EQ(script.run(redis, {key}, {"2"}).as_integer(), 2);
  redis.command({"SCRIPT", "FLUSH"});
  EXPECT_EQ(script.run(redis, {key}, {"3"}).as_integer(), 5);
  redis.command({"DEL", key});
}

TEST(RedisClientServer, ADownServerIsUnavailableWithoutDelayingConstruction) {
  RedisOptions o;
  o.port = testing::free_loopback_port();  // nothing listens there
  RedisClient redis(o);                    // lazy: does not connect
  EXPECT_FALSE(redis.ping());
  try {
    redis.command({"PING"});
    FAIL();
  } catch (const core::Unavailable& e) {
    EXPECT_NE(std::string(e.what()).find(std::to_string(o.port)), std::string::npos);
  }
}

TEST(RedisClientServer, ReconnectsAfterTheServerRestarts) {
  if (!PrivateRedis::available()) GTEST_SKIP() << "redis-server is not installed";
  PrivateRedis server;
  server.start();
  RedisOptions o = parse_redis_url(server.url());
  o.pool_size = 4;
  RedisClient redis(o);
  // Fill the pool with several connections.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([&] { redis.command({"SET", "k", "before"}); });
  for (auto& t : threads) t.join();

  server.stop();
  EXPECT_THROW(redis.command({"GET", "k"}), core::Unavailable);
  EXPECT_FALSE(redis.ping());
  server.start();
  // The failed call discarded every stale connection: the next call works.
  EXPECT_EQ(redis.command({"SET", "k", "after"}).as_string(), "OK");
  EXPECT_EQ(redis.command({"GET", "k"}).as_string(), "after");

  // Restarted while idle: calls in flight may fail once, then it recovers.
  server.stop();
  server.start();
  int failures = 0;
  for (int i = 0; i < 2; ++i) try {
      redis.command({"PING"});
    } catch (const core::Unavailable&) {
      ++failures;
    }
  EXPECT_LE(failures, 1);
  EXPECT_TRUE(redis.ping());
}

TEST(RedisClientServer, AuthenticatesWithThePasswordFromTheUrl) {
  if (!PrivateRedis::available()) GTEST_SKIP() << "redis-server is not installed";
  PrivateRedis server({"--requirepass", "s3cret"});
  server.start();
  RedisClient good(
      parse_redis_url("redis://:s3cret@127.0.0.1:" + std::to_string(server.port()) + "/2"));
  EXPECT_EQ(good.command({"SET", "k", "v"}).as_string(), "OK");
  RedisClient bad(parse_redis_url("redis://:wrong@127.0.0.1:" + std::to_string(server.port())));
  try {
    bad.command({"GET", "k"});
    FAIL() << "a wrong password was accepted";
  } catch (const core::Unavailable& e) {
    EXPECT_EQ(std::string(e.what()).find("wrong"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("password"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace churnwatch::cache
