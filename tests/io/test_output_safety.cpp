// Output files under faults (docs/usage.md, "Output files"): a full disk keeps the
// previous result and checkpoint and exits 2 naming ENOSPC; a FIFO, a device node
// and the run's own config are refused as --out and left intact; a read-only file
// system is named before the computation; stale temporaries of dead processes are
// removed; a second writer of the same output is refused. Full-disk and read-only
// cases mount a small tmpfs and need root; they skip with the reason otherwise.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "evolve_test_configs.hpp"
#include "nanodecoh/error.hpp"
#include "nanodecoh/io/atomic_file.hpp"
#include "nanodecoh/io/hdf5_file.hpp"
#include "nanodecoh/io/output_claim.hpp"
#include "run_cli.hpp"

namespace nanodecoh::io {
namespace {
namespace fs = std::filesystem;
using testing::count_lines;
using testing::make_temp_dir;
using testing::run_cli;
using testing::without_backend_notice;

const std::string small_config = testing::small_cat_config(
    testing::free_segment("1.0e-4"), "final_state = true\ncheckpoint_every = 50\n");

std::string write_config(const fs::path& dir) {
  const fs::path path = dir / "run.toml";
  std::ofstream(path) << small_config;
  return path.string();
}

std::string contents(const fs::path& path) {
  return testing::file_contents(path.string());
}

/// Entries of `dir` whose name starts with the write_atomically temporary prefix.
int temporaries_in(const fs::path& dir) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind(temporary_prefix, 0) == 0) ++n;
  return n;
}

void expect_one_line_error(const testing::CliResult& r, const std::string& fragment) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(count_lines(without_backend_notice(r.err)), 1) << r.err;
  EXPECT_NE(r.err.find(fragment), std::string::npos)
      << "expected '" << fragment << "' in " << r.err;
}

/// A tmpfs of `size` mounted on a fresh directory, unmounted (lazily, so that it
/// goes even if a file is still open) when the test ends.
class ScopedTmpfs {
 public:
  explicit ScopedTmpfs(const std::string& size, bool read_only = false)
      : dir_(make_temp_dir("tmpfs")) {
    const std::string options = "size=" + size + ",mode=0777";
    mounted_ =
        ::mount("tmpfs", dir_.c_str(), "tmpfs", read_only ? MS_RDONLY : 0, options.c_str()) == 0;
    if (!mounted_) reason_ = std::strerror(errno);
  }
  ~ScopedTmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  bool mounted() const { return mounted_; }
  const std::string& reason() const { return reason_; }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
  bool mounted_ = false;
  std::string reason_;
};

