// NetworkJson.h — the network file format "ntk-studio.network/1" (CONVENTIONS §4).
// In: JSON text or a file path. Out: a validated Network, or NetworkError whose message names the
// offending key or value ("layers[2].W_std: expected a number, got \"abc\""). Unknown keys are errors.
// Writing: a gaussian encoding is saved with its parameters (and reproduces B from the seed).
#pragma once
#include <string>

#include "core/network/Network.h"

namespace ntk {

Network networkFromJson(const std::string& text);
std::string networkToJson(const Network& net, int indent = 2);

Network loadNetwork(const std::string& path);
void saveNetwork(const Network& net, const std::string& path);

} // namespace ntk
