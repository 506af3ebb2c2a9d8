#include "core/network/NetworkJson.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <cstdint>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/util/Errors.h"
#include "core/util/StrictJson.h"

namespace ntk {

using nlohmann::json;

namespace {

const char* kFormat = "ntk-studio.network/1";

using strictjson::typeName;
using strictjson::withoutTag;

void rejectUnknownKeys(const json& obj, const std::string& where, std::initializer_list<const char*> allowed)
{
  strictjson::rejectUnknownKeys<NetworkError>(obj, where, allowed);
}

json parseRejectingDuplicateKeys(const std::string& text)
{
  return strictjson::parseRejectingDuplicateKeys<NetworkError>(text, "network");
}

void requireObject(const json& v, const std::string& where)
{
  if (!v.is_object()) throw NetworkError(where + ": expected an object, got " + typeName(v));
}

double getNumber(const json& obj, const char* key, const std::string& where, std::optional<double> fallback = {})
{
  if (!obj.contains(key)) {
    if (fallback) return *fallback;
    throw NetworkError(where + ": missing key \"" + key + "\"");
  }
  const json& v = obj.at(key);
  if (!v.is_number()) throw NetworkError(where + "." + key + ": expected a number, got " + typeName(v));
  const double d = v.get<double>();
  if (!std::isfinite(d)) throw NetworkError(where + "." + key + ": not a finite number");
  return d;
}

/// The value of obj[key] as an integer in [lo, hi]. Accepts JSON integers and integral floats (1e3);
/// anything outside the range (4294967297, 1e300, −1) is an error naming the key and the range, never a
/// silent wrap. A missing key takes `fallback` or is an error.
std::int64_t getInt(const json& obj, const char* key, const std::string& where, std::int64_t lo, std::int64_t hi,
                    std::optional<std::int64_t> fallback = {})
{
  if (!obj.contains(key)) {
    if (fallback) return *fallback;
    throw NetworkError(where + ": missing key \"" + key + "\"");
  }
  const json& v = obj.at(key);
  const std::string name = where == "network" ? std::string(key) : where + "." + key; // top level: "input_dim"
  const auto outOfRange = [&] {
    return NetworkError(name + ": " + v.dump() + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  };
  if (v.is_number_unsigned()) {
    if (v.get<std::uint64_t>() > std::uint64_t(hi)) throw outOfRange();
    return std::int64_t(v.get<std::uint64_t>());
  }
  if (v.is_number_integer()) {
    const std::int64_t i = v.get<std::int64_t>();
    if (i < lo || i > hi) throw outOfRange();
    return i;
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!std::isfinite(d) || std::floor(d) != d) throw NetworkError(name + ": expected an integer, got " + v.dump());
    // Compare as doubles before converting: a cast of 1e300 to an integer is undefined behaviour.
    if (d < double(lo) || d > double(hi)) throw outOfRange();
    return std::int64_t(d);
  }
  throw NetworkError(name + ": expected an integer, got " + typeName(v));
}

/// The value of obj[key] as a 64-bit unsigned integer (the full range, e.g. a generator seed).
std::uint64_t getUint64(const json& obj, const char* key, const std::string& where, std::uint64_t fallback)
{
  if (!obj.contains(key)) return fallback;
  const json& v = obj.at(key);
  const std::string name = where == "network" ? std::string(key) : where + "." + key; // top level: "input_dim"
  const auto outOfRange = [&] {
    return NetworkError(name + ": " + v.dump() + " is out of range [0, " +
                        std::to_string(std::numeric_limits<std::uint64_t>::max()) + "]");
  };
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer()) throw outOfRange(); // signed means negative here: non-negatives parse as unsigned
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!std::isfinite(d) || std::floor(d) != d) throw NetworkError(name + ": expected an integer, got " + v.dump());
    if (d < 0.0 || d >= 0x1.0p64) throw outOfRange();
    return std::uint64_t(d);
  }
  throw NetworkError(name + ": expected an integer, got " + typeName(v));
}

