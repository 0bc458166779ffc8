// Atomic writes: the target appears only complete, a failed write leaves the
// old file and no temporary behind.
#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>

#include "nanodecoh/error.hpp"
#include "nanodecoh/io/atomic_file.hpp"
#include "run_cli.hpp"

namespace nanodecoh::io {
namespace {
namespace fs = std::filesystem;

TEST(AtomicFile, WritesAndReplaces) {
  const fs::path dir = testing::make_temp_dir("atomic");
  write_text_atomically(dir / "a.txt", "first");
  write_text_atomically(dir / "a.txt", "second");
  EXPECT_EQ(read_file(dir / "a.txt"), "second");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  fs::remove_all(dir);
}

TEST(AtomicFile, FailedWriteKeepsOldFileAndLeavesNoTemporary) {
  const fs::path dir = testing::make_temp_dir("atomic");
  write_text_atomically(dir / "a.txt", "good");
  EXPECT_THROW(write_atomically(dir / "a.txt",
                                [](const fs::path& tmp) {
                                  write_text_atomically(tmp, "partial");
                                  throw std::runtime_error("interrupted");
                                }),
               std::runtime_error);
  EXPECT_EQ(read_file(dir / "a.txt"), "good");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  fs::remove_all(dir);
}

TEST(AtomicFile, MissingDirectoryIsIoError) {
  EXPECT_THROW(write_text_atomically("/nonexistent-dir-nanodecoh/x.txt", "x"), IoError);
  EXPECT_THROW(read_file("/nonexistent-dir-nanodecoh/x.txt"), IoError);
}

}  // namespace
}  // namespace nanodecoh::io
