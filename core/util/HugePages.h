// HugePages.h — ask the OS to back a large, freshly allocated block with huge pages.
// In: the block (not yet written) and its size. Out: nothing; on Linux madvise(MADV_HUGEPAGE) on the
// 2 MiB-aligned part of blocks of at least 4 MiB, elsewhere nothing. Never fails (advice only).
// Why: a fresh 128 MiB matrix (a width-4096 Dense layer) is 32768 first-touch page faults; on the
// development VM they cost 0.8 s, more than drawing its 16.7 M normals; with huge pages 0.04 s.
#pragma once
#include <cstddef>

namespace ntk {

void adviseHugePages(void* data, std::size_t bytes);

} // namespace ntk
