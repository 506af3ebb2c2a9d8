// TopoptProblemJson.cpp — see TopoptProblemJson.h. Reading is strict, like the network file
// (CONVENTIONS §4): unknown or repeated keys, wrong types, non-integral or out-of-range integers,
// nodes and elements off the grid are InputErrors whose message starts with the key path.
#include "core/topopt/TopoptProblemJson.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/util/Errors.h"
#include "core/util/StrictJson.h"

namespace ntk {

using nlohmann::json;

namespace {

const char* kFormat = "ntk-studio.topopt-problem/1";

using strictjson::typeName;
using strictjson::withoutTag;

void rejectUnknownKeys(const json& obj, const std::string& where, std::initializer_list<const char*> allowed)
{
  strictjson::rejectUnknownKeys<InputError>(obj, where.empty() ? std::string("problem") : where, allowed);
}

const json& requireKey(const json& obj, const char* key, const std::string& where)
{
  if (!obj.contains(key)) throw InputError((where.empty() ? std::string("problem") : where) + ": missing key \"" + key + "\"");
  return obj.at(key);
}

/// An integer in [lo, hi] (JSON integers and integral floats such as 6e1); `name` is the key path.
long long integerIn(const json& v, const std::string& name, long long lo, long long hi)
{
  const auto outOfRange = [&] {
    return InputError(name + ": " + v.dump() + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  };
  if (v.is_number_unsigned()) { // lo may be above 0: compare both ends
    const std::uint64_t u = v.get<std::uint64_t>();
    if (u > std::uint64_t(hi) || (lo > 0 && u < std::uint64_t(lo))) throw outOfRange();
    return (long long)u;
  }
  if (v.is_number_integer()) {
    const long long i = v.get<std::int64_t>();
    if (i < lo || i > hi) throw outOfRange();
    return i;
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!std::isfinite(d) || std::floor(d) != d) throw InputError(name + ": expected an integer, got " + v.dump());
    if (d < double(lo) || d > double(hi)) throw outOfRange(); // compared as doubles: no undefined cast
    return (long long)d;
  }
  throw InputError(name + ": expected an integer, got " + typeName(v));
}

double finiteNumber(const json& v, const std::string& name)
{
  if (!v.is_number()) throw InputError(name + ": expected a number, got " + typeName(v));
  const double d = v.get<double>();
  if (!std::isfinite(d)) throw InputError(name + ": not a finite number");
  return d;
}

std::string stringValue(const json& v, const std::string& name)
{
  if (!v.is_string()) throw InputError(name + ": expected a string, got " + typeName(v));
  return v.get<std::string>();
}

const json& arrayOf(const json& v, const std::string& name)
{
  if (!v.is_array()) throw InputError(name + ": expected an array, got " + typeName(v));
  return v;
}

/// A pair [a, b] of integers, a in [0, maxA], b in [0, maxB]: a node [ix, iy] or an element [ex, ey]
/// of the grid ("loads[0].node[0]: 70 is out of range [0, 60]").
std::pair<int, int> gridPair(const json& v, const std::string& name, int maxA, int maxB, const char* shape)
{
  if (!v.is_array() || v.size() != 2)
    throw InputError(name + ": expected " + shape + ", got " +
                     (v.is_array() ? "an array of " + std::to_string(v.size()) : typeName(v)));
  return {int(integerIn(v[0], name + "[0]", 0, maxA)), int(integerIn(v[1], name + "[1]", 0, maxB))};
}

/// Parses `text` strictly (no repeated keys), with nlohmann's errors as one short InputError line.
json parseRejectingDuplicateKeys(const std::string& text)
{
  try {
    return strictjson::parseRejectingDuplicateKeys<InputError>(text, "problem");
  } catch (const json::out_of_range& e) {
    throw InputError("a number is out of the range of a double (" + withoutTag(e.what()) + ")");
  } catch (const json::exception& e) {
    // "parse error at line 1, column 41: syntax error while parsing object separator - …": one short line.
    std::string what = withoutTag(e.what());
    const std::string filler = "syntax error while parsing ";
    if (const auto at = what.find(filler); at != std::string::npos) what.erase(at, filler.size());
    throw InputError("not valid JSON: " + what);
  }
}

std::vector<PointLoad> parseLoads(const json& list, int nelx, int nely)
{
  std::vector<PointLoad> loads;
  for (size_t i = 0; i < arrayOf(list, "loads").size(); ++i) {
    const std::string where = "loads[" + std::to_string(i) + "]";
    const json& l = list[i];
    if (!l.is_object()) throw InputError(where + ": expected an object, got " + typeName(l));
    rejectUnknownKeys(l, where, {"node", "force"});
    PointLoad p;
    std::tie(p.ix, p.iy) = gridPair(requireKey(l, "node", where), where + ".node", nelx, nely, "[ix, iy]");
    const json& f = requireKey(l, "force", where);
    if (!f.is_array() || f.size() != 2)
      throw InputError(where + ".force: expected [fx, fy], got " + (f.is_array() ? "an array of " + std::to_string(f.size()) : typeName(f)));
    p.fx = finiteNumber(f[0], where + ".force[0]");
    p.fy = finiteNumber(f[1], where + ".force[1]");
    loads.push_back(p);
  }
  return loads;
}

std::vector<NodeSupport> parseSupports(const json& list, int nelx, int nely)
{
  std::vector<NodeSupport> supports;
  for (size_t i = 0; i < arrayOf(list, "supports").size(); ++i) {
    const std::string where = "supports[" + std::to_string(i) + "]";
    const json& s = list[i];
    if (!s.is_object()) throw InputError(where + ": expected an object, got " + typeName(s));
    rejectUnknownKeys(s, where, {"node", "fix"});
    NodeSupport n;
    std::tie(n.ix, n.iy) = gridPair(requireKey(s, "node", where), where + ".node", nelx, nely, "[ix, iy]");
    const std::string fix = stringValue(requireKey(s, "fix", where), where + ".fix");
    if (fix != "x" && fix != "y" && fix != "xy")
      throw InputError(where + ".fix: expected \"x\", \"y\" or \"xy\", got \"" + fix + "\"");
    n.fixX = fix != "y";
    n.fixY = fix != "x";
    supports.push_back(n);
  }
  return supports;
}

std::vector<PassiveKind> parsePassive(const json& list, int nelx, int nely)
{
  std::vector<PassiveKind> passive;
  if (arrayOf(list, "passive").empty()) return passive; // none: the empty mask
  passive.assign(size_t(nelx) * size_t(nely), PassiveKind::None);
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where = "passive[" + std::to_string(i) + "]";
    const json& p = list[i];
    if (!p.is_object()) throw InputError(where + ": expected an object, got " + typeName(p));
    rejectUnknownKeys(p, where, {"element", "kind"});
    const auto [ex, ey] = gridPair(requireKey(p, "element", where), where + ".element", nelx - 1, nely - 1, "[ex, ey]");
    const std::string kind = stringValue(requireKey(p, "kind", where), where + ".kind");
    if (kind != "solid" && kind != "void") throw InputError(where + ".kind: expected \"solid\" or \"void\", got \"" + kind + "\"");
    PassiveKind& slot = passive[size_t(ex) * size_t(nely) + size_t(ey)];
    if (slot != PassiveKind::None)
      throw InputError(where + ".element: [" + std::to_string(ex) + ", " + std::to_string(ey) + "] is listed twice");
    slot = kind == "solid" ? PassiveKind::Solid : PassiveKind::Void;
  }
  return passive;
}

std::string fixName(const NodeSupport& s) { return s.fixX && s.fixY ? "xy" : s.fixX ? "x" : "y"; }

} // namespace

