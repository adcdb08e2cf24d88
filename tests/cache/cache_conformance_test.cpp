// Every Cache backend runs the same conformance suite.
#include "cache/cache_conformance.hpp"

#include "cache/cache_memory.hpp"

namespace churnwatch::test_support {
namespace {

INSTANTIATE_TEST_SUITE_P(Memory, CacheConformance,
                         ::testing::Values(CacheBackend{
                             "memory", [] { return std::make_unique<cache::MemoryCache>(); }}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace churnwatch::test_support
