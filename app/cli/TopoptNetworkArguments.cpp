// TopoptNetworkArguments.cpp — see TopoptNetworkArguments.h.
#include "app/cli/TopoptNetworkArguments.h"

#include <cmath>

#include "app/cli/CliCommands.h"
#include "app/cli/TopoptArguments.h"
#include "core/network/NetworkJson.h"
#include "core/util/Errors.h"

namespace ntkcli {

namespace {

/// "nn, fourier: " for route "nn" and scope "fourier"; "fourier: " without a route; "" with neither.
std::string helpLabel(const std::string& route, const std::string& scope = {})
{
  std::string label = route;
  if (!scope.empty()) label += (label.empty() ? "" : ", ") + scope;
  return label.empty() ? label : label + ": ";
}

std::string activationName(ntk::ActivationKind kind) { return kind == ntk::ActivationKind::Sin ? "sin" : "relu"; }

} // namespace

TopoptNetworkOptionsGiven addTopoptNetworkOptions(CLI::App* sub, TopoptNetworkText& text, const std::string& route,
                                                  const std::string& seedHelp)
{
  // The defaults the help states are the core's own.
  const ntk::TopoptNetworkOptions d;
  TopoptNetworkOptionsGiven g;
  g.embedding = sub->add_option("--embedding", text.embedding,
                                helpLabel(route) + "none (raw coordinates), torus or fourier (default " + ntk::embeddingName(d.embedding) + ")")
                    ->check(CLI::IsMember({"none", "torus", "fourier"}));
  g.ell = sub->add_option("--ell", text.ell,
                          helpLabel(route, "fourier") + "length scale of the features, elements (default " + shortNumber(d.ell) + ")");
  g.activation = sub->add_option("--activation", text.activation, helpLabel(route) + "relu or sin (default " + activationName(d.activation) + ")")
                     ->check(CLI::IsMember({"relu", "sin"}));
  g.omega = sub->add_option("--omega", text.omega, helpLabel(route, "sin") + "frequency omega of sin(omega z) (default " + shortNumber(d.omega) + ")");
  g.width = sub->add_option("--width", text.width,
                            helpLabel(route) + "hidden width (" + std::to_string(d.depth) + " hidden layers; default " + std::to_string(d.width) + ")")
                ->check(atLeast("--width", 1));
  g.beta = sub->add_option("--beta", text.beta, helpLabel(route) + "bias share, in [0, 1) (default " + shortNumber(d.beta) + ")");
  g.seed = sub->add_option("--seed", text.seed, helpLabel(route) + seedHelp + " (default 0)")->check(seedValue());
  g.net = sub->add_option("--net", text.net, helpLabel(route) + "a saved network (input_dim 2, one output) instead of building one")
              ->check(CLI::ExistingFile);
  return g;
}

void refuseInapplicableNetworkOptions(const TopoptNetworkText& text, const TopoptNetworkOptionsGiven& given)
{
  if (!text.net.empty()) {
    for (const CLI::Option* opt : given.building())
      if (opt->count() > 0) throw ntk::InputError(opt->get_name() + " builds a network: not with --net (the file is the network)");
    return;
  }
  const ntk::TopoptNetworkOptions d;
  const std::string embedding = given.embedding->count() ? text.embedding : ntk::embeddingName(d.embedding);
  if (given.ell->count() > 0 && embedding != "fourier") throw ntk::InputError("--ell applies to --embedding fourier only");
  const std::string activation = given.activation->count() ? text.activation : activationName(d.activation);
  if (given.omega->count() > 0 && activation != "sin") throw ntk::InputError("--omega applies to --activation sin only");
}

ntk::TopoptNetworkOptions topoptNetworkOptions(const TopoptNetworkText& text, const TopoptNetworkOptionsGiven& given)
{
  ntk::TopoptNetworkOptions n;
  if (given.embedding->count()) n.embedding = ntk::embeddingFromName(text.embedding);
  if (given.ell->count()) n.ell = numberInOpenRange(text.ell, "--ell", 0.0, INFINITY);
  if (given.activation->count()) n.activation = text.activation == "sin" ? ntk::ActivationKind::Sin : ntk::ActivationKind::Relu;
  if (given.omega->count()) n.omega = numberInOpenRange(text.omega, "--omega", 0.0, INFINITY);
  if (text.width > 0) n.width = text.width;
  if (!text.beta.empty()) {
    n.beta = parseNumber(text.beta, "--beta");
    if (!(n.beta >= 0.0 && n.beta < 1.0)) throw ntk::InputError("--beta must be in [0, 1) (got '" + text.beta + "')");
  }
  n.featureSeed = text.seed;
  n.validate();
  return n;
}

nlohmann::ordered_json topoptNetworkOptionsJson(const ntk::TopoptNetworkOptions& n)
{
  nlohmann::ordered_json j{{"embedding", ntk::embeddingName(n.embedding)}};
  if (n.embedding == ntk::TopoptEmbedding::Fourier) {
    j["ell"] = n.ell;
    j["features"] = n.features;
  }
  j["activation"] = activationName(n.activation);
  if (n.activation == ntk::ActivationKind::Sin) j["omega"] = n.omega;
  j["width"] = n.width;
  j["depth"] = n.depth;
  j["beta"] = n.beta;
  return j;
}

TopoptNetworkArgument topoptNetworkArgument(const TopoptNetworkText& text, const TopoptNetworkOptionsGiven& given, int nelx,
                                            int nely)
{
  TopoptNetworkArgument a;
  if (!text.net.empty()) {
    a.net = ntk::loadNetwork(text.net);
    a.description["net"] = text.net;
    return a;
  }
  a.options = topoptNetworkOptions(text, given);
  a.net = ntk::topoptNetwork(*a.options, nelx, nely);
  a.description = topoptNetworkOptionsJson(*a.options);
  return a;
}

} // namespace ntkcli
