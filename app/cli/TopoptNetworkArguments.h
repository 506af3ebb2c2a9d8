// TopoptNetworkArguments.h — what `ntk-cli topopt --method nn` and `ntk-cli ntk-filter` share: the options
// that name the neural method's network (--embedding, --ell, --activation, --omega, --width, --beta,
// --seed, or --net NET.json instead of the building ones; CONVENTIONS §5), their registration, the
// checks between them, and the network they give.
// In: the CLI11 subcommand (registration), then the options as typed. Out: TopoptNetworkOptions over the
// core's defaults, the network (built on the grid, or loaded), and the report's description of it.
// Errors: InputError with one line naming the option.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "core/network/Network.h"
#include "core/topopt/TopoptNetwork.h"

namespace ntkcli {

/// The network options as typed: numbers stay text until they are checked ("nan" is refused by name).
struct TopoptNetworkText {
  std::string embedding, ell, activation, omega, beta, net;
  int width = 0; ///< 0: not given
  std::uint64_t seed = 0;
};

/// The registered options, so that the commands can tell which were given.
struct TopoptNetworkOptionsGiven {
  CLI::Option *embedding = nullptr, *ell = nullptr, *activation = nullptr, *omega = nullptr, *width = nullptr,
              *beta = nullptr, *seed = nullptr, *net = nullptr;
  /// The options that build a network: refused with --net (the file is the network).
  std::vector<CLI::Option*> building() const { return {embedding, ell, activation, omega, width, beta}; }
  std::vector<CLI::Option*> all() const { return {embedding, ell, activation, omega, width, beta, seed, net}; }
};

/// Registers the options on `sub`; every help line starts with `route` when it is not empty ("nn: …",
/// "nn, fourier: …" for topopt), and --seed's help says what it seeds.
TopoptNetworkOptionsGiven addTopoptNetworkOptions(CLI::App* sub, TopoptNetworkText& text, const std::string& route,
                                                  const std::string& seedHelp);

/// Refuses the building options with --net, --ell without the fourier embedding and --omega without sin.
void refuseInapplicableNetworkOptions(const TopoptNetworkText& text, const TopoptNetworkOptionsGiven& given);

/// The building options over TopoptNetworkOptions' defaults (featureSeed = --seed), checked.
ntk::TopoptNetworkOptions topoptNetworkOptions(const TopoptNetworkText& text, const TopoptNetworkOptionsGiven& given);

/// {embedding, ell and features (fourier), activation, omega (sin), width, depth, beta}.
nlohmann::ordered_json topoptNetworkOptionsJson(const ntk::TopoptNetworkOptions& options);

struct TopoptNetworkArgument {
  ntk::Network net;
  nlohmann::ordered_json description; ///< {"net": FILE} or topoptNetworkOptionsJson
  std::optional<ntk::TopoptNetworkOptions> options; ///< when built (not --net)
};

/// The network of --net, or the one the building options give on the nelx × nely grid.
TopoptNetworkArgument topoptNetworkArgument(const TopoptNetworkText& text, const TopoptNetworkOptionsGiven& given, int nelx,
                                            int nely);

} // namespace ntkcli