Encoding parseEncoding(const json& e, int inputDim)
{
  const std::string where = "encoding";
  requireObject(e, where);
  if (!e.contains("type") || !e["type"].is_string()) throw NetworkError(where + ": missing string key \"type\"");
  const std::string type = e["type"];
  Encoding enc;
  if (type == "none") {
    rejectUnknownKeys(e, where, {"type"});
    enc.kind = EncodingKind::None;
  } else if (type == "basic") {
    rejectUnknownKeys(e, where, {"type"});
    enc.kind = EncodingKind::Basic;
  } else if (type == "positional") {
    rejectUnknownKeys(e, where, {"type", "levels", "sigma"});
    enc.kind = EncodingKind::Positional;
    enc.levels = int(getInt(e, "levels", where, 1, kMaxWidth, 8));
    enc.sigma = getNumber(e, "sigma", where, 10.0);
  } else if (type == "gaussian") {
    rejectUnknownKeys(e, where, {"type", "features", "sigma", "seed"});
    enc.kind = EncodingKind::Gaussian;
    enc.features = int(getInt(e, "features", where, 1, kMaxWidth, 256));
    enc.sigma = getNumber(e, "sigma", where, 10.0);
    enc.seed = getUint64(e, "seed", where, 0);
  } else if (type == "fourier") {
    rejectUnknownKeys(e, where, {"type", "B"});
    enc.kind = EncodingKind::Fourier;
    if (!e.contains("B")) throw NetworkError(where + ": missing key \"B\"");
    const json& b = e["B"];
    if (!b.is_array() || b.empty()) throw NetworkError(where + ".B: expected a non-empty array of rows");
    // Shapes first: B is sized from input_dim, so a short row must not cost an input_dim-wide allocation.
    for (size_t r = 0; r < b.size(); ++r) {
      const std::string rw = where + ".B[" + std::to_string(r) + "]";
      if (!b[r].is_array()) throw NetworkError(rw + ": expected an array, got " + typeName(b[r]));
      if (b[r].size() != size_t(inputDim))
        throw NetworkError(rw + ": has " + std::to_string(b[r].size()) + " entries, input_dim is " + std::to_string(inputDim));
    }
    enc.B.resize(Eigen::Index(b.size()), inputDim);
    for (size_t r = 0; r < b.size(); ++r) {
      const std::string rw = where + ".B[" + std::to_string(r) + "]";
      for (size_t c = 0; c < b[r].size(); ++c) {
        if (!b[r][c].is_number()) throw NetworkError(rw + "[" + std::to_string(c) + "]: expected a number, got " + typeName(b[r][c]));
        enc.B(Eigen::Index(r), Eigen::Index(c)) = b[r][c].get<double>();
      }
    }
  } else {
    throw NetworkError(where + ".type: unknown encoding \"" + type + "\" (none, basic, positional, gaussian, fourier)");
  }
  return enc;
}

Layer parseLayer(const json& l, size_t index)
{
  const std::string where = "layers[" + std::to_string(index) + "]";
  requireObject(l, where);
  if (!l.contains("type") || !l["type"].is_string()) throw NetworkError(where + ": missing string key \"type\"");
  const std::string type = l["type"];
  if (type == "dense") {
    rejectUnknownKeys(l, where, {"type", "width", "W_std", "b_std"});
    DenseLayer d;
    d.width = int(getInt(l, "width", where, 1, kMaxWidth));
    d.wStd = getNumber(l, "W_std", where, 1.0);
    if (l.contains("b_std") && l["b_std"].is_null())
      d.bStd.reset();
    else
      d.bStd = getNumber(l, "b_std", where, 0.0);
    return d;
  }
  if (type == "relu" || type == "erf" || type == "tanh" || type == "gelu" || type == "identity") {
    rejectUnknownKeys(l, where, {"type"});
    const ActivationKind k = type == "relu" ? ActivationKind::Relu
                             : type == "erf" ? ActivationKind::Erf
                             : type == "tanh" ? ActivationKind::Tanh
                             : type == "gelu" ? ActivationKind::Gelu
                                              : ActivationKind::Identity;
    return ActivationLayer{Activation(k)};
  }
  if (type == "leaky_relu") {
    rejectUnknownKeys(l, where, {"type", "alpha"});
    return ActivationLayer{Activation(ActivationKind::LeakyRelu, getNumber(l, "alpha", where, 0.01))};
  }
  if (type == "sin") {
    rejectUnknownKeys(l, where, {"type", "omega"});
    return ActivationLayer{Activation(ActivationKind::Sin, getNumber(l, "omega", where, 1.0))};
  }
  throw NetworkError(where + ".type: unknown layer \"" + type +
                     "\" (dense, relu, leaky_relu, erf, tanh, gelu, sin, identity)");
}

} // namespace

