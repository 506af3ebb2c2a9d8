// SingleThreadedBlas.h — holds OpenBLAS at one thread for a scope, restoring its count after.
// For work that oneTBB already spreads over the cores (one BLAS call per task): OpenBLAS's own threads
// would oversubscribe them. In: nothing. Out: the scope's side effect on OpenBLAS's global thread count.
// Thread-safety: the count is process-wide; use it around whole parallel regions, not inside tasks.
#pragma once
#include <cblas.h>

namespace ntk {

class SingleThreadedBlas {
public:
  SingleThreadedBlas() : saved_(openblas_get_num_threads()) { openblas_set_num_threads(1); }
  ~SingleThreadedBlas() { openblas_set_num_threads(saved_); }
  SingleThreadedBlas(const SingleThreadedBlas&) = delete;
  SingleThreadedBlas& operator=(const SingleThreadedBlas&) = delete;

private:
  int saved_;
};

} // namespace ntk
