// Links nanodecoh::nanodecoh from an installed tree and calls the library.
#include <cstdio>

#include "nanodecoh/backend.hpp"
#include "nanodecoh/validate.hpp"
#include "nanodecoh/version.hpp"

int main() {
  nanodecoh::require_positive("radius", 1e-7);
  const auto backend = nanodecoh::select_backend(nanodecoh::BackendChoice::cpu);
  std::printf("nanodecoh %s backend %s\n", nanodecoh::version_string,
              std::string(nanodecoh::to_string(backend)).c_str());
  return backend == nanodecoh::Backend::cpu ? 0 : 1;
}