Network networkFromJson(const std::string& text)
{
  json doc;
  try {
    doc = parseRejectingDuplicateKeys(text);
  } catch (const json::out_of_range& e) {
    // "number overflow parsing '1e999'": name the key whose value it is.
    const std::string what = withoutTag(e.what());
    const auto a = what.find('\''), b = what.rfind('\'');
    std::string key;
    if (a != std::string::npos && b > a) {
      const auto at = text.find(what.substr(a + 1, b - a - 1));
      const auto colon = at == std::string::npos ? std::string::npos : text.rfind(':', at);
      const auto q2 = colon == std::string::npos ? std::string::npos : text.rfind('"', colon);
      const auto q1 = q2 == std::string::npos || q2 == 0 ? std::string::npos : text.rfind('"', q2 - 1);
      if (q1 != std::string::npos) key = text.substr(q1 + 1, q2 - q1 - 1);
    }
    throw NetworkError((key.empty() ? std::string("a number") : key) + ": value out of range (" + what + ")");
  } catch (const json::exception& e) {
    throw NetworkError("not valid JSON: " + withoutTag(e.what()));
  }
  requireObject(doc, "network");
  rejectUnknownKeys(doc, "network", {"format", "input_dim", "encoding", "parameterization", "layers"});
  if (doc.contains("format")) {
    if (!doc["format"].is_string() || doc["format"] != kFormat)
      throw NetworkError(std::string("format: expected \"") + kFormat + "\", got " + typeName(doc["format"]));
  }
  Network net;
  net.inputDim = int(getInt(doc, "input_dim", "network", 1, kMaxWidth));
  if (doc.contains("encoding")) net.encoding = parseEncoding(doc["encoding"], net.inputDim);
  if (doc.contains("parameterization")) {
    const json& p = doc["parameterization"];
    if (p == "ntk")
      net.parameterization = Parameterization::Ntk;
    else if (p == "standard")
      net.parameterization = Parameterization::Standard;
    else
      throw NetworkError("parameterization: expected \"ntk\" or \"standard\", got " + typeName(p));
  }
  if (!doc.contains("layers")) throw NetworkError("network: missing key \"layers\"");
  if (!doc["layers"].is_array()) throw NetworkError("layers: expected an array, got " + typeName(doc["layers"]));
  for (size_t i = 0; i < doc["layers"].size(); ++i) net.layers.push_back(parseLayer(doc["layers"][i], i));
  net.validate();
  return net;
}

std::string networkToJson(const Network& net, int indent)
{
  // ordered_json: keys in the order of CONVENTIONS §4, so saved files read naturally.
  using ojson = nlohmann::ordered_json;
  ojson doc;
  doc["format"] = kFormat;
  doc["input_dim"] = net.inputDim;
  ojson e;
  e["type"] = net.encoding.name();
  switch (net.encoding.kind) {
  case EncodingKind::Positional:
    e["levels"] = net.encoding.levels;
    e["sigma"] = net.encoding.sigma;
    break;
  case EncodingKind::Gaussian:
    e["features"] = net.encoding.features;
    e["sigma"] = net.encoding.sigma;
    e["seed"] = net.encoding.seed;
    break;
  case EncodingKind::Fourier: {
    ojson rows = ojson::array();
    for (Eigen::Index r = 0; r < net.encoding.B.rows(); ++r) {
      ojson row = ojson::array();
      for (Eigen::Index c = 0; c < net.encoding.B.cols(); ++c) row.push_back(net.encoding.B(r, c));
      rows.push_back(row);
    }
    e["B"] = rows;
    break;
  }
  default: break;
  }
  doc["encoding"] = e;
  doc["parameterization"] = net.parameterization == Parameterization::Ntk ? "ntk" : "standard";
  ojson layers = ojson::array();
  for (const Layer& l : net.layers) {
    ojson o;
    if (const auto* d = std::get_if<DenseLayer>(&l)) {
      o["type"] = "dense";
      o["width"] = d->width;
      o["W_std"] = d->wStd;
      o["b_std"] = d->bStd ? ojson(*d->bStd) : ojson(nullptr);
    } else {
      const Activation& a = std::get<ActivationLayer>(l).activation;
      if (a.kind() == ActivationKind::Custom) throw NetworkError("a custom activation cannot be saved to JSON");
      o["type"] = a.name();
      if (a.kind() == ActivationKind::LeakyRelu) o["alpha"] = a.parameter();
      if (a.kind() == ActivationKind::Sin) o["omega"] = a.parameter();
    }
    layers.push_back(o);
  }
  doc["layers"] = layers;
  return doc.dump(indent) + "\n";
}

Network loadNetwork(const std::string& path)
{
  std::ifstream in(path);
  if (!in) throw NetworkError("cannot open '" + path + "': " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return networkFromJson(ss.str());
  } catch (const NetworkError& e) {
    throw NetworkError(path + ": " + e.what());
  }
}

void saveNetwork(const Network& net, const std::string& path)
{
  const std::string text = networkToJson(net);
  // Write to a temporary file first so a failed save never destroys the previous file.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    if (!out) throw NetworkError("cannot write '" + path + "': " + std::strerror(errno));
    out << text;
    if (!out) throw NetworkError("error writing '" + path + "'");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw NetworkError("cannot replace '" + path + "': " + std::strerror(errno));
}

} // namespace ntk
