// Fuzzes the mesh readers: the first byte picks OBJ, ASCII STL or binary STL
// (the rest is the file), then a parsed mesh of modest size is validated as a
// body (closed, oriented, non-degenerate) by make_mesh_body.
#include "fuzz_support.hpp"
#include "nanodecoh/localization/body.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const char* names[] = {"mesh.obj", "mesh.stl", "mesh.stl"};
  const std::size_t pick = data[0] % 3;
  std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  if (pick == 1 && body.rfind("solid", 0) != 0) body = "solid fuzz\n" + body;  // ASCII STL
  const auto path = nanodecoh::fuzz::write_scratch(
      names[pick], reinterpret_cast<const uint8_t*>(body.data()), body.size());
  nanodecoh::fuzz::expect_only_nanodecoh_errors([&] {
    const auto mesh = nanodecoh::localization::read_mesh(path, 1e-9);
    if (mesh.triangles.size() <= 2000) (void)nanodecoh::localization::make_mesh_body(mesh);
  });
  return 0;
}
