// SQLite's page cache in the region reserved for it (reserve_sqlite_page_cache):
// the cache's pages go there, not to the heap, and no further than the budget.
// Its own binary: the region can only be set before SQLite's first use.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "storage/sqlite_connection.hpp"
#include "support/temp_dir.hpp"

namespace {
using namespace orator;

TEST(SqlitePageCache, PagesGoToTheReservedRegionNotTheHeap) {
  constexpr std::size_t kBudget = 1u << 20;
  ASSERT_TRUE(storage::reserve_sqlite_page_cache(kBudget));
  EXPECT_FALSE(storage::reserve_sqlite_page_cache(kBudget)) << "one region per process";

  test_support::TempDir dir("orator-page-cache");
  auto db = storage::open_sqlite((dir.path() / "cache.db").string(), kBudget);
  const auto heap_before = storage::sqlite_memory_bytes();
  // 4 MB of rows: four times what the cache may hold.
  db->execute_script(
      "CREATE TABLE t(b BLOB);"
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 4000) INSERT INTO t SELECT randomblob(1000) FROM c;");
  const auto rows = db->query("SELECT count(*), sum(length(b)) FROM t");
  ASSERT_EQ(rows.at(0).integer(0), 4000);

  const auto in_region = storage::sqlite_reserved_cache_bytes();
  const auto heap_growth = storage::sqlite_memory_bytes() - heap_before;
  std::printf("page cache: %lld bytes in the region (budget %zu), heap grew by %lld bytes\n",
              static_cast<long long>(in_region), kBudget, static_cast<long long>(heap_growth));
  EXPECT_GT(in_region, static_cast<std::int64_t>(kBudget / 2)) << "the cache filled its region";
  EXPECT_LE(in_region, static_cast<std::int64_t>(kBudget));
  EXPECT_LT(heap_growth, 256 << 10) << "the pages did not come from the heap";
}

}  // namespace