#define REQUIRE_TMPFS(fs_)                                                                 \
  do {                                                                                     \
    if (::geteuid() != 0)                                                                  \
      GTEST_SKIP() << "mounting a tmpfs needs root (this is uid " << ::geteuid() << ")";   \
    if (!(fs_).mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << (fs_).reason(); \
  } while (0)

// Under AddressSanitizer (make asan-test) libhdf5 leaks the file it failed to close on a full
// disk, and LeakSanitizer turns that into a failure of the process; the behaviour is tested
// in the normal build.
#if defined(__SANITIZE_ADDRESS__)
#define SKIP_FULL_DISK_UNDER_ASAN() \
  GTEST_SKIP() << "libhdf5 leaks a file whose close failed; LeakSanitizer would report it"
#else
#define SKIP_FULL_DISK_UNDER_ASAN() (void)0
#endif

/// Fills the file system holding `dir` until a write fails, then frees `leave` bytes.
void fill_disk(const fs::path& dir, std::size_t leave) {
  const fs::path filler = dir / "filler";
  const int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  const std::string block(4096, 'x');
  off_t size = 0;
  while (true) {
    const ssize_t n = ::write(fd, block.data(), block.size());
    if (n <= 0) break;
    size += n;
  }
  ASSERT_EQ(errno, ENOSPC);
  ASSERT_EQ(::ftruncate(fd, size > static_cast<off_t>(leave) ? size - leave : 0), 0);
  ::close(fd);
}

TEST(OutputSafety, FullDiskDuringEvolveKeepsPreviousResultAndCheckpoint) {
  SKIP_FULL_DISK_UNDER_ASAN();
  ScopedTmpfs disk("4m");
  REQUIRE_TMPFS(disk);
  const std::string cfg = write_config(make_temp_dir("full_disk_cfg"));
  const fs::path out = disk.dir() / "a.h5", checkpoint = disk.dir() / "a.h5.ckpt.h5";
  ASSERT_EQ(run_cli({"evolve", cfg, "--out", out.string(), "--quiet"}).exit_code, 0);
  const std::string good_result = contents(out), good_checkpoint = contents(checkpoint);
  ASSERT_FALSE(good_result.empty());
  ASSERT_FALSE(good_checkpoint.empty());
  // Room for the empty temporaries, not for their content (rho alone is 36 KiB).
  fill_disk(disk.dir(), 8192);
  const auto r = run_cli({"evolve", cfg, "--out", out.string(), "--quiet"});
  expect_one_line_error(r, "No space left on device (ENOSPC)");
  EXPECT_NE(r.err.find("a.h5"), std::string::npos) << r.err;
  // Byte-identical previous files, readable, and no temporaries left behind.
  EXPECT_EQ(contents(out), good_result);
  EXPECT_EQ(contents(checkpoint), good_checkpoint);
  EXPECT_EQ(Hdf5File::open_read(out).read_complex("final/rho").size(), 48u * 48u);
  EXPECT_EQ(temporaries_in(disk.dir()), 0);
}

TEST(OutputSafety, FullDiskInAnHdf5CloseIsReportedAndNothingIsRenamed) {
  SKIP_FULL_DISK_UNDER_ASAN();
  ScopedTmpfs disk("1m");
  REQUIRE_TMPFS(disk);
  const fs::path target = disk.dir() / "t.h5";
  write_text_atomically(target, "previous");
  fill_disk(disk.dir(), 16384);
  // 64 KiB of data: more than is free, small enough for HDF5 to cache some of it until close.
  const std::vector<double> data(8192, 1.0);
  try {
    write_atomically(target, [&](const fs::path& tmp) {
      Hdf5File f = Hdf5File::create(tmp);
      f.write("d", data, {data.size()});
    });
    FAIL() << "a write onto a full disk succeeded";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("ENOSPC"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(target.string()), std::string::npos) << e.what();
  }
  EXPECT_EQ(contents(target), "previous");
  EXPECT_EQ(temporaries_in(disk.dir()), 0);
}

TEST(OutputSafety, ReadOnlyFileSystemIsNamedBeforeTheComputation) {
  ScopedTmpfs disk("1m", true);
  REQUIRE_TMPFS(disk);
  const std::string cfg = write_config(make_temp_dir("read_only_cfg"));
  const auto r = run_cli({"evolve", cfg, "--out", (disk.dir() / "a.h5").string(), "--quiet"});
  expect_one_line_error(r, "Read-only file system (EROFS)");
  EXPECT_NE(r.err.find("--out"), std::string::npos) << r.err;
}

TEST(OutputSafety, FifoAsOutIsRefusedAndLeftIntact) {
  const fs::path dir = make_temp_dir("fifo_out");
  const fs::path fifo = dir / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto r = run_cli({"evolve", write_config(dir), "--out", fifo.string(), "--quiet"});
  expect_one_line_error(r, "--out");
  EXPECT_NE(r.err.find("a FIFO"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::is_fifo(fifo));
  // The library refuses it too, without opening (which would block on a FIFO).
  EXPECT_THROW(write_text_atomically(fifo, "x"), IoError);
  EXPECT_TRUE(fs::is_fifo(fifo));
  fs::remove_all(dir);
}

TEST(OutputSafety, DeviceNodeAsOutIsNeverReplaced) {
  // A private character device with /dev/null's numbers: never the real /dev/null.
  const fs::path dir = make_temp_dir("device_out");
  const fs::path device = dir / "null-like";
  if (::mknod(device.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0)
    GTEST_SKIP() << "cannot create a device node here: " << std::strerror(errno);
  const std::string ftable_example = std::string(NANODECOH_SOURCE_DIR) + "/examples/ftable.toml";
  for (const auto& config :
       {std::vector<std::string>{"evolve", write_config(dir)},
        std::vector<std::string>{"ftable", ftable_example, "--set", "orientations.count=2", "--set",
                                 "displacements.count=2"}}) {
    std::vector<std::string> args = config;
    args.insert(args.end(), {"--out", device.string(), "--quiet"});
    const auto r = run_cli(args);
    expect_one_line_error(r, "a character device");
    EXPECT_TRUE(fs::is_character_file(device)) << config[0];
  }
  EXPECT_THROW(write_text_atomically(device, "x"), IoError);
  EXPECT_TRUE(fs::is_character_file(device));
  fs::remove_all(dir);
}

TEST(OutputSafety, ConfigAsOutIsRefusedAndLeftIntact) {
  const fs::path dir = make_temp_dir("config_out");
  const std::string cfg = write_config(dir);
  const auto r = run_cli({"evolve", cfg, "--out", cfg, "--quiet"});
  expect_one_line_error(r, "--out");
  EXPECT_NE(r.err.find("input"), std::string::npos) << r.err;
  EXPECT_EQ(contents(cfg), small_config);
  // Spelled differently (./dir/../dir/run.toml), still the same file.
  const std::string other = (dir / ".." / dir.filename() / "run.toml").string();
  expect_one_line_error(run_cli({"evolve", cfg, "--out", other, "--quiet"}), "input");
  EXPECT_EQ(contents(cfg), small_config);
  fs::remove_all(dir);
}

TEST(OutputSafety, PotentialTableAndInitialStateAsOutputsAreRefusedAndLeftIntact) {
  const fs::path dir = make_temp_dir("input_out");
  const fs::path table = dir / "V.h5";
  {
    auto file = Hdf5File::create(table);
    std::vector<double> position, potential;
    for (int i = -50; i <= 50; ++i) {
      position.push_back(i * 1e-9);
      potential.push_back(0.0);
    }
    file.write("position", position, {position.size()}, "m");
    file.write("potential", potential, {potential.size()}, "J");
  }
  const std::string before = contents(table);
  const std::string config = testing::small_cat_config(
      "[[protocol]]\nduration = 1.0e-4\npotential = \"table\"\nfile = \"" + table.string() + "\"\n",
      "final_state = true\n");
  const fs::path cfg = dir / "table.toml";
  std::ofstream(cfg) << config;
  const auto ran = run_cli({"evolve", cfg.string(), "--out", (dir / "a.h5").string(), "--quiet"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;  // the table is a usable input
  expect_one_line_error(run_cli({"evolve", cfg.string(), "--out", table.string(), "--quiet"}),
                        "--out");
  expect_one_line_error(run_cli({"evolve", cfg.string(), "--out", (dir / "b.h5").string(), "--set",
                                 "output.checkpoint_file=\"" + table.string() + "\"", "--quiet"}),
                        "output.checkpoint_file");
  EXPECT_EQ(contents(table), before);
  // A previous result used as the initial state cannot be the new result.
  const std::string from_file =
      testing::small_cat_config(testing::free_segment("1.0e-4"), "final_state = true\n");
  const fs::path cfg2 = dir / "from_file.toml";
  std::ofstream(cfg2) << from_file;
  const std::string result_before = contents(dir / "a.h5");
  expect_one_line_error(run_cli({"evolve", cfg2.string(), "--out", (dir / "a.h5").string(), "--set",
                                 "initial.kind=\"file\"", "--set",
                                 "initial.path=\"" + (dir / "a.h5").string() + "\"", "--quiet"}),
                        "--out");
  EXPECT_EQ(contents(dir / "a.h5"), result_before);
  fs::remove_all(dir);
}

TEST(OutputSafety, PlotIntoAMissingDirectoryIsOneLineBeforeComputing) {
  const fs::path dir = make_temp_dir("plot_missing");
  const auto r = run_cli({"evolve", write_config(dir), "--out", (dir / "a.h5").string(), "--plot",
                          (dir / "missing" / "p.png").string(), "--quiet"});
  expect_one_line_error(r, "--plot");
  EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "a.h5"));  // refused before the run
  fs::remove_all(dir);
}

TEST(OutputSafety, DirectoryAsTargetNamesTheProblem) {
  const fs::path dir = make_temp_dir("dir_target");
  fs::create_directory(dir / "adir");
  try {
    write_text_atomically(dir / "adir", "x");
    FAIL() << "a directory was accepted as an output file";
  } catch (const IoError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("a directory"), std::string::npos) << what;
    EXPECT_EQ(what.find("Success"), std::string::npos) << what;
  }
  const auto r = run_cli({"evolve", write_config(dir), "--out", (dir / "adir").string()});
  expect_one_line_error(r, "a directory");
  EXPECT_TRUE(fs::is_directory(dir / "adir"));
  EXPECT_EQ(temporaries_in(dir), 0);
  fs::remove_all(dir);
}

TEST(OutputSafety, StaleTemporariesOfDeadProcessesAreRemoved) {
  const fs::path dir = make_temp_dir("stale");
  // A pid that certainly belongs to no process: a child that has exited and been reaped.
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);
  const std::string dead = std::string(temporary_prefix) + std::to_string(child) + ".7.a.h5";
  const std::string alive = std::string(temporary_prefix) + std::to_string(::getppid()) + ".7.a.h5";
  const std::string unrelated = ".a.h5.tmp" + std::to_string(child) + "-7";
  for (const auto& name : {dead, alive, unrelated}) std::ofstream(dir / name) << "partial";
  { const OutputClaim claim = claim_outputs({{dir / "a.h5", "--out"}}, {}); }
  EXPECT_FALSE(fs::exists(dir / dead));
  EXPECT_TRUE(fs::exists(dir / alive));      // its process still runs
  EXPECT_TRUE(fs::exists(dir / unrelated));  // not ours
  fs::remove_all(dir);
}

TEST(OutputSafety, ConcurrentWriterOfTheSameOutputIsRefused) {
  const fs::path dir = make_temp_dir("concurrent");
  const fs::path out = dir / "a.h5";
  {
    const OutputClaim first = claim_outputs({{out, "--out"}}, {});
    try {
      (void)claim_outputs({{dir / "." / "a.h5", "--out"}}, {});
      FAIL() << "a second claim of the same output succeeded";
    } catch (const IoError& e) {
      EXPECT_NE(std::string(e.what()).find("pid " + std::to_string(::getpid())), std::string::npos)
          << e.what();
    }
    const auto r = run_cli({"evolve", write_config(dir), "--out", out.string(), "--quiet"});
    expect_one_line_error(r, "being written by another nanodecoh process");
    EXPECT_FALSE(fs::exists(out));
  }
  // Released: the lock file is gone and the output can be claimed again.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);  // run.toml
  EXPECT_NO_THROW((void)claim_outputs({{out, "--out"}}, {}));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace nanodecoh::io