TopoptProblem topoptProblemFromJson(const std::string& text)
{
  const json doc = parseRejectingDuplicateKeys(text);
  if (!doc.is_object()) throw InputError("problem: expected an object, got " + typeName(doc));
  rejectUnknownKeys(doc, "", {"format", "name", "nelx", "nely", "loads", "supports", "passive"});
  if (doc.contains("format") && (!doc["format"].is_string() || doc["format"] != kFormat))
    throw InputError(std::string("format: expected \"") + kFormat + "\", got " + typeName(doc["format"]));
  TopoptProblem p;
  if (doc.contains("name")) {
    p.name = stringValue(doc["name"], "name");
    if (p.name.empty()) throw InputError("name: must not be empty");
  }
  p.nelx = int(integerIn(requireKey(doc, "nelx", ""), "nelx", 1, kMaxTopoptElements));
  p.nely = int(integerIn(requireKey(doc, "nely", ""), "nely", 1, kMaxTopoptElements));
  if ((long long)p.nelx * p.nely > kMaxTopoptElements)
    throw InputError("nelx × nely: " + std::to_string(p.nelx) + " × " + std::to_string(p.nely) + " elements exceed the limit of " +
                     std::to_string(kMaxTopoptElements));
  p.loads = parseLoads(requireKey(doc, "loads", ""), p.nelx, p.nely);
  p.supports = parseSupports(requireKey(doc, "supports", ""), p.nelx, p.nely);
  if (doc.contains("passive")) p.passive = parsePassive(doc["passive"], p.nelx, p.nely);
  p.validate();
  return p;
}

