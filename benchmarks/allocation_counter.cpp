#include "allocation_counter.hpp"

#include <malloc.h>

namespace orator::bench {
std::size_t live_heap_bytes() { return mallinfo2().uordblks; }
}  // namespace orator::bench