namespace {

/// The document with one line per key and per array entry, each entry compact — a 60 × 20 MBB beam
/// is 30 lines, not 300 (nlohmann's indented dump puts every number on its own line).
std::string oneEntryPerLine(const nlohmann::ordered_json& doc, int indent)
{
  const std::string pad(size_t(indent), ' ');
  std::string out = "{\n";
  size_t k = 0;
  for (auto it = doc.begin(); it != doc.end(); ++it, ++k) {
    out += pad + nlohmann::ordered_json(it.key()).dump() + ": ";
    if (it->is_array() && !it->empty()) {
      out += "[\n";
      for (size_t i = 0; i < it->size(); ++i)
        out += pad + pad + (*it)[i].dump() + (i + 1 < it->size() ? ",\n" : "\n");
      out += pad + "]";
    } else {
      out += it->dump();
    }
    out += k + 1 < doc.size() ? ",\n" : "\n";
  }
  return out + "}\n";
}

} // namespace

std::string topoptProblemToJson(const TopoptProblem& problem, int indent)
{
  problem.validate();
  // ordered_json: the keys in the order of CONVENTIONS §7.
  using ojson = nlohmann::ordered_json;
  ojson doc;
  doc["format"] = kFormat;
  doc["name"] = problem.name;
  doc["nelx"] = problem.nelx;
  doc["nely"] = problem.nely;
  ojson loads = ojson::array();
  for (const PointLoad& l : problem.loads) loads.push_back({{"node", {l.ix, l.iy}}, {"force", {l.fx, l.fy}}});
  doc["loads"] = loads;
  ojson supports = ojson::array();
  for (const NodeSupport& s : problem.supports) supports.push_back({{"node", {s.ix, s.iy}}, {"fix", fixName(s)}});
  doc["supports"] = supports;
  ojson passive = ojson::array();
  for (int e = 0; e < int(problem.passive.size()); ++e)
    if (problem.passive[size_t(e)] != PassiveKind::None)
      passive.push_back({{"element", {e / problem.nely, e % problem.nely}},
                         {"kind", problem.passive[size_t(e)] == PassiveKind::Solid ? "solid" : "void"}});
  if (!passive.empty()) doc["passive"] = passive;
  return indent > 0 ? oneEntryPerLine(doc, indent) : doc.dump() + "\n";
}

TopoptProblem loadTopoptProblem(const std::string& path)
{
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw InputError("cannot open '" + path + "': it is a directory");
  std::ifstream in(path);
  if (!in) throw InputError("cannot open '" + path + "': " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw InputError("cannot read '" + path + "'");
  try {
    return topoptProblemFromJson(ss.str());
  } catch (const InputError& e) {
    throw InputError(path + ": " + e.what());
  }
}

void saveTopoptProblem(const TopoptProblem& problem, const std::string& path)
{
  const std::string text = topoptProblemToJson(problem);
  // A temporary file first, so a failed save never destroys the previous file.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    if (!out) throw InputError("cannot write '" + path + "': " + std::strerror(errno));
    out << text;
    if (!out) {
      out.close();
      std::remove(tmp.c_str());
      throw InputError("error writing '" + path + "'");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    std::remove(tmp.c_str());
    throw InputError("cannot replace '" + path + "': " + reason);
  }
}

} // namespace ntk
